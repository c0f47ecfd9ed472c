"""`desk account treasury`, `desk account transfer ...` and `desk schedule --simulate` as an
operator runs them, on accounts opened from the sample answers file."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from domain.session import IST
from tests.e2e.conftest import DeskCli

SAMPLE_ANSWERS = Path(__file__).resolve().parents[2] / "data" / "sample" / "intake-answers.yaml"


def _open_two(desk: DeskCli, tmp_path: Path) -> str:
    """growth-asha (2.5 lakh, 10% buffer, SIP 25,000 on the 5th) and savings-ravi."""
    store = f"sqlite:///{tmp_path / 'desk.db'}"
    other = tmp_path / "ravi.yaml"
    other.write_text(SAMPLE_ANSWERS.read_text().replace("growth-asha", "savings-ravi"))
    for answers in (SAMPLE_ANSWERS, other):
        desk.as_operator("asha").run("account", "new", "--answers", str(answers), "--yes",
                                     "--store", store)
    return store


def _propose(desk: DeskCli, store: str, amount: str, by: str = "amy") -> str:
    """`by` (amy, an approver) proposes moving `amount` from growth-asha to savings-ravi."""
    proposed = desk.as_operator(by).json(
        "account", "transfer", "propose", "--from", "growth-asha", "--to", "savings-ravi",
        "--amount", amount, "--reason", "rebalance", "--store", store)
    transfer_id: str = proposed["transfer_id"]
    return transfer_id


def test_transfer_when_proposed_then_approved_by_another_operator_then_treasury_shows_it(
    desk: DeskCli, tmp_path: Path
) -> None:
    store = _open_two(desk, tmp_path)

    transfer_id = _propose(desk, store, "1,00,000", by="ada")
    own = desk.as_operator("ada").run("account", "transfer", "approve", transfer_id,
                                      "--store", store, check=False)
    approved = desk.as_operator("asha").json("account", "transfer", "approve", transfer_id,
                                             "--store", store)
    report = desk.json("account", "treasury", "--store", store)
    text = desk.run("account", "treasury", "--store", store).stdout

    assert own.returncode == 1 and "another admin must approve it" in own.stderr
    assert (approved["status"], approved["decided_by"]) == ("APPROVED", "operator:asha")
    assert report["accounts"]["growth-asha"]["total"] == "150000.00"
    assert report["accounts"]["savings-ravi"]["total"] == "350000.00"
    assert report["desk"]["total"] == "500000.00"
    assert report["desk"]["buffer"] == "50000.00"  # 10% of each account's funded capital
    assert "DESK" in text and "₹5,00,000" in text


def test_transfer_when_approved_by_an_approver_or_without_a_token_then_refused_and_nothing_moves(
    desk: DeskCli, tmp_path: Path
) -> None:
    store = _open_two(desk, tmp_path)
    transfer_id = _propose(desk, store, "1,00,000")

    by_approver = desk.as_operator("amy").run("account", "transfer", "approve", transfer_id,
                                              "--store", store, check=False)
    anonymous = desk.as_operator(None).run("account", "transfer", "approve", transfer_id,
                                           "--store", store, check=False)
    forged = desk.as_operator(None).run(
        "account", "transfer", "approve", transfer_id, "--operator", "ada", "--store", store,
        check=False)
    shown = desk.json("account", "treasury", "--store", store)

    assert by_approver.returncode == 2 and "amy (role approver) may not" in by_approver.stderr
    assert anonymous.returncode == 2 and "DESK_TOKEN" in anonymous.stderr
    assert forged.returncode == 2  # a name typed on the command line is no identity
    assert [t["status"] for t in shown["transfers"]] == ["PROPOSED"]
    assert shown["transfers"][0]["proposed_by"] == "operator:amy"


def test_transfer_when_it_would_take_buffer_cash_then_refused_and_nothing_moves(
    desk: DeskCli, tmp_path: Path
) -> None:
    store = _open_two(desk, tmp_path)
    transfer_id = _propose(desk, store, "230000")

    refused = desk.as_operator("ada").run("account", "transfer", "approve", transfer_id,
                                          "--store", store, check=False)

    assert refused.returncode == 1
    assert "exceeds available 225000.00 of growth-asha" in refused.stderr
    shown = desk.json("account", "show", "growth-asha", "--store", store)
    assert (shown["cash"]["available"], shown["cash"]["buffer"]) == ("225000.00", "25000.00")


def test_schedule_when_simulated_twice_over_a_month_then_each_sip_is_credited_once(
    desk: DeskCli, tmp_path: Path
) -> None:
    store = _open_two(desk, tmp_path)
    today = datetime.now(IST).date()
    args = ("schedule", "--simulate", today.isoformat(), "--days", "40", "--store", store)

    first = desk.json(*args)
    second = desk.json(*args)

    funding = [r for r in first["ran"] if r["job"] == "funding"]
    assert len(funding) == 40 and second["ran"] == []
    shown = desk.json("account", "show", "growth-asha", "--store", store)
    fifths = [today + timedelta(days=d) for d in range(40)
              if (today + timedelta(days=d)).day == 5]
    assert len(shown["funding_plan"]["credited"]) == len(fifths) >= 1
    assert shown["cash"]["deposits"] == str(250000 + 25000 * len(fifths)) + ".00"
    assert any(r["job"] == "eod-report" for r in first["ran"])
