"""The bad-input catalogue (docs/bad-input.md): every entry tried through ``kpi-xl``, as a user would.

Each entry of the catalogue's tables has an id (first column) and a case here with the same id:
the case builds the input, runs ``kpi_xl.app.cli.main([...])`` and checks the exit code, what the
message says (in English; the Japanese text is covered by test_cli) and that nothing was written
when the input was refused. A test keeps the catalogue and the cases in step.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pytest

from kpi_xl.app.cli import main
from kpi_xl.app.generate import generate
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.io.plan_reader import read_plan
from kpi_xl.io.resources import sample_plan_path
from tests.conftest import HELD_OUT, fill_template
from tests.killing import DIE_ON_THIRD_RENAME
from tests.partial import CHANNELS, GENERAL, SALES, partial_plan

CATALOGUE = Path(__file__).resolve().parents[2] / "docs" / "bad-input.md"
EVEN = [1] * 12
Q1 = "FY2027Q1"


@dataclass
class Case:
    """argv for ``kpi-xl``; the exit code; texts the message must contain."""

    argv: list[str]
    code: int
    says: list[str] = field(default_factory=list)
    written: Path | None = None  # a folder that must stay as it was (refusals)
    check: Callable[[], None] | None = None  # more checks once the command ran


@dataclass
class World:
    """Where a case builds its input: a good plan, a quarter's workbooks, an output folder."""

    tmp: Path
    plan: Path
    q1: Path  # generated FY2027Q1 workbooks of the plan (a folder to copy)

    @property
    def out(self) -> Path:
        folder = self.tmp / "workbooks"
        folder.mkdir(exist_ok=True)
        return folder

    def changed_plan(self, changes: dict, weights: list | None = None) -> Path:
        return fill_template(sample_plan_path("en"), self.tmp / "plan.xlsx",
                             {**HELD_OUT, **changes}, weights or EVEN)

    def with_q1(self) -> Path:
        """The output folder holding last quarter's workbooks, untouched."""
        shutil.copytree(self.q1, self.out / Q1)
        return self.out

    def q1_book(self, dept: str = "sales") -> Path:
        return self.out / Q1 / f"{Q1}_{dept}_en.xlsx"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("catalogue")
    plan = fill_template(sample_plan_path("en"), root / "plan.xlsx", HELD_OUT, EVEN)
    generate(read_plan(plan), FiscalQuarter(2027, 1), root / "q1", "en")
    return plan, root / "q1" / Q1


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _zip(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _rezip(source: Path, target: Path, change: Callable[[str, bytes], bytes | None],
           extra: dict[str, bytes] | None = None) -> Path:
    """Copy a workbook member by member; ``change`` may rewrite (or drop: None) a member."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info.filename))
            if data is not None:
                new.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            new.writestr(name, data)
    return target


def _encrypted() -> bytes:
    return (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
            + "EncryptionInfo".encode("utf-16-le") + bytes(64)
            + "EncryptedPackage".encode("utf-16-le") + bytes(1024))


def _kpi_cell(wb: openpyxl.Workbook, table: str, field_header: str, row: int) -> openpyxl.cell.Cell:
    """The cell of a KPI table's data row ``row`` (0-based) under a header."""
    for ws in wb.worksheets:
        if table in ws.tables:
            ref = ws.tables[table].ref
            cells = list(ws[ref])
            headers = [c.value for c in cells[0]]
            return cells[1 + row][headers.index(field_header)]
    raise KeyError(table)


def _plan_with(world: World, edit: Callable[[openpyxl.Workbook], None],
               name: str = "plan.xlsx") -> Path:
    wb = openpyxl.load_workbook(world.plan)
    edit(wb)
    path = world.tmp / name
    wb.save(path)
    return path


def _set_kpi(table: str, header: str, row: int, value: object, as_text: bool = False):
    def edit(wb: openpyxl.Workbook) -> None:
        cell = _kpi_cell(wb, table, header, row)
        cell.value = value
        if as_text:
            cell.data_type = "s"
    return edit


def _type_into_q1(world: World, table: str, row: int, value: object, column: int = 5,
                  dept: str = "sales") -> Path:
    """Type ``value`` into a tracking table's data row ``row`` (0-based), Actual column."""
    out = world.with_q1()
    book = world.q1_book(dept)
    wb = openpyxl.load_workbook(book)
    for ws in wb.worksheets:
        if table in ws.tables:
            cells = list(ws[ws.tables[table].ref])
            cells[1 + row][column].value = value
    wb.save(book)
    return out


def _gen(world: World, plan: Path | None = None, *extra: str, quarter: str = "2027Q2",
         out: Path | None = None) -> list[str]:
    return ["generate", str(plan or world.plan), "--quarter", quarter, "--out",
            str(out or world.out), "--lang", "en", *extra]


def _plan_problem(world: World, changes: dict, *says: str, weights: list | None = None) -> Case:
    plan = world.changed_plan(changes, weights)
    return Case(_gen(world, plan), 2, ["input error", *says], world.out)


def _understood(world: World, changes: dict, name: str, value: float) -> Case:
    plan = world.changed_plan(changes)

    def check() -> None:
        assert read_plan(plan).values[name] == pytest.approx(value)
    return Case(_gen(world, plan), 0, [], None, check)


def _custom(world: World, *says: str, rates: dict | None = None, key: str | None = None,
            **tables: object) -> Case:
    """The plan with issue 15's recruiting department typed into the Custom_* tables, changed
    by ``tables`` (rows), ``rates`` (by stage order) or ``key`` (another key throughout)."""
    from tests.custom_plan import RECRUITING, RECRUITING_KPIS, RECRUITING_STAGES, custom_plan

    rows = {"departments": RECRUITING["en"], "stages": RECRUITING_STAGES["en"],
            "kpis": RECRUITING_KPIS["en"]}
    if key is not None:
        rows = {name: [(key, *row[1:]) for row in items] for name, items in rows.items()}
    if rates:
        rows["stages"] = [(k, o, n, rates.get(o, r)) for k, o, n, r in rows["stages"]]
    rows.update(tables)  # type: ignore[arg-type]
    plan = custom_plan(world.tmp / "custom.xlsx", "en", base=world.plan, **rows)  # type: ignore[arg-type]
    return Case(_gen(world, plan), 2, ["input error", *says], world.out)


def _previous_problem(world: World, out: Path, *says: str) -> Case:
    return Case(_gen(world, out=out), 2, ["Last quarter's workbook", *says],
                out / "FY2027Q2")


def _overwrite(world: World, out: Path, *says: str) -> Case:
    return Case(_gen(world, quarter="2027Q1", out=out), 2,
                ["Refusing to overwrite", "--force", *says], out / Q1)


def _review_entry(world: World) -> Path:
    out = world.with_q1()
    wb = openpyxl.load_workbook(world.q1_book())
    for ws in wb.worksheets:
        if "Sales_Reviews" in ws.tables:
            cells = list(ws[ws.tables["Sales_Reviews"].ref])
            cells[1][3].value = "Leads fell short in week 1"
    wb.save(world.q1_book())
    return out


def _target_is_a_folder(world: World) -> Case:
    """Three workbooks of the quarter in place; a folder where the third new one goes."""
    out = world.with_q1()
    (world.q1_book("customer_success")).unlink()
    world.q1_book("customer_success").mkdir()
    return Case(_gen(world, quarter="2027Q1", out=out), 2,
                ["could not put", "FY2027Q1_customer_success_en.xlsx in place",
                 "every workbook in", "as it was"], out / Q1)


_KILL_ON_THIRD_RENAME = DIE_ON_THIRD_RENAME + """
from kpi_xl.app.cli import main
main(sys.argv[1:])
"""


def _killed_mid_commit(world: World) -> Case:
    """A run killed (kill -9) between its second and third rename; then a run over it."""
    import subprocess
    import sys

    out = world.with_q1()
    before = {p.name: p.read_bytes() for p in (out / Q1).iterdir()}
    plan = world.changed_plan({"Sales_WinRate": 0.3})
    killed = subprocess.run([sys.executable, "-c", _KILL_ON_THIRD_RENAME,
                             *_gen(world, plan, quarter="2027Q1", out=out)],
                            capture_output=True, text=True)
    assert killed.returncode == 9, killed.stderr
    assert any(p.name.startswith(".") for p in (out / Q1).iterdir())  # what it left behind
    mixed = {p.name: p.read_bytes() for p in (out / Q1).iterdir() if p.name in before}
    assert mixed != before  # two workbooks new, two old

    def check() -> None:
        names = sorted(p.name for p in (out / Q1).iterdir())
        assert names == sorted(before), names  # no temporary file left
    # The next run puts the old set back (so nothing typed is judged against a mixed set),
    # removes the leftovers, and regenerates.
    return Case(_gen(world, plan, quarter="2027Q1", out=out), 0, [], None, check)


def _file_modes(world: World) -> Case:
    """Regenerating with umask 027: new files 0640; a workbook someone made 0604 stays 0604."""
    import os
    import stat

    out = world.with_q1()
    os.chmod(world.q1_book(), 0o604)
    (world.out / Q1 / f"{Q1}_marketing_en.xlsx").unlink()  # written anew
    previous = os.umask(0o027)

    def check() -> None:
        os.umask(previous)
        mode = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (out / Q1).iterdir()}
        assert mode[f"{Q1}_sales_en.xlsx"] == 0o604, mode
        assert mode[f"{Q1}_marketing_en.xlsx"] == 0o640, mode
    return Case(_gen(world, quarter="2027Q1", out=out), 0, [], None, check)


