"""Read-model rows and logged events as API resources: pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from api import schemas as s
from domain.events import (
    CardBlocked,
    CardProposed,
    Envelope,
    MandateSet,
    OrderFilled,
    Recorded,
)
from domain.ledger import LEDGER_EVENTS, MOVEMENTS, Ledger, post
from domain.money import ZERO
from projections.approval_queue import CardRow
from projections.cash import Cash as CashRow
from projections.desk import DeskView
from projections.orders import OrderRow
from projections.risk import KillSwitch as KillSwitchRow
from projections.transfers import TransferRow
from projections.treasury import Holding, Treasury


def event(rec: Recorded) -> s.Event:
    """A logged event as the API shows it."""
    e = rec.event
    return s.Event(
        position=rec.position, event_id=str(e.event_id), type=e.type,
        schema_version=e.schema_version, stream_id=e.stream_id,
        stream_version=e.stream_version, occurred_at=e.occurred_at, recorded_at=e.recorded_at,
        correlation_id=e.correlation_id,
        causation_id=str(e.causation_id) if e.causation_id else None, actor=e.actor,
        payload=e.payload.model_dump(mode="json"),
    )


# Accounts -------------------------------------------------------------------------------
def account_summaries(view: DeskView) -> list[s.AccountSummary]:
    """Each account's name, mandate version and objective, by account id."""
    return [
        s.AccountSummary(
            account_id=a.account_id, name=a.name, mandate_version=a.mandate_version,
            objective=a.mandate.objective.value if a.mandate else None,
            horizon=a.mandate.horizon.value if a.mandate else None,
            halted=view.halted(a.account_id),
        )
        for a in sorted(view.accounts.values(), key=lambda a: a.account_id)
    ]


def cash(account_id: str, row: CashRow | None) -> s.Cash:
    """An account's cash figures (zeros for an account with no cash yet)."""
    c = row or CashRow()
    return s.Cash(account_id=account_id, available=c.available, reserved=c.reserved,
                  deployed=c.deployed, buffer=c.buffer, total=c.total, funded=c.funded,
                  deposits=c.deposits, transfers_in=c.transfers_in,
                  transfers_out=c.transfers_out, realised_pnl=c.realised_pnl, costs=c.costs)


def mandate_history(stream: Iterable[Envelope]) -> list[s.MandateVersion]:
    """Every mandate version of an account's stream, with who set it and why."""
    return [
        s.MandateVersion(version=e.payload.version, mandate=e.payload.mandate,
                         reason=e.payload.reason, set_at=e.occurred_at, actor=e.actor,
                         event_id=str(e.event_id))
        for e in stream if isinstance(e.payload, MandateSet)
    ]


def cash_ledger(stream: Iterable[Envelope]) -> list[s.LedgerEntry]:
    """Every cash movement of one account's stream, with the balances after it."""
    after = Ledger()
    entries = []
    for e in stream:
        p = e.payload
        if isinstance(p, LEDGER_EVENTS):
            after = post(after, p)
        if not isinstance(p, MOVEMENTS):
            continue
        note = (getattr(p, "reference", "") or getattr(p, "reason", "")
                or getattr(p, "transfer_id", ""))
        entries.append(s.LedgerEntry(
            event_id=str(e.event_id), type=e.type, occurred_at=e.occurred_at, actor=e.actor,
            amount=p.amount, card_id=getattr(p, "card_id", None),
            order_id=getattr(p, "order_id", None), note=note,
            available=after.available, reserved=after.reserved, deployed=after.deployed,
            buffer=after.buffer,
        ))
    return entries


# Treasury -------------------------------------------------------------------------------
def _holding(h: Holding) -> dict[str, Decimal]:
    return {"available": h.available, "reserved": h.reserved, "deployed": h.deployed,
            "buffer": h.buffer, "total": h.total, "deployable": h.deployable,
            "funded": h.funded, "realised_pnl": h.realised_pnl}


