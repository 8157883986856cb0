"""``kpi-xl check`` and ``generate`` with your own department (issue 15): a plan that holds one,
the workbook it generates, and a plan whose custom tables are wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kpi_xl.app.cli import main
from kpi_xl.core.departments import DEPARTMENTS
from tests.app.test_check import valid
from tests.custom_plan import RECRUITING_STAGES, custom_plan


def test_a_plan_with_a_custom_department_is_checked_like_the_others(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = custom_plan(tmp_path / "plan.xlsx", "en")
    assert main(["check", str(plan), "--json"]) == 0, capsys.readouterr().err
    document = json.loads(capsys.readouterr().out)
    valid(document)  # docs/check.schema.json
    [report] = document["reports"]
    assert [d["key"] for d in report["departments"]] == [*DEPARTMENTS, "recruiting"]
    recruiting = report["departments"][-1]
    assert recruiting["name"] == "Recruiting"
    assert [k["ok"] for k in recruiting["kpis"]] == [True, True, True]
    # The decomposition applications × rates reproduces the KGI: no tree finding.
    assert recruiting["findings"] == []


def test_generate_writes_the_custom_workbook_named_with_its_key_and_check_reads_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = custom_plan(tmp_path / "plan.xlsx", "ja")
    out = tmp_path / "out"
    assert main(["generate", str(plan), "--quarter", "2026Q1", "--out", str(out)]) == 0, \
        capsys.readouterr().err
    book = out / "FY2026Q1" / "FY2026Q1_recruiting_ja.xlsx"
    assert book.is_file()
    assert sorted(p.name for p in (out / "FY2026Q1").glob("*.xlsx")) == sorted(
        f"FY2026Q1_{key}_ja.xlsx" for key in (*DEPARTMENTS, "recruiting"))
    capsys.readouterr()
    # The workbook alone says which department it is (its custom document properties).
    main(["check", str(book), "--json", "--lang", "en"])
    document = json.loads(capsys.readouterr().out)
    [department] = document["reports"][0]["departments"]
    assert department["key"] == "recruiting" and department["name"] == "採用"
    assert len(department["kpis"]) == 3
    assert not [f for f in department["findings"] if f["kind"] in ("tree", "smart", "targets")]


def _type_first_actual(book: Path, value: float) -> None:
    """Type ``value`` as the first month's actual of the first KPI (applications), as a planner
    would on Tracking, and save the workbook with openpyxl."""
    import openpyxl

    wb = openpyxl.load_workbook(book)
    for ws in wb.worksheets:
        if "Recruiting_Actuals" in ws.tables:
            rows = list(ws[ws.tables["Recruiting_Actuals"].ref])
            rows[1][5].value = value
    wb.save(book)


def _first_quarter_with_an_actual(tmp_path: Path, applications: float) -> tuple[Path, Path]:
    """The recruiting plan generated for 2026Q1 with the first month's applications typed;
    returns the plan and the output folder."""
    plan = custom_plan(tmp_path / "plan.xlsx", "en")
    out = tmp_path / "out"
    assert main(["generate", str(plan), "--quarter", "2026Q1", "--out", str(out)]) == 0
    _type_first_actual(out / "FY2026Q1" / "FY2026Q1_recruiting_en.xlsx", applications)
    return plan, out


def test_next_quarter_carries_the_custom_departments_actuals_forward(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import openpyxl

    plan, out = _first_quarter_with_an_actual(tmp_path, 38)
    capsys.readouterr()
    assert main(["generate", str(plan), "--quarter", "2026Q2", "--out", str(out)]) == 0, \
        capsys.readouterr().err
    q2 = openpyxl.load_workbook(out / "FY2026Q2" / "FY2026Q2_recruiting_en.xlsx", data_only=True)
    assert "Last quarter" in q2.sheetnames[1], q2.sheetnames
    review = q2[q2.sheetnames[1]]
    assert 38 in {c.value for row in review.iter_rows() for c in row}  # the typed actual


@pytest.mark.parametrize(("rate", "says"), [(0, "found 0"), (1.5, "that is 150%")])
def test_check_refuses_a_bad_stage_rate_with_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], rate: float, says: str) -> None:
    stages = [(k, o, n, rate if o == 1 else r) for k, o, n, r in RECRUITING_STAGES["en"]]
    plan = custom_plan(tmp_path / "plan.xlsx", "en", stages=stages)
    assert main(["check", str(plan)]) == 2
    err = capsys.readouterr().err
    assert "(Rate into next stage / Custom_Stages)" in err and says in err
    assert "Traceback" not in err


def test_the_quarterly_report_rolls_up_the_custom_department_too(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:

    plan, out = _first_quarter_with_an_actual(tmp_path, 38)
    capsys.readouterr()
    to = tmp_path / "report"
    assert main(["report", str(plan), "--quarter", "2026Q1", "--out", str(out), "--to",
                 str(to)]) == 0, capsys.readouterr().err
    html = next(to.rglob("*.html")).read_text(encoding="utf-8")
    assert "Recruiting" in html and "Applications per month" in html
    csv = next(to.rglob("*.csv")).read_text(encoding="utf-8")
    assert "recruiting,Recruiting,Applications per month" in csv


def test_the_group_dashboard_combines_a_custom_departments_kgi_across_units(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import openpyxl

    from tests.conftest import set_named

    plans = []
    for unit in ("east", "west"):
        path = custom_plan(tmp_path / f"{unit}.xlsx", "en")
        wb = openpyxl.load_workbook(path)
        set_named(wb, {"Plan_Company": f"ACME {unit}"})
        wb.save(path)
        plans.append(str(path))
    out = tmp_path / "out"
    assert main(["generate", *plans, "--quarter", "2026Q1", "--out", str(out), "-q"]) == 0, \
        capsys.readouterr().err
    assert main(["report", *plans, "--quarter", "2026Q1", "--out", str(out)]) == 0, \
        capsys.readouterr().err
    [dashboard] = (out / "group").rglob("dashboard_en.xlsx")
    texts = [c.value for ws in openpyxl.load_workbook(dashboard).worksheets
             for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Group · Recruiting" in texts, texts
    assert "east · Recruiting" in texts and "west · Recruiting" in texts


def test_a_blank_template_with_only_a_custom_department_generates_that_workbook_alone(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import openpyxl

    from kpi_xl.io.resources import template_path
    from tests.conftest import set_named

    base = tmp_path / "blank.xlsx"
    wb = openpyxl.load_workbook(template_path("en"))
    set_named(wb, {"Plan_Company": "ACME", "Plan_FiscalYear": 2026, "Plan_StartMonth": 4})
    wb.save(base)
    plan = custom_plan(tmp_path / "plan.xlsx", "en", base=base)
    out = tmp_path / "out"
    assert main(["generate", str(plan), "--quarter", "2026Q1", "--out", str(out)]) == 0, \
        capsys.readouterr().err
    assert [p.name for p in (out / "FY2026Q1").glob("*.xlsx")] == ["FY2026Q1_recruiting_en.xlsx"]
    capsys.readouterr()
    assert main(["check", str(plan), "--json"]) == 0
    [report] = json.loads(capsys.readouterr().out)["reports"]
    assert [d["key"] for d in report["departments"]] == ["recruiting"]
