"""A new user's partial plan through ``kpi-xl``: a blank template with only sales filled in.

``generate`` writes the sales workbook alone and says, on standard error and in the plan's
language, which departments it skipped; ``check`` says the same instead of erroring; ``report``
reads the quarter without asking for the skipped departments' workbooks; a template left wholly
blank is still refused (nothing to plan).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kpi_xl.app.cli import main
from kpi_xl.app.template import write_template
from tests.partial import SALES, partial_plan

NOTE = {"ja": "kpi-xl: 計画なし(計画で空欄の部門は省き、ブックを作りません): "
              "マーケティング、カスタマーサクセス、開発",
        "en": "kpi-xl: Not planned (left blank in the plan, so skipped: no workbook for them): "
              "Marketing, Customer Success, Development"}
OWN = {"ja": "kpi-xl: 営業はリード→商談率に自身の入力を使います(マーケティングは計画されていないため連動しません)",
       "en": "kpi-xl: Sales uses its own Lead → opportunity rate, not figures from Marketing, "
             "which is not planned"}


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_generate_writes_the_sales_workbook_alone_and_names_the_skipped_departments(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str) -> None:
    plan = partial_plan(tmp_path / "plan.xlsx", lang, SALES)
    out = tmp_path / "books"
    code, stdout, stderr = run(capsys, "generate", plan, "--quarter", "2026Q1", "--out", out)
    assert code == 0
    book = out / "FY2026Q1" / f"FY2026Q1_sales_{lang}.xlsx"
    assert stdout.splitlines() == [str(book)]
    assert sorted(p.name for p in (out / "FY2026Q1").iterdir()) == [book.name]
    assert stderr.splitlines() == [NOTE[lang], OWN[lang]]

    # check: the skipped departments are said, not reported as findings or errors.
    code, stdout, stderr = run(capsys, "check", plan)
    assert code == 0, stdout + stderr
    lines = stdout.splitlines()
    assert lines[1] == NOTE[lang].removeprefix("kpi-xl: ")
    assert sum(line.startswith("== ") for line in lines) == 1

    # The next quarter rolls forward the sales workbook only; the report reads what there is.
    code, stdout, stderr = run(capsys, "generate", plan, "--quarter", "2026Q2", "--out", out)
    assert code == 0 and stderr.splitlines() == [NOTE[lang], OWN[lang]]
    code, stdout, stderr = run(capsys, "report", plan, "--quarter", "2026Q2", "--out", out,
                               "--to", tmp_path / "report")
    assert code == 0, stderr
    assert stderr == ""  # no "workbook missing" for departments the plan leaves out
    assert (tmp_path / "report" / f"report_{lang}.html").is_file()


def test_several_partial_plans_each_say_what_they_skipped(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plans = [partial_plan(tmp_path / f"plan_{lang}.xlsx", lang, SALES) for lang in ("ja", "en")]
    code, stdout, stderr = run(capsys, "generate", *plans, "--quarter", "2026Q1", "--out",
                               tmp_path / "books", "--jobs", "1", "--quiet")
    assert code == 0, stderr
    assert len(stdout.splitlines()) == 2
    for plan, lang in zip(plans, ("ja", "en"), strict=True):
        assert f"kpi-xl: {plan}: {NOTE[lang].removeprefix('kpi-xl: ')}" in stderr.splitlines()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_blank_template_is_still_refused_as_nothing_to_plan(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str) -> None:
    blank = write_template(tmp_path / "blank.xlsx", lang)
    out = tmp_path / "books"
    code, stdout, stderr = run(capsys, "generate", blank, "--out", out)
    assert code == 2 and stdout == ""
    assert not out.exists() or not any(out.iterdir())
    says = {"ja": "計画するものがありません", "en": "nothing to plan"}[lang]
    assert says in stderr and "Traceback" not in stderr
    assert stderr.count("\n  - ") == 3  # company, fiscal year, and nothing to plan
