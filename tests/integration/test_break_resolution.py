"""Resolving reconciliation breaks over the API and the CLI: an order placed elsewhere at
the local Upstox fake makes two breaks that halt acc-1; an operator lists them and resolves
them one by one, with their name and reason on the event, and the last one re-arms entries."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.files.sample import SAMPLE_DIR, load_instruments
from cli.main import main
from domain.aggregates import BrokerAccount
from domain.events import BreakResolved
from domain.ids import broker_stream
from streams.bootstrap import bootstrap, wall_clock
from streams.routing.reconcile import Reconciler
from streams.routing.routes import VenueRoutes
from tests.e2e.conftest import OPERATORS, TOKENS_SPEC
from tests.integration.test_api import TOKENS, V1
from tests.integration.test_order_router import Routed, run
from tests.served import ServedApi
from tests.unit.conftest import cause

D = Decimal


def broken_store(tmp_path: Path) -> tuple[str, list[str]]:
    """acc-1 at the Upstox fake, halted by the two breaks an order placed elsewhere makes
    (the external order, and the position it leaves); the store's URL and the break ids."""
    found: list[str] = []

    async def body(r: Routed) -> None:
        await r.router.route()
        r.fake.place_elsewhere("INFY", 5, D("1500"))
        result = await Reconciler(r.desk.store, r.venue, VenueRoutes(default="upstox"),
                                  lambda: r.desk.runtime.view, wall_clock,
                                  r.pump).reconcile()
        found.extend(result.new_breaks)
        link = BrokerAccount(broker_stream("acc-1"))
        link.configure("acc-1", "upstox", {"api_key": "env:UPSTOX_API_KEY"}, {}, "test",
                       cause())
        r.desk.store.commit(link)

    run(tmp_path, body)
    assert len(found) == 2
    return f"sqlite:///{tmp_path / 'desk.db'}", found


def served(url: str) -> ServedApi:
    return ServedApi(bootstrap(url, load_instruments(SAMPLE_DIR / "instruments.csv"),
                               clock=wall_clock), TOKENS)


def test_resolve_when_an_admin_resolves_each_break_then_the_last_one_re_arms_entries(
    tmp_path: Path,
) -> None:
    url, (first, second) = broken_store(tmp_path)
    with served(url) as api, api.client("amy") as approver, api.client("ada") as admin:
        listed = approver.get(f"{V1}/accounts/acc-1/breaks").json()
        by_approver = approver.post(f"{V1}/accounts/acc-1/breaks/{first}/resolve",
                                    json={"reason": "looked at it"})
        unknown = admin.post(f"{V1}/accounts/acc-1/breaks/no-such-break/resolve",
                             json={"reason": "x"})
        one = admin.post(f"{V1}/accounts/acc-1/breaks/{first}/resolve",
                         json={"reason": "a manual trade by the owner, booked"}).json()
        two = admin.post(f"{V1}/accounts/acc-1/breaks/{second}/resolve",
                         json={"reason": "position confirmed with Upstox"}).json()
        again = admin.post(f"{V1}/accounts/acc-1/breaks/{second}/resolve",
                           json={"reason": "again"})
        resolved = [e for e in admin.get(f"{V1}/events",
                                         params={"type": "BreakResolved"}).json()["events"]]

    assert {b["break_id"] for b in listed["breaks"]} == {first, second}
    assert {b["kind"] for b in listed["breaks"]} == {"EXTERNAL_ORDER", "POSITION"}
    assert listed["kill_switch"]["tripped"]
    assert by_approver.status_code == 403
    assert unknown.status_code == 404 and again.status_code == 404
    assert [b["break_id"] for b in one["open_breaks"]] == [second]
    assert one["kill_switch"]["tripped"]  # one break still open
    assert two["open_breaks"] == [] and not two["kill_switch"]["tripped"]
    assert [(e["actor"], e["payload"]["note"]) for e in resolved] == [
        ("operator:ada", "a manual trade by the owner, booked"),
        ("operator:ada", "position confirmed with Upstox")]


def test_resolve_when_run_from_the_cli_then_status_lists_what_is_left_and_the_actor_is_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    url, (first, second) = broken_store(tmp_path)
    monkeypatch.setenv("DESK_API_TOKENS", TOKENS_SPEC)
    monkeypatch.setenv("DESK_TOKEN", OPERATORS["asha"][1])
    capsys.readouterr()  # the setup's logs

    assert main(["broker", "status", "--json", "--store", url]) == 0
    before = json.loads(capsys.readouterr().out)
    code = main(["broker", "resolve", "acc-1", first, "--reason", "booked by hand",
                 "--store", url])
    said = capsys.readouterr().out
    missing = main(["broker", "resolve", "acc-1", first, "--reason", "again", "--store", url])
    assert main(["broker", "status", "--store", url]) == 0
    after = capsys.readouterr().out

    assert {b["break_id"] for b in before[0]["open_breaks"]} == {first, second}
    assert code == 0 and "resolved by operator:asha" in said and "1 open break" in said
    assert missing == 1
    assert second in after and first not in after
    desk = bootstrap(url, load_instruments(SAMPLE_DIR / "instruments.csv"), clock=wall_clock)
    events = [r.event for r in desk.store.read_all() if isinstance(r.event.payload,
                                                                     BreakResolved)]
    desk.store.close()
    assert [(e.actor, e.payload.note) for e in events] == [  # type: ignore[attr-defined]
        ("operator:asha", "booked by hand")]
