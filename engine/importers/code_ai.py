"""Calls to AI model providers through their SDKs (``archplan import source``).

A Python service that builds a provider's client (``AzureOpenAI(...)``, ``OpenAI(...)``, ``Anthropic(...)``, their
``Async`` twins, or Semantic Kernel's ``AzureChatCompletion(...)`` / ``OpenAIChatCompletion(...)``, which wrap the
OpenAI client) from the provider's own package calls that provider over the network: no URL is written in the code
(the endpoint comes from the environment), so no other reader sees the call. The import states the provider as an
external (``azure-openai``, ``openai``, ``anthropic``: the provider's name, whatever the variable), ``paid`` (billed
per call), and the service's call to it with what the SDK does unless told otherwise, from the SDKs' documentation
(openai-python and anthropic-sdk-python, "Timeouts" and "Retries"): a 600 s timeout and two retries with exponential
backoff and jitter on connection errors, 408, 409, 429 and 5xx answers. A ``timeout=`` or ``max_retries=`` given to
the constructor as a number replaces the default; one given otherwise leaves that field unknown. The call has no
circuit breaker when no code of the service names one (``pybreaker``, ``circuitbreaker``, ``aiobreaker``,
``purgatory``, a class or decorator named for a breaker).

The constructor must come from the provider's package: the file imports it (``from openai import AzureOpenAI``,
``import openai`` then ``openai.AzureOpenAI(...)``, ``from semantic_kernel.connectors.ai.open_ai import ...``), so a
class of the service's own that happens to share a name is not taken for the SDK. A client given a ``base_url``
talks to whatever server that names (a local model server speaking the provider's API, a proxy), not to the
provider: it is left out.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass

from engine.errors import Location
from engine.importers import code_trees
from engine.importers.base import Body

# constructor name -> (the provider, the package it must come from)
_CONSTRUCTORS = {
    "AzureOpenAI": ("azure-openai", "openai"), "AsyncAzureOpenAI": ("azure-openai", "openai"),
    "OpenAI": ("openai", "openai"), "AsyncOpenAI": ("openai", "openai"),
    "Anthropic": ("anthropic", "anthropic"), "AsyncAnthropic": ("anthropic", "anthropic"),
    "AzureChatCompletion": ("azure-openai", "semantic_kernel"),
    "AzureTextCompletion": ("azure-openai", "semantic_kernel"),
    "AzureTextEmbedding": ("azure-openai", "semantic_kernel"),
    "OpenAIChatCompletion": ("openai", "semantic_kernel"), "OpenAITextCompletion": ("openai", "semantic_kernel"),
    "OpenAITextEmbedding": ("openai", "semantic_kernel"),
}
_PROVIDER_NAMES = {"azure-openai": "Azure OpenAI", "openai": "OpenAI", "anthropic": "Anthropic"}
SDK_TIMEOUT_MS = 600_000
"""The OpenAI and Anthropic Python SDKs' default request timeout (10 minutes)."""
SDK_RETRIES = 2
"""Their default number of retries (so three attempts), with exponential backoff and jitter."""
_BREAKER = re.compile(r"\b(?:pybreaker|circuitbreaker|aiobreaker|purgatory)\b|CircuitBreaker|circuit_breaker",
                      re.IGNORECASE)


@dataclass(frozen=True)
class AiClient:
    """A provider client the code builds: the provider, the constructor, where, and what it is given."""

    provider: str
    constructor: str
    at: Location
    timeout_ms: int | None
    """The timeout the constructor is given, in milliseconds; the SDK's default when none is given; None when the
    code gives one this import cannot read."""
    retries: int | None
    """Likewise for ``max_retries``."""
    breaker: tuple[str, Location] | None
    """What in the service's code names a circuit breaker, and where, when something does."""


