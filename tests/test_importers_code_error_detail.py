"""`import source`: a JavaScript or TypeScript handler whose ``catch`` sends the caught exception's stack to its caller
is an endpoint that leaks error details (``error_detail: stack_trace``, ``engine.importers.code_error_detail``), and
the rule exposed-endpoint-leaks-error-details reports it when the endpoint is published."""

from __future__ import annotations

import os
import textwrap
from typing import Any

import pytest

from engine.importers import load_artifacts
from engine.importers.code_error_detail import leaked
from engine.loader import load_documents
from engine.review import review
from tests.helpers import write

HELD_THEN_RETURNED = """
    export async function POST(request: Request) {
      try {
        return Response.json(await record(await request.json()));
      } catch (e) {
        const detail = serializeError(e);

        console.log(detail);

        return failure({ detail });
      }
    }
"""
STACK_SENT = """
    app.post('/hits', async (req, res) => {
      try {
        res.json(await store(req.body));
      } catch (err: any) {
        res.status(500).json({ message: err.message, trace: err.stack });
      }
    });
"""
ONLY_LOGGED = """
    export async function POST(request: Request) {
      try {
        return Response.json(await record(await request.json()));
      } catch (e) {
        console.log('record failed', serializeError(e), e.stack);
        return Response.json({ error: 'server error' }, { status: 500 });
      }
    }
"""
EARLIER_RETURN = """
    export async function GET() {
      try {
        return Response.json(await load());
      } catch (e) {
        if (isMissing(e)) {
          return Response.json({ error: 'not found' }, { status: 404 });
        }
        logger.error(e.stack);
        throw e;
      }
    }
"""
ANOTHER_ERROR = """
    export async function GET() {
      try {
        return Response.json(await load());
      } catch (e) {
        return Response.json({ trace: lastFailure.stack });
      }
    }
"""


@pytest.mark.parametrize(("code", "line"), [
    pytest.param(HELD_THEN_RETURNED, 6, id="held-in-a-variable-then-returned"),
    pytest.param(STACK_SENT, 6, id="stack-in-a-response-call"),
    pytest.param(ONLY_LOGGED, None, id="only-logged"),
    pytest.param(EARLIER_RETURN, None, id="logged-after-an-earlier-return"),
    pytest.param(ANOTHER_ERROR, None, id="another-objects-stack"),
])
def test_a_caught_exception_whose_stack_reaches_the_caller(code: str, line: int | None) -> None:
    text = textwrap.dedent(code)
    at = leaked(text, 0, len(text))
    assert (None if at is None else text.count("\n", 0, at) + 1) == line


def test_a_published_nextjs_route_sending_its_stack_leaks_error_details(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "web/app/api/collect/route.ts", HELD_THEN_RETURNED)
    write(root, "web/app/api/quiet/route.ts", ONLY_LOGGED)
    compose = write(root, "compose.yaml", "services:\n  web:\n    image: acme/web\n    ports: [\"3000:3000\"]\n")
    specs = [f"compose={compose}", f"source:web={os.path.join(root, 'web')}"]
    endpoints = {f.data["path"]: f.data for f in load_documents(load_artifacts(specs)).of_kind("endpoint")}
    assert endpoints["/api/collect"].get("error_detail") == "stack_trace"
    assert "error_detail" not in endpoints["/api/quiet"]
    rv = review([], extra=load_artifacts(specs))
    assert {f.subject for f in rv.findings if f.rule == "exposed-endpoint-leaks-error-details"} == \
        {"endpoint:POST /api/collect"}
