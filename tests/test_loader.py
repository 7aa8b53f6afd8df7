"""Loading, validating and merging design files, and the errors users see."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
import yaml

from engine.errors import ArchplanError, InputError, Location
from engine.loader import load_design
from engine.source import DEFAULT_LIMITS, Limits
from tests.conftest import ROOT
from tests.helpers import write


def errors_of(paths: list[str]) -> list[str]:
    with pytest.raises(ArchplanError) as info:
        load_design(paths)
    return [str(e) for e in info.value.errors]


def test_example_design_loads_and_merges_four_agents() -> None:
    design = load_design([os.path.join(ROOT, "facts", "shop")])
    keys = {f.key for f in design.facts}
    assert "service:gateway" in keys
    assert "interaction:checkout->payments" in keys
    # the security agent's view of the endpoint is merged into the API agent's
    ep = design.by_key()["endpoint:checkout"]
    assert ep.data["authn"] == "jwt" and ep.data["mutating"] is True
    assert ep.agents == ("api", "security")


def test_unknown_key_suggests_closest_field_with_place(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "infra.yaml", """
        source: infrastructure
        services:
          - name: checkout
            replicsa: 2
        """)
    (err,) = errors_of([path])
    assert err.startswith(f"{path}:4:5: services[0].replicsa: unknown key 'replicsa'")
    assert "did you mean 'replicas'" in err


def test_every_error_of_a_run_is_reported(tmp_path: os.PathLike[str]) -> None:
    a = write(str(tmp_path), "a.yaml", """
        source: infrastructure
        services:
          - {name: a, replicas: -1}
          - {name: b, exposure: publik}
        """)
    b = write(str(tmp_path), "b.yaml", "source: apii\n")
    errs = errors_of([a, b])
    assert len(errs) == 3
    assert any("replicas" in e and "is less than 0, the least 'replicas' allows" in e for e in errs)
    assert any("did you mean 'public'" in e for e in errs)
    assert any(e.startswith(f"{b}:1:1: source: unknown agent 'apii'") and "did you mean 'api'" in e for e in errs)


def test_reference_to_unknown_name_suggests_closest(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "api.yaml", """
        source: api
        services: [{name: checkout}, {name: payments}]
        interactions:
          - {from: checkout, to: paymnets, style: sync}
        """)
    (err,) = errors_of([path])
    assert f"{path}:4:22" in err
    assert "'paymnets' is not a known service, external, datastore or channel (did you mean 'payments'?)" in err


def test_a_route_must_name_a_call_of_its_server(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "api.yaml", """
        source: api
        services: [{name: gateway}, {name: catalog}, {name: orders}]
        endpoints:
          - {method: GET, path: /products, served_by: gateway, routes_to: [catalgo]}
          - {method: GET, path: /orders, served_by: gateway, routes_to: [orders]}
        interactions:
          - {from: gateway, to: catalog, style: sync}
        """)
    typo, uncalled = errors_of([path])  # orders exists, but the gateway never calls it: a route cannot take it
    assert f"{path}:4:" in typo and "endpoint[GET /products].routes_to[0]" in typo
    assert "'catalgo' is not called by gateway" in typo and "(did you mean 'catalog'?)" in typo
    assert f"{path}:5:" in uncalled and "'orders' is not called by gateway" in uncalled


def test_agents_that_contradict_each_other_are_reported_with_both_places(tmp_path: os.PathLike[str]) -> None:
    api = write(str(tmp_path), "api.yaml", """
        source: api
        services: [{name: a}, {name: b}]
        interactions:
          - {from: a, to: b, style: sync}
        """)
    infra = write(str(tmp_path), "infra.yaml", """
        source: infrastructure
        interactions:
          - {from: a, to: b, style: async}
        """)
    (err,) = errors_of([api, infra])
    assert "defined differently by two agents" in err
    assert "style is 'async' here (infrastructure) but 'sync' at" in err
    assert f"{api}:4:" in err and err.startswith(f"{infra}:3:")


def test_duplicate_name_within_a_file_is_an_error(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "infra.yaml", """
        source: infrastructure
        services:
          - {name: a}
          - {name: a}
        """)
    (err,) = errors_of([path])
    assert "duplicate service 'a' (first defined at line 3)" in err and f"{path}:4:" in err


def test_yaml_and_json_load_to_the_same_facts(tmp_path: os.PathLike[str]) -> None:
    body = {"source": "infrastructure", "services": [{"name": "a", "replicas": 2, "health": {"liveness": True}}]}
    y = write(str(tmp_path), "y/infra.yaml", "source: infrastructure\nservices:\n  - {name: a, replicas: 2, "
              "health: {liveness: true}}\n")
    j = os.path.join(str(tmp_path), "j", "infra.json")
    os.makedirs(os.path.dirname(j))
    with open(j, "w", encoding="utf-8") as fh:
        json.dump(body, fh, indent=2)
    fy = load_design([y]).facts
    fj = load_design([j]).facts
    assert [f.data for f in fy] == [f.data for f in fj]
    assert fj[0].location.line == 4  # JSON keeps line numbers too


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("source: api\nservices: [{name: a}]\nservices: []\n", "duplicate key 'services'"),
        ("source: api\nx: !!python/object:os.system {}\n", "unsupported tag"),
        ("source: api\nservices:\n\t- name: a\n", "tabs"),
        ("- source: api\n", "must be a mapping"),
        ("", "file is empty"),
        ("source: api\nsystem: {availability_target: .nan}\n", "NaN"),
        ("source: api\nsystem: {availability_target: 1.5}\n",
         "1.5 is more than 1, the most 'availability_target' allows"),
        ("source: api\nservices: [{name: p\u0430yments}]\n", "not a valid name"),
        ("source: api\nendpoints: [{method: GET, path: \"/a\\tb\", served_by: a}]\n",
         "'/a\\tb' is not a valid path: 1 to 512 printable ASCII characters"),
    ],
    ids=["duplicate-key", "unsafe-tag", "tab-indent", "list-not-mapping", "empty", "nan", "availability-above-1",
         "confusable-name", "path-with-a-tab"],
)
def test_broken_input_gets_one_clear_error(tmp_path: os.PathLike[str], text: str, expected: str) -> None:
    path = write(str(tmp_path), "bad.yaml", text)
    (err,) = errors_of([path])
    assert expected in err
    assert err.startswith(path)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("replicas: '3'", "services[0].replicas: '3' is not a whole number (write 3 without quotes)"),
        ("replicas: 2.5", "services[0].replicas: 2.5 is not a whole number"),
        ("replicas: -1", "services[0].replicas: -1 is less than 0, the least 'replicas' allows"),
        ("replicas: [1]", "services[0].replicas: a list is not a whole number"),
        ("startup_seconds: 2m", "services[0].startup_seconds: '2m' is not a whole number ('startup_seconds' is in "
                                "seconds: write 120)"),
        ("startup_seconds: 1500ms", "'1500ms' is not a whole number ('startup_seconds' is in seconds)"),
        ("startup_seconds: 3 parsecs", "'3 parsecs' is not a whole number"),
        ("availability: 99.9", "services[0].availability: 99.9 is more than 1, the most 'availability' allows (a "
                               "fraction, not a percentage: write 0.999)"),
        ("availability: 1.5", "services[0].availability: 1.5 is more than 1, the most 'availability' allows"),
        ("availability: '0.99'", "'0.99' is not a number (write 0.99 without quotes)"),
        ("capacity_rps: 1e16", "services[0].capacity_rps: '1e16' is not a number (YAML reads 1e16 as text: write "
                               "1.0e+16, with a point and a signed exponent)"),
        ("capacity_rps: 2.5e16", "'2.5e16' is not a number (YAML reads 2.5e16 as text: write 2.5e+16, with a point "
                                 "and a signed exponent)"),
        ("metrics: 'true'", "services[0].metrics: 'true' is not true or false (write true without quotes)"),
        ("metrics: sometimes", "services[0].metrics: 'sometimes' is not true or false"),
        ("description: 7", "services[0].description: 7 is not a text (quote it to make it text)"),
    ],
    ids=["quoted-int", "float-for-int", "below-minimum", "list-for-int", "minutes-for-seconds",
         "not-whole-in-the-unit", "unknown-unit", "percentage-for-fraction", "above-one", "quoted-float",
         "exponent-yaml-reads-as-text", "exponent-with-a-point-but-no-sign", "quoted-bool", "word-for-bool",
         "number-for-text"],
)
def test_a_value_of_the_wrong_type_or_size_is_told_what_to_write(tmp_path: os.PathLike[str], value: str,
                                                                 expected: str) -> None:
    path = write(str(tmp_path), "bad.yaml", f"source: infrastructure\nservices:\n  - name: a\n    {value}\n")
    (err,) = errors_of([path])
    assert err.startswith(f"{path}:4:5: ")
    assert err.endswith(expected)


def test_a_duration_with_its_unit_is_converted_to_the_fields_unit(tmp_path: os.PathLike[str]) -> None:
    text = ("source: api\ninteractions:\n  - {from: a, to: b, timeout_ms: 2s}\n  - {from: a, to: c, timeout_ms: "
            "'1.5 s'}\n  - {from: a, to: d, timeout_ms: 250ms}\n")
    errs = errors_of([write(str(tmp_path), "api.yaml", text)])
    assert [e.split(": ", 2)[2] for e in errs] == [
        "'2s' is not a whole number ('timeout_ms' is in milliseconds: write 2000)",
        "'1.5 s' is not a whole number ('timeout_ms' is in milliseconds: write 1500)",
        "'250ms' is not a whole number ('timeout_ms' is in milliseconds: write 250)",
    ]


def test_alias_bomb_is_refused(tmp_path: os.PathLike[str]) -> None:
    lines = ["source: api", 'a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]")
    path = write(str(tmp_path), "bomb.yaml", "\n".join(lines) + "\n")
    (err,) = errors_of([path])
    assert "alias bomb" in err


@pytest.mark.parametrize(("depth", "with_libyaml"), [
    (100, "2:73: nesting deeper than 64 levels"),
    # libyaml stops at 1,000 levels on its own, before archplan's bound sees the nodes.
    (10_000, "2:1008: YAML syntax error: exceeded maximum nesting depth (while increasing flow level)"),
], ids=["over-archplan-bound", "over-libyaml-bound"])
def test_deep_nesting_is_refused(tmp_path: os.PathLike[str], depth: int, with_libyaml: str) -> None:
    import yaml

    path = write(str(tmp_path), "deep.yaml", "source: api\nsystem: " + "[" * depth + "]" * depth + "\n")
    # Without libyaml, archplan bounds the parser's events first; the pure-Python parser marks the 65th '['.
    expected = with_libyaml if yaml.__with_libyaml__ else "2:72: nesting deeper than 64 levels"
    assert errors_of([path]) == [f"{path}:{expected}"]


def test_oversized_file_is_refused_before_reading(tmp_path: os.PathLike[str]) -> None:
    path = os.path.join(str(tmp_path), "big.yaml")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("source: api\n# " + "x" * (17 * 1024 * 1024) + "\n")
    (err,) = errors_of([path])
    assert "over the 16,777,216-byte limit" in err


def test_non_utf8_bytes_name_the_place(tmp_path: os.PathLike[str]) -> None:
    path = os.path.join(str(tmp_path), "latin1.yaml")
    with open(path, "wb") as fh:
        fh.write(b"source: api\nsystem: {description: caf\xe9}\n")
    (err,) = errors_of([path])
    assert err.startswith(f"{path}:2:26: not valid UTF-8 (byte 0xe9)")


def test_missing_path_and_empty_directory_are_errors(tmp_path: os.PathLike[str]) -> None:
    empty = os.path.join(str(tmp_path), "empty")
    os.makedirs(empty)
    nope = os.path.join(str(tmp_path), "nope.yaml")
    assert errors_of([empty, nope]) == [f"{empty}: directory holds no .yaml, .yml, .json or .md design file",
                                        f"{nope}: no such file or directory"]


def test_file_order_does_not_change_the_design(tmp_path: os.PathLike[str]) -> None:
    shop = os.path.join(ROOT, "facts", "shop")
    files = sorted(os.path.join(shop, f) for f in os.listdir(shop))
    a = load_design(files)
    b = load_design(list(reversed(files)))
    assert [(f.key, dict(f.data)) for f in a.facts] == [(f.key, dict(f.data)) for f in b.facts]


def test_input_error_is_an_archplan_error_with_place_key_and_message(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "bad.yaml", "source: api\nservices:\n  - name: a\n    replicas: many\n")
    with pytest.raises(ArchplanError) as info:
        load_design([path])
    assert type(info.value) is InputError
    assert (info.value.location, info.value.keypath) == (Location(path, 4, 5), "services[0].replicas")
    assert str(info.value) == f"{path}:4:5: services[0].replicas: 'many' is not a whole number"


@pytest.mark.parametrize("anchor", [False, True], ids=["events", "composed"])
def test_the_readers_memos_of_scalars_are_bounded_and_change_nothing(monkeypatch: Any, anchor: bool) -> None:
    """Each YAML reader remembers what the plain scalars it resolved are, up to a bound; past it, values are
    resolved as before. Values of every implicit type, repeated and unique, read the same either way. Plain
    data is read from the parser's events; an anchor sends the text to the reader that composes nodes."""
    from engine import source

    values = ("yes", "12", "0x1F", "1.5", "~", "2024-01-02", "plain")
    text = "".join(f"k{i}: [{values[i % 7]}, '{values[i % 7]}', \"{i}\", x{i}, {i}]\n" for i in range(40))
    text += "z: &z zz\n" if anchor else ""
    unbounded = source.parse(text, "memo.yaml")
    made: list[Any] = []
    kind = source._Loader if anchor else source._EventReader
    original = kind.__init__

    def spy(self: Any, *args: Any) -> None:
        original(self, *args)
        made.append(self)

    monkeypatch.setattr(source, "_MEMO", 5)
    monkeypatch.setattr(kind, "__init__", spy)
    bounded = source.parse(text, "memo.yaml")
    assert made and all(len(r._tags if anchor else r.plain) == 5 for r in made)
    assert bounded.data == unbounded.data and bounded.positions == unbounded.positions
    assert [type(v) for v in bounded.data["k0"]] == [bool, str, str, str, int]
    assert [type(v) for v in bounded.data["k3"]] == [float, str, str, str, int]


