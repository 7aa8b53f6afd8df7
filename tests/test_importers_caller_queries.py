"""Queries written by callers or users, and their time limit (code_go_queries, code_query_limits): a Go handler that
splices a request's value into the text of a SQL statement it (or a function it hands the value to) runs
``runs_caller_queries``, with no time limit when nothing names a statement timeout or puts a deadline on it; a
Python application whose query time limit settings default to -1 runs its users' queries with none on the workers
consuming a queue of queries, unless its deployment sets them (or may, unseen)."""

from __future__ import annotations

import pathlib
import textwrap
from typing import Any

import pytest

from engine.errors import Location
from engine.importers import code_go, code_go_queries, code_query_limits, load_artifacts
from engine.importers.code_text import blank_comments
from engine.loader import load_documents
from engine.review import review
from tests.helpers import write

_ROUTES = """
package web

import (
    "net/http"

    "github.com/labstack/echo/v4"
)

func Register(e *echo.Echo, a *App) {
    e.GET("/api/subscribers", a.QuerySubscribers)
    e.GET("/api/lists", a.GetLists)
}

func (a *App) QuerySubscribers(c echo.Context) error {
    query := strings.TrimSpace(c.FormValue("query"))
    search := c.QueryParam("search")
    out, err := a.core.QuerySubscribers(search, query, 20)
    if err != nil {
        return err
    }
    return c.JSON(http.StatusOK, out)
}

func (a *App) GetLists(c echo.Context) error {
    name := c.QueryParam("name")
    out, err := a.core.GetLists(name)
    if err != nil {
        return err
    }
    return c.JSON(http.StatusOK, out)
}
"""

_CORE = """
package core

import (
    "context"
    "database/sql"
    "strings"
)

func (c *Core) QuerySubscribers(search, queryExp string, limit int) ([]Subscriber, error) {
    cond := "TRUE"
    if queryExp != "" {
        cond = queryExp
    }
    stmt := strings.ReplaceAll(c.q.QuerySubscribers, "%query%", cond)
    tx, err := c.db.BeginTxx(context.Background(), &sql.TxOptions{ReadOnly: true})
    if err != nil {
        return nil, err
    }
    defer tx.Rollback()
    var out []Subscriber
    if err := tx.Select(&out, stmt, search, limit); err != nil {
        return nil, err
    }
    return out, nil
}

func (c *Core) GetLists(name string) ([]List, error) {
    var out []List
    err := c.db.Select(&out, "SELECT * FROM lists WHERE name ILIKE $1", name)
    return out, err
}
"""


def _routes(tmp: str, core: str = _CORE, extra: str = "") -> dict[str, code_go.GoRoute]:
    write(tmp, "app/web/routes.go", _ROUTES)
    write(tmp, "app/core/core.go", core)
    files = [f"{tmp}/app/web/routes.go", f"{tmp}/app/core/core.go"]
    if extra:
        files.append(write(tmp, "app/core/db.go", extra))
    texts = [(f, blank_comments(pathlib.Path(f).read_text(encoding="utf-8"))) for f in files]
    return {f"{r.method} {r.path}": r for r in code_go.service_routes(texts)}


def test_a_request_value_spliced_into_sql_a_callee_runs_is_a_caller_query_with_no_limit(tmp_path: Any) -> None:
    routes = _routes(str(tmp_path))
    q = routes["GET /api/subscribers"].caller_query
    assert q is not None
    assert (q.field, q.bounded) == ("query", None)
    assert q.read_at.endswith("app/web/routes.go:15")
    assert q.run_at.endswith("app/core/core.go:21")
    # a value bound as a parameter ($1) is not the caller's SQL
    assert routes["GET /api/lists"].caller_query is None


def test_a_value_passed_as_a_bound_parameter_only_is_no_caller_query(tmp_path: Any) -> None:
    bound = _CORE.replace('stmt := strings.ReplaceAll(c.q.QuerySubscribers, "%query%", cond)',
                          "stmt := c.q.QuerySubscribers").replace("tx.Select(&out, stmt, search, limit)",
                                                                  "tx.Select(&out, stmt, cond, limit)")
    assert _routes(str(tmp_path), bound)["GET /api/subscribers"].caller_query is None


