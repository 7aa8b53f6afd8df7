"""The BullMQ queues a service's Node.js code produces to and consumes from (``import source``).

BullMQ keeps its queues in Redis: ``new Queue(name, ...)`` adds jobs to the queue ``name`` (a producer) and
``new Worker(name, processor, ...)`` takes them (a consumer); each is a ``kind: queue`` channel over ``redis``. The
name is read as TypeScript gives it: a string literal, a ``const`` holding one, or an enum member
(``QueueNames.ORDERS`` where ``enum QueueNames { ORDERS = 'orders' }`` is declared in the code read, its libraries
included; a member declared with two values is not chosen between), through TypeScript's type arguments
(``new Queue<Jobs>(name, ...)``). A name held in a local ``const`` built as a template whose first part is such a
name and whose other parts are each a condition that adds nothing otherwise (``${QueueName.INGEST}${shard > 0 ?
`-${shard}` : ""}``, a sharded queue whose first shard keeps the bare name) is that name.

Code that wraps BullMQ in a class of its own is read one level up: a class declared in a module that imports
``Queue`` (or ``Worker``) from ``bullmq``, or from a module of the code that does (a local wrapper re-exporting
them), is a base class; a class that ``extends`` it and passes a name first to ``super(...)`` in its constructor
produces to (or consumes from) the queue of that name. A name the code computes at run time is not invented: that
use is left out.

A queue made only when a variable is set (``if (!env.STRIPE_KEY) { return null; }`` before the ``new Queue`` in the same
method) is made only where the deployment sets it (``selected_by``, judged against each service's deployment by
``code_amqp.with_variables``). One made only when a variable is the text ``true`` (``if (env.X !== "true") return
null;``) is made only where the deployment sets it so, or, where the deployment leaves it unset, where the code's
environment schema defaults it to ``true`` (``X: z.enum(["true", "false"]).default("false")``: not made).

Code shared by several services (a library listed after the service's own code) is counted for a service only when
its own code (the first path imported) names the class that uses the queue (in code, not in a string: a log label
naming it uses nothing; an end-to-end test, ``*.e2e.ts`` or under ``e2e/``, is not the running code), or holds the
``new Queue`` itself.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence

from engine.errors import Location
from engine.importers.code_channels import ChannelUse
from engine.importers.code_text import close_bracket, inside, split_args

SUFFIXES = (".ts", ".js", ".mjs", ".cjs")

_IMPORT = re.compile(r"""\bimport\s*(?:type\s*)?\{([^}]*)\}\s*from\s*['"]([^'"]+)['"]""")
_REQUIRE = re.compile(r"""\bconst\s*\{([^}]*)\}\s*=\s*require\s*\(\s*['"]([^'"]+)['"]\s*\)""")
_ENUM = re.compile(r"\benum\s+(\w+)\s*\{")
_MEMBER = re.compile(r"""(\w+)\s*=\s*(['"])([^'"\\\n]+)\2""")
_CONST = re.compile(r"""\bconst\s+(\w+)\s*(?::\s*string\s*)?=\s*(['"`])([^'"`\\$\n]+)\2\s*[;\n]""")
_CLASS = re.compile(r"\bclass\s+(\w+)(?:\s*<[^>{]*>)?(?:\s+extends\s+([\w.]+))?[^{]*\{")
_ROLES = {"Queue": "producer", "Worker": "consumer"}
_STRING = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")
"""A quoted string: a class named only in one (a log label) is not used."""
_TEST = re.compile(r"/(?:e2e|__tests__|__mocks__)/|\.e2e(?:-spec)?\.[cm]?[jt]s$")
"""An end-to-end test or a mock: what it names the running service does not use."""


def _names(spec: str) -> dict[str, str]:
    """An import list's local names of BullMQ's ``Queue`` and ``Worker`` (``Queue as JobQueue``) -> the role."""
    out: dict[str, str] = {}
    for part in spec.split(","):
        words = part.replace("type ", " ").split()
        if words and words[0] in _ROLES:
            out[words[-1] if len(words) == 3 and words[1] == "as" else words[0]] = _ROLES[words[0]]
    return out


def _imports(code: str) -> list[tuple[dict[str, str], str]]:
    return [(_names(m.group(1)), m.group(2)) for rx in (_IMPORT, _REQUIRE) for m in rx.finditer(code)]


def _resolves(path: str, module: str, files: Sequence[str]) -> bool:
    """Whether a relative import of ``path`` names one of ``files`` (the file, or a folder holding it)."""
    if not module.startswith("."):
        return False
    target = os.path.normpath(os.path.join(os.path.dirname(path), module))
    return any(os.path.splitext(f)[0] == target or f.startswith(target + os.sep) for f in files)


def _bullmq_names(codes: Sequence[tuple[str, str]]) -> dict[str, dict[str, str]]:
    """Per file, the local names it gives BullMQ's ``Queue`` and ``Worker``: imported from ``bullmq``, or from a
    module of the code that imports them from it."""
    direct = {path: {k: v for names, module in _imports(code) if module == "bullmq" for k, v in names.items()}
              for path, code in codes}
    wrappers = [p for p, names in direct.items() if names]
    out: dict[str, dict[str, str]] = {}
    for path, code in codes:
        names = dict(direct[path])
        for found, module in _imports(code):
            if found and _resolves(path, module, wrappers):
                names.update(found)
        if names:
            out[path] = names
    return out


def _values(codes: Sequence[tuple[str, str]]) -> dict[str, str | None]:
    """The string each enum member (``Enum.MEMBER``) and each ``const`` of the code holds (None: two values)."""
    out: dict[str, str | None] = {}

    def put(name: str, value: str) -> None:
        out[name] = value if out.get(name, value) == value else None

    for _path, code in codes:
        for m in _ENUM.finditer(code):
            body = code[m.end():close_bracket(code, m.end() - 1)]
            for member in _MEMBER.finditer(body):
                put(f"{m.group(1)}.{member.group(1)}", member.group(3))
        for m in _CONST.finditer(code):
            put(m.group(1), m.group(3))
    return out


def _name(arg: str, values: Mapping[str, str | None], before: str = "") -> str | None:
    """The queue name ``arg`` gives; ``before``: the code above the call, where a local ``const`` holding it is."""
    arg = arg.strip()
    literal = re.fullmatch(r"""(['"`])([^'"`\\$]+)\1""", arg)
    if literal:
        return literal.group(2)
    if not re.fullmatch(r"\w+(?:\.\w+)?", arg):
        return None
    local = list(re.finditer(rf"\b(?:const|let)\s+{re.escape(arg)}\s*(?::\s*string\s*)?=\s*`", before))
    if local:
        return _template(before, local[-1].end() - 1, values)
    return values.get(arg)


def _template(code: str, i: int, values: Mapping[str, str | None]) -> str | None:
    """The name a template literal opening at ``code[i]`` gives when each of its parts after a first known name
    (``${Names.A}``) is a condition adding nothing in its other branch (``${n > 0 ? `-${n}` : ""}``); else None."""
    head = re.compile(r"`\$\{(\w+(?:\.\w+)?)\}").match(code, i)
    if head is None or not values.get(head.group(1)):
        return None
    j = head.end()
    while code.startswith("${", j):
        depth, k = 0, j + 1
        while k < len(code) and code[k] != "\n":
            depth += {"{": 1, "}": -1}.get(code[k], 0)
            if depth == 0:
                break
            k += 1
        part = code[j + 2:k]
        if depth or not re.search(r"\?[^:]*:\s*(?:''|\"\")\s*$", part, re.S):
            return None
        j = k + 1
    return values[head.group(1)] if code.startswith("`", j) else None


_GATE = re.compile(r"\bif\s*\(\s*!\s*(?:process\.)?env\.([A-Z][A-Z0-9_]*)\s*\)\s*\{?\s*return\s+(?:null|undefined)\b")
_GATE_TRUE = re.compile(r"\bif\s*\(\s*(?:process\.)?env\.([A-Z][A-Z0-9_]*)\s*!==?\s*([\"'])true\2\s*\)\s*\{?\s*"
                        r"return\s+(?:null|undefined)\b")
"""``if (env.X !== "true") return null;``: the code after it runs only when the variable is the text ``true``."""
_SCHEMA_KEY = re.compile(r"\b([A-Z][A-Z0-9_]*)\s*:\s*z\s*\.")
_DEFAULT = re.compile(r"\.default\(\s*([\"'])([^\"'\n]*)\1\s*\)")
_BODY_START = re.compile(r"\)\s*(?::[^{;=]*)?\{")


def _gate(code: str, i: int) -> tuple[str, bool | None] | None:
    """The variable the method holding ``code[i]`` returns early without (``if (!env.X) return null;`` before it):
    the call is made only when it is set; or unless it is ``true`` (``if (env.X !== "true") return null;``)."""
    start = max((m.end() for m in _BODY_START.finditer(code, 0, i) if close_bracket(code, m.end() - 1) > i), default=0)
    gates: list[tuple[int, str, bool | None]] = [(m.start(), m.group(1), None) for m in _GATE.finditer(code, start, i)]
    gates += [(m.start(), m.group(1), True) for m in _GATE_TRUE.finditer(code, start, i)]
    if not gates:
        return None
    _at, variable, needed = max(gates)
    return variable, needed


def schema_defaults(codes: Sequence[tuple[str, str]]) -> dict[str, str]:
    """The defaults the code's environment schemas declare (zod: ``X: z.enum(["true", "false"]).default("false")``):
    variable -> the text it has when the deployment leaves it unset. A variable declared with two defaults is left
    out."""
    found: dict[str, set[str]] = {}
    for _path, code in codes:
        keys = list(_SCHEMA_KEY.finditer(code))
        for k, m in enumerate(keys):
            end = min(keys[k + 1].start() if k + 1 < len(keys) else len(code), m.end() + 400)
            d = _DEFAULT.search(code, m.end(), end)
            if d is not None:
                found.setdefault(m.group(1), set()).add(d.group(2))
    return {name: next(iter(values)) for name, values in found.items() if len(values) == 1}


def _location(path: str, code: str, i: int) -> Location:
    return Location(path, code.count("\n", 0, i) + 1, i - (code.rfind("\n", 0, i) + 1) + 1)


def _first_arg(code: str, i: int) -> tuple[str, int]:
    """The first argument of the call whose ``(`` is at ``i``, and where it starts."""
    args = split_args(inside(code, i))
    start = i + 1 + (len(code[i + 1:]) - len(code[i + 1:].lstrip()))
    return (args[0] if args else ""), start


def uses(codes: Sequence[tuple[str, str]], own: str) -> tuple[ChannelUse, ...]:
    """The BullMQ uses of a service's Node.js files (comments blanked); ``own``: the folder of its own code."""
    codes = [(p, c) for p, c in codes if p.endswith(SUFFIXES) and not _TEST.search(p.replace(os.sep, "/"))]
    bull = _bullmq_names(codes)
    if not bull:
        return ()
    values = _values(codes)
    defaults = schema_defaults(codes)
    own_codes = [_STRING.sub("''", c) for p, c in codes if p == own or p.startswith(own.rstrip(os.sep) + os.sep)]

    def named(cls: str | None, path: str) -> bool:
        return path in {p for p, _c in codes if p == own or p.startswith(own.rstrip(os.sep) + os.sep)} or (
            cls is not None and any(re.search(rf"\b{re.escape(cls)}\b", c) for c in own_codes))

    bases: dict[str, str] = {}  # a class of a file that works with BullMQ -> the role its queue plays
    for path, code in codes:
        roles = set(bull.get(path, {}).values())
        if len(roles) == 1:
            for m in _CLASS.finditer(code):
                bases[m.group(1)] = next(iter(roles))
    out: list[ChannelUse] = []
    for path, code in codes:
        classes = [(m.start(), m.group(1), m.group(2), close_bracket(code, m.end() - 1))
                   for m in _CLASS.finditer(code)]
        for start, cls, base, end in classes:
            if not base or base not in bases:
                continue
            call = re.compile(r"\bsuper\s*\(").search(code, start, end)
            if call is None or not named(cls, path):
                continue
            arg, at = _first_arg(code, call.end() - 1)
            name = _name(arg, values)
            if name:
                out.append(ChannelUse(bases[base], name, arg, _location(path, code, at), "BullMQ",
                                      f"class {cls} extends {base}, super({arg}, ...)", kind="queue",
                                      protocol="redis"))
        for local, role in bull.get(path, {}).items():
            for m in re.finditer(rf"\bnew\s+{re.escape(local)}\s*(?:<(?:[^<>()]|<[^<>()]*>)*>\s*)?\(", code):
                owner = [(s, c) for s, c, _b, e in classes if s < m.start() < e]
                arg, at = _first_arg(code, m.end() - 1)
                name = _name(arg, values, code[owner[-1][0] if owner else 0:m.start()])
                if name and named(owner[-1][1] if owner else None, path):
                    gate = _gate(code, m.start())
                    unset = defaults.get(gate[0], "") if gate is not None and gate[1] is not None else None
                    out.append(ChannelUse(role, name, arg, _location(path, code, at), "BullMQ",
                                          f"new {local}({arg}, ...)", kind="queue", protocol="redis",
                                          selected_by=gate, unset=unset))
    return tuple(sorted(out, key=lambda u: (u.at.file, u.at.line, u.at.column)))


__all__ = ["SUFFIXES", "uses"]
