"""SMART judges the KPI itself: a name that is an intention fails S, and a typed target short
of what the plan needs fails A, with both numbers, in kpi_xl.core.smart, on the generated KPI
sheet and in ``kpi-xl check``, in both languages (issue 11, item 1)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from kpi_xl.app.check import check_path
from kpi_xl.app.generate import generate
from kpi_xl.core import smart
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.core.kpis import statement
from kpi_xl.io.plan_reader import read_plan
from kpi_xl.io.resources import sample_plan_path

# Held out: names nobody tuned the patterns against.
VAGUE = ["顧客満足度を上げる", "リード獲得を増やす", "品質を改善する", "営業力の強化", "提案の質を向上",
         "Improve customer satisfaction", "Boost the pipeline", "Enhance code quality",
         "Increase leads"]
MEASURES = ["月間リード獲得数", "NPS", "解約率", "平均受注単価", "リード獲得数を月300件に増やす",
            "Leads per month", "Win rate", "Deploys per week", "Increase leads to 300 a month"]


@pytest.mark.parametrize("name", VAGUE)
def test_a_kpi_named_as_an_intention_fails_specific_whatever_its_target(name: str) -> None:
    result = smart.check(f"{name} by 31 March 2027", name=name, target=4, unit="点",
                         deadline="2027-03-31", owner="CS", direction="higher")
    s = result.criterion("S")
    assert s.status == "fail", name
    assert name in s.reason
    assert s.hint  # names a measure to use instead


@pytest.mark.parametrize("name", MEASURES)
def test_a_kpi_named_as_a_measure_passes_specific(name: str) -> None:
    result = smart.check(f"{name}を300件以上にする", name=name, target=300, unit="件",
                         deadline="2027-03-31")
    assert result.criterion("S").status == "pass", name


def test_the_article_s_own_bad_example_fails_specific_as_a_free_statement() -> None:
    result = smart.check("リード獲得を増やす")
    assert result.failed.startswith("S")
    assert "「月間リード獲得数」" in result.criterion("S").hint


def test_a_customer_satisfaction_intention_is_pointed_at_nps_or_csat() -> None:
    assert "NPS" in smart.check("x", name="顧客満足度を上げる", lang="ja").criterion("S").hint
    assert "NPS" in smart.check("x", name="Improve customer satisfaction",
                                lang="en").criterion("S").hint


def _plan_file(tmp_path: Path, lang: str, row: int, **cells: object) -> Path:
    """The sample plan with one sales KPI row retyped (by its English/Japanese header)."""
    wb = openpyxl.load_workbook(sample_plan_path(lang))
    ws = next(ws for ws in wb.worksheets if "Sales_KPIs" in ws.tables)
    rows = list(ws[ws.tables["Sales_KPIs"].ref])
    header = [c.value for c in rows[0]]
    for column, value in cells.items():
        rows[row + 1][int(column[1:])].value = value
    del header
    path = tmp_path / f"plan_{lang}.xlsx"
    wb.save(path)
    return path


# Columns of the KPI table: 0 name, 5 target, 10 link.
@pytest.mark.parametrize(("lang", "name"), [("ja", "月間リード獲得数"), ("en", "Leads per month")])
def test_a_typed_target_below_the_plans_need_fails_achievable_with_both_numbers(
        tmp_path: Path, lang: str, name: str) -> None:
    path = _plan_file(tmp_path, lang, 0, c5=300, c10=None)
    plan = read_plan(path)
    [kpi] = [k for k in plan.kpis["sales"] if k.name == name]
    assert kpi.link is None and kpi.target == 300

    # In check: an error naming both the typed target and the plan's 417 a month.
    report = check_path(path, lang)[0]
    sales = next(d for d in report.departments if d.key == "sales")
    verdict = next(v for v in sales.kpis if v.name == name)
    assert not verdict.ok and "A" in verdict.failed
    reason = next(c["reason"] for c in verdict.criteria if c["letter"] == "A")
    assert "300" in reason and "417" in reason
    assert any(f.code == "not_smart" and f.subject == name for f in sales.findings)

    # On the generated KPI sheet: the same verdict, word for word.
    [book] = generate(plan, FiscalQuarter(2026, 1), tmp_path / "out", lang,
                      departments=["sales"], roll_forward=False)
    shown = openpyxl.load_workbook(book, data_only=True)
    table_sheet = next(ws for ws in shown.worksheets if "Sales_KPIList" in ws.tables)
    cells = [[c.value for c in r] for r in table_sheet[table_sheet.tables["Sales_KPIList"].ref]]
    row = next(r for r in cells[1:] if r[1] == name)
    assert verdict.summary in row


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_typed_target_at_or_above_the_plans_need_passes(tmp_path: Path, lang: str) -> None:
    path = _plan_file(tmp_path, lang, 0, c5=500, c10=None)
    report = check_path(path, lang)[0]
    sales = next(d for d in report.departments if d.key == "sales")
    assert all(v.ok for v in sales.kpis), [v.summary for v in sales.kpis]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_vague_kpi_name_fails_in_check_and_its_statement_stays_grammatical(
        tmp_path: Path, lang: str) -> None:
    name = {"ja": "顧客満足度を上げる", "en": "Improve customer satisfaction"}[lang]
    path = _plan_file(tmp_path, lang, 2, c0=name)
    plan = read_plan(path)
    kpi = next(k for k in plan.kpis["sales"] if k.name == name)
    text = statement(kpi, lang)
    assert text.startswith({"ja": "2027年3月31日までに顧客満足度を上げる(目標: 20%以上)",
                            "en": "Improve customer satisfaction by 31 Mar 2027 (target: at "
                                  "least 20%)"}[lang]), text
    assert "上げるを" not in text
    report = check_path(path, lang)[0]
    verdict = next(v for d in report.departments for v in d.kpis if v.name == name)
    assert verdict.failed.startswith("S")
