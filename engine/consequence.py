"""What a rule's match produces: risks, mitigations, derived facts, severity adjustments, gaps.

Pure. Templates are filled by plain substitution of ``{alias.field}``; nothing is evaluated.
"""

from __future__ import annotations

import functools
import hashlib
import json
import string
from collections.abc import Callable, Mapping, Sequence
from json.encoder import encode_basestring_ascii
from typing import Any, NamedTuple

from engine.compiler import CompiledRule, value_at
from engine.model import ASSUMED_KEY, UNKNOWN_BECAUSE
from engine.model.finding import Assumption, show_value
from engine.model.ruledata import Rule, effort_range

Bindings = Mapping[str, Mapping[str, Any]]


def lookup(fact: Mapping[str, Any], path: str) -> Any:
    """A (dotted) field of a fact, or None."""
    return value_at(fact, path, None)


_Part = tuple[str, tuple[str, ...]] | str


@functools.lru_cache(maxsize=4096)
def _parse_template(template: str) -> tuple[_Part, ...]:
    """Split a template once into literal text and (alias, field) references."""
    parts: list[_Part] = []
    text: list[str] = []
    i = 0
    n = len(template)
    while i < n:
        if template.startswith("{{", i):
            text.append("{")
            i += 2
        elif template.startswith("}}", i):
            text.append("}")
            i += 2
        elif template[i] == "{":
            end = template.find("}", i)
            if end < 0:  # validated on load; keep a stray brace as text rather than fail a run
                text.append(template[i:])
                break
            if text:
                parts.append("".join(text))
                text = []
            alias, _, fld = template[i + 1:end].strip().partition(".")
            parts.append((alias, tuple(fld.split("."))))
            i = end + 1
        else:
            nxt = min((j for j in (template.find("{", i), template.find("}", i)) if j >= 0), default=n)
            if nxt == i:  # a lone closing brace
                nxt = i + 1
            text.append(template[i:nxt])
            i = nxt
    if text:
        parts.append("".join(text))
    return tuple(parts)


def render(template: str, bindings: Bindings) -> str:
    """Fill ``{alias.field}`` from the bound facts (a missing one reads ``unknown``, ``show_value`` shows the others);
    ``{{`` and ``}}`` are literal braces."""
    return filler(template)(bindings)


def _constant(text: str) -> Callable[[Bindings], str]:
    return lambda _bindings: text


def _constant_value(value: Any) -> Callable[[Bindings], Any]:
    return lambda _bindings: value


@functools.lru_cache(maxsize=4096)
def filler(template: str) -> Callable[[Bindings], str]:
    """``render`` of one template, with the template split once: a rule's consequence fills the same templates
    for every match (a plan's derived items, 230,000 fields at 5,000 services, most of them plain text) or record it
    reads (a check's risk messages, context reasons and mitigation titles, filled when read). Each reference is a
    step (the text before it, its alias, its field path, the one field of most paths apart): a quarter less than
    walking the split parts."""
    parts = _parse_template(template)
    if all(isinstance(part, str) for part in parts):
        return _constant("".join(parts))  # type: ignore[arg-type]
    steps: list[tuple[str, str, str | None, tuple[str, ...]]] = []
    text: list[str] = []
    for part in parts:
        if isinstance(part, str):
            text.append(part)
            continue
        alias, path = part
        steps.append(("".join(text), alias, path[0] if len(path) == 1 else None, path))
        text = []
    tail = "".join(text)

    def fill(bindings: Bindings) -> str:
        out: list[str] = []
        for before, alias, one, path in steps:
            node: Any = bindings.get(alias)
            if one is not None:
                node = node.get(one) if isinstance(node, dict) else None
            else:
                for name in path:
                    node = node.get(name) if isinstance(node, dict) else None
            out.append(before)
            out.append(node if type(node) is str else show_value(node))
        out.append(tail)
        return "".join(out)
    return fill


