"""`desk account ...` as an operator runs it: intake from a file and at a terminal, mandate
versions with who and why, and the cash ledger of every account."""

from __future__ import annotations

import codecs
import json
import os
import select
import subprocess
import time
from decimal import Decimal
from pathlib import Path
from types import TracebackType

import pytest

from tests.e2e import conftest
from tests.e2e.conftest import DeskCli

SAMPLE_ANSWERS = Path(__file__).resolve().parents[2] / "data" / "sample" / "intake-answers.yaml"


def _store(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'desk.db'}"


class Terminal:
    """A command on a pseudo-terminal: read what it prints, type answers to it."""

    def __init__(self, args: list[str], desk: DeskCli) -> None:
        self.fd, child = os.openpty()
        self.proc = subprocess.Popen(
            [conftest.DESK, *args], cwd=desk.cwd, env=desk.env, stdin=child, stdout=child,
            stderr=child, start_new_session=True,
        )
        os.close(child)
        self.screen = ""
        self._seen = 0
        self._decode = codecs.getincrementaldecoder("utf-8")("replace")

    def expect(self, text: str, timeout: float = 60) -> str:
        """Everything printed up to and including `text`, past what earlier calls returned."""
        deadline = time.monotonic() + timeout
        while text not in self.screen[self._seen:]:
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(left):
                raise AssertionError(f"no {text!r} on the terminal; it shows:\n{self.screen}")
        end = self.screen.index(text, self._seen) + len(text)
        shown, self._seen = self.screen[self._seen:end], end
        return shown

    def type(self, line: str) -> None:
        os.write(self.fd, (line + "\n").encode())

    def finish(self, timeout: float = 60) -> int:
        """Read to the end of the output and return the exit code."""
        deadline = time.monotonic() + timeout
        while self._read(max(0.0, deadline - time.monotonic())):
            pass
        return self.proc.wait(timeout=max(1.0, deadline - time.monotonic()))

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.fd, 4096)
        except OSError:  # EIO: the command exited and closed the terminal
            chunk = b""
        self.screen += self._decode.decode(chunk)
        return bool(chunk)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.fd)


def test_account_new_when_answers_file_is_complete_then_show_prints_the_expected_mandate(
    desk: DeskCli, tmp_path: Path
) -> None:
    store = _store(tmp_path)

    desk.as_operator("asha").run("account", "new", "--answers", str(SAMPLE_ANSWERS), "--yes",
                                 "--store", store)
    shown = desk.json("account", "show", "growth-asha", "--store", store)

    assert shown["name"] == "Asha Rao — growth"
    assert shown["mandate_version"] == 1
    assert shown["mandate"] == {
        "objective": "MAX_PROFIT", "horizon": "SWING", "risk_per_trade_pct": "1.5",
        "max_position_pct": "20", "daily_loss_limit": "7500.00", "max_drawdown_pct": "8",
        "cash_buffer_pct": "10", "sectors_allowed": ["Healthcare", "Fast Moving Consumer Goods"],
        "sectors_banned": ["Information Technology"], "auto_approve": False,
        "judge_oppose_blocks": False, "approval_policy": None,
    }
    first = shown["mandate_history"][0]
    assert first["actor"] == "operator:asha"
    assert "cash buffer 10% (skipped)" in first["reason"]
    assert "SIP for 12 months (count not given)" in first["reason"]
    plan = shown["funding_plan"]
    assert plan["sip"] == {"amount": "25000.00", "day_of_month": 5, "count": 12}
    assert plan["credited"] == [] and len(plan["pending"]) == 12
    assert "SIP 25,000 on the 5th of each month" in first["reason"]
    assert shown["cash"]["deposits"] == "250000.00"
    # 10% of the funded 2.5 lakh is buffer, never allocated; the rest is available.
    assert shown["cash"]["available"] == "225000.00"
    assert shown["cash"]["buffer"] == "25000.00"
    assert shown["cash"]["total"] == "250000.00"
    verified = desk.run("replay", "verify", "--store", store, "--json", check=False)
    # Chain intact; exit 3: no live state was saved, so no rebuild was compared (not "OK").
    assert verified.returncode == 3 and json.loads(verified.stdout)["ok"] is True


