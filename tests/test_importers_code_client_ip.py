"""`import source`: a Python web application that takes its client's address from a forwarding header whichever peer
sent it (werkzeug's ProxyFix, the header read directly, Django REST framework's throttles of anonymous callers) states
``client_ip_from_header: any`` on its service (``engine.importers.code_client_ip``)."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from engine.importers import compose_routes, import_paths, load_artifacts
from engine.importers.code_client_ip import forwarded
from engine.loader import load_documents
from engine.review import review
from tests.helpers import write
from tests.importer_helpers import fact

FLASK_PROXYFIX = """
    from flask import Flask
    from werkzeug.middleware.proxy_fix import ProxyFix

    class App(Flask):
        def __init__(self):
            super().__init__(__name__)
            self.wsgi_app = ProxyFix(self.wsgi_app, x_for=settings.PROXIES_COUNT, x_host=1)
"""
FLASK_PROTO_ONLY = """
    from werkzeug.middleware.proxy_fix import ProxyFix
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=0, x_proto=1)
"""
DJANGO_META = """
    def client_address(request):
        return request.META.get("HTTP_X_FORWARDED_FOR", request.META["REMOTE_ADDR"])
"""
FLASK_HEADER = """
    def client_address():
        return request.headers["X-Forwarded-For"]
"""
DRF_VIEWS = """
    from rest_framework.authtoken.views import ObtainAuthToken
    from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

    class TokenThrottle(AnonRateThrottle):
        rate = "10/day"

    class ImportThrottle(UserRateThrottle):
        rate = "20/day"

    class ImportView(APIView):
        throttle_classes = [ImportThrottle]

    class TokenView(ObtainAuthToken):
        throttle_classes = [TokenThrottle]
"""
DRF_SIGNED_IN_ONLY = """
    class ImportView(APIView):
        throttle_classes = [UserRateThrottle, ScopedRateThrottle]
"""
DRF_OPEN_SCOPED = """
    class Login(ObtainAuthToken):
        throttle_classes = [ScopedRateThrottle]
        throttle_scope = "login"
"""
DRF_OWN_KEY = """
    class PerKey(AnonRateThrottle):
        def get_cache_key(self, request, view):
            return request.headers.get("X-Api-Key")

    class V(APIView):
        throttle_classes = [PerKey]