def _template_mode(world: World) -> Case:
    """``kpi-xl template`` under umask 022 writes a 0644 file, as any program would."""
    import os
    import stat

    target = world.tmp / "blank.xlsx"
    previous = os.umask(0o022)

    def check() -> None:
        os.umask(previous)
        assert stat.S_IMODE(target.stat().st_mode) == 0o644
    return Case(["template", "-o", str(target), "--lang", "en"], 0, [], None, check)


def _shared_file_names(world: World) -> Case:
    """``generate a/plan.xlsx b/plan.xlsx plan-2.xlsx``: three plans, three folders."""
    plans = []
    for where in ("a/plan.xlsx", "b/plan.xlsx", "plan-2.xlsx"):
        path = world.tmp / where
        path.parent.mkdir(exist_ok=True)
        shutil.copyfile(world.plan, path)
        plans.append(path)
    out = world.tmp / "batch"

    def check() -> None:
        folders = sorted(p.name for p in out.iterdir())
        assert folders == ["plan-2", "plan-a", "plan-b"], folders
        for folder in folders:
            assert len(list((out / folder / "FY2027Q1").glob("*.xlsx"))) == 4
    return Case(["generate", *map(str, plans), "--quarter", "2027Q1", "--out", str(out),
                 "--lang", "en", "--jobs", "1"], 0,
                ["shares its name with another plan; it writes into the folder plan-a"],
                None, check)


def _same_plan_twice(world: World) -> Case:
    """``generate plan.xlsx plan.xlsx``: one file given twice is generated once, not raced."""
    out = world.tmp / "batch"

    def check() -> None:
        assert [p.name for p in out.iterdir()] == [world.plan.stem]
        assert len(list((out / world.plan.stem / "FY2027Q1").glob("*.xlsx"))) == 4
    return Case(["generate", str(world.plan), str(world.plan), "--quarter", "2027Q1", "--out",
                 str(out), "--lang", "en", "--jobs", "2"], 0,
                ["is given more than once (also as", "it is generated once"], None, check)


def _review_exact(world: World) -> Case:
    """KPIs named ``Lead*``, ``>100``, ``=x`` and ``~?``: patterns or operators to COUNTIFS.

    Last quarter's review counts rows by KPI name with ``SUMPRODUCT((names=name)*...)``, an exact
    comparison; its cached values equal LibreOffice's, cell by cell.
    """
    from tests.conftest import require_libreoffice

    require_libreoffice()
    names = ["Lead*", ">100", "=x", "~?"]

    def rename(wb: openpyxl.Workbook) -> None:
        for i, name in enumerate(names):
            _set_kpi("Sales_KPIs", "KPI", i, name, as_text=True)(wb)
    plan = _plan_with(world, rename)
    generate(read_plan(plan), FiscalQuarter(2027, 1), world.out, "en")
    wb = openpyxl.load_workbook(world.q1_book())
    ws = wb["Tracking"]
    for line in list(ws[ws.tables["Sales_Actuals"].ref])[1:]:
        line[5].value = 0.5 if "%" in line[5].number_format else 50
    wb.save(world.q1_book())

    def check() -> None:
        from tests.libreoffice import recalculate

        book = world.out / "FY2027Q2" / "FY2027Q2_sales_en.xlsx"
        sheet = "Last quarter review"
        formulas = openpyxl.load_workbook(book)[sheet]
        texts = [str(c.value) for c in formulas._cells.values() if c.data_type == "f"]
        assert any("SUMPRODUCT(" in f for f in texts)
        assert not any(f in text for text in texts for f in ("COUNTIF", "SUMIF", "MATCH("))
        cached = openpyxl.load_workbook(book, data_only=True)[sheet]
        engine = openpyxl.load_workbook(recalculate([book], world.tmp / "lo")[book],
                                        data_only=True)[sheet]
        for (r, c), cell in formulas._cells.items():
            if cell.data_type == "f":
                mine, theirs = cached.cell(r, c).value, engine.cell(r, c).value
                assert mine == theirs or (isinstance(mine, (int, float)) and isinstance(
                    theirs, (int, float)) and abs(mine - theirs) <= 1e-9 * max(1, abs(mine))), \
                    (cell.coordinate, cell.value, mine, theirs)
    return Case(_gen(world, plan), 0, [], None, check)