def test_account_new_when_an_answer_in_the_file_is_bad_then_exit_2_naming_question_and_reason(
    desk: DeskCli, tmp_path: Path
) -> None:
    store = _store(tmp_path)
    answers = tmp_path / "answers.yaml"
    answers.write_text(SAMPLE_ANSWERS.read_text().replace(
        'loss_limits: "₹7,500 a day and 8%"', 'loss_limits: "5 lakh a day and 8%"'))

    proc = desk.run("account", "new", "--answers", str(answers), "--yes", "--store", store,
                    check=False)
    shown = desk.run("account", "show", "growth-asha", "--store", store, check=False)

    assert proc.returncode == 2
    assert "question 4 'loss_limits'" in proc.stderr
    assert "daily loss ₹5,00,000 cannot exceed the capital ₹2,50,000" in proc.stderr
    assert shown.returncode == 1 and "unknown account 'growth-asha'" in shown.stderr


def test_account_new_when_not_confirmed_and_no_terminal_then_exit_1_and_nothing_stored(
    desk: DeskCli, tmp_path: Path
) -> None:
    store = _store(tmp_path)

    proc = subprocess.run(
        [conftest.DESK, "account", "new", "--answers", str(SAMPLE_ANSWERS), "--store", store],
        cwd=desk.cwd, env=desk.env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=120,
    )

    assert proc.returncode == 1
    assert "Cash buffer: 10% of equity" in proc.stdout
    assert "not confirmed: nothing stored" in proc.stderr
    assert desk.json("account", "list", "--store", store)["accounts"] == []


def test_account_new_when_run_at_a_terminal_then_bad_answers_are_reasked_and_mandate_stored(
    desk: DeskCli, tmp_path: Path
) -> None:
    store = _store(tmp_path)
    args = ["account", "new", "--id", "ravi-tactical", "--name", "Ravi — tactical",
            "--store", store]

    with Terminal(args, desk.as_operator("ravi")) as term:
        term.expect("(1/8)")
        term.type("balanced")
        term.expect("(2/8)")
        term.type("10 lakh")
        term.expect("(3/8)")
        term.type("low")
        term.expect("(4/8)")
        term.type("20 lakh a day and 5%")
        reasked = term.expect("(4/8)")
        term.type("0 a day and 5%")
        reasked_again = term.expect("(4/8)")
        term.type("15,000 a day and 5%")
        term.expect("(5/8)")
        term.type("intraday")
        term.expect("(6/8)")
        term.type("avoid Pharma")
        sector_reask = term.expect("(6/8)")
        term.type("avoid IT")
        term.expect("(7/8)")
        term.type("")
        term.expect("(8/8)")
        term.type("manual")
        summary = term.expect("[y/N]")
        term.type("y")
        term.expect("Opened Ravi — tactical [ravi-tactical]")
        code = term.finish()

    shown = desk.json("account", "show", "ravi-tactical", "--store", store)
    assert "Not taken: daily loss ₹20,00,000 cannot exceed the capital ₹10,00,000" in reasked
    assert "Not taken: daily loss must be a positive amount in rupees, e.g. 25000" in (
        reasked_again)
    assert "Not taken: unknown sector 'Pharma'; known sectors: " in sector_reask
    assert "Healthcare" in sector_reask
    assert "Assumed: cash buffer 10% (skipped)" in summary
    assert "Loss limits: ₹15,000 a day; 5% overall drawdown from the peak" in summary
    assert code == 0
    assert shown["mandate"] == {
        "objective": "BALANCED", "horizon": "INTRADAY", "risk_per_trade_pct": "0.5",
        "max_position_pct": "10", "daily_loss_limit": "15000.00", "max_drawdown_pct": "5",
        "cash_buffer_pct": "10", "sectors_allowed": [],
        "sectors_banned": ["Information Technology"], "auto_approve": False,
        "judge_oppose_blocks": False, "approval_policy": None,
    }
    assert shown["mandate_history"][0]["actor"] == "operator:ravi"
    assert shown["cash"]["deposits"] == "1000000.00"


def test_account_new_when_the_terminal_declines_then_nothing_stored(
    desk: DeskCli, tmp_path: Path
) -> None:
    store = _store(tmp_path)
    args = ["account", "new", "--answers", str(SAMPLE_ANSWERS), "--store", store]

    with Terminal(args, desk) as term:
        term.expect("[y/N]")
        term.type("n")
        code = term.finish()

    assert code == 1 and "nothing stored" in term.screen
    assert desk.json("account", "list", "--store", store)["accounts"] == []


