"""``kpi-xl addin``: the classic VBA module, the xlwings Lite main.py, and the command itself."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kpi_xl.addin import setup as addin
from kpi_xl.app.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_VBA = Path(__file__).parent / "expected" / "udfs_vba.bas"


# Classic Windows Excel ---------------------------------------------------------------------------

def test_the_vba_import_functions_would_write_is_the_checked_expectation() -> None:
    vba = addin.classic_vba()
    if os.environ.get("KPI_XL_UPDATE_EXPECTED") == "1":
        EXPECTED_VBA.write_text(vba, encoding="utf-8", newline="\n")
    assert vba == EXPECTED_VBA.read_text(encoding="utf-8"), (
        "the UDFs' VBA changed; if intended, rerun with KPI_XL_UPDATE_EXPECTED=1")


def test_every_udf_has_a_vba_wrapper_with_its_optional_arguments() -> None:
    vba = EXPECTED_VBA.read_text(encoding="utf-8")
    for name in addin.udf_names():
        assert f'XLPy.CallUDF("kpi_xl.addin.udfs", "{name}"' in vba, name
    assert "Function KPI_SMART_CHECK(statement, Optional target, Optional deadline, " \
           "Optional owner, Optional parent)" in vba
    assert "Function KPI_REQUIRED_LEADS(target_deals, win_rate, lead_to_opp_rate)" in vba


def test_udf_names_are_excel_safe() -> None:
    import re

    for name in addin.udf_names():
        assert name.startswith("KPI_") and name.isupper() and len(name) <= 255
        assert not re.fullmatch(r"[A-Z]{1,3}\d+", name)  # never shaped like a cell


def test_addin_classic_writes_the_config_and_the_vba(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture) -> None:
    assert main(["addin", "-o", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    conf = (tmp_path / "out" / "xlwings.conf").read_text(encoding="utf-8")
    assert conf == (f'"INTERPRETER_WIN","{addin.windows_interpreter()}"\n'
                    '"UDF MODULES","kpi_xl.addin.udfs"\n')
    bas = (tmp_path / "out" / "kpi_xl_udfs.bas").read_bytes()
    assert b"\r\n" in bas and bas.decode("utf-8").replace("\r\n", "\n") == \
        EXPECTED_VBA.read_text(encoding="utf-8")
    assert "xlwings addin install" in printed and "Import Functions" in printed
    assert "=KPI_REQUIRED_LEADS(100, 20%, 10%)" in printed


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_classic_steps_are_complete_and_in_order(lang: str) -> None:
    interpreter = r"C:\Users\hanako\kpi\.venv\Scripts\pythonw.exe"
    text = addin.steps("classic", lang, [Path("kpi_xl_addin/xlwings.conf"),
                                          Path("kpi_xl_addin/kpi_xl_udfs.bas")], interpreter)
    trust = ("Trust access to the VBA project object model" if lang == "en" else
             "VBA プロジェクト オブジェクト モデルへのアクセスを信頼する")
    order = [trust, "xlwings addin install", "xlwings.conf", "Import Functions",
             "=KPI_REQUIRED_LEADS", "xlwings addin update", "#KPI!", "IFERROR",
             "xlwings quickstart kpiaddin --addin", "IsAddin", "myaddin.conf",
             "ImportPythonUDFsToAddin", "xlwings addin install --file"]
    at = 0
    for word in order:  # each step after the one before it
        found = text.find(word, at)
        assert found >= 0, f"{word!r} missing after position {at}"
        at = found + len(word)
    assert text.count(interpreter) == 3  # the header, step 3 and the add-in's conf sheet
    assert "Note: this is not Windows" not in text and "注意" not in text


def test_the_interpreter_is_the_venvs_windowless_python(tmp_path: Path) -> None:
    scripts = tmp_path / "Scripts"
    scripts.mkdir()
    (scripts / "python.exe").write_bytes(b"")
    assert addin.windows_interpreter(str(scripts / "python.exe")) == str(scripts / "python.exe")
    (scripts / "pythonw.exe").write_bytes(b"")
    assert addin.windows_interpreter(str(scripts / "python.exe")) == str(scripts / "pythonw.exe")
    conf = addin.xlwings_conf(str(scripts / "pythonw.exe"))
    assert conf.splitlines() == [f'"INTERPRETER_WIN","{scripts / "pythonw.exe"}"',
                                 '"UDF MODULES","kpi_xl.addin.udfs"']


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_lite_steps_say_trust_and_autostart(lang: str) -> None:
    text = addin.steps("lite", lang, [Path("kpi_xl_lite/main.py")])
    assert "kpi_xl_lite/main.py" in text and "requirements.txt" in text
    assert "Startup Behavior" in text and "#VALUE!" in text and "IFERROR" in text
    assert ("trust" in text) if lang == "en" else ("信頼" in text)


def test_addin_steps_in_japanese(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["addin", "lite", "-o", str(tmp_path), "--lang", "ja"]) == 0
    assert "main.py タブ" in capsys.readouterr().out


def test_addin_refuses_a_file_as_its_folder(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x")
    assert main(["addin", "lite", "-o", str(target)]) == 2
    assert "is a file" in capsys.readouterr().err


# xlwings Lite -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def lite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lite")
    addin.write_lite(folder)
    return folder


def _vendored(main_py: Path) -> dict[str, str]:
    """The modules main.py carries: every ``_module(name, is_package, source)`` call."""
    tree = ast.parse(main_py.read_text(encoding="utf-8"))
    calls = [node.value for node in tree.body if isinstance(node, ast.Expr)
             and isinstance(node.value, ast.Call) and getattr(node.value.func, "id", "") == "_module"]
    return {call.args[0].value: call.args[2].value[1:] for call in calls}


def test_the_vendored_core_is_standard_library_only(lite: Path) -> None:
    modules = _vendored(lite / "main.py")
    assert {"kpi_xl", "kpi_xl.addin.udfs", "kpi_xl.core.funnel", "kpi_xl.core.smart", "kpi_xl.core.tree"} <= set(modules)
    allowed = set(sys.stdlib_module_names) | {"kpi_xl", "xlwings"}
    for name, text in modules.items():
        for node in ast.walk(ast.parse(text)):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module] if isinstance(node, ast.ImportFrom) and node.module
                     and not node.level else [])
            for imported in names:
                assert imported.split(".")[0] in allowed, (name, imported)


LITE_CHILD = r"""
import asyncio, importlib.util, json, sys
spec = importlib.util.spec_from_file_location("main", "main.py")
main = importlib.util.module_from_spec(spec)
spec.loader.exec_module(main)
import kpi_xl, xlwings as xw, xlwings.server as server
out = {"kpi_xl_file": kpi_xl.__file__,
       "funcs": sorted(f["name"] for f in server.custom_functions_meta(main)["functions"]),
       "direct": [main.KPI_REQUIRED_LEADS(100, 0.2, 0.1), main.KPI_REQUIRED_OPPS(145, 0.29),
                  main.KPI_MONTHLY(5000, None), main.KPI_SMART_CHECK("increase leads")]}
