# The `desk` command in a container: relay, worker, demo, replay (see compose.yaml).
#
#   docker build -t eventdesk .
#   docker run --rm eventdesk --help
#
# Every locked dependency ships a manylinux x86_64 wheel or a pure-Python wheel for
# CPython 3.11 (faust-streaming included: its optional Cython speed-ups are not needed),
# so neither stage installs a compiler.

# ---- build: resolve the locked environment into /app/.venv --------------------------
FROM python:3.11-slim AS build

RUN pip install --no-cache-dir uv==0.13.9

ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

COPY domain ./domain
COPY projections ./projections
COPY adapters ./adapters
COPY streams ./streams
COPY api ./api
COPY replay ./replay
COPY cli ./cli
COPY devtools ./devtools
COPY data ./data
RUN uv sync --frozen --no-dev \
    && .venv/bin/python -m compileall -q domain projections adapters streams api replay cli devtools

# ---- runtime: the venv and the code, no uv, no build tools ---------------------------
FROM python:3.11-slim

# Code and venv stay owned by root (read-only for the desk user); the desk user gets a
# working directory of its own for what it writes there: faust's table data
# (eventdesk-data/) and, with an sqlite:/// store, .desk/.
RUN useradd --system --create-home --home-dir /home/desk --uid 10001 desk \
    && install -d -o desk -g desk /work

COPY --from=build /app /app

ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1

USER desk
WORKDIR /work

ENTRYPOINT ["/app/.venv/bin/desk"]
CMD ["--help"]
