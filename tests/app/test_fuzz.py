"""Fuzzing the plan reader through the command line: never a traceback, never a hang.

Random bytes, random zip archives and random cell contents in a valid plan go through
``kpi_xl.app.cli.main(["generate", PATH, "--out", OUT])``; the answer is always exit code 0 (usable)
or 2 (refused, with a message), and a refused run writes nothing. Examples are bounded so the
whole file runs in seconds; every example also has a wall-clock budget (a hang fails the test).
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kpi_xl.app.cli import main
from kpi_xl.io.resources import sample_plan_path
from tests.conftest import HELD_OUT, fill_template

BUDGET_SECONDS = 20  # one example; generation of four workbooks takes about one
FAST = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])
SLOW = settings(max_examples=12, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])


def run_generate(plan: Path, capsys: pytest.CaptureFixture[str]) -> int:
    with tempfile.TemporaryDirectory() as out:
        start = time.monotonic()
        code = main(["generate", str(plan), "--quarter", "2027Q1", "--out", out, "--lang", "en"])
        took = time.monotonic() - start
        _, err = capsys.readouterr()
        assert code in (0, 2), err
        assert "Traceback" not in err and "internal error" not in err, err
        assert took < BUDGET_SECONDS, f"{took:.1f} s"
        if code == 2:
            assert err.startswith("kpi-xl: ") and list(Path(out).rglob("*")) == []
        return code


@FAST
@given(data=st.binary(max_size=4096), name=st.sampled_from(["plan.xlsx", "plan.xls",
                                                            "plan.xlsm", "plan"]))
def test_random_bytes(data: bytes, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        assert run_generate(path, capsys) == 2


_PARTS = ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
          "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml",
          "xl/vbaProject.bin", "docProps/core.xml", "word/document.xml", "mimetype"]
_XMLISH = st.one_of(
    st.binary(max_size=300),
    st.sampled_from([b"<?xml version='1.0'?><workbook/>", b"<Types/>", b"",
                     b"<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>",
                     b"<worksheet><sheetData><row r='1'><c r='A1' t='s'><v>99</v></c></row>"
                     b"</sheetData></worksheet>"]))


@FAST
@given(members=st.dictionaries(st.one_of(st.sampled_from(_PARTS),
                                         st.text(min_size=1, max_size=20)),
                               _XMLISH, max_size=8),
       from_template=st.booleans())
def test_random_zip_contents(members: dict[str, bytes], from_template: bool,
                             capsys: pytest.CaptureFixture[str]) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if from_template:  # a real plan with some parts replaced or added
            with zipfile.ZipFile(sample_plan_path("en")) as plan:
                for info in plan.infolist():
                    if info.filename not in members:
                        archive.writestr(info.filename, plan.read(info.filename))
        for name, data in members.items():
            try:
                archive.writestr(name, data)
            except Exception:  # a name zipfile cannot store: the test's problem, not kpi-xl's
                continue
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.xlsx"
        path.write_bytes(buffer.getvalue())
        run_generate(path, capsys)


_CELL = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=40),
    st.sampled_from(["=1/0", "=A1", "=Sales_WinRate*2", "=HYPERLINK(\"x\")", "+1", "-1", "@x",
                     "２０％", "１，０００", "20%", "¥1,000", "2027/3/31", "#DIV/0!", "\x00",
                     "　", "0.2", "1e308", "NaN"]),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
)
_NAMES = ["Plan_FiscalYear", "Plan_StartMonth", "Sales_TargetDeals", "Sales_WinRate",
          "Sales_LeadToOppRate", "Sales_AvgDealSize", "Sales_CycleMonths", "Mkt_TargetSQL",
          "CS_StartCustomers", "CS_MaxChurnRate", "Dev_DeploysPerWeek", "Plan_Company"]
_TABLES = ["Sales_KPIs", "Mkt_KPIs", "CS_KPIs", "Dev_KPIs", "Plan_OKRs"]


@pytest.fixture(scope="module")
def good_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    return fill_template(sample_plan_path("en"), root / "plan.xlsx", HELD_OUT, [1] * 12)


@SLOW
@example(named={}, table_cells=[("Sales_KPIs", 0, 5, ":")])  # text in a linked KPI's target
@given(named=st.dictionaries(st.sampled_from(_NAMES), _CELL, max_size=3),
       table_cells=st.lists(st.tuples(st.sampled_from(_TABLES), st.integers(0, 5),
                                      st.integers(0, 10), _CELL), max_size=4))
def test_random_cell_contents_in_a_valid_plan(good_plan: Path, named: dict,
                                              table_cells: list,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    wb = openpyxl.load_workbook(good_plan)
    for name, value in named.items():
        sheet, ref = next(iter(wb.defined_names[name].destinations))
        _put(wb[sheet][ref.replace("$", "")], value)
    for table, row, col, value in table_cells:
        for ws in wb.worksheets:
            if table in ws.tables:
                cells = list(ws[ws.tables[table].ref])
                line = cells[min(1 + row, len(cells) - 1)]
                _put(line[min(col, len(line) - 1)], value)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.xlsx"
        try:
            wb.save(path)
        except Exception:  # openpyxl cannot store it (e.g. control characters): not a plan
            return
        run_generate(path, capsys)


def _put(cell: openpyxl.cell.Cell, value: object) -> None:
    try:
        cell.value = value
    except Exception:  # openpyxl refuses some strings (control characters): leave the cell
        return
