"""The fiscal calendar: years that start in any month, quarters and their labels."""

from __future__ import annotations

from datetime import date

import pytest

from kpi_xl.core.fiscal import FiscalQuarter, fiscal_months, parse_quarter, quarter_of


def test_an_april_fiscal_year_runs_from_april_to_the_next_march() -> None:
    months = fiscal_months(2026, 4)
    assert months[0] == (2026, 4)
    assert months[8] == (2026, 12)
    assert months[9] == (2027, 1)
    assert months[-1] == (2027, 3)


def test_a_january_fiscal_year_is_the_calendar_year() -> None:
    assert fiscal_months(2027, 1) == [(2027, m) for m in range(1, 13)]


@pytest.mark.parametrize("start", [0, 13, -1])
def test_a_start_month_outside_1_to_12_is_refused(start: int) -> None:
    with pytest.raises(ValueError, match="1-12"):
        fiscal_months(2026, start)


@pytest.mark.parametrize("text", ["2026Q1", "FY2026Q1", "fy2026q1", "2026-Q1", "2026 q1",
                                  " 2026_Q1 ", "FY 2026 Q1"])
def test_parse_quarter_accepts_the_usual_spellings(text: str) -> None:
    assert parse_quarter(text) == FiscalQuarter(2026, 1)


@pytest.mark.parametrize("text", ["", "2026", "Q1", "2026Q0", "2026Q5", "26Q1", "2026Q1x",
                                  "garbage", "2026/1"])
def test_parse_quarter_rejects_anything_else_with_an_example(text: str) -> None:
    with pytest.raises(ValueError, match="2026Q1"):
        parse_quarter(text)


@pytest.mark.parametrize(("day", "start", "expected"), [
    (date(2026, 4, 1), 4, FiscalQuarter(2026, 1)),
    (date(2026, 6, 30), 4, FiscalQuarter(2026, 1)),
    (date(2026, 7, 1), 4, FiscalQuarter(2026, 2)),
    (date(2026, 12, 31), 4, FiscalQuarter(2026, 3)),
    (date(2027, 1, 15), 4, FiscalQuarter(2026, 4)),  # January belongs to FY2026 with April start
    (date(2027, 3, 31), 4, FiscalQuarter(2026, 4)),
    (date(2027, 1, 1), 1, FiscalQuarter(2027, 1)),
    (date(2027, 12, 31), 1, FiscalQuarter(2027, 4)),
    (date(2026, 9, 30), 10, FiscalQuarter(2025, 4)),
])
def test_quarter_of_a_day(day: date, start: int, expected: FiscalQuarter) -> None:
    assert quarter_of(day, start) == expected


def test_quarter_names_folders_and_months() -> None:
    q = FiscalQuarter(2026, 2)
    assert str(q) == "2026Q2"
    assert q.folder_name == "FY2026Q2"
    assert list(q.month_indexes()) == [3, 4, 5]
    assert FiscalQuarter(2026, 1).previous() == FiscalQuarter(2025, 4)
    assert q.previous() == FiscalQuarter(2026, 1)
