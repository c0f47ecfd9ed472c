"""The compliance report page: a summary line per order, then each order's trail — card,
evidence, guardrails at proposal, the judge's review, the approval and its re-check, and
the fills with their charges."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.reports.figures import ist_time, rupees
from adapters.reports.html_page import Table, page_html
from domain.reports import Check, ComplianceReport, OrderTrail

_SHOWN = 200  # orders drawn in full on one page; the JSON has every one


def _checks(stage: str, checks: Sequence[Check]) -> list[tuple[str, str]]:
    if not checks:
        return [(f"{stage}", "none on record")]
    return [
        (f"{stage}: {c.name}", ("PASS — " if c.passed else "FAIL — ") + c.detail) for c in checks
    ]


def _trail(o: OrderTrail) -> Table:
    review = o.review
    rows: list[tuple[str, str]] = [
        ("Order", f"{o.order_id} ({o.broker}, placed by {o.placed_by})"),
        ("Placed", ist_time(o.placed_at, with_date=True)),
        ("Trade", f"{o.side} {o.quantity} {o.symbol} for {o.account_id}"),
        ("Card", f"{o.card_id} — strategy {o.strategy or '?'}, playbook {o.playbook or '?'}"),
        ("Proposed", ist_time(o.proposed_at, with_date=True)),
        ("Evidence (event ids)", ", ".join(o.evidence) or "none"),
        *_checks("Guardrail at proposal", o.guardrails_at_proposal),
        (
            "Judge's review",
            "none on record"
            if review is None
            else f"{review.outcome} ({review.reviewer or 'no verdict'}"
            f"{', confidence ' + str(review.confidence) if review.confidence is not None else ''}"
            f", {review.prompt}{', ' + review.model if review.model else ''}) at "
            f"{ist_time(review.at)}: {review.summary}",
        ),
        (
            "Approved",
            f"by {o.approved_by or '?'} (actor {o.approval_actor or '?'}) at "
            f"{ist_time(o.approved_at, with_date=True)}"
            if o.approved_at
            else "no approval on record",
        ),
        *_checks("Re-check at approval", o.recheck_at_approval),
        *[
            (
                f"Fill ({f.leg})",
                f"{f.side} {f.quantity} @ {rupees(f.price)} at "
                f"{ist_time(f.at)}, charges {rupees(f.charges)}",
            )
            for f in o.fills
        ],
        (
            "Outcome",
            o.outcome
            + (
                f", P&L after charges {rupees(o.realised_pnl)}"
                if o.realised_pnl is not None
                else ""
            ),
        ),
    ]
    return (("Step", "Record"), rows)


def compliance_html(report: ComplianceReport) -> str:
    """The compliance report page for `report.start`..`report.end`."""
    scope = f"account {report.account}" if report.account else "every account"
    summary: Table = (
        (
            "Placed (IST)",
            "Account",
            "Order",
            "Side",
            "Qty",
            "Symbol",
            "Strategy",
            "Review",
            "Approved by",
            "Re-check",
            "Outcome",
        ),
        [
            (
                ist_time(o.placed_at, with_date=True),
                o.account_id,
                o.order_id,
                o.side,
                o.quantity,
                o.symbol,
                o.strategy,
                o.review.outcome if o.review else "none",
                o.approved_by,
                "passed" if all(c.passed for c in o.recheck_at_approval) else "FAILED",
                o.outcome,
            )
            for o in report.orders
        ],
    )
    headline: Table = (
        ("Range", "Value"),
        [
            ("Orders placed", len(report.orders)),
            ("Orders whose card has no review", report.unreviewed),
            ("Orders whose approval re-check failed a guardrail", report.failed_rechecks),
        ],
    )
    shown = report.orders[:_SHOWN]
    return page_html(
        f"Compliance {report.start:%Y-%m-%d} to {report.end:%Y-%m-%d}",
        f"{scope}, every order placed in the range (IST days), from the event log up to "
        f"position {report.as_of_position}",
        [
            ("Headline", headline),
            ("Orders", summary),
            *[(f"{o.symbol} — {o.order_id}", _trail(o)) for o in shown],
        ],
    )
