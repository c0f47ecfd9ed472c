"""`desk serve --notify-config FILE`: the notification outbox beside the API, and the
Telegram webhook on the API's app (approve or reject from a message)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from adapters.notify.config import NotifyConfig
from adapters.notify.telegram import TelegramNotifier
from api.gate import DeskGate
from api.telegram_hook import PATH, mount
from streams.bootstrap import AnyDesk
from streams.notify.outbox import Outbox, Recipient


def attach(app: web.Application, config: NotifyConfig) -> TelegramNotifier:
    """Mount the webhook (before the app starts); the bot it and the outbox share."""
    bot = TelegramNotifier(config.api_base, config.token)
    mount(app, bot, config.operators, config.webhook_secret)
    return bot


async def run_outbox(desk: AnyDesk, gate: DeskGate, config: NotifyConfig,
                     bot: TelegramNotifier, stop: asyncio.Event) -> None:
    """Tell the configured operators of new events until `stop`; writes go through the
    API's one writer, off the hot path."""
    recipients = [Recipient(o.name, str(o.chat_id), o.topics) for o in config.operators]
    outbox = Outbox(desk.store, bot, recipients, desk.clock, write=gate.write,
                    start_at_head=True)
    print(f"notify: telegram to {len(recipients)} operator(s); webhook {PATH}", flush=True)
    try:
        await outbox.run(stop)
    finally:
        await bot.close()
