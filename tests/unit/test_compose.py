"""compose.yaml and the Dockerfile: what an operator relies on when starting the stack.

There is no Docker engine in the test environment, so these tests read the files (the
compose file with PyYAML, a runtime dependency of the desk).
"""

from __future__ import annotations

import ast
import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from adapters.kafka.admin import ensure_topics
from cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
DEPENDENCIES = ("kafka", "postgres")


def load_compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE.read_text())
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
    """Parse like `desk` does (it takes no abbreviated flags, so a renamed flag fails)."""
    try:
        return build_parser().parse_args(args)
    except SystemExit as exc:
        pytest.fail(f"{name}: `desk {' '.join(args)}` is rejected by the CLI ({exc})")


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
        store = option(args, "--store") or environment(svc).get("DESK_STORE", "")
        if store.startswith("postgresql://"):
            assert "postgres" in depends, f"{name} uses PostgreSQL without waiting for it"
    assert waiting >= 8  # relay, worker, api and demo-feed each wait for both


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
    assert {"relay", "worker", "api", "demo-feed"} <= set(commands)
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


def test_feed_when_the_demo_feed_runs_then_the_workers_decide_on_their_own_topics(
    services: dict[str, dict[str, Any]],
) -> None:
    # One decider: the workers' process managers. The demo feed writes inputs only and
    # waits for those workers (it starts none of its own) on the topics they consume.
    demo = parse_desk("demo-feed", argv(services["demo-feed"]))
    worker = parse_desk("worker", argv(services["worker"]))
    relay = parse_desk("relay", argv(services["relay"]))
    assert demo.runtime == "kafka" and demo.workers == 0
    assert not worker.no_process_managers
    assert demo.namespace == worker.namespace == relay.namespace
    assert demo.partitions == worker.partitions == relay.partitions


def test_serve_when_the_stack_is_up_then_the_api_serves_the_workers_views_on_a_host_port(
    services: dict[str, dict[str, Any]],
) -> None:
    api = services["api"]
    served = parse_desk("api", argv(api))
    assert served.command == "serve" and served.runtime == "kafka" and not served.demo
    assert served.host == "0.0.0.0"
    published = [str(p).rsplit(":", 1) for p in api["ports"]]
    assert [host_and_port[-1] for host_and_port in published] == [str(served.port)]
    assert "DESK_API_TOKENS" in environment(api)  # no token file baked into the image
    assert "/health" in " ".join(api["healthcheck"]["test"])
    for dep in ("kafka", "postgres"):
        assert api["depends_on"][dep]["condition"] == "service_healthy"


def test_start_when_a_desk_service_starts_then_no_secret_is_on_its_command_line(
    services: dict[str, dict[str, Any]],
) -> None:
    # A process's argv is readable by every user of the host (`ps`): the store URL carries
    # the database password, so it travels in DESK_STORE.
    for name, svc in desk_services(services).items():
        args = argv(svc)
        assert option(args, "--store") is None, name
        assert not any("://" in a and "@" in a for a in args), name
        assert environment(svc)["DESK_STORE"].startswith("postgresql://"), name


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
