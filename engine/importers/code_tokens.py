"""The bearer tokens a JavaScript or TypeScript handler signs for its caller (``import source``): the endpoint's
``token_lifetime_minutes`` and ``token_revocation``.

A handler that returns a JWT it signs itself (a login, a sign-up, an OAuth callback) hands out a credential that is
accepted for as long as its signature and expiry check out. Read here, in the handler's code and, for NestJS, in the
provider methods it reaches (``code_nest_calls``):

- the signing call: ``jwt.sign(payload, secret, options)`` (jsonwebtoken) or ``this.jwtService.sign(payload,
  options)`` / ``signAsync`` (``@nestjs/jwt``), on a receiver whose name says JWT; a call whose next few lines put
  the token into a ``Bearer`` header is the service's own assertion to another API, not its caller's token. Where
  the service's code is given (``wrappers``), a call of one of its own signing helpers counts too: a function that
  signs the payload it is given (its first parameter), with the options it is given or fixed ones
  (``createToken(payload, secret, options) { return jwt.sign(payload, secret, options) }``, or a helper calling such
  a helper); the caller's arguments then stand where the helper passes its own on, so a call leaving the options
  out signs with none (or with the parameter's default). A helper that signs something else than its first
  parameter (a session key it makes) is not one: what its token stands for is not read;
- its lifetime: the ``expiresIn`` of the call's options, else, for ``@nestjs/jwt``, of the one
  ``JwtModule.register({signOptions: {expiresIn}})`` of the service's code; a literal only (``'180 days'``,
  ``'7d'``, ``3600`` seconds, ``60 * 60 * 24``), as jsonwebtoken reads it (the ``ms`` package; a number is seconds).
  No ``expiresIn`` anywhere and no ``exp`` in the payload: the token never expires (jsonwebtoken writes no ``exp``
  claim). A lifetime from a setting or an ``exp`` the payload computes stays unknown;
- its revocation: none when no code of the service (tests left out) names one: a revocation or a revoked token, a
  denylist, blacklist or blocklist, a token version, a token id (``jti``) or a token invalidated. Any of them leaves
  it unknown: which tokens it ends is not read. The browser's ``URL.revokeObjectURL`` (releasing a downloaded
  file's blob URL) names no token.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from engine.importers.code_text import close_bracket, split_args

_SIGN = re.compile(r"\b([A-Za-z_$][\w$]*)\s*\.\s*(sign|signAsync)\s*\(")
"""A signing call; its receiver must name JWT (``jwt``, ``jsonwebtoken``, ``jwtService``)."""
_JWT_RECEIVER = re.compile(r"jwt|jsonwebtoken", re.IGNORECASE)
_BEARER = re.compile(r"""['"`]Bearer\s""")
_EXPIRES = re.compile(r"\bexpiresIn\s*:\s*([^,}\n]+)")
_EXP_CLAIM = re.compile(r"(?<![\w$])exp\s*:")
_CLASS = re.compile(r"\bclass\s+([A-Za-z_$][\w$]*)")
_REGISTER = re.compile(r"\bJwtModule\s*\.\s*register(Async)?\s*\(")
_REVOCATION = re.compile(r"revok(?!eObjectURL)|revocation|deny_?list|black_?list|block_?list|token_?version|\bjti\b|"
                         r"invalidat\w*token|token\w*invalidat", re.IGNORECASE)
_TEST_FILE = re.compile(r"(?:\.|_|/)(?:spec|test|tests|e2e-spec)(?:\.|/)|/__tests__/")
_UNITS = {"ms": 1 / 60000, "msec": 1 / 60000, "msecs": 1 / 60000, "millisecond": 1 / 60000,
          "milliseconds": 1 / 60000, "s": 1 / 60, "sec": 1 / 60, "secs": 1 / 60, "second": 1 / 60, "seconds": 1 / 60,
          "m": 1, "min": 1, "mins": 1, "minute": 1, "minutes": 1, "h": 60, "hr": 60, "hrs": 60, "hour": 60,
          "hours": 60, "d": 1440, "day": 1440, "days": 1440, "w": 10080, "week": 10080, "weeks": 10080,
          "y": 525960, "yr": 525960, "yrs": 525960, "year": 525960, "years": 525960}
"""The units of the ``ms`` package jsonwebtoken reads a string ``expiresIn`` with, in minutes (a year: 365.25 days)."""
_DURATION = re.compile(r"""^['"`]\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*['"`]$""")
_PRODUCT = re.compile(r"^\d+(?:\s*\*\s*\d+)*$")


@dataclass(frozen=True)
class Issued:
    """A token a handler signs for its caller: where, its lifetime in minutes (0: none; None: unknown) and why, and
    why nothing can revoke it (None: unknown)."""

    at: str
    options: str | None
    nest: bool
    exp_claim: bool
    owner: str = ""
    """The class whose method signs (a NestJS provider or controller), whose module's ``JwtModule`` signs it."""
    minutes: int | None = None
    said: str = ""
    unrevoked: str | None = None


def signed(spans: Sequence[tuple[str, str, int, int]], wrappers: Mapping[str, Wrapper] | None = None
           ) -> Issued | None:
    """The first user token signed in ``spans`` (file, code with comments blanked, start, end: the handler's first,
    then the provider methods it reaches), by a JWT signing call or a call of one of ``wrappers`` (the service's own
    signing helpers); None when none is."""
    helper = _call_of(wrappers) if wrappers else None
    for file, code, start, end in spans:
        found = _first_signing(file, code, start, end, wrappers or {}, helper)
        if found is not None:
            return found[0]
    return None


def _first_signing(file: str, code: str, start: int, end: int, wrappers: Mapping[str, Wrapper],
                   helper: re.Pattern[str] | None) -> tuple[Issued, list[str]] | None:
    """The first token ``code[start:end]`` signs, and the arguments of the call that signs it."""
    first: tuple[Issued, list[str]] | None = None
    first_at = end
    for m in _SIGN.finditer(code, start, end):
        if not _JWT_RECEIVER.search(m.group(1)):
            continue
        close = close_bracket(code, m.end() - 1)
        if _BEARER.search(code, close, min(close + 300, end)):
            continue
        args = split_args(code[m.end():close - 1]) if close > m.end() else []
        nest = "jsonwebtoken" not in m.group(1).lower() and m.group(1).lower() != "jwt"
        options = args[1 if nest else 2] if len(args) > (1 if nest else 2) else None
        line = code.count("\n", 0, m.start()) + 1
        owner = [c.group(1) for c in _CLASS.finditer(code, 0, m.start())]
        first = (Issued(f"{m.group(1)}.{m.group(2)}() at {os.path.basename(file)}:{line}", options, nest,
                        bool(args) and bool(_EXP_CLAIM.search(args[0])), owner[-1] if owner else ""), args)
        first_at = m.start()
        break
    for m in helper.finditer(code, start, first_at) if helper is not None else ():
        close = close_bracket(code, m.end() - 1)
        if _BEARER.search(code, close, min(close + 300, end)) or _DEFINED.search(code, max(0, m.start() - 40),
                                                                                 m.start()):
            continue
        w = wrappers[m.group(1)]
        args = split_args(code[m.end():close - 1]) if close > m.end() else []
        line = code.count("\n", 0, m.start()) + 1
        return (Issued(f"{m.group(1)}() at {os.path.basename(file)}:{line}, which signs with {w.at}", w.given(args),
                       w.nest, bool(args) and bool(_EXP_CLAIM.search(args[0]))), args)
    return first


@dataclass(frozen=True)
class Wrapper:
    """A signing helper of the service's code: the JWT signing call it ends in, and the options it signs with: the
    index of its parameter the caller's options arrive at (``default``: that parameter's default value, when it has
    one), or the fixed options it passes (None: none)."""

    at: str
    nest: bool
    options: int | str | None
    default: str | None = None

    def given(self, args: Sequence[str]) -> str | None:
        """The options a call with ``args`` signs with."""
        if not isinstance(self.options, int):
            return self.options
        return args[self.options] if len(args) > self.options else self.default


_FUNCTION = re.compile(r"\bfunction\s*\*?\s*([A-Za-z_$][\w$]*)\s*\(|"
                       r"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:async\s+)?(?:function\b[^(]*)?\(")
_ARROW = re.compile(r"\s*(?::[^=;{}]*)?=>\s*")
_IDENT = re.compile(r"[A-Za-z_$][\w$]*")
_DEFINED = re.compile(r"\bfunction\s*\*?\s*$")
_WRAPPER_ROUNDS = 4
"""How deep helpers calling helpers are followed."""


@dataclass(frozen=True)
class _Function:
    params: tuple[tuple[str, str | None], ...]
    """Its parameters: name ("" when destructured) and default value."""
    path: str
    code: str
    start: int
    end: int


def _call_of(wrappers: Mapping[str, Wrapper]) -> re.Pattern[str]:
    return re.compile(r"(?<![.\w$])(" + "|".join(re.escape(n) for n in sorted(wrappers)) + r")\s*\(")


def _functions(texts: Sequence[tuple[str, str]]) -> dict[str, _Function]:
    """The named functions of ``texts`` (path, code with comments blanked), with their bodies. A name defined twice
    is left out: which one a call reaches is not read."""
    found: dict[str, list[_Function]] = {}
    for path, code in texts:
        for m in _FUNCTION.finditer(code):
            opened = m.end() - 1
            close = close_bracket(code, opened)
            arrow = _ARROW.match(code, close)
            declared = m.group(1) is not None or "function" in m.group(0)
            if not declared and arrow is None:
                continue  # ``const x = (a + b)``: no function
            if arrow is None or code.startswith("{", arrow.end()):
                body = code.find("{", close)
                if body < 0:
                    continue
                start, stop = body, close_bracket(code, body)
            else:
                start = arrow.end()
                line_end = code.find("\n", start)
                stop = len(code) if line_end < 0 else line_end
            params = []
            for p in split_args(code[opened + 1:close - 1]):
                name, _eq, default = p.lstrip(".").partition("=")
                ident = _IDENT.match(name.strip())
                params.append((ident.group(0) if ident else "", default.strip() or None))
            found.setdefault(m.group(1) or m.group(2), []).append(_Function(tuple(params), path, code, start, stop))
    return {name: defs[0] for name, defs in found.items() if len(defs) == 1}


def wrappers(texts: Sequence[tuple[str, str]]) -> dict[str, Wrapper]:
    """The signing helpers of a service's code (path, code with comments blanked; tests left out): functions that
    sign the payload they are given, directly or through another such helper."""
    functions = _functions([(p, c) for p, c in texts if not _TEST_FILE.search(p.replace(os.sep, "/"))])
    found: dict[str, Wrapper] = {}
    for _round in range(_WRAPPER_ROUNDS):
        added = {}
        for name, f in functions.items():
            if name in found:
                continue
            others = {k: v for k, v in found.items() if k != name}
            signing = _first_signing(f.path, f.code, f.start, f.end, others, _call_of(others) if others else None)
            names = [p for p, _d in f.params]
            if signing is None or not signing[1] or not names[:1] or signing[1][0] != names[0] or not names[0]:
                continue  # it signs nothing, or something else than what it is given
            issued = signing[0]
            options: int | str | None = issued.options
            default = None
            if issued.options is not None and issued.options in names:
                options = names.index(issued.options)
                default = f.params[options][1]
            added[name] = Wrapper(issued.at.split(", which signs with ", 1)[-1], issued.nest, options, default)
        if not added:
            break
        found.update(added)
    return found


def minutes(expr: str) -> int | None:
    """A literal ``expiresIn`` in minutes, as jsonwebtoken reads it: a number of seconds, or an ``ms`` duration
    string (``'180 days'``, ``'7d'``; a string of digits alone is milliseconds); None when it is no literal."""
    expr = expr.strip()
    if _PRODUCT.match(expr):
        seconds = 1
        for factor in expr.split("*"):
            seconds *= int(factor)
        return max(1, round(seconds / 60))
    m = _DURATION.match(expr)
    if m is None:
        return None
    unit = m.group(2).lower() or "ms"
    if unit not in _UNITS:
        return None
    return max(1, round(float(m.group(1)) * _UNITS[unit]))


def _expires_in(options: str) -> str | None:
    """The ``expiresIn`` expression of an options object literal (up to the next comma, brace or line end), None
    when it sets none."""
    m = _EXPIRES.search(options)
    return None if m is None else m.group(1).strip()


def settled(issued: Issued, texts: Sequence[tuple[str, str]]) -> Issued:
    """``issued`` with its lifetime and its revocation, read in the service's code (``texts``: path, code with
    comments blanked) as the module says."""
    said, expr = "", None
    if issued.options is not None and (expr := _expires_in(issued.options)) is not None:
        said = f"expiresIn {expr} in {issued.at}"
    elif issued.options is not None and not issued.options.lstrip().startswith("{"):
        expr, said = "?", f"the options of {issued.at} are not written out"
    elif issued.nest:
        expr, said = _module_expiry(issued, texts)
    lifetime: int | None
    if expr is None:
        lifetime = None if issued.exp_claim else 0
        said = said or f"{issued.at} gives no expiresIn"
        if issued.exp_claim:
            said = f"{issued.at} writes its own exp claim"
    else:
        lifetime = minutes(expr)
    return replace(issued, minutes=lifetime, said=said, unrevoked=_unrevoked(texts))


def _module_expiry(issued: Issued, texts: Sequence[tuple[str, str]]) -> tuple[str | None, str]:
    """The ``expiresIn`` of the ``JwtModule`` whose ``JwtService`` a NestJS class signs with, and where: the
    registrations of the modules naming the class (its provider or controller list), else every registration of the
    service; one expression among them, or the same in each. None: they give none; ``"?"``: unknown."""
    every = [(_expires_in(inner) if "signOptions" in inner else None,
              f"JwtModule.register at {os.path.basename(p)}:{code.count(chr(10), 0, m.start()) + 1}", bool(m.group(1)),
              bool(issued.owner) and re.search(rf"\b{re.escape(issued.owner)}\b", code) is not None)
             for p, code in texts for m in _REGISTER.finditer(code)
             for inner in [code[m.end():close_bracket(code, m.end() - 1)]]]
    found = [f for f in every if f[3]] or every
    if not found:
        return "?", "no JwtModule registration read"
    if len({(expr, is_async) for expr, _w, is_async, _o in found}) != 1:
        return "?", f"{len(found)} JwtModule registrations with different options"
    expr, where, is_async, _owner = found[0]
    if expr is None and is_async:
        return "?", f"{where}Async builds its options at run time"
    where += f" (and {len(found) - 1} more alike)" if len(found) > 1 else ""
    return expr, (f"{where} signs with expiresIn {expr}" if expr else f"{where} gives no expiresIn")


def _unrevoked(texts: Sequence[tuple[str, str]]) -> str | None:
    """Why nothing can end a token early: no code of the service names a revocation; None when some does."""
    code = [(p, t) for p, t in texts if not _TEST_FILE.search(p.replace(os.sep, "/"))]
    if any(_REVOCATION.search(t) for _p, t in code):
        return None
    return (f"no code of the service ({len(code)} files) names a revocation, a denylist, a token version or a token "
            "id: a token is accepted while its signature and expiry check out")
