"""Two quarters of the sample plan with actuals typed, as `kpi-xl report` meets them.

Q1's workbooks are typed with openpyxl, then re-saved by LibreOffice (as a planner on Linux
would); Q2's are typed with openpyxl only (formulas without cached results). Sales' leads beat
their target while deals miss it (KPI倒れ), and the win rate falls short of the plan's.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl

from kpi_xl.app.generate import generate
from kpi_xl.core.departments import DEPARTMENTS
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.core.plan import Plan, resolve_linked_targets
from kpi_xl.io.plan_reader import read_plan
from kpi_xl.io.resources import sample_plan_path

Q1 = FiscalQuarter(2026, 1)
Q2 = FiscalQuarter(2026, 2)

# KPI name → factor of its monthly target, per month of the quarter (None: not typed yet).
FACTORS_JA = {
    "月間リード獲得数": (1.25, 1.2, 1.3),
    "月間商談獲得数": (1.05, 1.02, 1.1),
    "提案成功率": (0.5, 0.7, 0.4),
    "月間受注件数": (0.55, 0.7, 0.4),
    "月間セッション数": (0.95, 1.05, 1.0),
    "月間 MQL 数": (0.8, 0.9, 1.0),
    "月間 SQL 数": (1.0, 1.1, 0.9),
    "継続率(リテンション率)": (0.99, 1.0, 1.01),
    "解約率(チャーンレート)": (1.2, 0.8, 1.0),
    "NPS": (0.82, 1.1, 0.9),
    "スプリント完了率": (0.95, 1.0, 0.9),
    "月間バグ発生件数": (1.2, 0.9, 0.7),
    "月間デプロイ回数": (1.0, 1.2, 0.8),
    "コードレビュー完了時間": (1.1, 0.9, 1.0),
}


def typed(target: float, unit: str, factor: float) -> float:
    value = target * factor
    return round(value, 4) if unit == "%" else round(value, 1 if unit in ("点", "時間") else 0)


def type_quarter(folder: Path, quarter: FiscalQuarter, months: int) -> dict[tuple[str, str, int], float]:
    """Type the first ``months`` months' actuals into every workbook; return what was typed."""
    typed_values: dict[tuple[str, str, int], float] = {}
    for key, dept in DEPARTMENTS.items():
        path = folder / f"{quarter.folder_name}_{key}_ja.xlsx"
        shown = openpyxl.load_workbook(path, data_only=True)
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            if dept.actuals_table not in ws.tables:
                continue
            ref = ws.tables[dept.actuals_table].ref
            seen: list[object] = []
            for cells, shown_cells in zip(list(ws[ref])[1:], list(shown[ws.title][ref])[1:],
                                          strict=True):
                month, name, unit, target = (shown_cells[0].value, shown_cells[1].value,
                                             shown_cells[2].value, shown_cells[4].value)
                if month not in seen:
                    seen.append(month)
                index = seen.index(month)
                factors = FACTORS_JA.get(str(name))
                if index >= months or factors is None or not isinstance(target, (int, float)):
                    continue
                value = typed(float(target), str(unit), factors[index])
                cells[5].value = value
                typed_values[(key, str(name), index)] = value
        wb.save(path)
    return typed_values


def build(root: Path, resave=None) -> tuple[Plan, Path, dict]:
    """The scenario in ``root/out``; ``resave(paths, out_dir)`` re-saves Q1 (LibreOffice)."""
    plan = resolve_linked_targets(read_plan(sample_plan_path("ja")))
    out = root / "out"
    q1 = generate(plan, Q1, out, "ja")
    typed_q1 = type_quarter(out / Q1.folder_name, Q1, 3)
    if resave is not None:
        staging = root / "lo"
        mapping = resave(q1, staging)
        for original, saved in mapping.items():
            shutil.copyfile(saved, original)
    generate(plan, Q2, out, "ja")
    typed_q2 = type_quarter(out / Q2.folder_name, Q2, 2)
    return plan, out, {Q1: typed_q1, Q2: typed_q2}
