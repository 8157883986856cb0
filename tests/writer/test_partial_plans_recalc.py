"""Partial plans and unplanned channels in a real engine: LibreOffice recalculates the workbooks.

A plan with only sales filled in gives a sales workbook that stands alone; a marketing plan with
no channel planned (and one planned without sales) gives a workbook whose channel block says
"not planned". After recalculation every cached value equals LibreOffice's, no cell holds an
error, and no channel cell shows a zero that nobody planned. One LibreOffice run for the module.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from kpi_xl.app.generate import generate
from kpi_xl.core.departments import DEPARTMENTS
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.core.funnel import required_count
from kpi_xl.core.i18n import t
from kpi_xl.io.plan_reader import read_plan
from tests.conftest import department_of, require_libreoffice, set_named
from tests.libreoffice import recalculate
from tests.partial import MARKETING, SALES, partial_plan
from tests.workbook_values import errors_in, formulas, named_cells, named_values, same, values

CHANNEL_INPUTS = [s for s in DEPARTMENTS["marketing"].inputs if s.group is not None]
#: Marketing planned without sales: its SQL target is typed (the template's formula followed
#: sales), its cycle left as the template's formula (no sales to follow: 0).
MARKETING_ALONE = {**{k: v for k, v in MARKETING.items() if k != "Mkt_CycleMonths"},
                   "Mkt_TargetSQL": 120}
#: Customer success counting new customers from won deals, without sales: its own won deals.
CS_ALONE = {"CS_StartCustomers": 200, "CS_MaxChurnRate": 0.05, "CS_NewCustomerShare": 0.5,
            "CS_WonDeals": 41}


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """label → (generated workbook, its LibreOffice-recalculated copy)."""
    require_libreoffice()
    root = tmp_path_factory.mktemp("partial-recalc")
    plans = {
        "sales-only-ja": partial_plan(root / "sales_only_ja.xlsx", "ja", SALES),
        "sales-only-en": partial_plan(root / "sales_only_en.xlsx", "en", SALES),
        "no-channels-ja": partial_plan(root / "no_channels_ja.xlsx", "ja", {**SALES, **MARKETING},
                                       kpis=("sales", "marketing")),
        "marketing-alone-en": partial_plan(root / "marketing_alone_en.xlsx", "en",
                                           MARKETING_ALONE, kpis=("marketing",)),
        "cs-alone-ja": partial_plan(root / "cs_alone_ja.xlsx", "ja", CS_ALONE,
                                    kpis=("customer_success",)),
    }
    generated: dict[str, Path] = {}
    for number, (label, plan_path) in enumerate(plans.items()):
        plan = read_plan(plan_path)
        quarter = FiscalQuarter(2026, 1 + number % 4)  # distinct file names for one LO run
        for path in generate(plan, quarter, root / label, plan.lang):
            generated[f"{label}/{department_of(path)}"] = path
    # A channel typed into the generated workbook later: its "not planned" goes away, live.
    typed = root / "typed_channel.xlsx"
    wb = openpyxl.load_workbook(generated["no-channels-ja/marketing"])
    set_named(wb, {"Mkt_SeoSessions": 12_000})
    wb.save(typed)
    generated["typed-channel"] = typed
    fresh = recalculate(generated.values(), root / "recalculated")
    return {label: (path, fresh[path.resolve()]) for label, path in generated.items()}


LABELS = ["sales-only-ja/sales", "sales-only-en/sales", "no-channels-ja/sales",
          "no-channels-ja/marketing", "marketing-alone-en/marketing",
          "cs-alone-ja/customer_success"]


def test_only_the_planned_departments_get_a_workbook(books: dict) -> None:
    assert sorted(label for label in books if label != "typed-channel") == sorted(LABELS)


@pytest.mark.parametrize("label", LABELS)
def test_every_cached_value_equals_the_libreoffice_recalculation(books: dict, label: str) -> None:
    original, recalculated = books[label]
    cached, fresh = values(original), values(recalculated)
    cells = formulas(original)
    assert cells
    assert {c: (cached.get(c), fresh.get(c)) for c in cells
            if not same(cached.get(c), fresh.get(c))} == {}


@pytest.mark.parametrize("label", [*LABELS, "typed-channel"])
def test_no_cell_holds_an_error_after_recalculation(books: dict, label: str) -> None:
    assert errors_in(values(books[label][1])) == {}


def test_the_sales_only_workbook_plans_sales_from_its_own_inputs(books: dict) -> None:
    opps = required_count(SALES["Sales_TargetDeals"], SALES["Sales_WinRate"])
    expected = {"Sales_RequiredOpps": opps,
                "Sales_RequiredLeads": required_count(opps, SALES["Sales_LeadToOppRate"]),
                "Sales_TargetRevenue": SALES["Sales_TargetDeals"] * SALES["Sales_AvgDealSize"]}
    assert expected == {"Sales_RequiredOpps": 500, "Sales_RequiredLeads": 5000,
                        "Sales_TargetRevenue": 200_000_000}
    for label in ("sales-only-ja/sales", "sales-only-en/sales"):
        for book in books[label]:
            named = named_values(book)
            assert {k: named[k] for k in expected} == expected
            assert not any(name.startswith(("Mkt_", "CS_", "Dev_")) for name in named)


def _channel_rows(path: Path) -> dict[str, tuple]:
    """Each channel input's (value, check column) as the recalculated workbook shows them."""
    shown = values(path)
    where = named_cells(path)
    out = {}
    for spec in CHANNEL_INPUTS:
        sheet, cell = where[spec.name]
        row = "".join(ch for ch in cell if ch.isdigit())
        out[spec.name] = (shown.get((sheet, cell)), shown.get((sheet, f"F{row}")))
    return out


