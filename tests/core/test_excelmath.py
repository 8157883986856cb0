"""Excel-exact rounding: ROUNDUP, ROUNDDOWN and ROUND as Excel computes them.

Excel cuts a number to 15 significant digits before it rounds. The double 145/0.29 is
500.00000000000006; Excel (and LibreOffice) see 500.000000000000 and ROUNDUP gives 500, while
Python's math.ceil gives 501. Cached values must follow Excel, or previews disagree with Excel.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from kpi_xl.core.excelmath import excel_round, excel_rounddown, excel_roundup, to_15_digits


def test_roundup_of_145_over_0_29_is_500_as_in_excel_although_math_ceil_says_501() -> None:
    assert 145 / 0.29 > 500  # the double really is above 500 ...
    assert math.ceil(145 / 0.29) == 501  # ... so plain Python rounds it up to 501
    assert excel_roundup(145 / 0.29, 0) == 500  # ... but Excel sees 15 digits: 500


@pytest.mark.parametrize(("value", "expected"), [
    (500.0, 500), (500.1, 501), (0.0, 0), (1e-9, 1), (4999.000000001, 5000),
])
def test_roundup_moves_any_fraction_up(value: float, expected: int) -> None:
    assert excel_roundup(value, 0) == expected


@pytest.mark.parametrize(("value", "expected"), [(-2.1, -3), (-2.0, -2), (-0.0001, -1)])
def test_roundup_of_a_negative_number_goes_away_from_zero(value: float, expected: int) -> None:
    assert excel_roundup(value, 0) == expected


@pytest.mark.parametrize(("value", "expected"), [(2.9, 2), (-2.9, -2), (7.0, 7), (0.99999, 0)])
def test_rounddown_goes_toward_zero(value: float, expected: int) -> None:
    assert excel_rounddown(value, 0) == expected


def test_rounddown_also_cuts_to_15_digits_first() -> None:
    # 0.1 * 3 is 0.30000000000000004 as a double; 3 * 0.1 / 0.3 is 1.0000000000000002.
    assert excel_rounddown(0.1 * 3 / 0.3 * 10, 0) == 10
    # and a value just under a whole number in binary stays whole after the cut
    assert excel_rounddown(4.35 * 100, 0) == 435  # 434.99999999999994 as a double


@pytest.mark.parametrize(("value", "digits", "up", "down"), [
    (3.14159, 2, 3.15, 3.14),
    (-3.14159, 2, -3.15, -3.14),
    (1234.5678, 1, 1234.6, 1234.5),
    (0.125, 2, 0.13, 0.12),
])
def test_digits_above_zero_round_to_that_many_decimals(value: float, digits: int, up: float,
                                                       down: float) -> None:
    assert excel_roundup(value, digits) == up
    assert excel_rounddown(value, digits) == down


def test_negative_digits_round_to_tens_and_hundreds() -> None:
    assert excel_roundup(1234, -2) == 1300
    assert excel_rounddown(1234, -2) == 1200


@pytest.mark.parametrize(("value", "expected"), [(2.5, 3), (-2.5, -3), (2.4999, 2), (1.005 * 1000, 1005)])
def test_round_goes_half_away_from_zero(value: float, expected: int) -> None:
    assert excel_round(value, 0) == expected


def test_to_15_digits_is_what_excel_shows() -> None:
    assert to_15_digits(145 / 0.29) == Decimal("500.000000000000")
    assert to_15_digits(0.1 + 0.2) == Decimal("0.300000000000000")
    assert to_15_digits(0) == 0


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_rounding_refuses_infinity_and_nan(value: float) -> None:
    with pytest.raises(ValueError):
        excel_roundup(value, 0)