def _imported(tree: ast.Module) -> tuple[set[str], set[str]]:
    """The names a module imports from each provider package (bare), and the provider packages it imports whole."""
    names: set[str] = set()
    modules: set[str] = set()
    for node in code_trees.nodes(tree, ast.Import, ast.ImportFrom):
        if isinstance(node, ast.ImportFrom) and node.module:
            root = node.module.split(".")[0]
            if root in ("openai", "anthropic", "semantic_kernel"):
                names.update(f"{root}:{a.asname or a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            for a in node.names:
                root = a.name.split(".")[0]
                if root in ("openai", "anthropic"):
                    modules.add(a.asname or root)
    return names, modules


def _number(node: ast.expr | None) -> float | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return float(node.value)
    return None


def clients(texts: Sequence[tuple[str, str]]) -> tuple[AiClient, ...]:
    """The AI provider clients a service's Python files build, in file and line order."""
    breaker = next(((m.group(0), Location(path, text.count("\n", 0, m.start()) + 1, 1))
                    for path, text in texts if path.endswith(".py") for m in [_BREAKER.search(text)] if m), None)
    out: list[AiClient] = []
    for path, text in texts:
        if not path.endswith(".py") or not any(k in text for k in ("openai", "anthropic", "semantic_kernel")):
            continue
        try:
            tree = code_trees.parse(text, path)
        except (SyntaxError, ValueError):
            continue
        names, modules = _imported(tree)
        for node in code_trees.nodes(tree, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                name = func.id
                found = _CONSTRUCTORS.get(name)
                if found is None or f"{found[1]}:{name}" not in names:
                    continue
            elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in modules:
                name = func.attr
                found = _CONSTRUCTORS.get(name)
                if found is None or found[1] == "semantic_kernel":
                    continue
            else:
                continue
            kwargs = {k.arg: k.value for k in node.keywords if k.arg}
            if "base_url" in kwargs:
                continue  # pointed at another server (a local model server, a proxy): not the provider itself
            timeout = _number(kwargs.get("timeout"))
            retries = _number(kwargs.get("max_retries"))
            out.append(AiClient(
                found[0], name, Location(path, node.lineno, node.col_offset + 1),
                SDK_TIMEOUT_MS if "timeout" not in kwargs else round(timeout * 1000) if timeout is not None else None,
                SDK_RETRIES if "max_retries" not in kwargs else int(retries) if retries is not None else None,
                breaker))
    return tuple(sorted(out, key=lambda c: (c.at.file, c.at.line, c.at.column)))


def record(body: Body, service: str, found: Sequence[AiClient]) -> None:
    """State each provider ``service`` calls, and its call to it (the first client of each provider speaks for it:
    where two differ, the longest timeout and the most retries, what the caller may wait)."""
    by_provider: dict[str, list[AiClient]] = {}
    for c in found:
        by_provider.setdefault(c.provider, []).append(c)
    for provider, cs in sorted(by_provider.items()):
        first = cs[0]
        shown = _PROVIDER_NAMES[provider]
        body.fact("externals", {"name": provider, "description": f"{shown}, an AI model provider"}, first.at)
        body.set("externals", provider, "paid", True, first.at)
        body.note("externals", provider, f"from source: {service} builds the {shown} client ({first.constructor}, "
                                         f"{first.at}); paid true: the provider bills each call")
        ident = body.fact("interactions", {"from": service, "to": provider, "style": "sync", "protocol": "http"},
                          first.at)
        body.note("interactions", ident, "from source: " + "; ".join(f"{c.constructor}() at {c.at}" for c in cs))
        timeouts = [c.timeout_ms for c in cs]
        if None not in timeouts:
            ms = max(t for t in timeouts if t is not None)
            body.set("interactions", ident, "timeout_ms", ms, first.at)
            how = "the SDK's default, 10 min" if ms == SDK_TIMEOUT_MS else "the constructor's timeout="
            body.note("interactions", ident, f"timeout_ms {ms}: {how}")
        retries = [c.retries for c in cs]
        if None not in retries:
            n = max(r for r in retries if r is not None)
            body.set("interactions", ident, "retry", {"attempts": n + 1, "backoff": "exponential", "jitter": True,
                                                      "retry_on": "transient"}, first.at)
            body.note("interactions", ident, f"retry: {n} retries (the SDK's default is {SDK_RETRIES}) with "
                                             "exponential backoff and jitter, on connection errors, 408, 409, 429 "
                                             "and 5xx answers")
        if first.breaker is None:
            body.set("interactions", ident, "circuit_breaker", False, first.at)
            body.note("interactions", ident, f"circuit_breaker false: no code of {service} names a circuit breaker")


__all__ = ["SDK_RETRIES", "SDK_TIMEOUT_MS", "AiClient", "clients", "record"]
