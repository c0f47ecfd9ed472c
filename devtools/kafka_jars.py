"""The Kafka broker's jars, fetched once from Maven Central into a local cache.

Jars are cached in ``$DESK_KAFKA_CACHE/kafka-<version>/libs`` (default cache root
``~/.cache/eventdesk``). ``python -m devtools.local_kafka --fetch-only`` warms it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

KAFKA_VERSION = "3.9.2"
SCALA_VERSION = "2.13"
# Kafka 3.9 declares its log binding compile-only, so the broker needs one on the classpath.
SLF4J_RELOAD4J_VERSION = "1.7.36"
RELOAD4J_VERSION = "1.2.25"
# Maven 3.8 would otherwise pick an ancient dependency plugin.
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.6.1"

class KafkaBrokerError(RuntimeError):
    """Raised when the jars cannot be fetched or the broker cannot start or stop."""


def cache_root() -> Path:
    """Return the jar cache root (env ``DESK_KAFKA_CACHE`` or ``~/.cache/eventdesk``)."""
    override = os.environ.get("DESK_KAFKA_CACHE")
    return Path(override) if override else Path.home() / ".cache" / "eventdesk"


def libs_dir(version: str = KAFKA_VERSION) -> Path:
    """Return the directory holding the broker's runtime classpath."""
    return cache_root() / f"kafka-{version}" / "libs"


def ensure_jars(version: str = KAFKA_VERSION) -> Path:
    """Fetch the broker jars with Maven unless cached; return the libs dir."""
    libs = libs_dir(version)
    marker = libs / ".complete"
    if marker.exists():
        return libs
    home = libs.parent
    home.mkdir(parents=True, exist_ok=True)
    # A lock keeps parallel test workers from running Maven into the same dir.
    with (home / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists():
            return libs
        if libs.exists():  # left over from an interrupted copy
            shutil.rmtree(libs)
        (home / "pom.xml").write_text(_pom(version))
        cmd = [
            require_tool("mvn"),
            "-B",
            "-q",
            f"{DEPENDENCY_PLUGIN}:copy-dependencies",
            "-DincludeScope=runtime",
            "-DoutputDirectory=libs",
        ]
        print(f"fetching Kafka {version} jars into {libs} ...", file=sys.stderr)
        result = subprocess.run(
            cmd,
            cwd=home,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        if result.returncode != 0 or not any(libs.glob("kafka_*.jar")):
            tail = "\n".join(result.stdout.splitlines()[-30:])
            raise KafkaBrokerError(f"Maven could not fetch Kafka {version} jars:\n{tail}")
        marker.write_text(version + "\n")
    return libs


def _pom(version: str) -> str:
    """Return a throwaway pom whose runtime classpath is the broker's."""
    deps = [
        ("org.apache.kafka", f"kafka_{SCALA_VERSION}", version),
        ("org.slf4j", "slf4j-reload4j", SLF4J_RELOAD4J_VERSION),
        ("ch.qos.reload4j", "reload4j", RELOAD4J_VERSION),
    ]
    dep_xml = "".join(
        f"    <dependency><groupId>{g}</groupId><artifactId>{a}</artifactId>"
        f"<version>{v}</version></dependency>\n"
        for g, a, v in deps
    )
    return (
        '<project xmlns="http://maven.apache.org/POM/4.0.0">\n'
        "  <modelVersion>4.0.0</modelVersion>\n"
        "  <groupId>eventdesk.local</groupId>\n"
        f"  <artifactId>kafka-runtime</artifactId>\n  <version>{version}</version>\n"
        "  <packaging>pom</packaging>\n"
        f"  <dependencies>\n{dep_xml}  </dependencies>\n"
        "</project>\n"
    )


def require_tool(name: str) -> str:
    """Return the path of an executable or fail with an install hint."""
    found = shutil.which(name)
    if not found and name == "java" and os.environ.get("JAVA_HOME"):
        candidate = Path(os.environ["JAVA_HOME"]) / "bin" / "java"
        found = str(candidate) if candidate.exists() else None
    if not found:
        raise KafkaBrokerError(f"{name!r} not found on PATH; run scripts/install-system-deps.sh")
    return found
