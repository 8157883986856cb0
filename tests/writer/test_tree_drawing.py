"""The KPI tree drawn on the tree sheet: a box per KGI, KSF and KPI, live from the tracking."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from kpi_xl.core.i18n import t
from tests.conftest import Recalculated


def _boxes(path: Path, lang: str) -> tuple[dict[str, tuple[object, object, object]], object]:
    """Box title → (quarter target, actual to date, achievement) as the file holds them."""
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb[t(lang, "sheet.tree")]
    out = {}
    for rng in ws.merged_cells.ranges:
        if rng.min_col < 9 or rng.max_col != rng.min_col + 1 or rng.min_row != rng.max_row:
            continue
        title = ws.cell(rng.min_row, rng.min_col).value
        if not isinstance(title, str) or title == "▼":
            continue
        values = tuple(ws.cell(rng.min_row + i, rng.max_col).value for i in (1, 2, 3))
        out[title] = values  # type: ignore[assignment]
    return out, ws


def test_every_kpi_has_a_box_with_the_tracking_figures(recalculated: dict[str, Recalculated]
                                                       ) -> None:
    book = recalculated["actuals-sales"]
    boxes, ws = _boxes(book.recalculated, "ja")
    assert {"KGI: 受注件数", "月間リード獲得数", "月間商談獲得数", "提案成功率"} <= set(boxes)
    assert {"リード獲得", "商談創出", "提案品質向上"} <= set(boxes)  # the KSFs
    tracking = openpyxl.load_workbook(book.recalculated, data_only=True)[t("ja", "sheet.tracking")]
    summary = {row[0].value: (row[2].value, row[3].value, row[5].value)
               for row in tracking.iter_rows(max_col=6) if isinstance(row[0].value, str)}
    assert summary["月間リード獲得数"] == boxes["月間リード獲得数"]
    assert summary["月間受注件数"] == boxes["KGI: 受注件数"]  # the KGI's box is its KPI's
    assert isinstance(boxes["月間リード獲得数"][2], float)  # actuals were typed: an achievement
    assert ws.conditional_formatting  # coloured by status


def test_cached_box_values_are_the_recalculated_ones(recalculated: dict[str, Recalculated]
                                                     ) -> None:
    book = recalculated["sample-en-customer_success"]
    cached, recalculated = _boxes(book.original, "en")[0], _boxes(book.recalculated, "en")[0]
    assert cached.keys() == recalculated.keys()
    for box, values in cached.items():  # LibreOffice returns 15 significant digits
        for mine, theirs in zip(values, recalculated[box], strict=True):
            numbers = isinstance(mine, float) and isinstance(theirs, float)
            assert mine == (pytest.approx(theirs, rel=1e-12) if numbers else theirs), box


@pytest.mark.parametrize(("book", "lang"), [("actuals-sales", "ja"),
                                            ("sample-en-customer_success", "en")])
def test_the_tree_table_and_the_drawing_show_the_same_kgi_target(
        recalculated: dict[str, Recalculated], book: str, lang: str) -> None:
    """Side by side on one sheet, the KGI's target in the table is the drawn box's: this
    quarter's, under a header that says so (not the year's beside the quarter's)."""
    path = recalculated[book].recalculated
    boxes, ws = _boxes(path, lang)
    [kgi_box] = [values for title, values in boxes.items() if title.startswith("KGI: ")]
    rows = list(ws.iter_rows(max_col=5, values_only=True))
    header = next(row for row in rows if row[:3] == ("KGI", "KSF", "KPI"))
    assert header[3] == t(lang, "tree.box_target")
    [kgi_row] = [row for row in rows if isinstance(row[0], str) and row[0].startswith("■")]
    assert kgi_row[3] == kgi_box[0]
