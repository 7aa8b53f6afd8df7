"""import gateway: from which peers a Caddy or nginx proxy takes the client's address from a forwarding header
(``service.client_ip_from_header``), and the rule that reads it (client-ip-header-trusted-from-any-peer)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.importers import import_paths, load_artifacts
from engine.loader import load_documents
from engine.review import review
from tests.helpers import write
from tests.importer_helpers import fact, line_of

RULE = "client-ip-header-trusted-from-any-peer"


def caddy(tmp_path: Any, servers: str) -> tuple[str, dict[str, Any]]:
    """A Caddyfile with the given lines in its global ``servers`` block, imported: its path and the proxy's fields."""
    options = "{\n\tservers {\n" + "".join(f"\t\t{s}\n" for s in servers.split("\n")) + "\t}\n}\n\n"
    path = write(str(tmp_path), "Caddyfile", options + ":80 {\n\treverse_proxy /* web:3000\n}\n")
    svc = fact(load_documents(import_paths("gateway", [path], service="proxy")), "service:proxy")
    return path, svc.data


@pytest.mark.parametrize(("servers", "trust"), [
    ("trusted_proxies static 0.0.0.0/0", "any"),
    ("trusted_proxies static ::/0", "any"),
    ("trusted_proxies static 0.0.0.0/1 128.0.0.0/1", "any"),  # together every address
    ("trusted_proxies static {$TRUSTED_PROXIES:0.0.0.0/0}", "any"),  # the placeholder's default
    ("trusted_proxies static private_ranges", "private"),
    ("trusted_proxies static 10.0.0.0/8 172.16.0.0/12 fd00::/8", "private"),
    ("trusted_proxies static 203.0.113.0/24", "listed"),
    ("trusted_proxies static 10.0.0.0/8 203.0.113.7", "listed"),
    ("trusted_proxies static 0.0.0.0/8 not-an-address", "listed"),  # hostile: no traceback, not "any"
    ("trusted_proxies cloudflare", "listed"),  # a plugin's CDN ranges
    ("max_header_size 25MB", "none"),  # Caddy's default trusts no peer
], ids=["ipv4-all", "ipv6-all", "two-halves", "placeholder-default", "private-ranges", "private-cidrs",
        "public-cidr", "mixed", "garbage", "plugin", "unset"])
def test_caddy_trusted_proxies_say_which_peers_may_name_the_client(tmp_path: Any, servers: str, trust: str) -> None:
    _path, svc = caddy(tmp_path, servers)
    assert svc["client_ip_from_header"] == trust


def test_caddy_trust_is_located_at_its_trusted_proxies_line(tmp_path: Any) -> None:
    path = write(str(tmp_path), "Caddyfile", """
        {
            servers :443 {
                trusted_proxies static 10.0.0.0/8
            }
            servers :80 {
                client_ip_headers X-Forwarded-For X-Real-IP
                trusted_proxies static 0.0.0.0/0
            }
        }

        :80 {
            reverse_proxy /* web:3000
        }
        """)
    svc = fact(load_documents(import_paths("gateway", [path], service="proxy")), "service:proxy")
    assert svc.data["client_ip_from_header"] == "any"  # the most trusting of the servers
    assert svc.locate("client_ip_from_header").line == line_of(path, "trusted_proxies static 0.0.0.0/0")


def test_caddy_trusted_proxies_that_name_nothing_leave_the_trust_unknown(tmp_path: Any) -> None:
    # an empty placeholder leaves "trusted_proxies static" with no range: what Caddy makes of it is not guessed
    _path, svc = caddy(tmp_path, "trusted_proxies static {$TRUSTED_PROXIES}")
    assert "client_ip_from_header" not in svc


def test_caddy_options_importing_a_file_leave_the_trust_unknown(tmp_path: Any) -> None:
    # the imported file may hold the servers options: Caddy's default is not assumed
    _path, svc = caddy(tmp_path, "import servers.caddy")
    assert "client_ip_from_header" not in svc
    path = write(str(tmp_path), "Caddyfile", "{\n\timport options.caddy\n}\n:80 {\n\treverse_proxy web:3000\n}\n")
    svc = fact(load_documents(import_paths("gateway", [path], service="proxy")), "service:proxy")
    assert "client_ip_from_header" not in svc.data


def deployed(tmp_path: Any, trusted: str, environment: str = "") -> list[Any]:
    """A compose file publishing a Caddy proxy (with ``environment`` lines) and its Caddyfile trusting ``trusted``."""
    root = str(tmp_path)
    compose = write(root, "compose.yaml", "services:\n  proxy:\n    image: acme/proxy:1.2.0\n" + (
        f"    environment:\n      {environment}\n" if environment else "") +
        '    ports: ["80:80"]\n  web:\n    image: acme/web:1.2.0\n')
    path = write(root, "proxy/Caddyfile", "{\n\tservers {\n\t\tclient_ip_headers X-Forwarded-For X-Real-IP\n"
                                          f"\t\ttrusted_proxies static {trusted}\n\t}}\n}}\n"
                                          ":80 {\n\treverse_proxy /* web:3000\n}\n")
    return load_artifacts([f"compose={compose}", f"gateway:proxy={path}"])


