"""Analytics and the model list over HTTP agree with each other and with the listing."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.graphql_api.calls import data, error_of

OVERVIEW = """
{ overview { customerCount churnedCount activeCount labelledCount churnRate scoredCount averageHealthScore
             monthlyRevenueAtRisk } }"""
DISTRIBUTION = "query D($bins: Int!) { riskDistribution(bins: $bins) { lower upper customers } }"
SEGMENTS = """
query S($dimension: SegmentDimension!) {
  churnBySegment(dimension: $dimension) {
    label customers labelled churned churnRate churnRateLow churnRateHigh scored meanProbability tooSmall
  }
}"""
CURVE = "{ retentionCurve { tenureMonth retained atRisk churned } }"
COUNT = "query C($filter: CustomerFilter) { customers(first: 1, filter: $filter) { totalCount } }"


def test_the_overview_counts_active_customers_and_the_mean_health_score(api: TestClient) -> None:
    overview = data(api, OVERVIEW)["overview"]
    assert overview["activeCount"] == overview["customerCount"] - overview["churnedCount"]
    assert overview["churnRate"] == pytest.approx(overview["churnedCount"] / overview["labelledCount"])
    assert 0 <= overview["averageHealthScore"] <= 100


@pytest.mark.parametrize("bins", [1, 10, 100])
def test_the_risk_distribution_holds_every_scored_customer_once(api: TestClient, bins: int) -> None:
    found = data(api, DISTRIBUTION, bins=bins)["riskDistribution"]
    assert len(found) == bins
    assert [b["lower"] for b in found] == pytest.approx([i / bins for i in range(bins)])
    assert sum(b["customers"] for b in found) == data(api, OVERVIEW)["overview"]["scoredCount"]


@pytest.mark.parametrize("bins", [0, 101, -5])
def test_a_bin_count_out_of_range_is_refused_naming_bins(api: TestClient, bins: int) -> None:
    error = error_of(api, DISTRIBUTION, bins=bins)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith(f"bins must be between 1 and 100 (got {bins})")


def test_plan_segments_match_the_filtered_listing_and_bracket_their_rates(api: TestClient) -> None:
    segments = data(api, SEGMENTS, dimension="SUBSCRIPTION_TYPE")["churnBySegment"]
    assert [s["label"] for s in segments] == ["Basic", "Standard", "Premium"]
    for segment in segments:
        listed = data(api, COUNT, filter={"subscriptionType": segment["label"]})["customers"]["totalCount"]
        churned = data(api, COUNT, filter={"subscriptionType": segment["label"], "churned": True})
        assert segment["customers"] == listed
        assert segment["churned"] == churned["customers"]["totalCount"]
        assert segment["churnRateLow"] <= segment["churnRate"] <= segment["churnRateHigh"]
        assert 0 <= segment["meanProbability"] <= 1
        assert segment["tooSmall"] is (segment["labelled"] < 30)


@pytest.mark.parametrize(
    "dimension", ["TENURE_BAND", "DISCOUNT", "USAGE_DROP", "PAYMENT_FAILURES", "UNRESOLVED_TICKETS"]
)
def test_every_dimension_splits_the_whole_customer_base(api: TestClient, dimension: str) -> None:
    segments = data(api, SEGMENTS, dimension=dimension)["churnBySegment"]
    assert sum(s["customers"] for s in segments) == data(api, OVERVIEW)["overview"]["customerCount"]


def test_an_unknown_dimension_is_refused_by_validation(api: TestClient) -> None:
    assert "REGION" in error_of(api, SEGMENTS, dimension="REGION")["message"]


def test_the_retention_curve_falls_from_the_whole_labelled_base(api: TestClient) -> None:
    curve = data(api, CURVE)["retentionCurve"]
    overview = data(api, OVERVIEW)["overview"]
    assert curve[0]["atRisk"] == overview["labelledCount"]
    assert sum(p["churned"] for p in curve) == overview["churnedCount"]
    retained = [p["retained"] for p in curve]
    assert all(a >= b for a, b in zip(retained, retained[1:], strict=False))
    assert 0 <= retained[-1] <= retained[0] <= 1
    months = [p["tenureMonth"] for p in curve]
    assert months == sorted(set(months))


MODELS = (
    "{ models { version active recorded problem details { version rocAuc trainingRows } } model { version } }"
)


def test_models_lists_every_version_and_marks_the_served_one_active(api: TestClient) -> None:
    answer = data(api, MODELS)
    listed = answer["models"]
    active = [m for m in listed if m["active"]]
    assert [m["version"] for m in active] == [answer["model"]["version"]]
    assert active[0]["recorded"] is True and active[0]["problem"] is None
    assert active[0]["details"]["version"] == active[0]["version"]
    assert 0.5 < active[0]["details"]["rocAuc"] <= 1


MODEL_REPORT = """
{ model {
    testRows rocAuc features parameters { name value } searchMethod trainingSeconds
    metrics { rows rocAuc prAuc brier logLoss positiveRate topDecileLift
              rocCurve { x y } prCurve { x y }
              reliability { lower upper customers meanPredicted observedRate }
              confusion { tier threshold truePositives falsePositives trueNegatives falseNegatives precision
                          recall } }
    baseline { rocAuc brier rows }
} }"""


def test_the_model_carries_its_held_out_report_and_the_baseline_on_the_same_split(api: TestClient) -> None:
    from retention.features import FEATURE_NAMES
    from tests.factories import POLICY

    model = data(api, MODEL_REPORT)["model"]
    metrics = model["metrics"]

    assert model["features"] == list(FEATURE_NAMES)
    assert {p["name"] for p in model["parameters"]} >= {"min_samples_leaf", "calibration"}
    assert model["searchMethod"] and model["trainingSeconds"] >= 0
    assert metrics["rows"] == model["testRows"] == model["baseline"]["rows"]
    assert metrics["rocAuc"] == model["rocAuc"] and 0.5 < model["baseline"]["rocAuc"] <= 1
    roc = metrics["rocCurve"]
    assert (roc[0]["x"], roc[0]["y"]) == (0, 0) and (roc[-1]["x"], roc[-1]["y"]) == (1, 1)
    assert [p["x"] for p in roc] == sorted(p["x"] for p in roc) and len(metrics["prCurve"]) <= 101
    assert sum(b["customers"] for b in metrics["reliability"]) == metrics["rows"]
    assert {c["tier"]: c["threshold"] for c in metrics["confusion"]} == {
        "HIGH": POLICY.high,
        "MEDIUM": POLICY.medium,
    }
    for cell in metrics["confusion"]:
        counted = (
            cell["truePositives"] + cell["falsePositives"] + cell["trueNegatives"] + cell["falseNegatives"]
        )
        assert counted == metrics["rows"]
        churned = cell["truePositives"] + cell["falseNegatives"]
        assert churned == round(metrics["positiveRate"] * metrics["rows"])


def test_the_models_typical_customer_is_a_profile_score_profile_accepts(api: TestClient) -> None:
    typical = data(api, "{ model { typicalProfile } }")["model"]["typicalProfile"]

    risk = data(
        api,
        "query P($p: CustomerProfileInput!) { scoreProfile(profile: $p) { probability } }",
        p=typical,
    )["scoreProfile"]

    assert 0 <= risk["probability"] <= 1
    assert isinstance(typical["usageDropFlag"], bool) and isinstance(typical["tenureMonths"], int)


DECILES = """
query D($feature: String!) {
  churnByDecile(feature: $feature) {
    label customers labelled churned churnRate churnRateLow churnRateHigh tooSmall
  }
}"""


def test_churn_by_decile_cuts_every_customer_into_the_models_training_deciles(api: TestClient) -> None:
    total = data(api, OVERVIEW)["overview"]["customerCount"]

    bands = data(api, DECILES, feature="lastLoginDays")["churnByDecile"]

    assert 2 <= len(bands) <= 10 and sum(b["customers"] for b in bands) == total
    assert bands[0]["label"].startswith("< ") and bands[-1]["label"].startswith(">= ")
    filled = [b for b in bands if b["labelled"]]
    # roughly a tenth each: the cuts are the training rows' deciles
    assert max(b["customers"] for b in bands) < 0.3 * total
    for band in filled:
        assert band["churnRateLow"] <= band["churnRate"] <= band["churnRateHigh"]


@pytest.mark.parametrize("feature", ["subscriptionType", "churn", "name", "nope", "x" * 500])
def test_churn_by_decile_of_anything_but_a_numeric_model_input_is_bad_user_input(
    api: TestClient, feature: str
) -> None:
    error = error_of(api, DECILES, feature=feature)

    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "numeric model feature" in error["message"]
    assert len(error["message"]) < 600