def _fifo(path: Path) -> Path:
    import os

    os.mkfifo(path)
    return path


def _fifo_folder(world: World) -> Path:
    folder = world.tmp / "books"
    shutil.copytree(world.q1, folder)
    _fifo(folder / "FY2027Q1_zzz_en.xlsx")
    return folder


def _rename_ref(wb: openpyxl.Workbook, name: str, change: Callable[[str], str]) -> None:
    defined = wb.defined_names[name]
    sheet, ref = next(iter(defined.destinations))
    defined.attr_text = f"'{sheet}'!{change(ref)}"


def _below(ref: str) -> str:
    col, row = re.match(r"\$?([A-Z]+)\$?(\d+)", ref).groups()  # type: ignore[union-attr]
    return f"${col}${int(row) + 1}"


def _whole_sheet_name(world: World) -> Case:
    import time

    plan = _plan_with(world, lambda wb: _rename_ref(wb, "Sales_AvgDealSize",
                                                   lambda r: "$A$1:$XFD$1048576"))
    started = time.monotonic()

    def check() -> None:
        assert time.monotonic() - started < 20, "a stretched name must cost nothing"
    return Case(_gen(world, plan), 2, ["points at A1:XFD1048576 (17,179,869,184 cells)"],
                world.out, check)


def _rename_plan_sheet(wb: openpyxl.Workbook) -> None:
    wb["Plan"].title = "Inputs"  # openpyxl, unlike Excel, leaves the defined names as they were


def _stretch(wb: openpyxl.Workbook) -> None:
    """The tables with nothing below them stretched to Excel's last row (1,048,576)."""
    for ws in wb.worksheets:
        for name in list(ws.tables):
            if name in ("Sales_KPIList", "Sales_WeeklyActuals", "Sales_Reviews"):
                ws.tables[name].ref = re.sub(r"\d+$", "1048576", ws.tables[name].ref)


def _stretched_previous(world: World) -> Case:
    import time

    def edit(wb: openpyxl.Workbook) -> None:
        ws = wb["Tracking"]
        list(ws[ws.tables["Sales_Actuals"].ref])[1][5].value = 500
        _stretch(wb)
    out = _edit_q1(world, edit)
    started = time.monotonic()

    def check() -> None:
        assert time.monotonic() - started < 20, "a stretched table must cost nothing"
        assert (out / "FY2027Q2" / "FY2027Q2_sales_en.xlsx").is_file()
    return Case(_gen(world, out=out), 0, [], None, check)


def _stretched_check(world: World) -> Case:
    import time

    _edit_q1(world, _stretch)
    started = time.monotonic()

    def check() -> None:
        assert time.monotonic() - started < 20, "a stretched table must cost nothing"
    return Case(["check", str(world.q1_book()), "--lang", "en"], 0, [], None, check)


def _linked_kind(world: World) -> Case:
    """The leads KPI (linked to Sales_RequiredLeads, a count a month) declared a ratio."""
    plan = _plan_with(world, _set_kpi("Sales_KPIs", "Kind", 0, "ratio"))
    return Case(_gen(world, plan), 2, ["input error", "(Kind / Sales_KPIs): found 'ratio'",
                                       "a kind that Sales_RequiredLeads can be: flow"],
                world.out)


def _quoted_names(world: World) -> Case:
    """KPI and owner names with double quotes and commas, owners too long to list inline."""
    name = 'Leads, "qualified"'
    owners = ["Ｏｗｎｅｒ　" + "担当" * 30 + str(i) for i in range(4)]  # > 255 UTF-16 units

    def edit(wb: openpyxl.Workbook) -> None:
        _set_kpi("Sales_KPIs", "KPI", 0, name)(wb)
        for i, owner in enumerate(owners):
            _set_kpi("Sales_KPIs", "Owner", i, owner)(wb)
    plan = _plan_with(world, edit)

    def check() -> None:
        book = world.out / "FY2027Q2" / "FY2027Q2_sales_en.xlsx"
        wb = openpyxl.load_workbook(book)
        lists = wb["kpi-xl lists"]
        assert lists.sheet_state == "hidden"
        listed = {c.value for row in lists.iter_rows() for c in row}
        assert name in listed and set(owners) <= listed
        sources = [dv.formula1 for ws in wb.worksheets for dv in ws.data_validations.dataValidation
                   if dv.type == "list"]
        assert not any("qualified" in (f or "") or "担当" in (f or "") for f in sources)
        assert sum("'kpi-xl lists'!" in (f or "") for f in sources) >= 2
    return Case(_gen(world, plan), 0, [], None, check)


def _huge_name(world: World) -> Case:
    import random

    rng = random.Random(16)
    name = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz ", k=10_000_000)).encode("ascii")
    # openpyxl cuts what it saves at Excel's 32,767; a crafted file holds the whole name.
    marked = _plan_with(world, _set_kpi("Sales_KPIs", "KPI", 0, "HUGE-NAME-HERE"), "marked.xlsx")
    plan = _rezip(marked, world.tmp / "plan.xlsx", lambda n, d: d.replace(
        b"HUGE-NAME-HERE", name) if n.startswith("xl/") else d)
    return Case(_gen(world, plan), 2, ["found 10,000,000 characters",
                                       "… (10,000,000 characters)"], world.out)


