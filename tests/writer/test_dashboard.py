"""The company dashboard workbook: live comparisons whose cached values LibreOffice agrees with."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from kpi_xl.core.dashboard import Dashboard, DashFunnel, DashKpi
from kpi_xl.core.rollup import achievement, pace_forecast
from kpi_xl.writer.dashboard import write_dashboard
from tests.conftest import require_libreoffice
from tests.libreoffice import recalculate
from tests.workbook_values import errors_in, formulas, same, values

READ_AT = dt.datetime(2026, 8, 20, 9, 30)


def sample(lang: str) -> Dashboard:
    kgis = (
        DashKpi("営業", "受注件数 (月間受注件数)", "月間受注件数", "件", "flow", "higher", 25, 17, 11,
                2, 3),
        DashKpi("CS", "継続率", "継続率", "%", "ratio", "higher", 0.95, 0.95, 0.945, 2, 3),
        DashKpi("開発", "デプロイ", "デプロイ", "回", "flow", "higher", 27, 18, None, 0, 3),
    )
    kpis = (
        DashKpi("営業", "月間リード獲得数", "月間リード獲得数", "件", "flow", "higher", 1250, 833, 1020,
                2, 3),
        DashKpi("CS", "解約率", "解約率", "%", "ratio", "lower", 0.05, 0.05, 0.05, 2, 3),
        DashKpi("CS", "NPS", "NPS", "点", "average", "higher", 50, 50, 48.0, 2, 3),
        DashKpi("開発", "バグ", "バグ", "件", "flow", "lower", 30, 20, 0, 2, 3),
        DashKpi("開発", "レビュー時間", "レビュー時間", "時間", "average", "lower", 24, None, 22.5,
                2, 3),
        DashKpi("営業", "売上", "売上", "円", "flow", "higher", 0, 0, 1_000_000, 1, 3),
    )
    funnel = (DashFunnel("営業 · リード", "件", (417, 417, 416), (520, 500, None)),
              DashFunnel("営業 · 受注", "件", (9, 8, 8), (5, None, None)))
    findings = (("営業", "注意", "KGI 月間受注件数 が未達…" * 8),)
    return Dashboard(lang, "KPI report FY2026Q2", "Sample Co. · Jul – Sep 2026", READ_AT,
                     ("2026-07", "2026-08", "2026-09"), kgis, kpis, funnel, findings,
                     (("営業", "/tmp/FY2026Q2_sales_ja.xlsx"),))


@pytest.fixture(scope="module")
def dashboards(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    require_libreoffice()
    root = tmp_path_factory.mktemp("dashboard")
    written = {lang: write_dashboard(sample(lang), root / f"dashboard_{lang}.xlsx")
               for lang in ("ja", "en")}
    mapping = recalculate(written.values(), root / "lo")
    return {lang: (path, mapping[path.resolve()]) for lang, path in written.items()}


def _blank(value: object) -> object:
    """An empty text result ("" from IF) and an empty cell are the same to a reader."""
    return None if value == "" else value


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_cached_values_equal_the_libreoffice_recalculation(dashboards, lang) -> None:
    original, fresh = dashboards[lang]
    cells = formulas(original)
    assert len(cells) > 30, "comparisons are live formulas"
    cached, recalculated = values(original), values(fresh)
    mismatches = {cell: (cached.get(cell), recalculated.get(cell)) for cell in cells
                  if not same(_blank(cached.get(cell)), _blank(recalculated.get(cell)))}
    assert mismatches == {}
    assert errors_in(recalculated) == {}


def test_comparisons_agree_with_the_core_roll_up(dashboards) -> None:
    wb = openpyxl.load_workbook(dashboards["en"][0], data_only=True)
    ws = wb.worksheets[0]
    rows = {ws.cell(r, 2).value: [ws.cell(r, c).value for c in range(1, 13)]
            for r in range(1, ws.max_row + 1)}
    leads = rows["月間リード獲得数"]
    assert leads[8] == pytest.approx(achievement(1020, 833))
    assert leads[9] == pytest.approx(pace_forecast("flow", [510, 510], 3))
    assert rows["バグ"][8] == 2  # no bug at all: the workbooks' cap of 200%
    assert rows["デプロイ"][8] in (None, "")  # nothing typed yet: no achievement, no error
    assert rows["売上"][8] in (None, "")  # a zero target has no achievement


def test_prints_on_one_landscape_page_with_the_read_date(dashboards) -> None:
    wb = openpyxl.load_workbook(dashboards["ja"][0])
    ws = wb.worksheets[0]
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    # XlsxWriter leaves out the default of 1: one page wide and one page tall.
    assert (ws.page_setup.fitToWidth or 1) == 1 and (ws.page_setup.fitToHeight or 1) == 1
    dates = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, dt.datetime)]
    assert dates == [dt.datetime(2026, 8, 20)]
