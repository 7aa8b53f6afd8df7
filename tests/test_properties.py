"""Property-based tests (hypothesis) over random valid designs.

- the engine never crashes: a run gives findings, or an ``ArchplanError``, nothing else;
- the runtime and the reference evaluator agree (see tests/test_differential.py);
- ``check --format json`` is byte-identical across runs and whatever the order of the files given,
  and identical, line numbers aside, when list items are shuffled inside the files;
- removing a fact that no finding rests on changes no finding (only a rule that negates a kind may
  gain a finding when a fact of that kind goes away).
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Mapping
from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import reference, runtime
from engine.cli.main import main
from engine.enrich import enrich
from engine.errors import ArchplanError
from engine.loader import load_documents
from engine.review import Review, assemble, facts_for_engine, load_kb, review_design
from engine.source import Document

KB = load_kb()
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SERVICES = [f"svc{i}" for i in range(6)]
EXTERNALS = ["psp", "mailer"]
DATASTORES = ["db0", "db1"]
CHANNELS = ["events", "jobs"]
AGENT_FILES = ("api", "database", "infrastructure", "security")

ratio = st.floats(min_value=0.9, max_value=1.0, allow_nan=False)
millis = st.integers(min_value=0, max_value=5000)
small = st.integers(min_value=0, max_value=6)


def optional(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A mapping holding any subset of ``fields``: a field left out is unknown, as in real designs."""
    return st.fixed_dictionaries({}, optional=fields)


def service(name: str) -> st.SearchStrategy[dict[str, Any]]:
    return optional(
        kind=st.sampled_from(["api", "worker", "gateway", "batch", "legacy"]),
        owner=st.sampled_from(["team-a", "team-b"]),
        exposure=st.sampled_from(["public", "partner", "host", "internal"]),
        criticality=st.sampled_from(["critical", "important", "best_effort"]),
        availability=ratio, latency_p95_ms=millis, capacity_rps=st.integers(0, 2000), replicas=small, zones=small,
        state=st.sampled_from(["stateless", "instance_local", "external"]),
        health=optional(liveness=st.booleans(), readiness=st.booleans(), liveness_checks_dependencies=st.booleans()),
        autoscaling=optional(enabled=st.booleans(), min_replicas=small, max_replicas=small),
        load_shedding=st.booleans(), graceful_shutdown=st.booleans(),
        secrets_source=st.sampled_from(["code", "env_injected", "secret_store"]),
        logging=st.sampled_from(["none", "stdout", "aggregator"]), metrics=st.booleans(), tracing=st.booleans(),
        runbook=st.booleans(),
    ).map(lambda d: {"name": name, **d})


def interaction(src: str, dst: str) -> st.SearchStrategy[dict[str, Any]]:
    return optional(
        style=st.sampled_from(["sync", "async", "batch"]),
        protocol=st.sampled_from(["http", "grpc", "amqp", "sql"]),
        purpose=st.sampled_from(["query", "command", "notify"]),
        timeout_ms=millis, circuit_breaker=st.booleans(), bulkhead=st.booleans(),
        retry=optional(attempts=st.integers(1, 6), backoff=st.sampled_from(["none", "fixed", "exponential"]),
                       jitter=st.booleans(), budget=st.booleans()),
        fallback=st.sampled_from(["none", "cache", "degraded"]), mutating=st.booleans(), idempotent=st.booleans(),
        idempotency_key=st.booleans(), tls=st.booleans(), latency_p95_ms=millis,
        dependency=st.sampled_from(["hard", "soft"]),
    ).map(lambda d: {"from": src, "to": dst, **d})


