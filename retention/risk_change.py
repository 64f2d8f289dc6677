"""Why a score changed between two snapshots, feature by feature.

Each snapshot's probability is its base value plus its contributions, so the change in probability is
the change in base value (nonzero only when the model changed) plus each feature's change in
contribution: the parts add up to the delta, to floating-point rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

from retention.explanations import DriverValue, ExplainedRisk, Explanation
from retention.features import COLUMNS_BY_NAME


@dataclass(frozen=True)
class ChangeDriver:
    """One feature's part in a change: its value at each snapshot and its change in contribution."""

    feature: str
    label: str
    value_before: DriverValue
    value_after: DriverValue
    contribution: float


@dataclass(frozen=True)
class RiskChange:
    """From one snapshot to a later one: delta = base_value_change + Σ driver contributions."""

    before: ExplainedRisk
    after: ExplainedRisk
    delta: float
    base_value_change: float
    drivers: tuple[ChangeDriver, ...]  # largest |contribution| first

    @property
    def model_changed(self) -> bool:
        return self.before.snapshot.model_version != self.after.snapshot.model_version


def _features(before: Explanation, after: Explanation) -> list[str]:
    names = [d.feature for d in after.drivers]
    return names + [d.feature for d in before.drivers if d.feature not in names]


def change_between(before: ExplainedRisk, after: ExplainedRisk) -> RiskChange | None:
    """The change from `before` to `after`; None when either was stored without its explanation."""
    if before.explanation is None or after.explanation is None:
        return None
    old, new = before.explanation, after.explanation
    drivers = [
        ChangeDriver(
            feature=name,
            label=COLUMNS_BY_NAME[name].label,
            value_before=old.value_of(name),
            value_after=new.value_of(name),
            contribution=new.contribution_of(name) - old.contribution_of(name),
        )
        for name in _features(old, new)
    ]
    drivers.sort(key=lambda d: -abs(d.contribution))
    return RiskChange(
        before=before,
        after=after,
        delta=after.snapshot.probability - before.snapshot.probability,
        base_value_change=new.base_value - old.base_value,
        drivers=tuple(drivers),
    )
