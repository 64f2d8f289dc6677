from dash_ui.formatting import MISSING, format_count, format_money, format_percent, share


def test_counts_read_with_thousands_separators():
    assert format_count(12345) == "12,345"
    assert format_count(0) == "0"


def test_ratios_read_as_percentages_with_one_decimal_by_default():
    assert format_percent(0.2654) == "26.5%"
    assert format_percent(1) == "100.0%"
    assert format_percent(0.5, digits=0) == "50%"


def test_money_reads_with_symbol_and_separators():
    assert format_money(1234567.4) == "$1,234,567"
    assert format_money(79.5, digits=2) == "$79.50"


def test_negative_money_puts_the_sign_before_the_symbol_but_rounded_zero_has_none():
    assert format_money(-80.5, digits=2) == "-$80.50"
    assert format_money(-0.001, digits=2) == "$0.00"


def test_missing_values_read_as_a_dash_never_as_zero():
    assert format_count(None) == MISSING
    assert format_percent(None) == MISSING
    assert format_money(None) == MISSING


def test_share_of_nothing_is_missing_rather_than_a_division_error():
    assert share(1, 4) == 0.25
    assert share(1, 0) is None
    assert share(None, 4) is None
