"""The KPI sheet's SMART statement is live: its number is the target cell, shown by TEXT.

Change the win rate and the required leads change; the leads KPI's quarter target follows, and
so does the sentence that states it — after LibreOffice recalculation, not only in Python.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl

from kpi_xl.core.kpis import number_text


def _statements(path: Path) -> dict[str, tuple[object, str]]:
    """KPI name → (quarter target, statement) from the KPI sheet (ja)."""
    ws = openpyxl.load_workbook(path, data_only=True)["KPI"]
    rows = list(ws.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if "SMART な目標文" in row)
    cols = rows[header]
    name, target, said = (cols.index(h) for h in ("KPI", "目標値", "SMART な目標文"))
    return {row[name]: (row[target], row[said]) for row in rows[header + 1:]
            if row[name] and row[said]}


def test_the_statement_states_the_recalculated_target(recalculated: dict) -> None:
    before = _statements(recalculated["sample-ja-sales"].recalculated)
    after = _statements(recalculated["changed-sales"].recalculated)
    leads = "月間リード獲得数"
    (old_target, old_said), (new_target, new_said) = before[leads], after[leads]
    assert new_target != old_target
    assert f"{new_target:,.0f}件" in new_said and f"{old_target:,.0f}件" not in new_said
    assert old_said.replace(f"{old_target:,.0f}", "#") == new_said.replace(f"{new_target:,.0f}", "#")


def test_numbers_read_as_the_statement_always_showed_them() -> None:
    shown = {(1234, "件"): "1,234", (3.5, "点"): "3.5", (3.25, "点"): "3.25", (0.2, "%"): "20%",
             (0.025, "%"): "2.5%", (18000.0, "円"): "18,000"}
    for (value, unit), text in shown.items():
        assert number_text(value, unit).evaluate({}) == text
