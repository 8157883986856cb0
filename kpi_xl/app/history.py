"""The quarters' actuals in long form, for pandas and BI tools (pandas is imported here).

One row per period, department and KPI: every month a manager typed an actual for
(``period_type`` "month"), and every quarter rolled up by kind (``period_type`` "quarter": flows
add, levels take the period's end, ratios are recomputed from their parts where both were
reported, else averaged, averages average; see :mod:`kpi_xl.core.rollup`). The quarter rows come
from the same roll-up the report and the dashboard show, so the three never disagree.

``history_frame(report)`` gives the DataFrame; ``write_history_csv(frame, path)`` writes it as
UTF-8 with a byte-order mark, so Excel opens Japanese text correctly. For Python users,
``load_history(plan, out_dir, quarter)`` does the reading too.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from kpi_xl.app.report import QuarterReport
    from kpi_xl.core.fiscal import FiscalQuarter
    from kpi_xl.core.plan import Plan

__all__ = ["COLUMNS", "group_history_frame", "history_frame", "load_history", "write_history_csv"]

COLUMNS = ["period_type", "period", "quarter", "department", "department_name", "kpi", "kind",
           "unit", "direction", "months_reported", "months_in_period", "target", "actual",
           "achievement", "source"]


def history_frame(report: QuarterReport) -> pd.DataFrame:
    """Every quarter of ``report`` in long form (see the module docstring)."""
    lang = report.lang
    records: list[dict[str, object]] = []
    for quarter, departments in report.history.items():
        for key, dq in departments.items():
            name = report.dept(key).name[lang]
            source = str(dq.source) if dq.source else ""
            for line in dq.kpis:
                common = {"quarter": quarter.folder_name, "department": key,
                          "department_name": name, "kpi": line.name, "kind": line.kind,
                          "unit": line.unit, "direction": line.direction, "source": source}
                for month, (target, actual) in line.months.items():
                    if actual is None:
                        continue
                    records.append({**common, "period_type": "month",
                                    "period": f"{month:%Y-%m}", "months_reported": 1,
                                    "months_in_period": 1, "target": target, "actual": actual})
                rolled = line.rolled
                if rolled.months:
                    records.append({**common, "period_type": "quarter",
                                    "period": quarter.folder_name,
                                    "months_reported": rolled.months,
                                    "months_in_period": rolled.months_total,
                                    "target": rolled.target_to_date, "actual": rolled.actual})
    frame = pd.DataFrame.from_records(records, columns=[c for c in COLUMNS if c != "achievement"])
    frame["target"] = pd.to_numeric(frame["target"], errors="coerce")
    frame["actual"] = pd.to_numeric(frame["actual"], errors="coerce")
    lower = frame["direction"].eq("lower")
    ratio = frame["actual"] / frame["target"]
    frame["achievement"] = ratio.where(~lower, frame["target"] / frame["actual"])
    frame["achievement"] = frame["achievement"].where(
        frame["target"].notna() & frame["actual"].notna() & (frame["target"] != 0))
    frame = frame[COLUMNS].sort_values(["quarter", "department", "kpi", "period_type", "period"],
                                       kind="stable", ignore_index=True)
    return frame


def group_history_frame(units: Sequence[tuple[str, QuarterReport]]) -> pd.DataFrame:
    """Several business units' histories, one frame, with the unit named in a first column."""
    frames = [history_frame(report).assign(unit=name) for name, report in units]
    frame = pd.concat(frames, ignore_index=True)
    return frame[["unit", *COLUMNS]]


#: Text that Excel would run as a formula when it opens the CSV (formula injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _defused(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_history_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` as CSV, UTF-8 with a BOM (Excel reads Japanese correctly).

    Text cells that Excel would take for a formula (a KPI named ``=HYPERLINK(...)``) get a
    leading apostrophe, as spreadsheet exporters do; numbers are written as they are.
    """
    text = frame.select_dtypes(include=["object", "string"]).columns
    safe = frame.assign(**{c: frame[c].map(_defused) for c in text})
    safe.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return Path(path)


def load_history(plan: Plan, out_dir: Path, quarter: FiscalQuarter,
                 lang: str | None = None) -> pd.DataFrame:
    """Read every quarter's workbooks in ``out_dir`` up to ``quarter``; return the history."""
    from kpi_xl.app.report import build_report

    return history_frame(build_report(plan, quarter, Path(out_dir), lang or plan.lang))