def _copy(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    return target


def _notes_area(world: World) -> Case:
    """A remark in the notes area beside the Plan sheet's content (unlocked on a protected sheet)."""
    from openpyxl.utils import get_column_letter

    out = world.with_q1()
    wb = openpyxl.load_workbook(world.q1_book())
    ws = wb["Plan"]
    letter = get_column_letter(ws.max_column + 2)
    assert ws.protection.sheet and ws.column_dimensions[letter].protection.locked is False
    ws[f"{letter}5"].value = "ask finance about Q3"
    wb.save(world.q1_book())
    return _overwrite(world, out, f"(1 cell): Plan!{letter}5 (ask finance about Q3)")


def _put(ws: openpyxl.worksheet.worksheet.Worksheet, cell: str, value: object) -> None:
    ws[cell].value = value


def _edit_q1(world: World, edit: Callable[[openpyxl.Workbook], None],
             dept: str = "sales") -> Path:
    """Last quarter's workbooks, one of them edited (and saved) with openpyxl."""
    out = world.with_q1()
    wb = openpyxl.load_workbook(world.q1_book(dept))
    edit(wb)
    wb.save(world.q1_book(dept))
    return out


def _changed_input(world: World) -> Path:
    out = world.with_q1()
    wb = openpyxl.load_workbook(world.q1_book())
    sheet, ref = next(iter(wb.defined_names["Sales_WinRate"].destinations))
    wb[sheet][ref.replace("$", "")].value = 0.31
    wb.save(world.q1_book())
    return out


def _forced(world: World) -> Case:
    out = _type_into_q1(world, "Sales_Actuals", 0, 500)
    before = world.q1_book().read_bytes()

    def check() -> None:
        backups = list((out / Q1).glob(f"{Q1}_sales_en.*.bak.xlsx"))
        assert len(backups) == 1 and backups[0].read_bytes() == before
        assert world.q1_book().read_bytes() != before
    return Case(_gen(world, None, "--force", quarter="2027Q1", out=out), 0, ["kept"], None, check)


def _full_width_actual(world: World) -> Case:
    out = _type_into_q1(world, "Sales_Actuals", 0, "５００")

    def check() -> None:
        wb = openpyxl.load_workbook(out / "FY2027Q2" / "FY2027Q2_sales_en.xlsx", data_only=True)
        texts = [c.value for row in wb["Last quarter review"].iter_rows() for c in row]
        assert 500 in texts
    return Case(_gen(world, out=out), 0, [], None, check)


def _renamed_previous(world: World) -> Case:
    out = _type_into_q1(world, "Sales_Actuals", 0, 500)
    world.q1_book().rename(out / Q1 / f"{Q1}_sales_en 田中修正.xlsx")

    def check() -> None:
        wb = openpyxl.load_workbook(out / "FY2027Q2" / "FY2027Q2_sales_en.xlsx", data_only=True)
        texts = [c.value for row in wb["Last quarter review"].iter_rows() for c in row]
        assert 500 in texts
    return Case(_gen(world, out=out), 0, [], None, check)


def _previous_twice(world: World) -> Path:
    out = _type_into_q1(world, "Sales_Actuals", 0, 500)
    shutil.copy(world.q1_book(), out / Q1 / "sales copy.xlsx")
    return out


def _previous_missing(world: World) -> Path:
    out = world.with_q1()
    world.q1_book().unlink()
    return out


def _previous_other_plan(world: World) -> Path:
    out = world.with_q1()
    plan = world.changed_plan({"Plan_Company": "Other Trading K.K."})
    [other] = generate(read_plan(plan), FiscalQuarter(2027, 1), world.tmp / "other", "en",
                       departments=["sales"])
    shutil.copy(other, out / Q1 / "other.xlsx")
    return out


def _month_out_of_range(world: World) -> Path:
    import datetime as dt

    out = _type_into_q1(world, "Sales_Actuals", 0, 500)
    wb = openpyxl.load_workbook(world.q1_book())
    for ws in wb.worksheets:
        if "Sales_Actuals" in ws.tables:
            cells = list(ws[ws.tables["Sales_Actuals"].ref])
            cells[1][0].value = dt.datetime(2030, 1, 1)
    wb.save(world.q1_book())
    return out


def _no_actuals_table(world: World) -> Path:
    out = world.with_q1()
    wb = openpyxl.load_workbook(world.q1_book())
    for ws in wb.worksheets:
        if "Sales_Actuals" in ws.tables:
            del ws.tables["Sales_Actuals"]
    wb.save(world.q1_book())
    return out


def _encrypted_previous(world: World) -> Path:
    out = world.with_q1()
    world.q1_book().write_bytes(_encrypted())
    return out


# Partial plans (issue 15): a blank template with only some departments filled in.

def _partial(world: World, values: dict, kpis: tuple[str, ...] = ("sales",),
             edit: Callable[[openpyxl.Workbook], None] | None = None) -> Path:
    path = partial_plan(world.tmp / "partial.xlsx", "en", values, kpis,
                        general={**GENERAL, "Plan_FiscalYear": 2027})
    if edit is not None:
        wb = openpyxl.load_workbook(path)
        edit(wb)
        wb.save(path)
    return path


def _okr_for_marketing(wb: openpyxl.Workbook) -> None:
    for ws in wb.worksheets:
        if "Plan_OKRs" in ws.tables:
            row = list(ws[ws.tables["Plan_OKRs"].ref])[1]
            for cell, value in zip(row, ("Marketing", "Feed sales", "250 MQLs a month", "MQLs",
                                         167, 250), strict=True):
                cell.value = value


def _sales_only(world: World) -> Case:
    def check() -> None:
        assert [p.name for p in (world.out / "FY2027Q2").iterdir()] == ["FY2027Q2_sales_en.xlsx"]
    return Case(_gen(world, _partial(world, SALES)), 0,
                ["Not planned (left blank in the plan, so skipped: no workbook for them): "
                 "Marketing, Customer Success, Development",
                 "Sales uses its own Lead → opportunity rate, not figures from Marketing"],
                None, check)


def _blank_plan(world: World) -> Case:
    from kpi_xl.app.template import write_template

    blank = write_template(world.tmp / "blank.xlsx", "en")
    return Case(_gen(world, blank), 2, ["3 input errors", "Plan_Company", "Plan_FiscalYear",
                                        "(Target deals (KGI) / Sales_TargetDeals): no department "
                                        "is filled in (Sales, Marketing, Customer Success, "
                                        "Development are all blank), so there is nothing to plan",
                                        "expected at least one department's inputs and KPI "
                                        "table filled in"], world.out)


def _channels_blank(world: World) -> Case:
    plan = world.changed_plan(dict.fromkeys(CHANNELS))

    def check() -> None:
        from tests.workbook_values import named_cells, values

        book = world.out / "FY2027Q2" / "FY2027Q2_marketing_en.xlsx"
        sheet, cell = named_cells(book)["Mkt_AdsCpa"]
        row = "".join(ch for ch in cell if ch.isdigit())
        assert values(book).get((sheet, f"F{row}")) == "not planned"
        assert values(book).get((sheet, cell)) is None
    return Case(_gen(world, plan), 0, [], None, check)


def _no_kpis(wb: openpyxl.Workbook) -> None:
    for ws in wb.worksheets:
        if "Dev_KPIs" in ws.tables:
            for line in list(ws[ws.tables["Dev_KPIs"].ref])[1:]:
                for cell in line:
                    cell.value = None


def _general_rate_target(wb: openpyxl.Workbook) -> None:
    cell = _kpi_cell(wb, "CS_KPIs", "Target", 3)  # Onboarding completion, a % KPI
    cell.value = 20
    cell.number_format = "General"


def _huge_table(wb: openpyxl.Workbook) -> None:
    for ws in wb.worksheets:
        if "Sales_KPIs" in ws.tables:
            ws.tables["Sales_KPIs"].ref = "A6:K100000"


def _no_table(wb: openpyxl.Workbook) -> None:
    for ws in wb.worksheets:
        if "Mkt_KPIs" in ws.tables:
            del ws.tables["Mkt_KPIs"]


def _renamed_header(wb: openpyxl.Workbook) -> None:
    _kpi_cell(wb, "CS_KPIs", "Owner", -1).value = "Who"


def _injection(world: World) -> Case:
    payload = '=HYPERLINK("http://example.invalid","click")'
    plan = _plan_with(world, _set_kpi("Sales_KPIs", "KPI", 0, payload, as_text=True))

    def check() -> None:
        book = world.out / "FY2027Q2" / "FY2027Q2_sales_en.xlsx"
        with zipfile.ZipFile(book) as archive:
            strings = archive.read("xl/sharedStrings.xml").decode("utf-8")
            formulas = "".join(re.findall(r"<f>(.*?)</f>", "".join(
                archive.read(n).decode("utf-8") for n in archive.namelist()
                if n.startswith("xl/worksheets/sheet"))))
        # The name may sit inside a formula's text constant (the live SMART statement), where
        # it is text; it is never a function call.
        outside_text = re.sub(r'"(?:[^"]|"")*"', "", formulas)
        assert "HYPERLINK" in strings and "HYPERLINK(" not in outside_text
    return Case(_gen(world, plan), 0, [], None, check)


def _million_cells(world: World) -> Case:
    """A sheet of 1,015,808 empty cells: 16 MB of XML that openpyxl would hold at once."""
    from openpyxl.utils import get_column_letter

    letters = [get_column_letter(c) for c in range(1, 16385)]
    rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{col}{r}"/>' for col in letters)
                   + "</row>" for r in range(1, 63))
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
             'openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + rows
             + "</sheetData></worksheet>").encode("ascii")
    plan = _rezip(world.plan, world.tmp / "cells.xlsx",
                  lambda n, d: sheet if n == "xl/worksheets/sheet1.xml" else d)
    return Case(_gen(world, plan), 2, ["cells.xlsx holds more than 1,000,000 cells"], world.out)