def treasury_report(t: Treasury) -> s.TreasuryReport:
    """Desk-wide and per-account holdings: cash by state and positions at cost."""
    return s.TreasuryReport(
        desk=s.Holding(**_holding(t.desk)),
        accounts=[s.AccountHolding(account_id=a, **_holding(h)) for a, h in t.by_account.items()],
    )


def transfer(row: TransferRow) -> s.TransferResource:
    """A proposed or decided transfer between accounts."""
    return s.TransferResource(
        transfer_id=row.transfer_id, from_account=row.from_account, to_account=row.to_account,
        amount=row.amount, reason=row.reason, proposed_by=row.proposed_by, status=row.status,
        decided_by=row.decided_by, decision_reason=row.decision_reason)


# Cards ----------------------------------------------------------------------------------
def card(row: CardRow, verdict: str | None = None) -> s.Card:
    """A card's summary row: what, how much, its status and expiry. A blocked card was never
    sized: its side, strategy, quantity and prices are unknown (null), and `decided_by` says
    what blocked it."""
    if row.status == "BLOCKED":
        return s.Card(
            card_id=row.card_id, account_id=row.account_id, symbol=row.symbol,
            strategy=None, side=None, quantity=None, reference_price=None, stop=None,
            target=None, expires_at=None, status=row.status,
            decided_by=blocked_by(row.reason), reason=row.reason,
        )
    return s.Card(
        card_id=row.card_id, account_id=row.account_id, symbol=row.symbol,
        strategy=row.strategy, side=row.side, quantity=row.quantity,
        reference_price=row.reference_price, stop=row.stop, target=row.target,
        expires_at=row.expires_at, status=row.status, decided_by=row.decided_by,
        reason=row.reason, verdict=verdict,
    )


# What a blocking reason's first words name (domain.allocation writes them), as the actor.
_BLOCKERS = {"mandate": "mandate", "objective": "mandate", "sizing": "sizing",
             "long-only desk": "desk policy"}


def blocked_by(reason: str) -> str:
    """What blocked a card, from its reason: `guardrail:<name>` (the first that failed),
    `mandate`, `sizing` or `desk policy`."""
    head, _, rest = reason.partition(":")
    if head == "guardrail":
        return f"guardrail:{rest.strip().partition(':')[0]}"
    return _BLOCKERS.get(head, _BLOCKERS.get(head.split(" ")[0], "allocation"))


def queue(rows: Iterable[CardRow], verdicts: Mapping[str, str] | None = None
          ) -> list[s.Card]:
    """Waiting cards first, soonest expiry first; then the decided ones by id."""
    def order(row: CardRow) -> tuple[bool, str, str]:
        """The queue's sort key: waiting first, soonest expiry first, then by id."""
        waiting = row.status == "PROPOSED"
        expiry = row.expires_at.isoformat() if waiting and row.expires_at else ""
        return (not waiting, expiry, row.card_id)

    verdicts = verdicts or {}
    return [card(r, verdicts.get(r.card_id)) for r in sorted(rows, key=order)]


def card_detail(
    summary: s.Card, stream: Sequence[Envelope], lineage: Sequence[Recorded]
) -> s.CardDetail:
    """A card with the facts it was proposed (or blocked) on; evidence from its lineage."""
    first = stream[0].payload if stream else None
    evidence_ids = {str(i) for i in getattr(first, "evidence", ())}
    proposed = first if isinstance(first, CardProposed) else None
    blocked = first if isinstance(first, CardBlocked) else None
    return s.CardDetail(
        card=summary,
        signal_id=getattr(first, "signal_id", ""),
        horizon=proposed.horizon.value if proposed else None,
        mandate_version=proposed.mandate_version if proposed else None,
        thesis=proposed.thesis if proposed else "",
        sizing=proposed.sizing if proposed else (blocked.reason if blocked else ""),
        expected_cost=proposed.expected_cost if proposed else None,
        guardrails=list(getattr(first, "guardrails", ())),
        evidence=[event(r) for r in lineage if str(r.event.event_id) in evidence_ids],
        lineage=[event(r) for r in lineage],
        strategy_version=getattr(first, "strategy_version", ""),
    )


