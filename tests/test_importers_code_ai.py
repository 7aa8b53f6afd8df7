"""`import source`: a Python service building an AI model provider's SDK client calls that provider (engine/importers/
code_ai.py): the provider is an external, paid, and the call carries the SDK's defaults unless the code says
otherwise."""

from __future__ import annotations

import os
from typing import Any

import pytest

from engine.importers import load_artifacts
from engine.importers.code_ai import SDK_RETRIES, SDK_TIMEOUT_MS, clients
from engine.loader import load_documents
from engine.review import review
from tests.helpers import write
from tests.importer_helpers import fact, fixture, line_of

AI = fixture("ai")
APP = os.path.join(AI, "writer", "app.py")
SUMMARY = os.path.join(AI, "writer", "summary.py")


def _read(path: str) -> tuple[str, str]:
    with open(path, encoding="utf-8") as fh:
        return path, fh.read()


def test_the_sdk_clients_a_service_builds_with_what_they_are_given() -> None:
    found = clients([_read(APP), _read(SUMMARY)])
    # AzureOpenAI from the openai package with the SDK's defaults; openai.OpenAI with its own timeout and no retry;
    # the OpenAI client given a base_url (a local model server) and the service's own Anthropic class are left out
    assert [(c.provider, c.constructor, c.at.line, c.timeout_ms, c.retries) for c in found] == [
        ("azure-openai", "AzureOpenAI", line_of(APP, "return AzureOpenAI("), SDK_TIMEOUT_MS, SDK_RETRIES),
        ("openai", "OpenAI", line_of(SUMMARY, "openai.OpenAI("), 20_000, 0)]
    assert all(c.breaker is None for c in found)


@pytest.mark.parametrize(("code", "expected"), [
    ("from openai import OpenAI\nc = OpenAI(timeout=settings.timeout)\n", [("openai", None, SDK_RETRIES)]),
    ("from anthropic import AsyncAnthropic\nc = AsyncAnthropic(max_retries=5)\n", [("anthropic", SDK_TIMEOUT_MS, 5)]),
    ("from semantic_kernel.connectors.ai.open_ai import AzureChatCompletion\nc = AzureChatCompletion(service_id='x')\n",
     [("azure-openai", SDK_TIMEOUT_MS, SDK_RETRIES)]),
    ("class OpenAI:\n    pass\nc = OpenAI()\n", []),  # not the SDK's
    ("import semantic_kernel\nc = semantic_kernel.OpenAIChatCompletion()\n", []),  # not how it is imported
    ("from openai import OpenAI\nc = OpenAI(base_url='http://llm:8000/v1')\n", []),
])
def test_only_a_providers_own_constructor_counts_and_unread_settings_stay_unknown(code: str,
                                                                                 expected: list[Any]) -> None:
    assert [(c.provider, c.timeout_ms, c.retries) for c in clients([("svc/app.py", code)])] == expected


def test_a_named_circuit_breaker_leaves_the_calls_breaker_unknown(tmp_path: Any) -> None:
    found = clients([("svc/app.py", "import pybreaker\nfrom openai import OpenAI\nc = OpenAI()\n")])
    assert found[0].breaker is not None and found[0].breaker[0] == "pybreaker"
    tmp = str(tmp_path)
    write(tmp, "writer/app.py", "import pybreaker\nfrom openai import OpenAI\nc = OpenAI()\n")
    design = load_documents(load_artifacts([f"compose={os.path.join(AI, 'compose.yaml')}",
                                            f"source:writer={tmp}/writer"]))
    assert "circuit_breaker" not in fact(design, "interaction:writer->openai").data


def test_the_provider_is_a_paid_external_and_the_call_carries_the_sdks_defaults() -> None:
    artifacts = [f"compose={os.path.join(AI, 'compose.yaml')}", f"source={os.path.join(AI, 'writer')}"]
    design = load_documents(load_artifacts(artifacts))
    azure = fact(design, "external:azure-openai")
    assert azure.data["paid"] is True and azure.location.line == line_of(APP, "return AzureOpenAI(")
    call = fact(design, "interaction:writer->azure-openai")
    assert (call.data["style"], call.data["timeout_ms"], call.data["circuit_breaker"]) == ("sync", SDK_TIMEOUT_MS,
                                                                                           False)
    assert call.data["retry"] == {"attempts": SDK_RETRIES + 1, "backoff": "exponential", "jitter": True,
                                  "retry_on": "transient"}
    assert fact(design, "interaction:writer->openai").data["timeout_ms"] == 20_000
    assert fact(design, "interaction:writer->openai").data["retry"]["attempts"] == 1
    # the review sees a third party called with no breaker
    rv = review([], extra=load_artifacts(artifacts))
    assert "interaction:writer->azure-openai" in {f.subject for f in rv.findings
                                                  if f.rule == "external-call-without-circuit-breaker"}
