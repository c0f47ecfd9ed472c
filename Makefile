# Entry points for a fresh machine; see README.md. `make` alone runs the first: the demo.
SHELL := /bin/bash
export PATH := $(HOME)/.local/bin:$(PATH)

CONSOLE_STORE := .desk/console-demo.db
SOURCE_PACKAGES := domain projections adapters streams api replay cli devtools

.PHONY: demo day setup test lint bench

# The desk with its API and console on http://127.0.0.1:8000/, fed the sample day at 2 s a
# desk minute; cards wait for a human. A fresh sample day every run (its own store).
demo: setup
	rm -f $(CONSOLE_STORE) $(CONSOLE_STORE)-wal $(CONSOLE_STORE)-shm
	uv run desk serve --demo --pace 2 --store sqlite:///$(CONSOLE_STORE)

# The whole sample day in one go, every card approved by policy:demo-approve-all; prints the end of the day.
day: setup
	uv run desk demo

setup:
	@bash scripts/bootstrap-python.sh

test: setup
	bash scripts/install-system-deps.sh
	uv run pytest

lint: setup
	uv run ruff check .
	uv run mypy $(SOURCE_PACKAGES)

bench: setup
	uv run python -m bench.folds
	uv run python -m bench.features
	uv run python -m bench.kafka
	uv run python -m bench.hot_path
	uv run python -m bench.api
