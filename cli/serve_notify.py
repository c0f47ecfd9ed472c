"""`desk serve --notify-config FILE`: one notification outbox per configured channel beside
the API (Telegram, Discord, a signed webhook, email), the chat webhooks on the API's
app (approve or reject from a Telegram or Discord message), and the alert watch (the
file's alert rules over the API's figures, and warnings of cards about to expire)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from adapters.notify.config import NotifyConfig
from adapters.notify.discord import DiscordNotifier
from adapters.notify.email import EmailNotifier
from adapters.notify.press_memory import PressFile
from adapters.notify.telegram import TelegramNotifier
from adapters.notify.webhook import WebhookNotifier
from api import discord_hook, telegram_hook
from api.alert_readings import AlertReader
from api.context import STATE
from api.gate import DeskGate
from streams.bootstrap import AnyDesk
from streams.notify.alert_watch import AlertWatch
from streams.notify.outbox import WORKER_NAME, Outbox, Recipient
from streams.ports import Notifier

WEBHOOK_CHAT = "desk"  # the webhook's one recipient


@dataclass
class Channels:
    """The configured channels' notifiers, each with its recipients."""

    routes: list[tuple[Notifier, list[Recipient]]] = field(default_factory=list)
    reader: AlertReader | None = None  # the figures the alert rules watch

    async def close(self) -> None:
        for notifier, _ in self.routes:
            await notifier.close()


def _discord_recipients(config: NotifyConfig) -> list[Recipient]:
    """One recipient per Discord channel (operators sharing one get each message once)."""
    topics: dict[str, set[str]] = defaultdict(set)
    names: dict[str, list[str]] = defaultdict(list)
    for o in config.operators:
        if o.discord_channel_id:
            topics[o.discord_channel_id] |= o.topics
            names[o.discord_channel_id].append(o.name)
    return [Recipient(",".join(names[c]), c, frozenset(t)) for c, t in topics.items()]


def attach(app: web.Application, config: NotifyConfig) -> Channels:
    """Build the channels and mount the chat webhooks (before the app starts)."""
    state = app[STATE]
    channels = Channels(reader=AlertReader(state, calendar=state.desk.book.calendar))
    if config.telegram:
        bot = TelegramNotifier(config.api_base, config.token)
        telegram_hook.mount(app, bot, config.operators, config.webhook_secret)
        channels.routes.append(
            (
                bot,
                [
                    Recipient(o.name, str(o.chat_id), o.topics)
                    for o in config.operators
                    if o.chat_id
                ],
            )
        )
    if config.discord is not None:
        d = config.discord
        discord = DiscordNotifier(d.api_base, d.token, d.application_id)
        presses = (PressFile(Path(d.replay_file), discord_hook.REMEMBER_SECONDS)
                   if d.replay_file else None)
        discord_hook.mount(app, discord, config.operators, d.public_key, presses=presses)
        channels.routes.append((discord, _discord_recipients(config)))
    if config.webhook is not None:
        hook = WebhookNotifier(config.webhook.url, config.webhook.secret)
        channels.routes.append((hook, [Recipient("webhook", WEBHOOK_CHAT, config.webhook.topics)]))
    if config.email is not None:
        channels.routes.append(
            (
                EmailNotifier(config.email),
                [Recipient(o.name, o.email, o.topics) for o in config.operators if o.email],
            )
        )
    return channels


def _name(notifier: Notifier) -> str:
    """The outbox's tracking name: Telegram keeps the first one's, `notify`."""
    return WORKER_NAME if notifier.channel == "telegram" else f"{WORKER_NAME}-{notifier.channel}"


async def run_outbox(
    desk: AnyDesk, gate: DeskGate, config: NotifyConfig, channels: Channels, stop: asyncio.Event
) -> None:
    """Tell the configured operators of new events until `stop`, one outbox per channel;
    writes go through the API's one writer, off the hot path."""
    outboxes = [
        Outbox(
            desk.store,
            notifier,
            recipients,
            desk.clock,
            write=gate.write,
            start_at_head=True,
            name=_name(notifier),
        )
        for notifier, recipients in channels.routes
    ]
    for notifier, recipients in channels.routes:
        print(f"notify: {notifier.channel} to {len(recipients)} recipient(s)", flush=True)
    hooks = [
        p
        for p, on in (
            (telegram_hook.PATH, config.telegram),
            (discord_hook.PATH, config.discord is not None),
        )
        if on
    ]
    if hooks:
        print(f"notify: chat webhooks {' '.join(hooks)}", flush=True)
    for outbox in outboxes:  # before the first alert, so none falls before their start
        with suppress(Exception):  # the store not answering yet: `run` retries, logged
            await outbox.begin()
    watch = _alert_watch(desk, gate, config, channels, [o.name for o in outboxes])
    try:
        await asyncio.gather(*(outbox.run(stop) for outbox in outboxes),
                             *([watch.run(stop, config.alerts.every_seconds)] if watch else []))
    finally:
        await channels.close()


def _alert_watch(desk: AnyDesk, gate: DeskGate, config: NotifyConfig, channels: Channels,
                 outboxes: list[str]) -> AlertWatch | None:
    """The alert watch over the API's figures (the outboxes are among the workers it
    watches), or None when there are no rules and no expiry warning."""
    alerts = config.alerts
    if channels.reader is None or not (alerts.rules or alerts.expiry_lead):
        return None
    channels.reader.workers = (*outboxes, *alerts.workers)
    print(f"notify: {len(alerts.rules)} alert rule(s) every {alerts.every_seconds:g} s", flush=True)
    return AlertWatch(desk.store, alerts.rules, channels.reader, desk.clock, write=gate.write,
                      expiry_lead=alerts.expiry_lead)
