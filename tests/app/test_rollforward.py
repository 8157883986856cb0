"""Roll forward: a Q1 workbook with actuals typed in rolls into the Q2 workbook, whoever saved it.

Q1 is generated from the held-out plan; a manager types actuals into the sales and customer
success workbooks (with openpyxl, which saves no formula results), and a copy is saved by
LibreOffice (which saves every result, as Excel does). Q2 generated from either shows the same
actuals on its "Last quarter review" sheet; its live comparisons recalculate in LibreOffice to
their cached values; and regenerating Q1 refuses to overwrite the typed actuals.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from dataclasses import astuple
from pathlib import Path

import openpyxl
import pytest

from kpi_xl.app.cli import main
from kpi_xl.app.generate import generate
from kpi_xl.app.rollforward import carry_forward
from kpi_xl.core.departments import DEPARTMENTS
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.io.plan_reader import read_plan
from kpi_xl.io.resources import sample_plan_path
from tests.conftest import HELD_OUT, fill_template, require_libreoffice, type_actuals
from tests.libreoffice import recalculate
from tests.workbook_values import errors_in, formulas, same, values

Q1, Q2 = "FY2027Q1", "FY2027Q2"
REVIEW = "Last quarter review"
SALES = {(0, "Leads per month"): 700, (1, "Leads per month"): 300, (2, "Leads per month"): 650,
         (0, "Opportunities per month"): 40, (1, "Opportunities per month"): 30,
         (2, "Opportunities per month"): 35,
         (0, "Deals per month"): 3, (1, "Deals per month"): 6, (2, "Deals per month"): 5,
         (0, "Proposal win rate"): 0.18}
CS = {(0, "Churn rate"): 0.04, (1, "Churn rate"): 0.06, (0, "Retention rate"): 0.85,
      (0, "NPS"): 55, (1, "NPS"): 41}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A plan; Q1 workbooks with actuals saved by openpyxl; the same saved by LibreOffice."""
    require_libreoffice()
    root = tmp_path_factory.mktemp("rollforward")
    # Sales types its 7% lead→opportunity rate; marketing's lead→MQL rate follows from it.
    typed = {**HELD_OUT, "Sales_LeadToOppRate": 0.07, "Mkt_LeadToMqlRate": None}
    plan = fill_template(sample_plan_path("en"), root / "plan.xlsx", typed, [1] * 12)
    by_openpyxl = root / "openpyxl"
    generate(read_plan(plan), FiscalQuarter(2027, 1), by_openpyxl, "en")
    q1 = by_openpyxl / Q1
    type_actuals(q1 / f"{Q1}_sales_en.xlsx", "Sales_Actuals", SALES, q1 / f"{Q1}_sales_en.xlsx")
    type_actuals(q1 / f"{Q1}_customer_success_en.xlsx", "CS_Actuals", CS,
                 q1 / f"{Q1}_customer_success_en.xlsx")
    by_libreoffice = root / "libreoffice"
    recalculate(sorted(q1.glob("*.xlsx")), by_libreoffice / Q1)
    return {"plan": plan, "openpyxl": by_openpyxl, "libreoffice": by_libreoffice, "root": root}


def review_rows(book: Path) -> list[tuple]:
    wb = openpyxl.load_workbook(book, data_only=True)
    return [tuple(c.value for c in row) for row in wb[REVIEW].iter_rows()]


def kpi_row(rows: list[tuple], name: str) -> tuple:
    return next(r for r in rows if r[0] == name and isinstance(r[3], (int, float)))


