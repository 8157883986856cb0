"""Properties that must hold for any plan, not just the numbers we thought of."""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_xl.core.funnel import monthly_split, required_count


def excel_ceiling(value: float) -> int:
    """What Excel's ROUNDUP(value, 0) gives for value >= 0: the 15-significant-digit value, ceiled."""
    if value == 0:
        return 0
    shown = Decimal(f"{value:.14e}")  # Excel keeps 15 significant digits
    return int(shown.to_integral_value(rounding=ROUND_CEILING))


deals = st.integers(min_value=0, max_value=10_000_000)
rates = st.floats(min_value=0.0001, max_value=1.0, allow_nan=False, allow_infinity=False)
# Rates as planners type them: whole or one-decimal percentages.
typed_rates = st.integers(min_value=1, max_value=1000).map(lambda p: p / 1000)


@settings(max_examples=400, deadline=None)
@given(deals=deals, rate=st.one_of(rates, typed_rates))
def test_required_count_is_excels_roundup(deals: int, rate: float) -> None:
    count = required_count(deals, rate)
    assert count == excel_ceiling(deals / rate)
    # and it is never short by more than Excel's 15-digit cut could hide
    assert count * rate >= deals * (1 - 1e-14)
    assert count >= 0 and isinstance(count, int)


@settings(max_examples=300, deadline=None)
@given(annual=st.integers(min_value=0, max_value=10_000_000),
       weights=st.lists(st.one_of(st.integers(0, 10), st.floats(0, 10, allow_nan=False)),
                        min_size=12, max_size=12).filter(lambda w: sum(w) > 0))
def test_monthly_split_always_sums_to_the_annual_total(annual: int, weights: list[float]) -> None:
    months = monthly_split(annual, weights)
    assert sum(months) == annual
    assert all(isinstance(m, int) and m >= 0 for m in months)
    for month, weight in zip(months, weights, strict=True):
        if weight == 0:
            assert month == 0
        # each month is within one of its exact share
        assert math.isclose(month, annual * weight / sum(weights), abs_tol=1 + 1e-9 * annual)


_FINITE = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)


@settings(max_examples=600, deadline=None)
@given(a=_FINITE, nudge=st.sampled_from([0.0, 1e-16, -1e-16, 3e-15, -3e-15, 1e-13, 1e-9]),
       op=st.sampled_from(["=", "<>", "<", "<=", ">", ">="]))
def test_a_comparison_is_the_one_of_the_numbers_cut_to_15_digits(a: float, nudge: float,
                                                                  op: str) -> None:
    """Excel's rule, whatever shortcut the core takes: compare the 15-digit numbers."""
    from kpi_xl.core.excelmath import to_15_digits

    b = a * (1 + nudge)
    x, y = to_15_digits(a), to_15_digits(b)
    expected = {"=": x == y, "<>": x != y, "<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]
    assert _compare_via_expr(a, b, op) is expected


def _compare_via_expr(a: float, b: float, op: str) -> bool:
    from kpi_xl.core.expr import Num

    left, right = Num(a), Num(b)
    expr = {"=": left.eq, "<>": left.ne, "<": left.lt, "<=": left.le, ">": left.gt,
            ">=": left.ge}[op](right)
    return bool(expr.evaluate({}))
