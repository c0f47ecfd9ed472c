"""Reviews in a replay: taken from the log, never from the model. With the flag, the
rule-based reviewer runs again over every proposed card: recorded rule-based reviews must
come out identical (they are deterministic), and for the model's reviews it says how often
the rules reach the same verdict."""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.eventstore.store import DeskStore
from domain.events import CardProposed, CardReviewed
from domain.review import rule_review

_TYPES = (CardProposed.event_type, CardReviewed.event_type)


@dataclass
class RuleReplay:
    """What re-running the rules over the log found."""

    cards: int = 0
    rule_reviews: int = 0
    reproduced: int = 0
    model_reviews: int = 0
    same_verdict_as_model: int = 0
    differing: list[str] = field(default_factory=list)  # rule reviews not reproduced

    @property
    def ok(self) -> bool:
        return not self.differing


def replay_rule_reviews(store: DeskStore) -> RuleReplay:
    """Run the rule-based reviewer over every `CardProposed` in the log and compare."""
    result = RuleReplay()
    cards: dict[str, CardProposed] = {}
    for rec in store.read_all(types=_TYPES):
        payload = rec.event.payload
        if isinstance(payload, CardProposed):
            cards[payload.card_id] = payload
            result.cards += 1
            continue
        assert isinstance(payload, CardReviewed)
        card = cards.get(payload.card_id)
        if card is None:
            continue
        again = rule_review(card)
        if payload.reviewer == "rule-based":
            result.rule_reviews += 1
            recorded = (payload.verdict, payload.confidence, payload.thesis, payload.risks,
                        payload.invalidation)
            if recorded == (again.verdict, again.confidence, again.thesis, again.risks,
                            again.invalidation):
                result.reproduced += 1
            else:
                result.differing.append(payload.card_id)
        else:
            result.model_reviews += 1
            result.same_verdict_as_model += payload.verdict == again.verdict
    return result
