"""OpenAPI 3.0/3.1 and Swagger 2.0 -> the API agent's endpoints, with the artifact's lines.

Read per operation: method and path (with the servers' common base path), the serving service
(``info.title`` or ``--service``), authentication from the security requirements in force
(operation-level overrides document-level; an explicitly empty ``security: []`` means none),
exposure from the servers, versioning, pagination parameters, an idempotency-key header,
rate limiting (rate-limit headers, 429 responses, ``x-`` extensions), mutation (HTTP method),
object ids in the path, collections, deprecation, and a data-classification *hint* from the field
names and formats of request and response schemas. ``$ref``s are followed across local files with
the ``referencing`` library.

Never set: timeouts, retries, circuit breakers, idempotency of the handler, input validation,
authorisation. An OpenAPI description cannot tell them.
"""

from __future__ import annotations

import dataclasses
import re
import urllib.parse
from typing import Any

from engine.errors import InputError, Location, did_you_mean
from engine.importers.base import (
    Body,
    Node,
    Refs,
    SpecImporter,
    combine_exposure,
    fail,
    field_class,
    host_exposure,
    most_sensitive,
    split_host,
)
from engine.source import Document, Limits, keypath

METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
PAGING_PARAMS = {"limit", "offset", "page", "cursor", "pagesize", "perpage", "pagetoken", "pagenumber", "after",
                 "before", "startingafter", "endingbefore", "maxresults", "top", "skip", "continuationtoken",
                 "nextpagetoken", "size"}
IDEMPOTENCY_HEADERS = {"idempotency-key", "x-idempotency-key", "idempotency-token", "x-idempotency-token"}
VERSION_HEADERS = {"api-version", "x-api-version", "accept-version", "x-version", "version"}
COLLECTION_KEYS = {"items", "data", "results", "content", "records", "entries", "values", "list", "elements", "edges",
                   "nodes"}
_ENVELOPE_KEYS = {
    "total", "totalcount", "count", "page", "pagesize", "size", "offset", "limit", "next", "nextpagetoken",
    "nextcursor", "cursor", "previous", "prev", "links", "hasmore", "hasnext", "hasprevious", "totalpages",
    "number", "numberofelements", "first", "last", "sort", "pageable", "empty", "totalelements", "meta",
    "metadata", "status", "message", "success", "error", "errors", "kind", "object", "href", "self", "took",
    "pagination", "paging", "pageinfo", "continuationtoken", "marker", "nextmarker", "istruncated", "start",
    "end", "version"}
"""Properties that sit beside the list in a collection envelope (``{items: [...], total, next}``): paging and
response metadata. An object with other properties beside its list (a cart with its items, an order with its
lines) is one resource, not a page of many."""
_RATE_HEADER = re.compile(r"^(x-)?rate-?limit|^retry-after$", re.IGNORECASE)
_RATE_EXT = re.compile(r"^x-.*(rate-?limit|throttl|quota)", re.IGNORECASE)
_VERSION_PATH = re.compile(r"/v\d+(?:\.\d+)?(?:/|$)", re.IGNORECASE)
_VND = re.compile(r"vnd\.", re.IGNORECASE)
_DOT_VERSION = re.compile(r"\.v\d", re.IGNORECASE)
_VERSION_PARAM = re.compile(r";\s*version=", re.IGNORECASE)


def versioned_media(media: str) -> bool:
    r"""A media type that carries a version: ``vnd.<...>.v2`` (no ``+`` or ``;`` between) or ``; version=``.

    What ``vnd\.[^+;]*\.v\d+|;\s*version=`` finds, in linear time: searched, that regex retried from every
    ``vnd.`` of a long text (quadratic)."""
    start = 0
    for end in [*(i for i, c in enumerate(media) if c in "+;"), len(media)]:
        vnd = _VND.search(media, start, end)
        if vnd is not None and _DOT_VERSION.search(media, vnd.end(), end) is not None:
            return True
        start = end + 1
    return _VERSION_PARAM.search(media) is not None
AUTHN_ORDER = ("none", "basic", "api_key", "session", "jwt", "oauth2", "mtls")


def detect(data: Any) -> bool:
    """Whether a parsed document is an OpenAPI or Swagger description."""
    return isinstance(data, dict) and ("openapi" in data or "swagger" in data)


class _Put:
    """Sets one field of one fact of a body, with an optional note on the fact."""

    def __init__(self, body: Body, key: tuple[str, str]) -> None:
        self.body, self.key = body, key

    def __call__(self, field: str, value: Any, where: Location, note: str | None = None) -> None:
        self.body.set(*self.key, field, value, where)
        if note:
            self.body.note(*self.key, note)


