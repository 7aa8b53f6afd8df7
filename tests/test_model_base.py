"""engine/model/base.py: what a check reads about facts without their pydantic models agrees with the models."""

from __future__ import annotations

import subprocess
import sys

from engine.model import base, schema
from tests.conftest import ROOT


def test_the_sections_name_their_models_in_the_models_module() -> None:
    for section, (kind, name, is_list) in base.SECTION_MODELS.items():
        model = getattr(schema, name)
        assert schema.SECTIONS[section] == (kind, model, is_list)
        assert model.__module__ == base.FACT_MODULE
        assert base.section_model(name) is model


def test_name_keyed_kinds_are_the_list_sections_whose_model_has_a_name() -> None:
    derived = {kind for kind, model, is_list in schema.SECTIONS.values() if is_list and "name" in model.model_fields}
    assert derived == base.NAME_KEYED_KINDS


def test_importing_the_base_imports_no_model() -> None:
    done = subprocess.run([sys.executable, "-c", "import sys, engine.model.base, engine.model.kinds\n"
                           "print(sorted(m for m in sys.modules if m.startswith(('pydantic', 'engine.model.'))))"],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['engine.model.base', 'engine.model.kinds']"
