"""Rule files in, validated rules out: every kind, field, operator, join and template is
checked against the fact schema when the rules load, so that no rule is silently dead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

from engine import rulecache
from engine.dialect import atoms
from engine.errors import ArchplanError, InputError, LimitError, Location, RuleError, did_you_mean, raise_all
from engine.model import BASE_KINDS, FieldSpec
from engine.model.ruledata import (
    OPERATORS,
    PLAN_ITEM_KIND,
    PLAN_ITEM_OPTIONAL,
    PLAN_ITEM_REQUIRED,
    PLAN_SECTIONS,
    TEMPLATE_FIELD,
    TEMPLATE_REF,
    KnowledgeBase,
    LoadedRule,
    Pattern,
    Rule,
    from_model,
)
from engine.source import DEFAULT_LIMITS, Document, Limits, keypath, load
from engine.validation import load_all, number_hint, validation_errors

RULE_SUFFIX = ".yaml"
TEST_SUFFIX = ".test.yaml"
# Regex in durable_rules is an anchored full match in its own dialect; allow a plain subset.
_REGEX_OK = re.compile(r"^(?:[A-Za-z0-9_ /:.\-]|\.\*|\.\+|%[daw]|\[[A-Za-z0-9_\-]+\][*+?]?|[*+?])+$")


def builtin_rules_dir() -> str:
    """The knowledge base shipped with archplan (``rules/`` of a source tree, ``engine/_rules`` inside the wheel)."""
    package = os.path.dirname(os.path.abspath(__file__))
    for candidate in (os.path.join(os.path.dirname(package), "rules"), os.path.join(package, "_rules")):
        if os.path.isdir(candidate):  # a folder on disk, as pip installs the wheel: importlib.resources cost 7.6 ms
            return candidate
    from importlib import resources  # pragma: no cover - a zipped install (here: 1.5 ms a run of a source tree)

    return str(resources.files("engine").joinpath("_rules"))  # pragma: no cover - wheel layout


MAX_RULES = 5_000
"""Rule files loaded in one run, built-in and packs together: 100,000 rules took 71 s and 4 GB to refuse."""


def discover_rules(dirs: Sequence[str]) -> list[str]:
    """Every rule file under the given directories, sorted."""
    out: list[str] = []
    errors: list[ArchplanError] = []
    for d in dirs:
        if os.path.isfile(d) and d.endswith(RULE_SUFFIX) and not d.endswith(TEST_SUFFIX):
            out.append(d)
            continue
        if not os.path.isdir(d):
            errors.append(InputError("rules directory does not exist", Location(d)))
            continue
        found = sorted(
            os.path.join(root, n)
            for root, _dirs, names in os.walk(d)
            for n in names
            if n.endswith(RULE_SUFFIX) and not n.endswith(TEST_SUFFIX) and not n.startswith(".")
        )
        if not found:
            errors.append(RuleError("no rule files (*.yaml) found: a gate with no rules would pass everything",
                                    Location(d)))
        out.extend(found)
    raise_all(errors)
    return out


def parse_rule_file(path: str, limits: Limits = DEFAULT_LIMITS, doc: Document | None = None) -> LoadedRule:
    """Parse (unless ``doc`` is its parsed content) and schema-validate one rule file (semantic checks come
    later, across all rules)."""
    lr, misplaced = _parse_rule_file(path, limits, doc)
    raise_all(misplaced)
    return lr


def _parse_rule_file(path: str, limits: Limits, doc: Document | None) -> tuple[LoadedRule, list[ArchplanError]]:
    """The rule, and the problems of its place (an id that is not its file's name, a category that is not its
    folder's), which the loader reports with the rule's other problems rather than before them."""
    doc = load(path, limits) if doc is None else doc
    if not isinstance(doc.data, dict):
        raise RuleError("a rule file must be a mapping", doc.locate(()))
    from engine.scaffold import unfilled_placeholders  # (and the field schema it imports) when a rule file is parsed

    unfilled = unfilled_placeholders(doc)  # an unfinished `archplan rules new` scaffold never loads
    if unfilled:
        raise_all(unfilled)
    from pydantic import ValidationError  # a rule file read from disk: validated by the rule models

    from engine.model import rule as model

    try:
        rule: Rule = from_model(model.Rule.model_validate(doc.data))
    except ValidationError as exc:
        from engine.errors import ErrorGroup

        errs = validation_errors(exc, model.Rule, doc, (), doc.data)
        raise ErrorGroup([RuleError(e.message, e.location, e.keypath) for e in errs]) from None
    misplaced: list[ArchplanError] = []
    stem = os.path.basename(path)[: -len(RULE_SUFFIX)]
    if rule.id != stem:
        misplaced.append(RuleError(f"rule id '{rule.id}' must equal the file name '{stem}'", doc.locate(("id",)),
                                   "id"))
    parent = os.path.basename(os.path.dirname(path))
    if parent in {c.value for c in type(rule.category)} and parent != rule.category.value:
        misplaced.append(RuleError(f"rule is in folder '{parent}' but its category is '{rule.category.value}'",
                                   doc.locate(("category",)), "category"))
    return LoadedRule(rule, path, doc), misplaced


def load_rules(dirs: Sequence[str], limits: Limits = DEFAULT_LIMITS,
               disabled: Sequence[str] = ()) -> KnowledgeBase:
    """Load and validate every rule under ``dirs``; raise all problems together."""
    files = discover_rules(dirs)
    if len(files) > MAX_RULES:
        raise LimitError(f"the rule packs hold {len(files):,} rule files, over the {MAX_RULES:,}-rule limit "
                         f"(the built-in knowledge base has about 200)", Location(files[MAX_RULES]))
    key, docs = rulecache.lookup(files, limits)  # what a previous process parsed, validated again below
    parsed = dict(zip(files, docs, strict=True)) if docs is not None else {}
    parsed_rules = [got for _path, got in load_all(
        files, lambda path: _parse_rule_file(path, limits, parsed.get(path)), "loading the rules")]
    loaded = [lr for lr, _misplaced in parsed_rules]
    if docs is None:
        rulecache.store(key, [lr.doc for lr in loaded])
    # A rule in the wrong file or folder is still checked: its other problems come in the same run.
    placement: list[ArchplanError] = [e for _lr, misplaced in parsed_rules for e in misplaced]
    errors: list[ArchplanError] = []
    seen: dict[str, str] = {}
    for lr in loaded:
        if lr.rule.id in seen:
            errors.append(RuleError(f"duplicate rule id '{lr.rule.id}' (also in {seen[lr.rule.id]})",
                                    lr.locate("id"), "id"))
        seen.setdefault(lr.rule.id, lr.file)
    raise_all(errors)
    known = set(seen)
    for rid in disabled:
        if rid not in known:
            errors.append(RuleError(f"unknown rule id '{rid}'{did_you_mean(rid, known)}"))
    raise_all(errors)
    active = [lr for lr in loaded if lr.rule.enabled and lr.rule.id not in set(disabled)]
    kb = KnowledgeBase(active, derived_kinds(active))
    raise_all([*placement, *validate(kb)])
    return kb


def derived_kinds(rules: Sequence[LoadedRule]) -> dict[str, dict[str, FieldSpec]]:
    """Fact kinds: the schema's, plus those that rules derive (with the fields they set)."""
    from engine.model.schema import kind_fields  # the section models: only when rules are compiled

    kinds = kind_fields()
    for lr in rules:
        for d in lr.rule.derive:
            fields = kinds.setdefault(d.kind, {"key": FieldSpec(type="str"), "name": FieldSpec(type="str")})
            for name, value in d.fields.items():
                fields.setdefault(name, _spec_of_value(value))
    return kinds


def _spec_of_value(value: Any) -> FieldSpec:
    if isinstance(value, bool):
        return FieldSpec(type="bool")
    if isinstance(value, int):
        return FieldSpec(type="int")
    if isinstance(value, float):
        return FieldSpec(type="float")
    return FieldSpec(type="str")


def _type_ok(spec: FieldSpec, value: Any) -> bool:
    if spec.type == "bool":
        return isinstance(value, bool)
    if spec.type == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if spec.type == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if spec.type == "str":
        return isinstance(value, str)
    return False


_TYPE_WORDS = {"int": "a whole number", "float": "a number", "str": "a text", "bool": "true or false",
               "list": "a list"}
"""A field type in a message: "'2' is not a whole number"."""


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def split_test(test: Any) -> list[tuple[str, Any]]:
    """``value`` or ``{op: value, ...}`` as a list of (operator, value)."""
    if isinstance(test, dict):
        return list(test.items())
    return [("eq", test)]


def validate(kb: KnowledgeBase) -> list[ArchplanError]:
    """Check every rule against the fact schema; return the problems."""
    from engine.model.schema import GRAPH_KINDS  # the section models: only when rules are compiled

    errors: list[ArchplanError] = []
    derived_by_rules = {d.kind for lr in kb.rules for d in lr.rule.derive}
    for kind in sorted(derived_by_rules & set(BASE_KINDS)):
        lr = next(lr for lr in kb.rules if any(d.kind == kind for d in lr.rule.derive))
        errors.append(RuleError(f"a rule may not derive facts of the design's own kind '{kind}'",
                                lr.locate("derive"), "derive"))
    # Kinds the engine computes from the design (``access``, ``path`` …): a pack deriving one could forge or
    # shadow what the built-in rules match (an ``access`` fact saying a store is reached only internally).
    for kind in sorted(derived_by_rules & set(GRAPH_KINDS)):
        for lr in kb.rules:
            for j, d in enumerate(lr.rule.derive):
                if d.kind == kind:
                    errors.append(RuleError(f"a rule may not derive facts of the kind '{kind}', which the engine "
                                            "computes from the design", lr.locate("derive", j, "kind"),
                                            f"derive[{j}].kind"))
    for lr in kb.rules:
        errors.extend(_validate_rule(lr, kb.kinds))
    return errors


def _validate_rule(lr: LoadedRule, kinds: Mapping[str, Mapping[str, FieldSpec]]) -> list[ArchplanError]:
    rule = lr.rule
    errors: list[ArchplanError] = []
    bound: dict[str, str] = {}

    def err(msg: str, *path: str | int) -> None:
        errors.append(RuleError(msg, lr.locate(*path), keypath(tuple(path))))

    def field_spec(kind: str, fld: str, *path: str | int) -> FieldSpec | None:
        if kind not in kinds:
            return None  # the unknown kind is the error, reported once where the pattern names it
        spec = kinds.get(kind, {}).get(fld)
        if spec is None and fld == "kind":
            hint = " (test the component's own kind with 'type')" if "type" in kinds.get(kind, {}) else ""
            err(f"'kind' is the fact kind, set by the pattern's 'kind:'{hint}", *path)
            return None
        if spec is None:
            err(f"'{kind}' has no field '{fld}'{did_you_mean(fld, kinds.get(kind, {}))}", *path)
        return spec

    for i, pat in enumerate(rule.when):
        if pat.kind not in kinds:
            err(f"unknown fact kind '{pat.kind}'{did_you_mean(pat.kind, kinds)}", "when", i, "kind")
            if not pat.absent and pat.as_ is not None:
                bound[pat.as_] = pat.kind  # bound all the same: one error, not one per later use of the alias
            continue
        if pat.as_ is not None and pat.as_ in bound:
            err(f"'{pat.as_}' is bound twice", "when", i, "as")
        for fld, test in pat.where.items():
            spec = field_spec(pat.kind, fld, "when", i, "where", fld)
            if spec is None:
                continue
            for op, value in split_test(test):
                errors.extend(_check_op(lr, spec, fld, op, value, ("when", i, "where", fld), rule.params))
        for fld, ref in pat.join.items():
            spec = field_spec(pat.kind, fld, "when", i, "join", fld)
            alias, _, rfield = ref.partition(".")
            if alias not in bound:
                hint = " (patterns join only on patterns above them)" if any(
                    p.as_ == alias for p in rule.when) else did_you_mean(alias, bound)
                err(f"'{alias}' is not bound by an earlier pattern{hint}", "when", i, "join", fld)
                continue
            rspec = field_spec(bound[alias], rfield, "when", i, "join", fld)
            if spec and rspec and spec.type != rspec.type and {spec.type, rspec.type} != {"int", "float"}:
                err(f"cannot join {pat.kind}.{fld} ({spec.type}) with {ref} ({rspec.type})", "when", i, "join", fld)
            if spec and spec.type == "list":
                err("joins compare single values; use a derived fact for list membership", "when", i, "join", fld)
        if not pat.absent and pat.as_ is not None:
            bound[pat.as_] = pat.kind
    if all(p.absent for p in rule.when):
        err("a rule needs at least one pattern that is not 'absent'", "when")

    def check_ref(ref: str, *path: str | int) -> None:
        alias, _, fld = ref.partition(".")
        if alias not in bound:
            err(f"'{alias}' is not bound by the rule's patterns{did_you_mean(alias, bound)}", *path)
            return
        field_spec(bound[alias], fld, *path)

    def check_template(text: str, *path: str | int) -> None:
        for m in TEMPLATE_FIELD.finditer(text.replace("{{", "").replace("}}", "")):
            ref = m.group(1).strip()
            if not TEMPLATE_REF.match(ref):
                err(f"template field '{{{m.group(1)}}}' must be 'alias.field' (no attribute, index or call)", *path)
                continue
            check_ref(ref, *path)

    if rule.risk is not None:
        if rule.risk.subject not in bound:
            err(f"risk subject '{rule.risk.subject}' is not bound{did_you_mean(rule.risk.subject, bound)}",
                "risk", "subject")
        elif rule.risk.field is not None:
            field_spec(bound[rule.risk.subject], rule.risk.field, "risk", "field")
        check_template(rule.risk.message, "risk", "message")
    for j, mit in enumerate(rule.mitigations):
        path: tuple[str | int, ...] = ("mitigation", j) if isinstance(rule.mitigation, list) else ("mitigation",)
        check_template(mit.title, *path, "title")
        check_template(mit.action, *path, "action")
        check_ref(mit.scope, *path, "scope")
    for j, d in enumerate(rule.derive):
        for fld, value in d.fields.items():
            if isinstance(value, str):
                check_template(value, "derive", j, "fields", fld)
        if d.kind == PLAN_ITEM_KIND:
            errors.extend(_check_plan_item(lr, j, d.fields))
    if rule.adjust is not None and bound.get(rule.adjust.risk) != "risk":
        err(f"'{rule.adjust.risk}' must be bound to a 'kind: risk' pattern", "adjust", "risk")
    for j, ref in enumerate(rule.gaps):
        alias, _, fld = ref.partition(".")
        gap_pat = next((p for p in rule.when if p.as_ == alias), None)
        if gap_pat is None or fld not in gap_pat.where:
            err(f"gap '{ref}' must name a field tested in that pattern's 'where'", "gaps", j)
    for ref, value in rule.assume.items():
        errors.extend(_check_assume(lr, ref, value, kinds))
    covered = set(rule.gaps) | set(rule.assume)
    for ref in rule.silent_when_unknown:
        alias, _, fld = ref.partition(".")
        silent_pat = next((p for p in rule.when if p.as_ == alias), None)
        if silent_pat is None or fld not in silent_pat.where:
            err(f"'{ref}' must name a field tested in that pattern's 'where'", "silent_when_unknown", ref)
        elif ref in covered:
            err(f"'{ref}' is covered by 'gaps' or 'assume': it is not silent", "silent_when_unknown", ref)
    return errors


def _check_assume(lr: LoadedRule, ref: str, value: Any,
                  kinds: Mapping[str, Mapping[str, FieldSpec]]) -> list[ArchplanError]:
    """An ``assume`` entry names a field its pattern tests, not also a gap, with a value that passes the tests."""
    rule = lr.rule
    alias, _, fld = ref.partition(".")
    path = ("assume", ref)

    def err(msg: str) -> list[ArchplanError]:
        return [RuleError(msg, lr.locate(*path), keypath(path))]

    pat = next((p for p in rule.when if p.as_ == alias), None)
    if pat is None or fld not in pat.where:
        return err(f"assume '{ref}' must name a field tested in that pattern's 'where'")
    if ref in rule.gaps:
        return err(f"'{ref}' is both assumed and a gap: choose one")
    spec = kinds.get(pat.kind, {}).get(fld)
    if spec is None:
        return []  # the unknown field is reported where the pattern tests it
    problems = _check_op(lr, spec, fld, "eq", value, path, rule.params)
    if problems:
        return problems
    for op, stated in split_test(pat.where[fld]):
        param = isinstance(stated, dict) and set(stated) == {"param"}
        want = rule.params.get(str(stated["param"])) if param else stated
        if not _passes(value, op, want):
            return err(f"the assumed value {value!r} does not pass the test '{op}: {want!r}' on '{fld}', "
                       "so assuming it would never fire the rule")
    return []


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b) and isinstance(a, str) == isinstance(b, str)


