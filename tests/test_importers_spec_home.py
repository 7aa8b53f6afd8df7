"""`import openapi` with `import source`: a description kept in a service's own directory describes that service,
and the routes its code declares are the endpoints the description states, not a second set beside them."""

from __future__ import annotations

from typing import Any

from engine.importers import load_artifacts
from engine.loader import load_documents
from tests.helpers import write

SPEC = """
    openapi: 3.0.3
    info: {title: Seed Catalogue API, version: '2'}
    servers: [{url: 'http://localhost:5000'}]
    paths:
      /seeds:
        get:
          responses:
            '200':
              description: every seed
              content:
                application/json:
                  schema: {type: array, items: {type: string}}
      /seeds/{seedId}:
        get:
          parameters: [{name: seedId, in: path, required: true, schema: {type: string}}]
          responses:
            '200': {description: one seed}
"""
APP = """
    from flask import Flask, jsonify

    app = Flask(__name__)

    @app.route("/seeds")
    def seeds():
        return jsonify([])

    @app.route("/seeds/<seed_id>")
    def seed(seed_id):
        return jsonify({})

    @app.route("/seeds/<seed_id>/sprout", methods=["POST"])
    def sprout(seed_id):
        return jsonify({})
"""


def _keys(design: Any, kind: str) -> set[str]:
    return {f.key for f in design.facts if f.kind == kind}


def test_a_spec_in_a_service_directory_is_that_service_and_its_routes_are_the_spec_endpoints(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    spec = write(tmp, "seeds/openapi.yaml", SPEC)
    write(tmp, "seeds/app.py", APP)
    design = load_documents(load_artifacts([f"openapi={spec}", f"source={tmp}/seeds"]))
    assert _keys(design, "service") == {"service:seeds"}  # not service:seed-catalogue-api
    endpoints = {f.key: f for f in design.facts if f.kind == "endpoint"}
    assert set(endpoints) == {"endpoint:GET /seeds", "endpoint:GET /seeds/{seedId}",
                              "endpoint:seeds-POST-/seeds/-seed_id-/sprout"}  # only the route no spec states is apart
    assert all(f.data["served_by"] == "seeds" for f in endpoints.values())
    assert endpoints["endpoint:GET /seeds"].data["returns_collection"] is True  # the spec's facts are kept


def test_a_spec_outside_the_code_or_named_by_the_team_keeps_its_name(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    apart = write(tmp, "contracts/seeds.yaml", SPEC)
    write(tmp, "seeds/app.py", APP)
    design = load_documents(load_artifacts([f"openapi={apart}", f"source={tmp}/seeds"]))
    assert "service:seed-catalogue-api" in _keys(design, "service")
    inside = write(tmp, "seeds/openapi.yaml", SPEC)
    named = load_documents(load_artifacts([f"openapi:catalogue={inside}", f"source={tmp}/seeds"]))
    assert "service:catalogue" in _keys(named, "service")
