"""Generating a quarter's department workbooks from a plan."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from kpi_xl.core.errors import EnteredData
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.core.i18n import t
from kpi_xl.core.plan import Plan, plan_departments

__all__ = ["generate", "generate_from_file", "resolve_quarter", "workbook_name"]


def workbook_name(quarter: FiscalQuarter, department: str, lang: str) -> str:
    """File name of a department workbook, e.g. ``FY2026Q1_sales_ja.xlsx``."""
    return f"{quarter.folder_name}_{department}_{lang}.xlsx"


def generate(plan: Plan, quarter: FiscalQuarter, out_dir: Path, lang: str,
             departments: Sequence[str] | None = None, *, with_udfs: bool = False,
             previous_dir: Path | None = None, roll_forward: bool = True, force: bool = False,
             on_backup: Callable[[Path, Path], None] | None = None,
             on_note: Callable[[str], None] | None = None) -> list[Path]:
    """Write one workbook per planned department into ``out_dir/FY<year>Q<n>/``; return their paths.

    ``departments`` narrows the plan's own (:attr:`~kpi_xl.core.plan.Plan.departments`: a
    department left blank in the plan gets no workbook).

    Every workbook is built completely before any is moved into place, so a failure leaves the
    output folder as it was. ``with_udfs`` adds a sheet of cells that call the add-in's Excel
    functions (see :mod:`kpi_xl.writer.udf_cells`). With ``roll_forward``, earlier quarters'
    actuals are carried in (:mod:`kpi_xl.app.rollforward`; from ``previous_dir`` if given). A workbook in the way that holds
    entered data (:mod:`kpi_xl.io.overwrite`) stops the run with
    :class:`~kpi_xl.core.errors.OverwriteError` unless ``force``; then it is first kept as a
    timestamped backup, reported through ``on_backup(path, backup)``. Warnings about earlier
    quarters (a department whose workbook is missing, another plan's workbook left out) go to
    ``on_note(line)``.
    """
    from kpi_xl.io.files import recover_stale, remove_stale_build_folders
    from kpi_xl.writer.book import BookWriter

    keys = list(departments or plan_departments(plan))
    folder = Path(out_dir) / quarter.folder_name
    # What a killed run left behind: its half-committed set is put back, its files removed.
    recover_stale(folder)
    remove_stale_build_folders()
    carried = (_carried(plan, quarter, out_dir, lang, previous_dir, keys, on_note)
               if roll_forward else {})
    built: list[tuple[BookWriter, Path]] = []
    try:
        with _cyclic_gc_paused():
            rendered = _build_books(plan, quarter, lang, keys, folder, with_udfs, carried, built)
        in_the_way = _entered_data(rendered)
        if in_the_way and not force:
            from kpi_xl.core.errors import OverwriteError

            raise OverwriteError(in_the_way, lang=lang)
        folder.mkdir(parents=True, exist_ok=True)
        from kpi_xl.app.interrupts import Interrupted, interrupts_deferred, note_written
        from kpi_xl.io.files import commit_set, keep_backup

        keep = {Path(entry.path) for entry in in_the_way}
        written = [target for _, target in rendered]
        try:
            with interrupts_deferred():  # all of the quarter's workbooks move in, or none
                for _, target in rendered:
                    if target in keep:
                        backup = keep_backup(target)
                        if on_backup is not None:
                            on_backup(target, backup)
                # All or nothing for real: a failure on any file puts every file back as it was.
                commit_set(rendered)
                note_written(written)
        except KeyboardInterrupt:
            raise Interrupted(written) from None
        return written
    finally:
        for book, _ in built:
            book.discard()


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while workbooks are built.

    Building creates hundreds of thousands of short-lived, acyclic objects (expressions, cells,
    formats); the collector's passes over them cost 10-30% of generation time and free nothing
    that reference counting does not. It is switched back on afterwards, whatever happens.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _build_books(plan: Plan, quarter: FiscalQuarter, lang: str, keys: list[str], folder: Path,
                 with_udfs: bool, carried: dict[str, Any],
                 built: list[tuple[Any, Path]]) -> list[tuple[Path, Path]]:
    """Build and render every department's book; ``built`` collects them for clean-up."""
    from kpi_xl.core.identity import WorkbookIdentity
    from kpi_xl.writer.book import BookWriter
    from kpi_xl.writer.context import BuildContext
    from kpi_xl.writer.department_book import build_department

    known = plan_departments(plan)
    for key in keys:
        dept = known[key]
        title = f"{plan.company} {dept.name[lang]} KPI {t(lang, 'fy', year=plan.fiscal_year)}"
        book = BookWriter(lang, title=title, company=plan.company,
                          created=datetime(plan.fiscal_year, plan.start_month, 1),
                          fingerprint=True)
        # Which plan, department and quarter it is: next quarter finds it by this, not its name.
        book.set_custom_properties(WorkbookIdentity.of(
            plan.company, plan.start_month, key, quarter, lang).properties())
        if dept.custom is not None:  # a planner's own department: how to rebuild it
            from kpi_xl.core.departments.custom import definition_properties

            book.set_custom_properties(definition_properties(dept.custom))  # type: ignore[arg-type]
        built.append((book, folder / workbook_name(quarter, key, lang)))
        build_department(BuildContext(book, plan, quarter, lang, dept, with_udfs=with_udfs,
                                      previous=carried.get(key)))
    return [(book.render(), target) for book, target in built]


def _carried(plan: Plan, quarter: FiscalQuarter, out_dir: Path, lang: str,
             previous_dir: Path | None, keys: list[str],
             on_note: Callable[[str], None] | None) -> dict[str, object]:
    from kpi_xl.app.rollforward import carry_forward

    notes: list[str] = []
    carried = carry_forward(plan, quarter, Path(out_dir), lang, previous_dir, keys, notes)
    for note in notes:
        if on_note is not None:
            on_note(note)
    return dict(carried)


def _entered_data(rendered: list[tuple[Path, Path]]) -> list[EnteredData]:
    """Existing workbooks in the way that hold entered data (each against its replacement)."""
    from kpi_xl.io.overwrite import entered_data

    found = []
    for source, target in rendered:
        if target.is_file():
            findings = entered_data(target, source)
            if findings:
                found.append(EnteredData(str(target), tuple(findings)))
    return found


def resolve_quarter(plan: Plan, quarter_text: str | None, today: date | None = None
                    ) -> FiscalQuarter:
    """The quarter to generate: ``--quarter`` as given, else today's quarter of the plan's year.

    Raises :class:`~kpi_xl.core.errors.UsageError` for text that is not a quarter, or a quarter of
    another fiscal year than the plan's.
    """
    from kpi_xl.core.errors import UsageError
    from kpi_xl.core.fiscal import parse_quarter, quarter_of

    if quarter_text:
        try:
            quarter = parse_quarter(quarter_text)
        except ValueError:
            raise UsageError(
                f"--quarter {quarter_text}: expected a fiscal year and quarter such as "
                f"{plan.fiscal_year}Q1",
                f"--quarter {quarter_text}: {plan.fiscal_year}Q1 のように「年度」と「Q1〜Q4」で"
                f"指定してください",
            ) from None
    else:
        quarter = quarter_of(today or date.today(), plan.start_month)
        if quarter.year != plan.fiscal_year:
            quarter = FiscalQuarter(plan.fiscal_year, 1)
    if quarter.year != plan.fiscal_year:
        raise UsageError(
            f"--quarter {quarter_text}: this plan is for fiscal year {plan.fiscal_year}; "
            f"choose {plan.fiscal_year}Q1 to {plan.fiscal_year}Q4",
            f"--quarter {quarter_text}: この計画は {plan.fiscal_year}年度のものです"
            f"({plan.fiscal_year}Q1〜{plan.fiscal_year}Q4 を指定してください)")
    return quarter


def generate_from_file(plan_path: Path, out_dir: Path, *, quarter_text: str | None = None,
                       lang: str | None = None, with_udfs: bool = False,
                       previous_dir: Path | None = None, force: bool = False,
                       on_backup: Callable[[Path, Path], None] | None = None,
                       on_note: Callable[[str], None] | None = None) -> list[Path]:
    """Read a plan file and write its quarter's workbooks: what ``kpi-xl generate PLAN`` does.

    Raises :class:`~kpi_xl.core.errors.KpiXlError` subclasses for anything the user must fix; their
    messages speak ``lang`` or else the plan's language.
    """
    from kpi_xl.core.errors import UsageError
    from kpi_xl.core.partial import plan_notes
    from kpi_xl.io.plan_reader import read_plan

    plan = read_plan(plan_path, lang)
    lang = lang or plan.lang
    try:
        quarter = resolve_quarter(plan, quarter_text)
        if on_note is not None:
            for note in plan_notes(plan.departments, lang, plan.values):
                on_note(note)  # the departments skipped, and who stands on its own inputs
        try:
            return generate(plan, quarter, out_dir, lang, with_udfs=with_udfs,
                            previous_dir=previous_dir, force=force, on_backup=on_backup,
                            on_note=on_note)
        except OSError as err:
            from kpi_xl.core.i18n import t
            from kpi_xl.io.files import CommitError

            if isinstance(err, CommitError):
                texts = {lang_: t(lang_, "commit.failed", file=err.target,
                                  folder=err.target.parent, reason=err.strerror or err)
                         for lang_ in ("ja", "en")}
            else:
                texts = {lang_: t(lang_, "write.failed", folder=out_dir,
                                  reason=err.strerror or err) for lang_ in ("ja", "en")}
            raise UsageError(texts["en"], texts["ja"]) from None
    except UsageError as err:
        err.lang = lang  # speak the plan's language unless --lang says otherwise
        raise
