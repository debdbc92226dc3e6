# The README's two commands: `make demo` (the main job on the bundled demo world) and
# `make test` (lint + tests). Both first install what they need into .venv (idempotent, cached).
VENV ?= .venv
PY := $(VENV)/bin/python
LINT_PATHS := mmseg_zsl tools tests configs setup.py
PYTEST_ARGS ?=

.PHONY: env lint test test-fast demo benchmark-toy

env:
	MMSEG_ZSL_VENV=$(abspath $(VENV)) bash tools/install_env.sh

lint: env
	$(VENV)/bin/flake8 $(LINT_PATHS)
	$(VENV)/bin/isort --check-only --diff $(LINT_PATHS)

test: lint
	$(PY) -m pytest -ra --durations=15 $(PYTEST_ARGS)

# Unit tests only (skips the end-to-end ones), for a quick loop while developing.
test-fast: env
	$(PY) -m pytest -q -m "not e2e" $(PYTEST_ARGS)

demo: env
	$(PY) tools/run_demo.py --out-dir demo_out
