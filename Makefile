# linguafranca: every target is one line; anything longer lives in scripts/.
.DEFAULT_GOAL := help
PY := .venv/bin/python

.PHONY: help install test lint typecheck check demo bench wheels docs

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install: ## create .venv and install every package of the repo editable, with the dev tools
	@bash scripts/install.sh

test: install ## lint, type-check, then run every test suite (what CI runs)
	@bash scripts/test.sh

lint: install ## ruff check and format check
	@bash scripts/lint.sh

typecheck: install ## mypy --strict on every package
	@bash scripts/typecheck.sh

check: lint typecheck test ## lint + typecheck + test

demo: install ## run examples/quickstart.py (the main job)
	@$(PY) examples/quickstart.py

bench: install ## run every benchmark against the reference libraries (separate .bench-venv)
	@bash scripts/bench.sh

wheels: install ## build every package with hatch into dist/
	@bash scripts/wheels.sh

docs: install ## build the documentation site (mkdocs) into site/
	@bash scripts/docs.sh
