"""compose.yaml and the Dockerfile: what an operator relies on when starting the stack.

There is no Docker engine in the test environment, so these tests read the files. The
compose file is parsed with PyYAML when it is installed; otherwise with the strict
YAML subset parser below, which reads block mappings, block sequences of scalars, flow
sequences of scalars and quoted or plain scalars, and refuses everything else (anchors,
multi-line scalars, ambiguous plain scalars such as `no` or `29092:29092`), so a file it
cannot read fails loudly instead of being misread.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from adapters.kafka.admin import ensure_topics
from cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
DEPENDENCIES = ("kafka", "postgres")


# --- a strict YAML subset parser ---------------------------------------------------------


class UnsupportedYaml(ValueError):
    """compose.yaml uses YAML this parser does not read; quote or simplify it."""


_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_PLAIN = re.compile(r"^[A-Za-z0-9_./@=+,-][A-Za-z0-9_./@=+,:~ -]*$")
_AMBIGUOUS = {"y", "n", "yes", "no", "on", "off"}
# Plain scalars YAML 1.1 would read as numbers or dates (29092:29092 is base 60, 1.0 a float).
_NUMBER_LIKE = re.compile(r"^[-+.]?[0-9][0-9_]*([:.][0-9_]*)*([eE][-+]?[0-9]+)?$|^\d{4}-\d\d-\d\d")


def _strip_comment(line: str) -> str:
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def _scalar(text: str, lineno: int) -> Any:
    text = text.strip()
    if text.startswith('"'):
        if not text.endswith('"') or len(text) < 2:
            raise UnsupportedYaml(f"line {lineno}: unterminated string {text!r}")
        return json.loads(text)
    if text.startswith("'"):
        if not text.endswith("'") or len(text) < 2:
            raise UnsupportedYaml(f"line {lineno}: unterminated string {text!r}")
        return text[1:-1].replace("''", "'")
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if _INT.match(text):
        return int(text)
    if (text.lower() in _AMBIGUOUS or _NUMBER_LIKE.match(text) or text.endswith(":")
            or ": " in text or " #" in text or not _PLAIN.match(text)):
        raise UnsupportedYaml(f"line {lineno}: quote the plain scalar {text!r}")
    return text


def _flow_sequence(text: str, lineno: int) -> list[Any]:
    inner = text[1:-1]
    items, current, quote = [], "", None
    for ch in inner:
        if quote:
            current += ch
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
            current += ch
        elif ch in "[]{}":
            raise UnsupportedYaml(f"line {lineno}: nested flow collections")
        elif ch == ",":
            items.append(current)
            current = ""
        else:
            current += ch
    if quote:
        raise UnsupportedYaml(f"line {lineno}: unterminated string in {text!r}")
    if current.strip():
        items.append(current)
    return [_scalar(item, lineno) for item in items]


def _value(text: str, lineno: int) -> Any:
    text = text.strip()
    if text[:1] in ("&", "*", "!", "|", ">", "{", "%", "@", "`"):
        raise UnsupportedYaml(f"line {lineno}: unsupported YAML {text!r}")
    if text.startswith("["):
        if not text.endswith("]"):
            raise UnsupportedYaml(f"line {lineno}: multi-line flow sequence")
        return _flow_sequence(text, lineno)
    return _scalar(text, lineno)


def _split_key(text: str, lineno: int) -> tuple[str, str]:
    match = re.match(r'^("[^"]*"|\'[^\']*\'|[A-Za-z0-9_.-]+):(?:\s+(.*))?$', text)
    if not match:
        raise UnsupportedYaml(f"line {lineno}: expected `key: value`, got {text!r}")
    key = match.group(1)
    return (str(_scalar(key, lineno)) if key[0] in "\"'" else key), (match.group(2) or "")


def load_yaml_subset(source: str) -> Any:
    lines: list[tuple[int, int, str]] = []  # (line number, indent, content)
    for lineno, raw in enumerate(source.splitlines(), start=1):
        if "\t" in raw[: len(raw) - len(raw.lstrip())]:
            raise UnsupportedYaml(f"line {lineno}: tab indentation")
        content = _strip_comment(raw)
        if content.strip() in ("---", "..."):
            raise UnsupportedYaml(f"line {lineno}: document markers")
        if content.strip():
            lines.append((lineno, len(content) - len(content.lstrip()), content.strip()))
    pos = 0

    def block(indent: int) -> Any:
        nonlocal pos
        is_sequence = lines[pos][2].startswith("- ") or lines[pos][2] == "-"
        result: Any = [] if is_sequence else {}
        while pos < len(lines) and lines[pos][1] == indent:
            lineno, _, text = lines[pos]
            if is_sequence != (text.startswith("- ") or text == "-"):
                raise UnsupportedYaml(f"line {lineno}: mapping and sequence mixed")
            pos += 1
            if is_sequence:
                item = text[2:].strip()
                if not item or re.match(r"^[A-Za-z0-9_.\"'-]+:(\s|$)", item):
                    raise UnsupportedYaml(f"line {lineno}: only scalar sequence items")
                result.append(_value(item, lineno))
                continue
            key, rest = _split_key(text, lineno)
            if key in result:
                raise UnsupportedYaml(f"line {lineno}: duplicate key {key!r}")
            if rest:
                result[key] = _value(rest, lineno)
            elif pos < len(lines) and (
                lines[pos][1] > indent
                or (lines[pos][1] == indent and lines[pos][2].startswith("- "))
            ):
                result[key] = block(lines[pos][1])
            else:
                result[key] = None
        if pos < len(lines) and lines[pos][1] > indent:
            raise UnsupportedYaml(f"line {lines[pos][0]}: unexpected indentation")
        return result

    if not lines:
        return None
    document = block(lines[0][1])
    if pos != len(lines):
        raise UnsupportedYaml(f"line {lines[pos][0]}: unexpected dedent")
    return document


def load_compose() -> dict[str, Any]:
    text = COMPOSE.read_text()
    try:
        import yaml  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        document = load_yaml_subset(text)
    else:
        document = yaml.safe_load(text)
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def desk_services(services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Services running `desk` (this repo's image with its own entrypoint)."""
    return {name: svc for name, svc in services.items()
            if "build" in svc and "entrypoint" not in svc}