def test_a_splice_into_text_that_is_not_sql_is_no_caller_query(tmp_path: Any) -> None:
    text = _CORE.replace("c.q.QuerySubscribers", "c.templates.Greeting")
    assert _routes(str(tmp_path), text)["GET /api/subscribers"].caller_query is None


def test_a_statement_timeout_named_in_the_code_leaves_the_limit_unknown(tmp_path: Any) -> None:
    dsn = 'package core\n\nconst dsnOptions = "options=-c statement_timeout=5000"\n'
    q = _routes(str(tmp_path), extra=dsn)["GET /api/subscribers"].caller_query
    assert q is not None and q.bounded is not None and q.bounded.endswith("app/core/db.go:3")


def test_a_deadline_on_the_context_leaves_the_limit_unknown(tmp_path: Any) -> None:
    timed = _CORE.replace("c.db.BeginTxx(context.Background(),",
                          "ctx, cancel := context.WithTimeout(context.Background(), limit)\n"
                          "    defer cancel()\n    tx, err := c.db.BeginTxx(ctx,")
    q = _routes(str(tmp_path), timed)["GET /api/subscribers"].caller_query
    assert q is not None and q.bounded is not None and "deadline on its context" in q.bounded


def test_the_limit_named_anywhere_in_the_code_is_found() -> None:
    assert code_go_queries.limit_named([("a.go", "x\n"), ("b.sql", "SET statement_timeout = '5s';\n")]) == "b.sql:1"
    assert code_go_queries.limit_named([("a.go", "x\n")]) is None


_COMPOSE = """
services:
  app:
    image: acme/app
    ports: ["9000:9000"]
"""


