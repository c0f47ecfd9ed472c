"""Run the real `desk` console command in a subprocess; a headless Chromium for pages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from tests.conftest import service_unavailable

DESK = str(Path(sys.executable).with_name("desk"))
CHROMIUM = Path("/usr/bin/chromium")


# The desk's operators in these tests (`$DESK_API_TOKENS`), as `desk serve` would know them:
# commands that change the desk run as one of them (`$DESK_TOKEN`), by default desk-admin.
OPERATORS = {
    "desk-admin": ("admin", "desk-admin-token-0123456789"),
    "asha": ("admin", "asha-admin-token-0123456789"),
    "ada": ("admin", "ada-admin-token-0123456789"),
    "meera": ("admin", "meera-admin-token-0123456789"),
    "ravi": ("admin", "ravi-admin-token-0123456789"),
    "amy": ("approver", "amy-approver-token-0123456789"),
    "vic": ("viewer", "vic-viewer-token-0123456789"),
}
TOKENS_SPEC = ",".join(f"{name}:{role}:{token}" for name, (role, token) in OPERATORS.items())


class DeskCli:
    def __init__(self, cwd: Path, operator: str | None = "desk-admin") -> None:
        self.cwd = cwd
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("DESK_STORE", "DESK_TOKEN", "DESK_API_TOKENS")}
        self.env["DESK_API_TOKENS"] = TOKENS_SPEC
        if operator is not None:
            self.env["DESK_TOKEN"] = OPERATORS[operator][1]

    def as_operator(self, operator: str | None) -> DeskCli:
        """The same CLI run by `operator` (None: with no operator token at all)."""
        return DeskCli(self.cwd, operator)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [DESK, *args], cwd=self.cwd, env=self.env, capture_output=True, text=True,
            timeout=300,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"desk {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
            )
        return proc

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--json").stdout)

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [DESK, *args], cwd=self.cwd, env=self.env, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True,
        )


@pytest.fixture
def desk(tmp_path: Path) -> DeskCli:
    return DeskCli(tmp_path)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium (the system's, as CI installs it) for a module's page tests."""
    if not CHROMIUM.exists():
        service_unavailable(f"{CHROMIUM} is missing (scripts/install-system-deps.sh installs it)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()


def open_offline(browser: Browser, page_file: Path) -> tuple[Page, list[str]]:
    """A page opened from disk with every request that is not for a file refused; the
    refused addresses are listed (a self-contained page leaves the list empty)."""
    page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    outside: list[str] = []

    def only_files(route: Route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_files)
    page.goto(page_file.as_uri())
    return page, outside
