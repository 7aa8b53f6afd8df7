"""Go code read against the deployment's settings (code_go, code_routes.compose): a route registered inside an ``if``
on a setting the deployment turns off (or leaves at an off default) is not served; a session cookie set by a helper
of the sign-in takes a flag written as a setting as deployed; a router handed whole to a middleware that turns away
callers not signed in gives its routes ``authn``, except the paths that middleware's code names."""

from __future__ import annotations

from typing import Any

import pytest

from engine.importers import code_go, load_artifacts
from engine.importers.code_text import blank_comments
from engine.loader import load_documents
from engine.review import review
from tests.helpers import write

_SETTINGS = """
package settings

import "os"

type table struct{ entries map[string]*entry }

func Defaults() *table {
    return &table{entries: map[string]*entry{
        "PROMETHEUS": {
            boolValue: false,
            raw:       "0",
        },
        "SSO_PROVIDER": {
            textValue: "",
        },
        "NO_BOOKINGS": {
            boolValue: false,
        },
        "SECURE_COOKIES": {
            boolValue: false,
        },
        "FORWARDED_TLS": {
            boolValue: false,
        },
    }}
}

func (t *table) Prometheus() bool {
    return t.entries["PROMETHEUS"].boolValue
}

func (t *table) SSOProvider() string {
    return t.entries["SSO_PROVIDER"].textValue
}

func (t *table) Bookings() bool {
    return !t.entries["NO_BOOKINGS"].boolValue
}

func (t *table) SecureCookies() bool {
    return t.entries["SECURE_COOKIES"].boolValue
}

func (t *table) ForwardedTLS() bool {
    return t.entries["FORWARDED_TLS"].boolValue
}

func (t *table) TrustForwarded() {
    t.entries["FORWARDED_TLS"].boolValue = true
}

func Load() {
    for _, kv := range os.Environ() {
        _ = kv
    }
}
"""

_ROUTES = """
package web

import (
    "net/http"
    "os"
)

func Routes() http.Handler {
    mux := http.NewServeMux()
    mux.HandleFunc("GET /rooms", listRooms)
    if settings.Opts.Prometheus() {
        mux.HandleFunc("GET /metrics", metrics)
    }
    if settings.Opts.SSOProvider() != "" {
        mux.HandleFunc("GET /sso/callback", ssoCallback)
    }
    if settings.Opts.Bookings() {
        mux.HandleFunc("POST /bookings", book)
    }
    if settings.Opts.ForwardedTLS() {
        mux.HandleFunc("GET /tls-report", listRooms)
    }
    if os.Getenv("DEBUG_ROUTES") != "" {
        mux.HandleFunc("GET /debug/state", listRooms)
    }
    mux.HandleFunc("POST /login", signIn)
    mux.HandleFunc("GET /share/{code}", shared)
    mux.HandleFunc("GET /{$}", home)
    return gate.check(mux)
}
"""

_HANDLERS = """
package web

import "net/http"

type sessionGate struct{ store *Store }

var gate = &sessionGate{}

func (g *sessionGate) check(next http.Handler) http.Handler {
    return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
        c, err := r.Cookie("hotel_session")
        if !isPublic(r) && (err != nil || !signedIn(c.Value)) {
            http.Redirect(w, r, "/?next=login", http.StatusFound)
            return
        }
        next.ServeHTTP(w, r)
    })
}

func signedIn(value string) bool {
    return IsAuthenticated(value)
}

func isPublic(r *http.Request) bool {
    switch r.URL.Path {
    case "/", "/login":
        return true
    }
    return strings.HasPrefix(r.URL.Path, "/share/") || strings.HasPrefix(r.URL.Path, "/oauth2/")
}

func signIn(w http.ResponseWriter, r *http.Request) {
    if checkPassword(r.FormValue("username"), r.FormValue("password")) {
        startSession(w, r)
    }
}

func startSession(w http.ResponseWriter, r *http.Request) {
    remember(w, newID())
}

func remember(w http.ResponseWriter, id string) {
    http.SetCookie(w, &http.Cookie{
        Name:     "hotel_session",
        Value:    id,
        Secure:   settings.Opts.SecureCookies(),
        HttpOnly: true,
        SameSite: http.SameSiteLaxMode,
    })
}
"""

_PUBLISHED = """
services:
  hotel:
    image: acme/hotel
    ports: ["80:8080"]
"""


def _facts(tmp: str, environment: str | None) -> dict[str, Any]:
    """Each endpoint of the hotel (method and path -> its facts), deployed by a compose file with ``environment``
    (None: no deployment read)."""
    write(tmp, "hotel/settings/settings.go", _SETTINGS)
    write(tmp, "hotel/web/routes.go", _ROUTES)
    write(tmp, "hotel/web/handlers.go", _HANDLERS)
    compose = _PUBLISHED + (f"    environment: {environment}\n" if environment else "")
    deployment = [] if environment is None else [f"compose={write(tmp, 'compose.yaml', compose)}"]
    facts = load_documents(load_artifacts([*deployment, f"source:hotel={tmp}/hotel"])).facts
    return {f"{f.data['method']} {f.data['path']}": f.data for f in facts if f.kind == "endpoint"}


