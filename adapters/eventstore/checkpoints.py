"""Signed checkpoints of the chain head, kept outside the store.

A checkpoint says "on <store>, at <time>, the log's head was <position> with link <head>"
and is signed with an Ed25519 key that is not in the database. It is appended to a
checkpoint file (`DESK_CHECKPOINT_FILE`, default `.desk/checkpoints.jsonl`) and printed for
an operator to keep elsewhere; `desk replay verify` checks the log against the newest one,
so a truncated tail or a re-chained edit before it cannot pass. The private key comes from
`DESK_CHECKPOINT_KEY_FILE` (PEM, owner-only); a machine that only verifies may hold just the
public key (`DESK_CHECKPOINT_PUBLIC_KEY_FILE`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from adapters.eventstore.chain_keys import KeyFileError, read_owner_only

CHECKPOINT_KEY_FILE_ENV = "DESK_CHECKPOINT_KEY_FILE"
CHECKPOINT_PUBLIC_KEY_FILE_ENV = "DESK_CHECKPOINT_PUBLIC_KEY_FILE"
CHECKPOINT_FILE_ENV = "DESK_CHECKPOINT_FILE"
DEFAULT_CHECKPOINT_FILE = ".desk/checkpoints.jsonl"


class CheckpointError(ValueError):
    """A checkpoint text that cannot be read."""


@dataclass(frozen=True)
class Checkpoint:
    """The signed claim: on `store` at `at` the head was `position` with link `head`."""

    store: str
    position: int
    head: str
    at: str  # ISO 8601, UTC
    key: str  # fingerprint of the public key that signed it
    signature: str = ""  # base64 Ed25519 signature over `signed_bytes`

    def signed_bytes(self) -> bytes:
        fields = {k: v for k, v in asdict(self).items() if k != "signature"}
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()

    def text(self) -> str:
        """One line of JSON: what the file holds and what an operator keeps elsewhere."""
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))


def parse_checkpoint(text: str) -> Checkpoint:
    """A checkpoint from its text (`Checkpoint.text`); `CheckpointError` says what is wrong."""
    try:
        raw = json.loads(text)
        cp = Checkpoint(store=str(raw["store"]), position=int(raw["position"]),
                        head=str(raw["head"]), at=str(raw["at"]), key=str(raw["key"]),
                        signature=str(raw["signature"]))
    except (ValueError, TypeError, KeyError) as e:
        raise CheckpointError(f"not a checkpoint: {type(e).__name__} {e}") from None
    return cp


def fingerprint(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign(private: Ed25519PrivateKey, store: str, position: int, head: str,
         at: datetime) -> Checkpoint:
    """A checkpoint of (`position`, `head`) on `store` at `at`, signed."""
    unsigned = Checkpoint(store, position, head, at.isoformat(),
                          fingerprint(private.public_key()))
    signature = base64.b64encode(private.sign(unsigned.signed_bytes())).decode()
    return Checkpoint(**{**asdict(unsigned), "signature": signature})


def signed_by(cp: Checkpoint, public: Ed25519PublicKey) -> bool:
    """Whether `cp` carries a valid signature by `public` over exactly its fields."""
    try:
        public.verify(base64.b64decode(cp.signature, validate=True), cp.signed_bytes())
    except (InvalidSignature, ValueError):
        return False
    return True


def private_key(environ: Mapping[str, str] | None = None) -> Ed25519PrivateKey | None:
    """The checkpoint signing key of `DESK_CHECKPOINT_KEY_FILE`, or None when not set."""
    env = os.environ if environ is None else environ
    path = env.get(CHECKPOINT_KEY_FILE_ENV)
    if not path:
        return None
    pem = read_owner_only(Path(path), "checkpoint key file")
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        raise KeyFileError(f"checkpoint key file {path}: not an unencrypted PEM key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"checkpoint key file {path}: not an Ed25519 key")
    return key


def public_key(environ: Mapping[str, str] | None = None) -> Ed25519PublicKey | None:
    """The key checkpoints are checked with: the public file's, else the private key's."""
    env = os.environ if environ is None else environ
    path = env.get(CHECKPOINT_PUBLIC_KEY_FILE_ENV)
    if path:
        try:
            key = serialization.load_pem_public_key(Path(path).read_bytes())
        except (OSError, ValueError) as e:
            raise KeyFileError(f"checkpoint public key file {path}: {e}") from None
        if not isinstance(key, Ed25519PublicKey):
            raise KeyFileError(f"checkpoint public key file {path}: not an Ed25519 key")
        return key
    private = private_key(env)
    return private.public_key() if private is not None else None


def checkpoint_file(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get(CHECKPOINT_FILE_ENV) or DEFAULT_CHECKPOINT_FILE)


def append(path: Path, cp: Checkpoint) -> None:
    """Append `cp` to the checkpoint file (created owner-only), flushed to disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (cp.text() + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def latest(path: Path, store: str) -> Checkpoint | None:
    """The newest readable checkpoint of `store` in the file (None: none, or no file)."""
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return None
    for line in reversed(lines):
        try:
            cp = parse_checkpoint(line)
        except CheckpointError:
            continue
        if cp.store == store:
            return cp
    return None


def new_private_key_pem() -> bytes:
    """A fresh Ed25519 signing key as unencrypted PKCS#8 PEM."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())


def public_pem(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
