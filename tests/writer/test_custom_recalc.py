"""Your own department in a real engine: the recruiting workbook (issue 15), ja and en.

A plan whose Custom_Departments / Custom_Stages / Custom_KPIs tables hold recruiting (20 hires,
offer→hire 80%, interview→offer 25%, application→interview 20%) generates
``FY2026Q1_recruiting_<lang>.xlsx``; LibreOffice recalculates it to 25 offers, 100 interviews and
500 applications, every cached value equals the recalculation, and no cell holds an error. A
copy with new inputs typed into the workbook recalculates to the core's funnel for them.
"""

from __future__ import annotations

from pathlib import Path

# isort: off
import kpi_xl.io  # noqa: F401
import openpyxl
# isort: on
import pytest

from kpi_xl.app.generate import generate
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.core.funnel import monthly_split, reverse_funnel
from kpi_xl.io.plan_reader import read_plan
from tests.conftest import require_libreoffice, set_named
from tests.custom_plan import custom_plan
from tests.libreoffice import recalculate
from tests.workbook_values import errors_in, formulas, named_values, same, values

LANGS = ("ja", "en")
EXPECTED = {"Recruiting_KGITarget": 20, "Recruiting_Stage3": 25, "Recruiting_Stage2": 100,
            "Recruiting_Stage1": 500}
CHANGED = {"Recruiting_KGITarget": 37, "Recruiting_Rate1": 0.13, "Recruiting_Rate2": 0.29,
           "Recruiting_Rate3": 0.7}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """label → the recruiting workbook generated from a plan (ja, en) and an edited copy."""
    root = tmp_path_factory.mktemp("custom")
    out: dict[str, Path] = {}
    for lang in LANGS:
        plan = read_plan(custom_plan(root / f"plan_{lang}.xlsx", lang))
        [path] = generate(plan, FiscalQuarter(2026, 1), root / lang, lang,
                          departments=["recruiting"], roll_forward=False)
        assert path.name == f"FY2026Q1_recruiting_{lang}.xlsx"
        out[f"recruiting-{lang}"] = path
    wb = openpyxl.load_workbook(out["recruiting-en"])
    set_named(wb, CHANGED)
    changed = root / "recruiting-changed.xlsx"
    wb.save(changed)
    out["recruiting-changed"] = changed
    return out


@pytest.fixture(scope="module")
def books(written: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
          ) -> dict[str, tuple[Path, Path]]:
    """label → (generated workbook, its LibreOffice recalculation), in one LibreOffice run."""
    require_libreoffice()
    staging = tmp_path_factory.mktemp("custom-lo-in")
    copies = {}
    for label, path in written.items():
        copies[label] = staging / f"{label}.xlsx"
        copies[label].write_bytes(path.read_bytes())
    mapping = recalculate(copies.values(), tmp_path_factory.mktemp("custom-lo-out"))
    return {label: (written[label], mapping[copy.resolve()]) for label, copy in copies.items()}


@pytest.mark.parametrize("lang", LANGS)
def test_the_recruiting_funnel_shows_25_offers_100_interviews_500_applications(
        books: dict[str, tuple[Path, Path]], lang: str) -> None:
    original, fresh = books[f"recruiting-{lang}"]
    for which in (original, fresh):
        named = named_values(which)
        assert {k: named[k] for k in EXPECTED} == EXPECTED, which


@pytest.mark.parametrize("lang", LANGS)
def test_every_cached_value_equals_the_recalculation_and_no_cell_is_an_error(
        books: dict[str, tuple[Path, Path]], lang: str) -> None:
    original, fresh = books[f"recruiting-{lang}"]
    cached, recalculated = values(original), values(fresh)
    cells = formulas(original)
    assert len(cells) > 500, "the workbook should be live formulas throughout"
    mismatches = {cell: (cached.get(cell), recalculated.get(cell)) for cell in cells
                  if not same(cached.get(cell), recalculated.get(cell))}
    assert mismatches == {}
    assert errors_in(recalculated) == {}
    assert errors_in(cached) == {}


@pytest.mark.parametrize("lang", LANGS)
def test_the_workbook_has_every_sheet_of_a_built_in_department(
        written: dict[str, Path], lang: str) -> None:
    from kpi_xl.core.i18n import t

    original = written[f"recruiting-{lang}"]
    wb = openpyxl.load_workbook(original)
    expected = [t(lang, f"sheet.{part}") for part in (
        "plan", "monthly", "targets", "kpis", "tree", "tracking", "okr", "review", "checklist")]
    assert wb.sheetnames == expected
    tables = {name for ws in wb.worksheets for name in ws.tables}
    assert {"Recruiting_Targets", "Recruiting_KPIList", "Recruiting_Actuals",
            "Recruiting_Reviews"} <= tables


