"""The compliance report: every order placed in a date range with its paper trail — the
card it executed, the evidence the signal rested on, the guardrails at proposal, the
judge's review when there was one, who approved and when, the guardrails re-checked at
approval, and what the venue did with it (fills with charges, rejection, cancels)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from domain.events import (
    CardReviewed,
    OrderCancelled,
    OrderFilled,
    OrderRejected,
    PositionClosed,
    Recorded,
)
from domain.reports import Check, ComplianceReport, Fill, OrderTrail, Review
from domain.values import GuardrailResult
from projections.reports.window import Decisions, day_end, day_start


@dataclass
class _After:
    """What the venue did with an order."""

    fills: list[Fill] = field(default_factory=list)
    rejected: str = ""
    cancelled: list[str] = field(default_factory=list)
    closed: PositionClosed | None = None


def _checks(results: Iterable[GuardrailResult]) -> tuple[Check, ...]:
    return tuple(Check(name=g.name, passed=g.passed, detail=g.detail) for g in results)


@dataclass
class ComplianceFold:
    """Every order's trail folded from the whole log: the report picks the orders of
    its range, so the fold can be kept up to date and asked for any range."""

    decisions: Decisions = field(default_factory=Decisions)
    after: dict[str, _After] = field(default_factory=dict)
    placed_by: dict[str, str] = field(default_factory=dict)
    position: int = 0

    def note(self, rec: Recorded) -> None:
        """Fold one logged event."""
        event, p = rec.event, rec.event.payload
        self.position = max(self.position, rec.position)
        self.decisions.note(event)
        if (order_id := getattr(p, "order_id", None)) is None:
            return
        trail = self.after.setdefault(order_id, _After())
        if isinstance(p, OrderFilled):
            trail.fills.append(
                Fill(
                    at=event.occurred_at,
                    leg=p.leg.value,
                    side=p.side.value,
                    quantity=p.quantity,
                    price=p.price,
                    charges=p.costs.total,
                )
            )
        elif isinstance(p, OrderRejected):
            trail.rejected = p.reason
        elif isinstance(p, OrderCancelled):
            trail.cancelled.append(f"{p.leg.value}: {p.reason}")
        elif isinstance(p, PositionClosed):
            trail.closed = p
        elif event.type == "OrderPlaced":
            self.placed_by[order_id] = event.actor

    def report(self, start: date, end: date, account: str | None = None) -> ComplianceReport:
        """The trail of every order placed on IST days `start`..`end`."""
        if end < start:
            raise ValueError(f"the range ends ({end}) before it starts ({start})")
        first, last = day_start(start), day_end(end)
        decisions = self.decisions
        orders = tuple(
            _trail(decisions, order_id, self.after.get(order_id, _After()),
                   self.placed_by.get(order_id, ""))
            for order_id, (at, placed) in sorted(
                decisions.orders.items(), key=lambda kv: (kv[1][0], kv[0])
            )
            if first <= at < last and (account is None or placed.account_id == account)
        )
        return ComplianceReport(
            start=start,
            end=end,
            account=account,
            as_of_position=self.position,
            orders=orders,
            unreviewed=sum(o.review is None for o in orders),
            failed_rechecks=sum(any(not c.passed for c in o.recheck_at_approval) for o in orders),
        )


def compliance_report(
    events: Iterable[Recorded], start: date, end: date, account: str | None = None
) -> ComplianceReport:
    """The trail of every order placed on IST days `start`..`end`, optionally one account's,
    read from the whole log."""
    if end < start:
        raise ValueError(f"the range ends ({end}) before it starts ({start})")
    fold = ComplianceFold()
    for rec in events:
        fold.note(rec)
    return fold.report(start, end, account)


def _trail(decisions: Decisions, order_id: str, after: _After, actor: str) -> OrderTrail:
    at, placed = decisions.orders[order_id]
    proposed = decisions.cards.get(placed.card_id)
    card = proposed[1] if proposed else None
    approval = decisions.approvals.get(placed.card_id)
    return OrderTrail(
        order_id=order_id,
        placed_at=at,
        placed_by=actor,
        account_id=placed.account_id,
        broker=placed.broker,
        symbol=placed.symbol,
        side=placed.side.value,
        quantity=placed.quantity,
        card_id=placed.card_id,
        strategy=card.strategy if card else "",
        playbook=decisions.playbook_of(card),
        proposed_at=proposed[0] if proposed else None,
        evidence=tuple(str(e) for e in card.evidence) if card else (),
        guardrails_at_proposal=_checks(card.guardrails) if card else (),
        review=_review(decisions, placed.card_id),
        approved_by=approval.event.approved_by if approval else "",
        approved_at=approval.at if approval else None,
        approval_actor=approval.actor if approval else "",
        recheck_at_approval=_checks(approval.event.guardrails) if approval else (),
        fills=tuple(after.fills),
        outcome=_outcome(after),
        realised_pnl=after.closed.realised_pnl if after.closed else None,
    )


def _review(decisions: Decisions, card_id: str) -> Review | None:
    found = decisions.reviews.get(card_id)
    if found is None:
        return None
    at, r = found
    if isinstance(r, CardReviewed):
        return Review(
            at=at,
            reviewer=r.reviewer,
            outcome=r.verdict,
            confidence=r.confidence,
            summary=r.thesis,
            prompt=f"{r.prompt_name} v{r.prompt_version}",
            model=r.model_returned or r.model_requested,
        )
    return Review(
        at=at,
        reviewer="",
        outcome=f"failed: {r.reason}",
        confidence=None,
        summary=r.detail,
        prompt=f"{r.prompt_name} v{r.prompt_version}",
        model=r.model_requested,
    )


def _outcome(after: _After) -> str:
    if after.rejected:
        return f"rejected: {after.rejected}"
    if after.closed is not None:
        return f"closed at {after.closed.exit_price} ({after.closed.exit_leg.value})"
    if after.fills:
        return "open"
    return "cancelled" if after.cancelled else "placed, not filled"
