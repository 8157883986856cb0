"""xlwings Lite proven in real WebAssembly: the generated main.py in Pyodide, called as Lite calls it.

A pinned ``pyodide`` from npm (``tests/addin/pyodide``; ``.ci/run`` runs ``npm ci`` there) runs
under node, offline. The xlwings package the suite uses is unpacked into Pyodide's site-packages
as its pure-Python wheel would be (compiled extensions left out), the generated ``main.py`` is
executed as module ``main`` with ``XLWINGS_ON_SERVER=true``, and every call goes through
``xlwings.server.custom_functions_call(body, module=main)`` with the bodies Excel sends: 2-D
ranges, blank cells as 0, null and "", Japanese text, date serial numbers. The same main.py and
the same bodies then run in CPython; every answer must be the same.

Skips without node or the npm package, unless ``KPI_XL_REQUIRE_PYODIDE=1`` (set by ``.ci/run``).
All calls share one node run (Pyodide starts in a few seconds).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kpi_xl.addin import setup as addin

HERE = Path(__file__).parent / "pyodide"
INSTALL_HINT = "Pyodide for the Lite test: install node, then (cd tests/addin/pyodide && npm ci)"

JA_STATEMENT = "2026年3月末までに月間リード獲得数300件を達成する"
CALLS: dict[str, tuple[str, list]] = {
    "opps": ("KPI_REQUIRED_OPPS", [[[145]], [[0.29]]]),
    "opps_fullwidth_rate": ("KPI_REQUIRED_OPPS", [[[100]], [["２０％"]]]),
    "leads": ("KPI_REQUIRED_LEADS", [[[100]], [[0.2]], [[0.1]]]),
    "deals": ("KPI_REQUIRED_DEALS", [[[200000000]], [[2000000]]]),
    "deals_blank_target": ("KPI_REQUIRED_DEALS", [[[0]], [[2000000]]]),
    "funnel_row": ("KPI_FUNNEL", [[[145]], [[0.29, 0.07]]]),
    "funnel_blank_as_0": ("KPI_FUNNEL", [[[100]], [[0.2], [0], [0.1]]]),
    "funnel_blank_as_null": ("KPI_FUNNEL", [[[100]], [[0.2], [None], [0.1]]]),
    "funnel_blank_as_text": ("KPI_FUNNEL", [[[100]], [[0.2], [""], [0.1]]]),
    "monthly_default": ("KPI_MONTHLY", [[[5000]], None]),
    "monthly_weights_blanks": ("KPI_MONTHLY", [[[1200]], [[1], [0], [None], [""], [2]]]),
    "max_lost": ("KPI_MAX_LOST", [[[487]], [[0.043]]]),
    "achievement_column": ("KPI_ACHIEVEMENT", [
        [[0.04], [0], [None], [""], [450], ["x"]],
        [[0.05], [0.05], [500], [500], [500], [500]],
        [["低いほど良い"], ["lower"], [0], [None], [""], ["higher"]]]),
    "achievement_bad_direction_ja": ("KPI_ACHIEVEMENT", [[[1]], [[2]], [["横ばい"]]]),
    "okr_column": ("KPI_OKR_SCORE", [[[130], [0], [None], [""]], [[100]], [[150]]]),
    "smart_ja_column": ("KPI_SMART_CHECK", [
        [[JA_STATEMENT], ["リードを増やす"], [0], [None], [""]],
        [[300], [0], [None], [""], [0]],
        [[46112], [46112], [0], [None], [""]],  # 2026-03-31 as Excel's date serial
        [["営業部長"], [0], [None], [""], [0]],
        [["リード獲得"], [0], [None], [""], [0]]]),
    "smart_en": ("KPI_SMART_CHECK", [[["Achieve 300 leads a month by the end of March 2026"],
                                      ["increase leads"]], None, None, None, None]),
    "tree_ja": ("KPI_TREE_VALIDATE", [[
        ["ID", "親", "名前", "種別", "部門", "演算子", "目標", "単位"],
        ["REV", 0, "売上", "KGI", "sales", "×", 200000000, "円"],
        ["LEADS", "REV", "リード数", "KPI", "sales", None, 5000, "件"],
        ["L2O", "REV", "商談化率", "KPI", "sales", "", 0.1, "%"],
        ["WIN", "REV", "受注率", "KPI", "sales", 0, 0.2, "%"],
        ["SIZE", "REV", "平均受注単価", "KPI", "sales", 0, 2000000, "円"],
        [0, None, "", 0, 0, 0, 0, 0]], None]),
    "tree_findings_en": ("KPI_TREE_VALIDATE", [[
        ["ID", "Parent", "Name", "Kind", "Department", "Operator", "Target", "Unit"],
        ["REV", "", "Revenue", "KGI", "sales", "×", 100, "円"],
        ["A", "REV", "Leads", "KPI", "sales", 0, 3, "件"],
        ["A", "NOPE", "Again", "KPI", "sales", 0, 4, "件"]], [["en"]]]),
    "benchmark_row": ("KPI_BENCHMARK", [[["win_rate"]], None, None]),
    "benchmark_label_ja_field": ("KPI_BENCHMARK", [[["win_rate"]], [["名称"]], None]),
    "benchmark_label_lang": ("KPI_BENCHMARK", [[["churn_rate"]], [["label"]], [["ja"]]]),
    "benchmark_label_blank_lang": ("KPI_BENCHMARK", [[["nps"]], [["label"]], [[0]]]),
    "benchmark_unknown": ("KPI_BENCHMARK", [[["nonsense"]], None, None]),
    "bad_rate": ("KPI_REQUIRED_OPPS", [[[100]], [[1.5]]]),
    "rate_as_percent_points": ("KPI_REQUIRED_OPPS", [[[100]], [[20]]]),
    "blank_rate_0": ("KPI_REQUIRED_OPPS", [[[100]], [[0]]]),
    "blank_rate_null": ("KPI_REQUIRED_OPPS", [[[100]], [[None]]]),
    "blank_rate_text": ("KPI_REQUIRED_OPPS", [[[100]], [[""]]]),
}

CPYTHON_CHILD = r"""
import asyncio, importlib.util, json, platform, sys
request = json.load(open(sys.argv[1], encoding="utf-8"))
spec = importlib.util.spec_from_file_location("main", request["main_py"])
main = importlib.util.module_from_spec(spec)
sys.modules["main"] = main
spec.loader.exec_module(main)
import xlwings as xw, xlwings.server as server