def test_the_imported_endpoint_runs_its_callers_sql_with_no_time_limit_and_is_reported(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    _routes(tmp)
    compose = write(tmp, "compose.yaml", _COMPOSE)
    artifacts = [f"compose={compose}", f"source:app={tmp}/app"]
    eps = {f"{f.data['method']} {f.data['path']}": f.data for f in load_documents(load_artifacts(artifacts)).facts
           if f.kind == "endpoint" and "method" in f.data}
    assert eps["GET /api/subscribers"]["runs_caller_queries"] is True
    assert eps["GET /api/subscribers"]["caller_query_timeout_ms"] == 0
    assert "runs_caller_queries" not in eps["GET /api/lists"]
    found = {(f.rule, f.subject) for f in review([], extra=load_artifacts(artifacts)).findings}
    assert ("caller-query-without-time-limit", "endpoint:GET /api/subscribers") in found


@pytest.mark.parametrize(("environment", "timeout"), [
    ("", 0),
    ('\n      DSN_OPTIONS: "-c statement_timeout=3000"', None),
])
def test_a_statement_timeout_the_deployment_sets_leaves_the_limit_unknown(tmp_path: Any, environment: str,
                                                                          timeout: int | None) -> None:
    tmp = str(tmp_path)
    _routes(tmp)
    compose = _COMPOSE + ("    environment:" + environment + "\n" if environment else "")
    artifacts = [f"compose={write(tmp, 'compose.yaml', compose)}", f"source:app={tmp}/app"]
    ep = next(f.data for f in load_documents(load_artifacts(artifacts)).facts
              if f.kind == "endpoint" and f.data.get("path") == "/api/subscribers")
    assert ep["runs_caller_queries"] is True
    assert ep.get("caller_query_timeout_ms") == timeout


_SETTINGS = """
import os

# Time limit (in seconds) for scheduled queries. Set this to -1 to execute without a time limit.
SCHEDULED_QUERY_TIME_LIMIT = int(os.environ.get("APP_SCHEDULED_QUERY_TIME_LIMIT", -1))

# Time limit (in seconds) for adhoc queries. Set this to -1 to execute without a time limit.
ADHOC_QUERY_TIME_LIMIT = int(os.environ.get("APP_ADHOC_QUERY_TIME_LIMIT", -1))
"""


def test_query_time_limit_settings_are_read_only_when_each_defaults_to_none() -> None:
    limits = code_query_limits.unlimited([("app/settings.py", textwrap.dedent(_SETTINGS))])
    assert [(q.name, q.variable, q.at.line) for q in limits] == [
        ("SCHEDULED_QUERY_TIME_LIMIT", "APP_SCHEDULED_QUERY_TIME_LIMIT", 5),
        ("ADHOC_QUERY_TIME_LIMIT", "APP_ADHOC_QUERY_TIME_LIMIT", 8)]
    limited = _SETTINGS.replace('"APP_ADHOC_QUERY_TIME_LIMIT", -1', '"APP_ADHOC_QUERY_TIME_LIMIT", 300')
    assert code_query_limits.unlimited([("app/settings.py", limited)]) == ()
    assert code_query_limits.unlimited([("app/settings.go", _SETTINGS)]) == ()


def test_a_worker_runs_its_users_queries_only_when_a_queue_it_consumes_is_named_for_queries() -> None:
    limits = code_query_limits.unlimited([("app/settings.py", _SETTINGS)])
    at = Location("compose.yaml", 9, 7)
    w = code_query_limits.worker(limits, frozenset({"queries"}), {}, frozenset())
    assert w is not None and w.timeout_ms == 0
    assert code_query_limits.worker(limits, frozenset({"emails", "default"}), {}, frozenset()) is None
    assert code_query_limits.worker(limits, None, {}, frozenset()) is None
    assert code_query_limits.worker((), frozenset({"queries"}), {}, frozenset()) is None
    minus_one = code_query_limits.worker(limits, frozenset({"queries"}),
                                         {"APP_ADHOC_QUERY_TIME_LIMIT": ("-1", at)}, frozenset())
    assert minus_one is not None and minus_one.timeout_ms == 0
    # a limit set by the deployment: its length and the queries it bounds are not known, nothing is said
    assert code_query_limits.worker(limits, frozenset({"queries"}), {"APP_ADHOC_QUERY_TIME_LIMIT": ("60", at)},
                                    frozenset()) is None
    unseen = code_query_limits.worker(limits, frozenset({"queries"}), {}, frozenset({"*"}))
    assert unseen is not None and unseen.timeout_ms is None and "env file" in unseen.why


def _workers(tmp: str, env_file: bool) -> dict[str, Any]:
    write(tmp, "app/settings.py", textwrap.dedent(_SETTINGS))
    write(tmp, "app/worker.py", "from rq import Worker\n")
    shared = "    image: acme/app\n" + ("    env_file: /opt/app/env\n" if env_file else "")
    compose = write(tmp, "compose.yaml", "services:\n"
                    "  adhoc:\n" + shared + "    command: worker\n    environment:\n      QUEUES: queries\n"
                    "  mail:\n" + shared + "    command: worker\n    environment:\n      QUEUES: emails\n")
    facts = load_documents(load_artifacts([f"compose={compose}", f"source:adhoc={tmp}/app",
                                           f"source:mail={tmp}/app"])).facts
    return {f.data["name"]: f.data for f in facts if f.kind == "service"}


def test_the_worker_of_the_queries_queue_runs_users_queries_with_no_limit_as_deployed(tmp_path: Any) -> None:
    svcs = _workers(str(tmp_path), env_file=False)
    assert svcs["adhoc"]["runs_caller_queries"] is True
    assert svcs["adhoc"]["caller_query_timeout_ms"] == 0
    assert "runs_caller_queries" not in svcs["mail"]


def test_an_env_file_not_read_leaves_the_workers_limit_unknown(tmp_path: Any) -> None:
    svcs = _workers(str(tmp_path), env_file=True)
    assert svcs["adhoc"]["runs_caller_queries"] is True
    assert "caller_query_timeout_ms" not in svcs["adhoc"]


def test_a_sort_column_spliced_into_order_by_is_no_caller_query(tmp_path: Any) -> None:
    sorted_ = _CORE.replace('strings.ReplaceAll(c.q.QuerySubscribers, "%query%", cond)',
                            'fmt.Sprintf("SELECT * FROM subscribers ORDER BY %s", cond)')
    assert _routes(str(tmp_path), sorted_)["GET /api/subscribers"].caller_query is not None
    by_field = _ROUTES.replace('c.FormValue("query")', 'c.FormValue("order_by")')
    write(str(tmp_path), "app/web/routes.go", by_field)
    files = [f"{tmp_path}/app/web/routes.go", f"{tmp_path}/app/core/core.go"]
    texts = [(f, blank_comments(pathlib.Path(f).read_text(encoding="utf-8"))) for f in files]
    routes = {f"{r.method} {r.path}": r for r in code_go.service_routes(texts)}
    assert routes["GET /api/subscribers"].caller_query is None