# Orders and positions ---------------------------------------------------------------------
def fills(stream: Iterable[Envelope]) -> list[s.Fill]:
    """The fills of an order's stream, in the order they happened."""
    return [
        s.Fill(fill_id=e.payload.fill_id, leg=e.payload.leg.value, side=e.payload.side.value,
               quantity=e.payload.quantity, price=e.payload.price,
               costs=e.payload.costs.total, rule=e.payload.rule, filled_at=e.occurred_at)
        for e in stream if isinstance(e.payload, OrderFilled)
    ]


def order(row: OrderRow, order_fills: list[s.Fill]) -> s.Order:
    """An order with its fills."""
    return s.Order(
        order_id=row.order_id, card_id=row.card_id, account_id=row.account_id,
        symbol=row.symbol, quantity=row.quantity, stop=row.stop, target=row.target,
        square_off=row.square_off, placed_at=row.placed_at, status=row.status,
        entry_price=row.entry_price, exit_price=row.exit_price, exit_leg=row.exit_leg,
        cancelled=list(row.cancelled), fills=order_fills,
    )


def positions(view: DeskView, account: str | None, open_only: bool) -> list[s.Position]:
    """Positions of one account (or all), marked at the last bar; only open ones if asked."""
    marks = view.positions.marks
    held = view.positions.of(account) if account else view.positions.all()
    return [
        s.Position(
            account_id=p.account_id, symbol=p.symbol, quantity=p.quantity,
            average_price=p.average_price, mark=marks.get(p.symbol),
            unrealised_pnl=p.unrealised(marks.get(p.symbol)), realised_pnl=p.realised_pnl,
            exposure=p.exposure(marks.get(p.symbol)), costs=p.costs, trades=p.trades,
        )
        for p in held if p.quantity or not open_only
    ]


# Risk -----------------------------------------------------------------------------------
def kill_switch(scope: str, row: KillSwitchRow | None) -> s.KillSwitch:
    """A kill switch's state (not tripped when it never was)."""
    if row is None:
        return s.KillSwitch(scope=scope, tripped=False, reason="", since=None)
    return s.KillSwitch(scope=scope, tripped=row.tripped, reason=row.reason, since=row.since)


def risk(view: DeskView) -> s.RiskReport:
    """Daily P&L, drawdown, exposure and limits per account, and the desk's kill switch."""
    accounts = []
    for account_id in sorted(view.accounts):
        mandate = view.accounts[account_id].mandate
        r = view.risk.get(account_id)
        accounts.append(s.AccountRisk(
            account_id=account_id, equity=view.equity(account_id),
            daily_pnl=view.daily_pnl(account_id),
            daily_loss_limit=mandate.daily_loss_limit if mandate else None,
            drawdown_pct=view.drawdown(account_id),
            max_drawdown_pct=mandate.max_drawdown_pct if mandate else None,
            peak_equity=r.peak_equity if r else ZERO, exposure=view.exposure(account_id),
            halted=view.halted(account_id),
        ))
    desk_kill = view.kills.get("desk")
    return s.RiskReport(
        as_of=view.as_of,
        accounts=accounts,
        desk=s.DeskRisk(
            equity=_sum(a.equity for a in accounts),
            daily_pnl=_sum(a.daily_pnl for a in accounts),
            exposure=_sum(a.exposure for a in accounts),
            realised_pnl=_sum(c.realised_pnl for c in view.cash.values()),
            halted=bool(desk_kill and desk_kill.tripped),
            accounts_halted=sum(a.halted for a in accounts),
        ),
        kill_switches=[kill_switch(scope, k) for scope, k in sorted(view.kills.items())],
    )


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO)