def test_routes_under_a_setting_left_at_an_off_default_are_not_served(tmp_path: Any) -> None:
    eps = _facts(str(tmp_path), "[LOG_LEVEL=info]")
    assert "GET /metrics" not in eps  # PROMETHEUS defaults to false
    assert "GET /sso/callback" not in eps  # SSO_PROVIDER defaults to ""
    assert "GET /debug/state" not in eps  # os.Getenv of an unset variable is ""
    assert "POST /bookings" in eps  # served unless NO_BOOKINGS, which defaults to false
    assert "GET /tls-report" in eps  # FORWARDED_TLS is also set at run time: its value is not known
    assert "GET /rooms" in eps


@pytest.mark.parametrize(("environment", "served", "gone"), [
    pytest.param("[PROMETHEUS=1, SSO_PROVIDER=oidc, DEBUG_ROUTES=yes]",
                 ["GET /metrics", "GET /sso/callback", "GET /debug/state", "POST /bookings"], [], id="turned-on"),
    pytest.param("[NO_BOOKINGS=true]", ["GET /rooms"], ["POST /bookings"], id="negated-setting-turned-on"),
    pytest.param("[PROMETHEUS=maybe]", ["GET /metrics"], [], id="value-not-a-boolean"),
])
def test_the_deployment_values_decide(tmp_path: Any, environment: str, served: list[str], gone: list[str]) -> None:
    eps = _facts(str(tmp_path), environment)
    assert all(k in eps for k in served)
    assert not any(k in eps for k in gone)


def test_every_route_is_kept_when_no_deployment_is_read(tmp_path: Any) -> None:
    eps = _facts(str(tmp_path), None)
    assert {"GET /metrics", "GET /sso/callback", "GET /debug/state", "POST /bookings"} <= set(eps)


def test_a_setting_filled_from_a_struct_tag_takes_its_default() -> None:
    settings = """
package cfg

import "github.com/caarlos0/env/v11"

type Config struct {
    Metrics bool   `env:"ENABLE_METRICS" envDefault:"false"`
    Admin   bool   `env:"ENABLE_ADMIN" envDefault:"true"`
    Debug   bool   `yaml:"debug" env:"DEBUG_ROUTES"`
}
"""
    routes = """
package main

import "net/http"

func routes(c cfg.Config) {
    if c.Metrics {
        http.HandleFunc("/metrics", metrics)
    }
    if c.Admin {
        http.HandleFunc("/admin", admin)
    }
    if c.Debug {
        http.HandleFunc("/debug", debug)
    }
}
"""
    found = {r.path: r.only_if for r in code_go.service_routes([("cfg/cfg.go", blank_comments(settings)),
                                                                ("main.go", blank_comments(routes))])}
    assert code_go.not_served(found["/metrics"], {}, frozenset()) is not None
    assert code_go.not_served(found["/admin"], {}, frozenset()) is None
    assert code_go.not_served(found["/metrics"], {}, frozenset({"*"})) is None  # an env file not read may set it
    assert found["/debug"] == ()  # a settings file may set it too: its value is not known


@pytest.mark.parametrize(("environment", "secure"), [
    pytest.param("[LOG_LEVEL=info]", False, id="default-off"),
    pytest.param("[SECURE_COOKIES=1]", True, id="deployment-turns-it-on"),
])
def test_a_sign_in_cookie_set_by_a_helper_takes_its_flags_as_deployed(tmp_path: Any, environment: str,
                                                                       secure: bool) -> None:
    eps = _facts(str(tmp_path), environment)
    assert eps["POST /login"]["session_cookie"] == {"secure": secure, "http_only": True, "same_site": "lax"}
    assert "session_cookie" not in eps["GET /rooms"]


def test_a_sign_in_cookie_flag_from_a_setting_changed_at_run_time_stays_unknown(tmp_path: Any) -> None:
    handlers = _HANDLERS.replace("settings.Opts.SecureCookies()", "settings.Opts.ForwardedTLS()")
    write(str(tmp_path), "hotel/web/handlers.go", handlers)
    found = {f"{r.method} {r.path}": r for r in code_go.service_routes(
        [("web/handlers.go", blank_comments(handlers)), ("web/routes.go", blank_comments(_ROUTES)),
         ("settings/settings.go", blank_comments(_SETTINGS))])}
    login = found["POST /login"]
    assert login.cookie is not None and dict(login.cookie[0]) == {"http_only": True, "same_site": "lax"}
    assert [(flag, s.default) for flag, s in login.cookie_when] == [("secure", None)]


def test_a_router_wrapped_in_a_session_gate_gives_its_routes_authn_except_the_paths_it_names(tmp_path: Any) -> None:
    eps = _facts(str(tmp_path), "[LOG_LEVEL=info]")
    assert eps["GET /rooms"]["authn"] == "session"  # the cookie its own body reads, not the /oauth2/ path it lists
    assert eps["POST /bookings"]["authn"] == "session"
    assert "authn" not in eps["POST /login"]  # the gate's own list of public paths names it
    assert "authn" not in eps["GET /share/{code}"]  # under a folder the list names
    assert "authn" not in eps["GET /"]