class _Importer(SpecImporter):
    FORMAT = "openapi"
    NO_TITLE = "no info.title to name the serving service; give one with --service (or FORMAT:SERVICE=PATH)"

    def __init__(self, doc: Document, limits: Limits, service: str | None) -> None:
        super().__init__(doc, limits, service)
        self.schemes = self._schemes()
        self.operations: dict[str, str] = {}

    def checked_root(self, doc: Document) -> dict[str, Any]:
        root = doc.data
        if not isinstance(root, dict):
            raise fail(doc, (), f"an OpenAPI description must be a mapping, not a {type(root).__name__}")
        if "openapi" in root:
            version = str(root["openapi"])
            if not re.match(r"^3\.[01](\.|$)", version):
                raise fail(doc, ("openapi",), f"OpenAPI version {version!r} is not supported; this archplan reads "
                                              "3.0, 3.1 and Swagger 2.0")
            self.v2 = False
        elif "swagger" in root:
            if str(root["swagger"]) != "2.0":
                raise fail(doc, ("swagger",), f"Swagger version {root['swagger']!r} is not supported; expected '2.0'")
            self.v2 = True
        else:
            raise fail(doc, (), "not an OpenAPI description: no 'openapi:' or 'swagger:' key")
        return root

    def _schemes(self) -> dict[str, str | None]:
        """Security scheme name -> archplan authn value (None: a type archplan has no value for)."""
        if self.v2:
            container = self.child(self.refs.root, "securityDefinitions")
        else:
            container = self.child(self.child(self.refs.root, "components"), "securitySchemes")
        out: dict[str, str | None] = {}
        if container.value is None:
            return out
        if not isinstance(container.value, dict):
            raise self.err(container, "security schemes must be a mapping")
        for name, scheme in self.refs.items(container):
            if not isinstance(scheme.value, dict):
                raise self.err(scheme, "a security scheme must be a mapping")
            out[name] = _authn_of_scheme(scheme.value)
        return out

    # ---------------------------------------------------------------- servers
    def _servers(self, node: Node) -> list[tuple[str, Location]]:
        """(url, location) of each server of a ``servers:`` list (variables replaced by their defaults)."""
        if node.value is None:
            return []
        if not isinstance(node.value, list):
            raise self.err(node, "servers must be a list")
        out = []
        for i in range(len(node.value)):
            server = self.child(node, i)
            if not isinstance(server.value, dict) or not isinstance(server.value.get("url"), str):
                raise self.err(server, "a server needs a 'url' string")
            url = server.value["url"]
            variables = server.value.get("variables")
            if isinstance(variables, dict):
                for var, spec in variables.items():
                    if isinstance(spec, dict) and "default" in spec:
                        url = url.replace("{" + str(var) + "}", str(spec["default"]))
            out.append((url, self.loc(server, "url")))
        return out

    def _root_servers(self) -> list[tuple[str, Location]]:
        if not self.v2:
            return self._servers(self.child(self.refs.root, "servers"))
        host = self.root.get("host")
        if not isinstance(host, str):
            return []
        base = self.root.get("basePath") if isinstance(self.root.get("basePath"), str) else ""
        schemes: Any = self.root.get("schemes") if isinstance(self.root.get("schemes"), list) else ["https"]
        loc = self.doc.locate(("host",))
        return [(f"{s}://{host}{base}", loc) for s in schemes]

    # ---------------------------------------------------------------- run
    def run(self) -> Document:
        body, name = self.body, self.service
        info_loc = self.doc.locate(("info", "title")) if "info" in self.root else self.doc.locate(())
        body.fact("services", {"name": name}, info_loc)
        body.set("services", name, "api_contract", "openapi", self.doc.locate(("swagger" if self.v2 else "openapi",)))
        servers = self._root_servers()
        exposure = combine_exposure([host_exposure(split_host(u)[1]) for u, _ in servers])
        if exposure:
            body.set("services", name, "exposure", exposure, servers[0][1])
            body.note("services", name, f"exposure {exposure} from the servers' hosts "
                                        f"({', '.join(sorted({split_host(u)[1] for u, _ in servers}))})")
        base = self._base_path(servers)
        if self.v2 and isinstance(self.root.get("basePath"), str) and not servers:
            base = self.root["basePath"].rstrip("/")
        global_sec = self.child(self.refs.root, "security") if "security" in self.root else None
        paths = self.child(self.refs.root, "paths")
        if paths.value is None:
            paths = Node({}, paths.resolver, paths.uri, paths.path)
        if not isinstance(paths.value, dict):
            raise self.err(paths, "'paths' must be a mapping of path -> operations")
        root_rate = self._rate_extension(self.root)
        for raw_path, item in self.refs.items(paths):
            if not isinstance(item.value, dict):
                raise self.err(item, "a path item must be a mapping of method -> operation")
            if not str(raw_path).startswith("/"):
                raise InputError(f"path '{raw_path}' must start with '/'", self.loc(paths, raw_path),
                                 keypath((*paths.path, raw_path)))
            path_params = self._params(self.child(item, "parameters"))
            path_servers = self._servers(self.child(item, "servers")) if "servers" in item.value else None
            for method in METHODS:
                if method in item.value:
                    op = self.child(item, method)
                    if not isinstance(op.value, dict):
                        raise self.err(op, "an operation must be a mapping")
                    self._operation(str(raw_path), method, op, item, path_params, path_servers, base,
                                    global_sec, root_rate)
        return dataclasses.replace(body.document(), operations=dict(sorted(self.operations.items())))

    @staticmethod
    def _base_path(servers: list[tuple[str, Location]]) -> str:
        paths = {split_host(u)[2].rstrip("/") for u, _ in servers}
        return paths.pop() if len(paths) == 1 else ""

    def _params(self, node: Node) -> dict[tuple[str, str], Node]:
        out: dict[tuple[str, str], Node] = {}
        if node.value is None:
            return out
        if not isinstance(node.value, list):
            raise self.err(node, "parameters must be a list")
        for i in range(len(node.value)):
            p = self.child(node, i)
            if not isinstance(p.value, dict) or not isinstance(p.value.get("name"), str) or not isinstance(
                    p.value.get("in"), str):
                raise self.err(p, "a parameter needs 'name' and 'in'")
            out[(p.value["in"].lower(), p.value["name"])] = p
        return out

    @staticmethod
    def _rate_extension(obj: dict[str, Any]) -> str | None:
        return next((k for k in obj if isinstance(k, str) and _RATE_EXT.match(k)), None)

    def _operation(self, raw_path: str, method: str, op: Node, item: Node, path_params: dict[tuple[str, str], Node],
                   path_servers: list[tuple[str, Location]] | None, base: str, global_sec: Node | None,
                   root_rate: str | None) -> None:
        body = self.body
        at = self.loc(op)
        full = _printable(base + raw_path if base else raw_path)
        verb = method.upper()
        if body.has("endpoints", f"{verb} {full}"):
            return  # two templates that differ only in their base path: the first one stands
        ident = body.fact("endpoints", {"method": verb, "path": full, "served_by": self.service}, at)
        put = _Put(body, ("endpoints", ident))
        op_id = op.value.get("operationId")
        if isinstance(op_id, str):
            body.note(*put.key, f"operationId {op_id}")
            self.operations[f"{verb} {full}"] = op_id
        put("mutating", verb not in SAFE_METHODS, at)
        if "{" in raw_path:
            put("takes_object_id", True, at)
        if op.value.get("deprecated") is True:
            put("deprecated", True, self.loc(op, "deprecated"))
        self._op_access(put, op, item, path_servers, global_sec)
        params = dict(path_params)
        params.update(self._params(self.child(op, "parameters")))
        self._op_versioning(put, op, full, params, at)
        # pagination and idempotency keys from the parameters
        paging = [(pname, p) for (where_in, pname), p in params.items()
                  if where_in == "query" and re.sub(r"[^a-z]", "", pname.lower()) in PAGING_PARAMS]
        if paging:
            put("pagination", True, self.loc(paging[0][1]), f"pagination from query parameter '{paging[0][0]}'")
        for (where_in, pname), p in params.items():
            if where_in == "header" and pname.lower() in IDEMPOTENCY_HEADERS:
                put("idempotency_key", True, self.loc(p), f"idempotency_key from header '{pname}'")
        found = self._op_responses(put, op, item, verb, root_rate, bool(paging))
        self._op_classification(put, op, params, found, at)

    def _op_access(self, put: _Put, op: Node, item: Node, path_servers: list[tuple[str, Location]] | None,
                   global_sec: Node | None) -> None:
        """Authentication (the operation's requirements override the document's) and exposure (operation or path
        servers, or an x-internal flag)."""
        sec = self.child(op, "security") if "security" in op.value else global_sec
        if sec is not None:
            authn = self._authn(sec)
            if authn is not None:
                put("authn", authn, self.loc(sec),
                    "authn none: security is explicitly empty" if authn == "none" and sec.value == [] else None)
        op_servers = self._servers(self.child(op, "servers")) if "servers" in op.value else path_servers
        if op.value.get("x-internal") is True or item.value.get("x-internal") is True:
            where = self.loc(op, "x-internal") if "x-internal" in op.value else self.loc(item, "x-internal")
            put("exposure", "internal", where, "exposure internal: x-internal: true")
        elif op_servers is not None:
            exp = combine_exposure([host_exposure(split_host(u)[1]) for u, _ in op_servers])
            if exp and op_servers:
                put("exposure", exp, op_servers[0][1])

    def _op_versioning(self, put: _Put, op: Node, full: str, params: dict[tuple[str, str], Node],
                       at: Location) -> None:
        """How the operation is versioned: in its path, a version header, or a versioned media type."""
        version: tuple[str, Location] | None = None
        hit: tuple[str, Location] | None
        if _VERSION_PATH.search(full):
            version = ("path", at)
        else:
            for (where_in, pname), p in params.items():
                if where_in == "header" and pname.lower() in VERSION_HEADERS:
                    version = ("header", self.loc(p))
                    break
        if version is None:
            media = self._media_types(op)
            hit = next(((m, loc) for m, loc in media if versioned_media(m)), None)
            if hit:
                version = ("media_type", hit[1])
        put("versioning", version[0] if version else "none", version[1] if version else at)

    def _op_responses(self, put: _Put, op: Node, item: Node, verb: str, root_rate: str | None,
                      paged: bool) -> list[tuple[str, str]]:
        """Rate limits and collections from the responses; returns the classified data their schemas show."""
        found: list[tuple[str, str]] = []
        responses = self.child(op, "responses")
        rate: tuple[Location, str] | None = None
        ext = self._rate_extension(op.value) or self._rate_extension(item.value)
        if ext:
            rate = (self.loc(op, ext) if ext in op.value else self.loc(item, ext), f"extension {ext}")
        elif root_rate:
            rate = (self.doc.locate((root_rate,)), f"extension {root_rate}")
        collection: bool | None = None
        if isinstance(responses.value, dict):
            for code, resp in self.refs.items(responses):
                if not isinstance(resp.value, dict):
                    continue
                if str(code) == "429" and rate is None:
                    rate = (self.loc(responses, code), "a 429 response")
                headers = self.child(resp, "headers")
                if isinstance(headers.value, dict):
                    for hname in headers.value:
                        if rate is None and _RATE_HEADER.match(str(hname)):
                            rate = (self.loc(headers, hname), f"response header {hname}")
                for schema in self._schemas(resp):
                    cls_hit = self.classifier.classify(schema)
                    if cls_hit:
                        found.append((cls_hit[0], f"'{cls_hit[1]}' in the {code} response"))
                    if str(code).startswith("2") and verb == "GET":
                        is_coll = _is_collection(self.refs, schema)
                        collection = bool(collection) or is_coll
        if rate:
            put("rate_limit", True, rate[0], f"rate_limit from {rate[1]}")
        if collection is not None:
            put("returns_collection", collection, self.loc(responses))
            if collection and not paged:
                put("pagination", False, self.loc(responses),
                    "pagination false: the collection has no paging parameter")
        return found

    def _op_classification(self, put: _Put, op: Node, params: dict[tuple[str, str], Node],
                           found: list[tuple[str, str]], at: Location) -> None:
        """The most sensitive data class the responses, the request or the parameters show, as a hint."""
        for schema in self._request_schemas(op, params):
            req_hit = self.classifier.classify(schema)
            if req_hit:
                found.append((req_hit[0], f"'{req_hit[1]}' in the request"))
        for (_in, pname), p in params.items():
            cls = field_class(pname, (p.value.get("schema") or {}).get("format") if isinstance(
                p.value.get("schema"), dict) else p.value.get("format"))
            if cls:
                found.append((cls, f"parameter '{pname}'"))
        best = most_sensitive(found)
        if best and best[0] != "confidential":
            put("data_classification", best[0], at,
                f"data_classification {best[0]} is a hint from {best[1]}: override it if wrong")
        elif best:
            put("data_classification", "confidential", at,
                f"data_classification confidential is a hint from {best[1]}: override it if wrong")

    def _authn(self, sec: Node) -> str | None:
        if not isinstance(sec.value, list):
            raise self.err(sec, "security must be a list of requirement objects")
        if not sec.value:
            return "none"
        alternatives: list[str | None] = []
        for i, req in enumerate(sec.value):
            if not isinstance(req, dict):
                raise self.err(sec, "a security requirement must be a mapping of scheme -> scopes", i)
            if not req:
                alternatives.append("none")  # {} makes authentication optional
                continue
            kinds: list[str | None] = []
            for scheme in req:
                if scheme not in self.schemes:
                    raise self.err(sec, f"unknown security scheme '{scheme}'{did_you_mean(str(scheme), self.schemes)}",
                                   i, scheme)
                kinds.append(self.schemes[scheme])
            known = [k for k in kinds if k is not None]
            alternatives.append(max(known, key=AUTHN_ORDER.index) if known else None)
        known_alts = [a for a in alternatives if a is not None]
        if len(known_alts) != len(alternatives):
            return None  # an alternative of a kind archplan cannot name: the weakest is unknown
        return min(known_alts, key=AUTHN_ORDER.index)

    def _media_types(self, op: Node) -> list[tuple[str, Location]]:
        out: list[tuple[str, Location]] = []
        if self.v2:
            for k in ("produces", "consumes"):
                src = op.value.get(k, self.root.get(k))
                if isinstance(src, list):
                    out.extend((str(m), self.loc(op)) for m in src)
            return out
        rb = self.child(op, "requestBody")
        for holder in [rb] + [r for _c, r in self.refs.items(self.child(op, "responses"))]:
            content = self.child(holder, "content") if isinstance(holder.value, dict) else None
            if content is not None and isinstance(content.value, dict):
                out.extend((str(m), self.loc(content, m)) for m in content.value)
        return out

    def _schemas(self, holder: Node) -> list[Node]:
        """The schemas of a response or request body (every media type)."""
        if not isinstance(holder.value, dict):
            return []
        if self.v2:
            return [self.child(holder, "schema")] if isinstance(holder.value.get("schema"), dict) else []
        content = self.child(holder, "content")
        out = []
        if isinstance(content.value, dict):
            for _m, media in self.refs.items(content):
                if isinstance(media.value, dict) and isinstance(media.value.get("schema"), dict):
                    out.append(self.child(media, "schema"))
        return out

    def _request_schemas(self, op: Node, params: dict[tuple[str, str], Node]) -> list[Node]:
        if self.v2:
            return [self.child(p, "schema") for (where_in, _n), p in params.items()
                    if where_in == "body" and isinstance(p.value.get("schema"), dict)]
        return self._schemas(self.child(op, "requestBody"))


