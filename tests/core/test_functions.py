"""The Excel functions called directly, as classic Windows xlwings would call them.

Classic xlwings passes empty cells as None, whole numbers as floats and ranges as 2-D lists; a
refused argument must come back as "#KPI! ..." text, never as an exception.
"""

from __future__ import annotations

import datetime as dt

import pytest

from kpi_xl.core import functions as udfs
from kpi_xl.core.functions import (
    KPI_ACHIEVEMENT,
    KPI_BENCHMARK,
    KPI_FUNNEL,
    KPI_MAX_LOST,
    KPI_MONTHLY,
    KPI_OKR_SCORE,
    KPI_REQUIRED_DEALS,
    KPI_REQUIRED_LEADS,
    KPI_REQUIRED_OPPS,
    KPI_SMART_CHECK,
    KPI_TREE_VALIDATE,
)
from kpi_xl.core.funnel import monthly_split, reverse_funnel


@pytest.fixture(autouse=True)
def _classic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(udfs, "OFFICEJS", False)


def refused(value: object) -> bool:
    return isinstance(value, str) and value.startswith("#KPI! ")


# Numbers: held-out inputs, Excel's rounding ------------------------------------------------------

@pytest.mark.parametrize(("deals", "win", "expected"), [
    (100.0, 0.2, 500),            # the article
    (145.0, 0.29, 500),           # Excel's 15-digit ROUNDUP: math.ceil would say 501
    (233.0, 0.23, 1014),
    (7.0, 0.33, 22),
    (0.0, 0.5, 0),
    (1.0, 1.0, 1),
    (100.0, "20%", 500),          # text percent
    (100.0, "２０％", 500),        # full-width
    ("1,000", 0.25, 4000),
])
def test_required_opps(deals: object, win: object, expected: int) -> None:
    assert KPI_REQUIRED_OPPS(deals, win) == expected


def test_required_leads_walks_the_funnel_with_two_roundups() -> None:
    assert KPI_REQUIRED_LEADS(100.0, 0.2, 0.1) == 5000
    assert KPI_REQUIRED_LEADS(145.0, 0.29, 0.07) == reverse_funnel(145, [0.29, 0.07])[-1] == 7143
    assert KPI_REQUIRED_LEADS(233, 0.23, 0.061) == reverse_funnel(233, [0.23, 0.061])[-1]


def test_required_deals_and_max_lost() -> None:
    assert KPI_REQUIRED_DEALS(200_000_000.0, 2_000_000.0) == 100
    assert KPI_REQUIRED_DEALS(500_000_000.0, 3_456_789.0) == 145
    assert KPI_MAX_LOST(487.0, 0.043) == 20
    assert KPI_MAX_LOST(200.0, 0.05) == 10


def test_funnel_returns_a_column_from_a_row_a_column_or_an_array_constant() -> None:
    expected = [[500], [5000]]
    assert KPI_FUNNEL(100.0, [[0.2, 0.1]]) == expected
    assert KPI_FUNNEL(100.0, [[0.2], [0.1]]) == expected
    assert KPI_FUNNEL(100.0, [[0.2], [None], [0.1]]) == expected  # blanks are skipped
    assert KPI_FUNNEL(145.0, [[0.29, 0.07, 0.5]]) == [[500], [7143], [14286]]


def test_monthly_split_is_a_column_of_twelve_or_of_the_weights() -> None:
    assert KPI_MONTHLY(5000.0) == [[v] for v in monthly_split(5000)]
    weights = [0.8, 0.9, 1.4, 1.0, 1.0, 1.1, 0.7, 0.6, 1.2, 1.0, 1.1, 1.6]
    got = KPI_MONTHLY(7143.0, [[w] for w in weights])
    assert got == [[v] for v in monthly_split(7143, weights)]
    assert sum(v for (v,) in got) == 7143
    assert KPI_MONTHLY(10.0, [[1.0, 1.0, 2.0]]) == [[3], [2], [5]]
    # A blank weight counts 0, as SUM counts a blank cell in the workbooks.
    assert KPI_MONTHLY(10.0, [[1.0], [None], [1.0]]) == [[5], [0], [5]]


def test_achievement_directions_in_both_languages() -> None:
    assert KPI_ACHIEVEMENT(0.04, 0.05, "lower") == pytest.approx(1.25)  # churn 4% vs ≤5%
    assert KPI_ACHIEVEMENT(0.04, 0.05, "低いほど良い") == pytest.approx(1.25)
    assert KPI_ACHIEVEMENT(0.04, 0.05, "以下") == pytest.approx(1.25)
    assert KPI_ACHIEVEMENT(0.06, 0.05, "lower is better") == pytest.approx(5 / 6)
    assert KPI_ACHIEVEMENT(450.0, 500.0) == pytest.approx(0.9)
    assert KPI_ACHIEVEMENT(450.0, 500.0, "高いほど良い") == pytest.approx(0.9)
    assert KPI_ACHIEVEMENT(0.0, 0.05, "lower") == 2  # no churn at all: capped at 200%
    assert KPI_ACHIEVEMENT(None, 500.0) == 0  # blank counts as 0: the same answer as in Lite
    assert KPI_ACHIEVEMENT(10.0, 0.0) == ""  # no target