_TRICKY = (
    "a: 1\n1: x\ntrue: y\n~: z\n2024-01-02: d\n1.5: f\nk: [on, off, No, 0o17, 0x1F, 017, 1_000, .inf, -.Inf, 1e3,"
    " 2001-12-14t21:59:43.10-05:00, \"q\", 's', \"caf\\u00e9\", café, \"t\\tb\"]\nb: |\n  block\nc: >\n  folded\n"
    "  x\nd: 2002-12-14\n\"q key\": 1\n? plain\n: v\ne: ! 12\nf: ! [1]\ng: !!map {x: 1}\nh: !!seq [1]\n"
    "n: [[1, [2, {x: [y, {}]}]], [], '', null, ~]\n",
    "---\n---\na: b\n---\n- [1, [2, [3, {x: y}]]]\n- {}\n",
    "just text\n",
)
"""Plain data of every kind the event reader handles: implicit types, keys that are not text, tags that name
the default type, flow and block styles, several documents."""
_GENERAL = ("a: &x 1\nb: *x\n", "a: *nope\n", "a: !!str 12\n", "a: !custom x\n", "<<: {a: 1}\n", "a: 1\na: 2\n",
            "? [a]\n: b\n", "a: \"\\e[31m\"\n", "a: 2024-13-45\n", "a: [1\n", "a: b\nc: [1, 2\n", "a: =\n")
