"""An OpenResty location whose Lua calls a backend's remote procedure named for a change of state (``WritePlot``,
``pcall(client.Follow, client, ...)``) on a client it opens is ``mutating`` (``lua_calls.writes``)."""

from __future__ import annotations

from typing import Any

from engine.importers import import_paths, lua_calls
from tests.helpers import write
from tests.importer_helpers import design_of, fact, line_of

_CONF = """
    http {
      lua_package_path '/usr/local/openresty/nginx/lua-scripts/?.lua;;';
      server {
        listen 8080;
        location /shelf/add {
          content_by_lua '
              local handler = require "shelf/add"
              handler.Add();
          ';
        }
        location /shelf/list {
          content_by_lua '
              local handler = require "shelf/list"
              handler.List();
          ';
        }
        location /friends/follow {
          content_by_lua '
              local handler = require "friends/follow"
              handler.Follow();
          ';
        }
      }
    }
    """



def _module(function: str, host: str, body: str) -> str:
    """A handler module that opens a Thrift client to ``host`` and runs ``body`` with it."""
    return f"""
    local _M = {{}}
    function _M.{function}()
      local GenericObjectPool = require "GenericObjectPool"
      local Client = require "thrift_Service"
      local client = GenericObjectPool:connection(Client, "{host}", 9090)
    {body}
    end
    return _M
    """


_ADD = _module("Add", "shelf-service", """
      -- client:DeleteShelf(req_id) was the old call
      client:WriteBook(req_id, ngx.req.get_post_args().title)
      GenericObjectPool:returnConnection(client)""")
_LIST = _module("List", "shelf-service", """
      local books = client:ReadBooks(req_id)
      local span = tracer:start_span("list")
      ngx.say(cjson.encode(books))""")
_FOLLOW = """
    local _M = {}
    function _M.Follow()
      local pool = require "GenericObjectPool"
      local client = GenericObjectPool:connection(
          FriendsClient, "friends-service", 9090)
      local status, err = pcall(client.FollowWithName, client, req_id, ngx.req.get_post_args().name)
    end
    return _M
    """


def test_a_write_named_procedure_on_an_opened_client_is_found_and_placed() -> None:
    found = lua_calls.writes("add.lua", _ADD)
    assert found is not None and found[0] == "client:WriteBook()"  # the commented-out delete is no call
    assert found[1].line == _ADD.splitlines().index("      client:WriteBook(req_id, ngx.req.get_post_args().title)") + 1
    assert lua_calls.writes("list.lua", _LIST) is None  # a read, and tracer:start_span is no client's
    assert lua_calls.writes("t.lua", _module("T", "shelf-service", "  client:SetTimeout(2000)")) is None
    follow = lua_calls.writes("follow.lua", _FOLLOW)
    assert follow is not None and follow[0] == "client:FollowWithName()"
    # a procedure of the same name on something that is not a client the script opened says nothing
    assert lua_calls.writes("x.lua", "local cache = {}\ncache:SetValue(1)\n") is None


def test_the_location_whose_lua_writes_is_mutating(tmp_path: Any) -> None:
    root = str(tmp_path)
    conf = write(root, "nginx-web-server/conf/nginx.conf", _CONF)
    for name, text in (("shelf/add", _ADD), ("shelf/list", _LIST), ("friends/follow", _FOLLOW)):
        write(root, f"nginx-web-server/lua-scripts/{name}.lua", text)
    design = design_of(import_paths("gateway", [conf], service="front"))
    add = fact(design, "endpoint:POST /shelf/add")  # it reads the form's arguments: a POST
    assert add.data["mutating"] is True
    where = add.locate("mutating")
    assert where.file.endswith("add.lua")
    assert where.line == line_of(f"{root}/nginx-web-server/lua-scripts/shelf/add.lua", "client:WriteBook(")
    assert "mutating" not in fact(design, "endpoint:ANY /shelf/list").data
    assert fact(design, "endpoint:POST /friends/follow").data["mutating"] is True