def parse_desk(name: str, args: list[str]) -> Any:
    """Parse like `desk` would; flags must be spelled in full (argparse also takes
    prefixes, which would hide a renamed flag)."""
    parser = build_parser()
    try:
        parsed = parser.parse_args(args)
    except SystemExit as exc:
        pytest.fail(f"{name}: `desk {' '.join(args)}` is rejected by the CLI ({exc})")
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    known = subparsers.choices[args[0]]._option_string_actions
    for arg in args[1:]:
        flag = arg.split("=", 1)[0]
        if flag.startswith("--"):
            assert flag in known, f"{name}: {flag} is not a `desk {args[0]}` option"
    return parsed


def argv(svc: dict[str, Any]) -> list[str]:
    command = svc["command"]
    return shlex.split(command) if isinstance(command, str) else [str(a) for a in command]


def option(args: list[str], flag: str) -> str | None:
    return args[args.index(flag) + 1] if flag in args else None


def environment(svc: dict[str, Any]) -> dict[str, str]:
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


# --- the subset parser itself ------------------------------------------------------------


def test_parse_when_the_yaml_is_in_the_subset_then_values_keep_their_types() -> None:
    doc = load_yaml_subset(
        "a:\n  b: 1  # comment\n  c: \"x # y\"\n  d: ['p', \"q\", 3]\n  e:\n    - r\n  f:\n"
        "g:\n- s\n"
    )
    assert doc == {"a": {"b": 1, "c": "x # y", "d": ["p", "q", 3], "e": ["r"], "f": None},
                   "g": ["s"]}


@pytest.mark.parametrize("source", [
    "a: &x 1\n", "a: *x\n", "a: |\n  text\n", "a: no\n", "a: 29092:29092\n",
    "a:\n  - b: 1\n", "a: 1\na: 2\n", "a: {b: 1}\n", "a: 1.5\n", "a: 2026-11-20\n",
])
def test_parse_when_the_yaml_is_outside_the_subset_then_it_refuses(source: str) -> None:
    with pytest.raises(UnsupportedYaml):
        load_yaml_subset(source)


def test_parse_when_compose_yaml_is_read_then_the_subset_parser_can_read_it() -> None:
    # Whichever parser load_compose uses, the file stays readable without PyYAML.
    assert load_yaml_subset(COMPOSE.read_text()) == load_compose()


# --- start order and health ----------------------------------------------------------


