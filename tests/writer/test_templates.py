"""The templates in templates/ are exactly what ``kpi-xl template`` writes today.

They ship inside the wheel and are the default plan of every command, so a change to the
template writer (a new department, a new label) must come with regenerated files. Generation is
deterministic (fixed document properties; XlsxWriter stamps every zip member 1980-01-01), so the
check is byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.cell_range import CellRange

from kpi_xl.app.cli import main
from kpi_xl.io.resources import templates_dir

REPO_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
REGENERATE = ("for l in ja en; do "
              "python -m kpi_xl template --force --lang $l -o templates/kpi_plan_template_$l.xlsx; "
              "python -m kpi_xl template --force --sample --lang $l -o templates/sample_plan_$l.xlsx; "
              "done")

FILES = {f"kpi_plan_template_{lang}.xlsx": (lang, False) for lang in ("ja", "en")}
FILES |= {f"sample_plan_{lang}.xlsx": (lang, True) for lang in ("ja", "en")}

CONTRACT_INPUTS = ["Sales_TargetDeals", "Sales_WinRate", "Sales_LeadToOppRate",
                   "Sales_AvgDealSize"]
CONTRACT_FORMULAS = ["Sales_RequiredOpps", "Sales_RequiredLeads", "Sales_TargetRevenue"]
GENERAL_INPUTS = ["Plan_Company", "Plan_FiscalYear", "Plan_StartMonth"]


@pytest.mark.parametrize("name", list(FILES))
def test_committed_template_is_byte_identical_to_what_kpi_xl_template_writes(
        name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lang, sample = FILES[name]
    fresh = tmp_path / name
    argv = ["template", "--lang", lang, "-o", str(fresh)] + (["--sample"] if sample else [])
    assert main(argv) == 0, capsys.readouterr().err
    committed = REPO_TEMPLATES / name
    assert committed.exists(), f"templates/{name} is missing; regenerate with: {REGENERATE}"
    assert fresh.read_bytes() == committed.read_bytes(), (
        f"templates/{name} is out of date with the template writer. Regenerate all four from "
        f"the repository root with:\n  {REGENERATE}\nthen review and commit them.")


def test_the_package_finds_the_same_templates() -> None:
    # In a source checkout resources falls back to the repository's templates/.
    assert sorted(p.name for p in templates_dir().glob("*.xlsx")) == sorted(FILES)


def _named_cells(wb: openpyxl.Workbook) -> dict[str, tuple[str, str]]:
    out = {}
    for name, defined in wb.defined_names.items():
        [(sheet, ref)] = list(defined.destinations)
        out[name] = (sheet, ref.replace("$", ""))
    return out


@pytest.mark.parametrize("name", list(FILES))
def test_the_named_cell_contract_holds(name: str) -> None:
    wb = openpyxl.load_workbook(REPO_TEMPLATES / name)
    named = _named_cells(wb)
    for key in GENERAL_INPUTS + CONTRACT_INPUTS + CONTRACT_FORMULAS:
        assert key in named, f"{name} lacks the defined name {key}"
        sheet, ref = named[key]
        assert ":" not in ref, f"{key} must point at one cell, not {ref}"
        assert sheet in wb.sheetnames
    for key in CONTRACT_FORMULAS:
        sheet, ref = named[key]
        value = wb[sheet][ref].value
        assert isinstance(value, str) and value.startswith("="), f"{key} should be a formula"
    sheet, block = named["Plan_Seasonality"]
    assert CellRange(block).size == {"columns": 1, "rows": 12}


def _validated(ws) -> set[str]:  # type: ignore[no-untyped-def]
    cells: set[str] = set()
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            cells |= {f"{openpyxl.utils.get_column_letter(c)}{r}" for r, c in rng.cells}
    return cells


@pytest.mark.parametrize("name", list(FILES))
def test_every_input_cell_carries_data_validation_and_the_input_style(name: str) -> None:
    wb = openpyxl.load_workbook(REPO_TEMPLATES / name)
    named = _named_cells(wb)
    inputs = [named[k] for k in GENERAL_INPUTS + CONTRACT_INPUTS
              if k != "Plan_Company"]  # free text: help only, nothing to validate
    sheet, block = named["Plan_Seasonality"]
    inputs += [(sheet, f"{openpyxl.utils.get_column_letter(c)}{r}")
               for r, c in CellRange(block).cells]
    fills = set()
    for sheet, ref in inputs:
        assert ref in _validated(wb[sheet]), f"{name}: input {sheet}!{ref} has no data validation"
        cell = wb[sheet][ref]
        assert cell.protection.locked is False, f"{sheet}!{ref} should stay editable"
        fills.add(cell.fill.fgColor.rgb)
    assert len(fills) == 1, "every input cell should share one input style"
    for key in CONTRACT_FORMULAS:
        sheet, ref = named[key]
        assert wb[sheet][ref].fill.fgColor.rgb not in fills, "formulas must look unlike inputs"


def test_rate_validation_refuses_0_and_anything_above_100_percent() -> None:
    # The same rule as the plan reader: Excel must not accept a rate kpi-xl then refuses.
    wb = openpyxl.load_workbook(REPO_TEMPLATES / "kpi_plan_template_en.xlsx")
    sheet, ref = _named_cells(wb)["Sales_WinRate"]
    [dv] = [dv for dv in wb[sheet].data_validations.dataValidation if ref in dv.sqref]
    assert dv.type == "custom"
    assert dv.formula1 == f"AND(ISNUMBER({ref}),{ref}>0,{ref}<=1)"
    assert dv.prompt, "the input should carry a short help text"
