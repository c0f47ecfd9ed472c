"""The buyback playbook: an announced buyback proposes a long, with fixed-percent exits.

Data, not code, once issue #4 lands; for now one versioned rule set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from domain.events import AnnouncementArrived, SignalScored
from domain.money import round_to_tick
from domain.values import Horizon, Side

BUYBACK_CATEGORY = "Buyback"


@dataclass(frozen=True)
class BuybackPlaybook:
    version: str = "buyback-v1"
    stop_pct: Decimal = Decimal("1.5")
    target_pct: Decimal = Decimal("3.0")
    score: Decimal = Decimal("0.70")
    signal_ttl: timedelta = timedelta(minutes=30)
    horizon: Horizon = Horizon.SWING


BUYBACK_V1 = BuybackPlaybook()


def signal_id_for(source_id: str, strategy: str) -> str:
    return f"sig-{strategy}-{source_id}"


def score_buyback(
    announcement: AnnouncementArrived,
    evidence: tuple[UUID, ...],
    reference_price: Decimal,
    reference_at: datetime,
    sector: str,
    now: datetime,
    playbook: BuybackPlaybook = BUYBACK_V1,
) -> SignalScored:
    """A long signal on the announcing symbol, stop and target off the last close."""
    hundred = Decimal(100)
    stop = round_to_tick(reference_price * (1 - playbook.stop_pct / hundred), "down")
    target = round_to_tick(reference_price * (1 + playbook.target_pct / hundred), "up")
    return SignalScored(
        signal_id=signal_id_for(announcement.source_id, "buyback"),
        strategy="buyback",
        playbook_version=playbook.version,
        symbol=announcement.symbol,
        sector=sector,
        side=Side.BUY,
        score=playbook.score,
        reference_price=reference_price,
        stop=stop,
        target=target,
        horizon=playbook.horizon,
        expires_at=now + playbook.signal_ttl,
        rationale=(
            f"Buyback announced by {announcement.symbol}: '{announcement.headline}'. "
            f"Last close {reference_price} at {reference_at.isoformat()}; "
            f"stop -{playbook.stop_pct}% at {stop}, target +{playbook.target_pct}% at {target}."
        ),
        evidence=evidence,
    )


def is_buyback(announcement: AnnouncementArrived) -> bool:
    return announcement.category.strip().lower() == BUYBACK_CATEGORY.lower()