@st.composite
def designs(draw: st.DrawFn) -> dict[str, Any]:
    """A random design that loads: every reference names something defined."""
    services = draw(st.lists(st.sampled_from(SERVICES), min_size=1, max_size=6, unique=True))
    externals = draw(st.lists(st.sampled_from(EXTERNALS), max_size=2, unique=True))
    datastores = draw(st.lists(st.sampled_from(DATASTORES), max_size=2, unique=True))
    channels = draw(st.lists(st.sampled_from(CHANNELS), max_size=2, unique=True))
    targets = services + externals + datastores + channels
    pairs = draw(st.lists(st.tuples(st.sampled_from(services), st.sampled_from(targets)), max_size=10, unique=True))
    out: dict[str, Any] = {
        "services": [draw(service(s)) for s in services],
        "externals": [{"name": e, **draw(optional(sla=ratio, latency_p95_ms=millis, paid=st.booleans(),
                                                  rate_limit_rps=st.integers(0, 500)))} for e in externals],
        "datastores": [{"name": d, **draw(optional(
            kind=st.sampled_from(["relational", "cache", "document"]),
            role=st.sampled_from(["system_of_record", "cache"]),
            owner=st.sampled_from(services), writers=st.lists(st.sampled_from(services), max_size=3, unique=True),
            readers=st.lists(st.sampled_from(services), max_size=3, unique=True), replicas=small,
            failover=st.sampled_from(["none", "manual", "automatic"]),
            backups=optional(enabled=st.booleans(), automated=st.booleans(), restore_tested=st.booleans()),
            classification=st.sampled_from(["public", "internal", "pii"]), encryption_at_rest=st.booleans(),
            availability=ratio))} for d in datastores],
        "channels": [{"name": c, **draw(optional(
            kind=st.sampled_from(["queue", "topic"]), delivery=st.sampled_from(["at_least_once", "exactly_once"]),
            producers=st.lists(st.sampled_from(services), max_size=2, unique=True),
            consumers=st.lists(st.sampled_from(services), max_size=2, unique=True).map(
                lambda cs: [{"service": c, "idempotent": i % 2 == 0} for i, c in enumerate(cs)]),
            dead_letter=st.booleans(), durable=st.booleans()))} for c in channels],
        "interactions": [draw(interaction(a, b)) for a, b in pairs if a != b],
        "endpoints": [{"method": m, "path": f"/v1/{p}", "served_by": draw(st.sampled_from(services)), **draw(optional(
            exposure=st.sampled_from(["public", "host", "internal"]), authn=st.sampled_from(["none", "jwt", "api_key"]),
            authz=st.sampled_from(["none", "role", "object_level"]), rate_limit=st.booleans(),
            mutating=st.booleans(), takes_object_id=st.booleans(), latency_p95_ms=millis,
            data_classification=st.sampled_from(["public", "pii"]), versioning=st.sampled_from(["none", "path"])))}
            for m, p in draw(st.lists(st.tuples(st.sampled_from(["GET", "POST"]), st.sampled_from(["a", "b", "c"])),
                                      max_size=4, unique=True))],
        "deployments": [{"service": s, **draw(optional(
            strategy=st.sampled_from(["recreate", "rolling", "canary"]), automated=st.booleans(),
            rollback=st.sampled_from(["none", "manual", "automated"]), health_gated=st.booleans()))}
            for s in draw(st.lists(st.sampled_from(services), max_size=3, unique=True))],
        "jobs": [{"name": f"job{i}", "service": s, **draw(optional(
            runs_on=st.sampled_from(["all_replicas", "single_leader"]), idempotent=st.booleans()))}
            for i, s in enumerate(draw(st.lists(st.sampled_from(services), max_size=2)))],
    }
    if draw(st.booleans()):
        out["system"] = draw(optional(availability_target=ratio, latency_p95_ms=millis,
                                      traffic_profile=st.sampled_from(["steady", "spiky"])))
    if draw(st.booleans()):
        out["security"] = draw(optional(secrets_management=st.sampled_from(["none", "vault"]), waf=st.booleans(),
                                        service_to_service_auth=st.sampled_from(["none", "mtls"])))
    if draw(st.booleans()):
        out["observability"] = draw(optional(tracing=st.sampled_from(["none", "end_to_end"]), metrics=st.booleans(),
                                             alerts=st.lists(st.sampled_from(["consumer-lag", "dlq-depth"]),
                                                             max_size=2, unique=True)))
    if len(services) > 1 and draw(st.booleans()):
        out["workflows"] = [{"name": "flow", "steps": [{"service": s, **draw(optional(
            mutates_state=st.booleans(), compensation=st.booleans()))} for s in services[:3]],
            **draw(optional(coordination=st.sampled_from(["none", "saga_orchestrated"])))}]
    return {k: v for k, v in out.items() if v}


def split(design: Mapping[str, Any], seed: int) -> dict[str, dict[str, Any]]:
    """Spread the design's items over the four agent files (each item whole, in one file)."""
    rng = random.Random(seed)
    files: dict[str, dict[str, Any]] = {a: {"source": a} for a in AGENT_FILES}
    for section, value in design.items():
        if isinstance(value, list):
            for item in value:
                files[rng.choice(AGENT_FILES)].setdefault(section, []).append(item)
        else:
            files[rng.choice(AGENT_FILES)][section] = value
    return {a: f for a, f in files.items() if len(f) > 1}


def shuffled(files: Mapping[str, dict[str, Any]], seed: int) -> dict[str, dict[str, Any]]:
    rng = random.Random(seed)
    out = {}
    for agent, body in files.items():
        items = list(body.items())
        rng.shuffle(items)
        out[agent] = {k: (rng.sample(v, len(v)) if isinstance(v, list) else v) for k, v in items}
    return out


