# Every target sets up .venv itself: a fresh clone needs only `make demo` or `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# One stamp per install set: `make demo` installs what running needs (`.`), `make test` the dev extras too.
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
RUN_SPEC := .
DEV_SPEC := .[dev]
# Python 3.11 or later: the first of these that runs (on PATH, or installed by pyenv). `make test
# PYTHON=python3.13` picks one (for an existing .venv: `rm -rf .venv` first).
PYTHON ?= python3.11 python3.12 python3.13 python3
PYTHON_EXE := $(shell tools/find-python $(PYTHON))
# The versions pyproject.toml declares (its classifiers): `make test` runs the suite under each other one found.
SUPPORTED := $(shell sed -n 's/.*"Programming Language :: Python :: \(3\.[0-9]*\)".*/\1/p' pyproject.toml)
# durable-rules ships only as source: tools/build-durable builds the pinned release from its checked archive
# with a larger fact index (the C core's 512 buckets make a large design's firing grow with its square) and,
# on Python 3.13, the flag it needs there. Never a cached wheel.
DURABLE := $(shell sed -n 's/.*"\(durable-rules==[^"]*\)".*/\1/p' pyproject.toml)
PIP := $(PY) -m pip install -q --disable-pip-version-check
SYSTEM_DEPS ?= 1

.PHONY: demo test lint typecheck unit suite other-pythons bench fuzz clean plan-tools bench-tools

$(RUN_STAMP): pyproject.toml tools/build-durable
	@test -n "$(PYTHON_EXE)" || { echo "archplan needs Python 3.11 or later; none of '$(PYTHON)' runs here"; exit 2; }
	@test -x $(PY) || { echo "creating $(VENV) with $(PYTHON_EXE)"; $(PYTHON_EXE) -m venv $(VENV); }
	$(PIP) --upgrade pip
	$(PY) tools/build-durable '$(DURABLE)'
	$(PIP) -e '$(RUN_SPEC)'
	@touch $(RUN_STAMP)

$(DEV_STAMP): $(RUN_STAMP)
	$(PIP) -e '$(DEV_SPEC)'
	@touch $(DEV_STAMP)

demo: $(RUN_STAMP)
	$(VENV)/bin/archplan check facts/shop --fail-on never

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check engine tests benchmarks
	$(VENV)/bin/lint-imports  # the layering contracts of engine/ (pyproject.toml [tool.importlinter])

typecheck: $(DEV_STAMP)
	$(VENV)/bin/mypy

unit: plan-tools bench-tools suite

# OWASP pytm, which benchmarks/bench_pytm.py compares archplan with, lives in its own .venv-pytm (it is no
# dependency of archplan); the suite checks that the model the benchmark hands it builds and evaluates.
# rapidyaml, which benchmarks/bench_yaml.py evaluates as archplan's YAML reader, lives in .venv-ryml likewise.
# The startup and pytm benchmarks run archplan as a user installs it: a wheel of this tree (not the editable
# .venv), in .venv-bench, which the same --install-only creates and which they rebuild when the sources change.
bench-tools: $(DEV_STAMP)
	@$(PY) benchmarks/bench_pytm.py --install-only
	@$(PY) benchmarks/bench_yaml.py --install-only

# Each run gets a temporary root of its own (--basetemp), so two suites of one user at once (two clones, two
# Pythons) never prune each other's folders under /tmp/pytest-of-USER; it is removed when the run passes and
# kept, with its path printed, when it fails.
suite: $(DEV_STAMP)
	@base=$$(mktemp -d "$${TMPDIR:-/tmp}/archplan-suite.XXXXXX") || exit 2; \
	$(VENV)/bin/pytest -q --basetemp="$$base/tmp"; rc=$$?; \
	if [ $$rc -eq 0 ]; then rm -rf "$$base"; else echo "the suite's temporary files are kept in $$base"; fi; \
	exit $$rc

# The plan tests check the diagrams with the real tools: Graphviz (DOT -> SVG), headless Chromium (the HTML
# page) and the Mermaid parser (node). tools/system-deps prints each, why, and installs what is missing
# (root or passwordless sudo, apt, npm). Without root: `make test SYSTEM_DEPS=0`; the tests that need a
# missing tool then skip with the reason (and fail under CI=true).
plan-tools:
	@tools/system-deps $(SYSTEM_DEPS)

test: lint typecheck unit other-pythons

# The suite (not lint or mypy: once is enough) under every other supported version found, each in its own
# .venv-3.X; a version not installed here is a printed skip.
other-pythons: unit
	@main=$$($(PY) -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
	for v in $(SUPPORTED); do \
		[ "$$v" = "$$main" ] && continue; \
		exe=$$(tools/find-python python$$v); \
		if [ -z "$$exe" ]; then echo "skip: Python $$v is not installed here; the suite did not run under it"; continue; fi; \
		echo "the suite under Python $$v ($$exe), in .venv-$$v"; \
		$(MAKE) --no-print-directory suite VENV=.venv-$$v PYTHON=$$exe || exit 1; \
	done

bench: $(DEV_STAMP)
	$(PY) benchmarks/bench_engine.py
	$(PY) benchmarks/bench_plan.py
	$(PY) benchmarks/bench_gate.py

# Coverage-guided fuzzing of the design and rule loaders (not part of `make test`). atheris ships
# manylinux wheels for 3.11/3.12, so no clang is needed; it is installed here only, not as a dependency.
FUZZ_SECONDS ?= 300
fuzz: $(DEV_STAMP)
	$(PY) -m pip install -q --disable-pip-version-check 'atheris>=2.3'
	@mkdir -p fuzz/corpus fuzz/artifacts
	$(PY) fuzz/seed_corpus.py fuzz/corpus
	$(PY) fuzz/fuzz_loaders.py fuzz/corpus -dict=fuzz/archplan.dict -max_total_time=$(FUZZ_SECONDS) \
		-timeout=10 -rss_limit_mb=2048 -artifact_prefix=fuzz/artifacts/ -print_final_stats=1

clean:
	rm -rf $(VENV) .venv-3.* build dist *.egg-info .mypy_cache .ruff_cache .pytest_cache .import_linter_cache
