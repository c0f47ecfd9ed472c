#!/usr/bin/env bash
# Install what the real-service tests need on a fresh Debian machine (run as root):
# PostgreSQL server binaries, a Java runtime and Maven, Chromium (the console's browser
# tests drive it; nothing downloads a browser of its own), then pre-fetch the Kafka jars.
# Idempotent: installs only what is missing and runs `apt-get update` at most once.
set -euo pipefail

cd "$(dirname "$0")/.."

APT_UPDATED=0
MISSING=()

log() { echo "[install-system-deps] $*"; }

apt_install() {
    if [ "$(id -u)" -ne 0 ]; then
        log "need root to install: $*" >&2
        exit 1
    fi
    if [ "$APT_UPDATED" -eq 0 ]; then
        log "apt-get update"
        apt-get update -qq
        APT_UPDATED=1
    fi
    log "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    log "PostgreSQL server present: $(ls -d /usr/lib/postgresql/*/bin | tr '\n' ' ')"
else
    MISSING+=(postgresql)
fi

if command -v java >/dev/null; then
    log "java present: $(command -v java)"
else
    MISSING+=(default-jre-headless)
fi

if command -v mvn >/dev/null; then
    log "mvn present: $(command -v mvn)"
else
    MISSING+=(maven)
fi

if [ -x /usr/bin/chromium ]; then
    log "chromium present: /usr/bin/chromium"
else
    MISSING+=(chromium)
fi

if [ "${#MISSING[@]}" -gt 0 ]; then
    apt_install "${MISSING[@]}"
else
    log "all system packages already present"
fi

if ! command -v uv >/dev/null; then
    log "uv not found on PATH; cannot pre-fetch the Kafka jars" >&2
    exit 1
fi
log "pre-fetching Kafka jars (cached after the first run)"
uv run python -m devtools.local_kafka --fetch-only
log "done"
