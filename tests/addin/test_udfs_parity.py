"""Parity: the Excel functions give what the workbooks' native formulas give in a real engine.

Two proofs, both recalculated by LibreOffice (the reference engine of the suite):

1. The generated workbooks of the session (already recalculated once by the ``recalculated``
   fixture): the UDFs, fed the workbooks' own inputs, return the workbooks' recalculated
   outputs (sales and marketing funnels, customer-success churn allowance).
2. A parity workbook built here with :class:`~kpi_xl.writer.book.BookWriter` from the same
   expressions the department workbooks write (funnel stages, monthly split, achievement,
   OKR score, churn allowance), over held-out inputs chosen for Excel's rounding traps; one
   extra LibreOffice run recalculates it together with a ``--with-udfs`` workbook.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from kpi_xl.addin import udfs
from kpi_xl.core.expr import ref
from kpi_xl.core.funnel import max_lost_expr, monthly_split_exprs, stage_expr
from kpi_xl.core.kpis import DIRECTIONS
from kpi_xl.core.measures import achievement_expr, okr_score_expr
from kpi_xl.io.files import atomic_move
from tests.conftest import Recalculated, require_libreoffice
from tests.libreoffice import recalculate
from tests.workbook_values import ERROR_VALUES, named_values, values


@pytest.fixture(autouse=True)
def _classic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(udfs, "OFFICEJS", False)


# 1. The generated workbooks -----------------------------------------------------------------------

SALES = ["sample-ja-sales", "sample-en-sales", "held-out-sales", "changed-sales"]


@pytest.mark.parametrize("label", SALES)
def test_sales_funnel_udfs_equal_the_recalculated_workbook(
        recalculated: dict[str, Recalculated], label: str) -> None:
    named = named_values(recalculated[label].recalculated)
    deals, win, l2o = named["Sales_TargetDeals"], named["Sales_WinRate"], named[
        "Sales_LeadToOppRate"]
    assert udfs.KPI_REQUIRED_OPPS(deals, win) == named["Sales_RequiredOpps"]
    assert udfs.KPI_REQUIRED_LEADS(deals, win, l2o) == named["Sales_RequiredLeads"]
    assert udfs.KPI_FUNNEL(deals, [[win], [l2o]]) == [[named["Sales_RequiredOpps"]],
                                                      [named["Sales_RequiredLeads"]]]
    revenue = named["Sales_TargetRevenue"]
    assert udfs.KPI_REQUIRED_DEALS(revenue, named["Sales_AvgDealSize"]) == deals


@pytest.mark.parametrize("label", ["sample-ja-marketing", "held-out-marketing"])
def test_marketing_funnel_udfs_equal_the_recalculated_workbook(
        recalculated: dict[str, Recalculated], label: str) -> None:
    named = named_values(recalculated[label].recalculated)
    rates = [[named["Mkt_MqlToSqlRate"]], [named["Mkt_LeadToMqlRate"]],
             [named["Mkt_VisitToLeadRate"]]]
    assert udfs.KPI_FUNNEL(named["Mkt_TargetSQL"], rates) == [
        [named["Mkt_RequiredMQL"]], [named["Mkt_RequiredLeads"]], [named["Mkt_RequiredVisits"]]]


@pytest.mark.parametrize("label", ["sample-en-customer_success", "held-out-customer_success"])
def test_churn_allowance_udf_equals_the_recalculated_workbook(
        recalculated: dict[str, Recalculated], label: str) -> None:
    named = named_values(recalculated[label].recalculated)
    assert udfs.KPI_MAX_LOST(named["CS_StartCustomers"], named["CS_MaxChurnRate"]) == named[
        "CS_MaxChurnedCustomers"]


# 2. A parity workbook over held-out inputs --------------------------------------------------------

_rng = random.Random(20260401)
FUNNELS = [(145, 0.29, 0.07), (233, 0.23, 0.061), (100, 0.2, 0.1), (7, 0.33, 0.11),
           (99, 0.17, 0.013), (12345, 0.271, 0.0437), (1, 1.0, 1.0), (0, 0.5, 0.5)] + [
    (_rng.randint(1, 5000), round(_rng.uniform(0.01, 1), 3), round(_rng.uniform(0.005, 1), 4))
    for _ in range(40)]
DEALS = [(500_000_000, 3_456_789), (100_000_000, 3_000_000), (1_000_000, 7), (0, 10)]
LOST = [(487, 0.043), (1000, 0.07), (333, 0.031), (200, 0.05), (10, 1.0)]
LOWER = DIRECTIONS["lower"]["en"]
HIGHER = DIRECTIONS["higher"]["en"]
ACHIEVEMENTS = [(0.04, 0.05, LOWER), (0.06, 0.05, LOWER), (450, 500, HIGHER), (0, 0.05, LOWER),
                (None, 500, HIGHER), (10, 0, HIGHER), (7, 3, LOWER), (0.3333, 0.29, HIGHER)]
OKRS = [(130, 100, 150), (90, 100, 150), (200, 100, 150), (None, 100, 150), (5, 5, 5),
        (0.12, 0.1, 0.15)]
MONTHLY = [(7143, [0.8, 0.9, 1.4, 1.0, 1.0, 1.1, 0.7, 0.6, 1.2, 1.0, 1.1, 1.6]),
           (233, [3, 1, 1, 2, 0, 1, 1, 1, 1, 1, 1, 5]), (5000, [1] * 12), (1, [1] * 12),
           (997, [0.1, 0.2, 0.3])]


def _parity_book(path: Path) -> dict[str, list]:
    """Write native formulas over the held-out inputs; return, per case, UDF value and key."""
    from kpi_xl.writer.book import BookWriter

    book = BookWriter("en")
    sheet = book.sheet("Parity")
    cases: dict[str, list] = {"cells": []}
    row = 0

    def number(col: int, key: str, value: object, kind: str = "general") -> str:
        return sheet.input(row, col, key, value, kind, validate=False)

    for i, (deals, win, l2o) in enumerate(FUNNELS):
        d, w, lo = (number(0, f"f{i}.d", deals), number(1, f"f{i}.w", win),
                    number(2, f"f{i}.l", l2o))
        opps = sheet.formula(row, 3, stage_expr(ref(d), ref(w)), key=f"f{i}.opps")
        leads = sheet.formula(row, 4, stage_expr(ref(opps), ref(lo)), key=f"f{i}.leads")
        cases["cells"] += [(opps, udfs.KPI_REQUIRED_OPPS(deals, win)),
                           (leads, udfs.KPI_REQUIRED_LEADS(deals, win, l2o))]
        row += 1
    for i, (revenue, size) in enumerate(DEALS):
        r, s = number(0, f"d{i}.r", revenue), number(1, f"d{i}.s", size)
        key = sheet.formula(row, 3, stage_expr(ref(r), ref(s)), key=f"d{i}.deals")
        cases["cells"].append((key, udfs.KPI_REQUIRED_DEALS(revenue, size)))
        row += 1
    for i, (base, rate) in enumerate(LOST):
        b, m = number(0, f"m{i}.b", base), number(1, f"m{i}.r", rate)
        key = sheet.formula(row, 3, max_lost_expr(ref(b), ref(m)), key=f"m{i}.lost")
        cases["cells"].append((key, udfs.KPI_MAX_LOST(base, rate)))
        row += 1
    for i, (actual, target, direction) in enumerate(ACHIEVEMENTS):
        a, t, d = (number(0, f"a{i}.a", actual), number(1, f"a{i}.t", target),
                   number(2, f"a{i}.d", direction, "text"))
        expr = achievement_expr(ref(a), ref(t), ref(d).eq(LOWER))
        key = sheet.formula(row, 3, expr, "percent", key=f"a{i}.ach")
        # A blank actual counts as 0 in the function (one rule for classic and Lite); the docs'
        # =IF(A="","",KPI_ACHIEVEMENT(...)) shows blank like the workbook: Excel does the IF.
        udf = "" if actual is None else udfs.KPI_ACHIEVEMENT(actual, target, direction)
        cases["cells"].append((key, udf))
        row += 1
    for i, (current, start, target) in enumerate(OKRS):
        c, s, t = (number(0, f"o{i}.c", current), number(1, f"o{i}.s", start),
                   number(2, f"o{i}.t", target))
        key = sheet.formula(row, 3, okr_score_expr(ref(c), ref(s), ref(t)), key=f"o{i}.okr")
        udf = "" if current is None else udfs.KPI_OKR_SCORE(current, start, target)
        cases["cells"].append((key, udf))
        row += 1
    for i, (annual, weights) in enumerate(MONTHLY):
        a = number(0, f"s{i}.a", annual)
        keys = []
        for j, weight in enumerate(weights):
            keys.append(sheet.input(row + j, 1, f"s{i}.w{j}", weight, "weight", validate=False))
        got = udfs.KPI_MONTHLY(annual, [[w] for w in weights])
        for j, expr in enumerate(monthly_split_exprs(ref(a), keys)):
            key = sheet.formula(row + j, 3, expr, key=f"s{i}.m{j}")
            cases["cells"].append((key, got[j][0]))
        row += len(weights)
    cases["where"] = [book.cell(key)[1:] for key, _ in cases["cells"]]
    atomic_move(book.render(), path)
    book.discard()
    return cases


@pytest.fixture(scope="module")
def parity(tmp_path_factory: pytest.TempPathFactory) -> dict:
    require_libreoffice()
    from kpi_xl.app.generate import generate
    from kpi_xl.core.fiscal import FiscalQuarter
    from kpi_xl.io.plan_reader import read_plan
    from kpi_xl.io.resources import sample_plan_path

    folder = tmp_path_factory.mktemp("parity")
    cases = _parity_book(folder / "udf_parity.xlsx")
    plan = read_plan(sample_plan_path("en"))
    with_udfs = generate(plan, FiscalQuarter(2026, 1), folder / "with-udfs", "en",
                         ["sales"], with_udfs=True)[0]
    mapping = recalculate([folder / "udf_parity.xlsx", with_udfs], folder / "lo")
    return {"cases": cases, "book": mapping[(folder / "udf_parity.xlsx").resolve()],
            "with_udfs": with_udfs, "with_udfs_lo": mapping[with_udfs.resolve()]}


def _same(udf: object, engine: object) -> bool:
    if udf in ("", None):
        return engine in ("", None)
    return isinstance(engine, (int, float)) and engine == pytest.approx(udf, rel=1e-12, abs=0)


def test_udfs_equal_native_formulas_recalculated_by_libreoffice(parity: dict) -> None:
    import openpyxl
    from xlsxwriter.utility import xl_rowcol_to_cell

    ws = openpyxl.load_workbook(parity["book"], data_only=True)["Parity"]
    checked = 0
    mismatches = {}
    for (key, udf_value), (row, col) in zip(parity["cases"]["cells"], parity["cases"]["where"],
                                            strict=True):
        engine = ws[xl_rowcol_to_cell(row, col)].value
        if not _same(udf_value, engine):
            mismatches[key] = (udf_value, engine)
        checked += 1
    assert mismatches == {}
    assert checked > 150


def test_the_rounding_trap_is_in_the_parity_set(parity: dict) -> None:
    cells = dict(parity["cases"]["cells"])
    assert cells["f0.opps"] == 500  # ROUNDUP(145/0.29,0): math.ceil would give 501


def test_with_udfs_workbook_needs_the_addin_only_on_its_own_sheet(parity: dict) -> None:
    # Without the add-in (LibreOffice has none) only the add-in sheet's UDF cells fail.
    fresh = values(parity["with_udfs_lo"])
    errors = {cell: v for cell, v in fresh.items()
              if isinstance(v, str) and v.startswith(ERROR_VALUES)}
    assert errors, "the UDF cells should be #NAME? without the add-in"
    assert {sheet for sheet, _ in errors} == {"Add-in functions"}


def test_with_udfs_cells_cache_what_the_udfs_answer(parity: dict) -> None:
    from tests.workbook_values import formulas

    cells = formulas(parity["with_udfs"])
    cached = values(parity["with_udfs"])
    smart = {c: f for c, f in cells.items() if "KPI_SMART_CHECK(" in f}
    assert smart and all(str(cached[c]).startswith(("OK", "NG")) for c in smart)
    # The tree check spills (a dynamic-array formula, stored as an array formula).
    import openpyxl

    ws = openpyxl.load_workbook(parity["with_udfs"])["Add-in functions"]
    spills = [c.coordinate for row in ws.iter_rows() for c in row
              if "KPI_TREE_VALIDATE(" in str(getattr(c.value, "text", ""))]
    assert len(spills) == 1
    assert cached[("Add-in functions", spills[0])] in ("OK", "warning", "error")