"""Texts the event reader hands to the general reader: anchors, aliases, other tags, merge keys, errors."""


def _typed(value: Any) -> Any:
    if isinstance(value, dict):
        return [(k, _typed(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value), value)


def _both_readers(text: str, artifact: bool, limits: Limits = DEFAULT_LIMITS) -> tuple[Any, Any]:
    from engine import source

    def read(reader: Any) -> Any:
        try:
            return [(_typed(d.data), list(d.positions.items())) for d in reader()]
        except ArchplanError as exc:
            return type(exc), str(exc)
        except (source._Slow, yaml.YAMLError):  # the event reader declines (a syntax error: the parser's own)
            return "declined"

    general = read(lambda: source._compose_documents(text, "t.yaml", limits, merge_keys=artifact,
                                                     artifact=artifact))
    return general, read(lambda: source._EventReader("t.yaml", limits, artifact).documents(text))


@pytest.mark.parametrize("artifact", [False, True], ids=["design", "artifact"])
def test_the_event_reader_reads_what_composing_nodes_reads(artifact: bool) -> None:
    """Plain data read from the parser's events gives the values (and their types) and the positions, in order,
    that composing and building nodes gives: on every YAML file of the project's designs and rules, and on
    scalars and keys of every implicit type."""
    from engine import source

    files = [os.path.join(root, n) for top in ("facts", "rules") for root, _d, names in os.walk(os.path.join(ROOT, top))
             for n in sorted(names) if n.endswith((".yaml", ".yml"))]
    texts = [*(source.read_text(f) for f in sorted(files)), *_TRICKY]
    for text in texts:
        general, events = _both_readers(text, artifact)
        assert events == general, text[:200]
    assert len(texts) > 100


@pytest.mark.parametrize("text", _GENERAL)
def test_text_the_event_reader_does_not_handle_is_read_by_composing_nodes(text: str) -> None:
    """An anchor, an alias, another tag, a merge key or any problem: the event reader declines, and ``parse``
    gives what the general reader gives, the same value or the same one-line error."""
    from engine import source

    general, events = _both_readers(text, artifact=False)
    assert events == "declined"
    try:
        parsed: Any = [(_typed(d.data), list(d.positions.items())) for d in source.parse_all(text, "t.yaml")]
    except ArchplanError as exc:
        parsed = type(exc), str(exc)
    assert parsed == general


def _nested(depth: int, leaf: str) -> str:
    """``leaf`` inside ``depth`` lists and mappings, in turn."""
    return "".join("{a: " if i % 2 else "[" for i in range(depth)) + leaf + "".join(
        "}" if i % 2 else "]" for i in reversed(range(depth)))


@pytest.mark.parametrize("text", [
    _nested(3, "x"), _nested(4, "x"), _nested(3, "{}"), _nested(4, "{}"), "a: {b: {c: x}}", "a: {b: {c: {d: x}}}",
    "[1, 2, 3, 4, 5, 6, 7]", "[1, 2, 3, 4, 5, 6, 7, 8]", "{a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7}",
    "{a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8}", "[[], [], [], [], [], [], []]",
    "[[], [], [], [], [], [], [], []]",
    "a: xxxxx", "a: xxxxxx", "xxxxxx: a", "a: 'xxxxxx'", "[1, 123456]", "[1.5, 1.5]",
])
def test_the_event_reader_keeps_the_bounds_on_reading(text: str) -> None:
    """At and just past each bound (nesting depth, values, a value's length), the event reader reads what the
    general reader reads, or declines and the general reader names the bound."""
    limits = Limits(max_depth=3, max_nodes=8, max_string=5)
    general, events = _both_readers(text, False, limits)
    assert events == general or (events == "declined" and general[0] is InputError), (events, general)
    assert (events == "declined") == (general[0] is InputError)


def test_field_locations_name_each_stated_key_also_across_merged_agents(tmp_path: os.PathLike[str]) -> None:
    """A fact's fields are located at their own keys, nested ones by dotted path, each in the file that stated it
    when two agents' files are merged; a field no file states has no location of its own."""
    infra = write(str(tmp_path), "infra.yaml", "source: infrastructure\nservices:\n  - name: a\n    kind: api\n"
                  "    health:\n      liveness: true\n")
    sec = write(str(tmp_path), "sec.yaml", "source: security\nservices:\n  - name: a\n    exposure: public\n")
    fact = load_design([infra, sec]).by_key()["service:a"]
    assert dict(fact.fields) == {"name": Location(infra, 3, 5), "kind": Location(infra, 4, 5),
                                 "health": Location(infra, 5, 5), "health.liveness": Location(infra, 6, 7),
                                 "exposure": Location(sec, 4, 5)}
    assert list(fact.fields) == ["name", "kind", "health", "health.liveness", "exposure"]
    assert fact.locate("health.liveness") == Location(infra, 6, 7) and fact.locate("replicas") == fact.location
    assert "health.readiness" not in fact.fields and fact.fields["kind"] is fact.fields["kind"]


def test_field_locations_listed_from_positions_match_the_general_readers(tmp_path: os.PathLike[str]) -> None:
    """A fact read by the event reader lists its fields from the file's positions when first asked for: the same
    fields, order and places as the general reader's (an anchor sends the file there), nested mappings by dotted
    path, a list's items and the mappings inside lists not fields of their own."""
    body = ("services:\n  - name: a\n    kind: api\n    health:\n      liveness: true\n      readiness: false\n"
            "    client_types: [web, mobile]\n    autoscaling: {}\n    owner: t\n"
            "channels:\n  - name: q\n    kind: queue\n    consumers: [{service: a, idempotent: true}]\n")
    fast = write(str(tmp_path), "fast.yaml", "source: infrastructure\n" + body)
    general = write(str(tmp_path), "general.yaml", "source: &s infrastructure\n" + body)
    for key, fields in (("service:a", ["name", "kind", "health", "health.liveness", "health.readiness",
                                       "client_types", "autoscaling", "owner"]),
                        ("channel:q", ["name", "kind", "consumers"])):
        a, b = (load_design([p]).by_key()[key] for p in (fast, general))
        assert [(k, v.line, v.column) for k, v in a.fields.items()] == \
            [(k, v.line, v.column) for k, v in b.fields.items()]
        assert list(a.fields) == fields
    service = load_design([fast]).by_key()["service:a"]
    assert service.locate("health.readiness") == Location(fast, 7, 7)
    assert service.locate("client_types.web") == Location(fast, 8, 5)


def test_positions_held_per_mapping_read_as_one_mapping_of_key_paths() -> None:
    """A parsed file's positions, held per mapping and list, answer as a dict over full key paths would: the
    same paths in the same order, lookups of missing paths, the count, and the nearest located parent."""
    from engine import source

    text = "a:\n  b: 1\n  c: [x, {d: 2}]\ne: []\n"
    doc = source.parse(text, "p.yaml")
    general = next(source._compose_documents(text, "p.yaml", DEFAULT_LIMITS, merge_keys=False, artifact=False))
    assert isinstance(doc.positions, source.Positions) and isinstance(general.positions, dict)
    assert list(doc.positions.items()) == list(general.positions.items()) and len(doc.positions) == 8
    assert doc.positions[("a", "c", 1, "d")] == (3, 11) and ("a", "c", 1) in doc.positions
    assert doc.positions.get(("a", "z")) is None and doc.positions.get(("z", "y"), 0) == 0
    assert ("a", "z") not in doc.positions and "a" not in doc.positions
    assert doc.locate(("a", "c", 0, "nope")) == Location("p.yaml", 3, 7) == general.locate(("a", "c", 0, "nope"))
    with pytest.raises(KeyError):
        doc.positions[("e", 0)]


def test_every_text_pattern_of_the_models_is_said_in_words() -> None:
    """A value failing a pattern is told what the field expects (engine.validation.PATTERN_MEANINGS), never a
    "not a valid name" meant for another field: every pattern of every model has its words."""
    import typing

    from pydantic import BaseModel, StringConstraints

    from engine import config, ruletest
    from engine.model import rule, schema
    from engine.validation import PATTERN_MEANINGS

    found: set[str] = set()

    def walk(tp: Any) -> None:
        for meta in getattr(tp, "__metadata__", ()):
            if isinstance(meta, StringConstraints) and meta.pattern:
                found.add(str(meta.pattern))
        for arg in typing.get_args(tp):
            walk(arg)

    for module in (schema, rule, config, ruletest):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseModel) and value is not BaseModel:
                for f in value.model_fields.values():
                    walk(f.annotation)
                    for meta in f.metadata:
                        if isinstance(meta, StringConstraints) and meta.pattern:
                            found.add(str(meta.pattern))
    assert len(found) >= 10
    assert sorted(found - set(PATTERN_MEANINGS)) == []
