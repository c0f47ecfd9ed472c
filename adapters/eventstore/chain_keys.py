"""Where the chain key and the checkpoint key come from: owner-only files or the environment.

`DESK_CHAIN_KEY_FILE` names a file with one secret a line (blank lines and `#` comments
ignored): the LAST line signs new links, every line verifies old ones, so a key is rotated
by appending a new line and keeping the old ones. `DESK_CHAIN_KEY` holds one secret instead.
A key file readable by group or others is refused: a key anyone can read proves nothing.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from adapters.eventstore.chain import ChainKey, key_id_of

CHAIN_KEY_FILE_ENV = "DESK_CHAIN_KEY_FILE"
CHAIN_KEY_ENV = "DESK_CHAIN_KEY"
MIN_SECRET_BYTES = 32


class KeyFileError(ValueError):
    """A key that cannot be used: unreadable, too open, too short (never names the secret)."""


def read_owner_only(path: Path, what: str) -> bytes:
    """The bytes of a secret file, refused when group or others may read or write it."""
    try:
        mode = path.stat().st_mode
    except OSError as e:
        raise KeyFileError(f"{what} {path}: {e.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(
            f"{what} {path} is readable or writable by group/others "
            f"(mode {stat.S_IMODE(mode):o}); run `chmod 600 {path}`")
    return path.read_bytes()


@dataclass(frozen=True)
class ChainKeyring:
    """The key that signs new links (`current`) and every key that verifies old ones."""

    current: ChainKey
    known: dict[str, ChainKey] = field(default_factory=dict)

    def get(self, key_id: str) -> ChainKey | None:
        return self.known.get(key_id)


def _keyring(secrets: list[bytes], source: str) -> ChainKeyring:
    if not secrets:
        raise KeyFileError(f"{source}: no key in it")
    for secret in secrets:
        if len(secret) < MIN_SECRET_BYTES:
            raise KeyFileError(f"{source}: a key is shorter than {MIN_SECRET_BYTES} bytes")
    keys = [ChainKey(key_id_of(s), s) for s in secrets]
    return ChainKeyring(keys[-1], {k.key_id: k for k in keys})


def chain_keyring(environ: Mapping[str, str] | None = None) -> ChainKeyring | None:
    """The chain keys configured in the environment, or None when the chain is unkeyed."""
    env = os.environ if environ is None else environ
    if path := env.get(CHAIN_KEY_FILE_ENV):
        text = read_owner_only(Path(path), "chain key file")
        lines = [ln.strip() for ln in text.splitlines()]
        return _keyring([ln for ln in lines if ln and not ln.startswith(b"#")],
                        f"chain key file {path}")
    if secret := env.get(CHAIN_KEY_ENV):
        return _keyring([secret.strip().encode()], f"${CHAIN_KEY_ENV}")
    return None