def test_a_wrapping_middleware_that_turns_nobody_away_gives_no_authn(tmp_path: Any) -> None:
    write(str(tmp_path), "hotel/web/handlers.go",
          _HANDLERS.replace('http.Redirect(w, r, "/?next=login", http.StatusFound)', 'w.Header().Set("X-Seen", "1")')
          .replace("IsAuthenticated", "known"))
    write(str(tmp_path), "hotel/settings/settings.go", _SETTINGS)
    write(str(tmp_path), "hotel/web/routes.go", _ROUTES)
    facts = load_documents(load_artifacts([f"source:hotel={tmp_path}/hotel"])).facts
    assert not any("authn" in f.data for f in facts if f.kind == "endpoint")


_TLS_SETTER = """
package settings

func (t *table) SetForwardedTLS(value bool) {
    t.entries["FORWARDED_TLS"].boolValue = value
}
"""

_TLS_MIDDLEWARE = """
package web

import "net/http"

func scheme(next http.Handler) http.Handler {
    return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
        if trusted(r) && r.Header.Get("X-Forwarded-Proto") == "https" {
            settings.Opts.SetForwardedTLS(true)
        }
        next.ServeHTTP(w, r)
    })
}
"""


def _scheme_facts(tmp: str, environment: str, middleware: str = _TLS_MIDDLEWARE) -> dict[str, Any]:
    """The hotel's endpoints when its sign-in cookie is Secure by ``ForwardedTLS()``, a setting off by default that a
    setter turns on at run time, called by ``middleware``."""
    write(tmp, "hotel/settings/settings.go", _SETTINGS.replace(
        "func (t *table) TrustForwarded() {\n    t.entries[\"FORWARDED_TLS\"].boolValue = true\n}\n", ""))
    write(tmp, "hotel/settings/setter.go", _TLS_SETTER)
    write(tmp, "hotel/web/routes.go", _ROUTES)
    write(tmp, "hotel/web/scheme.go", middleware)
    write(tmp, "hotel/web/handlers.go",
          _HANDLERS.replace("settings.Opts.SecureCookies()", "settings.Opts.ForwardedTLS()"))
    compose = write(tmp, "compose.yaml", _PUBLISHED + f"    environment: {environment}\n")
    facts = load_documents(load_artifacts([f"compose={compose}", f"source:hotel={tmp}/hotel"])).facts
    return {f"{f.data['method']} {f.data['path']}": f.data for f in facts if f.kind == "endpoint"}


@pytest.mark.parametrize(("environment", "secure"), [
    pytest.param("[LOG_LEVEL=info]", "same_as_request", id="left-unset-secure-only-over-https"),
    pytest.param("[FORWARDED_TLS=1]", True, id="deployment-turns-it-on"),
    pytest.param("[FORWARDED_TLS=0]", False, id="deployment-turns-it-off"),
])
def test_a_cookie_flag_that_a_setting_turned_on_over_tls_gives_is_secure_only_over_https(
        tmp_path: Any, environment: str, secure: bool | str) -> None:
    eps = _scheme_facts(str(tmp_path), environment)
    assert eps["POST /login"]["session_cookie"] == {"secure": secure, "http_only": True, "same_site": "lax"}


@pytest.mark.parametrize("middleware", [
    pytest.param(_TLS_MIDDLEWARE.replace('r.Header.Get("X-Forwarded-Proto") == "https"', 'r.URL.Path == "/x"'),
                 id="turned-on-on-another-condition"),
    pytest.param(_TLS_MIDDLEWARE.replace("SetForwardedTLS(true)", "SetForwardedTLS(r.TLS != nil)"),
                 id="set-to-a-value-not-written"),
    pytest.param(_TLS_MIDDLEWARE.replace("        if trusted(r) && r.Header.Get(\"X-Forwarded-Proto\") == \"https\" {\n"
                                         "            settings.Opts.SetForwardedTLS(true)\n        }\n",
                                         "        settings.Opts.SetForwardedTLS(true)\n"), id="turned-on-always"),
])
def test_a_setting_changed_at_run_time_otherwise_leaves_the_flag_unknown(tmp_path: Any, middleware: str) -> None:
    eps = _scheme_facts(str(tmp_path), "[LOG_LEVEL=info]", middleware)
    assert eps["POST /login"]["session_cookie"] == {"http_only": True, "same_site": "lax"}


def test_secure_only_over_https_on_a_plaintext_listener_is_reported(tmp_path: Any) -> None:
    eps = _scheme_facts(str(tmp_path), "[LOG_LEVEL=info]")
    assert eps["POST /login"]["tls"] is False  # the compose file publishes the Go server's plain port itself
    compose = f"compose={tmp_path}/compose.yaml"
    rv = review([], extra=load_artifacts([compose, f"source:hotel={tmp_path}/hotel"]))
    assert {f.subject for f in rv.findings if f.rule == "session-cookie-without-secure-flags"} == {
        "endpoint:POST /login"}
