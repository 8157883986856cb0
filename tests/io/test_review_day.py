"""Weeks start on the plan's review day (Monday unless the plan says otherwise).

The day is typed by name in either language; each week belongs to the month holding its fourth
day, a month's weekly targets add up to its monthly target, and the review log schedules one
weekly review on each week's first day.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from kpi_xl.app.generate import generate
from kpi_xl.core.departments import DEPARTMENTS
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.core.spec import weekday_index
from kpi_xl.core.targets import evaluate
from kpi_xl.io.plan_reader import read_plan
from tests.io.test_plan_reader import make_plan, named_cell, problems_of


@pytest.mark.parametrize("typed,day", [("月曜日", 0), ("木曜", 3), ("金", 4), ("Thursday", 3),
                                       ("sun", 6), ("ＴＵＥ", 1), ("Wed.", 2)])
def test_a_day_typed_by_name_in_either_language_is_understood(typed: str, day: int) -> None:
    assert weekday_index(typed) == day


@pytest.mark.parametrize("typed", ["Funday", "1", "", "月曜日と木曜日"])
def test_anything_else_is_not_a_day(typed: str) -> None:
    assert weekday_index(typed) is None
    assert weekday_index(1) is None  # 1 could be Monday or Sunday


def test_a_blank_review_day_means_monday(tmp_path: Path) -> None:
    plan = read_plan(make_plan(tmp_path, {"Plan_ReviewDay": None}))
    assert plan.review_weekday == 0


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_day_that_is_not_one_is_refused_naming_the_cell(tmp_path: Path, lang: str) -> None:
    path = make_plan(tmp_path, {"Plan_ReviewDay": "Funday"}, lang=lang)
    [problem] = problems_of(path)
    assert (problem.sheet, problem.cell) == named_cell(path, "Plan_ReviewDay")
    assert "Funday" in problem.found
    assert ("月曜日〜日曜日" in problem.expected) if lang == "ja" else (
        "Monday to Sunday" in problem.expected)


def test_thursday_weeks_add_up_to_months_and_the_review_log_follows(tmp_path: Path) -> None:
    plan = read_plan(make_plan(tmp_path, {"Plan_ReviewDay": "Thursday"}))
    assert plan.review_weekday == 3
    rows, values = evaluate(plan, DEPARTMENTS["sales"])
    weeks = [r for r in rows if r.period.type == "week"]
    assert weeks and all(r.period.first.weekday() == 3 for r in weeks)
    for kpi in {r.kpi for r in rows if r.kind == "flow"}:
        for month in range(12):
            in_month = [values[r.key] for r in weeks if r.kpi == kpi and r.period.month == month]
            monthly = next(values[r.key] for r in rows if r.kpi == kpi
                           and r.period.type == "month" and r.period.index == month)
            assert sum(in_month) == monthly, (kpi, month)

    [book] = generate(plan, FiscalQuarter(plan.fiscal_year, 1), tmp_path / "out", "en",
                      departments=["sales"], roll_forward=False)
    wb = openpyxl.load_workbook(book)
    log = wb["Review log"]
    table = next(t for t in log.tables.values() if t.name == "Sales_Reviews")
    lines = list(log[table.ref])[1:]
    weekly = [line[0].value for line in lines if line[1].value == "weekly"]
    assert weekly and all(day.weekday() == 3 for day in weekly)
    assert "Weeks start on Thursday and belong to the month holding their Sunday" in str(
        [c.value for row in wb["Tracking"].iter_rows() for c in row])

