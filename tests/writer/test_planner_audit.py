"""What a planner saw when the what-if blocks, the review flags and a custom department met.

Each test is one thing a planner reading the workbooks side by side would call wrong:

- a custom department's KGI counted in people showed "件" (count) beside it, and "入社(人)(見通し)"
  stacked two brackets in the forward view;
- the forward view's revenue row explained itself with the plan's help text ("target deals ×
  average deal size") while it multiplies the forecast deals;
- the quarters table told every department about leads moved earlier by the sales cycle,
  recruiting included;
- the sensitivity title of a custom funnel read "面接(必要数)(行: …)", and the forward view
  "訪問(セッション)(実績)": brackets stacked on a label that has its own;
- on the review sheet, "年度累計(今四半期より前" left its ")" alone on a second line, and the
  evidence-floor verdict ran on through its own cell's border.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# isort: off
import kpi_xl.io  # noqa: F401
import openpyxl
# isort: on
import pytest

from kpi_xl.app.generate import generate
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.core.i18n import t
from kpi_xl.core.spec import KINDS
from kpi_xl.io.plan_reader import read_plan
from kpi_xl.writer.previous_sheet import sheet_name
from tests.custom_plan import custom_plan

LANGS = ("ja", "en")
HIRES = {"ja": ("入社", "人"), "en": ("Hires", "people")}


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """'<department>-<lang>' → a Q1 workbook of the sample plan with recruiting added."""
    root = tmp_path_factory.mktemp("audit")
    out: dict[str, Path] = {}
    for lang in LANGS:
        plan = read_plan(custom_plan(root / f"plan_{lang}.xlsx", lang))
        for path in generate(plan, FiscalQuarter(2026, 1), root / lang, lang,
                             departments=["sales", "marketing", "recruiting"],
                             roll_forward=False):
            out[f"{path.stem.split('_')[1]}-{lang}"] = path
    return out


def sheet_rows(path: Path, sheet: str) -> list[list[Any]]:
    """A sheet's rows as stored (cached values)."""
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    return [[c.value for c in r] for r in ws.iter_rows()]


def by_label(rows: list[list[Any]]) -> dict[str, list[Any]]:
    """Rows by the text in column A (the first row wins)."""
    out: dict[str, list[Any]] = {}
    for r in rows:
        if isinstance(r[0], str):
            out.setdefault(r[0], r)
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_a_custom_kgi_is_counted_in_its_own_unit_wherever_it_has_a_unit_column(
        books: dict[str, Path], lang: str) -> None:
    path = books[f"recruiting-{lang}"]
    name, unit = HIRES[lang]
    plan = by_label(sheet_rows(path, t(lang, "sheet.plan")))
    kgi_input = t(lang, "custom.kgi_target", kgi=name)
    assert plan[kgi_input][1:3] == [20, unit]
    assert plan[name][1:3] == [20, unit]  # the funnel's last stage: plainly named
    forward = t(lang, "whatif.stage_forward", stage=name)
    assert plan[forward][2] == unit
    assert "(" + unit not in forward and "(" + unit not in "".join(plan)  # no "入社(人)(見通し)"
    # The stages before it stay counts.
    stage_units = {plan[s][2] for s in ({"ja": ("応募", "面接", "内定"),
                                         "en": ("Applications", "Interviews", "Offers")}[lang])}
    assert stage_units == {KINDS["count"].unit[lang]}
    tree = sheet_rows(path, t(lang, "sheet.tree"))
    # (The tree table's KGI row shows the quarter target of the KPI measuring it, in that KPI's
    # unit; the decomposition below shows the plan's KGI, in the KGI's own unit.)
    parent = next(r for r in tree if isinstance(r[0], str)
                  and r[0].startswith(t(lang, "tree.parent")))
    assert parent[1:3] == [20, unit]


@pytest.mark.parametrize("lang", LANGS)
def test_the_forward_revenue_says_it_multiplies_the_forecast_deals(
        books: dict[str, Path], lang: str) -> None:
    plan = by_label(sheet_rows(books[f"sales-{lang}"], t(lang, "sheet.plan")))
    deals = {"ja": "受注", "en": "Deals"}[lang]
    revenue = {"ja": "売上", "en": "Revenue"}[lang]
    row = plan[t(lang, "whatif.stage_forward", stage=revenue)]
    forecast_deals = t(lang, "whatif.stage_forward", stage=deals)
    assert row[6] == t(lang, "whatif.basis.value", kgi=forecast_deals)
    assert forecast_deals in row[6]