def _authn_of_scheme(scheme: dict[str, Any]) -> str | None:
    kind = str(scheme.get("type", "")).lower()
    if kind == "apikey":
        return "session" if str(scheme.get("in", "")).lower() == "cookie" else "api_key"
    if kind == "basic":  # Swagger 2.0: a user name and password sent with every request
        return "basic"
    if kind == "http":
        http = str(scheme.get("scheme", "")).lower()
        if http == "bearer":
            return "jwt" if "jwt" in str(scheme.get("bearerFormat", "")).lower() else "oauth2"
        if http in ("basic", "digest"):
            return "basic"
        return None
    if kind in ("oauth2", "openidconnect"):
        return "oauth2"
    if kind == "mutualtls":
        return "mtls"
    return None


def _is_collection(refs: Refs, schema: Node) -> bool:
    s = refs.deref(schema)
    if not isinstance(s.value, dict):
        return False
    if s.value.get("type") == "array" or ("items" in s.value and "properties" not in s.value):
        return True
    props = s.value.get("properties")
    if isinstance(props, dict):
        if len(props) == 1:  # a message that only wraps a list ({shelves: [...]}: a repeated field of gRPC) is it
            (pname,) = props
            p = refs.deref(refs.child(refs.child(s, "properties"), pname))
            if isinstance(p.value, dict) and p.value.get("type") == "array":
                return True
        for pname in props:
            if str(pname).lower() in COLLECTION_KEYS:
                p = refs.child(refs.child(s, "properties"), pname)
                others = [re.sub(r"[^a-z]", "", str(o).lower()) for o in props if o != pname]
                if isinstance(p.value, dict) and p.value.get("type") == "array" and \
                        all(o in _ENVELOPE_KEYS for o in others):
                    return True
    for comb in ("allOf",):
        parts = s.value.get(comb)
        if isinstance(parts, list):
            return any(_is_collection(refs, refs.child(refs.child(s, comb), i)) for i in range(len(parts)))
    return False


def _printable(path: str) -> str:
    """The path as printable ASCII (others percent-encoded), at most 512 characters."""
    if all(" " <= c <= "~" for c in path):
        return path[:512]
    return urllib.parse.quote(path, safe="/{}:@!$&'()*+,;=-._~")[:512]


import_file = _Importer.import_file
"""Import one OpenAPI or Swagger file (and the local files its ``$ref``s reach)."""
