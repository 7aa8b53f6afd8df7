"""`import source`: a system whose services call one another with no authentication at all (every callee's code reads
no credential) is said to have none (``security.service_to_service_auth: none``), on fixtures of our own."""

from __future__ import annotations

from typing import Any

from engine.importers import load_artifacts
from engine.loader import load_documents
from tests.helpers import write
from tests.importer_helpers import fact

_OPEN = """
    from flask import Flask
    app = Flask(__name__)
    @app.route("/{route}", methods=["POST"])
    def handle():
        return "", 204
"""

_CHECKED = """
    from flask import Flask, request
    app = Flask(__name__)
    @app.route("/{route}", methods=["POST"])
    def handle():
        if request.headers.get("Authorization") != "Bearer ok":
            return "", 401
        return "", 204
"""


def _shop(tmp: str, callees: dict[str, str]) -> tuple[Any, list[str]]:
    """shop calls each of ``callees`` (name -> its Flask code, with ``{route}``); the design and the security notes."""
    compose = write(tmp, "compose.yaml", "services:\n" + "".join(f"  {n}: {{image: acme/{n}}}\n"
                                                                 for n in ["shop", *callees]))
    hosts = "".join(f'{n.upper()} = os.getenv("{n.upper()}_HOST", "{n}")\n' for n in callees)
    sends = "".join(f'    requests.post(f"http://{{{n.upper()}}}:8080/{n}", timeout=2)\n' for n in callees)
    write(tmp, "shop/app.py", f"import os, requests\n{hosts}def order():\n{sends}")
    for name, code in callees.items():
        write(tmp, f"{name}/app.py", code.replace("{route}", name))
    docs = load_artifacts([f"compose={compose}", *(f"source={tmp}/{n}" for n in ["shop", *callees])])
    notes = [n for d in docs for n in getattr(d, "notes", {}).get("security:security", [])]
    return load_documents(docs), notes


def test_a_system_whose_every_service_call_is_unauthenticated_has_no_service_to_service_auth(tmp_path: Any) -> None:
    design, notes = _shop(str(tmp_path), {"stock": _OPEN, "billing": _OPEN})
    security = fact(design, "security:security")
    assert security.data["service_to_service_auth"] == "none"
    # said where the first such call (shop -> billing) is made, in the deployment's document
    assert security.locate("service_to_service_auth").file.endswith("shop/app.py")
    assert any("all 2 calls between services whose code was read are unauthenticated" in n for n in notes)


def test_one_call_to_a_service_that_checks_a_token_leaves_service_to_service_auth_unknown(tmp_path: Any) -> None:
    design, notes = _shop(str(tmp_path), {"stock": _OPEN, "billing": _CHECKED})
    assert fact(design, "interaction:shop->stock").data["auth"] == "none"
    assert "security:security" not in design.by_key()
    assert notes == []


def test_a_mongodb_session_is_no_caller_credential(tmp_path: Any) -> None:
    # a MongoDB client's session (mgo.Session, a variable named mongo_session) is a handle on the database: the
    # service still reads no credential of its callers
    stock = _OPEN + """
    from pymongo import MongoClient
    mongo_session = MongoClient("mongodb://stock-db:27017")
    """
    design, _notes = _shop(str(tmp_path), {"stock": stock, "billing": _OPEN})
    assert fact(design, "interaction:shop->stock").data["auth"] == "none"
    assert fact(design, "security:security").data["service_to_service_auth"] == "none"