def run_review(design: Mapping[str, Any]) -> Review:
    return review_design(load_documents([Document("mem.yaml", {"source": "api", **design})]), KB)


@SETTINGS
@given(designs())
def test_random_valid_designs_never_crash_and_both_evaluators_agree(design: dict[str, Any]) -> None:
    try:
        loaded = load_documents([Document("mem.yaml", {"source": "api", **design})])
    except ArchplanError:
        return  # a generated combination the schema refuses (with a clear error) is not a crash
    enriched = enrich(loaded)
    facts = facts_for_engine(enriched)
    got = runtime.run(KB, facts)
    want = reference.evaluate(KB, facts)
    assert sorted((n, repr(o)) for n, o in got.outcomes) == sorted((n, repr(o)) for n, o in want.outcomes)
    assert [f.to_json() for f in assemble(loaded, enriched, KB, got).findings] == \
        [f.to_json() for f in assemble(loaded, enriched, KB, want).findings]


def _check_json(paths: list[str]) -> str:
    result = CliRunner().invoke(main, ["check", *paths, "--format", "json", "--fail-on", "never", "--no-config"])
    assert result.exit_code == 0, result.output
    return result.stdout


def _write(tmp: str, files: Mapping[str, Mapping[str, Any]]) -> list[str]:
    paths = []
    for agent, body in files.items():
        path = os.path.join(tmp, f"{agent}.yaml")
        with open(path, "w", encoding="utf-8") as fh:
            yaml.safe_dump(dict(body), fh, sort_keys=False)
        paths.append(path)
    return paths


def _without_lines(report: str, base: str) -> Any:
    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in ("line", "column")}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return strip(json.loads(report.replace(base, "<design>")))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(designs(), st.integers(0, 2**32 - 1))
def test_json_report_is_identical_across_runs_file_orders_and_list_shuffles(
        tmp_path_factory: Any, design: dict[str, Any], seed: int) -> None:
    files = split(design, seed)
    base = str(tmp_path_factory.mktemp("split"))
    paths = _write(base, files)
    first = _check_json(paths)
    assert _check_json(paths) == first  # byte-identical, run to run
    order = list(paths)
    random.Random(seed).shuffle(order)
    assert _check_json(order) == first  # ... and whatever the order the files are given in
    other = str(tmp_path_factory.mktemp("shuffled"))
    moved = _write(other, shuffled(files, seed))
    # Shuffling items inside a file moves them to other lines; everything but line and column stays.
    assert _without_lines(_check_json(moved), other) == _without_lines(first, base)


def _rests_on(rv: Review) -> set[str]:
    """Every fact key some finding depends on: subjects, evidence (with derivation premises), adjustments."""
    keys: set[str] = set()
    for f in rv.findings:
        keys.update(f.subjects)
        keys.update(e.key for e in f.evidence)
        for e in f.evidence:
            keys.update(e.premises)
    risk_keys = {f"risk:{f.rule}@{f.subject}" for f in rv.findings}
    for _name, out in rv.result.outcomes:
        if out.adjust is not None and out.adjust.risk in risk_keys:
            keys.update(out.adjust.premises)
    return keys


NEGATING_RULES = {r.rule_id for r in KB.rules.values() if any(p.absent for p in r.patterns)}
REMOVABLE = ("deployments", "jobs", "workflows")
"""Sections whose items nothing refers to and enrichment reads only into their own facts."""


@SETTINGS
@given(designs(), st.data())
def test_removing_a_fact_no_finding_rests_on_changes_no_finding(design: dict[str, Any], data: st.DataObject) -> None:
    before = run_review(design)
    rests = _rests_on(before)
    loose = []
    for section in REMOVABLE:
        for i, item in enumerate(design.get(section, [])):
            kind = {"deployments": "deployment", "jobs": "job", "workflows": "workflow"}[section]
            ident = item["service"] if kind == "deployment" else item["name"]
            own = {f"{kind}:{ident}"} | {k for k in rests if k.startswith(f"step:{ident}#")}
            if not own & rests:
                loose.append((section, i))
    if not loose:
        return
    section, index = data.draw(st.sampled_from(loose))
    smaller = {k: (v[:index] + v[index + 1:] if k == section else v) for k, v in design.items()}
    after = run_review({k: v for k, v in smaller.items() if v})
    old = {json.dumps(f.to_json(), sort_keys=True) for f in before.findings}
    new = {json.dumps(f.to_json(), sort_keys=True) for f in after.findings}
    assert old <= new, f"removing {section}[{index}] changed or lost {sorted(old - new)[:2]}"
    gained = {json.loads(f)["rule"] for f in new - old}
    gained |= {m["rule"] for f in new - old for m in json.loads(f).get("missing", [])}
    assert gained - {"information-gap"} <= NEGATING_RULES, gained
