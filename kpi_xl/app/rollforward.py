"""Roll forward: carry earlier quarters' actuals into a new quarter's workbooks.

``kpi-xl generate --quarter 2026Q2`` finds the earlier quarters' workbooks
(:func:`kpi_xl.io.previous.find_previous`), reads their actuals
(:func:`kpi_xl.io.previous.read_actuals`) and summarises them (:mod:`kpi_xl.core.rollforward`)
into one :class:`~kpi_xl.core.rollforward.Carried` per department, which
:mod:`kpi_xl.writer.previous_sheet` turns into the review sheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.core.i18n import t
from kpi_xl.core.identity import plan_identity
from kpi_xl.core.plan import Plan, plan_departments
from kpi_xl.core.rollforward import Carried, failure_findings, rate_checks, summarise
from kpi_xl.io.previous import find_previous, read_actuals

__all__ = ["carry_forward"]


def carry_forward(plan: Plan, quarter: FiscalQuarter, out_dir: Path, lang: str,
                  previous_dir: Path | None = None,
                  departments: Sequence[str] | None = None,
                  notes: list[str] | None = None) -> dict[str, Carried]:
    """What each department's new workbook carries from earlier quarters (may be empty).

    Last quarter's workbooks are those of this plan (:func:`kpi_xl.core.identity.plan_identity`),
    whatever their file names. ``notes`` receives lines for the planner: workbooks of another
    plan left out, and (once last quarter's folder exists) the departments whose workbook is
    missing there, so that no department's actuals are dropped without a word.
    """
    known = plan_departments(plan)
    keys = list(departments or known)
    found = find_previous(quarter, Path(out_dir), lang, previous_dir,
                          plan_identity(plan.company, plan.start_month), known)
    said = notes if notes is not None else []
    said.extend(found.notes)
    missing = [known[key].name[lang] for key in keys if key not in found.books]
    if missing and found.searched:
        folder = previous_dir or Path(out_dir) / quarter.previous().folder_name
        said.append(t(lang, "prev.warn.missing", quarter=quarter.previous().folder_name,
                      departments=t(lang, "prev.warn.separator").join(missing), folder=folder))
    carried: dict[str, Carried] = {}
    for key in keys:
        if key not in found.books:
            continue
        dept = known[key]
        quarters = [read_actuals(path, key, q, lang, plan) for q, path in found.books[key]]
        last = quarters[-1]
        this_year = [q for q in quarters if q.quarter.year == quarter.year]
        links = {**{k.name: k.link for k in plan.kpis.get(key, ()) if k.link}, **last.links}
        kgi_kpi = next((name for name, link in links.items() if link == dept.kgi_measure
                        and any(r.kpi == name for r in last.rows)), None)
        ytd_rows = [row for q in this_year for row in q.rows]
        carried[key] = Carried(
            key, last, this_year,
            last_quarter=summarise(last.rows),
            year_to_date={s.kpi: s for s in summarise(ytd_rows)},
            rates=rate_checks(dept, last, plan),
            kgi_kpi=kgi_kpi,
            findings=failure_findings(dept, last, kgi_kpi, lang),
        )
    return carried
