"""A real desk for tests that drive it from outside: the sample store seeded up to a desk
time, its API in-process (`ServedApi`), and `desk serve` run on it in a subprocess on a
free loopback port."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any, Self

import httpx

from adapters.files.sample import SAMPLE_DIR, load_instruments
from api.app import create_app
from api.context import STATE
from api.server import start
from api.tokens import Role, parse
from streams.bootstrap import AnyDesk, bootstrap, wall_clock
from streams.feed import feed_day, sample_day

INSTRUMENTS = load_instruments(SAMPLE_DIR / "instruments.csv")
REPO = Path(__file__).resolve().parents[1]
# Seeded to here, three BAJAJ-AUTO buyback cards (13:31, expiring 13:51) wait for a human.
WAITING = ("card-sip-aggressive-buyback-BAJAJ-AUTO-20261120",
           "card-event-tactical-buyback-BAJAJ-AUTO-20261120",
           "card-income-conservative-buyback-BAJAJ-AUTO-20261120")


def seed_sample_day(db: Path, hour: int = 13, minute: int = 35) -> Path:
    """The sample accounts and the sample day up to hour:minute IST, fed with no approver."""
    desk = bootstrap(f"sqlite:///{db}", INSTRUMENTS, clock=wall_clock)
    day = sample_day(SAMPLE_DIR)
    feed_day(desk.runtime, desk.store, day, "operator:setup", desk.clock,
             until=day.day.replace(hour=hour, minute=minute))
    desk.store.close()
    return db


def copy_store(db: Path, into: Path) -> Path:
    """A copy of a SQLite store (with its write-ahead log) in `into`."""
    for suffix in ("", "-wal", "-shm"):
        source = db.with_name(db.name + suffix)
        if source.exists():
            shutil.copy(source, into / source.name)
    return into / db.name


class ServedApi:
    """A desk's API on a free loopback port, run in a thread of its own; `tokens` maps a
    name to its role and token."""

    def __init__(self, desk: AnyDesk, tokens: dict[str, tuple[Role, str]],
                 **app_options: Any) -> None:
        self.desk = desk
        self.named_tokens = tokens
        self.tokens = parse(",".join(f"{n}:{r.label}:{t}" for n, (r, t) in tokens.items()))
        self.app = create_app(desk, self.tokens, **app_options)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        self.runner, port = asyncio.run_coroutine_threadsafe(
            start(self.app, "127.0.0.1", 0), self._loop).result(10)
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self._loop).result(15)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self.app[STATE].gate.close()
        self.desk.store.close()

    def client(self, name: str | None = None, token: str | None = None) -> httpx.Client:
        headers = {}
        if name is not None:
            headers["Authorization"] = f"Bearer {self.named_tokens[name][1]}"
        if token is not None:
            headers["Authorization"] = token
        # Plain HTTP on loopback: no TLS context to build for every client.
        return httpx.Client(base_url=self.url, headers=headers, timeout=10, verify=False)

    def head(self) -> int:
        return self.desk.store.head()


class DeskServer:
    """`desk serve` in a subprocess; `url` once it says where it serves."""

    def __init__(self, db: Path, tokens: dict[str, tuple[str, str]], *args: str,
                 cwd: Path = REPO) -> None:
        token_file = db.with_name("tokens.txt")
        token_file.write_text("".join(f"{n}:{role}:{t}\n" for n, (role, t) in tokens.items()))
        token_file.chmod(0o600)  # desk serve refuses a token file others could read
        env = {k: v for k, v in os.environ.items() if k not in ("DESK_API_TOKENS", "DESK_STORE")}
        self.log = db.with_name("serve.log").open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--port", "0", "--store",
             f"sqlite:///{db}", "--tokens", str(token_file), *args],
            stdout=subprocess.PIPE, stderr=self.log, text=True, env=env, cwd=cwd,
        )
        self.url = self._address(self.proc.stdout)

    def _address(self, out: IO[str] | None) -> str:
        assert out is not None
        for line in out:
            if line.startswith("serving "):
                return line.split()[1].rstrip("/")
        self.stop()
        raise AssertionError(f"desk serve exited {self.proc.returncode} without serving; "
                             f"see {self.log.name}")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)
        self.log.close()
