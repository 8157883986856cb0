"""Redraw docs/report.png, the README's picture of the HTML report.

Builds the tests' two-quarter scenario (the sample plan, actuals typed into Q1 and two months of
Q2), writes the Japanese report as read on 2026-08-20, and screenshots its top in headless
Chromium (CJK fonts needed: apt-get install fonts-noto-cjk). Run from the repository root:

    python -m tools.report_picture
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from kpi_xl.app.report import build_report
    from kpi_xl.app.report_html import render_html
    from tests.app.report_scenario import Q2, build

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        print("chromium is not installed", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        plan, out, _ = build(root)
        report = build_report(plan, Q2, out, "ja", now=dt.datetime(2026, 8, 20, 9, 0))
        page = root / "report.html"
        page.write_text(render_html(report), encoding="utf-8")
        shot = root / "shot.png"
        subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu",
                        f"--user-data-dir={root / 'profile'}", "--hide-scrollbars",
                        f"--screenshot={shot}", "--window-size=900,1000", page.as_uri()],
                       check=True, capture_output=True, timeout=120)
        shutil.copyfile(shot, ROOT / "docs" / "report.png")
    print(ROOT / "docs" / "report.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