def test_start_when_a_service_needs_kafka_or_postgres_then_it_waits_until_healthy(
    services: dict[str, dict[str, Any]],
) -> None:
    waiting = 0
    for name, svc in services.items():
        depends = svc.get("depends_on") or {}
        assert isinstance(depends, dict), f"{name}: list-form depends_on cannot wait for health"
        for dep in DEPENDENCIES:
            if dep in depends:
                waiting += 1
                assert depends[dep].get("condition") == "service_healthy", (name, dep)
    for name, svc in desk_services(services).items():
        args, depends = argv(svc), svc.get("depends_on") or {}
        if option(args, "--bootstrap"):
            assert "kafka" in depends, f"{name} uses Kafka without waiting for it"
        if (option(args, "--store") or "").startswith("postgresql://"):
            assert "postgres" in depends, f"{name} uses PostgreSQL without waiting for it"
    assert waiting >= 4  # relay and worker each wait for both


@pytest.mark.parametrize("name", DEPENDENCIES)
def test_start_when_a_dependency_runs_then_it_has_a_healthcheck(
    services: dict[str, dict[str, Any]], name: str,
) -> None:
    check = services[name].get("healthcheck")
    assert check, f"{name} has no healthcheck"
    assert not check.get("disable", False)
    test = check["test"]
    assert isinstance(test, list) and test[0] in ("CMD", "CMD-SHELL") and len(test) > 1
    command = " ".join(test[1:])
    if name == "kafka":
        assert re.search(r"kafka-(broker-api-versions|topics)\.sh", command)
        assert "--bootstrap-server localhost:9092" in command
    else:
        assert "pg_isready" in command


def test_restart_when_kafka_and_postgres_restart_then_their_data_is_in_named_volumes(
    compose: dict[str, Any], services: dict[str, dict[str, Any]],
) -> None:
    kafka_dirs = environment(services["kafka"])["KAFKA_LOG_DIRS"]
    expected = {"kafka": kafka_dirs, "postgres": "/var/lib/postgresql/data"}
    for name, target in expected.items():
        mounts = dict(v.split(":", 1) for v in services[name]["volumes"])
        volume = {dst: src for src, dst in mounts.items()}[target]
        assert volume in compose["volumes"], f"{name}: {volume} is not a named volume"


# --- scaling -------------------------------------------------------------------------


def test_scale_when_workers_are_scaled_then_no_name_or_host_port_collides(
    services: dict[str, dict[str, Any]],
) -> None:
    worker = services["worker"]
    assert "container_name" not in worker
    assert not worker.get("ports")
    assert argv(worker)[0] == "worker"


# --- commands ------------------------------------------------------------------------


def test_build_when_the_image_runs_then_its_entrypoint_is_the_desk_command() -> None:
    entrypoints = re.findall(r"^ENTRYPOINT\s+(.+)$", DOCKERFILE.read_text(), re.MULTILINE)
    assert entrypoints, "no ENTRYPOINT"
    assert json.loads(entrypoints[-1]) == ["/app/.venv/bin/desk"]


def test_run_when_compose_starts_a_desk_command_then_the_real_cli_accepts_it(
    services: dict[str, dict[str, Any]],
) -> None:
    commands = {name: argv(svc) for name, svc in desk_services(services).items()}
    assert {"relay", "worker", "demo-feed"} <= set(commands)
    for name, args in commands.items():
        assert parse_desk(name, args).command == args[0]


def test_start_when_relay_and_workers_start_then_the_topics_exist_with_the_desk_partitioning(
    services: dict[str, dict[str, Any]],
) -> None:
    # Subscribing before the topics exist makes the broker auto-create desk.log with
    # KAFKA_NUM_PARTITIONS partitions instead of one; the topics service creates them first.
    topics = services["topics"]
    code = argv(topics)[-1]
    ast.parse(code)
    call = re.search(r"ensure_topics\('([^']+)', (\d+)\)", code)
    assert call, code
    assert callable(ensure_topics)
    bootstrap, partitions = call.group(1), int(call.group(2))
    for name in ("relay", "worker"):
        svc = services[name]
        assert svc["depends_on"]["topics"]["condition"] == "service_completed_successfully"
        parsed = parse_desk(name, argv(svc))
        assert parsed.partitions == partitions, name
        assert parsed.bootstrap == bootstrap, name


def test_feed_when_the_demo_feed_decides_itself_then_workers_run_no_process_managers(
    services: dict[str, dict[str, Any]],
) -> None:
    # The embedded demo runs every process manager itself; workers doing the same on the
    # same log would be a second decider (their process_managers agent crashes on
    # StaleWrite against the embedded runtime's tracking).
    demo = parse_desk("demo-feed", argv(services["demo-feed"]))
    worker = parse_desk("worker", argv(services["worker"]))
    assert demo.runtime == "embedded"
    assert worker.no_process_managers


