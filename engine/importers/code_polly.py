"""The calls a C# service's code sends again through a Polly retry policy (``archplan import source``).

A method of the service that builds a Polly retry policy (``Policy.Handle<Exception>().RetryAsync(5)``,
``WaitAndRetryAsync(3, ...)``, ``Retry(2)``) and executes with it the delegate it is given (``.ExecuteAsync(action)``)
is a retry wrapper: each lambda passed to it (``_helper.ExecuteResilient(async () => { ... })``) runs again on
failure, up to the policy's count of retries (so one attempt more), and so does a helper method of the file called
only from such lambdas. The calls made through a Refit client (a field or variable typed with an interface whose
methods carry ``[Get("...")]``, ``[Post("...")]``...) are places sending requests (``code_breakers.Caller``), named by
the client's interface and variable (``IWorkshopManagementAPI _workshopManagementAPI`` names
``workshopmanagementapi`` and ``workshopmanagement``), retried or not, with the verb of the interface method they
call; ``code_breakers.retried`` then states the retries of a drawn call whose every changing request is retried. The
class that implements the interface itself is not read for calls.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from engine.errors import Location
from engine.importers.code_breakers import Caller
from engine.importers.code_text import close_bracket

_REFIT_METHOD = re.compile(r"\[\s*(Get|Post|Put|Patch|Delete)\s*\(\s*@?\"[^\"\n]*\"\s*\)\s*\]\s*"
                           r"(?:\[[^\]\n]*\]\s*)*[\w<>\[\],.? ]+?\s+(\w+)\s*\(")
_INTERFACE = re.compile(r"\binterface\s+(\w+)")
_IMPLEMENTS = re.compile(r"\bclass\s+\w+\s*:\s*([\w\s,.<>]+?)\s*(?:\{|where\b)")
_POLICY = re.compile(r"\.\s*(?:Wait)?(?:And)?Retry(?:Async)?\s*\(\s*(\d+)")
"""Polly's ``RetryAsync(5)``, ``WaitAndRetryAsync(3, ...)``, ``Retry(2)``: the number of retries."""
_METHOD = re.compile(r"\b(\w+)\s*\(\s*Func\s*<[^()]*>\s+(\w+)[^()]*\)\s*\{")
"""A method taking a delegate (``ExecuteResilient(Func<Task<IActionResult>> action, ...)``)."""
_LAMBDA = re.compile(r"\(\s*(?:async\s*)?(?:\(\s*\)|\w+)\s*=>\s*\{")


def _refit(cs: Sequence[tuple[str, str]]) -> dict[str, dict[str, str]]:
    """The Refit interfaces of the code: interface name -> {method: verb}."""
    out: dict[str, dict[str, str]] = {}
    for _path, code in cs:
        for m in _INTERFACE.finditer(code):
            open_at = code.find("{", m.end())
            if open_at < 0:
                continue
            body = code[open_at:close_bracket(code, open_at)]
            verbs = {v.group(2): v.group(1).upper() for v in _REFIT_METHOD.finditer(body)}
            if verbs:
                out[m.group(1)] = verbs
    return out


def _wrappers(cs: Sequence[tuple[str, str]]) -> dict[str, tuple[int, Location]]:
    """The methods that run the delegate they are given under a Polly retry policy: name -> (retries, where)."""
    out: dict[str, tuple[int, Location]] = {}
    for path, code in cs:
        for m in _METHOD.finditer(code):
            body = code[m.end() - 1:close_bracket(code, m.end() - 1)]
            policy = _POLICY.search(body)
            if policy and re.search(rf"\.\s*Execute(?:Async)?\s*\(\s*{re.escape(m.group(2))}\s*\)", body):
                at = m.end() - 1 + policy.start()
                out[m.group(1)] = (int(policy.group(1)), _at(path, code, at))
    return out


_HEAD = re.compile(r"\b(\w+)\s*\([^;{}()]*(?:\([^()]*\)[^;{}()]*)*\)\s*\{")


def _retried_at(code: str, i: int, spans: Sequence[tuple[int, int, str, int]]) -> tuple[int, int, str, int] | None:
    """The retried lambda the code at ``i`` runs in: one around it, or, for a helper method of the file, one around
    every call of that helper (``GetAvailableVehiclesList()`` called only from retried lambdas)."""
    inside = next((s for s in spans if s[0] < i < s[1]), None)
    if inside is not None:
        return inside
    heads = [h for h in _HEAD.finditer(code, 0, i) if close_bracket(code, h.end() - 1) > i
             and h.group(1) not in ("if", "for", "foreach", "while", "switch", "catch", "using", "lock")]
    if not heads:
        return None
    name = heads[-1].group(1)
    calls = [c.start() for c in re.finditer(rf"(?<![\w.]){re.escape(name)}\s*\(", code)
             if c.start() != heads[-1].start()]
    around = [next((s for s in spans if s[0] < c < s[1]), None) for c in calls]
    return around[0] if around and all(around) else None


def _at(path: str, code: str, i: int) -> Location:
    return Location(path, code.count("\n", 0, i) + 1, i - (code.rfind("\n", 0, i) + 1) + 1)


def _flat(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def callers(cs: Sequence[tuple[str, str]]) -> tuple[Caller, ...]:
    """Each call the C# files ``cs`` (comments blanked) make through a Refit client, as a ``Caller``: retried when it
    lies in a lambda passed to a Polly retry wrapper (``retry`` names the wrapper, ``attempts`` counts the first try
    too), ``writes`` the verb of a changing request."""
    interfaces = _refit(cs)
    if not interfaces:
        return ()
    wrappers = _wrappers(cs)
    return tuple(c for path, code in cs for c in _calls(path, code, interfaces, wrappers))


def _calls(path: str, code: str, interfaces: dict[str, dict[str, str]],
           wrappers: dict[str, tuple[int, Location]]) -> Iterator[Caller]:
    own = _IMPLEMENTS.search(code)
    if own and any(i.strip() in interfaces for i in own.group(1).split(",")):
        return  # the client's own implementation: it forwards, it does not decide on retries
    typed = {v.group(1): t for t in interfaces for v in re.finditer(rf"\b{re.escape(t)}\s+(\w+)\s*[;=,)]", code)}
    if not typed:
        return
    spans: list[tuple[int, int, str, int]] = []  # retried lambdas: start, end, wrapper, retries
    for name, (retries, _where) in wrappers.items():
        for call in re.finditer(rf"\b{re.escape(name)}\s*", code):
            lam = _LAMBDA.match(code, call.end())
            if lam:
                spans.append((lam.end() - 1, close_bracket(code, lam.end() - 1), name, retries))
    for var, interface in typed.items():
        for use in re.finditer(rf"\b{re.escape(var)}\s*\.\s*(\w+)\s*\(", code):
            verb = interfaces[interface].get(use.group(1))
            if verb is None:
                continue
            inside = _retried_at(code, use.start(), spans)
            names = frozenset(n for v in (interface.removeprefix("I"), var) for n in
                              (_flat(v), re.sub(r"(?:api|client|service|proxy)$", "", _flat(v))) if n)
            writes = f"[{verb.title()}] {use.group(1)}" if verb != "GET" else None
            yield Caller(_at(path, code, use.start()), False, names,
                         f"{inside[2]}, Polly retries {inside[3]}" if inside else None, writes,
                         inside[3] + 1 if inside else None)


__all__ = ["callers"]