def _passes(value: Any, op: str, want: Any) -> bool:
    """Whether a known ``value`` passes one test (the compiled semantics; regex and contains are not assumable)."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    numeric = number and isinstance(want, (int, float)) and not isinstance(want, bool)
    checks: dict[str, Any] = {
        "eq": lambda: _same(value, want), "ne": lambda: not _same(value, want),
        "in": lambda: any(_same(value, w) for w in want), "not_in": lambda: all(not _same(value, w) for w in want),
        "lt": lambda: numeric and value < want, "lte": lambda: numeric and value <= want,
        "gt": lambda: numeric and value > want, "gte": lambda: numeric and value >= want,
        "exists": lambda: True,
    }
    return op in checks and bool(checks[op]())


def _check_plan_item(lr: LoadedRule, j: int, fields: Mapping[str, Any]) -> list[ArchplanError]:
    """A derived plan item must say where it goes in the plan, what it is about, and what to do."""
    out: list[ArchplanError] = []

    def err(msg: str, *path: str | int) -> None:
        full = ("derive", j, "fields", *path)
        out.append(RuleError(msg, lr.locate(*full), keypath(full)))

    allowed = (*PLAN_ITEM_REQUIRED, *PLAN_ITEM_OPTIONAL)
    for name in PLAN_ITEM_REQUIRED:
        if name not in fields:
            err(f"a plan_item needs the field '{name}' (fields: {', '.join(allowed)})")
    for name in fields:
        if name not in allowed:
            err(f"a plan_item has no field '{name}'{did_you_mean(name, allowed)}", name)
    section, item_type = fields.get("section"), fields.get("type")
    if "section" in fields and section not in PLAN_SECTIONS:
        err(f"{section!r} is not a plan section{did_you_mean(str(section), PLAN_SECTIONS)}; "
            f"sections: {', '.join(PLAN_SECTIONS)}", "section")
    elif section in PLAN_SECTIONS and "type" in fields and item_type not in PLAN_SECTIONS[str(section)]:
        types = PLAN_SECTIONS[str(section)]
        err(f"{item_type!r} is not an item type of section '{section}'{did_you_mean(str(item_type), types)}; "
            f"types: {', '.join(types)}", "type")
    subject = fields.get("subject")
    if "subject" in fields and not (isinstance(subject, str) and re.fullmatch(r"\{[a-z][a-z0-9_]*\.key\}", subject)):
        err("a plan_item's subject must be the key of a matched fact, e.g. '{svc.key}'", "subject")
    phase = fields.get("phase")
    if "phase" in fields and not (isinstance(phase, int) and not isinstance(phase, bool) and 1 <= phase <= 4):
        err("a plan_item's phase is a number from 1 (Foundation) to 4 (Production Readiness)", "phase")
    if section == "build" and "phase" not in fields:
        err("a 'build' plan_item assigns a phase: add 'phase'")
    return out


def _check_op(lr: LoadedRule, spec: FieldSpec, fld: str, op: str, value: Any,
              path: tuple[str | int, ...], params: Mapping[str, Any]) -> list[ArchplanError]:
    out: list[ArchplanError] = []

    def err(msg: str) -> None:
        out.append(RuleError(msg, lr.locate(*path), keypath(path)))

    if op not in OPERATORS:
        err(f"unknown operator '{op}'{did_you_mean(op, OPERATORS)}; operators: {', '.join(OPERATORS)}")
        return out
    if isinstance(value, dict) and set(value) == {"param"}:
        name = value["param"]
        if name not in params:
            err(f"unknown parameter '{name}'{did_you_mean(str(name), params)}; declare it under 'params'")
            return out
        value = params[name]
    if op in ("exists", "missing"):
        if value is not True:
            err(f"'{op}' takes 'true'")
        return out
    if spec.type == "list":
        if op != "contains":
            err(f"'{fld}' is a list: use 'contains', 'exists' or 'missing'")
        elif not isinstance(value, str):
            err("'contains' takes a single value")
        elif spec.item_values and value not in spec.item_values:
            err(f"{value!r} is never an item of '{fld}'{did_you_mean(value, spec.item_values)}")
        return out
    if op == "contains":
        err(f"'contains' applies to list fields; '{fld}' is a {spec.type}")
        return out
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            err(f"'{op}' takes a non-empty list")
            return out
        values = value
    else:
        values = [value]
    for v in values:
        if op == "regex":
            if spec.type != "str" or not isinstance(v, str) or not _REGEX_OK.match(v):
                err("'regex' takes a plain pattern on a text field: letters, digits, _ / : . -, "
                    "'.*', '.+', character classes and %d %a %w")
            else:
                try:
                    atoms(v)
                except ValueError as exc:
                    err(f"'regex' {v!r}: {exc}; each '*', '+' or '?' repeats the one character or class before it")
            continue
        if op in ("lt", "lte", "gt", "gte") and spec.type not in ("int", "float"):
            err(f"'{op}' compares numbers; '{fld}' is {_TYPE_WORDS.get(spec.type, spec.type)}")
            continue
        if not _type_ok(spec, v):
            quoted = isinstance(v, str) and spec.type in ("int", "float") and _numeric(v)
            err(f"{v!r} is not {_TYPE_WORDS.get(spec.type, spec.type)}, the type of '{fld}'"
                + (number_hint(v.strip()) if quoted else ""))
        elif spec.values and isinstance(v, str) and v not in spec.values:
            err(f"{v!r} is never a value of '{fld}'{did_you_mean(v, spec.values)}; "
                f"values: {', '.join(spec.values)}")
    return out


def first_alias(pattern: Pattern) -> str | None:
    """The alias of a pattern (None for absent patterns)."""
    return pattern.as_