def test_achievement_over_whole_ranges_is_one_call() -> None:
    actual = [[float(i)] for i in range(1000)]
    got = KPI_ACHIEVEMENT(actual, 500.0, None)
    assert len(got) == 1000 and got[500] == [1.0]
    mixed = KPI_ACHIEVEMENT([[0.04], [450.0], [None]], [[0.05], [500.0], [1.0]],
                            [["lower"], ["higher"], [None]])
    assert mixed == [[pytest.approx(1.25)], [pytest.approx(0.9)], [0]]


def test_okr_score() -> None:
    assert KPI_OKR_SCORE(130.0, 100.0, 150.0) == pytest.approx(0.6)
    assert KPI_OKR_SCORE(200.0, 100.0, 150.0) == 1
    assert KPI_OKR_SCORE(None, 100.0, 150.0) == 0  # blank counts as 0, as in Lite
    assert KPI_OKR_SCORE([[110.0], [140.0]], 100.0, 150.0) == [[pytest.approx(0.2)],
                                                               [pytest.approx(0.8)]]


# SMART and tree ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("statement", "verdict"), [
    ("2025年3月末までに月間リード獲得数300件を達成する", "OK"),
    ("リード獲得を増やす", "NG: SMT"),
    ("300 SQLs a month by the end of Q3 2026", "OK"),
    ("increase leads", "NG: SMT"),
    ("今期中に解約率を5%以下にする", "OK"),
    ("頑張る", "NG: SMT"),
])
def test_smart_check_verdicts(statement: str, verdict: str) -> None:
    assert KPI_SMART_CHECK(statement).startswith(verdict)


def test_smart_check_speaks_the_statements_language_and_uses_context() -> None:
    ja = KPI_SMART_CHECK("リード獲得を増やす")
    assert ja.startswith("NG: SMT — ") and "リード獲得数" in ja
    en = KPI_SMART_CHECK("increase leads")
    assert en.startswith("NG: SMT — ") and "Leads" in en
    # A target and a deadline given as cells make M and T pass.
    assert KPI_SMART_CHECK("Monthly leads", 300.0, dt.datetime(2026, 3, 31), "Sato") == "OK"
    assert KPI_SMART_CHECK("月間リード獲得数", 300.0, 46112.0) == "OK"  # a date serial


def test_smart_check_a_column_of_a_thousand_statements_in_one_call() -> None:
    column = [["2025年3月末までに月間リード獲得数300件を達成する"], ["increase leads"], [None]] * 334
    got = KPI_SMART_CHECK(column[:1000])
    assert len(got) == 1000
    assert got[0] == ["OK"] and got[1][0].startswith("NG: SMT") and got[2] == [""]


TREE_EN = [
    ["ID", "Parent", "Name", "Kind", "Department", "Operator", "Target", "Unit"],
    ["REV", None, "Revenue", "KGI", "sales", "×", 200_000_000.0, "円"],
    ["LEADS", "REV", "Leads", "KPI", "sales", None, 5000.0, "件"],
    ["L2O", "REV", "Lead to opportunity", "KPI", "sales", None, 0.1, "%"],
    ["WIN", "REV", "Win rate", "KPI", "sales", None, 0.2, "%"],
    ["SIZE", "REV", "Average deal size", "KPI", "sales", None, 2_000_000.0, "円"],
    [None] * 8,
    [None] * 8,
]


def test_tree_validate_ok_and_findings() -> None:
    assert KPI_TREE_VALIDATE(TREE_EN) == [["OK"]]
    broken = [row[:] for row in TREE_EN]
    broken[2][6] = 4000.0  # leads no longer multiply up to the revenue
    broken[5][1] = "NOPE"
    got = KPI_TREE_VALIDATE(broken)
    codes = [row[1] for row in got]
    assert "unknown_parent" in codes
    assert all(len(row) == 4 and row[0] in ("error", "warning") for row in got)


def test_tree_validate_japanese_headers_answer_in_japanese() -> None:
    tree = [["ID", "親", "名前", "種別", "部門", "演算子", "目標", "単位"], *TREE_EN[1:]]
    tree[2] = ["LEADS", "REV", "リード", "KPI", "sales", None, 4000.0, "件"]
    got = KPI_TREE_VALIDATE(tree)
    mismatch = next(row for row in got if row[1] == "decomposition_mismatch")
    assert "目標" in mismatch[3]
    assert KPI_TREE_VALIDATE(tree, "en") != got


