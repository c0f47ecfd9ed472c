"""The prompt registry's table: per prompt version, how often it ran, how it failed, how
fast and costly it was, whether humans agreed with it, and how the cards it supported,
cautioned or opposed turned out once traded."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from projections.reviews import ReviewRow

if TYPE_CHECKING:
    from projections.desk import DeskView

# Who decides a card without being a human: their decisions say nothing of agreement.
_NOT_HUMAN = ("policy:", "guardrails")
# A verdict agrees with a human decision when it points the same way (caution: neither).
_AGREES = {
    ("support", "APPROVED"): True,
    ("oppose", "REJECTED"): True,
    ("support", "REJECTED"): False,
    ("oppose", "APPROVED"): False,
}

PricePerMillion = tuple[Decimal, Decimal]  # input, output


@dataclass
class VerdictOutcome:
    """Traded cards with one verdict: how many, how many won, mean R and P&L."""

    trades: int = 0
    wins: int = 0
    r_total: Decimal = Decimal(0)
    r_count: int = 0
    pnl: Decimal = Decimal(0)

    @property
    def hit_rate(self) -> Decimal | None:
        return (Decimal(self.wins) / self.trades).quantize(Decimal("0.01")) if self.trades else None

    @property
    def mean_r(self) -> Decimal | None:
        return (self.r_total / self.r_count).quantize(Decimal("0.01")) if self.r_count else None


@dataclass
class VersionFigures:
    """One prompt version's row in the registry table."""

    name: str
    version: int
    label: str
    sha256: str
    reviews: int = 0
    failures: int = 0
    pending: int = 0
    latencies: list[Decimal] = field(default_factory=list)
    tokens_in: int = 0
    tokens_out: int = 0
    cost: Decimal = Decimal(0)
    agreed: int = 0
    compared: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, VerdictOutcome] = field(default_factory=dict)

    @property
    def latency_p50(self) -> Decimal | None:
        return _percentile(self.latencies, 50)

    @property
    def latency_p95(self) -> Decimal | None:
        return _percentile(self.latencies, 95)

    @property
    def agreement(self) -> Decimal | None:
        return (
            (Decimal(self.agreed) / self.compared).quantize(Decimal("0.01"))
            if self.compared
            else None
        )


def prompt_table(
    view: DeskView, prices: Mapping[str, PricePerMillion] | None = None
) -> list[VersionFigures]:
    """A row per published prompt version (and per reviewer with no published prompt, such
    as the rules), with the figures of the reviews that used it."""
    prices = prices or {}
    rows: dict[tuple[str, int], VersionFigures] = {}
    for prompt in view.reviews.prompts.values():
        for v in prompt.versions.values():
            rows[(prompt.name, v.version)] = VersionFigures(
                prompt.name, v.version, v.label, v.sha256
            )
    for review in view.reviews.by_card.values():
        key = (review.prompt_name, review.prompt_version)
        row = rows.setdefault(key, VersionFigures(*key, review.reviewer, ""))
        _count(row, review, view, prices)
    return sorted(rows.values(), key=lambda r: (r.name, r.version))


def _count(
    row: VersionFigures, review: ReviewRow, view: DeskView, prices: Mapping[str, PricePerMillion]
) -> None:
    row.reviews += 1
    if review.status == "pending":
        row.pending += 1
        return
    row.latencies.append(review.latency_ms)
    row.tokens_in += review.tokens_in
    row.tokens_out += review.tokens_out
    price = prices.get(review.model_requested)
    if price is not None:
        row.cost += (price[0] * review.tokens_in + price[1] * review.tokens_out) / 1_000_000
    if review.status == "failed":
        row.failures += 1
        return
    row.verdicts[review.verdict] = row.verdicts.get(review.verdict, 0) + 1
    card = view.cards.get(review.card_id)
    if card is None:
        return
    if card.decided_by and not card.decided_by.startswith(_NOT_HUMAN):
        agrees = _AGREES.get((review.verdict, card.status))
        if agrees is not None:
            row.compared += 1
            row.agreed += agrees
    outcome = view.reviews.outcomes.get(review.card_id)
    if outcome is not None:
        by = row.outcomes.setdefault(review.verdict, VerdictOutcome())
        by.trades += 1
        by.wins += outcome.pnl > 0
        by.pnl += outcome.pnl
        if outcome.r is not None:
            by.r_total += outcome.r
            by.r_count += 1


def _percentile(values: list[Decimal], pct: int) -> Decimal | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-pct * len(ordered) // 100))
    return ordered[rank - 1]


def figures_json(row: VersionFigures) -> dict[str, object]:
    """One table row as JSON (API and `--json`): decimals as strings."""

    def s(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    return {
        "name": row.name, "version": row.version, "label": row.label, "sha256": row.sha256,
        "reviews": row.reviews, "failures": row.failures, "pending": row.pending,
        "latency_ms_p50": s(row.latency_p50), "latency_ms_p95": s(row.latency_p95),
        "tokens_in": row.tokens_in, "tokens_out": row.tokens_out, "cost": s(row.cost),
        "agreement": s(row.agreement), "compared_with_humans": row.compared,
        "verdicts": dict(sorted(row.verdicts.items())),
        "outcomes": {
            verdict: {"trades": o.trades, "hit_rate": s(o.hit_rate), "mean_r": s(o.mean_r),
                      "pnl": s(o.pnl)}
            for verdict, o in sorted(row.outcomes.items())
        },
    }
