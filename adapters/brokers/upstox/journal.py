"""Which GTT the desk placed for which of its orders.

Upstox GTTs carry no `tag`, so the desk's order id cannot travel with them. Before a GTT is
sent, its fingerprint is written here against the desk's id; once Upstox names it, its id.
After a timeout or a crash the fingerprint finds it among the account's GTTs, so a retry
never places a second one. The file is owner-only and survives restarts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from adapters.brokers.credentials import write_secret_file
from adapters.brokers.upstox.gtt import GttOrder


class GttJournal:
    """Desk order id -> {"gtt": Upstox id or "", "fingerprint": ...}, kept on disk."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._entries: dict[str, dict[str, str]] = {}
        if path.exists():
            loaded = json.loads(path.read_text() or "{}")
            self._entries = {str(k): {"gtt": str(v.get("gtt", "")),
                                      "fingerprint": str(v.get("fingerprint", ""))}
                             for k, v in loaded.items()}

    def _save(self) -> None:
        write_secret_file(self._path, json.dumps(self._entries, sort_keys=True))

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
        return next((coid for coid, e in self._entries.items() if e["gtt"] == gtt_order_id),
                    "")

    def sending(self, client_order_id: str, fingerprint: str) -> None:
        """Note, before it goes out, the GTT about to be sent for a desk order."""
        self._entries[client_order_id] = {"gtt": "", "fingerprint": fingerprint}
        self._save()

    def record(self, client_order_id: str, gtt_order_id: str) -> None:
        """Upstox accepted the GTT under this id."""
        entry = self._entries.setdefault(client_order_id, {"gtt": "", "fingerprint": ""})
        entry["gtt"] = gtt_order_id
        self._save()

    def refused(self, client_order_id: str) -> None:
        """Upstox certainly did not take the GTT: forget that it was sent."""
        if not self.gtt_id(client_order_id):
            self._entries.pop(client_order_id, None)
            self._save()

    def claim(self, gtts: Iterable[GttOrder]) -> list[str]:
        """Tie GTTs sent without a known id to their desk orders by fingerprint, oldest GTT
        first, each at most once; the desk order ids newly tied."""
        taken = {e["gtt"] for e in self._entries.values() if e["gtt"]}
        free = sorted((g for g in gtts if g.gtt_order_id not in taken),
                      key=lambda g: (g.created_at is None, g.created_at, g.gtt_order_id))
        tied = []
        for coid, entry in self._entries.items():
            if entry["gtt"] or not entry["fingerprint"]:
                continue
            match = next((g for g in free if g.fingerprint == entry["fingerprint"]), None)
            if match is not None:
                entry["gtt"] = match.gtt_order_id
                free.remove(match)
                tied.append(coid)
        if tied:
            self._save()
        return tied
