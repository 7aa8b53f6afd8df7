"""Spring Data REST: the HTTP resources a service's repositories export, read for ``code_routes``.

With Spring Data REST on the classpath, a repository interface annotated ``@RepositoryRestResource`` is served over
HTTP with no controller written (docs.spring.io/spring-data/rest/reference, "Repository resources"): its collection
resource, at the annotation's ``path`` (else the domain type's simple name, uncapitalised and pluralised:
``Order`` -> ``orders``), answers ``GET`` (``findAll``) and ``POST`` (``save``); its item resource, ``{id}`` below
it, answers ``GET`` (``findById``), ``PUT``, ``PATCH`` (``save``) and ``DELETE`` (``deleteById``); each query
method it declares is ``GET .../search/<name>`` (``@RestResource(path = ...)`` renames it). Only repositories of the
CRUD family (``CrudRepository``, ``PagingAndSortingRepository``, ``JpaRepository``, ``MongoRepository``...) are
read, as those are the ones whose CRUD methods the resources call; ``exported = false`` on the annotation drops the
repository, on a method the resources that call it. A repository with no annotation is exported too under Spring
Data REST's default detection strategy, but only when the build enables Spring Data REST, which its code alone does
not say: it is not read. ``spring.data.rest.base-path`` (``basePath``) in the service's application properties
prefixes every route the module serves, those of ``@RepositoryRestController`` and ``@BasePathAwareController``
classes included; a route such a controller maps replaces the repository's own (``code_routes``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

import yaml

from engine.errors import Location
from engine.importers.code_text import call_args, close_bracket

_RESOURCE = re.compile(r"@RepositoryRestResource\b")
_INTERFACE = re.compile(r"\binterface\s+(\w+)\s*(?:<[^{]*?>)?\s*extends\s+([^{]+)\{")
_CRUD = re.compile(r"\b((?:\w*CrudRepository|\w*PagingAndSortingRepository|JpaRepository|MongoRepository|"
                   r"Neo4jRepository|CassandraRepository|KeyValueRepository|QuerydslJpaRepository)"
                   r")\s*<\s*([\w.]+)")
"""A repository of the CRUD family (not a reactive one: Spring Data REST serves none), with its domain type."""
_METHOD = re.compile(r"(?:@\w+(?:\s*\((?:[^()]|\([^()]*\))*\))?\s*)*[\w<>\[\],.?\s]+?\b(\w+)\s*\([^;{]*\)\s*;")
_REST_RESOURCE = re.compile(r"@RestResource\s*\(")
_EXPORTED_FALSE = re.compile(r"\bexported\s*=\s*false\b")
_PATH_ATTR = re.compile(r"\bpath\s*=\s*\"([^\"]*)\"")
_CRUD_METHODS = {"save": ("POST", "PUT", "PATCH"), "saveAll": (), "delete": ("DELETE",), "deleteById": ("DELETE",),
                 "deleteAll": (), "deleteAllById": (), "findAll": ("GET",), "findById": ("GET {id}",),
                 "findOne": ("GET {id}",), "findAllById": (), "count": (), "existsById": ()}
"""The CRUD methods a repository may redeclare (to hide them with ``exported = false``), each with the resources
that call it (``GET {id}``: the item resource's GET); none of them is a query method with a search resource."""
_BASE_PATH = re.compile(r"^\s*spring\.data\.rest\.base-?[pP]ath\s*[=:]\s*(\S+)", re.MULTILINE)


@dataclass(frozen=True)
class Exported:
    """One route a repository exports: its method, path (no base path), where the repository is declared, and the
    repository method it calls."""

    method: str
    path: str
    at: Location
    calls: str


def _plural(word: str) -> str:
    """The English plural Spring Data REST's inflector gives the common cases (``category`` -> ``categories``,
    ``address`` -> ``addresses``, ``order`` -> ``orders``)."""
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    if re.search(r"(?:s|x|z|ch|sh)$", word):
        return word + "es"
    return word + "s"


def exported(path: str, code: str) -> list[Exported]:
    """The routes the ``@RepositoryRestResource`` repository of one Java file (comments blanked) exports."""
    ann = _RESOURCE.search(code)
    iface = _INTERFACE.search(code, ann.end()) if ann else None
    if ann is None or iface is None:
        return []
    args = call_args(code, ann.end()) if code[ann.end():].lstrip().startswith("(") else ""
    crud = _CRUD.search(iface.group(2))
    if _EXPORTED_FALSE.search(args) or crud is None:
        return []
    domain = crud.group(2).rsplit(".", 1)[-1]
    named = _PATH_ATTR.search(args)
    base = "/" + (named.group(1).strip("/") if named else _plural(domain[:1].lower() + domain[1:]))
    line = code.count("\n", 0, ann.start()) + 1
    at = Location(path, line, ann.start() - (code.rfind("\n", 0, ann.start()) + 1) + 1)
    hidden: set[str] = set()
    searches: list[tuple[str, str]] = []
    body_at = iface.end()
    body = code[body_at:close_bracket(code, body_at - 1) - 1]
    for m in _METHOD.finditer(body):
        name, head = m.group(1), m.group(0)
        rest = _REST_RESOURCE.search(head)
        rest_args = call_args(head, rest.end() - 1) if rest else ""
        off = bool(rest) and _EXPORTED_FALSE.search(rest_args) is not None
        if name in _CRUD_METHODS:
            if off:
                hidden.update(_CRUD_METHODS[name])
        elif not off:
            renamed = _PATH_ATTR.search(rest_args)
            searches.append((renamed.group(1).strip("/") if renamed else name, name))
    what = iface.group(1)
    out = [Exported(verb, base + ("/{id}" if item else ""), at, f"{what}.{calls}()")
           for verb, item, calls, key in (("GET", False, "findAll", "GET"), ("POST", False, "save", "POST"),
                                          ("GET", True, "findById", "GET {id}"), ("PUT", True, "save", "PUT"),
                                          ("PATCH", True, "save", "PATCH"), ("DELETE", True, "deleteById", "DELETE"))
           if key not in hidden]
    out.extend(Exported("GET", f"{base}/search/{p}", at, f"{what}.{name}()") for p, name in searches)
    return out


def base_path(configs: Sequence[tuple[str, str]]) -> str:
    """``spring.data.rest.base-path`` (or ``basePath``) as the service's application properties or YAML set it; ""
    when none does."""
    for f, text in configs:
        if f.endswith(".properties"):
            m = _BASE_PATH.search(text)
            if m:
                return "/" + m.group(1).strip().strip("/")
        elif f.endswith((".yml", ".yaml")) and os.path.basename(f).startswith("application"):
            try:
                docs = list(yaml.safe_load_all(text))
            except yaml.YAMLError:
                continue
            for d in docs:
                rest = (((d or {}).get("spring") or {}).get("data") or {}).get("rest") if isinstance(d, dict) else None
                value = rest.get("base-path", rest.get("basePath")) if isinstance(rest, dict) else None
                if isinstance(value, str) and value.strip("/"):
                    return "/" + value.strip().strip("/")
    return ""


CONTROLLERS = ("RepositoryRestController", "BasePathAwareController")
"""The Spring Data REST controller annotations: a Spring MVC controller served under the base path."""

__all__ = ["CONTROLLERS", "Exported", "base_path", "exported"]
