"""What a planner saw on the printed pages (issue 11, item 7), asserted on the files' structure.

Each fix was also looked at rendered (``/work/shared/tools/look-at-workbook``); these tests keep
what can be asserted: number formats, units, widths, print areas, conditional formats, notes,
columns, protection and the template's live hint.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries

from kpi_xl.app.check import _period_start
from kpi_xl.app.generate import generate
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.core.kpis import Okr
from kpi_xl.io.plan_reader import read_plan
from kpi_xl.io.resources import sample_plan_path
from kpi_xl.writer.book import display_width
from tests.conftest import require_libreoffice, set_named
from tests.libreoffice import recalculate


def _rows(ws) -> list[tuple]:  # type: ignore[no-untyped-def]
    return list(ws.iter_rows())


def _find(ws, text: str):  # type: ignore[no-untyped-def]
    return next(c for row in ws.iter_rows() for c in row if c.value == text)


def test_okr_figures_take_their_kpis_format(tmp_path: Path) -> None:
    plan = read_plan(sample_plan_path("en"))
    rate_okr = Okr("sales", "Win more of what we pitch", "Win rate from 15% to 25%",
                   "Proposal win rate", 0.15, 0.25)
    plan = replace(plan, okrs=(*plan.okrs, rate_okr))
    [path] = generate(plan, FiscalQuarter(2026, 1), tmp_path, "en", departments=["sales"],
                      roll_forward=False)
    ws = openpyxl.load_workbook(path)["OKRs"]
    count_row = next(r for r in _rows(ws) if r[2].value == "Leads per month")
    rate_row = next(r for r in _rows(ws) if r[2].value == "Proposal win rate")
    # Start, target, current, the KPI's quarter target: a count as 1,250, a rate as 20.0%.
    assert [c.number_format for c in (count_row[3], count_row[4], count_row[5],
                                      count_row[8])] == ["#,##0"] * 4
    assert [c.number_format for c in (rate_row[3], rate_row[4], rate_row[5],
                                      rate_row[8])] == ["0.0%"] * 4
    assert rate_row[3].value == 0.15


def test_smart_verdicts_wrap_in_a_column_wide_enough(generated: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(generated["sample-en-sales"])["KPIs"]
    header = _find(ws, "SMART check")
    cells = [ws.cell(header.row + i, header.column) for i in range(1, 5)]
    assert all(c.alignment.wrap_text for c in cells)
    assert ws.column_dimensions[header.column_letter].width >= 30


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_lead_time_is_in_months(generated: dict[str, Path], lang: str) -> None:
    wb = openpyxl.load_workbook(generated[f"sample-{lang}-sales"])
    label = "リードタイム(月)" if lang == "ja" else "Sales cycle (months)"
    cell = _find(wb.worksheets[0], label)
    assert ws_value(cell, 2) == ("か月" if lang == "ja" else "months")


def ws_value(cell, offset: int):  # type: ignore[no-untyped-def]
    return cell.parent.cell(cell.row, cell.column + offset).value


@pytest.mark.parametrize("dept", ["customer_success", "development"])
def test_narrow_monthly_pages_print_their_title_whole_one_page_wide(
        generated: dict[str, Path], dept: str) -> None:
    wb = openpyxl.load_workbook(generated[f"sample-ja-{dept}"])
    ws = wb["月次目標"]
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1)
    area = ws.print_area if isinstance(ws.print_area, str) else ws.print_area[0]
    first, _, last, _ = range_boundaries(area.split("!")[-1].replace("$", ""))
    printed = sum(ws.column_dimensions[get_column_letter(c)].width or 8.43
                  for c in range(first, last + 1))
    title = ws["A1"].value
    assert printed >= display_width(title) * 1.5  # the 16-point title fits in the print area
    note = next(c.value for row in ws.iter_rows() for c in row
                if isinstance(c.value, str) and c.value.startswith("月次目標は"))
    assert printed >= display_width(note) * 0.9


def test_data_bars_compare_one_kpi_with_itself(generated: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(generated["sample-en-sales"])["Tracking"]
    bars = [(str(cf.sqref), rule) for cf in ws.conditional_formatting for rule in cf.rules
            if rule.type == "dataBar"]
    assert len(bars) >= 4
    for sqref, _ in bars:
        names = set()
        for part in sqref.split():
            c1, r1, c2, r2 = range_boundaries(part)
            assert c1 == c2 == column_index_from_string("F")
            names |= {ws.cell(r, 2).value for r in range(r1, r2 + 1)}
        assert len(names) == 1, (sqref, names)  # one KPI's actuals, so one unit


def _tree_texts(path: Path) -> list:
    ws = openpyxl.load_workbook(path)["KPI tree"]
    return [c.value for row in ws.iter_rows() for c in row if c.value is not None]


def test_the_rounding_note_only_under_trees_that_round(generated: dict[str, Path]) -> None:
    note = "Each stage is rounded up, so the product may slightly exceed the target."
    assert note in _tree_texts(generated["sample-en-sales"])  # required leads: ROUNDUP
    assert note not in _tree_texts(generated["sample-en-development"])  # deploys × 13 weeks


def test_the_kpi_tree_gives_each_kpi_a_priority(generated: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(generated["sample-ja-sales"])
    ws = wb["KPIツリー"]
    header = _find(ws, "優先度")
    by_kpi = {str(ws.cell(r, 3).value).lstrip("├└ "): ws.cell(r, header.column).value
              for r in range(header.row + 1, header.row + 12)
              if str(ws.cell(r, 3).value or "").startswith(("├", "└"))}
    # Linked leading indicators first; the deals (linked, lagging) in the middle.
    assert by_kpi == {"月間リード獲得数": "高", "月間商談獲得数": "高", "提案成功率": "高",
                      "月間受注件数": "中"}
    assert ws.cell(header.row + 3, header.column).protection.locked is False  # the planner's
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"
             and header.column_letter in str(dv.sqref)]
    assert lists and lists[0].formula1 == '"高,中,低"'


def test_months_are_said_as_year_and_month() -> None:
    import datetime as dt

    assert _period_start("month", dt.date(2027, 4, 1)) == "2027-04"
    assert _period_start("week", dt.date(2027, 4, 5)) == "2027-04-05"


def test_template_hint_names_the_plans_year_live(generated: dict[str, Path],
                                                 tmp_path: Path) -> None:
    blank, sample = generated["template-ja"], generated["template-sample-en"]
    shown = {p: openpyxl.load_workbook(p, data_only=True).worksheets[0]["A2"].value
             for p in (blank, sample)}
    assert shown[blank].endswith("--quarter YYYYQ1")
    assert shown[sample] == "When done: kpi-xl generate this-file.xlsx --quarter 2026Q1"
    # Tables on the KPI and OKR sheets grow and shrink: their sheets are not protected.
    wb = openpyxl.load_workbook(sample)
    assert not wb["KPIs"].protection.sheet and not wb["OKRs"].protection.sheet
    assert wb.worksheets[0].protection.sheet  # the plan sheet still guards its formulas
    require_libreoffice()
    set_named(wb, {"Plan_FiscalYear": 2028})
    edited = tmp_path / "plan_2028.xlsx"
    wb.save(edited)
    again = recalculate([edited], tmp_path / "lo")[edited.resolve()]
    assert openpyxl.load_workbook(again, data_only=True).worksheets[0]["A2"].value.endswith(
        "--quarter 2028Q1")
