"""KPI倒れ: KPIs met while their KGI is missed, and KPIs that do not move with the KGI."""

from __future__ import annotations

import math

import pytest

from kpi_xl.app.frames import findings_frame
from kpi_xl.core.failure import EVIDENCE_MIN_PERIODS, analyze, is_met, pearson

PERIODS = ["2026-04", "2026-05", "2026-06", "2026-07"]


def long_rows(series: dict[str, tuple[str, list[tuple[float, float]], str | None]]) -> list[dict]:
    """Long-form rows from {id: (kind, [(actual, target), ...], direction)}."""
    rows = []
    for ident, (kind, points, direction) in series.items():
        for period, (actual, target) in zip(PERIODS, points, strict=False):
            rows.append(dict(period=period, id=ident, kind=kind, actual=actual, target=target,
                             direction=direction))
    return rows


REVENUE = ("KGI", [(100, 120), (110, 120), (90, 120), (130, 120)], None)


def codes_for(findings, node):  # type: ignore[no-untyped-def]
    return [f.code for f in findings if f.node == node]


def test_a_kpi_met_while_the_kgi_missed_is_flagged() -> None:
    rows = long_rows({"revenue": REVENUE,
                      "leads": ("KPI", [(300, 250), (320, 250), (310, 250), (200, 250)], None)})
    finding = next(f for f in analyze(rows) if f.code == "kpi_met_kgi_missed")
    assert (finding.node, finding.severity, finding.related) == ("leads", "warning", ("revenue",))
    assert (finding.expected, finding.actual) == (3, 3)  # missed 3 periods, KPI met in all 3
    assert "2026-04" in finding.message


def test_a_kpi_that_tracks_the_kgi_is_not_flagged() -> None:
    rows = long_rows({"revenue": REVENUE,
                      "leads": ("KPI", [(230, 250), (240, 250), (200, 250), (280, 250)], None)})
    assert analyze(rows) == []


def test_a_kpi_met_in_under_half_of_the_missed_periods_is_not_flagged() -> None:
    rows = long_rows({"revenue": REVENUE,
                      "leads": ("KPI", [(260, 250), (240, 250), (200, 250), (280, 250)], None)})
    assert "kpi_met_kgi_missed" not in codes_for(analyze(rows), "leads")


def test_lower_is_better_kpis_are_met_at_or_below_target() -> None:
    assert is_met(0.04, 0.05, "lower") and not is_met(0.06, 0.05, "lower")
    assert is_met(300, 300) and not is_met(299, 300, "higher")
    # Churn under target while revenue missed: met-while-missed.
    rows = long_rows({"revenue": REVENUE,
                      "churn": ("KPI", [(0.04, 0.05), (0.045, 0.05), (0.03, 0.05), (0.06, 0.05)],
                                "以下")})
    assert "kpi_met_kgi_missed" in codes_for(analyze(rows), "churn")


def test_a_lower_is_better_kpi_falling_as_the_kgi_rises_is_tracking() -> None:
    rows = long_rows({"revenue": REVENUE,
                      "churn": ("KPI", [(0.06, 0.05), (0.055, 0.05), (0.07, 0.05), (0.03, 0.05)],
                                "lower")})
    assert analyze(rows) == []


def test_a_kpi_moving_against_the_kgi_has_weak_correlation() -> None:
    rows = long_rows({"revenue": REVENUE,
                      "visits": ("KPI", [(900, 1000), (850, 1000), (990, 1000), (700, 1000)],
                                 None)})
    finding = next(f for f in analyze(rows) if f.code == "weak_correlation")
    assert finding.node == "visits" and finding.severity == "warning"
    assert finding.actual < 0 and finding.expected == 0.3


def test_the_correlation_threshold_can_be_chosen() -> None:
    rows = long_rows({"revenue": REVENUE,
                      "leads": ("KPI", [(230, 250), (240, 250), (200, 250), (280, 250)], None)})
    assert codes_for(analyze(rows, threshold=1.01), "leads") == ["weak_correlation"]


def test_fewer_than_three_common_periods_give_no_correlation_verdict() -> None:
    rows = [r for r in long_rows({
        "revenue": REVENUE,
        "visits": ("KPI", [(900, 1000), (850, 1000), (990, 1000), (700, 1000)], None)})
        if r["period"] in PERIODS[:2]]
    assert "weak_correlation" not in [f.code for f in analyze(rows)]


