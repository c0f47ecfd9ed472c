"""Reconciliation beside the Kafka runtime compares the venue with a view folded from the
log (`LogView`), brought to the log's head after importing what the desk missed: a fill
the desk hears of only from reconciliation is no break. A view that is not brought up to
the log (as the workers' lagging views would be) would call it one."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path

from domain.values import Leg
from streams.bootstrap import wall_clock
from streams.routing.log_view import LogView
from streams.routing.reconcile import Reconciled, Reconciler
from streams.routing.routes import VenueRoutes
from tests.integration.test_venue_exits import ORDER, Desked, desked

D = Decimal
UPSTOX = VenueRoutes(default="upstox")


def _reconcile_after_unheard_fill(
    tmp_path: Path, make: Callable[[Desked], Reconciler]
) -> Reconciled:
    """The bracket routed to the Upstox fake and its entry filled there with no update
    stream listening; then one reconciliation by the reconciler `make` builds."""

    async def body(d: Desked) -> Reconciled:
        assert await d.router.route() == 1
        d.h.fake.fill(ORDER, Leg.ENTRY, D("500.00"))
        return await make(d).reconcile()

    async def main() -> Reconciled:
        async with desked("upstox", tmp_path) as d:
            return await asyncio.wait_for(body(d), 40)

    return asyncio.run(main())


def _with(view: LogView, settle: Callable[[], Awaitable[object]] | None, d: Desked) -> Reconciler:
    return Reconciler(d.desk.store, d.h.venue, UPSTOX, lambda: view.view, wall_clock, settle=settle)


def test_reconcile_when_the_log_view_settles_then_a_fill_imported_now_is_no_break(
    tmp_path: Path,
) -> None:
    def make(d: Desked) -> Reconciler:
        folded = LogView(d.desk.store)
        return _with(folded, folded.settle, d)

    done = _reconcile_after_unheard_fill(tmp_path, make)

    assert done.imported >= 1 and done.differences == [] and done.new_breaks == []


def test_reconcile_when_the_view_lags_the_log_then_the_same_fill_reads_as_a_break(
    tmp_path: Path,
) -> None:
    def make(d: Desked) -> Reconciler:
        lagging = LogView(d.desk.store)
        lagging.catch_up()  # the desk before the import, never brought further
        return _with(lagging, None, d)

    done = _reconcile_after_unheard_fill(tmp_path, make)

    assert done.imported >= 1 and done.new_breaks
    assert {d.kind for d in done.differences} == {"POSITION"}


def test_log_view_when_events_are_committed_after_it_then_catch_up_folds_them_to_the_head(
    tmp_path: Path,
) -> None:
    async def body(d: Desked) -> tuple[int, int, str]:
        folded = LogView(d.desk.store)
        folded.catch_up()
        before = folded.position
        assert await d.router.route() == 1  # commits the venue's acknowledgement
        folded.catch_up()
        return before, folded.position, folded.view.orders.by_id[ORDER].status

    async def main() -> tuple[int, int, str]:
        async with desked("upstox", tmp_path) as d:
            before, after, status = await body(d)
            assert after == d.desk.store.head()
            return before, after, status

    before, after, status = asyncio.run(main())

    assert after > before and status == "WORKING"
