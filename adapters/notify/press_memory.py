"""Chat presses already handled, remembered in an owner-only file so a replay is refused
even after a restart.

Each handled press id is appended as one line, `<expiry epoch seconds> <id>`, and synced
before the press is acted on. A press is remembered until its expiry: past it, the
channel refuses the replay anyway (Discord's signed timestamp goes stale after minutes),
so forgetting it then is safe. Loading drops expired lines; when expired lines outnumber
the live ones the file is rewritten (to a temporary file, then renamed over it).
"""

from __future__ import annotations

import os
import re
import stat
import time
from collections.abc import Callable
from pathlib import Path

from adapters.notify.secrets import NotifyConfigError

_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
OWNER_ONLY = 0o600


class PressFile:
    """Presses handled in the last `keep_seconds`, in memory and in the file at `path`."""

    def __init__(
        self, path: Path, keep_seconds: float, now: Callable[[], float] = time.time
    ) -> None:
        self.path = path
        self.keep_seconds = keep_seconds
        self.now = now
        self._expiry: dict[str, float] = {}
        self._lines = 0
        self._torn = False  # the file ends mid-line (a crash while appending)
        self._load()

    def first_time(self, press_id: str) -> bool:
        """Whether this press is new (remembering it durably); a replayed press, or an id
        that cannot be a press, is not."""
        if not _ID.match(press_id):
            return False
        now = self.now()
        if self._expiry.get(press_id, 0.0) > now:
            return False
        expires = now + self.keep_seconds
        self._expiry[press_id] = expires
        self._append(f"{expires:.0f} {press_id}\n")
        if self._lines > 2 * max(len(self._live(now)), 64):
            self._rewrite(now)
        return True

    def _live(self, now: float) -> dict[str, float]:
        return {k: v for k, v in self._expiry.items() if v > now}

    def _load(self) -> None:
        try:
            mode = self.path.stat().st_mode
        except FileNotFoundError:
            return
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise NotifyConfigError(f"replay file {self.path} must be owner-only (0600)")
        now, text = self.now(), self.path.read_text()
        self._torn = bool(text) and not text.endswith("\n")
        for line in text.splitlines():
            self._lines += 1
            expiry, _, press = line.partition(" ")
            try:
                at = float(expiry)
            except ValueError:
                continue  # a torn last line after a crash: the rest still counts
            if at > now and _ID.match(press):
                self._expiry[press] = max(at, self._expiry.get(press, 0.0))
        self._expiry = self._live(now)

    def _append(self, line: str) -> None:
        if self._torn:  # end the torn line first, so this one parses on the next load
            line, self._torn = "\n" + line, False
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, OWNER_ONLY)
        try:
            os.write(fd, line.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        self._lines += 1

    def _rewrite(self, now: float) -> None:
        self._expiry = self._live(now)
        temporary = self.path.with_name(self.path.name + ".new")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, OWNER_ONLY)
        try:
            os.write(fd, "".join(f"{v:.0f} {k}\n" for k, v in self._expiry.items()).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, self.path)
        self._lines = len(self._expiry)
