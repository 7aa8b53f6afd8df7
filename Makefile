# Every target sets up .venv itself: a fresh clone needs only `make demo` or `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# durable-rules 2.0.28 builds on 3.11 and 3.12, not 3.13: pick a suitable interpreter.
PYTHON ?= $(shell for p in python3.11 python3.12 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(not (3,11) <= sys.version_info[:2] < (3,13))'; then \
	echo $$p; break; fi; done)

.PHONY: demo test lint typecheck unit bench fuzz clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "archplan needs Python 3.11 or 3.12 (durable-rules 2.0.28 fails on 3.13)"; exit 2; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/archplan check facts/shop --fail-on never

lint: $(STAMP)
	$(VENV)/bin/ruff check engine tests benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy

unit: $(STAMP)
	$(VENV)/bin/pytest -q

test: lint typecheck unit

bench: $(STAMP)
	$(PY) benchmarks/bench_engine.py

# Coverage-guided fuzzing of the design and rule loaders (not part of `make test`). atheris ships
# manylinux wheels for 3.11/3.12, so no clang is needed; it is installed here only, not as a dependency.
FUZZ_SECONDS ?= 300
fuzz: $(STAMP)
	$(PY) -m pip install -q --disable-pip-version-check 'atheris>=2.3'
	@mkdir -p fuzz/corpus fuzz/artifacts
	$(PY) fuzz/seed_corpus.py fuzz/corpus
	$(PY) fuzz/fuzz_loaders.py fuzz/corpus -dict=fuzz/archplan.dict -max_total_time=$(FUZZ_SECONDS) \
		-timeout=10 -rss_limit_mb=2048 -artifact_prefix=fuzz/artifacts/ -print_final_stats=1

clean:
	rm -rf $(VENV) build dist *.egg-info .mypy_cache .ruff_cache .pytest_cache
