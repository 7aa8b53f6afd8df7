"""A Python service's uvicorn listener (code_fastapi.plain_listener): plain HTTP unless uvicorn is given TLS."""

from __future__ import annotations

import os
from typing import Any

from engine.importers import code_fastapi, load_artifacts
from engine.loader import load_documents
from tests.helpers import write

_ROUTES = """
    from fastapi import APIRouter, FastAPI
    router = APIRouter(prefix="/orders")
    @router.post("")
    def place() -> dict:
        return {}
    app = FastAPI()
    app.include_router(router)
    """


def _orders(root: str, serve: str, image: str | None = None) -> dict[str, Any]:
    """The endpoint ``POST /orders`` of a FastAPI service ``till`` whose port the compose file publishes itself, its
    code under ``till/`` started by ``till/serve.py`` (``serve``), its Dockerfile ``image`` when given."""
    write(root, "compose.yaml", """
        services:
          till:
            build: ./till
            ports: ["8000:8000"]
        """)
    write(root, "till/api.py", _ROUTES)
    write(root, "till/serve.py", serve)
    if image is not None:
        write(root, "till/Dockerfile", image)
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}", f"source={os.path.join(root, 'till')}"])
    return dict(load_documents(docs).by_key()["endpoint:POST /orders"].data)


def test_uvicorn_started_on_a_published_host_with_no_certificate_serves_the_routes_without_tls(tmp_path: Any) -> None:
    # uvicorn.run with a host other than the loopback and no ssl_certfile/ssl_keyfile: the routes are plain HTTP
    root = str(tmp_path)
    assert _orders(root, """
        import uvicorn
        from settings import HOST, PORT
        # uvicorn.run("api:app", host=HOST, ssl_keyfile=...) in a comment is not a call
        if __name__ == "__main__":
            uvicorn.run("api:app", host=HOST, port=PORT, workers=4)
        """)["tls"] is False


def test_a_uvicorn_config_imported_by_name_is_read_as_uvicorn_run_is(tmp_path: Any) -> None:
    root = str(tmp_path)
    assert _orders(root, """
        from uvicorn import Config as ServerConfig, Server
        server = Server(ServerConfig("api:app", host="0.0.0.0", port=8000))
        server.run()
        """)["tls"] is False


def test_uvicorn_given_a_certificate_in_its_code_or_its_image_leaves_tls_unknown(tmp_path: Any) -> None:
    root = str(tmp_path)
    assert "tls" not in _orders(root, """
        import uvicorn
        uvicorn.run("api:app", host="0.0.0.0", port=8000, ssl_keyfile="/certs/key.pem", ssl_certfile="/certs/c.pem")
        """)
    assert "tls" not in _orders(root, """
        import uvicorn
        uvicorn.run("api:app", host="0.0.0.0", port=8000)
        """, image="""
        FROM python:3.12
        CMD ["uvicorn", "api:app", "--host", "0.0.0.0", "--ssl-certfile", "/c.pem", "--ssl-keyfile", "/k.pem"]
        """)


def test_a_development_loopback_socket_or_spread_start_says_nothing_of_the_published_port(tmp_path: Any) -> None:
    # the auto-reloader is the development server; uvicorn's default host is 127.0.0.1, which no published port
    # reaches; a UNIX socket is not the published port; a ** spread may carry the ssl_* settings
    root = str(tmp_path)
    for start in ('uvicorn.run("api:app", host="0.0.0.0", port=8000, reload=True)',
                  'uvicorn.run("api:app", port=8000)',
                  'uvicorn.run("api:app", host="127.0.0.1", port=8000)',
                  'uvicorn.run("api:app", host="0.0.0.0", uds="/run/till.sock")',
                  'uvicorn.run("api:app", host="0.0.0.0", **options)'):
        assert "tls" not in _orders(root, f"import uvicorn\noptions = {{}}\n{start}\n"), start


def test_the_first_served_start_in_file_order_is_the_one_named() -> None:
    found = code_fastapi.plain_listener([
        ("svc/z.py", "import uvicorn\nuvicorn.run('a:app', host='0.0.0.0')\n"),
        ("svc/dev.py", "import uvicorn\nuvicorn.run('a:app', host='0.0.0.0', reload=True)\n"),
        ("svc/main.py", "import uvicorn\n\n\nuvicorn.run('a:app', host=HOST)\n"),
        ("svc/broken.py", "import uvicorn\nuvicorn.run(\n"),
    ])
    assert found is not None
    assert (found[1].file, found[1].line, found[1].column) == ("svc/main.py", 4, 1)
    assert "uvicorn.run at svc/main.py:4" in found[0]
