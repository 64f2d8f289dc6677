"""Segment statistics: Wilson intervals and the Kaplan-Meier curve against values worked by hand."""

from __future__ import annotations

import pytest

from retention import features
from retention.segments import SPLITS, SegmentCounts, TenureCounts, kaplan_meier, segment_of, wilson_interval


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        (5, 10, 0.236593, 0.763407),
        (0, 10, 0.0, 0.277533),
        (10, 10, 0.722467, 1.0),
        (1, 1000, 0.000177, 0.005643),
    ],
)
def test_the_wilson_interval_matches_the_roots_of_its_defining_quadratic(
    successes: int, trials: int, low: float, high: float
) -> None:
    interval = wilson_interval(successes, trials)
    assert interval is not None
    assert (interval.low, interval.high) == (pytest.approx(low, abs=1e-6), pytest.approx(high, abs=1e-6))


def test_no_labelled_customer_gives_no_rate_and_no_interval_and_is_too_small() -> None:
    segment = segment_of(
        SegmentCounts("Basic", customers=4, labelled=0, churned=0, scored=0, probability_sum=0.0)
    )
    assert (segment.churn_rate, segment.interval, segment.mean_probability, segment.too_small) == (
        None,
        None,
        None,
        True,
    )


def test_a_segment_of_thirty_labelled_customers_is_trusted_and_of_29_is_not() -> None:
    trusted = segment_of(SegmentCounts("x", 40, 30, 6, 40, 8.0))
    assert (trusted.too_small, trusted.churn_rate, trusted.mean_probability) == (False, 0.2, 0.2)
    assert segment_of(SegmentCounts("x", 40, 29, 6, 40, 8.0)).too_small


def test_kaplan_meier_censors_active_customers_at_their_tenure() -> None:
    # Five customers: at month 1 one churns and one is still active; at 2 one churns; two active at 3.
    points = kaplan_meier([TenureCounts(3, 0, 2), TenureCounts(1, 1, 1), TenureCounts(2, 1, 0)])
    assert [(p.tenure_month, p.at_risk, p.churned) for p in points] == [(1, 5, 1), (2, 3, 1), (3, 2, 0)]
    assert [p.retained for p in points] == pytest.approx([4 / 5, 4 / 5 * 2 / 3, 4 / 5 * 2 / 3])


def test_the_bands_of_every_dimension_cover_its_column_once() -> None:
    for split in SPLITS.values():
        if split.categories:
            continue
        column = features.COLUMNS_BY_NAME[split.column]
        assert split.bands[0].lower == column.minimum
        assert split.bands[-1].upper in (None, column.maximum)
        for before, after in zip(split.bands, split.bands[1:], strict=False):
            assert before.upper is not None and after.lower == before.upper + 1