def test_the_proxy_containers_environment_fills_the_trusted_ranges(tmp_path: Any) -> None:
    # Caddy reads the container's environment before a placeholder's default
    docs = deployed(tmp_path, "{$TRUSTED_PROXIES:0.0.0.0/0}", "TRUSTED_PROXIES: 10.0.0.0/8")
    assert fact(load_documents(docs), "service:proxy").data["client_ip_from_header"] == "private"
    docs = deployed(tmp_path, "{$TRUSTED_PROXIES:0.0.0.0/0}")
    assert fact(load_documents(docs), "service:proxy").data["client_ip_from_header"] == "any"


def test_a_published_caddy_trusting_every_peer_is_flagged_end_to_end(tmp_path: Any) -> None:
    risks = [f for f in review([], extra=deployed(tmp_path, "0.0.0.0/0")).findings
             if f.kind == "risk" and f.rule == RULE]
    assert [f.subject for f in risks] == ["service:proxy"]
    # the same proxy trusting only its load balancer is not
    assert not [f for f in review([], extra=deployed(tmp_path, "10.0.0.0/8")).findings if f.rule == RULE]


NGINX = """
http {{
  {peers}
  server {{
    listen 80;
    location /api/ {{ proxy_pass http://api:8000; }}
  }}
}}
"""


@pytest.mark.parametrize(("peers", "trust"), [
    ("set_real_ip_from 0.0.0.0/0; real_ip_header X-Forwarded-For;", "any"),
    ("set_real_ip_from ::/0; set_real_ip_from 10.0.0.0/8; real_ip_header proxy_protocol;", "any"),
    ("set_real_ip_from 10.0.0.0/8; set_real_ip_from 192.168.0.0/16; set_real_ip_from 127.0.0.1;", "private"),
    ("set_real_ip_from 173.245.48.0/20; real_ip_header CF-Connecting-IP;", "listed"),
    ("set_real_ip_from unix:;", "listed"),
    ("set_real_ip_from lb.example.org;", "listed"),
    ("set_real_ip_from 999.1.1.1/99;", "listed"),  # hostile: not an address, no traceback
    ("set_real_ip_from $trusted;", None),  # a variable: not read
    ("real_ip_header X-Forwarded-For;", None),  # no peer here: an included file may name them
], ids=["ipv4-all", "ipv6-all", "private", "cdn", "unix-socket", "host-name", "garbage", "variable", "no-peers"])
def test_nginx_set_real_ip_from_says_which_peers_may_name_the_client(tmp_path: Any, peers: str,
                                                                     trust: str | None) -> None:
    path = write(str(tmp_path), "nginx.conf", NGINX.format(peers=peers))
    svc = fact(load_documents(import_paths("gateway", [path], service="edge")), "service:edge")
    assert svc.data.get("client_ip_from_header") == trust


def test_nginx_trust_is_located_at_the_directive_that_opens_it(tmp_path: Any) -> None:
    path = write(str(tmp_path), "nginx.conf", NGINX.format(
        peers="set_real_ip_from 10.0.0.0/8;\n  set_real_ip_from 0.0.0.0/0;\n  real_ip_header X-Forwarded-For;"))
    svc = fact(load_documents(import_paths("gateway", [path], service="edge")), "service:edge")
    assert svc.data["client_ip_from_header"] == "any"
    assert svc.locate("client_ip_from_header").line == line_of(path, "set_real_ip_from 0.0.0.0/0")


@pytest.mark.parametrize(("command", "trust"), [
    ('["--entrypoints.web.address=:80", "--entrypoints.web.forwardedHeaders.insecure"]', "any"),
    ('["--entrypoints.web.forwardedheaders.insecure=true"]', "any"),
    ('["--entrypoints.web.forwardedHeaders.insecure=false"]', None),
    ('["--entryPoints.web.forwardedHeaders.trustedIPs=0.0.0.0/0,::/0"]', "any"),
    ('["--entrypoints.web.forwardedHeaders.trustedIPs=10.0.0.0/8,172.16.0.0/12"]', "private"),
    ('["--entrypoints.web.forwardedHeaders.trustedIPs=173.245.48.0/20"]', "listed"),
    ('["--entrypoints.web.forwardedHeaders.trustedIPs=${TRUSTED}"]', None),  # a variable compose left: not read
    ('"--entrypoints.web.forwardedHeaders.insecure --providers.docker"', "any"),  # the command as one string
    ('["--providers.docker"]', None),  # unstated: a traefik.yml the import does not read may say
], ids=["insecure-flag", "insecure-true", "insecure-false", "trusted-all", "trusted-private", "trusted-cdn",
        "variable", "string-command", "unstated"])
def test_traefik_forwarded_headers_say_which_peers_may_name_the_client(tmp_path: Any, command: str,
                                                                      trust: str | None) -> None:
    path = write(str(tmp_path), "compose.yaml", f"""
        services:
          traefik:
            image: traefik:v3.1
            command: {command}
            ports: ["80:80"]
          api:
            image: acme/api:1.0.0
            labels:
              - traefik.http.routers.api.rule=PathPrefix(`/api`)
        """)
    docs = import_paths("compose", [path])
    svc = fact(load_documents(docs), "service:traefik")
    assert svc.data.get("client_ip_from_header") == trust
    if trust == "any":
        assert svc.locate("client_ip_from_header").line == line_of(path, "command:")
        risks = [f.subject for f in review([], extra=docs).findings if f.kind == "risk" and f.rule == RULE]
        assert risks == ["service:traefik"]
