"""The held-out evaluation report and the logistic-regression baseline."""

from __future__ import annotations

import json
from typing import Any, TypedDict

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from retention.errors import InvalidInput
from retention.ml.baseline import build_baseline
from retention.ml.curves import MAX_CURVE_POINTS
from retention.ml.evaluation import evaluate, report_lines
from retention.ml.pipeline import RANDOM_SEED
from tests.factories import training_set


class Tiers(TypedDict):
    tier_high: float
    tier_medium: float


TIERS: Tiers = {"tier_high": 0.5, "tier_medium": 0.2}


def noisy_scores(rows: int, *, seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels drawn from a known truth, and a model's noisy estimate of that truth."""
    rng = np.random.default_rng(seed)
    truth = rng.uniform(0.0, 1.0, rows)
    labels = (rng.uniform(0.0, 1.0, rows) < truth).astype(np.int_)
    scores = np.clip(truth + rng.normal(0.0, 0.2, rows), 0.0, 1.0)
    return labels, scores, truth


def plain_json_types(value: Any) -> bool:
    """True when every leaf is exactly a JSON type (np.float64 subclasses float: isinstance would pass it)."""
    if type(value) is dict:
        return all(type(k) is str and plain_json_types(v) for k, v in value.items())
    if type(value) is list:
        return all(plain_json_types(v) for v in value)
    return type(value) in (str, int, float, bool, type(None))


def test_a_perfect_ranking_has_auc_one_and_lift_one_over_the_positive_rate() -> None:
    # given 30 churners of 100, every one scored above every retained customer
    labels = np.array([1] * 30 + [0] * 70)
    scores = np.linspace(0.99, 0.01, 100)

    # when
    report = evaluate(labels, scores, **TIERS)

    # then
    assert report["roc_auc"] == 1.0
    assert report["pr_auc"] == 1.0
    assert report["positive_rate"] == pytest.approx(0.3)
    assert report["top_decile_lift"] == pytest.approx(1 / 0.3)
    assert report["rows"] == 100


def test_top_decile_takes_exactly_ceil_ten_percent_of_rows_and_breaks_ties_by_row_order() -> None:
    # given 25 rows that all score the same, so the top decile is the first ceil(2.5) = 3 rows
    labels = np.array([1, 1, 0] + [0, 1] * 11)
    scores = np.full(25, 0.4)

    # when
    lift = evaluate(labels, scores, **TIERS)["top_decile_lift"]

    # then
    assert lift == pytest.approx((2 / 3) / (13 / 25))


def test_confusion_counts_predict_churn_at_or_above_each_tier_threshold() -> None:
    # given one score exactly on the high threshold
    labels = np.array([1, 0, 1, 0, 0, 1])
    scores = np.array([0.9, 0.6, 0.4, 0.1, 0.5, 0.15])

    # when
    confusion = evaluate(labels, scores, **TIERS)["confusion"]

    # then
    assert confusion["high"] == {
        "threshold": 0.5,
        "tp": 1,
        "fp": 2,
        "tn": 1,
        "fn": 2,
        "precision": 1 / 3,
        "recall": 1 / 3,
    }
    assert confusion["medium"] == {
        "threshold": 0.2,
        "tp": 2,
        "fp": 2,
        "tn": 1,
        "fn": 1,
        "precision": 0.5,
        "recall": 2 / 3,
    }


def test_precision_is_null_when_no_customer_reaches_the_threshold() -> None:
    # given every score below both thresholds
    labels = np.array([1, 0, 0, 1])
    scores = np.array([0.05, 0.1, 0.15, 0.19])

    # when
    high = evaluate(labels, scores, **TIERS)["confusion"]["high"]

    # then
    assert (high["tp"], high["fp"], high["tn"], high["fn"]) == (0, 0, 2, 2)
    assert high["precision"] is None
    assert high["recall"] == 0.0


def test_reliability_bins_count_every_row_once_with_the_right_observed_rates() -> None:
    # given rows on bin edges, including 0 and 1
    labels = np.array([0, 1, 1, 0, 1, 0, 1, 1])
    scores = np.array([0.0, 0.05, 0.1, 0.15, 0.3, 0.9, 0.95, 1.0])

    # when
    bins = evaluate(labels, scores, **TIERS)["reliability"]

    # then
    assert len(bins) == 10
    assert [b["low"] for b in bins] == pytest.approx([i / 10 for i in range(10)])
    assert [b["count"] for b in bins] == [2, 2, 0, 1, 0, 0, 0, 0, 0, 3]
    assert sum(b["count"] for b in bins) == len(labels)
    assert bins[0]["observed_rate"] == 0.5
    assert bins[0]["mean_predicted"] == pytest.approx(0.025)
    assert bins[3]["observed_rate"] == 1.0
    assert bins[9]["observed_rate"] == pytest.approx(2 / 3)
    assert bins[9]["mean_predicted"] == pytest.approx(0.95)
    assert bins[2]["mean_predicted"] is None and bins[2]["observed_rate"] is None


def test_curves_have_at_most_101_points_and_run_between_the_right_corners() -> None:
    # given enough distinct scores for thousands of thresholds
    labels, scores, _ = noisy_scores(20_000)

    # when
    report = evaluate(labels, scores, **TIERS)

    # then
    roc, pr = report["roc_curve"], report["pr_curve"]
    assert 50 <= len(roc) <= MAX_CURVE_POINTS and 50 <= len(pr) <= MAX_CURVE_POINTS
    assert roc[0] == [0.0, 0.0] and roc[-1] == [1.0, 1.0]
    assert pr[0] == [0.0, 1.0]
    assert pr[-1] == [1.0, round(report["positive_rate"], 5)]
    for curve in (roc, [[r, 0.0] for r, _ in pr]):
        xs = [x for x, _ in curve]
        assert xs == sorted(xs)
    tprs = [y for _, y in roc]
    assert tprs == sorted(tprs)


def test_short_curves_keep_every_point() -> None:
    # given four rows
    labels = np.array([0, 1, 0, 1])
    scores = np.array([0.1, 0.4, 0.5, 0.8])

    # when
    roc = evaluate(labels, scores, **TIERS)["roc_curve"]

    # then
    assert roc == [[0.0, 0.0], [0.0, 0.5], [0.5, 0.5], [0.5, 1.0], [1.0, 1.0]]


def test_best_achievable_ratios_are_the_model_figures_over_the_true_probability_figures() -> None:
    # given the generator's true probabilities beside a model's noisier ones
    labels, scores, truth = noisy_scores(5_000)

    # when
    report = evaluate(labels, scores, **TIERS, true_probability=truth)

    # then
    best = report["best_achievable"]
    as_if_model = evaluate(labels, truth, **TIERS)
    assert best["roc_auc"] == as_if_model["roc_auc"]
    assert best["brier"] == as_if_model["brier"]
    assert best["auc_ratio"] == pytest.approx(report["roc_auc"] / best["roc_auc"])
    assert best["brier_ratio"] == pytest.approx(report["brier"] / best["brier"])
    assert best["auc_ratio"] < 1.0 < best["brier_ratio"]


def test_without_true_probabilities_there_is_no_best_achievable_section() -> None:
    labels, scores, _ = noisy_scores(200)

    assert "best_achievable" not in evaluate(labels, scores, **TIERS)


def test_the_report_is_json_with_no_numpy_types() -> None:
    # given numpy inputs throughout
    labels, scores, truth = noisy_scores(3_000)

    # when
    report = evaluate(labels, scores, **TIERS, true_probability=truth)

    # then
    assert plain_json_types(report)
    assert json.loads(json.dumps(report, allow_nan=False)) == report
    assert set(report) == {
        "roc_auc",
        "pr_auc",
        "brier",
        "log_loss",
        "positive_rate",
        "rows",
        "top_decile_lift",
        "confusion",
        "roc_curve",
        "pr_curve",
        "reliability",
        "best_achievable",
    }


@pytest.mark.parametrize(
    ("labels", "scores"),
    [
        ([0, 0, 0], [0.1, 0.2, 0.3]),
        ([0, 1, 2], [0.1, 0.2, 0.3]),
        ([0, 1, 1], [0.1, 0.2]),
        ([0, 1, 1], [0.1, 1.2, 0.3]),
        ([0, 1, 1], [0.1, float("nan"), 0.3]),
    ],
)
def test_labels_without_both_classes_or_scores_that_are_not_probabilities_are_refused(
    labels: list[int], scores: list[float]
) -> None:
    with pytest.raises(InvalidInput):
        evaluate(np.array(labels), np.array(scores), **TIERS)


def test_report_lines_give_auc_brier_lift_each_tier_and_the_best_achievable_ratios() -> None:
    # given a report with true probabilities
    labels, scores, truth = noisy_scores(1_000)
    report = evaluate(labels, scores, **TIERS, true_probability=truth)

    # when
    text = "\n".join(report_lines("forest", report))

    # then
    assert text.startswith("forest: ")
    phrases = ("ROC AUC", "PR AUC", "Brier", "log loss", "lift", "high (p >= 0.50)", "medium (p >= 0.20)")
    for phrase in phrases:
        assert phrase in text, phrase
    assert "best achievable" in text


def test_the_baseline_beats_auc_0_7_on_held_out_generated_customers() -> None:
    # given generated customers split as training splits them
    matrix, labels = training_set(3000)
    x_train, x_test, y_train, y_test = train_test_split(
        matrix, labels, test_size=0.3, stratify=labels, random_state=RANDOM_SEED
    )

    # when
    baseline = build_baseline().fit(x_train, y_train)
    report = evaluate(y_test, baseline.predict_proba(x_test)[:, 1], **TIERS)

    # then
    assert report["roc_auc"] > 0.7
    assert report["rows"] == len(y_test)