class MitigationRef(NamedTuple):
    """A mitigation a risk calls for, scoped to one subject group.

    Its title and action are filled from the match when read: risks that share a mitigation and a scope show it
    once, so most of them are never rendered (a third of the consequence cost).

    The records of a match are named tuples, not dataclasses: a run makes one or more per match (100,000 at 5,000
    services), and a frozen dataclass takes four times as long to build.
    """

    id: str
    scope: str
    title_template: str
    action_template: str
    phase: int
    after: tuple[str, ...]
    bindings: Bindings
    effort: tuple[float, float] | None = None
    """Person-days (low, high) to implement it, when the rule states it."""

    def __repr__(self) -> str:  # the bound facts left out: the same mitigation reads alike whatever the match
        shown = ", ".join(f"{name}={value!r}" for name, value in zip(self._fields, self, strict=True)
                          if name != "bindings")
        return f"MitigationRef({shown})"

    @property
    def title(self) -> str:
        """The title, filled from the match."""
        return filler(self.title_template)(self.bindings)

    @property
    def action(self) -> str:
        """The action, filled from the match."""
        return filler(self.action_template)(self.bindings)


class RiskRecord(NamedTuple):
    """A risk raised by a rule on a subject.

    Its message is filled from the match when read (``message``), as a mitigation's title is: a run records a risk
    per match (24,000 at 5,000 services), a review keeps one per subject, and a text report shows the message of
    one per rule. Filling each when recorded took 3 to 5% of ``check``."""

    key: str
    rule: str
    subject: str
    subject_kind: str
    field: str | None
    message_template: str
    """The rule's message, unfilled."""
    bindings: Bindings
    """The matched facts by alias, which the template reads."""
    premises: tuple[str, ...]
    mitigations: tuple[MitigationRef, ...]
    assumed: tuple[Assumption, ...] = ()
    """The unknown fields the match read as a default (empty: it rests on stated facts only)."""

    def __repr__(self) -> str:  # the message in place of its template and the bound facts, as it reads
        shown = [f"{name}={value!r}" for name, value in zip(self._fields, self, strict=True)
                 if name not in ("message_template", "bindings")]
        shown.insert(5, f"message={self.message!r}")
        return f"RiskRecord({', '.join(shown)})"

    @property
    def message(self) -> str:
        """The message, filled from the match."""
        return filler(self.message_template)(self.bindings)


class GapRecord(NamedTuple):
    """A fact a rule needed and the design left unknown."""

    subject: str
    field: str
    rule: str
    premises: tuple[str, ...]


class AdjustRecord(NamedTuple):
    """A severity adjustment of a risk by a context rule.

    Its reason is filled from the match when read (``reason``), as a risk's message is: a run records 31,000 at
    5,000 services, and a text report shows none."""

    risk: str
    by: int
    reason_template: str
    """The rule's reason, unfilled."""
    bindings: Bindings
    """The matched facts by alias, which the template reads."""
    rule: str
    premises: tuple[str, ...]

    def __repr__(self) -> str:  # the reason in place of its template and the bound facts, as it reads
        return (f"AdjustRecord(risk={self.risk!r}, by={self.by!r}, reason={self.reason!r}, rule={self.rule!r}, "
                f"premises={self.premises!r})")

    @property
    def reason(self) -> str:
        """The reason, filled from the match."""
        return filler(self.reason_template)(self.bindings)

    @property
    def made(self) -> tuple[int, str, str]:
        """What the adjustment of a risk it makes depends on: (by, reason, rule)."""
        return self.by, self.reason, self.rule


class AdjustGroup(NamedTuple):
    """A context rule's matches on a set of alike risks (one activation of a transient ruleset, which stands for
    them all), recorded as one: the risks' keys, and what makes each match's ``AdjustRecord`` when it is read
    (``record``). A text report reads the rule and ``by`` of each (the severity), and the reasons of none: a run
    recorded 31,000 adjustments one by one at 5,000 services, from 54 activations."""

    rule: str
    by: int
    keys: Sequence[str]
    """The risks adjusted (each one's key), in the order their matches are recorded."""
    make: Callable[[int], AdjustRecord]
    """The ``AdjustRecord`` of the match on the risk ``keys[i]``, as the match recorded on its own makes it."""

    def record(self, index: int) -> AdjustRecord:
        """The ``AdjustRecord`` of the match on ``keys[index]``."""
        return self.make(index)


