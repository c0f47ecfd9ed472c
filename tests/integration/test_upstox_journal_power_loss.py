"""The Upstox GTT journal after a power loss: only what was synced to disk survives. The
intent (desk id + fingerprint) is synced before the GTT is sent; the tie to Upstox's GTT id
is not, and a restarted adapter finds the GTT again by its fingerprint instead of placing a
second one (the argument is in adapters/brokers/upstox/journal.py)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from adapters.brokers.upstox import UpstoxVenue
from devtools.venues.upstox import FakeUpstox
from tests.integration.test_upstox_adapter import DESK_ID, bracket, run


class Disk:
    """What each sync of the journal put on disk, and how many GTTs Upstox held by then."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.fake: FakeUpstox | None = None
        self.syncs: list[tuple[str, int]] = []
        real: Callable[[int], None] = os.fsync

        def fsync(fd: int) -> None:
            target = Path(os.readlink(f"/proc/self/fd/{fd}"))
            if target.name == "gtt-journal.json":
                held = self.fake.bracket_count() if self.fake else 0
                self.syncs.append((target.read_text(), held))
            real(fd)

        monkeypatch.setattr(os, "fsync", fsync)

    def lose_power(self, venue: UpstoxVenue) -> None:
        """Cut the journal back to what its last sync put on disk."""
        synced = self.syncs[-1][0] if self.syncs else ""
        venue.config.journal_path.write_text(synced)


def test_place_when_the_gtt_goes_out_then_its_intent_was_on_disk_before_upstox_held_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = Disk(monkeypatch)

    async def body(fake: FakeUpstox, venue: UpstoxVenue) -> None:
        disk.fake = fake

        ack = await venue.place_bracket(bracket())

        assert ack.accepted and fake.bracket_count() == 1
        first = next(held for text, held in disk.syncs if DESK_ID in text)
        assert first == 0, "the intent was synced while Upstox held no GTT yet"

    run(tmp_path, body)


def test_restart_when_power_was_lost_after_the_answer_then_the_gtt_is_found_not_placed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = Disk(monkeypatch)

    async def body(fake: FakeUpstox, venue: UpstoxVenue) -> None:
        placed = await venue.place_bracket(bracket())
        disk.lose_power(venue)
        assert placed.broker_order_id not in venue.config.journal_path.read_text()
        restarted = UpstoxVenue(venue.config)

        again = await restarted.place_bracket(bracket())

        await restarted.close()
        assert again.accepted and again.broker_order_id == placed.broker_order_id
        assert fake.bracket_count() == 1
        assert UpstoxVenue(venue.config).journal.gtt_id(DESK_ID) == placed.broker_order_id

    run(tmp_path, body)


def test_restart_when_two_identical_brackets_lost_their_ties_then_each_is_held_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = Disk(monkeypatch)
    ids = ("order-acc-1-sig-1", "order-acc-1-sig-2")

    async def body(fake: FakeUpstox, venue: UpstoxVenue) -> None:
        await asyncio.gather(*(venue.place_bracket(bracket(i)) for i in ids))
        disk.lose_power(venue)
        restarted = UpstoxVenue(venue.config)

        acks = [await restarted.place_bracket(bracket(i)) for i in ids]

        await restarted.close()
        assert all(a.accepted for a in acks) and fake.bracket_count() == 2
        assert {a.broker_order_id for a in acks} == set(fake.gtts)

    run(tmp_path, body)
