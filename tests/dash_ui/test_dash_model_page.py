"""The model page's content from a ModelPage answer: metrics against the baseline, curves, confusion."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash_ui.api.documents import MODEL_PAGE
from dash_ui.pages.model_content import load_model


def _metrics(auc: float, brier: float) -> dict[str, Any]:
    return {
        "rows": 300,
        "rocAuc": auc,
        "prAuc": 0.6,
        "brier": brier,
        "logLoss": 0.4,
        "positiveRate": 0.2,
        "topDecileLift": 3.1,
        "rocCurve": [{"x": 0, "y": 0}, {"x": 0.1, "y": 0.6}, {"x": 1, "y": 1}],
        "prCurve": [{"x": 0, "y": 1}, {"x": 1, "y": 0.2}],
        "reliability": [
            {"lower": 0.0, "upper": 0.1, "customers": 200, "meanPredicted": 0.05, "observedRate": 0.04},
            {"lower": 0.1, "upper": 0.2, "customers": 0, "meanPredicted": None, "observedRate": None},
            {"lower": 0.9, "upper": 1.0, "customers": 100, "meanPredicted": 0.92, "observedRate": 0.9},
        ],
        "confusion": [
            {
                "tier": "HIGH",
                "threshold": 0.5,
                "truePositives": 40,
                "falsePositives": 10,
                "trueNegatives": 230,
                "falseNegatives": 20,
                "precision": 0.8,
                "recall": 0.667,
            },
            {
                "tier": "MEDIUM",
                "threshold": 0.2,
                "truePositives": 55,
                "falsePositives": 45,
                "trueNegatives": 195,
                "falseNegatives": 5,
                "precision": 0.55,
                "recall": 0.917,
            },
        ],
    }


ANSWER = {
    "model": {
        "version": "v2",
        "createdAt": "2026-12-01T10:00:00+00:00",
        "trainingRows": 700,
        "testRows": 300,
        "trainingSeconds": 12.0,
        "searchMethod": "out-of-bag Brier",
        "calibrated": True,
        "parameters": [{"name": "min_samples_leaf", "value": 5}, {"name": "calibration", "value": "sigmoid"}],
        "metrics": _metrics(0.91, 0.09),
        "baseline": _metrics(0.93, 0.1),
    },
    "models": [
        {
            "version": "v2",
            "active": True,
            "recorded": True,
            "problem": None,
            "details": {
                "createdAt": "2026-12-01T10:00:00+00:00",
                "trainingRows": 700,
                "rocAuc": 0.91,
                "brier": 0.09,
            },
        },
        {
            "version": "v1",
            "active": False,
            "recorded": True,
            "problem": "unreadable manifest",
            "details": None,
        },
    ],
}


def test_the_model_page_compares_the_forest_with_its_baseline(
    client_answering: Callable[..., Any], text_of: Callable[[Any], str]
) -> None:
    client, transport = client_answering({"data": ANSWER})

    content = load_model(client)

    assert transport.payloads[0]["query"] == MODEL_PAGE
    assert content["alert"] is None and "v2" in content["meta"] and "calibrated" in content["meta"]
    metrics = text_of(content["metrics"])
    assert "0.910" in metrics and "0.930" in metrics and "3.10×" in metrics
    assert [trace.name for trace in content["roc"].data] == ["Forest", "Logistic baseline", "Chance"]
    assert list(content["reliability"].data[0].x) == [0.05, 0.92]  # the empty bin is not drawn
    confusion = text_of(content["confusion"])
    assert "High tier" in confusion and "precision 80.0%" in confusion and "230" in confusion
    assert "min_samples_leaf" in text_of(content["parameters"])
    versions = text_of(content["versions"])
    assert "active" in versions and "unreadable" in versions


def test_before_any_model_the_page_says_how_to_train_one(
    client_answering: Callable[..., Any], text_of: Callable[[Any], str]
) -> None:
    client, _ = client_answering(
        {"data": None, "errors": [{"message": "no model", "extensions": {"code": "MODEL_NOT_READY"}}]}
    )

    content = load_model(client)

    assert content["body_hidden"] is True and "retention train" in text_of(content["alert"])