def test_connect_when_desk_services_start_then_they_use_the_internal_listener_and_db(
    services: dict[str, dict[str, Any]],
) -> None:
    kafka_env = environment(services["kafka"])
    advertised = dict(
        item.split("://", 1) for item in kafka_env["KAFKA_ADVERTISED_LISTENERS"].split(",")
    )
    internal = advertised[kafka_env["KAFKA_INTER_BROKER_LISTENER_NAME"]]
    pg = environment(services["postgres"])
    for name, svc in desk_services(services).items():
        args, env = argv(svc), environment(svc)
        store = urlsplit(option(args, "--store") or env["DESK_STORE"])
        assert store.scheme == "postgresql", name
        assert (store.hostname, store.port) == ("postgres", 5432), name
        assert store.username == pg["POSTGRES_USER"], name
        assert store.password == pg["POSTGRES_PASSWORD"], name
        assert store.path.lstrip("/") == pg["POSTGRES_DB"], name
        if "DESK_STORE" in env and option(args, "--store"):
            assert env["DESK_STORE"] == option(args, "--store"), name
        bootstrap = option(args, "--bootstrap")
        if bootstrap:
            assert bootstrap == internal, name
            assert env.get("KAFKA_BOOTSTRAP", bootstrap) == bootstrap, name


def test_connect_when_kafka_starts_then_every_listener_is_mapped_and_the_external_one_published(
    services: dict[str, dict[str, Any]],
) -> None:
    kafka = services["kafka"]
    env = environment(kafka)
    listeners = dict(item.split("://", 1) for item in env["KAFKA_LISTENERS"].split(","))
    advertised = dict(
        item.split("://", 1) for item in env["KAFKA_ADVERTISED_LISTENERS"].split(",")
    )
    protocols = dict(
        item.split(":", 1) for item in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(",")
    )
    controller = env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert set(listeners) == set(protocols)
    assert controller in listeners and controller not in advertised
    assert set(advertised) == set(listeners) - {controller}
    assert env["KAFKA_INTER_BROKER_LISTENER_NAME"] in advertised
    voter_id, voter = env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split("@")
    assert voter_id == env["KAFKA_NODE_ID"]
    assert voter.rsplit(":", 1)[1] == listeners[controller].rsplit(":", 1)[1]
    # "HOST:CONTAINER": a host client dials the host port and is then sent to the
    # advertised address, so both must be the host port; the container port is the
    # listener's own.
    published = dict(str(p).rsplit(":", 1)[-2:][::-1] for p in kafka.get("ports", []))
    external = [name for name, a in advertised.items() if a.startswith("localhost:")]
    assert external, "no listener advertised to the host"
    for name in external:
        container_port = listeners[name].rsplit(":", 1)[1]
        assert published.get(container_port) == advertised[name].rsplit(":", 1)[1], name
    for setting in ("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
                    "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
                    "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"):
        assert env[setting] == "1", setting


def test_run_when_no_profile_is_named_then_the_demo_feed_stays_down(
    services: dict[str, dict[str, Any]],
) -> None:
    demo = services["demo-feed"]
    assert demo.get("profiles") == ["demo"]
    args = argv(demo)
    assert args[0] == "demo"
    # --runtime kafka would start a relay and workers of its own inside the container.
    assert option(args, "--runtime") in (None, "embedded")
    profiled = {name for name, svc in services.items() if svc.get("profiles")}
    assert profiled == {"demo-feed"}


# --- the image -----------------------------------------------------------------------


def test_build_when_the_image_is_built_then_every_package_and_the_sample_data_are_in_it() -> None:
    wheel = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]
    packages = wheel["targets"]["wheel"]["packages"]
    dockerfile = DOCKERFILE.read_text()
    copied = {line.split()[1] for line in dockerfile.splitlines() if line.startswith("COPY ")}
    ignored = {line.strip().rstrip("/") for line in DOCKERIGNORE.read_text().splitlines()}
    for folder in [*packages, "data"]:
        assert folder in copied, f"{folder} is not copied into the image"
        assert folder not in ignored, f"{folder} is excluded by .dockerignore"
    assert re.search(r"uv sync --frozen --no-dev", dockerfile)


def test_run_when_the_container_starts_then_it_is_not_root() -> None:
    users = re.findall(r"^USER\s+(\S+)", DOCKERFILE.read_text(), re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
