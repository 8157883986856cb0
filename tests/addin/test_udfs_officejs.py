"""The Office.js path (xlwings Lite, xlwings Server), run in-process in a child Python.

``XLWINGS_ON_SERVER=true`` must be set before xlwings is imported, and other tests import
xlwings without it, so the calls run in one child process and come back as JSON. The bodies
are what Excel sends: every argument a 2-D list, empty cells as 0, whole numbers as int,
omitted optional arguments as null.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CALLS = {
    "opps": ("KPI_REQUIRED_OPPS", [[[145]], [[0.29]]]),
    "opps_text_rate": ("KPI_REQUIRED_OPPS", [[[100]], [["20%"]]]),
    "leads": ("KPI_REQUIRED_LEADS", [[[100]], [[0.2]], [[0.1]]]),
    "deals": ("KPI_REQUIRED_DEALS", [[[200000000]], [[2000000]]]),
    "funnel_row": ("KPI_FUNNEL", [[[100]], [[0.2, 0.1]]]),
    "monthly_default": ("KPI_MONTHLY", [[[5000]], None]),
    "monthly_weights": ("KPI_MONTHLY", [[[10]], [[1], [0], [1]]]),
    "achievement_lower_ja": ("KPI_ACHIEVEMENT", [[[0.04]], [[0.05]], [["低いほど良い"]]]),
    "achievement_empty_direction": ("KPI_ACHIEVEMENT", [[[450]], [[500]], [[0]]]),
    "achievement_column": ("KPI_ACHIEVEMENT", [[[1], [2], ["x"]], [[2]], None]),
    "okr": ("KPI_OKR_SCORE", [[[130]], [[100]], [[150]]]),
    "smart_column": ("KPI_SMART_CHECK", [[["2025年3月末までに月間リード獲得数300件を達成する"],
                                          ["increase leads"], [0]], None, None, None, None]),
    "smart_empty_context": ("KPI_SMART_CHECK", [[["Monthly leads"]], [[300]], [[0]], [[0]],
                                                [[0]]]),
    "tree": ("KPI_TREE_VALIDATE", [[
        ["ID", "Parent", "Name", "Kind", "Department", "Operator", "Target", "Unit"],
        ["REV", 0, "Revenue", "KGI", "sales", "×", 200000000, "円"],
        ["LEADS", "REV", "Leads", "KPI", "sales", 0, 5000, "件"],
        ["L2O", "REV", "Lead to opportunity", "KPI", "sales", 0, 0.1, "%"],
        ["WIN", "REV", "Win rate", "KPI", "sales", 0, 0.2, "%"],
        ["SIZE", "REV", "Average deal size", "KPI", "sales", 0, 2000000, "円"],
        [0, 0, 0, 0, 0, 0, 0, 0]], None]),
    "benchmark": ("KPI_BENCHMARK", [[["win_rate"]], None]),
    # Refusals
    "bad_rate": ("KPI_REQUIRED_OPPS", [[[100]], [[1.5]]]),
    "bad_rate_percent_points": ("KPI_REQUIRED_OPPS", [[[100]], [[20]]]),
    "bad_direction_ja": ("KPI_ACHIEVEMENT", [[[1]], [[2]], [["横ばい"]]]),
    "empty_rate": ("KPI_REQUIRED_OPPS", [[[100]], [[0]]]),
}

CHILD = r"""
import asyncio, json, os, sys
import xlwings as xw
import xlwings.server as server
import kpi_xl.addin.udfs as udfs

calls = json.loads(sys.stdin.read())
out = {"officejs": udfs.OFFICEJS, "meta": server.custom_functions_meta(udfs), "results": {}}
for label, (name, args) in calls.items():
    body = {"func_name": name, "args": args, "runtime": "1.4", "version": xw.__version__,
            "client": "Office.js", "caller_address": "[Book1]Sheet1!B2",
            "content_language": "en-US", "culture_info_name": "en-US", "date_format": "M/d/yyyy"}
    try:
        out["results"][label] = {"value": asyncio.run(server.custom_functions_call(body, udfs))}
    except Exception as err:
        out["results"][label] = {"error": type(err).__name__, "message": str(err)}