@pytest.mark.parametrize("lang", LANGS)
def test_only_a_department_with_a_lead_time_is_told_about_leads_moved_earlier(
        books: dict[str, Path], lang: str) -> None:
    lead_note = t(lang, "quarters_help.lead").strip()
    notes = {dept: [c for r in sheet_rows(books[f"{dept}-{lang}"], t(lang, "sheet.plan"))
                    for c in r if isinstance(c, str) and c.startswith(t(lang, "quarters_help"))]
             for dept in ("sales", "recruiting")}
    assert len(notes["sales"]) == 1 and lead_note in notes["sales"][0]
    assert notes["recruiting"] == [t(lang, "quarters_help")]


def test_the_sensitivity_title_of_a_custom_funnel_reads_naturally(books: dict[str, Path]) -> None:
    texts = [c for r in sheet_rows(books["recruiting-ja"], t("ja", "sheet.plan")) for c in r
             if isinstance(c, str) and c.startswith("感度分析")]
    assert texts == ["感度分析: 面接の必要数(行: 内定→入社率/列: 面接→内定率)"]


@pytest.fixture(scope="module")
def reviews(books: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """lang → Q2's sales workbook, whose review sheet reads Q1 with three months typed."""
    from tests.conftest import type_actuals

    root = tmp_path_factory.mktemp("audit-q2")
    out = {}
    for lang in LANGS:
        names = {"ja": ("月間リード獲得数", "月間商談獲得数", "月間受注件数"),
                 "en": ("Leads per month", "Opportunities per month", "Deals per month")}[lang]
        actuals = {(m, name): value for m in range(3)
                   for name, value in zip(names, (420, 40, 6), strict=True)}
        q1 = root / lang / "FY2026Q1"
        q1.mkdir(parents=True)
        type_actuals(books[f"sales-{lang}"], "Sales_Actuals", actuals,
                     q1 / books[f"sales-{lang}"].name)
        plan = read_plan(custom_plan(root / f"plan_{lang}.xlsx", lang))
        [out[lang]] = generate(plan, FiscalQuarter(2026, 2), root / "out" / lang, lang,
                               departments=["sales"], previous_dir=q1)
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_the_review_sheet_headers_break_where_a_reader_would(
        reviews: dict[str, Path], lang: str) -> None:
    rows = sheet_rows(reviews[lang], sheet_name(lang))
    header = next(r for r in rows if t(lang, "prev.ytd_now") in r)
    assert t(lang, "prev.ytd_before") in header
    if lang == "ja":  # "年度累計(今四半期より前" then a lone ")" on a line of its own, before
        assert t(lang, "prev.ytd_before").startswith("年度累計\n(")
        assert t(lang, "prev.ytd_now").startswith("年度累計\n(")


@pytest.mark.parametrize("lang", LANGS)
def test_the_evidence_floor_verdict_runs_on_without_a_border_through_its_words(
        reviews: dict[str, Path], lang: str) -> None:
    ws = openpyxl.load_workbook(reviews[lang])[sheet_name(lang)]
    label = next(c for row in ws.iter_rows() for c in row
                 if c.value == t(lang, "prev.floor_months"))
    *_, verdict = (c for c in ws[label.row] if isinstance(c.value, str)
                   and c.value.startswith("=") and c.column > label.column)
    assert "IF(" in verdict.value  # the words, not the months counted beside them
    assert verdict.border.right.style is None and verdict.border.left.style is None


@pytest.mark.parametrize("lang", LANGS)
def test_the_collapse_lines_count_months_as_the_floor_cell_does(
        reviews: dict[str, Path], lang: str) -> None:
    months, missed = {"ja": ("か月", "3 か月のうち 3 か月で"),
                      "en": ("months", "in 3 of the 3 months")}[lang]
    assert months in t(lang, "prev.floor_input").lower() or "月数" in t(lang, "prev.floor_input")
    texts = [c for r in sheet_rows(reviews[lang], sheet_name(lang)) for c in r
             if isinstance(c, str)]
    collapse = [s for s in texts if missed in s]
    assert collapse, texts  # leads met (420 ≥ 417) while deals missed (6 < 9) in all 3 months
    thin = [s for s in texts if s.endswith(("判定します)。", "judged from 6)."))]
    assert thin and all(months in s for s in thin)
    assert not any("期間" in s or "periods" in s for s in texts)


def test_the_rates_table_shows_each_denominator_kpi_whole(reviews: dict[str, Path]) -> None:
    from openpyxl.utils import get_column_letter

    from kpi_xl.writer.book import display_width

    ws = openpyxl.load_workbook(reviews["en"])[sheet_name("en")]
    cell = next(c for row in ws.iter_rows() for c in row
                if c.value == "Opportunities per month" and c.column == 4)
    width = ws.column_dimensions[get_column_letter(cell.column)].width
    assert width >= display_width("Opportunities per month") + 1


@pytest.mark.parametrize("department", ["sales", "marketing", "recruiting"])
def test_no_label_of_the_plan_sheet_stacks_brackets(books: dict[str, Path], department: str
                                                      ) -> None:
    texts = [r[0] for r in sheet_rows(books[f"{department}-ja"], t("ja", "sheet.plan"))
             if isinstance(r[0], str)]  # the row labels (a formula's note may bracket twice)
    assert "訪問(セッション)の実績" in texts or department != "marketing"
    assert [s for s in texts if ")(" in s] == []


def test_the_evidence_floor_label_is_grammatical_japanese() -> None:
    assert t("ja", "prev.floor_input").startswith("相関を指摘するのに必要な月数")


@pytest.mark.parametrize("lang", LANGS)
def test_the_tree_drawing_shows_every_ksf_the_tree_table_lists(books: dict[str, Path],
                                                               lang: str) -> None:
    """Recruiting's 内定承諾 / Offer acceptance is served only by the hires KPI, the KGI's own."""
    ws = openpyxl.load_workbook(books[f"recruiting-{lang}"])[t(lang, "sheet.tree")]
    drawn = {ws.cell(rng.min_row, rng.min_col).value for rng in ws.merged_cells.ranges
             if ws.cell(rng.min_row + 1, rng.min_col).value == "KSF"}
    ksfs = {"ja": {"母集団形成", "選考の質", "内定承諾"},
            "en": {"Candidate pipeline", "Selection quality", "Offer acceptance"}}[lang]
    assert drawn == ksfs
    # ...and printed: the print area reaches the rightmost box.
    from openpyxl.utils import range_boundaries

    [area] = ws.print_area if isinstance(ws.print_area, list) else [ws.print_area]
    last_col = range_boundaries(area.split("!")[-1].replace("$", ""))[2]
    assert last_col >= max(rng.max_col for rng in ws.merged_cells.ranges)


def test_a_custom_kgi_no_kpi_measures_shows_its_year_in_its_own_unit(tmp_path: Path) -> None:
    from tests.custom_plan import RECRUITING_KPIS

    kpis = [k for k in RECRUITING_KPIS["ja"] if k[-1] != "Recruiting_KGITarget"]
    plan = read_plan(custom_plan(tmp_path / "plan.xlsx", "ja", kpis=kpis))
    [path] = generate(plan, FiscalQuarter(2026, 1), tmp_path / "out", "ja",
                      departments=["recruiting"], roll_forward=False)
    tree = sheet_rows(path, t("ja", "sheet.tree"))
    kgi_row = next(r for r in tree if isinstance(r[0], str) and r[0].startswith("■"))
    assert kgi_row[3:5] == [20, "人"]


def test_the_tree_drawings_title_has_no_cell_edge_through_it(books: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(books["recruiting-ja"])[t("ja", "sheet.tree")]
    title = next(c for row in ws.iter_rows() for c in row if c.value == t("ja", "tree.drawing"))
    assert title.border.right.style is None and title.border.left.style is None
    assert any(title.coordinate in rng for rng in ws.merged_cells.ranges)  # spans the drawing


@pytest.mark.parametrize("lang", LANGS)
def test_the_quarters_table_says_a_flows_figure_is_the_quarters_total(books: dict[str, Path],
                                                                      lang: str) -> None:
    """"Leads per month" over 1,250 reads as a month; the header says it is the quarter's total
    (the month's 417 is on Monthly targets), and a rate's header stays as it is."""
    plan = read_plan(custom_plan(books[f"sales-{lang}"].parent.parent / f"plan_{lang}.xlsx",
                                 lang))
    kpis = plan.kpis["sales"]
    rows = sheet_rows(books[f"sales-{lang}"], t(lang, "sheet.plan"))
    header = next(row for row in rows if row[:2] == [t(lang, "col.quarter"), t(lang, "col.months")])
    shown = [h for h in header[2:2 + len(kpis)]]
    assert shown == [k.name + (t(lang, "quarters.total") if k.measure_kind == "flow" else "")
                     for k in kpis]
    assert any(k.measure_kind != "flow" for k in kpis) and any(
        k.measure_kind == "flow" for k in kpis)


@pytest.mark.parametrize("lang", LANGS)
def test_an_overdue_review_shows_a_mark_while_the_checklist_adds_up_ones(books: dict[str, Path],
                                                                         lang: str) -> None:
    """The review log's Overdue column holds 1 or 0 (the checklist's sixth item sums it), shown
    as ✖ or nothing: a bare "1" under "Overdue" says nothing to a planner."""
    ws = openpyxl.load_workbook(books[f"sales-{lang}"])[t(lang, "sheet.review")]
    header_row = next(row for row in ws.iter_rows() if any(
        c.value == t(lang, "review.overdue") for c in row))
    col = next(c.column for c in header_row if c.value == t(lang, "review.overdue"))
    cells = [ws.cell(r, col) for r in range(header_row[0].row + 1, ws.max_row + 1)
             if ws.cell(r, col).data_type == "f"]
    assert cells and {c.number_format for c in cells} == {'"✖";"";""'}
