"""An idempotency mechanism behind a switch (code_node.idempotency_switch): it counts only where the deployment, or
the code's default, turns it on (novu: an Idempotency-Key interceptor that runs only when the feature flag
IS_API_IDEMPOTENCY_ENABLED is on, which the community compose file leaves unset, off by default)."""

from __future__ import annotations

import os
from typing import Any

from engine.errors import Location
from engine.importers import import_paths, load_artifacts
from engine.importers.code_node import idempotency_switch
from engine.importers.code_routes import RoutesDocument, _js_setting, _settled_names
from engine.loader import load_documents
from tests.helpers import write

_INTERCEPTOR = """
    // the flag's key is given to the flag reader: IDEMPOTENCY_DISABLED is only a comment
    export class IdempotencyInterceptor {
      async isEnabled(user) {
        return this.getFeatureFlag.execute({ key: FeatureFlagsKeysEnum.IS_API_IDEMPOTENCY_ENABLED, user });
      }
      key(req) { return req.headers['idempotency-key']; }
    }
    """
_FLAG_READER = """
    export class GetFeatureFlag {
      async execute(command) {
        const value = process.env[command.key];
        const defaultValue = prepareBooleanStringFeatureFlag(value, false);
        return this.flags.get({ ...command, defaultValue });
      }
    }
    """
_FLAGS = """
    export enum FeatureFlagsKeysEnum { IS_API_IDEMPOTENCY_ENABLED = 'IS_API_IDEMPOTENCY_ENABLED' }
    """


def test_the_switch_a_flag_reader_is_given_by_key_defaults_to_the_readers_fallback() -> None:
    found = idempotency_switch([("api/idempotency.interceptor.ts", _INTERCEPTOR), ("lib/flag.ts", _FLAG_READER),
                                ("shared/flags.ts", _FLAGS)])
    assert found is not None
    assert (found.variable, found.when_on, found.default) == ("IS_API_IDEMPOTENCY_ENABLED", True, "false")
    assert found.defined == "lib/flag.ts:5"
    assert found.said == "key: FeatureFlagsKeysEnum.IS_API_IDEMPOTENCY_ENABLED (api/idempotency.interceptor.ts:5)"
    # a reader falling back to true, or none at all: on by default, or not known
    on = idempotency_switch([("a.ts", _INTERCEPTOR), ("f.ts", _FLAG_READER.replace("(value, false)", "(value, true)"))])
    assert on is not None and on.default == "true"
    unknown = idempotency_switch([("a.ts", _INTERCEPTOR), ("shared/flags.ts", _FLAGS)])
    assert unknown is not None and unknown.default is None


def test_a_switch_read_from_the_environment_with_a_schema_default_or_compared_with_true() -> None:
    read = "if (process.env.IDEMPOTENCY_ENABLED === 'true') { app.use(idempotency()); }"
    found = idempotency_switch([("server.js", read)])
    assert found is not None and (found.variable, found.when_on, found.default) == ("IDEMPOTENCY_ENABLED", True,
                                                                                      "false")
    schema = "export const env = cleanEnv(process.env, { DISABLE_IDEMPOTENCY: bool({ default: true }) });"
    found = idempotency_switch([("server.js", "if (!config.get('DISABLE_IDEMPOTENCY')) { app.use(keys()); }"),
                                ("env.ts", schema)])
    assert found is not None and (found.variable, found.when_on, found.default) == ("DISABLE_IDEMPOTENCY", False,
                                                                                      "true")
    # a name that says neither enable nor disable is no switch; two switches: which one guards what is not read
    assert idempotency_switch([("a.js", "const ttl = process.env.IDEMPOTENCY_TTL;")]) is None
    assert idempotency_switch([("a.js", read + "\nconst b = process.env.IDEMPOTENCY_V2_ENABLED;")]) is None
    # named only in a comment or declared and never read: no switch
    assert idempotency_switch([("a.ts", _FLAGS), ("b.js", "// process.env.IDEMPOTENCY_ENABLED")]) is None


_TICKETS = """
    const express = require('express');
    const request = require('request');
    const app = express();
    app.use(idempotencyInterceptor);
    app.post('/bookings', function (req, res, next) {
        var booking = {seat: req.body.seat, show: req.body.show};
        var options = {uri: 'http://booking/bookings', method: 'POST', json: true, body: booking};
        request(options, function (err, r, body) { res.json(body); });
    });
    """


def test_a_creation_keeps_no_idempotency_key_where_the_switch_of_the_services_key_check_is_off(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "web/app.js", _TICKETS)
    write(root, "web/idempotency.interceptor.ts", _INTERCEPTOR)
    write(root, "web/flag.ts", _FLAG_READER)

    def bookings(environment: str) -> dict[str, Any]:
        compose = "services: {web: {image: 'acme/web:2', ports: ['8080:8080'], environment: {" + environment + "}}}\n"
        write(root, "compose.yaml", compose)
        docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}", f"source={os.path.join(root, 'web')}"])
        notes = [n for d in docs for k, found in getattr(d, "notes", {}).items() if "/bookings" in k for n in found]
        return {**load_documents(docs).by_key()["endpoint:POST /bookings"].data, "notes": notes}

    off = bookings("")
    assert (off["mutating"], off["idempotency_key"]) == (True, False)
    said = next(n for n in off["notes"] if n.startswith("idempotency_key false"))
    assert "waits on IS_API_IDEMPOTENCY_ENABLED" in said and "leaves IS_API_IDEMPOTENCY_ENABLED unset, 'false' by " \
        "default" in said
    assert bookings("IS_API_IDEMPOTENCY_ENABLED: 'false'")["idempotency_key"] is False
    assert "idempotency_key" not in bookings("IS_API_IDEMPOTENCY_ENABLED: 'true'")  # on: whether it checks, unknown
    # no deployment, or a flag reader with no fallback: not known, nothing said
    eps = {f"{ep['method']} {ep['path']}": ep for d in import_paths("source", [os.path.join(root, "web")])
           for ep in d.data.get("endpoints") or []}
    assert eps["POST /bookings"]["mutating"] is True and "idempotency_key" not in eps["POST /bookings"]
    write(root, "web/flag.ts", _FLAG_READER.replace("(value, false)", "(value)"))
    assert "idempotency_key" not in bookings("")


def test_a_service_names_an_idempotency_key_only_where_its_switch_is_on_as_deployed() -> None:
    switch = _js_setting(idempotency_switch([("a.ts", _INTERCEPTOR), ("f.ts", _FLAG_READER)]))
    doc = RoutesDocument(file="api", data={}, service="api", names_idempotency_key=True, idempotency_if=switch)
    at = Location("compose.yaml", 3, 5)

    def named(env: dict[str, dict[str, tuple[str, Location]]]) -> tuple[bool, bool]:
        out = _settled_names([doc], env, {})[0]
        assert isinstance(out, RoutesDocument)
        return out.names_idempotency_key, bool(out.idempotency_if)

    assert named({"api": {}}) == (False, False)  # unset: the reader's fallback, false
    assert named({"api": {"IS_API_IDEMPOTENCY_ENABLED": ("true", at)}}) == (True, False)
    assert named({}) == (True, True)  # no deployment names the service: not known, the key stands, the switch waits
