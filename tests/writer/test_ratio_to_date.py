"""A ratio KPI whose parts are tracked is recomputed from them on the Tracking sheet.

The sample's win rate follows Sales_WinRate, the step from opportunities to deals; both stages
have KPIs. Its quarter to date is Σ deals ÷ Σ opportunities over the months both were reported
(what the next quarter's review and the report compute), not the average of typed monthly
rates; with no such month yet, it is the average of its own months, like any other ratio.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl

from kpi_xl.core.departments import DEPARTMENTS
from kpi_xl.core.rollforward import ratio_parts
from kpi_xl.io.plan_reader import read_plan
from kpi_xl.io.resources import sample_plan_path
from tests.conftest import require_libreoffice, type_actuals
from tests.libreoffice import recalculate

OPPS, RATE, DEALS = "Opportunities per month", "Proposal win rate", "Deals per month"


def _to_date(path: Path, kpi: str) -> tuple[object, object]:
    ws = openpyxl.load_workbook(path, data_only=True)["Tracking"]
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows)
                 if row[0] == "Quarter to date and forecast to quarter end")
    return next((row[3], row[4]) for row in rows[start + 2:] if row[0] == kpi)


def test_the_sample_win_rate_has_deals_over_opportunities_as_its_parts() -> None:
    plan = read_plan(sample_plan_path("en"))
    links = {k.name: k.link for k in plan.kpis["sales"] if k.link}
    assert ratio_parts(DEPARTMENTS["sales"], links) == {RATE: (DEALS, OPPS)}


def test_win_rate_to_date_is_deals_over_opportunities_in_libreoffice(
        generated: dict[str, Path], tmp_path: Path) -> None:
    require_libreoffice()
    book = generated["sample-en-sales"]
    # Month 1: 40 opportunities, 10 deals, a typed 60% (the average of typed rates misleads);
    # month 2: 60 and 15; month 3: deals only (not counted: no opportunities reported).
    parts = type_actuals(book, "Sales_Actuals", {
        (0, OPPS): 40, (0, DEALS): 10, (0, RATE): 0.6, (1, OPPS): 60, (1, DEALS): 15,
        (1, RATE): 0.2, (2, DEALS): 30}, tmp_path / "parts.xlsx")
    own = type_actuals(book, "Sales_Actuals", {(0, RATE): 0.25, (1, RATE): 0.35},
                       tmp_path / "own.xlsx")
    engine = recalculate([parts, own], tmp_path / "lo")

    value, months = _to_date(engine[parts.resolve()], RATE)
    assert months == 2 and abs(value - 25 / 100) < 1e-12  # not (60% + 20%) / 2
    value, months = _to_date(engine[own.resolve()], RATE)
    assert months == 2 and abs(value - 0.3) < 1e-12


def test_the_unfilled_workbook_caches_what_libreoffice_computes(
        recalculated: dict, generated: dict[str, Path]) -> None:
    """The new formulas' cached values (blank: nothing typed) equal LibreOffice's."""
    book = recalculated["sample-en-sales"]
    assert _to_date(book.original, RATE) == _to_date(book.recalculated, RATE)