_STAGES_1245 = [("recruiting", 1, "Applications", 0.2), ("recruiting", 2, "Interviews", 0.25),
                 ("recruiting", 4, "Offers", 0.8), ("recruiting", 5, "Hires", None)]

CASES: dict[str, Callable[[World], Case]] = {
    "custom-rate-zero": lambda w: _custom(
        w, "(Rate into next stage / Custom_Stages): found 0; expected a rate above 0% "
           "and at most 100%", rates={2: 0}),
    "custom-rate-above-100": lambda w: _custom(
        w, "(Rate into next stage / Custom_Stages): found 1.2 (that is 120%",
        rates={3: 1.2}),
    "custom-key-builtin": lambda w: _custom(
        w, "(Key / Custom_Departments): the key 'sales' collides with sales",
        "sales, marketing, customer_success, development", key="sales", kpis=[]),
    "custom-key-prefix": lambda w: _custom(
        w, "the key 'Mkt' collides with marketing", "their prefixes Sales, Mkt, CS, Dev",
        key="Mkt", kpis=[]),
    "custom-key-not-ascii": lambda w: _custom(
        w, "(Key / Custom_Departments): the key is '採用'", "ASCII letters", key="採用",
        kpis=[]),
    "custom-key-duplicate": lambda w: _custom(
        w, "(Key / Custom_Departments): the key 'Recruiting' is already used in cell A",
        departments=[("recruiting", "Recruiting", "Hires", "people", 20, "monthly"),
                     ("Recruiting", "Again", "Hires", "people", 5, "weekly")]),
    "custom-stage-gap": lambda w: _custom(
        w, "(Order / Custom_Stages): department 'recruiting' numbers its stages "
           "1, 2, 4, 5: 3 is missing", "without a gap", stages=_STAGES_1245),
    "custom-no-stages": lambda w: _custom(
        w, "(Key / Custom_Departments): department 'recruiting' has 0 stage(s) in "
           "Custom_Stages", "at least two stages", stages=[]),
    "custom-last-stage-rate": lambda w: _custom(
        w, "(Rate into next stage / Custom_Stages): the last stage (the KGI) has a "
           "rate of 50.0%", rates={4: 0.5}),
    "custom-kpi-unknown-department": lambda w: _custom(
        w, "(Department key / Custom_KPIs): department key 'hiring' is not in "
           "Custom_Departments", "expected one of the keys of Custom_Departments: recruiting",
        kpis=[*_recruiting_kpis(), ("hiring", *_recruiting_kpis()[0][1:])]),
    # Files -----------------------------------------------------------------------------------
    "missing-file": lambda w: Case(_gen(w, w.tmp / "nope.xlsx"), 2, ["Plan file not found"],
                                   w.out),
    "folder": lambda w: Case(_gen(w, _mk(w.tmp / "plans.xlsx")), 2, ["is a folder"], w.out),
    "plan-is-a-fifo": lambda w: Case(_gen(w, _fifo(w.tmp / "plan.xlsx")), 2,
                                     ["plan.xlsx is not a regular file (a named pipe)"], w.out),
    "check-folder-with-fifo": lambda w: Case(["check", str(_fifo_folder(w)), "--lang", "en"], 2,
                                             ["is not a regular file (a named pipe)"]),
    "dot-dot-xlsx": lambda w: Case(_gen(w, _copy(w.plan, w.tmp / "..xlsx")), 0),
    "csv-extension": lambda w: Case(_gen(w, _write(w.tmp / "plan.csv", b"a,b\n")), 2,
                                    ["not an .xlsx file (.csv)"], w.out),
    "xls-extension": lambda w: Case(_gen(w, _write(w.tmp / "plan.xls", _encrypted()[:512])),
                                    2, ["Excel Workbook (*.xlsx)"], w.out),
    "xlsm-extension": lambda w: Case(_gen(w, _write(w.tmp / "plan.xlsm", b"PK")), 2,
                                     ["not an .xlsx file (.xlsm)", "macro-free"], w.out),
    "csv-renamed": lambda w: Case(_gen(w, _write(w.tmp / "plan.xlsx", b"KPI,Target\nLeads,500\n")),
                                  2, ["it is a text file (such as CSV)"], w.out),
    "xls-renamed": lambda w: Case(_gen(w, _write(w.tmp / "plan.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1"
                                                  b"\x1a\xe1" + bytes(2048))), 2,
                                  ["Excel 97-2003 workbook (.xls)"], w.out),
    "encrypted": lambda w: Case(_gen(w, _write(w.tmp / "plan.xlsx", _encrypted())), 2,
                                ["password-protected (encrypted)"], w.out),
    "truncated": lambda w: Case(_gen(w, _write(w.tmp / "plan.xlsx",
                                               w.plan.read_bytes()[:3000])), 2,
                                ["is damaged"], w.out),
    "binary-garbage": lambda w: Case(_gen(w, _write(w.tmp / "plan.xlsx", bytes(range(256)) * 4)),
                                     2, ["cannot be read as an Excel workbook"], w.out),
    "zip-without-workbook": lambda w: Case(_gen(w, _zip(w.tmp / "plan.xlsx",
                                                        {"hello.txt": b"hi"})), 2,
                                           ["zip archive with no workbook inside"], w.out),
    "word-renamed": lambda w: Case(_gen(w, _zip(w.tmp / "plan.xlsx", {
        "[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})), 2,
        ["is a Word document"], w.out),
    "macro-inside": lambda w: Case(_gen(w, _rezip(w.plan, w.tmp / "macro.xlsx", lambda n, d: d,
                                                  {"xl/vbaProject.bin": b"\x00" * 64})), 2,
                                   ["macro-enabled workbook", "never runs or copies macros"],
                                   w.out),
    "member-too-large": lambda w: Case(_gen(w, _rezip(
        w.plan, w.tmp / "big.xlsx", lambda n, d: d,
        {"xl/media/padding.bin": bytes(26 * 1024 * 1024)})), 2, ["would unpack to"], w.out),
    "too-many-members": lambda w: Case(_gen(w, _rezip(
        w.plan, w.tmp / "many.xlsx", lambda n, d: d,
        {f"xl/extra/{i}.bin": b"" for i in range(2001)})), 2, ["parts (the limit is 2,000)"],
        w.out),
    "million-cells": _million_cells,
    "xml-entity-bomb": lambda w: Case(_gen(w, _rezip(
        w.plan, w.tmp / "bomb.xlsx",
        lambda n, d: _with_dtd(d) if n == "xl/workbook.xml" else d)), 2,
        ["document type declaration", "XML bomb"], w.out),
    # Plan inputs ---------------------------------------------------------------------------
    "kpi-linked-kind": _linked_kind,
    "review-day-not-a-day": lambda w: _plan_problem(w, {"Plan_ReviewDay": "Funday"},
                                                    "Plan_ReviewDay", "Funday",
                                                    "expected a day of the week"),
    "rate-zero": lambda w: _plan_problem(w, {"Sales_WinRate": 0}, "Sales_WinRate", "found 0",
                                         "above 0% and at most 100%"),
    "rate-typed-as-20": lambda w: _plan_problem(w, {"Sales_WinRate": 20}, "Sales_WinRate",
                                                "that is 2000%; for 20% type 20% or 0.2"),
    "rate-text-20": lambda w: _plan_problem(w, {"Sales_WinRate": "２０"}, "found the text '２０' "
                                            "(= 20)", "for 20% type 20% or 0.2"),
    "rate-percent-text": lambda w: _understood(w, {"Sales_WinRate": "29%"}, "Sales_WinRate",
                                               0.29),
    "full-width-digits": lambda w: _understood(w, {"Sales_TargetDeals": "１４５"},
                                               "Sales_TargetDeals", 145),
    # Typed as the one rate of the funnel's middle (marketing's lead→MQL rate derived from it).
    "full-width-percent": lambda w: _understood(w, {"Sales_LeadToOppRate": "７％",
                                                    "Mkt_LeadToMqlRate": None},
                                                "Sales_LeadToOppRate", 0.07),
    "yen-amount-text": lambda w: _understood(w, {"Sales_AvgDealSize": "¥3,456,789"},
                                             "Sales_AvgDealSize", 3_456_789),
    "words-for-number": lambda w: _plan_problem(w, {"Sales_AvgDealSize": "2 million"},
                                                "found the text '2 million'",
                                                "expected an amount above 0"),
    "blank-required": lambda w: _plan_problem(w, {"Sales_AvgDealSize": None},
                                              "the cell is blank", "expected an amount"),
    "funnel-not-closing": lambda w: _plan_problem(
        w, {"Sales_LeadToOppRate": 0.065, "Mkt_LeadToMqlRate": 0.3, "Mkt_MqlToSqlRate": 0.35},
        "Sales_RequiredLeads", "sales plans 7,693", "marketing plans 4,762",
        "Lead → MQL rate Plan!", "expected one company funnel"),
    "negative-target": lambda w: _plan_problem(w, {"Sales_TargetDeals": -100}, "found -100",
                                               "whole number of 0 or more"),
    "fractional-count": lambda w: _plan_problem(w, {"Sales_TargetDeals": 99.5}, "found 99.5"),
    "month-13": lambda w: _plan_problem(w, {"Plan_StartMonth": 13}, "Plan_StartMonth",
                                        "found 13", "whole month number 1-12"),
    "month-0-text": lambda w: _plan_problem(w, {"Plan_StartMonth": "０月"},
                                            "found the text '０月' (= 0)", "1-12"),
    "year-two-digits": lambda w: _plan_problem(w, {"Plan_FiscalYear": 27}, "found 27",
                                               "four-digit year"),
    "logical-value": lambda w: _plan_problem(w, {"Sales_TargetDeals": True},
                                             "found the logical value TRUE"),
    "date-for-amount": lambda w: _plan_problem(w, {"Sales_AvgDealSize": _date()},
                                               "found the date/time 2027-04-01"),
    "formula-without-result": lambda w: _plan_problem(w, {"Sales_WinRate": "=1/5"},
                                                      "found the formula =1/5 with no saved "
                                                      "result"),
    "weights-all-zero": lambda w: _plan_problem(w, {}, "the weights add up to 0",
                                                weights=[0] * 12),
    "amount-1e308": lambda w: _plan_problem(w, {"Sales_AvgDealSize": 1e308}, "Sales_AvgDealSize",
                                            "found 1e+308, above the largest figure kpi-xl works "
                                            "with (1,000,000,000,000,000)"),
    "weights-1e308": lambda w: _plan_problem(w, {}, "Plan_Seasonality", "found 1e+308",
                                             weights=[1e308] * 12),
    "kpi-target-formula-unsaved": lambda w: Case(_gen(w, _plan_with(w, _set_kpi(
        "Dev_KPIs", "Target", 1, "=5*2"))), 2,
        ["(Target / Dev_KPIs): found the formula =5*2 with no saved result"], w.out),
    "named-cell-deleted": lambda w: Case(_gen(w, _plan_with(
        w, lambda wb: wb.defined_names.pop("Sales_AvgDealSize"))), 2,
        ["the named cell Sales_AvgDealSize is missing"], w.out),
    "named-cell-two-cells": lambda w: Case(_gen(w, _plan_with(
        w, lambda wb: _rename_ref(wb, "Sales_AvgDealSize", lambda r: r + ":" + _below(r)))), 2,
        ["the name Sales_AvgDealSize points at", "(2 cells)", "one cell"], w.out),
    "named-cell-whole-sheet": _whole_sheet_name,
    "plan-sheet-renamed": lambda w: Case(_gen(w, _plan_with(w, _rename_plan_sheet)), 2,
                                         ["points at the sheet 'Plan', which the workbook does "
                                          "not have (its sheets: 'Inputs'"], w.out),
    # Partial plans and optional channels -----------------------------------------------------
    "sales-only-plan": _sales_only,
    "blank-plan": _blank_plan,
    "department-filled-in-part": lambda w: Case(_gen(w, _partial(
        w, {**SALES, "CS_StartCustomers": 200})), 2,
        ["2 input errors", "(Maximum churn rate / CS_MaxChurnRate): the cell is blank",
         "(Customer Success / CS_KPIs): the department has no KPIs"], w.out),
    "okr-of-skipped-department": lambda w: Case(_gen(w, _partial(
        w, SALES, edit=_okr_for_marketing)), 2,
        ["(Department / Plan_OKRs): Marketing, which is not planned (its inputs and KPI table "
         "are blank); expected Marketing's inputs and KPI table filled in, or this OKR row "
         "deleted"], w.out),
    "sql-target-follows-skipped-sales": lambda w: Case(_gen(w, _partial(
        w, {"Mkt_MqlToSqlRate": 0.25, "Mkt_LeadToMqlRate": 0.4, "Mkt_VisitToLeadRate": 0.03},
        kpis=("marketing",))), 2,
        ["(Target SQLs (annual) / Mkt_TargetSQL): the template's formula follows Sales, which "
         "is not planned; expected a whole number of 0 or more, typed over the formula (this "
         "department's own figure)"],
        w.out),
    "channel-filled-in-part": lambda w: _plan_problem(
        w, {"Mkt_AdsCpa": None}, "(Ads cost per acquisition (CPA) / Mkt_AdsCpa): the cell is "
        "blank while other Ads inputs are filled in; to plan Ads, expected an amount above 0; "
        "to leave Ads unplanned, clear Ads click-through rate (CTR) Plan!"),
    "channels-blank": _channels_blank,
    # KPI and OKR tables --------------------------------------------------------------------
    "duplicate-kpi": lambda w: Case(_gen(w, _plan_with(w, _set_kpi(
        "Sales_KPIs", "KPI", 1, "Leads per month"))), 2,
        ["the KPI 'Leads per month' appears twice", "expected each KPI name once"], w.out),
    "department-without-kpis": lambda w: Case(_gen(w, _plan_with(w, _no_kpis)), 2,
                                              ["Dev_KPIs", "the department has no KPIs",
                                               "cell A31"], w.out),
    "kpi-table-missing": lambda w: Case(_gen(w, _plan_with(w, _no_table)), 2,
                                        ["the KPI table is missing", "cell A14"], w.out),
    "kpi-table-huge": lambda w: Case(_gen(w, _plan_with(w, _huge_table)), 2,
                                     ["the table has 99,994 rows", "cell A6:K6"], w.out),
    "kpi-header-renamed": lambda w: Case(_gen(w, _plan_with(w, _renamed_header)), 2,
                                         ["the column 'Owner' is missing", "cell A22:L22"],
                                         w.out),
    "kpi-rate-target-20": lambda w: Case(_gen(w, _plan_with(w, _general_rate_target)), 2,
                                         ["found 20", "for 20% type 20% or 0.2"], w.out),
    "kpi-target-percent-text": lambda w: Case(_gen(w, _plan_with(w, _set_kpi(
        "CS_KPIs", "Target", 3, "８５％", as_text=True))), 0),
    "deadline-text": lambda w: Case(_gen(w, _plan_with(w, _set_kpi(
        "Sales_KPIs", "Deadline", 0, "２０２８年３月３１日", as_text=True))), 0),
    "deadline-ambiguous": lambda w: Case(_gen(w, _plan_with(w, _set_kpi(
        "Sales_KPIs", "Deadline", 0, "03/04/2028", as_text=True))), 2,
        ["found '03/04/2028'", "expected a date such as 2027-03-31"], w.out),
    "duplicate-kpi-case": lambda w: Case(_gen(w, _plan_with(w, _set_kpi(
        "Sales_KPIs", "KPI", 1, "LEADS PER MONTH"))), 2,
        ["the KPI 'LEADS PER MONTH' differs from 'Leads per month' (cell A7) only in case"],
        w.out),
    "name-with-quotes": _quoted_names,
    "kpi-name-too-long": lambda w: Case(_gen(w, _plan_with(w, _set_kpi(
        "Sales_KPIs", "KPI", 0, "L" * 300))), 2,
        ["cell A7 (KPI / Sales_KPIs): found 300 characters", "at most 255 characters"], w.out),
    "kpi-name-10mb": _huge_name,
    "okr-number-text": lambda w: Case(_gen(w, _plan_with(w, _set_kpi(
        "Plan_OKRs", "Start", 0, "lots", as_text=True))), 2,
        ["cell E6 (Start / Plan_OKRs): found 'lots'; expected a number"], w.out),
    "unknown-unit": lambda w: Case(_gen(w, _plan_with(w, _set_kpi(
        "Sales_KPIs", "Unit", 0, "bananas"))), 2, ["found 'bananas'", "expected one of"],
        w.out),
    "formula-injection-name": _injection,
    # Options -------------------------------------------------------------------------------
    "bad-quarter": lambda w: Case(_gen(w, quarter="2027Q5"), 2,
                                  ["--quarter 2027Q5: expected a fiscal year and quarter"], w.out),
    "quarter-of-another-year": lambda w: Case(_gen(w, quarter="2030Q1"), 2,
                                              ["this plan is for fiscal year 2027"], w.out),
    "out-is-a-file": lambda w: Case(_gen(w, out=_write(w.tmp / "file", b"x")), 2,
                                    ["is a file, not a folder"]),
    "previous-missing-folder": lambda w: Case(_gen(w, None, "--previous",
                                                   str(w.tmp / "nowhere")), 2,
                                              ["--previous", "no such folder"], w.out),
    "previous-empty-folder": lambda w: Case(_gen(w, None, "--previous", str(_mk(w.tmp / "e"))),
                                            2, ["no kpi-xl workbooks of a quarter before"],
                                            w.out),
    # Last quarter's workbooks (roll forward) ---------------------------------------------------
    "previous-actual-text": lambda w: _previous_problem(
        w, _type_into_q1(w, "Sales_Actuals", 0, "lots"), "found the text 'lots'",
        "expected a number"),
    "previous-actual-rate-20": lambda w: _previous_problem(
        w, _type_into_q1(w, "CS_Actuals", 1, 20, dept="customer_success"),
        "for 20% type 20% or 0.2"),
    "previous-actual-full-width": _full_width_actual,
    "previous-actual-1e308": lambda w: _previous_problem(
        w, _type_into_q1(w, "Sales_Actuals", 0, 1e308), "cell F8", "found 1e+308, above the "
        "largest figure kpi-xl works with"),
    "previous-actual-negative": lambda w: _previous_problem(
        w, _type_into_q1(w, "Sales_Actuals", 0, -50), "cell F8",
        "found the negative figure -50", "negative only for a KPI in points"),
    "previous-month-out-of-range": lambda w: _previous_problem(
        w, _month_out_of_range(w), "found the month 2030-01", "expected a month of FY2027Q1"),
    "previous-table-missing": lambda w: _previous_problem(
        w, _no_actuals_table(w), "the actuals table Sales_Actuals is missing"),
    "review-names-not-criteria": _review_exact,
    "previous-table-stretched": _stretched_previous,
    "check-table-stretched": _stretched_check,
    "previous-encrypted": lambda w: Case(_gen(w, out=_encrypted_previous(w)), 2,
                                         ["password-protected"], w.out / "FY2027Q2"),
    "previous-renamed": _renamed_previous,
    "previous-twice": lambda w: Case(_gen(w, out=_previous_twice(w)), 2,
                                     ["two or more Sales workbooks of FY2027Q1",
                                      f"{Q1}_sales_en.xlsx", "sales copy.xlsx"],
                                     w.out / "FY2027Q2"),
    "previous-department-missing": lambda w: Case(_gen(w, out=_previous_missing(w)), 0, [
        "no workbook of last quarter (FY2027Q1) was found for: Sales"]),
    "previous-other-plan": lambda w: Case(_gen(w, out=_previous_other_plan(w)), 0, [
        "other.xlsx belongs to another plan (Other Trading K.K., FY2027Q1); it is not read"]),
    # Overwriting ---------------------------------------------------------------------------
    "overwrite-actuals": lambda w: _overwrite(w, _type_into_q1(w, "Sales_Actuals", 0, 500),
                                              "actuals entered (1 cell): Tracking!F8"),
    "overwrite-review-log": lambda w: _overwrite(w, _review_entry(w), "review log entries"),
    "overwrite-changed-input": lambda w: _overwrite(w, _changed_input(w),
                                                    "inputs changed from what kpi-xl would write",
                                                    "0.29 → 0.31"),
    "overwrite-unreadable": lambda w: _overwrite(w, _encrypted_previous(w),
                                                 "cannot be read, so it cannot be shown"),
    "overwrite-untouched": lambda w: Case(_gen(w, quarter="2027Q1", out=w.with_q1()), 0),
    # The plan changed since, but nobody typed into the workbook: its stored fingerprint of the
    # inputs as generated still matches, so regenerating is safe.
    "overwrite-plan-changed": lambda w: Case(_gen(w, w.changed_plan({"Sales_WinRate": 0.3}),
                                                  quarter="2027Q1", out=w.with_q1()), 0),
    "overwrite-forced": _forced,
    "target-is-a-folder": _target_is_a_folder,
    "batch-shared-file-names": _shared_file_names,
    "batch-same-plan-twice": _same_plan_twice,
    "killed-mid-commit": _killed_mid_commit,
    "file-modes": _file_modes,
    "template-mode": _template_mode,
    "overwrite-note-beside-actual": lambda w: _overwrite(
        w, _edit_q1(w, lambda wb: _put(wb["Tracking"], "I8", "checked with Ken")),
        "inputs changed from what kpi-xl would write (1 cell, generated → now): Tracking!I8 "
        "(— → checked with Ken)"),
    "overwrite-below-table": lambda w: _overwrite(
        w, _edit_q1(w, lambda wb: _put(wb["Tracking"], "F20", 500)), "Tracking!F20 (500)"),
    "overwrite-new-okr-row": lambda w: _overwrite(
        w, _edit_q1(w, lambda wb: _put(wb["OKRs"], "A9", "Win more deals")), "OKRs!A9"),
    "overwrite-review-note": lambda w: _overwrite(
        w, _edit_q1(w, lambda wb: _put(wb["Review log"], "K8", "see minutes")),
        "Review log!K8"),
    "overwrite-notes-area": _notes_area,
    "overwrite-added-sheet": lambda w: _overwrite(
        w, _edit_q1(w, lambda wb: _put(wb.create_sheet("Notes"), "A1", "ideas")),
        "sheets kpi-xl did not write (1 sheet): 'Notes'"),
}


def _recruiting_kpis() -> list:
    from tests.custom_plan import RECRUITING_KPIS

    return list(RECRUITING_KPIS["en"])


def _with_dtd(xml: bytes) -> bytes:
    body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
    return (b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>' + body)


def _mk(path: Path) -> Path:
    path.mkdir(exist_ok=True)
    return path


def _date():
    import datetime as dt

    return dt.datetime(2027, 4, 1)


def catalogue_ids() -> list[str]:
    """The ids in the first column of the catalogue's tables, in order."""
    return re.findall(r"^\| `([a-z0-9-]+)` \|", CATALOGUE.read_text(encoding="utf-8"), re.M)


def test_every_catalogue_entry_has_a_case_and_every_case_an_entry() -> None:
    ids = catalogue_ids()
    assert len(ids) == len(set(ids)), "an id appears twice in the catalogue"
    assert set(ids) == set(CASES)


def test_the_catalogue_heading_says_how_many_cases_it_holds() -> None:
    heading = CATALOGUE.read_text(encoding="utf-8").splitlines()[0]
    match = re.match(r"^# Bad input: (\d+) cases tried", heading)
    assert match, heading
    assert int(match.group(1)) == len(catalogue_ids())


def _snapshot(folder: Path | None) -> dict[str, bytes] | None:
    if folder is None:
        return None
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.mark.parametrize("entry", list(CASES))
def test_catalogue_entry(entry: str, tmp_path: Path, base: tuple[Path, Path],
                         capsys: pytest.CaptureFixture[str]) -> None:
    world = World(tmp_path, *base)
    case = CASES[entry](world)
    before = _snapshot(case.written)
    code = main(case.argv)
    _, err = capsys.readouterr()
    assert code == case.code, err
    assert "Traceback" not in err and "internal error" not in err
    for text in case.says:
        assert text in err, f"{text!r} not in:\n{err}"
    if case.written is not None:
        assert _snapshot(case.written) == before, "a refused run must write nothing"
    if case.check is not None:
        case.check()
