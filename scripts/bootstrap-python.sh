#!/usr/bin/env bash
# Make sure `uv` is available, then install the locked Python environment (.venv).
# Works on a fresh machine with python3 and access to PyPI; installs nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v uv >/dev/null; then
    export PATH="$HOME/.local/bin:$PATH"
fi
if ! command -v uv >/dev/null; then
    echo "[bootstrap] installing uv from PyPI" >&2
    python3 -m pip install --quiet --user uv 2>/dev/null \
        || python3 -m pip install --quiet --user --break-system-packages uv
fi
uv sync --frozen --quiet
