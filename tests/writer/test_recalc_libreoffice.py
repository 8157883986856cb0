"""Proof in a real engine: LibreOffice recalculates every generated workbook.

Cached values (written by Python) must equal what LibreOffice computes from the live formulas;
no cell may hold an error; and after inputs change inside a workbook, the recalculated outputs
must equal the Python core's results for the new inputs.
"""

from __future__ import annotations

import pytest

from kpi_xl.core.departments import DEPARTMENTS
from kpi_xl.core.funnel import monthly_split, required_count
from tests.conftest import CHANGED, HELD_OUT, HELD_OUT_WEIGHTS, Recalculated
from tests.workbook_values import errors_in, formulas, named_values, same, values

ORIGINAL_LABELS = [f"{source}-{dept}" for source in ("sample-ja", "sample-en", "held-out")
                   for dept in DEPARTMENTS] + ["template-ja", "template-sample-en"]


@pytest.mark.parametrize("label", ORIGINAL_LABELS)
def test_every_cached_value_equals_the_libreoffice_recalculation(
        recalculated: dict[str, Recalculated], label: str) -> None:
    book = recalculated[label]
    cached = values(book.original)
    fresh = values(book.recalculated)
    cells = formulas(book.original)
    assert cells, "the workbook should contain live formulas"
    mismatches = {cell: (cached.get(cell), fresh.get(cell)) for cell in cells
                  if not same(cached.get(cell), fresh.get(cell))}
    assert mismatches == {}


@pytest.mark.parametrize("label", [*ORIGINAL_LABELS, "changed-sales"])
def test_no_cell_holds_an_error_after_recalculation(
        recalculated: dict[str, Recalculated], label: str) -> None:
    assert errors_in(values(recalculated[label].recalculated)) == {}


@pytest.mark.parametrize("label", [label for label in ORIGINAL_LABELS
                                   if not label.startswith("template")])
def test_formulas_survive_the_round_trip_through_libreoffice(
        recalculated: dict[str, Recalculated], label: str) -> None:
    # LibreOffice keeps every formula: the workbook stays live after it was opened and saved.
    book = recalculated[label]
    assert set(formulas(book.recalculated)) >= set(formulas(book.original))


def _expected_sales(deals: float, win: float, lead: float, size: float) -> dict[str, float]:
    opps = required_count(deals, win)
    return {
        "Sales_TargetDeals": deals,
        "Sales_RequiredOpps": opps,
        "Sales_RequiredLeads": required_count(opps, lead),
        "Sales_TargetRevenue": deals * size,
    }


def test_changed_inputs_recalculate_to_the_core_results(
        recalculated: dict[str, Recalculated]) -> None:
    from tests.conftest import CHANGED_WEIGHTS

    named = named_values(recalculated["changed-sales"].recalculated)
    expected = _expected_sales(CHANGED["Sales_TargetDeals"], CHANGED["Sales_WinRate"],
                               CHANGED["Sales_LeadToOppRate"], CHANGED["Sales_AvgDealSize"])
    assert {k: named[k] for k in expected} == pytest.approx(expected, rel=1e-12)

    # The monthly leads column follows the new seasonality weights exactly as the core splits.
    fresh = values(recalculated["changed-sales"].recalculated)
    leads_by_month = _monthly_column(fresh, "月次目標", "リード")
    assert leads_by_month == monthly_split(expected["Sales_RequiredLeads"], CHANGED_WEIGHTS)


def test_held_out_plan_flows_through_to_the_named_outputs(
        recalculated: dict[str, Recalculated]) -> None:
    expected = _expected_sales(HELD_OUT["Sales_TargetDeals"], HELD_OUT["Sales_WinRate"],
                               HELD_OUT["Sales_LeadToOppRate"], HELD_OUT["Sales_AvgDealSize"])
    # Excel's 15-digit ROUNDUP: 145 / 0.29 needs 500 opportunities, not math.ceil's 501.
    assert expected["Sales_RequiredOpps"] == 500
    for which in ("original", "recalculated"):
        named = named_values(getattr(recalculated["held-out-sales"], which))
        assert {k: named[k] for k in expected} == pytest.approx(expected, rel=1e-12), which
    fresh = values(recalculated["held-out-sales"].recalculated)
    deals = _monthly_column(fresh, "Monthly targets", "Deals")
    assert deals == monthly_split(145, HELD_OUT_WEIGHTS)
    assert sum(deals) == 145


def _monthly_column(cells: dict, sheet: str, header: str) -> list[float]:
    header_cell = next(coord for (s, coord), v in cells.items() if s == sheet and v == header)
    col = "".join(ch for ch in header_cell if ch.isalpha())
    row = int("".join(ch for ch in header_cell if ch.isdigit()))
    return [cells[(sheet, f"{col}{row + i}")] for i in range(1, 13)]


