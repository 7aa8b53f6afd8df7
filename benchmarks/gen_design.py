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


def generate(services: int, seed: int = 7, availability: bool = False) -> dict[str, dict[str, Any]]:
    """Four agent files (as dicts) describing a design with ``services`` services.

    ``availability``: every datastore also states its availability (a third of them replicated with automatic
    failover), so that every public path's availability is known and the plan computes its figures with failover
    (by default datastores state none, and those figures are not computed). Drawn from a second generator, so the
    default design is the same with or without this option's code."""
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
    return {
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


def write(directory: str, services: int, seed: int = 7, availability: bool = False) -> list[str]:
    """Write a generated design into ``directory``; return the file paths."""
    os.makedirs(directory, exist_ok=True)
    paths = []
    for name, data in generate(services, seed, availability).items():
        path = os.path.join(directory, name)
        with open(path, "w", encoding="utf-8") as fh:
            yaml.safe_dump(data, fh, sort_keys=False, width=120)
        paths.append(path)
    return paths


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("services", type=int)
    ap.add_argument("directory")
    ap.add_argument("--availability", action="store_true",
                    help="datastores state their availability (some with failover): every path's availability known")
    args = ap.parse_args()
    print("\n".join(write(args.directory, args.services, availability=args.availability)))