body = {"func_name": "KPI_FUNNEL", "args": [[[145]], [[0.29], [0.07]]], "runtime": "1.4",
        "version": xw.__version__, "client": "Office.js"}
out["call"] = asyncio.run(server.custom_functions_call(body, main))
exec(open("main.py", encoding="utf-8").read(), {"__name__": "main_again"})  # Lite reruns main.py
print(json.dumps(out, ensure_ascii=False))
"""


def test_lite_main_py_answers_without_the_package_installed(lite: Path) -> None:
    # -I: no PYTHONPATH, no user site, no current folder on sys.path. Whether or not kpi_xl is
    # installed in site-packages, the child must find every kpi_xl module vendored in main.py
    # (it asserts kpi_xl.__file__ names main.py's copy).
    env = {**os.environ, "XLWINGS_ON_SERVER": "true", "XLWINGS_LICENSE_KEY": "noncommercial",
           "PYTHONIOENCODING": "utf-8"}
    env.pop("PYTHONPATH", None)
    done = subprocess.run([sys.executable, "-I", "-c", LITE_CHILD], cwd=lite, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout)
    assert out["kpi_xl_file"] == "kpi_xl/__init__.py (main.py)"  # main.py's copy, not a package
    assert out["funcs"] == sorted(addin.udf_names())
    from kpi_xl.addin import udfs

    assert out["direct"] == [udfs.KPI_REQUIRED_LEADS(100, 0.2, 0.1),
                             udfs.KPI_REQUIRED_OPPS(145, 0.29), udfs.KPI_MONTHLY(5000, None),
                             udfs.KPI_SMART_CHECK("increase leads")]
    assert out["call"] == udfs.KPI_FUNNEL(145, [[0.29], [0.07]]) == [[500], [7143]]


def test_no_requirements_txt_that_could_replace_lites_own(lite: Path) -> None:
    assert not (lite / "requirements.txt").exists()
    assert [p.name for p in addin.write_lite(lite)] == ["main.py"]


def test_lite_main_py_is_plain_readable_source(lite: Path) -> None:
    text = (lite / "main.py").read_text(encoding="utf-8")
    modules = _vendored(lite / "main.py")
    assert modules == addin.lite_sources()  # every module verbatim, byte for byte
    for name, source in modules.items():
        path = name.replace(".", "/")
        assert f"# {path}" in text, name
        first = next(line for line in source.splitlines() if line.strip())
        assert f"\n{first}\n" in text, (name, first)  # a line of the module is a line of main.py
    lines = text.splitlines()
    assert len(lines) > 2000 and max(map(len, lines)) <= 240
    assert "\\n" not in "".join(line for line in lines if line.startswith("_module("))


LITE_TRACEBACK = r"""
import importlib.util, traceback
spec = importlib.util.spec_from_file_location("main", "main.py")
main = importlib.util.module_from_spec(spec)
spec.loader.exec_module(main)
from kpi_xl.core import funnel
try:
    funnel.reverse_funnel(100, [0.0])
except Exception:
    print(traceback.format_exc())
"""


def test_a_traceback_from_the_vendored_core_shows_its_source_lines(lite: Path) -> None:
    env = {**os.environ, "XLWINGS_ON_SERVER": "true", "XLWINGS_LICENSE_KEY": "noncommercial",
           "PYTHONIOENCODING": "utf-8"}
    env.pop("PYTHONPATH", None)
    done = subprocess.run([sys.executable, "-I", "-c", LITE_TRACEBACK], cwd=lite, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    trace = done.stdout
    assert 'File "kpi_xl/core/funnel.py (main.py)", line' in trace, trace
    frame = trace.split('File "kpi_xl/core/funnel.py (main.py)"')[-1].splitlines()
    assert len(frame) > 1 and frame[1].strip(), trace  # the source line itself is shown


def test_a_non_ascii_venv_path_is_warned_about() -> None:
    text = addin.steps("classic", "ja", [], r"C:\Users\山田\kpi\.venv\Scripts\pythonw.exe")
    assert "ASCII" in text and "C:\\kpi\\.venv" in text
