"""`import source`: FastAPI's router tree (``engine.importers.code_fastapi``): the prefixes ``include_router`` mounts a
module's routes under across files, a settings default as a prefix, a router mounted only in development left out, a
handler taking ``OAuth2PasswordRequestForm`` a login, and Python 3.14's ``except A, B:`` read."""

from __future__ import annotations

import ast
from typing import Any

from engine.importers import code_trees, import_paths
from tests.helpers import write
from tests.importer_helpers import design_of, fact

SETTINGS = """
from pydantic_settings import BaseSettings


class LibrarySettings(BaseSettings):
    API_PREFIX: str = "/api/v2"
    STAGE: str | None = None


settings = LibrarySettings()
"""

APP = """
from fastapi import FastAPI

from library.api.router import root_router
from library.config import settings

app = FastAPI()
app.include_router(root_router, prefix=settings.API_PREFIX)
"""

ROUTER = """
from fastapi import APIRouter

from library.config import settings
from library.api.endpoints import loans, session, seed

root_router = APIRouter()
root_router.include_router(loans.router, prefix="/lending")
root_router.include_router(session.router)

if settings.STAGE == "local":
    root_router.include_router(seed.router)
"""

LOANS = """
from fastapi import APIRouter

router = APIRouter(prefix="/loans")


@router.get("/{loan_id}")
def read_loan(loan_id: int):
    try:
        return lookup(loan_id)
    except KeyError, LookupError:
        return None
"""

SESSION = """
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

router = APIRouter(tags=["session"])


@router.post("/session/open")
def open_session(form: Annotated[OAuth2PasswordRequestForm, Depends()]):
    return issue(form.username, form.password)


@router.post("/session/close")
def close_session(token: str):
    return revoke(token)
"""

SEED = """
from fastapi import APIRouter

router = APIRouter(prefix="/seed")


@router.post("/members")
def seed_members(count: int):
    return make(count)
"""


def test_fastapi_routes_take_the_prefixes_their_routers_are_mounted_under(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    for name, text in (("config.py", SETTINGS), ("main.py", APP), ("api/router.py", ROUTER),
                       ("api/endpoints/loans.py", LOANS), ("api/endpoints/session.py", SESSION),
                       ("api/endpoints/seed.py", SEED), ("__init__.py", ""), ("api/__init__.py", ""),
                       ("api/endpoints/__init__.py", "")):
        write(tmp, f"library/{name}", text)
    (doc,) = import_paths("source", [f"{tmp}/library"])
    d = design_of([doc])
    keys = set(d.by_key())
    # the settings class's default, the mount's literal, the router's own prefix; 3.14's except read
    assert fact(d, "endpoint:library-GET-/api/v2/lending/loans/-loan_id").data["path"] == \
        "/api/v2/lending/loans/{loan_id}"
    assert fact(d, "endpoint:library-POST-/api/v2/session/open").data["auth_flow"] is True  # a password form
    assert "auth_flow" not in fact(d, "endpoint:library-POST-/api/v2/session/close").data
    assert not any("seed" in k for k in keys)  # mounted only when STAGE is "local"
    assert any("mounted only in development" in text for _at, text in doc.remarks)
    assert not any("not Python 3 that parses" in text for _at, text in doc.remarks)


GENERIC = """
from fastapi import APIRouter

router = APIRouter(prefix="/shelves")

type Pair[T] = tuple[T, T]
type ShelfId = int


def first[T: (int, str)](items: list[T]) -> T:
    return items[0]


class Page[
    T,
](list):
    pass


@router.get("/{shelf_id}")
def shelf(shelf_id: int):
    return first([shelf_id])
"""


def test_python_3_12_type_parameters_do_not_hide_a_file_s_routes(tmp_path: Any) -> None:
    """Generic functions, classes and ``type`` aliases (PEP 695) parse on an interpreter older than 3.12: the file's
    routes are read, on their own lines, and no remark says the file did not parse."""
    tmp = str(tmp_path)
    path = write(tmp, "shelves/api.py", GENERIC)
    (doc,) = import_paths("source", [f"{tmp}/shelves"])
    d = design_of([doc])
    route = fact(d, "endpoint:shelves-GET-/shelves/-shelf_id")
    assert route.data["path"] == "/shelves/{shelf_id}"
    assert not any("not Python 3 that parses" in text for _at, text in doc.remarks)
    assert path.endswith("api.py")
    tree = code_trees.parse(GENERIC, "api.py")  # the lines stay where they were
    assert [n.lineno for n in tree.body if isinstance(n, ast.FunctionDef)] == [
        i + 1 for i, line in enumerate(GENERIC.splitlines()) if line.startswith("def ")]


PANTRY_APP = """
from fastapi import FastAPI

from pantry.routes import router

app = FastAPI()
app.include_router(router)
"""

PANTRY_ROUTES = """
from fastapi import APIRouter

from . import auth, shelves

extra = "/extra"

router = APIRouter(prefix="/api")
router.include_router(auth.router)
router.include_router(shelves.router, prefix=extra)
"""

PANTRY_AUTH = """
from fastapi import APIRouter

from . import tokens

router = APIRouter(prefix="/auth")
router.include_router(tokens.public_router)
"""

PANTRY_TOKENS = """
from fastapi import APIRouter

public_router = APIRouter()


@public_router.post("/token")
def token(username: str, password: str):
    return issue(username, password)
"""

PANTRY_SHELVES = """
from pantry.routers import MemberAPIRouter

router = MemberAPIRouter(prefix="/shelves")


@router.get("")
def all_shelves():
    return list_shelves()


@router.get("/{shelf_id}")
def one_shelf(shelf_id: int):
    return find(shelf_id)
"""


def test_a_package_s_relative_imports_and_its_routers_own_prefixes_mount_the_routes(tmp_path: Any) -> None:
    """``from . import auth`` in a package's ``__init__.py`` names its subpackage, ``from . import tokens`` in that
    subpackage's ``__init__.py`` its module; an including router's own ``APIRouter(prefix=...)`` comes before the
    routes it includes; a prefix given as a module-level name assigned a string is read; a subclass named as FastAPI's
    router (``MemberAPIRouter(prefix=...)``) has its prefix, and its ``@router.get("")`` is the prefix itself."""
    tmp = str(tmp_path)
    for name, text in (("main.py", PANTRY_APP), ("routes/__init__.py", PANTRY_ROUTES),
                       ("routes/auth/__init__.py", PANTRY_AUTH), ("routes/auth/tokens.py", PANTRY_TOKENS),
                       ("routes/shelves.py", PANTRY_SHELVES), ("__init__.py", "")):
        write(tmp, f"pantry/{name}", text)
    (doc,) = import_paths("source", [f"{tmp}/pantry"])
    d = design_of([doc])
    paths = sorted(str(f.data["path"]) for k, f in d.by_key().items() if k.startswith("endpoint:"))
    assert paths == ["/api/auth/token", "/api/extra/shelves", "/api/extra/shelves/{shelf_id}"]
