# Two entry points for a fresh machine; see README.md.
SHELL := /bin/bash
export PATH := $(HOME)/.local/bin:$(PATH)

.PHONY: setup demo test lint bench

setup:
	@bash scripts/bootstrap-python.sh

demo: setup
	uv run desk demo

test: setup
	bash scripts/install-system-deps.sh
	uv run pytest

lint: setup
	uv run ruff check .
	uv run mypy domain projections

bench: setup
	uv run python -m bench.folds
	uv run python -m bench.features
	uv run python -m bench.kafka
	uv run python -m bench.api