def test_monthly_applications_follow_the_seasonality_and_add_up(
        books: dict[str, tuple[Path, Path]]) -> None:
    plan = read_plan(custom_plan(books["recruiting-en"][0].parent / "again.xlsx", "en"))
    fresh = values(books["recruiting-en"][1])
    header = next(coord for (sheet, coord), v in fresh.items()
                  if sheet == "Monthly targets" and v == "Applications")
    col = "".join(ch for ch in header if ch.isalpha())
    row = int("".join(ch for ch in header if ch.isdigit()))
    months = [fresh[("Monthly targets", f"{col}{row + i}")] for i in range(1, 13)]
    assert months == monthly_split(500, plan.seasonality)
    assert sum(months) == 500


def test_inputs_changed_inside_the_workbook_recalculate_to_the_core_funnel(
        books: dict[str, tuple[Path, Path]]) -> None:
    _, fresh = books["recruiting-changed"]
    named = named_values(fresh)
    offers, interviews, applications = reverse_funnel(
        CHANGED["Recruiting_KGITarget"],
        [CHANGED["Recruiting_Rate3"], CHANGED["Recruiting_Rate2"], CHANGED["Recruiting_Rate1"]])
    assert (named["Recruiting_Stage3"], named["Recruiting_Stage2"],
            named["Recruiting_Stage1"]) == (offers, interviews, applications)
    assert errors_in(values(fresh)) == {}


# The same structural guarantees as tests/writer/test_workbook_structure.py gives the built-ins.

@pytest.mark.parametrize("lang", LANGS)
def test_names_formulas_protection_and_validation_as_for_a_built_in_department(
        written: dict[str, Path], lang: str) -> None:
    import re
    import zipfile

    from kpi_xl.core.plan import plan_departments
    from tests.writer.test_workbook_structure import CELL_LIKE, CLASSIC

    path = written[f"recruiting-{lang}"]
    wb = openpyxl.load_workbook(path)
    for name in wb.sheetnames:
        assert len(name) <= 31 and not set(name) & set(":\\/?*[]")
    plan = read_plan(custom_plan(path.parent / "again.xlsx", lang))
    dept = plan_departments(plan)["recruiting"]
    declared = {s.name for s in (*dept.inputs, *dept.outputs)}
    assert declared <= set(wb.defined_names)
    for name in wb.defined_names:
        assert not CELL_LIKE.match(name) and not name.lower().startswith("_xl"), name
    for name in declared:
        [(sheet, ref)] = list(wb.defined_names[name].destinations)
        cell = wb[sheet][ref.replace("$", "")]
        assert ":" not in ref
        # Inputs are unlocked on the protected Plan sheet; the funnel's formulas are locked.
        assert cell.protection.locked is (name not in {s.name for s in dept.inputs}), name
    assert wb[wb.sheetnames[0]].protection.sheet
    for cell, text in formulas(path).items():
        used = set(re.findall(r"([A-Z][A-Z0-9.]*)\(", text))
        assert used <= CLASSIC, (cell, used - CLASSIC)
        assert len(text) <= 8192
    assert any("Recruiting_Actuals[[#This Row]," in t for t in formulas(path).values())
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.startswith("xl/worksheets/sheet"):
                xml = archive.read(member).decode("utf-8")
                for rule in re.findall(r"<(?:cfRule|dataValidation)\b.*?</(?:cfRule|dataValidation)>",
                                       xml, re.S):
                    for formula in re.findall(r"<formula1?>(.*?)</formula1?>", rule, re.S):
                        assert "[" not in formula, (member, formula)
    # Every rate input refuses 0 and anything above 100%, as the plan reader does.
    rates = [s.name for s in dept.inputs if s.kind == "rate"]
    plan_sheet = wb[wb.sheetnames[0]]
    checked = {str(dv.sqref): dv.formula1 for dv in plan_sheet.data_validations.dataValidation}
    for name in rates:
        [(_, ref)] = list(wb.defined_names[name].destinations)
        ref = ref.replace("$", "")
        assert checked.get(ref) == f"AND(ISNUMBER({ref}),{ref}>0,{ref}<=1)", name
