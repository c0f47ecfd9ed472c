"""A single-node Apache Kafka broker (KRaft) run from Maven Central jars, no Docker.

The jars come from `devtools.kafka_jars`; ``python -m devtools.local_kafka --fetch-only``
warms their cache.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import concurrent.futures
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError as AIOKafkaError

from adapters.kafka.topics import DEFAULT_PARTITIONS
from devtools.jvm import is_our_jvm
from devtools.kafka_jars import KAFKA_VERSION, KafkaBrokerError, ensure_jars, require_tool
from devtools.service import free_port, log_tail

STATE_FILE = "state.json"
PID_FILE = "kafka.pid"
LOG_FILE = "kafka.log"


def port_is_free(port: int) -> bool:
    """Return True when nothing is bound to 127.0.0.1:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _port_open(port: int) -> bool:
    """Return True when something accepts TCP connections on 127.0.0.1:port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _run_coro(coro: Coroutine[Any, Any, bool]) -> bool:
    """Run a coroutine to completion even when called from inside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _broker_answers(bootstrap: str) -> bool:
    """Return True when a Kafka client can bootstrap and sees a registered broker."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    try:
        await admin.start()
        cluster = await admin.describe_cluster()
        return bool(cluster.get("brokers"))
    except (AIOKafkaError, OSError):
        return False
    finally:
        await admin.close()


@dataclass
class ExternalKafka:
    """A broker started elsewhere (env, container); only its address is known."""

    bootstrap: str


class LocalKafkaBroker:
    """One KRaft broker+controller JVM whose config, logs and state live in ``data_dir``.

    The JVM runs detached (own session), so a later process can stop it via the state
    file: ``LocalKafkaBroker.from_state(data_dir).stop()``.
    """

    def __init__(
        self,
        data_dir: Path | str,
        port: int | None = None,
        controller_port: int | None = None,
        partitions: int = DEFAULT_PARTITIONS,
        version: str = KAFKA_VERSION,
        heap: str = "512m",
    ) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.port = port
        self.controller_port = controller_port
        self.partitions = partitions
        self.version = version
        self.heap = heap
        self.pid: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    @classmethod
    def from_state(cls, data_dir: Path | str) -> LocalKafkaBroker | None:
        """Rebuild a broker handle from ``data_dir``'s state file, if there is one."""
        path = Path(data_dir) / STATE_FILE
        if not path.exists():
            return None
        state = json.loads(path.read_text())
        broker = cls(
            data_dir,
            port=state["port"],
            controller_port=state["controller_port"],
            partitions=state.get("partitions", DEFAULT_PARTITIONS),
            version=state["version"],
        )
        broker.pid = state.get("pid")
        return broker

    @property
    def bootstrap(self) -> str:
        """Bootstrap address ``127.0.0.1:PORT``; set once ports are chosen."""
        if self.port is None:
            raise KafkaBrokerError("broker has no port yet: call start() first")
        return f"127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        """The JVM's stdout/stderr log."""
        return self.data_dir / LOG_FILE

    @property
    def _props_path(self) -> Path:
        return self.data_dir / "server.properties"

    def start(self, timeout: float = 120.0) -> None:
        """Fetch jars if needed, format storage once, launch, and wait until it serves."""
        if self.is_running():
            self._wait_ready(timeout)
            return
        libs = ensure_jars(self.version)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._choose_ports()
        self._write_config()
        if not (self.data_dir / "kraft" / "meta.properties").exists():
            self._format_storage(libs)
        self._launch(libs)
        try:
            self._wait_ready(timeout)
        except KafkaBrokerError:
            self.kill()
            raise

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM the broker's process group; SIGKILL it if still alive after ``timeout``."""
        if self.is_running():
            self._signal_group(signal.SIGTERM)
            if not self._wait_exit(timeout):
                self._signal_group(signal.SIGKILL)
                self._wait_exit(10.0)
        self._forget_process()

    def kill(self) -> None:
        """SIGKILL the broker (simulates a crash); data dir and ports are kept."""
        if self.is_running():
            self._signal_group(signal.SIGKILL)
            self._wait_exit(10.0)
        self._forget_process()

    def restart(self, timeout: float = 120.0) -> None:
        """Stop (if running) and start again on the same data dir and ports."""
        self.stop()
        self.start(timeout)

    def is_running(self) -> bool:
        """Return True while this data dir's broker JVM is alive."""
        if self._proc is not None:
            return self._proc.poll() is None
        if self.pid is None:
            return False
        return is_our_jvm(self.pid, self._props_path)

    def _choose_ports(self) -> None:
        """Pick free ports where none were given; refuse ports already taken."""
        if self.port is None:
            self.port = free_port(exclude=self.controller_port)
        if self.controller_port is None:
            self.controller_port = free_port(exclude=self.port)
        for port in (self.port, self.controller_port):
            if not port_is_free(port):
                raise KafkaBrokerError(f"port {port} on 127.0.0.1 is already in use")

    def _write_config(self) -> None:
        """Write server.properties and log4j.properties into the data dir."""
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{self.controller_port}",
            "listeners": (
                f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}"
            ),
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(self.data_dir / "kraft"),
            "num.partitions": str(self.partitions),
            "default.replication.factor": "1",
            "auto.create.topics.enable": "true",
            "offsets.topic.replication.factor": "1",
            # One partition each: creating 50 offsets partitions slows the first group join.
            "offsets.topic.num.partitions": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "1",
            "group.initial.rebalance.delay.ms": "0",
            "log.retention.hours": "168",
            # Default 128 MiB would take a quarter of the small heap.
            "log.cleaner.dedupe.buffer.size": str(16 * 1024 * 1024),
            "num.network.threads": "2",
            "num.io.threads": "4",
            # After a SIGKILL the controller rejects the restarted broker until the old
            # registration's session expires (default 9 s); a short session keeps
            # kill()+restart() fast.
            "broker.session.timeout.ms": "4000",
            "broker.heartbeat.interval.ms": "1000",
            "controlled.shutdown.enable": "true",
            "controlled.shutdown.max.retries": "1",
            "controlled.shutdown.retry.backoff.ms": "500",
        }
        self._props_path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        (self.data_dir / "log4j.properties").write_text(
            "log4j.rootLogger=INFO, stdout\n"
            "log4j.appender.stdout=org.apache.log4j.ConsoleAppender\n"
            "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout\n"
            "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
            "log4j.logger.kafka.request.logger=WARN\n"
            "log4j.logger.state.change.logger=WARN\n"
        )

    def _java(self, libs: Path, heap: str, main: str, *args: str) -> list[str]:
        """Build a java command line for one of Kafka's main classes."""
        return [
            require_tool("java"),
            f"-Xmx{heap}",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true",
            f"-Dlog4j.configuration=file:{self.data_dir / 'log4j.properties'}",
            "-cp",
            f"{libs}/*",
            main,
            *args,
        ]

    def _format_storage(self, libs: Path) -> None:
        """Format the KRaft log dir with a fresh cluster id (Kafka's base64url UUID)."""
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        cmd = self._java(
            libs,
            "256m",
            "kafka.tools.StorageTool",
            "format",
            # One token: a base64url id may start with '-', which argparse reads as a flag.
            f"--cluster-id={cluster_id}",
            "-c",
            str(self._props_path),
            "--ignore-formatted",
        )
        result = subprocess.run(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
        )
        if result.returncode != 0:
            raise KafkaBrokerError(f"kafka StorageTool format failed:\n{result.stdout}")

    def _launch(self, libs: Path) -> None:
        """Start the JVM detached in its own session, logging to the data dir."""
        cmd = self._java(libs, self.heap, "kafka.Kafka", str(self._props_path))
        with self.log_path.open("ab") as log:
            log.write(f"=== eventdesk: starting broker at {time.ctime()} ===\n".encode())
            log.flush()
            self._proc = subprocess.Popen(
                cmd,
                cwd=self.data_dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pid = self._proc.pid
        (self.data_dir / PID_FILE).write_text(f"{self.pid}\n")
        self._save_state()

    def _wait_ready(self, timeout: float) -> None:
        """Poll until a client sees the broker; fail fast if the JVM dies."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.is_running():
                raise KafkaBrokerError(
                    f"Kafka broker exited during start\n--- {self.log_path} ---\n"
                    f"{log_tail(self.log_path)}"
                )
            # A plain TCP check first keeps aiokafka from logging connection errors.
            if _port_open(self.port or 0) and _run_coro(_broker_answers(self.bootstrap)):
                return
            if time.monotonic() > deadline:
                raise KafkaBrokerError(
                    f"Kafka broker at {self.bootstrap} not ready after {timeout:.0f}s\n"
                    f"--- {self.log_path} ---\n{log_tail(self.log_path)}"
                )
            time.sleep(0.25)

    def _signal_group(self, sig: signal.Signals) -> None:
        """Signal the broker's process group (its pid, as it leads its own session)."""
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, sig)

    def _wait_exit(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the JVM to exit; True if it did."""
        deadline = time.monotonic() + timeout
        while self.is_running():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def _forget_process(self) -> None:
        """Drop the pid (keeping ports in the state file for a later restart)."""
        self.pid = None
        self._proc = None
        (self.data_dir / PID_FILE).unlink(missing_ok=True)
        if self.port is not None and self.data_dir.exists():
            self._save_state()

    def _save_state(self) -> None:
        """Persist pid, ports and version so another process can manage the broker."""
        state = {
            "pid": self.pid,
            "port": self.port,
            "controller_port": self.controller_port,
            "version": self.version,
            "partitions": self.partitions,
        }
        (self.data_dir / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``--fetch-only`` warms the jar cache and prints the libs dir."""
    parser = argparse.ArgumentParser(prog="python -m devtools.local_kafka")
    parser.add_argument("--fetch-only", action="store_true", help="only fetch the jars")
    parser.add_argument("--kafka-version", default=KAFKA_VERSION)
    args = parser.parse_args(argv)
    if not args.fetch_only:
        parser.print_help()
        return 2
    try:
        print(ensure_jars(args.kafka_version))
    except KafkaBrokerError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