async def run():
    result = {"platform": sys.platform, "python": platform.python_version(),
              "xlwings": xw.__version__,
              "registered": sorted(f["name"] for f in server.custom_functions_meta(main)["functions"]),
              "results": {}}
    for label, (name, args) in request["calls"].items():
        body = {"func_name": name, "args": args, "runtime": "1.4", "version": xw.__version__,
                "client": "Office.js", "caller_address": "[Book1]Sheet1!B2",
                "content_language": "ja-JP", "culture_info_name": "ja-JP",
                "date_format": "yyyy/MM/dd"}
        try:
            result["results"][label] = {"value": await server.custom_functions_call(body, module=main)}
        except Exception as err:
            result["results"][label] = {"error": type(err).__name__, "message": str(err)}
    return result

print(json.dumps(asyncio.run(run()), ensure_ascii=False))
"""


def differences(expected: object, got: object, where: str = "") -> list[str]:
    """Where two answers differ (numbers to 1e-12 relative: WebAssembly's libm may differ by an ulp)."""
    if isinstance(expected, bool) or isinstance(got, bool):
        return [] if expected is got else [f"{where}: {expected!r} != {got!r}"]
    if isinstance(expected, (int, float)) and isinstance(got, (int, float)):
        same = math.isclose(expected, got, rel_tol=1e-12, abs_tol=0) and \
            type(expected) is type(got)
        return [] if same else [f"{where}: {expected!r} != {got!r}"]
    if isinstance(expected, list) and isinstance(got, list):
        if len(expected) != len(got):
            return [f"{where}: {len(expected)} items != {len(got)}"]
        return [d for i, (e, g) in enumerate(zip(expected, got, strict=True))
                for d in differences(e, g, f"{where}[{i}]")]
    if isinstance(expected, dict) and isinstance(got, dict):
        if set(expected) != set(got):
            return [f"{where}: keys {sorted(expected)} != {sorted(got)}"]
        return [d for k in expected for d in differences(expected[k], got[k], f"{where}.{k}")]
    return [] if expected == got else [f"{where}: {expected!r} != {got!r}"]


def _node() -> str | None:
    node = shutil.which("node")
    if node is None or not (HERE / "node_modules" / "pyodide" / "pyodide.mjs").exists():
        if os.environ.get("KPI_XL_REQUIRE_PYODIDE") == "1":
            pytest.fail(f"KPI_XL_REQUIRE_PYODIDE=1 but Pyodide is missing. {INSTALL_HINT}")
        pytest.skip(INSTALL_HINT)
    return node


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    node = _node()
    import xlwings

    folder = tmp_path_factory.mktemp("lite-wasm")
    main_py = addin.write_lite(folder / "lite")[0]
    request = folder / "request.json"
    request.write_text(json.dumps({"xlwings_dir": str(Path(xlwings.__file__).parent),
                                   "main_py": str(main_py.resolve()), "calls": CALLS},
                                  ensure_ascii=False), encoding="utf-8")
    wasm = subprocess.run([node, str(HERE / "run_lite.mjs"), str(request)], cwd=HERE,
                          capture_output=True, text=True, encoding="utf-8", timeout=300,
                          check=False)
    assert wasm.returncode == 0, wasm.stderr[-4000:]
    env = {**os.environ, "XLWINGS_ON_SERVER": "true", "XLWINGS_LICENSE_KEY": "noncommercial",
           "PYTHONIOENCODING": "utf-8"}
    env.pop("PYTHONPATH", None)
    cpython = subprocess.run([sys.executable, "-I", "-c", CPYTHON_CHILD, str(request)],
                             capture_output=True, text=True, encoding="utf-8", env=env,
                             timeout=300, check=False, cwd=folder)
    assert cpython.returncode == 0, cpython.stderr[-4000:]
    return {"pyodide": json.loads(wasm.stdout), "cpython": json.loads(cpython.stdout)}


def test_it_really_ran_in_webassembly(answers: dict[str, dict]) -> None:
    assert answers["pyodide"]["platform"] == "emscripten"
    assert answers["cpython"]["platform"] != "emscripten"
    assert answers["pyodide"]["xlwings"] == answers["cpython"]["xlwings"]


def test_every_function_registers_in_lite(answers: dict[str, dict]) -> None:
    assert answers["pyodide"]["registered"] == sorted(addin.udf_names())
    called = {name for name, _ in CALLS.values()}
    assert called == set(addin.udf_names()), "every UDF must be called in WebAssembly"


@pytest.mark.parametrize("label", list(CALLS))
def test_lite_answers_what_cpython_answers(answers: dict[str, dict], label: str) -> None:
    expected = answers["cpython"]["results"][label]
    got = answers["pyodide"]["results"][label]
    assert differences(expected, got) == [], (CALLS[label], expected, got)


def test_the_answers_are_the_right_ones(answers: dict[str, dict]) -> None:
    got = {k: v.get("value", v) for k, v in answers["pyodide"]["results"].items()}
    assert got["opps"] == [[500]]  # Excel's 15-digit ROUNDUP, also in WebAssembly
    assert got["funnel_blank_as_0"] == got["funnel_blank_as_null"] == \
        got["funnel_blank_as_text"] == [[500], [5000]]
    assert got["monthly_weights_blanks"] == [[400], [0], [0], [0], [800]]
    assert got["smart_ja_column"][0] == ["OK"] and got["smart_ja_column"][2:] == [[""]] * 3
    assert got["tree_ja"] == [["OK"]]
    assert got["benchmark_label_lang"][0][0] == "解約率" or "率" in got["benchmark_label_lang"][0][0]
    for label in ("blank_rate_0", "blank_rate_null", "blank_rate_text", "bad_rate",
                  "benchmark_unknown"):
        assert got[label]["error"] == "KpiArgumentError", label


def test_a_traceback_in_lite_shows_the_vendored_source(answers: dict[str, dict]) -> None:
    trace = answers["pyodide"]["traceback"]
    marker = 'File "kpi_xl/core/funnel.py (main.py)", line '
    assert marker in trace, trace
    shown = trace.split(marker)[-1].splitlines()[1].strip()
    assert shown and shown in addin.lite_sources()["kpi_xl.core.funnel"], trace


def test_a_difference_is_reported() -> None:
    # The comparison the parity test relies on catches what it must.
    assert differences([[500]], [[501]]) == ["[0][0]: 500 != 501"]
    assert differences([[500]], [[500.0]]) != []  # int vs float is a different cell value
    assert differences({"value": [["OK"]]}, {"error": "X", "message": "m"}) != []
    assert differences([[0.1 + 0.2]], [[0.3]]) == []
