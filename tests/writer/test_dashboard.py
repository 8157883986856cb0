"""The company dashboard workbook: live comparisons whose cached values LibreOffice agrees with."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from kpi_xl.core.dashboard import Dashboard, DashFunnel, DashKpi, DashParts
from kpi_xl.core.rollup import achievement, combine_units, pace_forecast, share_parts
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


def group_sample(lang: str = "ja") -> Dashboard:
    """Two business units of different sizes: a small one that keeps 95% of 200 customers and
    a large one that keeps 80% of 800; a flow reported for different numbers of months; an
    average; a ratio without parts; a unit with nothing typed yet; the funnel by unit."""
    unit = [
        DashKpi("small · Sales", "Deals", "Deals", "件", "flow", "higher", 30, 20, 18, 2, 3),
        DashKpi("large · Sales", "Deals", "Deals", "件", "flow", "higher", 90, 30, 33, 1, 3),
        DashKpi("small · CS", "Retention", "Retention", "%", "ratio", "higher", 0.95, 0.95, 0.95,
                2, 3),
        DashKpi("large · CS", "Retention", "Retention", "%", "ratio", "higher", 0.9, 0.9, 0.8,
                2, 3),
        DashKpi("small · CS", "NPS", "NPS", "点", "average", "higher", 50, 50, 40.0, 2, 3),
        DashKpi("large · CS", "NPS", "NPS", "点", "average", "higher", 50, 50, None, 0, 3),
        DashKpi("small · Dev", "Sprint", "Sprint", "%", "ratio", "higher", 0.9, 0.9, 0.84, 2, 3),
        DashKpi("large · Dev", "Sprint", "Sprint", "%", "ratio", "higher", 0.9, 0.9, 0.95, 2, 3),
        DashKpi("small · Ops", "Tickets", "Tickets", "件", "flow", "lower", 10, 5, None, 0, 3),
        DashKpi("large · Ops", "Tickets", "Tickets", "件", "flow", "lower", 10, 5, None, 0, 3),
    ]
    bases = ((200.0, 200.0, 200.0), (800.0, 800.0, 800.0))
    parts = DashParts("Numerator: Retention × customers at the start",
                      "Denominator: customers at the start", "", (None, None), bases)

    def group(first: int, kind: str, with_parts: DashParts | None = None) -> DashKpi:
        rows = unit[first:first + 2]

        def combined(field: str, at: int) -> float | None:
            values = [getattr(r, field) for r in rows]
            pairs = None
            if with_parts is not None:
                pairs = share_parts(values, [b[at] or 0.0 for b in with_parts.denominators])
            return combine_units(kind, values, pairs)

        return DashKpi(f"Group · {rows[0].department.split(' · ')[1]}", rows[0].name,
                       rows[0].kpi, rows[0].unit, kind, rows[0].direction,
                       combined("target", 0), combined("target_to_date", 1),
                       combined("actual", 2), min(r.months for r in rows), 3,
                       units=(first, first + 1), parts=with_parts)

    kgis = (group(0, "flow"), group(2, "ratio", parts), group(4, "average"),
            group(6, "ratio"), group(8, "flow"))
    small = DashFunnel("small", "件", (400, 400, 400), (420, 380, None))
    large = DashFunnel("large", "件", (1200, 1200, 1200), (1100, None, None))
    funnel = (DashFunnel("Sales · Leads", "件", (1600, 1600, 1600), (1520, 380, None),
                         units=(small, large)),)
    return Dashboard(lang, "Group KPI report FY2026Q2 (2 units)", "small, large · Jul – Sep 2026",
                     READ_AT, ("2026-07", "2026-08", "2026-09"), kgis, tuple(unit), funnel, (),
                     (("small · Sales", "/tmp/small.xlsx"),), ("How the group combines.",))


@pytest.fixture(scope="module")
def dashboards(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    require_libreoffice()
    root = tmp_path_factory.mktemp("dashboard")
    written = {lang: write_dashboard(sample(lang), root / f"dashboard_{lang}.xlsx")
               for lang in ("ja", "en")}
    written["group"] = write_dashboard(group_sample("en"), root / "dashboard_group.xlsx")
    mapping = recalculate(written.values(), root / "lo")
    return {lang: (path, mapping[path.resolve()]) for lang, path in written.items()}


def _blank(value: object) -> object:
    """An empty text result ("" from IF) and an empty cell are the same to a reader."""
    return None if value == "" else value


@pytest.mark.parametrize("lang", ["ja", "en", "group"])
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


def _rows(path: Path, data_only: bool) -> dict[tuple[object, object], list[object]]:
    ws = openpyxl.load_workbook(path, data_only=data_only).worksheets[0]
    return {(ws.cell(r, 1).value, ws.cell(r, 2).value): [ws.cell(r, c).value
                                                          for c in range(1, 13)]
            for r in range(1, ws.max_row + 1)}


def test_group_rows_are_formulas_over_the_unit_rows_recomputed_by_kind(dashboards) -> None:
    original, fresh = dashboards["group"]
    for path in (original, fresh):  # what we cache and what LibreOffice computes
        rows = _rows(path, data_only=True)
        retention = rows[("Group · CS", "Retention")]
        # 95% of 200 and 80% of 800 customers: the group keeps 830 of 1,000, not 87.5%.
        assert retention[5] == pytest.approx((0.95 * 200 + 0.8 * 800) / 1000)
        assert retention[3] == pytest.approx((0.95 * 200 + 0.9 * 800) / 1000)
        assert retention[8] == pytest.approx(0.83 / 0.91)  # achievement of the recomputed rate
        assert rows[("Group · Dev", "Sprint")][5] == pytest.approx(0.895)  # no parts: averaged
        assert rows[("Group · CS", "NPS")][5] == pytest.approx(40.0)  # the unit reporting it
        deals = rows[("Group · Sales", "Deals")]
        assert deals[5] == 51 and deals[6] == 1  # months reported: the fewest of any unit
        assert deals[9] == pytest.approx(18 / 2 * 3 + 33 / 1 * 3)  # each unit at its own pace
        assert rows[("Group · Ops", "Tickets")][5] in (None, "")  # nothing typed: no figure
        parts = rows[("large · CS", "Numerator: Retention × customers at the start")]
        assert parts[5] == pytest.approx(640)
    live = _rows(original, data_only=False)
    assert live[("Group · Sales", "Deals")][5].startswith("=IF(COUNT(")
    assert "SUM(" in live[("Group · Sales", "Deals")][5]
    assert "AVERAGE(" in live[("Group · CS", "NPS")][5]
    retention_formula = live[("Group · CS", "Retention")][5]
    assert retention_formula.count("SUM(") == 3 and "/SUM(" in retention_formula


def test_the_group_funnel_is_the_sum_of_the_unit_rows_beneath_it(dashboards) -> None:
    original, fresh = dashboards["group"]
    ws = openpyxl.load_workbook(original).worksheets[0]
    shown = openpyxl.load_workbook(fresh, data_only=True).worksheets[0]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Sales · Leads")
    assert ws.cell(row, 3).value == f'=IF(COUNT($C${row + 1}:$C${row + 2})=0,"",' \
        f"SUM($C${row + 1}:$C${row + 2}))"
    assert [shown.cell(row, c).value for c in (3, 4, 7, 10)] == [1600, 1520, 380, None]
    # August: only the small unit reported, so the group compares with its plan alone.
    assert shown.cell(row, 8).value == pytest.approx(380 / 400)
    assert str(ws.cell(row + 1, 1).value).strip() == "small"
