"""``kpi-xl check``: what a planner is told about a plan or a workbook, and the exit code."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from kpi_xl.app.check import check_path
from kpi_xl.app.cli import main
from kpi_xl.core.departments import DEPARTMENTS
from kpi_xl.core.i18n import t
from kpi_xl.io.resources import sample_plan_path
from tests.conftest import Recalculated, set_named


def _codes(report) -> set[tuple[str, str]]:
    return {(f.code, f.subject) for d in report.departments for f in d.findings}


def test_the_sample_plan_is_clean_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "== Sales ==" in out and "== Development ==" in out
    assert "0 error(s), 0 warning(s)." in out


def test_json_is_one_document_with_every_department_and_kpi(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(sample_plan_path("ja")), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    valid(document)
    [report] = document["reports"]
    assert report["kind"] == "plan" and document["ok"] is True and document["error"] is None
    assert [d["key"] for d in report["departments"]] == list(DEPARTMENTS)
    assert document["summary"] == {"files": 1, "errors": 0, "warnings": 0, "kpis": 16}
    first = report["departments"][0]["kpis"][0]
    assert first["ok"] is True and [c["letter"] for c in first["criteria"]] == list("SMART")


SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "check.schema.json")
                    .read_text(encoding="utf-8"))


def valid(document: dict) -> None:
    """The document validates against docs/check.schema.json."""
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(document, SCHEMA)


def _plan_with(tmp_path: Path, named: dict | None = None, kpi_edits: dict | None = None) -> Path:
    wb = openpyxl.load_workbook(sample_plan_path("en"))
    set_named(wb, named or {})
    for (table, row, column), value in (kpi_edits or {}).items():
        ws = next(ws for ws in wb.worksheets if table in ws.tables)
        cells = list(ws[ws.tables[table].ref])
        header = [c.value for c in cells[0]]
        cells[row + 1][header.index(column)].value = value
    path = tmp_path / "plan.xlsx"
    wb.save(path)
    return path


def test_an_unrealistic_target_fails_smart_achievable_and_exits_1(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # NPS of 5 sits far below the guideline of 50: not achievable-and-meaningful → an error.
    path = _plan_with(tmp_path, kpi_edits={("CS_KPIs", 2, "Target"): 5})
    assert main(["check", str(path), "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "[NG A] NPS" in out
    assert "1 error(s)" in out


def test_an_assumption_outside_the_benchmark_is_flagged_and_so_is_the_kpi_it_drives(
        tmp_path: Path) -> None:
    path = _plan_with(tmp_path, named={"Sales_WinRate": 0.45})
    report = check_path(path, "en")[0]
    # The assumption itself: a warning. The KPI linked to it now targets 45%, above the
    # industry's 20-30%: SMART's A fails, an error.
    assert ("outside_benchmark", "Sales_WinRate") in _codes(report)
    assert ("not_smart", "Proposal win rate") in _codes(report)
    assert report.errors == 1


def test_a_broken_decomposition_is_a_tree_error(tmp_path: Path) -> None:
    # A CS KGI that its parts cannot reproduce: the tree check reports the mismatch.
    report = check_path(_plan_with(tmp_path), "en")[0]
    assert not any(code == "decomposition_mismatch" for code, _ in _codes(report))
    from kpi_xl.core.departments import DEPARTMENTS
    from kpi_xl.core.plan_tree import plan_tree_rows
    from kpi_xl.core.tree import validate

    rows = plan_tree_rows(DEPARTMENTS["sales"], [], {
        "Sales_TargetDeals": 100, "Sales_WinRate": 0.2, "Sales_LeadToOppRate": 0.1,
        "Sales_AvgDealSize": 2_000_000}, "en")
    dec = next(r for r in rows if r["id"] == "DEC")
    dec["target"] = 300_000_000  # revenue no longer equals leads × rates × deal size
    assert "decomposition_mismatch" in {f.code for f in validate(rows)}


def test_a_generated_workbook_is_checked_with_its_kpis(
        tmp_path: Path, generated: dict[str, Path]) -> None:
    report = check_path(generated["sample-en-sales"], None)[0]
    assert report.kind == "workbook" and report.lang == "en"
    assert [k.name for k in report.departments[0].kpis] == [
        "Leads per month", "Opportunities per month", "Proposal win rate", "Deals per month"]
    assert report.errors == 0


def test_kpis_met_while_the_kgi_was_missed_are_flagged_from_actuals(
        recalculated: dict[str, Recalculated], capsys: pytest.CaptureFixture[str]) -> None:
    path = recalculated["failure-sales"].recalculated
    report = check_path(path, "ja")[0]
    collapsed = {subject for code, subject in _codes(report) if code == "kpi_met_kgi_missed"}
    assert "月間リード獲得数" in collapsed and "月間商談獲得数" in collapsed
    assert main(["check", str(path), "--lang", "ja"]) == 0  # warnings only
    assert "KPI倒れ" in capsys.readouterr().out


def test_a_folder_checks_every_workbook(tmp_path: Path, generated: dict[str, Path],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    folder = generated["sample-ja-sales"].parent
    assert main(["check", str(folder), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    valid(document)
    assert len(document["reports"]) == document["summary"]["files"] == len(DEPARTMENTS)


def test_a_single_workbook_has_the_same_document_shape(
        generated: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(generated["sample-en-sales"]), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    valid(document)
    assert [r["kind"] for r in document["reports"]] == ["workbook"]


@pytest.mark.parametrize("name", ["missing.xlsx", "notes.txt", "empty-folder"])
def test_unusable_input_with_json_prints_an_error_document_and_exits_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    path = tmp_path / name
    if name.endswith(".txt"):
        path.write_text("hello")
    elif name == "empty-folder":
        path.mkdir()
    assert main(["check", str(path), "--json"]) == 2
    printed = capsys.readouterr()
    document = json.loads(printed.out)
    valid(document)
    assert document["ok"] is False and document["reports"] == []
    assert document["error"]["exit_code"] == 2 and name in document["error"]["message"]
    assert name in printed.err and "Traceback" not in printed.err


@pytest.mark.parametrize("name", ["missing.xlsx", "notes.txt"])
def test_unusable_input_exits_2_without_a_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    path = tmp_path / name
    if name.endswith(".txt"):
        path.write_text("hello")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and name in err


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_check_reports_every_kpi_and_period_whose_two_targets_differ(lang: str) -> None:
    from dataclasses import replace

    from kpi_xl.app.check import check_plan
    from kpi_xl.io.plan_reader import read_plan

    plan = read_plan(sample_plan_path(lang))
    assert {f.code for d in check_plan(plan, lang).departments for f in d.findings} == set()
    # Marketing types 300 leads a month instead of following the company funnel.
    leads = "月間リード獲得数" if lang == "ja" else "Leads per month"
    typed = tuple(replace(k, link=None, target=300) if k.name == leads else k
                  for k in plan.kpis["marketing"])
    report = check_plan(replace(plan, kpis={**plan.kpis, "marketing": typed}), lang)
    found = {(d.key, f.code, f.subject) for d in report.departments for f in d.findings}
    assert ("sales", "target_conflict", leads) in found
    assert ("marketing", "target_conflict", leads) in found
    messages = [f.message for d in report.departments for f in d.findings
                if f.code == "target_conflict"]
    assert any("300" in m and "month" in m for m in messages)
    assert report.errors > 0


def test_check_reports_a_funnel_that_does_not_close() -> None:
    from dataclasses import replace

    from kpi_xl.app.check import check_plan
    from kpi_xl.io.plan_reader import read_plan

    plan = read_plan(sample_plan_path("en"))
    report = check_plan(replace(plan, values={**plan.values, "Mkt_LeadToMqlRate": 0.3}), "en")
    gaps = [f for d in report.departments for f in d.findings if f.code == "funnel_not_closed"]
    assert {f.subject for f in gaps} == {"Sales_RequiredLeads"}
    assert "sales plans 5,000" in gaps[0].message and "marketing plans 6,667" in gaps[0].message


def test_a_workbook_saved_without_results_is_judged_on_recomputed_figures(
        tmp_path: Path, generated: dict[str, Path]) -> None:
    # openpyxl keeps formulas and drops every cached result, as a script that edits a workbook
    # would: the linked targets and outputs are recomputed from the workbook's own inputs.
    path = tmp_path / "FY2026Q1_sales_ja.xlsx"
    openpyxl.load_workbook(generated["sample-ja-sales"]).save(path)
    fresh = check_path(generated["sample-ja-sales"], "ja")[0]
    resaved = check_path(path, "ja")[0]
    # The same verdicts. The sentence: the sheet's own where the file kept it (fresh); where it
    # did not, the plan's month that SMART judges in both cases (never a zero).
    verdicts = [(k.name, k.ok, k.failed, k.summary) for d in resaved.departments for k in d.kpis]
    assert verdicts == [(k.name, k.ok, k.failed, k.summary)
                        for d in fresh.departments for k in d.kpis]
    statements = [k.statement for d in resaved.departments for k in d.kpis]
    assert "月間リード獲得数を417件以上にする" in statements[0]
    assert "第1四半期" in next(k.statement for d in fresh.departments for k in d.kpis)
    assert not any("を0件以上" in s for s in statements)
    findings = resaved.to_dict()["departments"][0]["findings"]
    assert findings == fresh.to_dict()["departments"][0]["findings"]
    # Reviews overdue once April-June 2026 has passed are about the calendar, not the figures.
    assert [f for f in findings if f["kind"] != "review"] == []


def test_an_actual_that_generate_would_refuse_is_an_error_in_check(
        tmp_path: Path, generated: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(generated["sample-ja-sales"])
    ws = next(ws for ws in wb.worksheets if "Sales_Actuals" in ws.tables)
    first = list(ws[ws.tables["Sales_Actuals"].ref])[1]
    first[5].value = "未集計"
    path = tmp_path / "FY2026Q1_sales_ja.xlsx"
    wb.save(path)
    report = check_path(path, "ja")[0]
    [finding] = [f for d in report.departments for f in d.findings if f.kind == "actuals"]
    assert finding.severity == "error" and finding.code == "invalid_actual"
    assert first[5].coordinate in finding.message and "未集計" in finding.message
    assert report.errors == 1


@pytest.mark.parametrize("book", ["sample-ja-sales", "sample-en-marketing"])
def test_check_says_the_kpi_sheets_own_statement_of_a_workbook(
        generated: dict[str, Path], book: str) -> None:
    """Side by side, check and the KPI sheet read the same sentence: this quarter's target as
    the sheet states it, not the plan's month restated (1,250 for the quarter, not 417)."""
    path = generated[book]
    lang = "ja" if "-ja-" in book else "en"
    [report] = check_path(path, lang)
    said = {v.name: v.statement for d in report.departments for v in d.kpis}
    ws = next(ws for ws in openpyxl.load_workbook(path, data_only=True).worksheets
              if any(t.endswith("_KPIList") for t in ws.tables))
    ref = next(ref for name, ref in ws.tables.items() if name.endswith("_KPIList"))
    header, *rows = [[c.value for c in row] for row in ws[ref]]
    name_col = 1
    statement_col = header.index(t(lang, "kpi.statement"))
    assert said == {row[name_col]: row[statement_col] for row in rows}
    assert all(isinstance(text, str) and text for text in said.values())