def test_held_out_marketing_sql_target_follows_sales_required_opportunities(
        recalculated: dict[str, Recalculated]) -> None:
    from kpi_xl.core.funnel import reverse_funnel

    opps = required_count(HELD_OUT["Sales_TargetDeals"], HELD_OUT["Sales_WinRate"])
    mql, leads, visits = reverse_funnel(opps, [HELD_OUT["Mkt_MqlToSqlRate"],
                                               HELD_OUT["Mkt_LeadToMqlRate"],
                                               HELD_OUT["Mkt_VisitToLeadRate"]])
    expected = {"Mkt_TargetSQL": opps, "Mkt_RequiredMQL": mql, "Mkt_RequiredLeads": leads,
                "Mkt_RequiredVisits": visits}
    for which in ("original", "recalculated"):
        named = named_values(getattr(recalculated["held-out-marketing"], which))
        assert {k: named[k] for k in expected} == pytest.approx(expected, rel=1e-12), which


def test_held_out_customer_success_and_development_named_outputs(
        recalculated: dict[str, Recalculated]) -> None:
    from kpi_xl.core.funnel import max_lost

    churned = max_lost(HELD_OUT["CS_StartCustomers"], HELD_OUT["CS_MaxChurnRate"])
    assert churned == 20  # 487 × 4.3% = 20.94, rounded down
    for which in ("original", "recalculated"):
        cs = named_values(getattr(recalculated["held-out-customer_success"], which))
        assert cs["CS_MaxChurnedCustomers"] == churned
        assert cs["CS_MinRetainedCustomers"] == HELD_OUT["CS_StartCustomers"] - churned
        dev = named_values(getattr(recalculated["held-out-development"], which))
        assert dev["Dev_DeploysPerQuarter"] == HELD_OUT["Dev_DeploysPerWeek"] * 13


def _table_rows(path, table: str) -> list[dict]:
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=True)
    for ws in wb.worksheets:
        if table in ws.tables:
            rows = list(ws[ws.tables[table].ref])
            header = [c.value for c in rows[0]]
            return [dict(zip(header, (c.value for c in r), strict=True)) for r in rows[1:]]
    raise AssertionError(f"no table {table}")


def test_achievement_respects_direction_once_actuals_are_typed_in(
        recalculated: dict[str, Recalculated]) -> None:
    rows = _table_rows(recalculated["actuals-cs"].recalculated, "CS_Actuals")
    by_kpi = {}
    for row in rows:
        if row["Actual"] is not None:
            by_kpi.setdefault(row["KPI"], []).append(row)
    # Churn is lower-is-better: 4% against at most 5% is achieved (125%); 6% is missed.
    churn = by_kpi["Churn rate"]
    assert [r["Achievement"] for r in churn] == pytest.approx([0.05 / 0.04, 0.05 / 0.06])
    assert [r["Status"] for r in churn] == ["Achieved", "Missed"]
    retention = by_kpi["Retention rate"][0]
    assert retention["Achievement"] == pytest.approx(0.85 / 0.95)  # target 190/200 kept
    assert retention["Status"] == "Missed"
    assert [r["Status"] for r in by_kpi["NPS"]] == ["Achieved", "Missed"]


def test_quarter_to_date_and_forecast_follow_the_typed_actuals(
        recalculated: dict[str, Recalculated]) -> None:
    from kpi_xl.core.funnel import monthly_split

    fresh = values(recalculated["actuals-sales"].recalculated)
    sheet = "実績トラッキング"
    name_cell = next(coord for (s, coord), v in fresh.items()
                     if s == sheet and v == "月間リード獲得数" and coord.startswith("A"))
    row = int(name_cell[1:])
    line = {col: fresh.get((sheet, f"{col}{row}")) for col in "ABCDEFGHI"}
    # April–June lead targets: the seasonal split two months ahead (the sample's sales cycle).
    split = monthly_split(5000)
    months = [split[(i + 2) % 12] for i in range(3)]
    assert line["C"] == sum(months)  # quarter target = its months' seasonal targets
    assert line["D"] == 800  # 500 + 300 typed in
    assert line["E"] == 2  # months reported
    assert line["F"] == pytest.approx(800 / (months[0] + months[1]))
    assert line["G"] == pytest.approx(800 / (months[0] + months[1]) * sum(months))
    assert line["I"] == pytest.approx(400)  # monthly average actual
    # The OKR measured by this KPI is scored from its monthly average: (400-100)/(150-100) → 1.
    okr = values(recalculated["actuals-sales"].recalculated)
    scores = [v for (s, c), v in okr.items() if s == "OKR" and c.startswith("G")
              and isinstance(v, (int, float))]
    assert scores == [1]