"""
DRF_SETTINGS = """
    REST_FRAMEWORK = {
        "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    }
"""
DRF_NO_PROXIES = """
    REST_FRAMEWORK = {"NUM_PROXIES": 0}
"""


def _found(files: dict[str, str]) -> tuple[str, int] | None:
    got = forwarded([(p, textwrap.dedent(t)) for p, t in files.items()])
    return None if got is None else (got[1].file, got[1].line)


@pytest.mark.parametrize(("files", "expected"), [
    ({"app.py": FLASK_PROXYFIX}, ("app.py", 8)),
    ({"app.py": FLASK_PROTO_ONLY}, None),
    ({"hc/views.py": DJANGO_META}, ("hc/views.py", 3)),
    ({"web/client.py": FLASK_HEADER}, ("web/client.py", 3)),
    ({"cookbook/views.py": DRF_VIEWS}, ("cookbook/views.py", 15)),
    ({"cookbook/views.py": DRF_VIEWS, "recipes/settings.py": DRF_NO_PROXIES}, None),
    ({"views.py": DRF_SIGNED_IN_ONLY}, None),
    ({"views.py": DRF_OPEN_SCOPED}, ("views.py", 3)),
    ({"views.py": DRF_OWN_KEY}, None),
    ({"settings.py": DRF_SETTINGS}, ("settings.py", 3)),
    ({"tests/test_proxy.py": DJANGO_META}, None),
    ({"client.py": "def forward(headers, peer):\n    headers['X-Forwarded-For'] = peer\n"}, None),
    ({"app.py": "ProxyFix = None\nx = ProxyFix(app, x_for=1)\n"}, None),
])
def test_where_the_code_takes_the_client_address_from_a_header(files: dict[str, str], expected: Any) -> None:
    assert _found(files) == expected


def test_a_header_read_directly_wins_over_num_proxies_zero() -> None:
    files = {"a/views.py": DJANGO_META, "settings.py": DRF_NO_PROXIES}
    assert _found(files) == ("a/views.py", 3)


COMPOSE = """
    services:
      web:
        image: acme/web
        ports: ["8000:8000"]
      quiet:
        image: acme/quiet
        ports: ["8001:8001"]
"""


SOURCES = {"web": FLASK_PROXYFIX, "quiet": FLASK_PROTO_ONLY}


def _specs(tmp: str) -> list[str]:
    """The compose file and one source directory per service, each holding its ``app.py``."""
    for service, code in SOURCES.items():
        write(tmp, f"{service}/app.py", code)
    return [f"compose={write(tmp, 'compose.yaml', COMPOSE)}", *(f"source={tmp}/{s}" for s in SOURCES)]


def test_a_published_service_trusting_the_header_from_any_peer_is_a_risk(tmp_path: Any) -> None:
    docs = load_artifacts(_specs(str(tmp_path)))
    design = load_documents(docs)
    assert fact(design, "service:web").data.get("client_ip_from_header") == "any"
    assert "client_ip_from_header" not in fact(design, "service:quiet").data
    notes = [text for d in docs for text in getattr(d, "notes", {}).get("service:web", [])]
    assert any("client_ip_from_header any" in n and "ProxyFix" in n and "app.py:7:25" in n for n in notes), notes
    rv = review([], extra=load_artifacts(_specs(str(tmp_path))))
    assert {f.subject for f in rv.findings if f.rule == "client-ip-header-trusted-from-any-peer"} == {"service:web"}


JS_HEADER_LIST = """
    const ADDRESS_HEADERS = ['cf-connecting-ip', 'X-Forwarded-For', 'x-client-ip'];

    export function clientAddress(headers: Headers) {
      const name = ADDRESS_HEADERS.find(h => headers.get(h));
      return name ? headers.get(name) : undefined;
    }
"""
EXPRESS_READ = """
    app.post('/hit', (req, res) => {
      const ip = req.headers['x-real-ip'] || req.socket.remoteAddress;
      res.json({ ip });
    });
"""
NEXT_GETTER = """
    export async function POST(request: Request) {
      // request.headers.get('x-forwarded-for') was read here once
      const ip = request.headers.get('x-forwarded-for')?.split(',')[0];
      return Response.json({ ip });
    }
"""
JS_PROXY_SETS = """
    export async function forward(req, target) {
      const headers = { 'x-forwarded-for': req.socket.remoteAddress, accept: 'application/json' };
      res.setHeader('X-Forwarded-For', req.ip);
      req.headers['x-real-ip'] = req.ip;
      return fetch(target, { headers });
    }
"""
JS_LIST_NEVER_READ = """
    const STRIPPED = ['x-forwarded-for', 'x-real-ip'];
    export const strip = (h) => Object.fromEntries(Object.entries(h).filter(([k]) => !STRIPPED.includes(k)));
"""


@pytest.mark.parametrize(("files", "expected"), [
    pytest.param({"src/lib/ip.ts": JS_HEADER_LIST}, ("src/lib/ip.ts", 2), id="list-read-by-name"),
    pytest.param({"server.js": EXPRESS_READ}, ("server.js", 3), id="express-subscript"),
    pytest.param({"app/api/hit/route.ts": NEXT_GETTER}, ("app/api/hit/route.ts", 4), id="getter-comment-skipped"),
    pytest.param({"proxy.js": JS_PROXY_SETS}, None, id="headers-set-read-nothing"),
    pytest.param({"strip.js": JS_LIST_NEVER_READ}, None, id="list-not-read-by-name"),
    pytest.param({"src/__tests__/ip.test.ts": NEXT_GETTER}, None, id="test-file"),
])
def test_where_javascript_takes_the_client_address_from_a_header(files: dict[str, str], expected: Any) -> None:
    assert _found(files) == expected


def test_a_proxy_in_front_of_the_code_states_how_the_address_is_taken(tmp_path: Any) -> None:
    # Caddy in the service's own container trusts no peer's forwarding headers: the code reads the peer's address
    # Caddy puts there, so the deployment's statement stands alone (the api and infrastructure files, written apart
    # as `archplan import` writes them, would otherwise disagree and not load together)
    tmp = str(tmp_path)
    write(tmp, "web/src/log.ts", NEXT_GETTER)
    caddy = write(tmp, "Caddyfile", ":3000 {\n\treverse_proxy localhost:8080\n}\n")
    compose = write(tmp, "compose.yaml", "services:\n  web:\n    image: acme/web\n    ports: [\"3000:3000\"]\n")
    docs = compose_routes([*import_paths("compose", [compose]), *import_paths("gateway", [caddy], service="web"),
                           *import_paths("source", [f"{tmp}/web"], service="web")])
    stated = [(d.data.get("source"), s["client_ip_from_header"]) for d in docs if isinstance(d.data, dict)
              for s in d.data.get("services") or [] if s.get("name") == "web" and "client_ip_from_header" in s]
    assert stated == [("infrastructure", "none")]
