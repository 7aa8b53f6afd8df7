"""Generate synthetic designs of any size, shaped like real ones, for benchmarks and tests.

About 3 interactions per service; datastores, channels, endpoints and externals in proportion.
Deterministic for a given size and seed.
"""

from __future__ import annotations

import argparse
import os
import random
from typing import Any

import yaml


def generate(services: int, seed: int = 7, availability: bool = False,
             full: bool = False) -> dict[str, dict[str, Any]]:
    """Four agent files (as dicts) describing a design with ``services`` services.

    ``availability``: every datastore also states its availability (a third of them replicated with automatic
    failover), so that every public path's availability is known and the plan computes its figures with failover
    (by default datastores state none, and those figures are not computed). Drawn from a second generator, so the
    default design is the same with or without this option's code.

    ``full`` (implies ``availability``): a fully specified design, stating what a careful design states (see
    :func:`_specify`), so that the steps that only run on stated facts are measured too."""
    availability = availability or full
    rng = random.Random(seed)
    n = max(services, 2)
    names = [f"svc-{i:05d}" for i in range(n)]
    teams = [f"team-{i}" for i in range(max(1, n // 8))]
    n_ds = max(1, n // 5)
    n_ch = max(1, n // 10)
    n_ext = max(1, n // 50)
    ds_names = [f"db-{i:05d}" for i in range(n_ds)]
    ch_names = [f"topic-{i:05d}" for i in range(n_ch)]
    ext_names = [f"ext-{i:04d}" for i in range(n_ext)]
    svcs = []
    for i, name in enumerate(names):
        svcs.append({
            "name": name, "kind": "gateway" if i == 0 else rng.choice(["api", "api", "api", "worker"]),
            "owner": teams[i % len(teams)], "exposure": "public" if i == 0 else "internal",
            "criticality": rng.choice(["critical", "important", "best_effort"]),
            "availability": rng.choice([0.999, 0.9995, 0.9999]), "latency_p95_ms": rng.randint(5, 80),
            "replicas": rng.randint(1, 4), "state": "stateless",
            "health": {"liveness": True, "readiness": rng.random() < 0.8},
        })
    interactions = []
    seen = set()
    for i, name in enumerate(names):
        for _ in range(3):
            r = rng.random()
            if r < 0.6 and i + 1 < n:
                # calls go "down" the list, so the sync graph is mostly acyclic, like a layered system
                to = names[rng.randint(i + 1, min(n - 1, i + 40))]
            elif r < 0.8:
                to = ds_names[rng.randrange(n_ds)]
            elif r < 0.93:
                to = ch_names[rng.randrange(n_ch)]
            else:
                to = ext_names[rng.randrange(n_ext)]
            if (name, to) in seen:
                continue
            seen.add((name, to))
            edge: dict[str, Any] = {"from": name, "to": to}
            if to.startswith("topic-"):
                edge.update(style="async", protocol="kafka")
            else:
                edge.update(style="sync", protocol="http" if not to.startswith("db-") else "sql",
                            timeout_ms=rng.choice([500, 1000, 2000]))
                if rng.random() < 0.5:
                    edge["circuit_breaker"] = rng.random() < 0.7
                if rng.random() < 0.3:
                    edge["retry"] = {"attempts": rng.randint(1, 4), "backoff": "exponential", "jitter": True}
            interactions.append(edge)
    endpoints = []
    for i in range(max(1, n // 2)):
        svc = names[0] if i % 5 == 0 else names[rng.randrange(n)]
        endpoints.append({
            "method": rng.choice(["GET", "POST"]), "path": f"/v1/res{i}", "served_by": svc,
            "exposure": "public" if svc == names[0] else "internal",
            "authn": rng.choice(["jwt", "oauth2", "none"]),
        })
    datastores = [{
        "name": d, "kind": "relational", "role": "system_of_record", "owner": names[rng.randrange(n)],
        "writers": sorted({names[rng.randrange(n)] for _ in range(rng.randint(1, 2))}),
        "backups": {"enabled": True, "automated": rng.random() < 0.9}, "encryption_at_rest": True,
    } for d in ds_names]
    if availability:
        arng = random.Random(seed + 1)
        for ds in datastores:
            ds["availability"] = arng.choice([0.999, 0.9995, 0.9999])
            if arng.random() < 1 / 3:
                ds.update(replicas=arng.randint(1, 2), failover="automatic")
    channels = [{
        "name": c, "kind": "topic", "broker": "kafka", "delivery": "at_least_once",
        "consumers": [{"service": names[rng.randrange(n)], "idempotent": rng.random() < 0.7}],
        "dead_letter": rng.random() < 0.6,
    } for c in ch_names]
    externals = [{"name": e, "sla": 0.999} for e in ext_names]
    extra: dict[str, dict[str, Any]] = {"api": {}, "database": {}, "infrastructure": {}, "security": {}}
    if full:
        extra = _specify(random.Random(seed + 2), svcs, interactions, endpoints, datastores, channels, externals,
                         teams)
    files = {
        "api.yaml": {"source": "api", "endpoints": endpoints,
                     "interactions": [e for e in interactions if not str(e["to"]).startswith(("db-", "topic-"))]},
        "database.yaml": {"source": "database", "datastores": datastores,
                          "interactions": [e for e in interactions if str(e["to"]).startswith("db-")]},
        "infrastructure.yaml": {"source": "infrastructure",
                                "system": {"availability_target": 0.999, "latency_p95_ms": 800},
                                "services": svcs, "channels": channels,
                                "interactions": [e for e in interactions if str(e["to"]).startswith("topic-")]},
        "security.yaml": {"source": "security", "externals": externals,
                          "security": {"secrets_management": "vault", "service_to_service_auth": "mtls"}},
    }
    for doc, more in zip(files.values(), extra.values(), strict=True):
        for key, value in more.items():
            if isinstance(value, dict) and isinstance(doc.get(key), dict):
                doc[key].update(value)
            else:
                doc[key] = value
    return files


def _pick(rng: random.Random, good: Any, bad: Any, p_bad: float) -> Any:
    """``bad`` with probability ``p_bad``, else ``good``: a careful design still has a few gaps."""
    return bad if rng.random() < p_bad else good


def _specify(rng: random.Random, svcs: list[dict[str, Any]], interactions: list[dict[str, Any]],
             endpoints: list[dict[str, Any]], datastores: list[dict[str, Any]], channels: list[dict[str, Any]],
             externals: list[dict[str, Any]], teams: list[str]) -> dict[str, dict[str, Any]]:
    """State, in place, what a careful design states of each element (from the fact schema), mostly well and
    sometimes not (a reviewer still finds risks); return the sections added to each file (api, database,
    infrastructure, security). Drawn from its own generator: the plain design is unchanged."""
    for s in svcs:
        worker = s["kind"] == "worker"
        replicas = max(s["replicas"], _pick(rng, 2, 1, 0.1))
        s.update(
            replicas=replicas, zones=_pick(rng, 3, 1, 0.15), stateful=False,
            health={"liveness": True, "readiness": _pick(rng, True, False, 0.05),
                    "liveness_checks_dependencies": _pick(rng, False, True, 0.1)},
            autoscaling={"enabled": True, "metric": "queue_depth" if worker else rng.choice(["cpu", "rps"]),
                         "min_replicas": replicas, "max_replicas": replicas * rng.randint(2, 5)},
            behind_gateway=s["kind"] != "gateway", load_shedding=_pick(rng, True, False, 0.3),
            concurrency_limit=rng.choice([64, 128, 256]), graceful_shutdown=_pick(rng, True, False, 0.1),
            startup_seconds=rng.randint(2, 40), secrets_source=_pick(rng, "secret_store", "env_injected", 0.15),
            config_source=rng.choice(["env", "external_store"]), identity="workload_identity",
            permissions=_pick(rng, "least", "broad", 0.1), logging="aggregator", structured_logs=True,
            metrics=True, tracing=_pick(rng, True, False, 0.1), runbook=_pick(rng, True, False, 0.2),
            api_contract="openapi" if not worker else "asyncapi", contract_tests=_pick(rng, True, False, 0.3),
            dependencies_pinned=True, resource_limits=_pick(rng, True, False, 0.05),
            disruption_budget=_pick(rng, True, False, 0.2), network_policy=_pick(rng, True, False, 0.15),
            logs_sensitive_data=_pick(rng, False, True, 0.05), inbound_auth=_pick(rng, "mtls", "token", 0.2),
            capacity_rps=float(rng.choice([200, 500, 1000, 2000])),
        )
    for e in interactions:
        if e["style"] == "async":
            e.update(purpose="notify", tls=True, auth="service_token")
            continue
        to_db = e["protocol"] == "sql"
        e.update(
            connect_timeout_ms=rng.choice([100, 200, 500]), deadline_propagation=_pick(rng, True, False, 0.3),
            circuit_breaker=_pick(rng, True, False, 0.15) if not to_db else e.get("circuit_breaker", False),
            bulkhead=_pick(rng, True, False, 0.4), purpose=rng.choice(["query", "query", "command"]),
            tls=True, tls_verify=_pick(rng, True, False, 0.03),
            auth="mtls" if not to_db else _pick(rng, "client_credentials", "none", 0.1),
            pool_size=rng.choice([10, 20, 50]), dependency=_pick(rng, "hard", "soft", 0.3),
            address_resolution=_pick(rng, "mesh", "hardcoded", 0.05), validates_response=True,
            rps=float(rng.choice([10, 50, 100, 400])),
        )
        e["mutating"] = e["purpose"] == "command"
        if e["mutating"]:
            e.update(idempotent=_pick(rng, True, False, 0.2), idempotency_key=_pick(rng, True, False, 0.25))
        if not to_db:
            e["fallback"] = _pick(rng, rng.choice(["cache", "static", "degraded"]), "none", 0.3)
            if e["mutating"] and "retry" not in e and rng.random() < 0.5:
                e["retry"] = {"attempts": rng.randint(2, 3), "backoff": "exponential", "jitter": True}
        if "retry" in e:
            e["retry"].update(retry_on=_pick(rng, "transient", "all", 0.15), budget=_pick(rng, True, False, 0.3))
    for ep in endpoints:
        public = ep["exposure"] == "public"
        mutating = ep["method"] == "POST"
        ep.update(
            authn=_pick(rng, "oauth2" if public else "mtls", ep["authn"], 0.15),
            authz=_pick(rng, rng.choice(["role", "object_level", "policy"]), "none", 0.1),
            takes_object_id=rng.random() < 0.4, rate_limit=_pick(rng, True, False, 0.1 if public else 0.5),
            versioning="path", mutating=mutating, input_validation=_pick(rng, "schema", "partial", 0.15),
            tls=True, error_detail=_pick(rng, "generic", "stack_trace", 0.03),
            request_size_limit=_pick(rng, True, False, 0.2), data_classification=rng.choice(
                ["internal", "internal", "confidential", "public"]),
            expected_duration_ms=rng.choice([50, 100, 300, 800]), rps=float(rng.choice([5, 20, 100, 500])),
        )
        if mutating:
            ep.update(idempotency_key=_pick(rng, True, False, 0.2))
        else:
            ep.update(returns_collection=rng.random() < 0.3)
            if ep["returns_collection"]:
                ep.update(pagination=_pick(rng, True, False, 0.2), max_results=100)
    for i, d in enumerate(datastores):
        cache = i % 7 == 3
        if cache:
            d.update(kind="cache", role="cache", engine="redis 7", invalidation=_pick(rng, "ttl", "none", 0.1),
                     ttl_seconds=rng.choice([30, 300, 3600]), stampede_protection=_pick(rng, True, False, 0.4),
                     rebuildable=True, backups={"enabled": False})
        else:
            d.update(engine="postgres 16", multi_az=_pick(rng, True, False, 0.2),
                     migration_strategy=_pick(rng, "expand_contract", "in_place", 0.2),
                     partition_key=_pick(rng, "high_cardinality", "monotonic", 0.1))
            d["backups"].update(interval_minutes=rng.choice([15, 60, 1440]),
                                restore_tested=_pick(rng, True, False, 0.3), encrypted=True)
        d.update(classification=rng.choice(["internal", "confidential", "restricted"]), public_access=False,
                 max_connections=rng.choice([100, 200, 500]), authentication=_pick(rng, "iam", "password", 0.2),
                 credentials_source=_pick(rng, "secret_store", "env_injected", 0.15),
                 credentials_shared=_pick(rng, False, True, 0.1), tls_verify=True,
                 capacity_rps=float(rng.choice([1000, 5000])), failover_seconds=rng.choice([30, 60, 120]))
    for c in channels:
        c.update(producer_acks=_pick(rng, "all", "leader", 0.2), max_delivery_attempts=rng.randint(3, 10),
                 ordering=rng.choice(["none", "per_key"]), durable=True, encrypted=_pick(rng, True, False, 0.1),
                 schema_registry=_pick(rng, True, False, 0.3), broker_replicas=_pick(rng, 3, 1, 0.1),
                 consumer_parallelism=rng.choice(["competing", "partitioned"]), bounded=True,
                 message_ttl_seconds=rng.choice([3600, 86400, 604800]), carries_classification="internal",
                 criticality=rng.choice(["critical", "important", "best_effort"]))
        for consumer in c["consumers"]:
            consumer.update(group=f"{consumer['service']}-group",
                            commit=_pick(rng, "after_processing", "auto_interval", 0.15))
    for x in externals:
        x.update(rate_limit_rps=float(rng.choice([50, 100, 1000])), sandbox=True, paid=rng.random() < 0.5,
                 anti_corruption_layer=_pick(rng, True, False, 0.3), data_agreement=True)
    names = [s["name"] for s in svcs]
    deployments = [{
        "service": s["name"], "strategy": _pick(rng, rng.choice(["rolling", "canary", "blue_green"]), "recreate", 0.05),
        "automated": True, "rollback": _pick(rng, "automated", "manual", 0.3),
        "rollback_tested": _pick(rng, True, False, 0.3), "health_gated": _pick(rng, True, False, 0.1),
        "migration_compatibility": _pick(rng, "backward_compatible", "breaking", 0.05),
        "immutable_artifacts": True, "security_scans": _pick(rng, True, False, 0.2), "build_once": True,
        "feature_flags": rng.random() < 0.6,
    } for s in svcs]
    workflows = []
    for w in range(max(1, len(names) // 25)):
        start = rng.randrange(len(names))
        steps = [{"service": names[(start + k * rng.randint(1, 9)) % len(names)], "action": f"step {k}",
                  "mutates_state": True, "compensation": _pick(rng, True, False, 0.25), "retriable": True}
                 for k in range(rng.randint(2, 4))]
        workflows.append({"name": f"flow-{w:05d}", "owner": names[start], "steps": steps,
                          "coordination": _pick(rng, rng.choice(["saga_orchestrated", "workflow_engine"]), "none",
                                                0.2),
                          "publish_mechanism": _pick(rng, "outbox", "direct", 0.25), "user_facing": rng.random() < 0.5,
                          "state_tracked": _pick(rng, True, False, 0.2)})
    jobs = [{"name": f"job-{j:05d}", "service": names[rng.randrange(len(names))], "schedule": "0 2 * * *",
             "runs_on": _pick(rng, "external_scheduler", "all_replicas", 0.15),
             "idempotent": _pick(rng, True, False, 0.2)} for j in range(max(1, len(names) // 20))]
    return {
        "api": {},
        "database": {"workflows": workflows},
        "infrastructure": {
            "system": {"rto_minutes": 60, "rpo_minutes": 15, "environment": "production",
                       "regions": ["eu-west-1", "eu-central-1"], "tenancy": "multi", "per_tenant_limits": True,
                       "traffic_profile": "diurnal", "expected_peak_rps": 5000.0, "load_tested_peak_rps": 8000.0,
                       "chaos_testing": "gameday", "error_budget_policy": True, "api_inventory": True, "iac": True,
                       "incident_response": True, "synthetic_probes": True, "change_events_logged": True,
                       "emergency_levers": True},
            "deployments": deployments, "jobs": jobs,
            "teams": [{"name": t, "people": rng.randint(3, 8)} for t in teams],
            "observability": {"tracing": "end_to_end", "metrics": True, "logs": "centralized", "dashboards": True,
                              "slos": [{"name": "edge-availability", "target": names[0], "availability": 0.999}],
                              "alerts": ["error-budget-burn", "dlq-depth", "consumer-lag"]},
        },
        "security": {"security": {"identity_provider": "Keycloak", "identity_provider_kind": "managed",
                                  "compliance": ["gdpr", "soc2"], "waf": True, "audit_logging": True,
                                  "admin_mfa": True, "key_rotation_days": 90, "penetration_testing": True}},
    }


def write(directory: str, services: int, seed: int = 7, availability: bool = False, full: bool = False) -> list[str]:
    """Write a generated design into ``directory``; return the file paths."""
    os.makedirs(directory, exist_ok=True)
    paths = []
    for name, data in generate(services, seed, availability, full).items():
        for part, chunk in enumerate(_parts(data) if full else [data]):
            path = os.path.join(directory, name if not part else name.replace(".yaml", f"-{part + 1}.yaml"))
            with open(path, "w", encoding="utf-8") as fh:
                yaml.safe_dump(chunk, fh, sort_keys=False, width=120)
            paths.append(path)
    return paths


PART = 4000
"""Entries of one list a file of a fully specified design holds at most: an agent's facts are spread over files
of about the same size whatever the design's (large organisations split their design files), so each stays under
the reader's default bounds (16 MB, 2 million values)."""


def _parts(data: dict[str, Any]) -> list[dict[str, Any]]:
    """``data`` as files of the same agent (``source``), each with at most ``PART`` entries of each list; the
    sections stated once go in the first."""
    lists = {k: v for k, v in data.items() if isinstance(v, list)}
    count = max([(len(v) + PART - 1) // PART for v in lists.values()] + [1])
    out = [dict(data) if not i else {"source": data["source"]} for i in range(count)]
    for k, v in lists.items():
        for i in range(count):
            if v[i * PART:(i + 1) * PART]:
                out[i][k] = v[i * PART:(i + 1) * PART]
            else:
                out[i].pop(k, None)
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("services", type=int)
    ap.add_argument("directory")
    ap.add_argument("--availability", action="store_true",
                    help="datastores state their availability (some with failover): every path's availability known")
    ap.add_argument("--full", action="store_true",
                    help="a fully specified design (implies --availability): every element states what a careful "
                         "design states, mostly well, sometimes not")
    args = ap.parse_args()
    print("\n".join(write(args.directory, args.services, availability=args.availability, full=args.full)))
