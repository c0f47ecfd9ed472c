"""When the relay signs a checkpoint: a new position, no more often than asked, and once more
on the way out."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.eventstore.store import DeskStore
from adapters.kafka.checkpoints import CheckpointSigner


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _signer(tmp_path: Path, clock: _Clock) -> CheckpointSigner:
    store = DeskStore(f"sqlite:///{tmp_path / 'desk.db'}")
    return CheckpointSigner(store, Ed25519PrivateKey.generate(), None, every=10.0, clock=clock)


def test_due_when_nothing_signed_yet_then_the_first_position_is_due(tmp_path: Path) -> None:
    assert _signer(tmp_path, _Clock()).due(5)


def test_due_when_signed_recently_then_waits_for_the_interval_unless_stopping(
    tmp_path: Path,
) -> None:
    clock = _Clock()
    signer = _signer(tmp_path, clock)
    signer.signed_position, signer._last = 5, clock.now

    clock.now += 9.0
    early, final = signer.due(8), signer.due(8, final=True)
    clock.now += 1.0

    assert (early, final, signer.due(8)) == (False, True, True)


def test_due_when_the_position_was_signed_already_then_not_even_on_stop(tmp_path: Path) -> None:
    clock = _Clock()
    signer = _signer(tmp_path, clock)
    signer.signed_position = 8

    clock.now += 60.0

    assert not signer.due(8) and not signer.due(8, final=True) and not signer.due(3)