class AdjustRef(NamedTuple):
    """A match of an ``AdjustGroup``, read as its ``AdjustRecord``: the rule and ``by`` at hand, the rest made when
    first read."""

    rule: str
    by: int
    group: AdjustGroup
    at: int
    """The match's place in the group (its risk's in ``AdjustGroup.keys``)."""

    @property
    def made(self) -> tuple[int, str, str]:
        """``AdjustRecord.made``."""
        return self.by, self.group.record(self.at).reason, self.rule

    @property
    def premises(self) -> tuple[str, ...]:
        """``AdjustRecord.premises``."""
        return self.group.record(self.at).premises

    @property
    def reason(self) -> str:
        """``AdjustRecord.reason``."""
        return self.group.record(self.at).reason


Adjusted = AdjustRecord | AdjustRef
"""A risk's adjustment by one context rule, as a review reads it: recorded on its own, or as one of a group's."""


class Outcome(NamedTuple):
    """Everything one match produces."""

    facts: tuple[dict[str, Any], ...] = ()
    risk: RiskRecord | None = None
    gap: GapRecord | None = None
    adjust: AdjustRecord | None = None


def in_place(recorded: list[tuple[str, Outcome]], lists: Sequence[tuple[int, str, list[GapRecord]]]
             ) -> list[tuple[list[tuple[str, Outcome]], tuple[str, Sequence[GapRecord]]]]:
    """``recorded`` cut where each of the ``gap_lists`` belongs: each piece with the list that follows it (the last
    with none)."""
    if not lists:
        return [(recorded, ("", ()))]
    out: list[tuple[list[tuple[str, Outcome]], tuple[str, Sequence[GapRecord]]]] = []
    start = 0
    for at, name, gaps in lists:
        out.append((recorded[start:at], (name, gaps)))
        start = at
    out.append((recorded[start:], ("", ())))
    return out


_new_tuple = tuple.__new__
"""A named tuple built from its fields in one step (``_new_tuple(Outcome, (…))``): its own ``__new__`` is a Python
function taking them by name, a third of the cost of the records a run makes by the hundred thousand."""

_KEY_ENCODER = json.JSONEncoder(sort_keys=True)
"""``json.dumps(fields, sort_keys=True)``, made once (``dumps`` makes an encoder per call when given options)."""


def derived_key(kind: str, fields: Mapping[str, Any]) -> str:
    """A stable key for a derived fact, from its content."""
    digest = hashlib.sha256(_KEY_ENCODER.encode(fields).encode()).hexdigest()[:12]
    return f"{kind}:{digest}"


_Ref = tuple[str, tuple[str, ...]]
"""A template's reference: the alias and the field path (``{alias.field.sub}``)."""


def _braced(text: str) -> str:
    """Text as literal ``str.format`` text (its braces doubled)."""
    return text.replace("{", "{{").replace("}", "}}")


def _escaped(text: str) -> str:
    """Text as JSON writes it inside a string's quotes (``json.dumps`` escapes each character on its own, so the
    escaped parts of a text join into the escaped text)."""
    return encode_basestring_ascii(text)[1:-1]


