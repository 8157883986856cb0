"""One verdict everywhere: what last quarter's review sheet flags, ``kpi-xl check`` reports.

Q1 of the held-out plan is generated, sales' actuals are typed (the win rate falls to 14 of 105
opportunities against the 29% the plan assumes; leads beat their target in months where deals,
the KGI, missed) and LibreOffice saves the workbook. Q2 generated from it has a review sheet that
flags the optimistic win rate and KPI倒れ. ``check`` on the folder of both quarters reports the
same findings, in the sheet's words and with its thresholds; after LibreOffice recalculates the
Q2 workbook (and again after a planner changed the thresholds in its input cells) the sheet's
flag cells and ``check`` agree.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from kpi_xl.app.check import check_path
from kpi_xl.app.generate import generate
from kpi_xl.core import failure
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.core.review_flags import MET_SHARE, collapsed, judge_rate
from kpi_xl.io.plan_reader import read_plan
from kpi_xl.io.resources import sample_plan_path
from tests.app.test_rollforward import SALES
from tests.conftest import HELD_OUT, fill_template, require_libreoffice, set_named, type_actuals
from tests.libreoffice import recalculate
from tests.workbook_values import errors_in, formulas, same, values

REVIEW = "Last quarter review"
Q1, Q2 = "FY2027Q1", "FY2027Q2"


# The definitions themselves ----------------------------------------------------------------------

def test_a_rate_is_judged_on_the_gap_and_the_evidence_floor() -> None:
    # 14/105 = 13.3% achieved: 16% is exactly 20% better (not flagged), 16.1% is flagged.
    assert judge_rate(14, 105, 0.16) == "in_line"
    assert judge_rate(14, 105, 0.161) == "too_optimistic"
    assert judge_rate(14, 105, 0.29, gap=1.5) == "in_line"
    assert judge_rate(3, 29, 0.9) == "too_few"  # below 30 cases: not judged
    assert judge_rate(3, 29, 0.9, min_cases=20) == "too_optimistic"
    assert judge_rate(0, 0, 0.3, min_cases=0) == "too_few"  # no achieved rate at all


@pytest.mark.parametrize(("met", "missed"), [(0, 0), (0, 3), (1, 3), (2, 3), (1, 2), (3, 3)])
def test_failure_analysis_applies_the_review_sheets_kpi_collapse_rule(met: int, missed: int
                                                                      ) -> None:
    # KGI missed in `missed` of three months; the KPI met in `met` of those.
    rows = []
    for m in range(3):
        kgi_missed = m < missed
        rows.append({"period": f"2027-0{m + 1}", "id": "KGI", "kind": "KGI",
                     "actual": 5 if kgi_missed else 15, "target": 10})
        rows.append({"period": f"2027-0{m + 1}", "id": "KPI", "kind": "KPI",
                     "actual": 15 if m < met else 5, "target": 10})
    codes = {f.code for f in failure.analyze(rows, kgi="KGI")}
    assert ("kpi_met_kgi_missed" in codes) == collapsed(met, missed) == (
        met >= 1 and met >= MET_SHARE * missed)


# Two quarters ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def quarters(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    require_libreoffice()
    root = tmp_path_factory.mktemp("review-flags")
    typed = {**HELD_OUT, "Sales_LeadToOppRate": 0.07, "Mkt_LeadToMqlRate": None}
    plan = read_plan(fill_template(sample_plan_path("en"), root / "plan.xlsx", typed, [1] * 12))
    out = root / "out"
    [q1] = generate(plan, FiscalQuarter(2027, 1), out, "en", departments=["sales"])
    type_actuals(q1, "Sales_Actuals", SALES, root / q1.name)
    saved = recalculate([root / q1.name], root / "lo1")[(root / q1.name).resolve()]
    shutil.copyfile(saved, q1)  # saved by LibreOffice, as a planner on Linux would
    [q2] = generate(plan, FiscalQuarter(2027, 2), out, "en", departments=["sales"])
    # A planner loosens the rate gap to 150% and lowers the correlation floor to 3 months.
    edited = root / "edited" / "sales_thresholds_edited.xlsx"
    edited.parent.mkdir()
    wb = openpyxl.load_workbook(q2)
    set_named(wb, {"Sales_PrevRateGap": 1.5, "Sales_PrevMinPeriods": 3})
    wb.save(edited)
    fresh = recalculate([q2, edited], root / "lo2")
    return {"out": out, "q2": q2, "recalculated": fresh[q2.resolve()],
            "edited": edited, "edited_recalculated": fresh[edited.resolve()]}


def _review_findings(path: Path) -> list[tuple[str, str, str]]:
    found = []
    for report in check_path(path, "en"):
        if not report.source.endswith(f"{Q1}_sales_en.xlsx"):  # Q1 has no review sheet
            found += [(f.code, f.subject, f.message) for d in report.departments
                      for f in d.findings if f.kind == "review" and f.severity != "info"
                      and f.code != "review_overdue"]
    return found


def _sheet_flags(path: Path) -> set[tuple[str, str]]:
    """(code, subject) of every flag cell the review sheet shows, as saved in the file."""
    ws = openpyxl.load_workbook(path, data_only=True)[REVIEW]
    flags = set()
    for row in ws.iter_rows(values_only=True):
        if row[8] == "Plan clearly more optimistic than achieved":
            flags.add(("optimistic_rate", row[0]))
        if row[11] == "KPI collapse":
            flags.add(("kpi_met_kgi_missed", row[0]))
    return flags


def _collapse_lines(path: Path) -> set[str]:
    """The KPI倒れ and correlation lines the sheet shows (saved results)."""
    ws = openpyxl.load_workbook(path, data_only=True)[REVIEW]
    rows = [r[0] for r in ws.iter_rows(values_only=True)]
    first = rows.index("Months of KGI actuals last quarter") + 1
    last = rows.index("Last quarter's review log")
    return {x for x in rows[first:last] if isinstance(x, str) and x}


def _check_lines(path: Path) -> set[str]:
    """check's KPI倒れ and correlation findings, without the quarter it prefixes them with."""
    return {f.message.removeprefix("FY2027Q1 review: ") for r in check_path(path, "en")
            for d in r.departments for f in d.findings if f.kind == "review"
            and f.code in ("kpi_met_kgi_missed", "weak_correlation", "not_enough_data")}


