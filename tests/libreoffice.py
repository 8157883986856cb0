"""Recalculating workbooks in headless LibreOffice, the reference engine of the test suite.

LibreOffice does not recalculate on load by default; a fresh profile with OOXMLRecalcMode=0
makes it recalculate every formula, and converting to .xlsx writes the recalculated values, which
openpyxl then reads with ``data_only=True``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

INSTALL_HINT = ("LibreOffice is not installed: apt-get update && apt-get install -y "
                "--no-install-recommends libreoffice-calc-nogui")

_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str | None:
    """The soffice executable, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def recalculate(paths: Iterable[Path], out_dir: Path, timeout: float = 600) -> dict[Path, Path]:
    """Recalculate every workbook in one LibreOffice run; map each input to its recalculated copy.

    Inputs must have distinct file names. Raises RuntimeError if any output is missing (soffice
    exits 0 even when it cannot load a file).
    """
    exe = soffice()
    if exe is None:
        raise RuntimeError(INSTALL_HINT)
    paths = [Path(p).resolve() for p in paths]
    names = [p.name for p in paths]
    if len(set(names)) != len(names):
        raise ValueError("workbooks to recalculate must have distinct file names")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kpi-xl-lo-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_PROFILE, encoding="utf-8")
        env = {**os.environ, "HOME": profile}
        result = subprocess.run(
            [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
             "--nolockcheck", "--convert-to", "xlsx:Calc MS Excel 2007 XML",
             "--outdir", str(out_dir), *map(str, paths)],
            capture_output=True, text=True, timeout=timeout, env=env, check=False)
    mapping = {p: out_dir / p.name for p in paths}
    missing = [str(p) for p, out in mapping.items() if not out.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice did not convert {missing}: {result.stdout}\n{result.stderr}")
    return mapping