class _Deriver:
    """One ``derive`` entry of a rule: the fact it derives from a match, as ``render`` of each field and
    ``derived_key`` of the whole would make it (a plan derives 46,000 at 5,000 services).

    Each field the entry's templates reference is looked up, shown and JSON-escaped once per match; the templates
    are filled, and the key's JSON text written, by one ``str.format`` each over those (constants encoded once).
    Field names that are not all text, or a constant JSON cannot encode, take ``derived_key`` itself."""

    def __init__(self, kind: str, fields: Mapping[str, Any]) -> None:
        self.kind, self.fast = kind, True
        index: dict[_Ref, int] = {}
        self.fields: list[tuple[str, str | None, Any]] = []
        """Each field in key order: its name, its ``str.format`` text over the shown references (None for a
        constant) and the constant."""
        key_parts: list[str] = []
        for k, v in sorted(fields.items()):
            parts = _parse_template(v) if isinstance(v, str) else ()
            self.fast = self.fast and isinstance(k, str)
            head = _braced(encode_basestring_ascii(k)) + ": " if isinstance(k, str) else ""
            if not isinstance(v, str) or all(isinstance(part, str) for part in parts):
                value = "".join(parts) if isinstance(v, str) else v  # type: ignore[arg-type]
                self.fields.append((k, None, value))
                try:
                    key_parts.append(head + _braced(_KEY_ENCODER.encode(value)))
                except (TypeError, ValueError):  # not JSON: ``derived_key`` fails on it as before, when it matches
                    self.fast = False
                continue
            fmt = "".join(_braced(part) if isinstance(part, str) else f"{{{index.setdefault(part, len(index))}}}"
                          for part in parts)
            esc = "".join(_braced(_escaped(part)) if isinstance(part, str) else f"{{{index[part]}}}" for part in parts)
            self.fields.append((k, fmt, None))
            key_parts.append(f'{head}"{esc}"')
        self.refs = tuple(index)
        self.made: dict[str, Callable[[Sequence[Mapping[str, Any]]], tuple[list[dict[str, Any]], int]]] = {}
        """``many`` of each alias asked for, made by ``_many``."""
        self.key_format = "{{" + ", ".join(key_parts) + "}}"
        """The JSON text ``derived_key`` hashes, as ``str.format`` text over the shown references escaped."""

    def many(self, alias: str, facts: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], int | None]:
        """``self({alias: fact})`` of each of ``facts`` (a set of alike facts, each matched alone); and the length of
        the longest JSON text a key was hashed from (None when not known), which no text value of the facts exceeds
        (JSON writes a character as one or more). Each alias's is a function made once (``_many``)."""
        if not self.fast:
            return [self({alias: fact}) for fact in facts], None
        made = self.made.get(alias)
        if made is None:
            made = self.made[alias] = _many(self, alias)
        return made(facts)

    def __call__(self, bindings: Bindings) -> dict[str, Any]:
        shown: list[str] = []
        for alias, path in self.refs:  # as ``filler`` looks each up
            node: Any = bindings.get(alias)
            for name in path:
                node = node.get(name) if isinstance(node, dict) else None
            shown.append(show_value(node))
        values = {k: value if fmt is None else fmt.format(*shown) for k, fmt, value in self.fields}
        if self.fast:
            text = self.key_format.format(*[encode_basestring_ascii(s)[1:-1] for s in shown])
            key = f"{self.kind}:{hashlib.sha256(text.encode()).hexdigest()[:12]}"
        else:
            key = derived_key(self.kind, values)
        return {"kind": self.kind, "key": key, "name": key, **values}


def keys_start_with_kind(rules: Sequence[Rule]) -> bool:
    """Whether every fact ``rules`` derive is keyed ``<kind>:...``: a ``derive`` entry's key is its kind, a colon and
    the digest of its fields (``_Deriver``, ``derived_key``), a risk's ``risk:<rule>@<subject>``, unless the entry
    sets a field named ``key`` or ``kind`` itself, which replaces the one made. A kind has no colon (``KindName``),
    so that a key then tells its fact's kind by its prefix alone (``archplan plan`` picks its items so)."""
    return not any("key" in d.fields or "kind" in d.fields for rule in rules for d in rule.derive)


_FORMATTER = string.Formatter()