def test_check_on_the_folder_reports_what_the_review_sheet_flags(quarters: dict) -> None:
    found = _review_findings(quarters["out"])
    assert {(code, subject) for code, subject, _ in found} == {
        ("optimistic_rate", "Win rate (opportunity → deal)"),
        ("kpi_met_kgi_missed", "Leads per month")}
    messages = {code: message for code, _, message in found}
    # The sheet's words: its judgement, and the KPI倒れ line it prints under the rates.
    assert messages["optimistic_rate"].startswith(
        "Win rate (opportunity → deal): Plan clearly more optimistic than achieved (plan 29.0%, "
        "FY2027Q1 achieved 13.3% = 14/105; allowed gap 20.0%")
    lines = [r[0] for r in openpyxl.load_workbook(quarters["q2"])[REVIEW].iter_rows(
        values_only=True) if isinstance(r[0], str)]
    line = next(x for x in lines if x.startswith("Leads per month met its target in 2 of the 3"))
    assert messages["kpi_met_kgi_missed"] == f"FY2027Q1 review: {line}"


def test_after_libreoffice_the_sheets_flags_agree_with_check(quarters: dict) -> None:
    q2, recalculated = quarters["q2"], quarters["recalculated"]
    cached, again = values(q2), values(recalculated)
    cells = [c for c in formulas(q2) if c[0] == REVIEW]
    assert {c: (cached.get(c), again.get(c)) for c in cells
            if not same(cached.get(c), again.get(c))} == {}
    assert errors_in(again) == {}
    expected = {("optimistic_rate", "Win rate (opportunity → deal)"),
                ("kpi_met_kgi_missed", "Leads per month")}
    assert _sheet_flags(q2) == _sheet_flags(recalculated) == expected
    assert _collapse_lines(q2) == _collapse_lines(recalculated) == _check_lines(recalculated)
    assert {(c, s) for c, s, _ in _review_findings(recalculated)} == expected


def test_thresholds_typed_into_the_sheet_are_used_by_the_sheet_and_by_check(quarters: dict
                                                                            ) -> None:
    recalculated = quarters["edited_recalculated"]
    # A 150% gap: 29% planned against 13.3% achieved is within it, live and in check.
    assert _sheet_flags(recalculated) == {("kpi_met_kgi_missed", "Leads per month")}
    for path in (quarters["edited"], recalculated):  # openpyxl-saved (no results) and LO
        assert {(c, s) for c, s, _ in _review_findings(path)} == {
            ("kpi_met_kgi_missed", "Leads per month"), ("weak_correlation", "Leads per month"),
            ("weak_correlation", "Opportunities per month")}
    # The correlation lines follow the floor live, in analyze's words, as check says them.
    assert _collapse_lines(recalculated) == _check_lines(recalculated)
    assert any(line.startswith("Leads per month does not move with the KGI")
               for line in _collapse_lines(recalculated))
    # The evidence floor lowered to 3 months: the sheet says so live, and check now judges
    # correlations from last quarter's three months instead of saying "not enough data yet".
    ws = openpyxl.load_workbook(recalculated, data_only=True)[REVIEW]
    floor = next(r for r in ws.iter_rows(values_only=True)
                 if r[0] == "Months of KGI actuals last quarter")
    assert floor[5] == 3 and floor[6].startswith("Enough months")
    ws = openpyxl.load_workbook(quarters["recalculated"], data_only=True)[REVIEW]
    floor = next(r for r in ws.iter_rows(values_only=True)
                 if r[0] == "Months of KGI actuals last quarter")
    assert floor[6].startswith("Not enough data yet")

    def thin(path: Path) -> set[str]:
        return {f.subject for r in check_path(path, "en") for d in r.departments
                for f in d.findings if f.kind == "review" and f.code == "not_enough_data"}

    assert thin(quarters["recalculated"]) == {"Leads per month", "Opportunities per month",
                                              "Proposal win rate"}
    assert thin(recalculated) == {"Proposal win rate"}  # one month of it: still too thin


