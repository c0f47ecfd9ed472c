"""Broker secrets (API keys, secrets, tokens): from the environment or from a file only its
owner can read, never from argv, never logged.

`NAME` holds the secret itself; `NAME_FILE` names a file holding it. A file others can read
is refused, as `ssh` refuses a readable private key.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path


class CredentialError(ValueError):
    """A secret is missing or unsafely stored; the message names the variable, not the value."""


def read_secret(name: str, environ: Mapping[str, str] = os.environ) -> str:
    """The secret `name` from `$NAME`, else from the owner-only file `$NAME_FILE`."""
    value = environ.get(name, "").strip()
    if value:
        return value
    path = environ.get(f"{name}_FILE", "").strip()
    if not path:
        raise CredentialError(f"{name} is not set (set {name}, or {name}_FILE to an "
                              "owner-only file holding it)")
    return read_secret_file(Path(path), name)


def read_secret_file(path: Path, name: str = "secret") -> str:
    """A secret kept in a file readable and writable by its owner only (mode 0600)."""
    try:
        mode = path.stat().st_mode
    except OSError as e:
        raise CredentialError(f"{name}: cannot read {path} ({e.strerror})") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CredentialError(f"{name}: {path} is readable by others "
                              f"(mode {stat.S_IMODE(mode):o}); chmod 600 it")
    value = path.read_text().strip()
    if not value:
        raise CredentialError(f"{name}: {path} is empty")
    return value


def write_secret_file(path: Path, value: str) -> None:
    """Store a secret (e.g. a day's access token) so only its owner can read it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value)
    os.chmod(path, 0o600)  # an existing file keeps its old mode through O_CREAT