@pytest.mark.parametrize(("label", "lang"), [("no-channels-ja/marketing", "ja"),
                                              ("marketing-alone-en/marketing", "en")])
def test_an_unplanned_channel_says_so_and_shows_no_zero(books: dict, label: str,
                                                        lang: str) -> None:
    for book in books[label]:  # the cached values and LibreOffice's alike
        rows = _channel_rows(book)
        assert rows == {spec.name: (None, t(lang, "partial.not_planned"))
                        for spec in CHANNEL_INPUTS}


def test_a_channel_typed_in_later_is_planned_live(books: dict) -> None:
    rows = _channel_rows(books["typed-channel"][1])
    assert rows["Mkt_SeoSessions"] == (12_000, None)  # the note is gone (an empty text)
    assert rows["Mkt_AdsCtr"] == (None, "計画なし")


def test_marketing_without_sales_plans_from_its_own_sql_target(books: dict) -> None:
    sql = MARKETING_ALONE["Mkt_TargetSQL"]
    mql = required_count(sql, MARKETING["Mkt_MqlToSqlRate"])
    leads = required_count(sql, MARKETING["Mkt_LeadToMqlRate"] * MARKETING["Mkt_MqlToSqlRate"])
    expected = {"Mkt_TargetSQL": sql, "Mkt_RequiredMQL": mql, "Mkt_RequiredLeads": leads,
                "Mkt_RequiredVisits": required_count(leads, MARKETING["Mkt_VisitToLeadRate"]),
                "Mkt_CycleMonths": 0}
    assert (mql, leads) == (480, 1200)
    for book in books["marketing-alone-en/marketing"]:
        named = named_values(book)
        assert {k: named[k] for k in expected} == expected
        assert not any(name.startswith("Sales_") for name in named)


def test_customer_success_without_sales_counts_new_customers_from_its_own_won_deals(
        books: dict) -> None:
    expected = {"CS_WonDeals": 41, "CS_NewCustomers": 20, "CS_MaxChurnedCustomers": 10,
                "CS_EndCustomers": 200 - 10 + 20}
    for book in books["cs-alone-ja/customer_success"]:
        named = named_values(book)
        assert {k: named[k] for k in expected} == expected
        assert not any(name.startswith("Sales_") for name in named)
