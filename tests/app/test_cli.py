"""The command line, end to end: bad input gives a clear message, exit code 2, and no files.

Every case runs ``kpi_xl.app.cli.main([...])`` as the ``kpi-xl`` script does, and checks what a
planner sees: the sheet, the cell, the input's name, what was found and what is expected, in
English or (``--lang ja``) Japanese; no traceback; nothing in the output folder.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from kpi_xl.app.cli import main
from kpi_xl.io.resources import sample_plan_path
from tests.conftest import HELD_OUT, fill_template

EVEN = [1] * 12


def named_cell(path: Path, name: str) -> tuple[str, str]:
    wb = openpyxl.load_workbook(path)
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    return sheet, ref.replace("$", "")


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "workbooks"
    folder.mkdir()
    return folder


def assert_refused(code: int, err: str, out_dir: Path) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    assert "internal error" not in err
    assert list(out_dir.rglob("*")) == [], "nothing may be written for a refused plan"


# One case per kind of bad input: (changes, weights, found in English, expected in English,
# found in Japanese, expected in Japanese). The cell and the input's name are checked for each.
BAD_INPUTS = {
    "zero rate": ({"Sales_WinRate": 0}, EVEN, "found 0", "above 0% and at most 100%",
                  "0 が入っています", "0% より大きく 100% 以下"),
    "rate typed as 20": ({"Sales_WinRate": 20}, EVEN, "that is 2000%; for 20% type 20% or 0.2",
                         "at most 100%", "2000%", "100% 以下"),
    "text for a number": ({"Sales_AvgDealSize": "2 million"}, EVEN, "found the text '2 million'",
                          "an amount above 0", "文字「2 million」", "金額"),
    "blank required input": ({"Sales_AvgDealSize": None}, EVEN, "the cell is blank",
                             "an amount above 0", "空欄です", "金額"),
    "negative target": ({"Sales_TargetDeals": -100}, EVEN, "found -100",
                        "whole number of 0 or more", "-100 が入っています", "0 以上の整数"),
    "fractional deals": ({"Sales_TargetDeals": 99.5}, EVEN, "found 99.5", "whole number",
                         "99.5 が入っています", "整数"),
    "start month 13": ({"Plan_StartMonth": 13}, EVEN, "found 13", "month number 1-12",
                       "13 が入っています", "1〜12"),
}
NAMES = {"zero rate": "Sales_WinRate", "rate typed as 20": "Sales_WinRate",
         "text for a number": "Sales_AvgDealSize", "blank required input": "Sales_AvgDealSize",
         "negative target": "Sales_TargetDeals", "fractional deals": "Sales_TargetDeals",
         "start month 13": "Plan_StartMonth"}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_bad_input_is_refused_with_sheet_cell_name_found_and_expected(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, out_dir: Path, case: str,
        lang: str) -> None:
    changes, weights, found_en, expected_en, found_ja, expected_ja = BAD_INPUTS[case]
    plan = fill_template(sample_plan_path("en"), tmp_path / "plan.xlsx", {**HELD_OUT, **changes},
                         weights)
    sheet, cell = named_cell(plan, NAMES[case])
    code, _, err = run(capsys, "generate", plan, "--out", out_dir, "--lang", lang)
    assert_refused(code, err, out_dir)
    if lang == "en":
        assert f"Sheet '{sheet}', cell {cell} (" in err
        assert found_en in err and expected_en in err
        assert "Nothing was written" in err
    else:
        assert f"シート「{sheet}」セル {cell}(" in err
        assert found_ja in err and expected_ja in err
        assert "何も書き出していません" in err
    assert NAMES[case] in err


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_seasonality_weights_all_zero_are_refused(capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path, out_dir: Path,
                                                   lang: str) -> None:
    plan = fill_template(sample_plan_path(lang), tmp_path / "plan.xlsx", HELD_OUT, [0] * 12)
    sheet, block = named_cell(plan, "Plan_Seasonality")
    code, _, err = run(capsys, "generate", plan, "--out", out_dir, "--lang", lang)
    assert_refused(code, err, out_dir)
    assert block in err and sheet in err and "Plan_Seasonality" in err
    assert ("the weights add up to 0" if lang == "en" else "ウェイトの合計が 0") in err


def test_a_japanese_plan_speaks_japanese_without_lang(capsys: pytest.CaptureFixture[str],
                                                       tmp_path: Path, out_dir: Path) -> None:
    plan = fill_template(sample_plan_path("ja"), tmp_path / "plan.xlsx",
                         {**HELD_OUT, "Sales_WinRate": 0}, EVEN)
    code, _, err = run(capsys, "generate", plan, "--out", out_dir)
    assert_refused(code, err, out_dir)
    assert "入力エラーがあります" in err and "シート「計画」" in err
    assert "Sheet" not in err and "expected" not in err  # no mix of languages


def test_several_problems_are_all_reported_at_once(capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path, out_dir: Path) -> None:
    plan = fill_template(sample_plan_path("en"), tmp_path / "plan.xlsx",
                         {**HELD_OUT, "Sales_WinRate": 0, "Sales_TargetDeals": "x",
                          "Plan_StartMonth": 13, "Sales_AvgDealSize": None}, [0] * 12)
    code, _, err = run(capsys, "generate", plan, "--out", out_dir)
    assert_refused(code, err, out_dir)
    assert "has 5 input errors" in err
    for name in ("Sales_WinRate", "Sales_TargetDeals", "Plan_StartMonth", "Sales_AvgDealSize",
                 "Plan_Seasonality"):
        assert name in err


def test_a_template_whose_named_cell_was_deleted(capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path, out_dir: Path) -> None:
    plan = fill_template(sample_plan_path("en"), tmp_path / "plan.xlsx", HELD_OUT, EVEN)
    sheet, cell = named_cell(plan, "Sales_AvgDealSize")
    wb = openpyxl.load_workbook(plan)
    del wb.defined_names["Sales_AvgDealSize"]
    wb.save(plan)
    for lang, says in (("en", "the named cell Sales_AvgDealSize is missing"),
                       ("ja", "名前付きセル Sales_AvgDealSize がありません")):
        code, _, err = run(capsys, "generate", plan, "--out", out_dir, "--lang", lang)
        assert_refused(code, err, out_dir)
        assert says in err and cell in err and sheet in err


def _csv(d: Path) -> Path:
    (d / "plan.csv").write_text("Sales_WinRate,0.2\n", encoding="utf-8")
    return d / "plan.csv"


def _renamed_text(d: Path) -> Path:
    (d / "plan.xlsx").write_text("this is not a workbook", encoding="utf-8")
    return d / "plan.xlsx"


def _xls(d: Path) -> Path:
    (d / "plan.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    return d / "plan.xls"


def _folder(d: Path) -> Path:
    (d / "plan_folder").mkdir()
    return d / "plan_folder"


@pytest.mark.parametrize(("make", "en", "ja"), [
    (_csv, "is not an .xlsx file (.csv)", "は .xlsx ファイルではありません(.csv)"),
    (_renamed_text, "cannot be read as an Excel workbook", "Excel ブックとして読めません"),
    (_xls, "save it as 'Excel Workbook (*.xlsx)'", "「Excel ブック (*.xlsx)」として保存し直して"),
    (lambda d: d / "no_such_plan.xlsx", "Plan file not found", "計画ファイルが見つかりません"),
    (_folder, "is a folder", "はフォルダです"),
], ids=["csv", "text-renamed-xlsx", "xls", "missing", "folder"])
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_file_that_is_not_an_xlsx_plan(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                         out_dir: Path, make, en: str, ja: str,
                                         lang: str) -> None:
    path = make(tmp_path)
    code, _, err = run(capsys, "generate", path, "--out", out_dir, "--lang", lang)
    assert_refused(code, err, out_dir)
    assert (en if lang == "en" else ja) in err
    assert path.name in err


@pytest.mark.parametrize(("quarter", "en", "ja"), [
    ("garbage", "expected a fiscal year and quarter such as 2026Q1", "2026Q1 のように"),
    ("2026Q5", "expected a fiscal year and quarter such as 2026Q1", "2026Q1 のように"),
    ("2027Q1", "this plan is for fiscal year 2026; choose 2026Q1 to 2026Q4",
     "この計画は 2026年度のものです"),
])
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_bad_quarter_is_refused(capsys: pytest.CaptureFixture[str], out_dir: Path,
                                  quarter: str, en: str, ja: str, lang: str) -> None:
    code, _, err = run(capsys, "generate", "--quarter", quarter, "--out", out_dir,
                       "--lang", lang)
    assert_refused(code, err, out_dir)
    assert f"--quarter {quarter}" in err
    assert (en if lang == "en" else ja) in err


def test_an_out_path_that_is_a_file_is_refused(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    blocker = tmp_path / "workbooks"
    blocker.write_text("a file, not a folder", encoding="utf-8")
    code, _, err = run(capsys, "generate", "--out", blocker, "--lang", "en")
    assert code == 2 and "Traceback" not in err
    assert "is a file, not a folder" in err
    assert blocker.read_text(encoding="utf-8") == "a file, not a folder"


def test_an_unknown_option_value_is_exit_code_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "generate", "--lang", "fr")
    assert code == 2 and "invalid choice" in err and "Traceback" not in err


def test_no_command_prints_help_and_exit_code_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys)
    assert code == 2 and "generate" in out


def test_version_is_exit_code_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("kpi-xl ")


def test_generate_without_arguments_writes_the_sample_quarter(
        capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "generate")
    assert code == 0, err
    written = [Path(line) for line in out.splitlines()]
    assert written and all(p.exists() for p in written)
    assert all(p.parts[0] == "workbooks" and p.parent.name.startswith("FY2026Q") for p in written)
    assert any("_sales_" in p.name for p in written)


def test_generate_a_filled_plan_for_a_chosen_quarter(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path, out_dir: Path) -> None:
    plan = fill_template(sample_plan_path("en"), tmp_path / "plan.xlsx", HELD_OUT, EVEN)
    code, out, err = run(capsys, "generate", plan, "--quarter", "FY2027Q2", "--out", out_dir)
    assert code == 0, err
    assert (out_dir / "FY2027Q2" / "FY2027Q2_sales_en.xlsx") in [Path(p) for p in out.split()]


def test_template_refuses_to_overwrite_without_force(capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    target = tmp_path / "my_plan.xlsx"
    target.write_bytes(sample_plan_path("en").read_bytes())
    before = target.read_bytes()
    for lang, says in (("en", "already exists"), ("ja", "既に存在します")):
        code, _, err = run(capsys, "template", "-o", target, "--lang", lang)
        assert code == 2 and says in err and "--force" in err
        assert target.read_bytes() == before
    code, _, err = run(capsys, "template", "-o", target, "--lang", "en", "--force")
    assert code == 0, err
    sheet, cell = named_cell(target, "Sales_WinRate")
    assert openpyxl.load_workbook(target)[sheet][cell].value is None  # a fresh, blank template


def test_template_needs_an_xlsx_name(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "template", "-o", tmp_path / "plan.txt", "--lang", "en")
    assert code == 2 and ".xlsx" in err
    assert not (tmp_path / "plan.txt").exists()


def test_template_writes_the_default_name_in_the_current_folder(
        capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "template", "--lang", "en")
    assert code == 0 and out.strip() == "kpi_plan_template_en.xlsx"
    assert (tmp_path / "kpi_plan_template_en.xlsx").exists()


def test_generate_help_lists_previous_and_force(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "generate", "--help")
    assert code == 0 and "--previous DIR" in out and "--force" in out and ".bak.xlsx" in out


def _q1_with_actual(tmp_path: Path, lang: str) -> tuple[Path, Path]:
    from kpi_xl.app.generate import generate
    from kpi_xl.core.fiscal import FiscalQuarter
    from kpi_xl.io.plan_reader import read_plan

    plan = fill_template(sample_plan_path(lang), tmp_path / "plan.xlsx", HELD_OUT, EVEN)
    out = tmp_path / "workbooks"
    [sales] = generate(read_plan(plan), FiscalQuarter(2027, 1), out, lang,
                       departments=["sales"])
    wb = openpyxl.load_workbook(sales)
    for ws in wb.worksheets:
        if "Sales_Actuals" in ws.tables:
            list(ws[ws.tables["Sales_Actuals"].ref])[1][5].value = "たくさん"
    wb.save(sales)
    return plan, out


def test_refusals_about_workbooks_speak_japanese(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    plan, out = _q1_with_actual(tmp_path, "ja")
    code, _, err = run(capsys, "generate", plan, "--quarter", "2027Q1", "--out", out)
    assert code == 2 and "入力済みのデータがあるため、上書きしません" in err
    assert "実績が入力されています(1 セル)" in err and "--force" in err
    assert "Refusing" not in err
    code, _, err = run(capsys, "generate", plan, "--quarter", "2027Q2", "--out", out)
    assert code == 2, err
    assert "前四半期のブック" in err and "文字「たくさん」が入っています" in err
    assert "数値を入力してください" in err and "ファイルは何も書き出していません" in err
    assert not (out / "FY2027Q2").exists()
