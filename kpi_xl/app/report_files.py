"""``kpi-xl report`` end to end: read the plan and the workbooks, write the three files.

:mod:`kpi_xl.app.report` reads and rolls up; this module writes the HTML
(:mod:`kpi_xl.app.report_html`), the history CSV (:mod:`kpi_xl.app.history`) and the dashboard
workbook (:mod:`kpi_xl.app.dashboard`), each staged first and moved into place whole.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kpi_xl.app.report import QuarterReport, build_report
from kpi_xl.core.errors import UsageError
from kpi_xl.core.i18n import t

__all__ = ["report_from_file", "report_many", "write_report"]


def write_report(report: QuarterReport, folder: Path,
                 on_warning: Callable[[str], None] | None = None) -> list[Path]:
    """Write the HTML report, the history CSV and the dashboard workbook into ``folder``."""
    from kpi_xl.app.report_html import render_html

    try:  # pandas is an extra: without it, the HTML and the dashboard are still written
        from kpi_xl.app.history import history_frame, write_history_csv
    except ImportError:
        history_frame = write_history_csv = None  # type: ignore[assignment]
        if on_warning is not None:
            on_warning(t(report.lang, "report.no_pandas"))
    from kpi_xl.io.files import atomic_move

    folder.mkdir(parents=True, exist_ok=True)
    lang = report.lang
    html_path = folder / f"report_{lang}.html"
    csv_path = folder / "history.csv"
    staged: list[tuple[Path, Path]] = []
    try:
        tmp = folder / f".{html_path.name}.tmp"
        tmp.write_text(render_html(report), encoding="utf-8")
        staged.append((tmp, html_path))
        if history_frame is not None:
            tmp = folder / f".{csv_path.name}.tmp"
            write_history_csv(history_frame(report), tmp)
            staged.append((tmp, csv_path))
        for extra in _extras(report, folder):
            staged.append(extra)
        for source, target in staged:
            atomic_move(source, target)
    finally:
        for source, _ in staged:
            source.unlink(missing_ok=True)
    return [target for _, target in staged]


def _extras(report: QuarterReport, folder: Path) -> list[tuple[Path, Path]]:
    """The dashboard workbook, staged beside its final name."""
    import os
    if os.environ.get("KPI_XL_NO_DASHBOARD"):
        return []
    from kpi_xl.app.dashboard import write_dashboard_file

    target = folder / f"dashboard_{report.lang}.xlsx"
    tmp = folder / f".{target.stem}.tmp.xlsx"
    write_dashboard_file(report, tmp)
    return [(tmp, target)]


def books_language(out_dir: Path, lang: str | None) -> str:
    """The language of the department workbooks in ``out_dir`` (``lang`` when both exist)."""
    found = {path.stem.rsplit("_", 1)[-1] for path in Path(out_dir).glob("FY*Q*/FY*Q*_*.xlsx")}
    found &= {"ja", "en"}
    if lang in found or not found:
        return lang or "ja"
    return sorted(found)[0]


def report_from_file(plan_path: Path | None, out_dir: Path, *, quarter_text: str | None = None,
                     lang: str | None = None, to: Path | None = None,
                     on_warning: Callable[[str], None] | None = None) -> list[Path]:
    """``kpi-xl report [PLAN]``: read the plan, then the quarter's workbooks; write three files."""
    return _report_one(plan_path, out_dir, quarter_text, lang, to, on_warning)[1]


def report_many(plans: list[Path], out_dir: Path, *, quarter_text: str | None = None,
                lang: str | None = None, to: Path | None = None,
                on_warning: Callable[[str], None] | None = None) -> list[Path]:
    """``kpi-xl report A.xlsx B.xlsx``: each unit's report in ``OUT/<plan name>/``, then the
    group's history and dashboard in ``OUT/group/FY<year>Q<n>/`` (or ``to``)."""
    from kpi_xl.app.group import write_group
    from kpi_xl.core.errors import KpiXlError

    warn = on_warning or (lambda text: None)
    units: list[tuple[str, QuarterReport]] = []
    written: list[Path] = []
    for plan in plans:
        try:
            report, paths = _report_one(plan, Path(out_dir) / plan.stem, quarter_text, lang,
                                        None, lambda text, name=plan.stem: warn(f"{name}: {text}"))
        except KpiXlError as err:
            warn(f"{plan.stem}: {err.message(lang or err.lang or 'en')}")
            continue
        units.append((plan.stem, report))
        written += paths
    if not units:
        raise UsageError.text("report.no_units", count=len(plans), folder=out_dir)
    folder = to or Path(out_dir) / "group" / units[0][1].quarter.folder_name
    return written + write_group(units, folder)


def _report_one(plan_path: Path | None, out_dir: Path, quarter_text: str | None,
                lang: str | None, to: Path | None,
                on_warning: Callable[[str], None] | None) -> tuple[QuarterReport, list[Path]]:
    from kpi_xl.app.generate import resolve_quarter
    from kpi_xl.core.plan import resolve_linked_targets
    from kpi_xl.io.plan_reader import read_plan

    if plan_path is None:  # the sample plan the workbooks were generated from
        from kpi_xl.io.resources import sample_plan_path

        plan_path = sample_plan_path(books_language(Path(out_dir), lang))
    plan = resolve_linked_targets(read_plan(plan_path, lang))
    lang = lang or plan.lang
    try:
        quarter = resolve_quarter(plan, quarter_text)
        report = build_report(plan, quarter, Path(out_dir), lang, on_warning=on_warning)
        folder = to or Path(out_dir) / quarter.folder_name / "report"
        try:
            return report, write_report(report, folder, on_warning)
        except OSError as err:
            raise UsageError(
                f"could not write the report into {folder}: {err.strerror or err}",
                f"{folder} にレポートを書き出せませんでした: {err.strerror or err}") from None
    except UsageError as err:
        err.lang = lang
        raise
