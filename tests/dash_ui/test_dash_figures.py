from dash_ui.figures.drivers_chart import churn_drivers_figure
from dash_ui.figures.style import TIER_COLORS
from dash_ui.figures.tier_chart import risk_tier_figure


def test_tier_chart_shows_high_medium_low_in_that_order_whatever_the_input_order():
    # given counts in another order
    counts = {"LOW": 30, "HIGH": 10, "MEDIUM": 20}

    # when
    figure = risk_tier_figure(counts)

    # then
    (bar,) = figure.data
    assert list(bar.x) == ["High", "Medium", "Low"]
    assert list(bar.y) == [10, 20, 30]


def test_tier_chart_colours_high_red_medium_amber_low_green():
    figure = risk_tier_figure({"HIGH": 1, "MEDIUM": 2, "LOW": 3})

    assert list(figure.data[0].marker.color) == ["#dc3545", "#ffc107", "#198754"]
    assert TIER_COLORS == {"HIGH": "#dc3545", "MEDIUM": "#ffc107", "LOW": "#198754"}


def test_tier_chart_counts_a_missing_tier_as_zero_and_carries_monthly_charges_for_hover():
    figure = risk_tier_figure({"HIGH": 5}, {"HIGH": 400.0})

    assert list(figure.data[0].y) == [5, 0, 0]
    assert list(figure.data[0].customdata) == [400.0, 0.0, 0.0]


def test_tier_chart_with_no_scored_customer_says_so_instead_of_drawing_empty_bars():
    figure = risk_tier_figure({"HIGH": 0, "MEDIUM": 0, "LOW": 0})

    assert figure.data == ()
    assert figure.layout.annotations[0].text == "No scored customers yet"


def test_drivers_chart_is_horizontal_with_the_most_important_driver_on_top():
    # given drivers most important first, as the API sends them
    drivers = [("Days since last login", 0.31), ("Payment failures", 0.22), ("Tenure", 0.11)]

    # when
    figure = churn_drivers_figure(drivers)

    # then plotly draws the last category on top
    (bar,) = figure.data
    assert bar.orientation == "h"
    assert list(bar.y) == ["Tenure", "Payment failures", "Days since last login"]
    assert list(bar.x) == [0.11, 0.22, 0.31]


def test_drivers_chart_sorts_by_importance_even_if_the_input_is_unsorted():
    figure = churn_drivers_figure([("B", 0.1), ("A", 0.9), ("C", 0.5)])

    assert figure.data[0].y[-1] == "A"


def test_drivers_chart_without_drivers_explains_that_a_model_is_needed():
    figure = churn_drivers_figure([])

    assert figure.data == ()
    assert "train a model" in figure.layout.annotations[0].text
