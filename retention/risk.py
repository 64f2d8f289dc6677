"""Turning a probability into what an analyst reads: a 0-100 score and a tier."""

from __future__ import annotations

from dataclasses import dataclass

from retention.config import Settings
from retention.records import RiskTier


@dataclass(frozen=True)
class RiskPolicy:
    """Tier thresholds, validated by Settings (0 < medium < high < 1)."""

    high: float
    medium: float

    @classmethod
    def from_settings(cls, settings: Settings) -> RiskPolicy:
        """The policy the settings declare."""
        return cls(high=settings.tier_high, medium=settings.tier_medium)

    def tier(self, probability: float) -> RiskTier:
        """HIGH at or above `high`, MEDIUM at or above `medium`, else LOW."""
        if probability >= self.high:
            return RiskTier.HIGH
        if probability >= self.medium:
            return RiskTier.MEDIUM
        return RiskTier.LOW


def risk_score(probability: float) -> int:
    """round(100 × probability), the number shown beside a customer."""
    return int(round(100 * probability))