def test_account_mandate_when_changed_then_version_2_records_actor_reason_and_changes(
    desk: DeskCli, tmp_path: Path
) -> None:
    store = _store(tmp_path)
    desk.as_operator("asha").run("account", "new", "--answers", str(SAMPLE_ANSWERS), "--yes",
                                 "--store", store)

    out = desk.as_operator("meera").run(
        "account", "mandate", "growth-asha", "--set", "daily_loss_limit=5k",
        "--set", "auto_approve=yes", "--reason", "tighter after the first week",
        "--store", store).stdout
    shown = desk.json("account", "show", "growth-asha", "--store", store)
    text = desk.run("account", "show", "growth-asha", "--store", store).stdout

    assert "mandate v2 of growth-asha set by operator:meera" in out
    assert shown["mandate_version"] == 2
    assert shown["mandate"]["daily_loss_limit"] == "5000.00"
    assert [(h["version"], h["actor"]) for h in shown["mandate_history"]] == [
        (1, "operator:asha"), (2, "operator:meera")]
    second = shown["mandate_history"][1]
    assert second["reason"] == "tighter after the first week"
    assert second["changes"] == {
        "daily_loss_limit": {"from": "7500.00", "to": "5000.00"},
        "auto_approve": {"from": False, "to": True},
    }
    assert "by operator:meera: tighter after the first week" in text
    assert "daily_loss_limit 7500.00 -> 5000.00" in text


@pytest.mark.parametrize(("setting", "code", "message"), [
    ("max_position_pct=0.5", 2, "max position (0.5%) must be at least the risk per trade"),
    ("colour=red", 2, "unknown mandate field 'colour'"),
])
def test_account_mandate_when_the_change_is_invalid_then_exit_2_and_version_unchanged(
    desk: DeskCli, tmp_path: Path, setting: str, code: int, message: str
) -> None:
    store = _store(tmp_path)
    desk.run("account", "new", "--answers", str(SAMPLE_ANSWERS), "--yes", "--store", store)

    proc = desk.run("account", "mandate", "growth-asha", "--set", setting, "--reason", "try",
                    "--store", store, check=False)

    assert proc.returncode == code and message in proc.stderr
    assert desk.json("account", "show", "growth-asha", "--store", store)["mandate_version"] == 1


def test_account_show_and_mandate_when_id_unknown_then_exit_1_with_a_clear_message(
    desk: DeskCli, tmp_path: Path
) -> None:
    store = _store(tmp_path)
    desk.run("account", "new", "--answers", str(SAMPLE_ANSWERS), "--yes", "--store", store)

    shown = desk.run("account", "show", "nobody", "--store", store, check=False)
    changed = desk.run("account", "mandate", "nobody", "--set", "cash_buffer_pct=5",
                       "--reason", "x", "--store", store, check=False)

    assert shown.returncode == 1 and "unknown account 'nobody'" in shown.stderr
    assert changed.returncode == 1 and "unknown account 'nobody'" in changed.stderr


def test_account_show_when_the_store_does_not_exist_then_exit_2_and_nothing_created(
    desk: DeskCli, tmp_path: Path
) -> None:
    missing = tmp_path / "typo" / "desk.db"

    shown = desk.run("account", "show", "growth-asha", "--store", f"sqlite:///{missing}",
                     check=False)

    assert shown.returncode == 2
    assert f"no event store at {missing}" in shown.stderr and "nothing was created" in shown.stderr
    assert not missing.parent.exists()


def test_account_list_when_the_demo_ran_then_three_accounts_with_deposits_and_buffers(
    desk: DeskCli, tmp_path: Path
) -> None:
    store = _store(tmp_path)
    desk.run("demo", "--store", store)

    listed = desk.json("account", "list", "--store", store)
    text = desk.run("account", "list", "--store", store).stdout

    accounts = {a["account_id"]: a for a in listed["accounts"]}
    assert {a: accounts[a]["cash"]["deposits"] for a in accounts} == {
        "sip-aggressive": "1000000.00", "event-tactical": "500000.00",
        "income-conservative": "2000000.00",
    }
    for a in accounts.values():
        cash, pct = a["cash"], Decimal(a["mandate"]["cash_buffer_pct"])
        # The buffer is the mandate's % of funded capital, held out of free cash.
        target = (Decimal(cash["funded"]) * pct / 100).quantize(Decimal("0.01"))
        free = Decimal(cash["available"]) + Decimal(cash["buffer"])
        assert Decimal(cash["buffer"]) == min(target, free)
        assert a["mandate_version"] == 1
        assert set(cash) >= {"available", "reserved", "deployed", "buffer", "deposits",
                             "realised_pnl", "costs"}
    assert "Event — tactical [event-tactical] mandate v1" in text
    assert "deposits ₹20,00,000" in text
