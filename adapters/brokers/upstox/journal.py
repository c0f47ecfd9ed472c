"""Which GTT the desk placed for which of its orders.

Upstox GTTs carry no `tag`, so the desk's order id cannot travel with them. Before a GTT is
sent, its fingerprint is written here against the desk's id; once Upstox names it, its id.
After a timeout or a crash the fingerprint finds it among the account's GTTs, so a retry
never places a second one. The file is owner-only, append-only (one JSON line per change,
so a write costs the same on the day's last order as on its first) and survives restarts;
a file in the older whole-object format is read and converted once.

What is synced to disk before the adapter goes on, and why that is enough:
- `sending` (desk id + fingerprint) is durable before the GTT is sent: without it a
  restarted desk would not know the id may be at Upstox, would skip the lookup and place a
  second GTT.
- `refused` is durable too: a lost one would leave a waiting fingerprint that a later,
  identical bracket's GTT could be tied to, and that bracket would then be placed twice.
- the tie (`gtt`: desk id -> GTT id, from Upstox's answer or from a lookup) is written at
  once but not synced. A crashed process loses nothing (the kernel holds the line and
  writes it out); the next durable line or `close` syncs it (a sync covers the whole file).
  Only a power loss before then can drop it, and then the journal still holds the desk id
  and its fingerprint: the first lookup after the restart (a retry of the order, the order
  book, an update) ties the GTT again by its fingerprint, which is exactly how a crash
  between sending a GTT and its answer is recovered. So a lost tie costs one GTT listing,
  never a second GTT. One limit, the same as for that crash: two lost ties of brackets
  identical in instrument, quantity, product and prices are tied oldest GTT to oldest desk
  id, which may swap the two identical brackets' ids, never their number.
  (tests/integration/test_upstox_journal_power_loss.py cuts the file back to its last sync.)
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from adapters.brokers.intents import AppendLog
from adapters.brokers.upstox.gtt import GttOrder


class GttJournal:
    """Desk order id -> {"gtt": Upstox id or "", "fingerprint": ...}, kept on disk."""

    def __init__(self, path: Path) -> None:
        self._log = AppendLog(path)
        self._entries: dict[str, dict[str, str]] = {}
        self._by_gtt: dict[str, str] = {}  # GTT id -> desk order id
        records = self._log.read()
        if len(records) == 1 and isinstance(records[0], dict) and "op" not in records[0]:
            records = [
                {
                    "op": "sending",
                    "coid": str(k),
                    "gtt": str(v.get("gtt", "")),
                    "fingerprint": str(v.get("fingerprint", "")),
                }
                for k, v in records[0].items()
            ]
            self._log.rewrite(records)
        for record in records:
            if isinstance(record, dict):
                self._apply(record)

    def _apply(self, record: dict[str, Any]) -> None:
        coid, op = str(record.get("coid", "")), record.get("op")
        if not coid:
            return
        if op == "sending":
            self._forget_gtt(coid)
            self._entries[coid] = {"gtt": "", "fingerprint": str(record.get("fingerprint", ""))}
            if record.get("gtt"):
                self._tie(coid, str(record["gtt"]))
        elif op == "gtt":
            self._entries.setdefault(coid, {"gtt": "", "fingerprint": ""})
            self._tie(coid, str(record.get("gtt", "")))
        elif op == "refused":
            self._forget_gtt(coid)
            self._entries.pop(coid, None)

    def _tie(self, coid: str, gtt_order_id: str) -> None:
        self._forget_gtt(coid)
        self._entries[coid]["gtt"] = gtt_order_id
        if gtt_order_id:
            self._by_gtt[gtt_order_id] = coid

    def _forget_gtt(self, coid: str) -> None:
        old = self._entries.get(coid, {}).get("gtt", "")
        if old and self._by_gtt.get(old) == coid:
            del self._by_gtt[old]

    def _tie_now(self, record: dict[str, Any]) -> None:
        """Write a tie at once, unsynced: a lost one is found again (module docstring)."""
        self._log.append(record, sync=False)
        self._apply(record)

    async def _write_durably(self, record: dict[str, Any]) -> None:
        await self._log.append_durably(record)
        self._apply(record)

    def __len__(self) -> int:
        return len(self._entries)

    def gtt_id(self, client_order_id: str) -> str:
        """The GTT id recorded for a desk order ("" when none is known yet)."""
        return self._entries.get(client_order_id, {}).get("gtt", "")

    def has(self, client_order_id: str) -> bool:
        """True when a GTT was (or may have been) sent for this desk order."""
        return client_order_id in self._entries

    def client_order_ids(self) -> list[str]:
        """Every desk order a GTT was (or may have been) sent for."""
        return list(self._entries)

    def owner(self, gtt_order_id: str) -> str:
        """The desk order a GTT was placed for ("" for a GTT placed elsewhere)."""
        return self._by_gtt.get(gtt_order_id, "")

    async def sending(self, client_order_id: str, fingerprint: str) -> None:
        """Note the GTT about to be sent for a desk order; returns once it is on disk."""
        await self._write_durably({"op": "sending", "coid": client_order_id,
                                   "fingerprint": fingerprint})

    def record(self, client_order_id: str, gtt_order_id: str) -> None:
        """Upstox accepted the GTT under this id (written at once, synced later)."""
        self._tie_now({"op": "gtt", "coid": client_order_id, "gtt": gtt_order_id})

    async def refused(self, client_order_id: str) -> None:
        """Upstox certainly did not take the GTT: forget that it was sent (on disk before
        this returns)."""
        if not self.gtt_id(client_order_id):
            await self._write_durably({"op": "refused", "coid": client_order_id})

    def claim(self, gtts: Iterable[GttOrder]) -> list[str]:
        """Tie GTTs sent without a known id to their desk orders by fingerprint, oldest GTT
        first, each at most once; the desk order ids newly tied."""
        waiting = [
            (coid, e["fingerprint"])
            for coid, e in self._entries.items()
            if not e["gtt"] and e["fingerprint"]
        ]
        if not waiting:
            return []
        free = sorted(
            (g for g in gtts if g.gtt_order_id not in self._by_gtt),
            key=lambda g: (g.created_at is None, g.created_at, g.gtt_order_id),
        )
        tied = []
        for coid, fingerprint in waiting:
            match = next((g for g in free if g.fingerprint == fingerprint), None)
            if match is not None:
                self._tie_now({"op": "gtt", "coid": coid, "gtt": match.gtt_order_id})
                free.remove(match)
                tied.append(coid)
        return tied

    def close(self) -> None:
        """Close the journal file."""
        self._log.close()