def test_benchmark() -> None:
    assert KPI_BENCHMARK("win_rate") == [[0.2, 0.3, 0.2]]
    assert KPI_BENCHMARK("churn_rate", "high") == 0.05
    assert KPI_BENCHMARK("churn_rate", "low") == ""
    assert KPI_BENCHMARK("nps", "label") == "NPS"


# Bad arguments: a clear message, never an exception ----------------------------------------------

@pytest.mark.parametrize(("call", "words"), [
    (lambda: KPI_REQUIRED_OPPS(100.0, 1.5), ["win_rate", "at most 100%", "got 1.5"]),
    (lambda: KPI_REQUIRED_OPPS(100.0, 20.0), ["win_rate", "got 20", "20% or 0.2"]),
    (lambda: KPI_REQUIRED_OPPS(100.0, 0.0), ["win_rate", "above 0%"]),
    (lambda: KPI_REQUIRED_OPPS(100.0, None), ["win_rate", "blank"]),
    (lambda: KPI_REQUIRED_OPPS(-5.0, 0.2), ["target_deals", "negative"]),
    (lambda: KPI_REQUIRED_OPPS("lots", 0.2), ["target_deals", "'lots'"]),
    (lambda: KPI_REQUIRED_OPPS(True, 0.2), ["target_deals", "number"]),
    (lambda: KPI_REQUIRED_LEADS(100.0, 0.2, "150%"), ["lead_to_opp_rate", "'150%'"]),
    (lambda: KPI_REQUIRED_DEALS(1e8, 0.0), ["avg_deal_size", "greater than 0"]),
    (lambda: KPI_FUNNEL(100.0, [[None, None]]), ["rates is empty"]),
    (lambda: KPI_FUNNEL(100.0, [[0.2, 3.0]]), ["rates[2]", "got 3"]),
    (lambda: KPI_MONTHLY(100.0, [[0.0, 0.0]]), ["weights", "positive total"]),
    (lambda: KPI_MONTHLY(100.0, [[1.0, -1.0]]), ["weights"]),
    (lambda: KPI_ACHIEVEMENT(1.0, 2.0, "sideways"), ["direction", "'sideways'"]),
    (lambda: KPI_ACHIEVEMENT([[1.0], [2.0]], [[1.0], [2.0], [3.0]]), ["target", "2×1"]),
    (lambda: KPI_TREE_VALIDATE([["a", "b"], [1, 2]]), ["headers"]),
    (lambda: KPI_TREE_VALIDATE("x", "fr"), ["headers"]),
    (lambda: KPI_BENCHMARK("nope"), ["unknown benchmark", "win_rate"]),
    (lambda: KPI_BENCHMARK("nps", "colour"), ["unknown field"]),
])
def test_bad_arguments_give_a_message_not_an_exception(call, words: list[str]) -> None:
    got = call()
    assert refused(got), got
    for word in words:
        assert word in got


def test_japanese_input_gets_a_bilingual_message() -> None:
    got = KPI_ACHIEVEMENT(1.0, 2.0, "横ばい")
    assert refused(got)
    assert "「高いほど良い」か「低いほど良い」" in got and 'must be "higher" or "lower"' in got
    rate = KPI_REQUIRED_OPPS("１００", "１５０％")
    assert "0% より大きく 100% 以下" in rate and "at most 100%" in rate


def test_one_bad_row_in_a_range_stays_in_its_cell() -> None:
    got = KPI_ACHIEVEMENT([[1.0], ["abc"], [3.0]], 2.0)
    assert got[0] == [0.5] and got[2] == [1.5]
    assert refused(got[1][0]) and "actual" in got[1][0]


def test_an_internal_error_is_still_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(udfs.funnel, "required_count", boom)
    got = KPI_REQUIRED_OPPS(1.0, 0.5)
    assert refused(got) and "internal error" in got and "ZeroDivisionError" in got


def test_every_udf_is_documented_for_the_function_wizard() -> None:
    import inspect

    for name, fn in udfs.FUNCTIONS.items():
        assert name.startswith("KPI_") and name.isupper()
        assert fn.__doc__ and not fn.__doc__.startswith(" ")
        params = list(inspect.signature(fn).parameters)
        assert params, name


def test_importing_the_udfs_does_not_load_the_checkers() -> None:
    import subprocess
    import sys

    code = ("import sys, kpi_xl.addin.udfs; "
            "print(sorted(m for m in ('kpi_xl.core.smart', 'kpi_xl.core.tree', 'openpyxl', 'xlsxwriter') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
