"""Every kind of workbook kpi_xl writes is valid Office Open XML for Microsoft 365.

LibreOffice opens XML that Excel would "repair" or refuse, so the schema is checked directly with
openxml-audit (pure Python, in a virtualenv of its own: see HINT): templates, department workbooks with and
without roll-forward and UDF cells, and the company dashboard, all with no finding. Files re-saved
by openpyxl or LibreOffice are not ours and are not checked.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from kpi_xl.app.generate import generate
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.core.plan import resolve_linked_targets
from kpi_xl.io.plan_reader import read_plan
from kpi_xl.io.resources import sample_plan_path
from kpi_xl.writer.dashboard import write_dashboard
from tests.conftest import ACTUALS_SALES, type_actuals

# openxml-audit needs lxml, and openpyxl parses with lxml (bypassing defusedxml) whenever lxml
# is importable: so it lives in a virtualenv of its own, never in the one kpi_xl's tests run in.
HINT = ("openxml-audit is not installed: python3 -m venv .audit-venv && "
        ".audit-venv/bin/pip install openxml-audit (a separate virtualenv: it brings lxml)")
ROOT = Path(__file__).resolve().parents[2]


def audit_exe() -> str | None:
    """KPI_XL_OPENXML_AUDIT, else .audit-venv/ in the repository, else openxml-audit on PATH."""
    for candidate in (os.environ.get("KPI_XL_OPENXML_AUDIT"),
                      ROOT / ".audit-venv" / "bin" / "openxml-audit"):
        if candidate and Path(candidate).exists():
            return str(candidate)
    return shutil.which("openxml-audit")


@pytest.fixture(scope="module")
def written(generated: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
            ) -> dict[str, Path]:
    """One folder holding every kind of workbook kpi_xl writes, by label."""
    from tests.writer.test_dashboard import sample

    root = tmp_path_factory.mktemp("audit")
    books = {label: path for label, path in generated.items()
             if label.startswith(("sample-", "held-out-", "template-"))}
    plan = resolve_linked_targets(read_plan(sample_plan_path("ja")))
    out = root / "out"
    q1 = generate(plan, FiscalQuarter(2026, 1), out, "ja", departments=["sales"])
    type_actuals(q1[0], "Sales_Actuals", ACTUALS_SALES, q1[0])  # typed, then rolled forward
    (rolled,) = generate(plan, FiscalQuarter(2026, 2), out, "ja", departments=["sales"])
    books["roll-forward-sales"] = rolled
    from kpi_xl.writer.previous_sheet import sheet_name

    assert sheet_name("ja") in openpyxl.load_workbook(rolled, read_only=True).sheetnames
    for path in generate(plan, FiscalQuarter(2026, 3), root / "udf", "ja", with_udfs=True):
        books[f"udf-{path.stem}"] = path
    from tests.custom_plan import custom_plan

    custom = read_plan(custom_plan(root / "custom_plan.xlsx", "ja"))
    (recruiting,) = generate(custom, FiscalQuarter(2026, 1), root / "custom", "ja",
                             departments=["recruiting"])
    books["custom-recruiting"] = recruiting
    books["dashboard-ja"] = write_dashboard(sample("ja"), root / "dashboard-ja.xlsx")
    books["dashboard-en"] = write_dashboard(sample("en"), root / "dashboard-en.xlsx")
    from tests.writer.test_dashboard import group_sample

    books["dashboard-group"] = write_dashboard(group_sample("en"), root / "dashboard-group.xlsx")
    folder = root / "checked"
    folder.mkdir()
    return {label: Path(shutil.copyfile(path, folder / f"{label}.xlsx"))
            for label, path in books.items()}


def test_every_workbook_kind_passes_openxml_audit_for_microsoft_365(written) -> None:
    exe = audit_exe()
    if exe is None:
        if os.environ.get("KPI_XL_REQUIRE_OPENXML_AUDIT") == "1":
            pytest.fail(f"KPI_XL_REQUIRE_OPENXML_AUDIT=1 but {HINT}")
        pytest.skip(HINT)
    folder = next(iter(written.values())).parent
    result = subprocess.run([exe, "-f", "microsoft365", "-r", "-o", "json", "-m", "0",
                             str(folder)], capture_output=True, text=True, timeout=600,
                            check=False)
    reports = json.loads(result.stdout)
    assert {Path(r["file"]).name for r in reports} == {p.name for p in written.values()}
    findings = {Path(r["file"]).stem: [e["description"][:200] for e in r.get("errors", [])]
                for r in reports if r.get("error_count") or not r.get("valid")}
    assert findings == {}
    kinds = {label.split("-")[0] for label in written}
    assert kinds >= {"sample", "held", "template", "roll", "udf", "dashboard", "custom"}