def test_a_flat_series_gives_no_correlation_verdict() -> None:
    rows = long_rows({"revenue": REVENUE,
                      "flat": ("KPI", [(5, 10), (5, 10), (5, 10), (5, 10)], None)})
    assert analyze(rows) == []


def test_a_dataframe_in_long_form_is_accepted() -> None:
    pd = pytest.importorskip("pandas")
    rows = long_rows({"revenue": REVENUE,
                      "leads": ("KPI", [(300, 250), (320, 250), (310, 250), (200, 250)], None)})
    frame = pd.DataFrame(rows)
    frame["period"] = pd.to_datetime(frame["period"])
    assert [f.code for f in analyze(frame)] == ["kpi_met_kgi_missed", "weak_correlation"]


def test_a_mapping_of_series_needs_the_kgi_named() -> None:
    data = {"rev": [("p1", 1, 2), ("p2", 2, 2), ("p3", 3, 2)],
            "k": [("p1", 5, 4, "higher"), ("p2", 5, 4, "higher"), ("p3", 4, 4, "higher")]}
    assert {f.code for f in analyze(data, kgi="rev")} == {"kpi_met_kgi_missed",
                                                          "weak_correlation"}
    assert [f.code for f in analyze(data)] == ["no_kgi"]


def test_values_are_read_leniently() -> None:
    rows = long_rows({"revenue": ("KGI", [("1億円", "1.2億円")] * 3, None),
                      "rate": ("KPI", [("25%", 0.2)] * 3, None)})
    assert codes_for(analyze(rows), "rate") == ["kpi_met_kgi_missed"]


def test_several_kgis_need_a_kgi_column() -> None:
    rows = long_rows({"revenue": REVENUE, "orders": REVENUE,
                      "leads": ("KPI", [(300, 250)] * 4, None)})
    assert codes_for(analyze(rows), "leads") == ["ambiguous_kgi"]
    for row in rows:
        row["kgi"] = "orders" if row["id"] == "leads" else None
    assert codes_for(analyze(rows), "leads") == ["kpi_met_kgi_missed"]
    for row in rows:
        row["kgi"] = "nope" if row["id"] == "leads" else None
    finding = analyze(rows)[0]
    assert (finding.code, finding.severity) == ("unknown_kgi", "error")


def test_messages_are_available_in_japanese() -> None:
    rows = long_rows({"revenue": REVENUE,
                      "leads": ("KPI", [(300, 250), (320, 250), (310, 250), (200, 250)], None)})
    messages = [f.message for f in analyze(rows, lang="ja")]
    assert "KPI倒れ" in messages[0] and "相関係数" in messages[1]


def test_pearson_matches_the_textbook_and_is_none_when_undefined() -> None:
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert pearson([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert pearson([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(0.8)
    assert pearson([1, 1, 1], [1, 2, 3]) is None
    assert pearson([1], [1]) is None


def test_findings_convert_to_a_dataframe() -> None:
    pytest.importorskip("pandas")
    rows = long_rows({"revenue": REVENUE,
                      "leads": ("KPI", [(300, 250), (320, 250), (310, 250), (200, 250)], None)})
    frame = findings_frame(analyze(rows))
    assert list(frame["code"]) == ["kpi_met_kgi_missed", "weak_correlation"]
    assert math.isclose(frame["expected"][1], 0.3)


def test_importing_kpi_xl_failure_does_not_import_pandas() -> None:
    import subprocess
    import sys

    code = "import sys, kpi_xl.core.failure, kpi_xl.core.smart, kpi_xl.core.tree; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_a_correlation_from_fewer_periods_than_the_floor_is_not_enough_data_yet() -> None:
    rows = long_rows({"revenue": REVENUE,
                      "visits": ("KPI", [(900, 1000), (850, 1000), (990, 1000), (700, 1000)],
                                 None)})
    findings = analyze(rows, min_periods=EVIDENCE_MIN_PERIODS)
    assert "weak_correlation" not in [f.code for f in findings]
    [floor] = [f for f in findings if f.code == "not_enough_data"]
    assert floor.severity == "info" and floor.actual == 4 and floor.expected == 6
    assert floor.message.startswith("Not enough data yet")
    ja = next(f for f in analyze(rows, min_periods=6, lang="ja") if f.code == "not_enough_data")
    assert "まだ判断できません" in ja.message and "4 か月" in ja.message


def test_the_evidence_floor_is_two_quarters_of_months() -> None:
    assert EVIDENCE_MIN_PERIODS == 6
