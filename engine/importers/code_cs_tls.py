"""The .NET HTTP and gRPC clients whose code accepts any server certificate (``archplan import source``).

A client registered with the HTTP client factory (``services.AddHttpClient<T>(...)``, ``AddGrpcClient<T>(...)``,
Refit's ``AddRefitClient<T>()``) whose primary handler the code builds with a certificate validation callback that
accepts everything (``ServerCertificateCustomValidationCallback =
HttpClientHandler.DangerousAcceptAnyServerCertificateValidator``, or a lambda that returns ``true``) calls its
target over TLS without checking who answers. The registration reads its target's address from a setting by key
(``options.Address = new Uri(configuration["GrpcSettings:DiscountUrl"]!)``); ``compose`` joins it with the
deployment: the call the deployment draws from the service to the workload that the variable of that key
(``GrpcSettings__DiscountUrl``) names is ``tls_verify: false``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from engine.errors import Location
from engine.importers.base import safe_name
from engine.importers.code_text import close_bracket

_REGISTRATION = re.compile(r"\.\s*Add(?:HttpClient|GrpcClient|RefitClient)\s*(?:<[^<>();]*(?:<[^<>();]*>[^<>();]*)*>)?"
                           r"\s*\(")
_ACCEPT_ANY = re.compile(r"\bServerCertificateCustomValidationCallback\s*=\s*(?:[\w.]*\.)?"
                         r"(?:DangerousAcceptAnyServerCertificateValidator\b|"
                         r"(?:\([^()]*\)|\w+)\s*=>\s*true\b)")
_SETTING_KEY = re.compile(r"(?:\[\s*|\bGetValue\s*<[^<>()\n]*>\s*\(\s*)@?\"(?P<key>[^\"\\\n]+)\"\s*[\])]")


@dataclass(frozen=True)
class Unverified:
    """A client registration that accepts any certificate, and the setting its target's address is read from."""

    setting: str
    at: Location
    how: str


def _statement_end(code: str, i: int) -> int:
    """The end of the statement (``;`` outside brackets) starting before ``i``."""
    while i < len(code) and code[i] != ";":
        i = close_bracket(code, i) if code[i] in "([{" else i + 1
    return i


def unverified(cs: Sequence[tuple[str, str]]) -> tuple[Unverified, ...]:
    """The client registrations of a service's C# files (comments blanked) whose chain gives their primary handler a
    validation callback that accepts any certificate, with the setting key their address is read from."""
    out: list[Unverified] = []
    for path, code in cs:
        for m in _REGISTRATION.finditer(code):
            end = _statement_end(code, m.end() - 1)
            chain = code[m.start():end]
            skip = _ACCEPT_ANY.search(chain)
            key = _SETTING_KEY.search(chain)
            if skip is None or key is None:
                continue
            line = code.count("\n", 0, m.start()) + 1
            what = skip.group(0).split("=", 1)[1].strip()
            out.append(Unverified(key.group("key"), Location(path, line, m.start() - code.rfind("\n", 0, m.start())),
                                  f"ServerCertificateCustomValidationCallback = {what} in the client its code "
                                  f"registers at {path}:{line}"))
    return tuple(out)


def targets(found: Mapping[str, Sequence[Unverified]], env: Mapping[str, Mapping[str, tuple[str, Location]]],
            workloads: set[str]) -> dict[tuple[str, str], Unverified]:
    """(service, target) -> the registration that accepts any certificate from ``target``: the workload the
    deployment's variable of the setting's key (``A__B`` for ``A:B``) names by its host."""
    out: dict[tuple[str, str], Unverified] = {}
    for service, regs in sorted(found.items()):
        own = {k.lower(): v for k, v in env.get(service, {}).items()}
        for r in regs:
            value = own.get(r.setting.replace(":", "__").lower())
            if value is None:
                continue
            raw = value[0].strip()
            try:
                host = (urlsplit(raw if "://" in raw else f"//{raw}").hostname or "").lower()
            except ValueError:
                continue
            target = safe_name(host) if host else ""
            if target in workloads and target != service:
                out.setdefault((service, target), r)
    return out


__all__ = ["Unverified", "targets", "unverified"]
