"""The reverse funnel and the monthly split: the arithmetic every department workbook shows."""

from __future__ import annotations

import math

import pytest

from kpi_xl.core.funnel import (
    max_lost,
    monthly_split,
    required_count,
    required_deals,
    reverse_funnel,
)


def test_the_articles_example_100_deals_need_500_opportunities_and_5000_leads() -> None:
    assert required_count(100, 0.2) == 500
    assert required_count(500, 0.1) == 5000
    assert reverse_funnel(100, [0.2, 0.1]) == [500, 5000]


def test_a_fraction_of_a_lead_means_one_more_lead() -> None:
    assert required_count(10, 0.3) == 34  # 33.33... → 34


def test_required_count_follows_excel_not_math_ceil() -> None:
    assert math.ceil(145 / 0.29) == 501
    assert required_count(145, 0.29) == 500


def test_a_100_percent_rate_needs_exactly_the_target() -> None:
    assert required_count(42, 1.0) == 42


def test_a_zero_target_needs_nothing() -> None:
    assert reverse_funnel(0, [0.2, 0.1]) == [0, 0]


@pytest.mark.parametrize("rate", [0, -0.2, 1.01, 20, math.nan])
def test_a_rate_outside_0_to_100_percent_is_refused(rate: float) -> None:
    with pytest.raises(ValueError, match="rate"):
        required_count(100, rate)


def test_a_negative_target_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        required_count(-1, 0.2)


def test_required_deals_from_revenue() -> None:
    assert required_deals(200_000_000, 2_000_000) == 100
    assert required_deals(200_000_001, 2_000_000) == 101
    with pytest.raises(ValueError):
        required_deals(1, 0)


def test_max_lost_rounds_down() -> None:
    assert max_lost(200, 0.05) == 10
    assert max_lost(219, 0.05) == 10


def test_monthly_split_gives_whole_numbers_that_sum_exactly_to_the_annual_target() -> None:
    months = monthly_split(5000)
    assert len(months) == 12
    assert all(isinstance(m, int) for m in months)
    assert sum(months) == 5000
    assert months[:4] == [417, 417, 416, 417]  # the article's "about 417 a month"
    assert set(months) <= {416, 417}


def test_monthly_split_follows_the_seasonality_weights() -> None:
    weights = [2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]  # a busy first month, a dead last one
    months = monthly_split(1200, weights)  # twelve shares of 100
    assert sum(months) == 1200
    assert months[0] == 200
    assert months[1:11] == [100] * 10
    assert months[11] == 0


def test_a_month_with_zero_weight_gets_nothing() -> None:
    weights = [0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1]
    months = monthly_split(601, weights)
    assert [m for m, w in zip(months, weights, strict=True) if w == 0] == [0] * 6
    assert sum(months) == 601


def test_monthly_split_of_zero_is_all_zero() -> None:
    assert monthly_split(0) == [0] * 12


@pytest.mark.parametrize("weights", [[0] * 12, [1, -1] * 6, []])
def test_weights_that_cannot_split_are_refused(weights: list[float]) -> None:
    with pytest.raises(ValueError, match="weights"):
        monthly_split(100, weights)