def _many(deriver: _Deriver, alias: str) -> Callable[[Sequence[Mapping[str, Any]]], tuple[list[dict[str, Any]], int]]:
    """``_Deriver.many`` of one alias, written out as one function: each reference looked up, the fields filled and
    the key's JSON text written by f-strings over them, the derived fact made by one dict display. A plan derives
    46,000 facts at 5,000 services this way: 0.22 s, where loops over each fact's references and templates with
    ``str.format`` took 0.36 s. The function's text names only made-up identifiers; its constants (field names,
    literal text, values) are passed in its namespace."""
    env: dict[str, Any] = {"show": show_value, "esc": encode_basestring_ascii, "sha256": hashlib.sha256,
                           "prefix": deriver.kind + ":", "kind": deriver.kind}
    body: list[str] = []
    for j, (ref_alias, path) in enumerate(deriver.refs):  # as ``__call__`` looks each up
        if ref_alias != alias:  # an alias that binds no fact in a match on one
            env[f"u{j}"] = show_value(None)
            env[f"w{j}"] = _escaped(show_value(None))
            body.append(f"s{j}, e{j} = u{j}, w{j}")
            continue
        for m, name in enumerate(path):
            env[f"p{j}_{m}"] = name
            body.append(f"v = fact.get(p{j}_0)" if m == 0 else f"v = v.get(p{j}_{m}) if isinstance(v, dict) else None")
        body.append(f"s{j} = v if type(v) is str else show(v)")
        body.append(f"e{j} = esc(s{j})[1:-1]")

    def fstring(fmt: str, var: str) -> str:
        """A ``str.format`` text over the references (``var`` + index) as an f-string over names in ``env``."""
        out = []
        for literal, field_name, _spec, _conversion in _FORMATTER.parse(fmt):
            if literal:
                name = f"l{len(env)}"
                env[name] = literal
                out.append(f"{{{name}}}")
            if field_name is not None:
                out.append(f"{{{var}{int(field_name)}}}")
        return 'f"' + "".join(out) + '"' if out else '""'

    body.append(f"text = {fstring(deriver.key_format, 'e')}")
    body.append("key = prefix + sha256(text.encode()).hexdigest()[:12]")
    items = ['"kind": kind', '"key": key', '"name": key']
    for n, (k, fmt, value) in enumerate(deriver.fields):
        env[f"k{n}"], env[f"c{n}"] = k, value
        items.append(f"k{n}: c{n}" if fmt is None else f"k{n}: {fstring(fmt, 's')}")
    body.append(f"append({{{', '.join(items)}}})")
    body.append("if len(text) > longest: longest = len(text)")  # not ``max``: a call per fact
    lines = ["def many(facts):", "    out = []", "    append = out.append", "    longest = 0", "    for fact in facts:"]
    lines += ["        " + line for line in body]
    lines.append("    return out, longest")
    exec("\n".join(lines), env)  # noqa: S102 - the text is made of made-up names; what rules give is in ``env``
    return env["many"]  # type: ignore[no-any-return]


def gap_question(crule: CompiledRule) -> GapRecord | None:
    """For a gap variant whose subject is its only premise (most), the question it asks, the same of every subject:
    a ``GapRecord`` with no subject and no premises (the subject, and the only premise, are each match's)."""
    alias, _, fld = str(crule.gap).partition(".")
    if crule.gap is None or crule.premise_aliases != (alias,):
        return None
    return GapRecord("", fld, crule.rule_id, ())


def premises_of(aliases: Sequence[str]) -> Callable[[Bindings], tuple[str, ...]]:
    """The premises of a match (the keys of the facts bound to ``aliases``, in order), as a function of the bound
    facts made once per rule: written out for up to three aliases, where a list comprehension per match cost twice
    as much (55,000 risk and context matches at 5,000 services)."""
    if len(aliases) == 1:
        (a,) = aliases
        return lambda b: (str(b[a]["key"]),)
    if len(aliases) == 2:
        a, c = aliases
        return lambda b: (str(b[a]["key"]), str(b[c]["key"]))
    if len(aliases) == 3:
        a, c, d = aliases
        return lambda b: (str(b[a]["key"]), str(b[c]["key"]), str(b[d]["key"]))
    return lambda b: tuple([str(b[x]["key"]) for x in aliases])


def gap_recorder(crule: CompiledRule) -> Callable[[Mapping[str, Mapping[str, Any]]], Outcome]:
    """What a match of a gap variant (``crule.gap`` set) produces, as a function of the matched facts by alias,
    made once per variant. Only the facts' keys count, so the runtime passes the C core's projections of them
    as they come (three in four matches at 5,000 services are gap variants)."""
    aliases, rule_id = crule.premise_aliases, crule.rule_id
    alias, _, fld = str(crule.gap).partition(".")
    if aliases == (alias,):  # the subject is the only premise (most gap variants)
        def one(facts: Mapping[str, Mapping[str, Any]]) -> Outcome:
            key = str(facts[alias]["key"])
            return _new_tuple(Outcome, ((), None, _new_tuple(GapRecord, (key, fld, rule_id, (key,))), None))
        return one

    premises_in = premises_of(aliases)

    def many(facts: Mapping[str, Mapping[str, Any]]) -> Outcome:
        premises = premises_in(facts)
        return _new_tuple(Outcome, ((), None, _new_tuple(GapRecord, (str(facts[alias]["key"]), fld, rule_id, premises)),
                                    None))
    return many


