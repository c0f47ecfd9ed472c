"""`desk serve --notify-config FILE` with `[alerts]`: the alert watch runs beside the
outbox. A worker the desk watches but that never runs (the judge, without --reviews)
fires its `worker_down` rule once, and the cards waiting at 13:35 IST (expiring 13:51)
are each warned of once, all at the operator's chat on the local fake Bot API."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from adapters.eventstore.store import DeskStore
from devtools.telegram_fake import FakeBotApi
from domain.events import AlertFired, CardExpiring
from tests.e2e.test_notify_serve import SECRET, bot
from tests.served import WAITING, DeskServer, copy_store, seed_sample_day

__all__ = ["bot"]  # the fake Bot API fixture
ALERTS = """
[alerts]
every_seconds = 0.2
card_expiry_warning_minutes = 20
workers = ["judge"]

[[alerts.rules]]
name = "judge-stopped"
kind = "worker_down"
threshold = 10
"""


def test_serve_when_alert_rules_are_configured_then_alerts_and_warnings_reach_the_chat_once(
    tmp_path: Path,
    bot: FakeBotApi,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "seed").mkdir()
    db = copy_store(seed_sample_day(tmp_path / "seed" / "desk.db"), tmp_path)
    config = tmp_path / "notify.toml"
    config.write_text(
        f'[telegram]\napi_base = "{bot.base_url}"\ntoken_env = "T_TOKEN"\n'
        'secret_env = "T_SECRET"\n\n[[operators]]\nname = "asha"\n'
        'role = "approver"\ntelegram_user_id = 1111\n' + ALERTS
    )
    monkeypatch.setenv("T_TOKEN", bot.token)
    monkeypatch.setenv("T_SECRET", SECRET)
    server = DeskServer(
        db, {"carol": ("approver", "a-long-enough-console-token")}, "--notify-config", str(config)
    )
    try:
        for _ in range(300):  # bounded wait for the watch and the outbox
            texts = [m.text for m in bot.chat(1111)]
            if len([t for t in texts if " expires in " in t]) == 3 and any(
                t.startswith("ALERT") for t in texts
            ):
                break
            time.sleep(0.1)
        time.sleep(1.0)  # several more rounds of the watch: nothing is repeated
    finally:
        server.stop()

    texts = [m.text for m in bot.chat(1111)]
    assert [t.split(":")[0] for t in texts if t.startswith("ALERT")] == [
        "ALERT judge-stopped (worker_down) for judge"
    ]
    assert sorted(t.split()[1] for t in texts if " expires in " in t) == sorted(WAITING)
    store = DeskStore(f"sqlite:///{db}")
    logged = [r.event.payload for r in store.read_all()]
    assert len([p for p in logged if isinstance(p, AlertFired)]) == 1
    assert len([p for p in logged if isinstance(p, CardExpiring)]) == 3
