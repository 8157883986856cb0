"""Input rules are defined once: the Python check and the Excel validation come from one rule."""

from __future__ import annotations

import pytest

from kpi_xl.core.functions import KPI_REQUIRED_OPPS
from kpi_xl.core.funnel import required_count
from kpi_xl.core.spec import RATE_RULE, is_rate, rate_rule_formula


@pytest.mark.parametrize(("value", "usable"), [
    (0.2, True), (1, True), (1.0, True), (1e-9, True),
    (0, False), (-0.1, False), (1.0000001, False), (20, False), ("20%", False), (None, False),
    (True, False),
])
def test_a_rate_is_above_zero_and_at_most_one(value: object, usable: bool) -> None:
    assert is_rate(value) is usable


def test_the_excel_validation_is_the_same_rule_written_for_the_cell() -> None:
    assert rate_rule_formula("C5") == "=AND(ISNUMBER(C5),C5>0,C5<=1)"
    assert rate_rule_formula("$B$29") == "=AND(ISNUMBER($B$29),$B$29>0,$B$29<=1)"
    assert RATE_RULE.keys() == {"value"}


def test_the_funnel_and_the_excel_functions_refuse_what_the_rule_refuses() -> None:
    with pytest.raises(ValueError):
        required_count(100, 1.5)
    assert str(KPI_REQUIRED_OPPS(100, 1.5)).startswith("#KPI!")
    assert KPI_REQUIRED_OPPS(100, 1) == required_count(100, 1) == 100