class Consequence:
    """A rule's consequence for one of its compiled variants, with all that no match changes worked out once:
    apply it to each match (``consequences`` does both for one match)."""

    def __init__(self, crule: CompiledRule, rule: Rule) -> None:
        self.rule, self.aliases = rule, crule.premise_aliases
        self.gap = gap_recorder(crule) if crule.gap is not None else None
        self.severity = rule.severity.value if rule.severity else "low"
        self.mitigations = [(m, *m.scope.partition(".")[::2], int(m.phase or rule.phase), tuple(m.after),
                             effort_range(m.effort)) for m in rule.mitigations]
        self.derive = [_Deriver(d.kind, d.fields) for d in rule.derive]
        kind_of = {p.alias: p.kind for p in reversed(crule.patterns)}  # the first pattern of an alias wins
        self.assumed = []
        for ref, value in crule.assumed:
            alias, _, fld = ref.partition(".")
            self.assumed.append((alias, fld, value, UNKNOWN_BECAUSE.get((kind_of.get(alias, ""), fld), "not stated")))
        self.tested = [(p.alias, tuple(f for f, _op, _v in p.tests)) for p in crule.patterns if not p.absent]
        """The fields each positive pattern tests, which a fact may mark as assumed (``ASSUMED_KEY``)."""
        self.apply: Callable[[Bindings], Outcome] = self.gap or _applier(self)
        """``self(bindings)``, with what only the rule's shape decides settled once: a run applies a risk or a
        context rule to each match (55,000 at 5,000 services)."""

    def __call__(self, bindings: Bindings) -> Outcome:
        """What one match produces."""
        if self.gap is not None:
            return self.gap(bindings)
        rule = self.rule
        premises = tuple([str(bindings[alias]["key"]) for alias in self.aliases])
        facts: list[dict[str, Any]] = []
        risk = None
        if rule.risk is not None:
            subj = bindings[rule.risk.subject]
            key = f"risk:{rule.id}@{subj['key']}"
            facts.append({
                "kind": "risk", "key": key, "name": key, "rule": rule.id, "subject": subj["key"],
                "subject_kind": subj["kind"], "severity": self.severity, "category": rule.category.value,
            })
            mits = tuple([
                MitigationRef(
                    id=m.id, scope=show_value(lookup(bindings[alias], fld)), title_template=m.title,
                    action_template=m.action, phase=phase, after=after, bindings=bindings, effort=effort,
                )
                for m, alias, fld, phase, after, effort in self.mitigations
            ])
            risk = RiskRecord(key, rule.id, str(subj["key"]), str(subj["kind"]), rule.risk.field,
                              rule.risk.message, bindings, premises, mits, self.assumptions(bindings))
        facts.extend([derive(bindings) for derive in self.derive])
        adjust = None
        if rule.adjust is not None:
            adjust = AdjustRecord(str(bindings[rule.adjust.risk]["key"]), rule.adjust.by,
                                  rule.adjust.reason, bindings, rule.id, premises)
        return Outcome(tuple(facts), risk, None, adjust)

    def derives_only(self, read: Callable[[str], bool]) -> bool:
        """Whether a match only derives facts, each of a kind no rule reads (``read``): no risk, gap or adjustment
        (the planning rules' ``plan_item`` facts). The runtime keeps such facts without asserting them again."""
        return (self.gap is None and self.rule.risk is None and self.rule.adjust is None and bool(self.derive)
                and not any(read(d.kind) for d in self.derive))

    def derived(self, bindings: Bindings) -> tuple[dict[str, Any], ...]:
        """The facts one match derives (all it produces when ``derives_only``)."""
        return tuple([derive(bindings) for derive in self.derive])

    def assumptions(self, bindings: Bindings) -> tuple[Assumption, ...]:
        """What a match assumed: the fields its variant read as the rule's default, and the computed fields it
        tested whose value the engine itself derived from an assumption (a fact's ``assumed`` map)."""
        out: set[Assumption] = set()
        for alias, fld, value, why in self.assumed:
            out.add(Assumption(str(bindings[alias]["key"]), fld, value, why))
        for alias, fields in self.tested:
            fact = bindings.get(alias)
            marks = fact.get(ASSUMED_KEY) if fact is not None else None
            if fact is not None and isinstance(marks, Mapping):
                for fld in fields:
                    mark = marks.get(fld)
                    if isinstance(mark, Mapping):
                        out.add(Assumption(str(fact["key"]), fld, mark.get("value"),
                                           str(mark.get("why", "not stated"))))
        if len(out) < 2:  # most: one assumed field, nothing to sort
            return tuple(out)
        return tuple(sorted(out, key=lambda a: (a.fact, a.field)))


