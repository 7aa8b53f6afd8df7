# Every target sets up .venv itself: a fresh clone needs only `make demo` or `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# durable-rules 2.0.28 builds on 3.11 and 3.12, not 3.13: pick a suitable interpreter.
PYTHON ?= $(shell for p in python3.11 python3.12 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(not (3,11) <= sys.version_info[:2] < (3,13))'; then \
	echo $$p; break; fi; done)

.PHONY: demo test lint typecheck unit bench fuzz clean plan-tools

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

unit: $(STAMP) plan-tools
	$(VENV)/bin/pytest -q

# The plan tests check the diagrams with the real tools: Graphviz (DOT -> SVG), headless Chromium (the HTML
# page) and the mermaid parser (node). Installed when possible (root or passwordless sudo, apt, network);
# otherwise a note, and those tests skip locally with the reason and fail under CI=true.
MERMAID_CHECK := tests/fixtures/plan/mermaid-check
plan-tools:
	@if ! command -v dot >/dev/null 2>&1 || ! { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; }; then \
		if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=none; fi; \
		if [ "$$SUDO" != none ] && command -v apt-get >/dev/null 2>&1; then \
			$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
				graphviz chromium fonts-dejavu-core >/dev/null \
			|| echo "note: could not install graphviz/chromium; their tests skip (and fail under CI=true)"; \
		else echo "note: graphviz/chromium missing and cannot be installed here (not root, no apt)"; fi; \
	fi
	@if command -v npm >/dev/null 2>&1; then \
		test -d $(MERMAID_CHECK)/node_modules/mermaid || npm ci --silent --no-audit --no-fund --prefix $(MERMAID_CHECK) \
		|| echo "note: npm ci failed (offline?); the Mermaid parser test skips (and fails under CI=true)"; \
	else echo "note: node/npm missing: the Mermaid parser test skips (and fails under CI=true)"; fi

test: lint typecheck unit

bench: $(STAMP)
	$(PY) benchmarks/bench_engine.py
	$(PY) benchmarks/bench_plan.py
	$(PY) benchmarks/bench_gate.py

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