print(json.dumps(out, ensure_ascii=False))
"""


@pytest.fixture(scope="module")
def officejs() -> dict:
    env = {**os.environ, "XLWINGS_ON_SERVER": "true", "XLWINGS_LICENSE_KEY": "noncommercial",
           "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, "-c", CHILD], input=json.dumps(CALLS),
                          capture_output=True, text=True, env=env, timeout=120,
                          encoding="utf-8", check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def value(officejs: dict, label: str) -> object:
    result = officejs["results"][label]
    assert "value" in result, result
    return result["value"]


def test_the_module_knows_it_serves_officejs(officejs: dict) -> None:
    assert officejs["officejs"] is True


def test_every_function_registers_with_help_for_each_argument(officejs: dict) -> None:
    functions = {f["name"]: f for f in officejs["meta"]["functions"]}
    assert set(functions) == {
        "KPI_ACHIEVEMENT", "KPI_BENCHMARK", "KPI_FUNNEL", "KPI_MAX_LOST", "KPI_MONTHLY",
        "KPI_OKR_SCORE", "KPI_REQUIRED_DEALS", "KPI_REQUIRED_LEADS", "KPI_REQUIRED_OPPS",
        "KPI_SMART_CHECK", "KPI_TREE_VALIDATE"}
    for name, meta in functions.items():
        assert meta["description"] and not meta["description"].startswith(" "), name
        for param in meta["parameters"]:
            assert not param["description"].startswith("Positional argument"), (name, param)
    optional = {p["name"] for p in functions["KPI_SMART_CHECK"]["parameters"]
                if p.get("optional")}
    assert optional == {"target", "deadline", "owner", "parent"}


def test_numbers_match_the_classic_path(officejs: dict) -> None:
    assert value(officejs, "opps") == [[500]]  # 145/0.29: Excel's ROUNDUP, not math.ceil
    assert value(officejs, "opps_text_rate") == [[500]]
    assert value(officejs, "leads") == [[5000]]
    assert value(officejs, "deals") == [[100]]
    assert value(officejs, "funnel_row") == [[500], [5000]]
    assert value(officejs, "monthly_default") == [[417], [417], [416]] * 4
    assert value(officejs, "monthly_weights") == [[5], [0], [5]]
    assert value(officejs, "achievement_lower_ja") == [[pytest.approx(1.25)]]
    assert value(officejs, "achievement_empty_direction") == [[pytest.approx(0.9)]]
    assert value(officejs, "okr") == [[pytest.approx(0.6)]]
    assert value(officejs, "benchmark") == [[0.2, 0.3, 0.2]]


def test_empty_cells_sent_as_zero_are_blanks_in_text_arguments(officejs: dict) -> None:
    smart = value(officejs, "smart_column")
    assert smart[0] == ["OK"] and smart[1][0].startswith("NG: SMT") and smart[2] == [""]
    assert value(officejs, "smart_empty_context") == [["OK"]]
    # Blank parents and operators (0) must not read as a parent called "0".
    assert value(officejs, "tree") == [["OK"]]


def test_one_bad_element_is_a_real_error_value_in_its_cell(officejs: dict) -> None:
    got = value(officejs, "achievement_column")
    assert got[0] == [0.5] and got[1] == [1]
    assert got[2] == [{"type": "Error", "errorType": "Value"}]


@pytest.mark.parametrize(("label", "words"), [
    ("bad_rate", ["win_rate", "at most 100%", "got 1.5"]),
    ("bad_rate_percent_points", ["win_rate", "got 20", "20% or 0.2"]),
    ("bad_direction_ja", ["「高いほど良い」か「低いほど良い」", "must be \"higher\" or \"lower\""]),
    ("empty_rate", ["win_rate", "above 0%"]),
])
def test_a_refused_argument_raises_with_its_message_for_excel(officejs: dict, label: str,
                                                              words: list[str]) -> None:
    # xlwings Server answers the call with an error status and Office.js shows #VALUE! with this
    # message in the cell's error flag (CustomFunctions.Error(invalidValue, message)).
    result = officejs["results"][label]
    assert result.get("error") == "KpiArgumentError", result
    for word in words:
        assert word in result["message"]
    assert "Traceback" not in result["message"]
