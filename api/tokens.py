"""Bearer tokens and roles: configured as `name:role:token`, kept only as SHA-256 hashes.

Roles are ordered viewer < approver < admin; a role may do whatever a lower one may. The
`ingest` role sits below viewer: it may only send news to the ingest webhook. A
presented token is hashed and compared with every known hash in constant time, so neither
the match nor its position in the list shows in the timing. Tokens are never logged or
printed by this module; `generate` is for `desk serve --demo`, which prints them once.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

ENV_VAR = "DESK_API_TOKENS"
MIN_TOKEN_LENGTH = 16
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class Role(IntEnum):
    """What a token may do; each role includes the ones below it."""

    INGEST = 0  # may only post news and filings to the ingest webhook
    VIEWER = 1
    APPROVER = 2
    ADMIN = 3

    @property
    def label(self) -> str:
        """The role's name as written in token files and shown to users."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Role:
        """A role from its label, case-insensitive; `TokenConfigError` when unknown."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise TokenConfigError(
                f"unknown role {text!r}: expected ingest, viewer, approver or admin") from None


class TokenConfigError(ValueError):
    """The token configuration cannot be used (the message never contains a token)."""


@dataclass(frozen=True)
class Operator:
    """Who a request comes from: the token's name and role."""

    name: str
    role: Role

    @property
    def actor(self) -> str:
        """The actor recorded for this operator's commands."""
        return f"operator:{self.name}"


def _digest(token: str) -> bytes:
    # surrogateescape: a header's undecodable bytes arrive as lone surrogates; they must
    # hash (to no known token), never raise.
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).digest()


class Tokens:
    """The known tokens, as hashes only."""

    def __init__(self, entries: list[tuple[str, Role, str]]) -> None:
        self._hashes: list[tuple[bytes, Operator]] = []
        names: set[str] = set()
        for name, role, token in entries:
            if not _NAME.match(name):
                raise TokenConfigError(f"bad token name {name!r}: letters, digits, _ . -")
            if name in names:
                raise TokenConfigError(f"token name {name!r} given twice")
            if len(token) < MIN_TOKEN_LENGTH:
                raise TokenConfigError(
                    f"token for {name!r} is shorter than {MIN_TOKEN_LENGTH} characters")
            digest = _digest(token)
            if any(hmac.compare_digest(digest, known) for known, _ in self._hashes):
                raise TokenConfigError(f"token for {name!r} is the same as another's")
            names.add(name)
            self._hashes.append((digest, Operator(name, role)))

    def __len__(self) -> int:
        return len(self._hashes)

    def __repr__(self) -> str:
        return f"Tokens({', '.join(f'{o.name}:{o.role.label}' for _, o in self._hashes)})"

    def operators(self) -> list[Operator]:
        """Every configured operator (names and roles, no tokens)."""
        return [operator for _, operator in self._hashes]

    def verify(self, token: str) -> Operator | None:
        """The operator holding `token`, or None; compares against every hash."""
        digest = _digest(token)
        found: Operator | None = None
        for known, operator in self._hashes:
            if hmac.compare_digest(digest, known):
                found = operator
        return found


def parse(spec: str) -> Tokens:
    """`name:role:token` entries separated by commas or newlines; `#` starts a comment."""
    entries = []
    for raw in re.split(r"[,\n]", spec):
        item = raw.strip()
        if not item or item.startswith("#"):
            continue
        parts = item.split(":", 2)
        if len(parts) != 3 or not parts[2]:
            name = parts[0] if len(parts) > 1 else "?"
            raise TokenConfigError(f"token entry for {name!r} is not name:role:token")
        name, role, token = parts
        entries.append((name.strip(), Role.parse(role), token.strip()))
    return Tokens(entries)


def load(path: Path | None = None) -> Tokens | None:
    """Tokens from `path`, else from `$DESK_API_TOKENS`; None when neither is set."""
    if path is not None:
        check_private(path)
        return parse(path.read_text())
    spec = os.environ.get(ENV_VAR, "")
    return parse(spec) if spec.strip() else None


def check_private(path: Path) -> None:
    """Refuse (`TokenConfigError`) a token file others on this machine could read or write."""
    mode = path.stat().st_mode & 0o777
    if os.name == "posix" and mode & 0o077:
        raise TokenConfigError(
            f"token file {path} is open to group or others (mode {mode:04o}); "
            f"make it owner-only: chmod 600 {path}")


def generate(names: dict[str, Role]) -> tuple[Tokens, dict[str, str]]:
    """Fresh random tokens for `names`; the plain tokens are returned once, to be shown."""
    plain = {name: secrets.token_urlsafe(24) for name in names}
    return Tokens([(name, role, plain[name]) for name, role in names.items()]), plain
