"""Dependencies that earn their place: pandas is an extra, and no command imports what it does not use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import sys
from kpi_xl.app.cli import main
code = main(sys.argv[1:])
heavy = sorted(m for m in ("pandas", "numpy", "xlwings", "tqdm", "rich") if m in sys.modules)
print("IMPORTED", ",".join(heavy), file=sys.stderr)
"""


def test_pandas_is_an_optional_extra_not_a_requirement() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    required = [d.split(">")[0].split("=")[0].strip().lower() for d in project["dependencies"]]
    assert "pandas" not in required and "numpy" not in required
    assert "tqdm" in required  # the progress bar of kpi-xl generate with several plans
    assert any(d.startswith("pandas") for d in project["optional-dependencies"]["pandas"])


@pytest.mark.parametrize("argv", [["--help"], ["check"], ["check", "--json"],
                                  ["generate", "--out", "{tmp}"], ["template", "-o", "{tmp}/t.xlsx"],
                                  ["addin", "lite", "-o", "{tmp}/lite"]])
def test_no_command_imports_pandas(argv: list[str], tmp_path: Path) -> None:
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True,
                          encoding="utf-8", env=env, timeout=120, check=False)
    line = next(x for x in done.stderr.splitlines() if x.startswith("IMPORTED"))
    imported = set(line.split()[1].split(",")) if len(line.split()) > 1 else set()
    # numpy may appear: openpyxl imports it whenever it is installed (here, with the test extra).
    assert not imported & {"pandas", "rich"}, line
    assert "xlwings" not in imported, "only the UDF module and the VBA child import xlwings"
    assert "tqdm" not in imported, "the progress bar is imported only on a terminal"