def test_check_says_what_the_japanese_sheet_says(tmp_path: Path) -> None:
    """The Japanese sample, typed with openpyxl (no formula results): the same findings, in the
    sheet's Japanese words, whether read from the folder or the new workbook alone."""
    from tests.conftest import ACTUALS_KPI_COLLAPSE

    plan = read_plan(sample_plan_path("ja"))
    out = tmp_path / "out"
    [q1] = generate(plan, FiscalQuarter(2026, 1), out, "ja", departments=["sales"])
    type_actuals(q1, "Sales_Actuals", ACTUALS_KPI_COLLAPSE, q1)
    [q2] = generate(plan, FiscalQuarter(2026, 2), out, "ja", departments=["sales"])
    ws = openpyxl.load_workbook(q2, data_only=True)["前四半期の振り返り"]
    sheet = set()
    for row in ws.iter_rows(values_only=True):
        if row[8] == "計画が実績より明らかに楽観的":
            sheet.add(("optimistic_rate", row[0]))
        if row[11] == "KPI倒れ":
            sheet.add(("kpi_met_kgi_missed", row[0]))
    # Leads and opportunities beat their targets every month while deals missed every month.
    assert sheet == {("optimistic_rate", "商談→受注率"), ("kpi_met_kgi_missed", "月間リード獲得数"),
                     ("kpi_met_kgi_missed", "月間商談獲得数")}
    for path in (out, q2):
        found = {(f.code, f.subject): f.message for r in check_path(path, "ja")
                 for d in r.departments for f in d.findings
                 if f.kind == "review" and f.severity == "warning" and f.code != "review_overdue"}
        assert set(found) == sheet
        assert found["optimistic_rate", "商談→受注率"].startswith(
            "商談→受注率: 計画が実績より明らかに楽観的(計画 20.0%、FY2026Q1 の実績 9.8% = 13/132")
        assert found["kpi_met_kgi_missed", "月間リード獲得数"].startswith(
            "FY2026Q1 の振り返り: KGI 月間受注件数 が未達だった")


def test_a_threshold_typed_as_text_is_named_and_a_blank_one_counts_as_zero(tmp_path: Path
                                                                           ) -> None:
    from tests.conftest import ACTUALS_KPI_COLLAPSE

    plan = read_plan(sample_plan_path("ja"))
    out = tmp_path / "out"
    [q1] = generate(plan, FiscalQuarter(2026, 1), out, "ja", departments=["sales"])
    type_actuals(q1, "Sales_Actuals", ACTUALS_KPI_COLLAPSE, q1)
    [q2] = generate(plan, FiscalQuarter(2026, 2), out, "ja", departments=["sales"])
    wb = openpyxl.load_workbook(q2)
    sheet, ref = next(iter(wb.defined_names["Sales_PrevRateGap"].destinations))
    cell = f"{sheet}!{ref.replace('$', '')}"

    def findings(gap: object) -> dict[str, str]:
        set_named(wb, {"Sales_PrevRateGap": gap})
        path = tmp_path / f"gap_{len(str(gap))}.xlsx"
        wb.save(path)
        [report] = check_path(path, "ja")
        return {f.code: f.message for d in report.departments for f in d.findings
                if f.kind == "review" and f.code in ("invalid_threshold", "optimistic_rate")}

    said = findings("二割")
    assert said["invalid_threshold"] == (
        f"{cell}(Sales_PrevRateGap)に「二割」が入っています。しきい値は数値で入力してください"
        "(空欄は 0 として計算されます)")
    said = findings(None)  # blank: the sheet's formulas read 0, and so does check
    assert "invalid_threshold" not in said and "許容差 0.0%" in said["optimistic_rate"]
