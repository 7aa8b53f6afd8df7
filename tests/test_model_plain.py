"""The plain validators (engine/model/plain.py): a section's entries checked and returned as the data a model's
dump gives, or refused, for the model itself to read."""

from __future__ import annotations

import os
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from engine.loader import load_design, read_design_file
from engine.model import SECTIONS
from engine.model.plain import plain_validator
from tests.conftest import ROOT
from tests.helpers import write


def dumped(model: type[BaseModel], entry: Any) -> dict[str, Any]:
    """What the loader kept before the plain validators: the model's validation, dumped."""
    out: dict[str, Any] = model.model_validate(entry).model_dump(by_alias=True, exclude_none=True, mode="json")
    return out


def example_entries() -> list[tuple[str, type[BaseModel], Any]]:
    """Every entry of every section of the example designs, with its section's model."""
    out: list[tuple[str, type[BaseModel], Any]] = []
    for design in ("shop", "ledger"):
        folder = os.path.join(ROOT, "facts", design)
        for name in sorted(os.listdir(folder)):
            for doc in read_design_file(os.path.join(folder, name)):
                for section, (_kind, model, is_list) in SECTIONS.items():
                    value = doc.data.get(section)
                    for entry in (value if is_list else [value]) if value is not None else []:
                        out.append((f"{design}/{name}/{section}", model, entry))
    return out


@pytest.mark.parametrize("model", [model for _kind, model, _is_list in SECTIONS.values()],
                         ids=list(SECTIONS))
def test_every_section_model_has_a_plain_validator(model: type[BaseModel]) -> None:
    # a model given a default other than None, or a custom validator, would make this raise TypeError
    assert callable(plain_validator(model))


def test_plain_data_equals_the_models_dump_key_for_key_on_the_examples() -> None:
    entries = example_entries()
    assert len(entries) > 50
    for where, model, entry in entries:
        (got,), want = plain_validator(model)([entry]), dumped(model, entry)
        assert repr(got) == repr(want), where  # the same keys in the same order, the same types (1.0, not 1)


def test_a_section_validated_at_once_equals_its_entries_one_by_one() -> None:
    _kind, model, _is_list = SECTIONS["interactions"]
    entries = [e for _where, m, e in example_entries() if m is model]
    assert plain_validator(model)(entries) == [plain_validator(model)([e])[0] for e in entries]


@pytest.mark.parametrize(("section", "entry"), [
    ("interactions", {"from": "a", "to": "b", "retry": {"attempts": 3}, "timeout_ms": 200}),
    ("datastores", {"name": "db", "availability": 1}),  # a whole number where a ratio (a float) is asked
    ("channels", {"name": "c", "consumers": ["a", {"service": "b"}]}),  # a union of a text and a model
    ("services", {"name": "s", "health": {"liveness": True}}),
], ids=["nested", "int-as-float", "union", "nested-optional"])
def test_plain_data_equals_the_models_dump(section: str, entry: dict[str, Any]) -> None:
    _kind, model, _is_list = SECTIONS[section]
    assert repr(plain_validator(model)([entry])) == repr([dumped(model, entry)])


@pytest.mark.parametrize(("section", "entry"), [
    ("services", {"name": "s", "owner": None}),  # an explicit null: the model accepts it, its dump drops it
    ("interactions", {"from_": "a", "to": "b"}),  # a field by its Python name: the model accepts it too
    ("services", {"name": "s", "replicas": -1}),
    ("services", {"name": "s", "replicsa": 2}),
], ids=["explicit-null", "python-name", "bound", "unknown-key"])
def test_plain_validator_refuses_what_it_does_not_return_as_dumped(section: str, entry: dict[str, Any]) -> None:
    _kind, model, _is_list = SECTIONS[section]
    with pytest.raises(ValidationError):
        plain_validator(model)([entry])


def test_entries_the_plain_validator_refuses_load_as_their_model_reads_them(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "design.yaml", """
        source: api
        interactions:
          - {from_: a, to: b, timeout_ms: null}
          - {from: b, to: a, retry: {attempts: 2, backoff: null}}
        """)
    infra = write(str(tmp_path), "infra.yaml", """
        source: infrastructure
        services:
          - {name: a, owner: null}
          - {name: b}
        """)
    facts = load_design([path, infra]).by_key()
    assert facts["interaction:a->b"].data == {"from": "a", "to": "b", "name": "a->b"}
    assert facts["interaction:b->a"].data == {"from": "b", "to": "a", "retry": {"attempts": 2}, "name": "b->a"}
    assert facts["service:a"].data == {"name": "a"}


def test_a_model_the_plain_validator_cannot_read_is_read_by_the_model_itself(
        tmp_path: os.PathLike[str], monkeypatch: Any) -> None:
    """A model with a custom validator (none of the fact models has one today) gets no plain validator: the loader
    then reads each entry with the model, as before the plain validators, instead of failing."""
    from pydantic import ConfigDict, field_validator

    from engine import rulecache
    from engine.loader import _validated
    from engine.model import schema

    class Shouting(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
        name: str

        @field_validator("name")
        @classmethod
        def upper(cls, value: str) -> str:
            return value.upper()

    monkeypatch.setattr(schema, "Team", Shouting)  # the teams' model, as the loader finds it by name
    monkeypatch.setattr(rulecache, "enabled", False)  # no kept schema of the real one
    monkeypatch.setattr(rulecache, "_FACTS", {})
    for _ in range(2):  # refused at once the second time, from what the first found
        with pytest.raises(TypeError):
            plain_validator(Shouting)
        assert _validated("Team", [{"name": "a"}]) is None
    path = write(str(tmp_path), "infra.yaml", """
        source: infrastructure
        teams:
          - name: payments
        """)
    assert load_design([path]).by_key()["team:PAYMENTS"].data == {"name": "PAYMENTS"}  # the model read it
