"""Import cost of an OpenAPI description as it grows: 100, 300, 1,000 and 3,000 endpoints.

    .venv/bin/python benchmarks/bench_import.py [--sizes 100,300,1000,3000] [--repeat 3]

Prints, per size: file size, parse+import time, validation+merge time (``load_documents``), and
the time per endpoint, which stays flat when the cost grows linearly. Each description has one
resource per four endpoints (list with paging, create with a request body that reaches a shared
``Customer`` schema by ``$ref``, read and delete by id), each with its own component schema.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine.importers import import_paths
from engine.loader import load_documents


def generate_openapi(path: str, endpoints: int) -> None:
    """Write an OpenAPI 3.0 description with ``endpoints`` operations (a multiple of 4) to ``path``."""
    if endpoints % 4:
        raise ValueError("endpoints must be a multiple of 4")
    out = ["openapi: 3.0.3", "info:", "  title: Generated API", "  version: '1'", "servers:",
           "  - url: https://api.example.com/v1", "security:", "  - bearer: []", "paths:"]
    resources = endpoints // 4
    for k in range(resources):
        out += [
            f"  /items{k}:",
            "    get:",
            f"      operationId: list{k}",
            "      parameters:",
            "        - {name: limit, in: query, schema: {type: integer}}",
            "        - {name: cursor, in: query, schema: {type: string}}",
            "      responses:",
            "        '200':",
            "          description: a page",
            "          content:",
            "            application/json:",
            "              schema:",
            "                type: array",
            f"                items: {{$ref: '#/components/schemas/Item{k}'}}",
            "    post:",
            f"      operationId: create{k}",
            "      parameters:",
            "        - {name: Idempotency-Key, in: header, schema: {type: string}}",
            "      requestBody:",
            "        content:",
            "          application/json:",
            f"            schema: {{$ref: '#/components/schemas/NewItem{k}'}}",
            "      responses:",
            "        '201': {description: created}",
            f"  /items{k}/{{id}}:",
            "    parameters:",
            "      - {name: id, in: path, required: true, schema: {type: string}}",
            "    get:",
            f"      operationId: get{k}",
            "      responses:",
            "        '200':",
            "          description: one",
            "          content:",
            "            application/json:",
            f"              schema: {{$ref: '#/components/schemas/Item{k}'}}",
            "        '429': {description: slow down}",
            "    delete:",
            f"      operationId: delete{k}",
            "      responses:",
            "        '204': {description: gone}",
        ]
    out += ["components:", "  securitySchemes:", "    bearer: {type: http, scheme: bearer, bearerFormat: JWT}",
            "  schemas:", "    Customer:", "      type: object", "      properties:",
            "        email: {type: string, format: email}", "        name: {type: string}"]
    for k in range(resources):
        out += [f"    Item{k}:", "      type: object", "      properties:", "        id: {type: string}",
                "        title: {type: string}", "        price: {type: number}",
                f"    NewItem{k}:", "      type: object", "      properties:", "        title: {type: string}",
                "        owner: {$ref: '#/components/schemas/Customer'}"]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(out) + "\n")


def main() -> None:
    """Run the benchmark and print one line per size."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="100,300,1000,3000")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'endpoints':>9} {'bytes':>10} {'import s':>9} {'load s':>8} {'total s':>8} {'us/endpoint':>12}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = os.path.join(tmp, f"api-{n}.yaml")
            generate_openapi(path, n)
            best_import = best_load = float("inf")
            for _ in range(args.repeat):
                gc.collect()
                t0 = time.perf_counter()
                docs = import_paths("openapi", [path])
                t1 = time.perf_counter()
                design = load_documents(docs)
                t2 = time.perf_counter()
                best_import, best_load = min(best_import, t1 - t0), min(best_load, t2 - t1)
            assert len(design.of_kind("endpoint")) == n
            total = best_import + best_load
            print(f"{n:>9} {os.path.getsize(path):>10,} {best_import:>9.3f} {best_load:>8.3f} {total:>8.3f} "
                  f"{total / n * 1e6:>12.0f}")


if __name__ == "__main__":
    main()
