"""The rule models' default factories are Python functions (pydantic reads a builtin's signature by tokenizing its
text signature when it builds the validator), and they still give each model its own empty list or mapping."""

from __future__ import annotations

import types

import pytest
from pydantic import BaseModel

from engine.model import rule

MODELS = [rule.Pattern, rule.Mitigation, rule.Risk, rule.Derive, rule.Adjust, rule.Example, rule.Rule]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_default_factory_of_a_rule_model_is_a_python_function(model: type[BaseModel]) -> None:
    factories = {name: f.default_factory for name, f in model.model_fields.items() if f.default_factory}
    assert all(isinstance(f, types.FunctionType) for f in factories.values()), factories


def test_the_defaults_are_fresh_empty_containers_of_the_same_type() -> None:
    a = rule.Pattern.model_validate({"kind": "service", "as": "svc"})
    b = rule.Pattern.model_validate({"kind": "service", "as": "svc"})
    assert (a.where, a.join) == ({}, {}) and type(a.where) is dict
    assert a.where is not b.where and a.join is not b.join
    m = rule.Mitigation.model_validate({"id": "circuit-breaker", "title": "Circuit breakers on the calls",
                                        "scope": "call.from",
                                        "action": "Wrap every outbound call in a circuit breaker."})
    assert m.after == [] and type(m.after) is list