@pytest.mark.parametrize("saved_by", ["openpyxl", "libreoffice"])
def test_q1_actuals_roll_into_the_q2_review_sheet(world: dict[str, Path], saved_by: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = world[saved_by]
    code = main(["generate", str(world["plan"]), "--quarter", "2027Q2", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    rows = review_rows(out / Q2 / f"{Q2}_sales_en.xlsx")
    leads = kpi_row(rows, "Leads per month")
    # KPI, unit, direction, months, target, actual, achievement, status, met-while-missed, YTD
    assert leads[3] == 3 and leads[5] == 1650
    assert leads[4] > 0 and same(leads[6], 1650 / leads[4])
    assert leads[9] == 1650 and leads[10] == 1650  # no Q2 actuals yet
    win = kpi_row(rows, "Proposal win rate")
    assert win[3] == 1 and same(win[5], 0.18) and same(win[4], 0.29)
    deals = kpi_row(rows, "Deals per month")
    assert deals[8] == "KGI"
    # Planned rates beside achieved ones: 14 deals of 105 opportunities (13.3%) against 29%.
    rate = next(r for r in rows if r[0] == "Win rate (opportunity → deal)")
    assert rate[2] == 14 and rate[4] == 105 and same(rate[5], 14 / 105) and same(rate[6], 0.29)
    assert rate[8] == "Plan clearly more optimistic than achieved"
    lead_rate = next(r for r in rows if r[0] == "Lead → opportunity rate")
    assert same(lead_rate[5], 105 / 1650)
    assert lead_rate[8] == "In line with actuals"  # 7% planned against 6.4% achieved
    texts = " ".join(str(v) for r in rows for v in r if isinstance(v, str))
    assert "met its target in" in texts  # leads met in a month the KGI (deals) missed
    assert kpi_row(rows, "Leads per month")[8] >= 1
    if saved_by == "openpyxl":
        assert "recomputed from the current plan" in texts
    else:
        assert "recomputed" not in texts
    cs = review_rows(out / Q2 / f"{Q2}_customer_success_en.xlsx")
    churn = kpi_row(cs, "Churn rate")
    assert churn[3] == 2 and same(churn[5], 0.05) and churn[2] == "lower is better"
    # Departments with no actuals typed get a review sheet too, with nothing to carry.
    marketing = openpyxl.load_workbook(out / Q2 / f"{Q2}_marketing_en.xlsx")
    assert REVIEW in marketing.sheetnames


def test_both_saves_carry_the_same_figures(world: dict[str, Path]) -> None:
    plan = read_plan(world["plan"])
    q2 = FiscalQuarter(2027, 2)
    a = carry_forward(plan, q2, world["openpyxl"], "en")
    b = carry_forward(plan, q2, world["libreoffice"], "en")
    assert set(a) == set(b) == set(DEPARTMENTS)
    for dept in a:
        for mine, theirs in ((a[dept].last_quarter, b[dept].last_quarter),
                             (a[dept].rates, b[dept].rates)):
            assert len(mine) == len(theirs)
            for x, y in zip(mine, theirs, strict=True):  # LibreOffice keeps 15 digits
                assert all(same(p, q) if isinstance(p, float) else p == q
                           for p, q in zip(astuple(x), astuple(y), strict=True)), (x, y)
        assert a[dept].findings == b[dept].findings


def test_the_review_sheet_recalculates_to_its_cached_values(
        world: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(world["libreoffice"] / Q1, out / Q1)
    plan = read_plan(world["plan"])
    paths = generate(plan, FiscalQuarter(2027, 2), out, "en",
                     departments=["sales", "customer_success"])
    # Type Q2 actuals: the year-to-date column must add them, live.
    sales = paths[0]
    typed = type_actuals(sales, "Sales_Actuals", {(0, "Leads per month"): 100}, tmp_path /
                         "typed_sales.xlsx")
    fresh = recalculate([*paths, typed], tmp_path / "lo")
    for path in paths:
        cached, recalculated = values(path), values(fresh[path.resolve()])
        cells = [c for c in formulas(path) if c[0] == REVIEW]
        assert cells
        assert {c: (cached.get(c), recalculated.get(c)) for c in cells
                if not same(cached.get(c), recalculated.get(c))} == {}
        assert errors_in(recalculated) == {}
    rows = review_rows(fresh[typed.resolve()])
    leads = kpi_row(rows, "Leads per month")
    assert leads[9] == 1650 and leads[10] == 1750


def test_regenerating_q1_refuses_to_overwrite_typed_actuals(
        world: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for saved_by in ("openpyxl", "libreoffice"):
        out = tmp_path / saved_by
        shutil.copytree(world[saved_by] / Q1, out / Q1)
        before = {p.name: p.read_bytes() for p in (out / Q1).iterdir()}
        code = main(["generate", str(world["plan"]), "--quarter", "2027Q1", "--out", str(out)])
        err = capsys.readouterr().err
        assert code == 2 and "Refusing to overwrite 2 workbooks" in err, err
        assert f"{Q1}_sales_en.xlsx" in err and f"{Q1}_customer_success_en.xlsx" in err
        assert "actuals entered (10 cells)" in err
        assert {p.name: p.read_bytes() for p in (out / Q1).iterdir()} == before
    # Untouched workbooks (marketing, development) are not in the way; --force keeps backups.
    code = main(["generate", str(world["plan"]), "--quarter", "2027Q1", "--out", str(out),
                 "--force"])
    err = capsys.readouterr().err
    assert code == 0, err
    backups = sorted(p.name for p in (out / Q1).glob("*.bak.xlsx"))
    assert len(backups) == 2 and all(".bak.xlsx" in b for b in backups)
    assert err.count("kept ") == 2


def test_previous_points_at_another_folder(world: dict[str, Path], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["generate", str(world["plan"]), "--quarter", "2027Q2", "--out",
                 str(tmp_path / "elsewhere"), "--previous", str(world["libreoffice"] / Q1)])
    assert code == 0, capsys.readouterr().err
    rows = review_rows(tmp_path / "elsewhere" / Q2 / f"{Q2}_sales_en.xlsx")
    assert kpi_row(rows, "Leads per month")[5] == 1650


def test_year_to_date_adds_every_earlier_quarter_of_the_year(
        world: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(world["libreoffice"] / Q1, out / Q1)
    plan = read_plan(world["plan"])
    [q2] = generate(plan, FiscalQuarter(2027, 2), out, "en", departments=["sales"])
    type_actuals(q2, "Sales_Actuals", {(0, "Leads per month"): 200, (1, "Leads per month"): 100},
                 q2)
    [q3] = generate(plan, FiscalQuarter(2027, 3), out, "en", departments=["sales"])
    leads = kpi_row(review_rows(q3), "Leads per month")
    assert leads[5] == 300  # last quarter (Q2)
    assert leads[9] == 1950  # Q1 + Q2


def test_text_from_a_previous_workbook_stays_text(world: dict[str, Path], tmp_path: Path) -> None:
    # A KPI renamed in last quarter's workbook to something formula-like is carried as text.
    out = tmp_path / "out"
    shutil.copytree(world["openpyxl"] / Q1, out / Q1)
    book = out / Q1 / f"{Q1}_sales_en.xlsx"
    wb = openpyxl.load_workbook(book)
    payload = "=cmd|' /C calc'!A0"
    ws = wb["KPIs"]
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == "Leads per month":
                cell.value = payload
                cell.data_type = "s"
    wb.save(book)
    plan = read_plan(world["plan"])
    [q2] = generate(plan, FiscalQuarter(2027, 2), out, "en", departments=["sales"])
    assert payload in [r[0] for r in review_rows(q2)]
    with zipfile.ZipFile(q2) as archive:
        sheets = "".join(archive.read(n).decode("utf-8") for n in archive.namelist()
                         if n.startswith("xl/worksheets/sheet"))
    # Never in a formula (a formula's cached text result, <v>, may show it: it is a string).
    assert not [f for f in re.findall(r"<f[^>]*>(.*?)</f>", sheets) if "calc" in f]