def _applier(c: Consequence) -> Callable[[Bindings], Outcome]:
    """``Consequence.__call__`` of a risk rule (without derived facts of its own) or of a context rule, each made
    for its rule; the general method for any other."""
    rule, aliases = c.rule, c.aliases
    if rule.risk is not None and rule.adjust is None and not c.derive:
        return _risk_applier(c)
    if rule.adjust is not None and rule.risk is None and not c.derive:
        risk_alias, by, reason, rule_id = rule.adjust.risk, rule.adjust.by, rule.adjust.reason, rule.id
        premises_in = premises_of(aliases)

        def adjust(bindings: Bindings) -> Outcome:
            premises = premises_in(bindings)
            return _new_tuple(Outcome, ((), None, None, _new_tuple(AdjustRecord, (
                str(bindings[risk_alias]["key"]), by, reason, bindings, rule_id, premises))))
        return adjust
    return c.__call__


def _risk_applier(c: Consequence) -> Callable[[Bindings], Outcome]:
    rule, aliases, assumptions = c.rule, c.aliases, c.assumptions
    assert rule.risk is not None
    message = rule.risk.message
    subject, rule_id, fld, severity, category = (rule.risk.subject, rule.id, rule.risk.field, c.severity,
                                                 rule.category.value)
    prefix = f"risk:{rule_id}@"
    mitigations = [(m.id, alias, tuple(path.split(".")), m.title, m.action, phase, after, effort)
                   for m, alias, path, phase, after, effort in c.mitigations]
    # An assumption is a field the variant reads as a default, or a tested field its fact marks (``assumptions``):
    # without the first, only a match on a fact with marks can have one.
    marked = None if c.assumed else tuple([alias for alias, fields in c.tested if fields])
    premises_in = premises_of(aliases)

    def risk(bindings: Bindings) -> Outcome:
        premises = premises_in(bindings)
        subj = bindings[subject]
        skey, skind = subj["key"], subj["kind"]
        key = f"{prefix}{skey}"
        mits = []
        for mid, alias, path, title, action, phase, after, effort in mitigations:
            node: Any = bindings[alias]
            for part in path:  # as ``lookup`` (a fact's own dict first: the ABC's check costs ten times as much)
                if not (type(node) is dict or isinstance(node, Mapping)) or part not in node:
                    node = None
                    break
                node = node[part]
            mits.append(_new_tuple(MitigationRef, (mid, show_value(node), title, action, phase, after, bindings,
                                                   effort)))
        assumed: tuple[Assumption, ...] = ()
        if marked is None:
            assumed = assumptions(bindings)
        else:
            for alias in marked:
                if ASSUMED_KEY in bindings.get(alias, ()):
                    assumed = assumptions(bindings)
                    break
        record = _new_tuple(RiskRecord, (key, rule_id, str(skey), str(skind), fld, message, bindings, premises,
                                         tuple(mits), assumed))
        fact = {"kind": "risk", "key": key, "name": key, "rule": rule_id, "subject": skey, "subject_kind": skind,
                "severity": severity, "category": category}
        return _new_tuple(Outcome, ((fact,), record, None, None))
    return risk


def consequences(crule: CompiledRule, rule: Rule, bindings: Bindings) -> Outcome:
    """Apply a rule's consequence to one match."""
    return Consequence(crule, rule)(bindings)
