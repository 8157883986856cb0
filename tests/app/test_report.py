"""`kpi-xl report` from two quarters of the sample plan with actuals typed (Q1 saved by
LibreOffice, Q2 by openpyxl): the HTML in a real browser, the CSV, the dashboard, the CLI."""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from kpi_xl.app.cli import main
from kpi_xl.app.history import load_history
from kpi_xl.app.report_html import fmt
from kpi_xl.core.departments import DEPARTMENTS
from kpi_xl.core.i18n import t
from tests.app.report_scenario import Q1, Q2, build
from tests.libreoffice import recalculate, soffice

CHROMIUM_HINT = "chromium is not installed: apt-get install -y --no-install-recommends chromium"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("report")
    resave = (lambda paths, out: recalculate(paths, out)) if soffice() else None
    if resave is None and os.environ.get("KPI_XL_REQUIRE_LIBREOFFICE") == "1":
        pytest.fail("KPI_XL_REQUIRE_LIBREOFFICE=1 but LibreOffice is missing")
    plan, out, typed = build(root, resave)
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.rglob("*.xlsx")}
    written = {}
    for lang in ("ja", "en"):
        code, stdout, stderr = run("report", "--quarter", "2026Q2", "--out", str(out),
                                   "--lang", lang)
        assert code == 0, stderr
        written[lang] = [Path(line) for line in stdout.splitlines()]
    return {"plan": plan, "out": out, "typed": typed, "written": written, "before": before,
            "root": root}


def test_report_writes_html_csv_and_dashboard_and_changes_no_workbook(scenario) -> None:
    folder = scenario["out"] / "FY2026Q2" / "report"
    assert scenario["written"]["ja"] == [folder / "report_ja.html", folder / "history.csv",
                                         folder / "dashboard_ja.xlsx"]
    assert all(p.is_file() and p.stat().st_size > 1000 for p in scenario["written"]["en"])
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest()
             for p in scenario["out"].rglob("*.xlsx") if "report" not in p.parts}
    assert after == scenario["before"]
    assert not list(folder.glob(".*")), "no staging file is left behind"


def test_html_loads_nothing_from_outside(scenario) -> None:
    html = (scenario["out"] / "FY2026Q2" / "report" / "report_ja.html").read_text("utf-8")
    assert "<script" not in html.lower()
    assert not re.search(r"\b(?:src|href|srcset|action|poster)\s*=", html, re.I)
    assert "url(" not in html and "@import" not in html
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg\")", html)


# The browser ----------------------------------------------------------------------------------

def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def require_chromium() -> str:
    exe = chromium()
    if exe is None:
        if os.environ.get("KPI_XL_REQUIRE_CHROMIUM") == "1":
            pytest.fail(f"KPI_XL_REQUIRE_CHROMIUM=1 but {CHROMIUM_HINT}")
        pytest.skip(CHROMIUM_HINT)
    return exe


def headless(exe: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}",
         "--hide-scrollbars", *args], capture_output=True, text=True, timeout=180, check=False)


class _Sections(HTMLParser):
    """The visible text of each element that has an id (nested ids included in the outer)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str | None] = []
        self.text: dict[str, list[str]] = {}
        self.kgi_targets: list[str] = []
        self._in_target = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.stack.append(found.get("id"))
        self._in_target = "kgi-target" in (found.get("class") or "")

    def handle_endtag(self, tag: str) -> None:
        if self.stack:
            self.stack.pop()
        self._in_target = False

    def handle_data(self, data: str) -> None:
        for ident in filter(None, self.stack):
            self.text.setdefault(ident, []).append(data)
        if self._in_target:
            self.kgi_targets.append(data.strip())


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_report_renders_in_chromium_with_typed_actuals_and_kgi_targets(scenario, lang,
                                                                        tmp_path) -> None:
    exe = require_chromium()
    page = scenario["out"] / "FY2026Q2" / "report" / f"report_{lang}.html"
    result = headless(exe, tmp_path / "profile", "--dump-dom", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    dom = _Sections()
    dom.feed(result.stdout)
    assert t(lang, "report.title", quarter="FY2026Q2") in result.stdout
    plan = scenario["plan"]
    # Every KGI's quarter target is shown on its card.
    from kpi_xl.app.report import build_report

    report = build_report(plan, Q2, scenario["out"], lang)
    for key, dq in report.departments.items():
        kgi = dq.kpi(dq.kgi_kpi)
        assert kgi is not None, key
        assert fmt(kgi.rolled.target, kgi.unit, lang) in dom.kgi_targets
    # Every actual typed into Q2 shows in its department's section, formatted by its unit.
    names = {key: {k.name: k for k in plan.kpis[key]} for key in DEPARTMENTS}
    if lang == "ja":  # the workbooks are Japanese; the English page shows the same figures
        for (key, name, _month), value in scenario["typed"][Q2].items():
            section = "".join(dom.text[f"dept-{key}"])
            assert fmt(value, names[key][name].unit, lang) in section, (key, name, value)
    shot = tmp_path / f"report_{lang}.png"
    result = headless(exe, tmp_path / "profile2", f"--screenshot={shot}",
                      "--window-size=1280,1800", page.as_uri())
    assert shot.is_file() and shot.stat().st_size > 20_000, result.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# The history ----------------------------------------------------------------------------------

def test_history_csv_carries_every_typed_actual_with_its_kind(scenario) -> None:
    path = scenario["out"] / "FY2026Q2" / "report" / "history.csv"
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"  # Excel reads Japanese only with the BOM
    frame = pd.read_csv(path, encoding="utf-8-sig")
    months = frame[frame["period_type"] == "month"]
    for quarter in (Q1, Q2):
        for (key, name, index), value in scenario["typed"][quarter].items():
            rows = months[(months["quarter"] == quarter.folder_name)
                          & (months["department"] == key) & (months["kpi"] == name)]
            assert len(rows) >= index + 1, (quarter, key, name)
            assert rows.sort_values("period")["actual"].iloc[index] == pytest.approx(value)
    kinds = dict(zip(months["kpi"], months["kind"], strict=False))
    assert kinds["月間リード獲得数"] == "flow"
    assert kinds["提案成功率"] == "ratio"
    assert kinds["NPS"] == "average"
    assert kinds["コードレビュー完了時間"] == "average"


def test_history_rolls_quarters_up_by_kind(scenario) -> None:
    frame = load_history(scenario["plan"], scenario["out"], Q2, "ja")
    q1 = frame[(frame["quarter"] == "FY2026Q1")]
    months = q1[q1["period_type"] == "month"]
    quarter = q1[q1["period_type"] == "quarter"].set_index(["department", "kpi"])

    def actuals(dept: str, kpi: str) -> list[float]:
        rows = months[(months["department"] == dept) & (months["kpi"] == kpi)]
        return list(rows.sort_values("period")["actual"])

    leads = actuals("sales", "月間リード獲得数")
    assert quarter.loc[("sales", "月間リード獲得数"), "actual"] == pytest.approx(sum(leads))
    # The win rate is recomputed from deals and opportunities, not averaged.
    deals, opps = actuals("sales", "月間受注件数"), actuals("sales", "月間商談獲得数")
    assert quarter.loc[("sales", "提案成功率"), "actual"] == pytest.approx(sum(deals) / sum(opps))
    assert quarter.loc[("sales", "提案成功率"), "actual"] != pytest.approx(
        sum(actuals("sales", "提案成功率")) / 3)
    nps = actuals("customer_success", "NPS")
    assert quarter.loc[("customer_success", "NPS"), "actual"] == pytest.approx(sum(nps) / 3)
    assert quarter.loc[("sales", "月間リード獲得数"), "months_reported"] == 3


# Findings, bad input --------------------------------------------------------------------------

def test_report_shows_kpi_collapse_and_optimistic_rates(scenario) -> None:
    html = (scenario["out"] / "FY2026Q2" / "report" / "report_en.html").read_text("utf-8")
    assert "KPI倒れ" in html
    assert "optimistic" in html
    # The months of a KPI倒れ are said as planners say them: 2026-04, never 2026-04-01.
    assert re.search(r"\(20\d\d-\d\d(, 20\d\d-\d\d)*\)", html)
    assert not re.search(r"20\d\d-\d\d-01[,)]", html)
    # Read after the quarter ended: September's actuals were never typed.
    assert "Actuals overdue" in html and "Sales, Sep 2026: 月間リード獲得数" in html
    # Reviews never held: the same words as `check` and the checklist's sixth item.
    assert "reviews are still open beyond their cadence. The oldest: The weekly review of" in html


def test_the_company_funnel_is_one_chain_each_stage_once(scenario) -> None:
    """Visits → leads → MQL → SQL = opportunities → deals: leads and SQL, which marketing and
    sales share, are one row each; development's deploys are no funnel stage."""
    html = (scenario["out"] / "FY2026Q2" / "report" / "report_ja.html").read_text("utf-8")
    start = html.index("全社ファネル")
    section = html[start:html.index("</table>", start)]
    stages = ["マーケティング · 月間セッション数", "マーケティング / 営業 · 月間リード獲得数",
              "マーケティング · 月間 MQL 数", "マーケティング / 営業 · 月間 SQL 数",
              "営業 · 月間受注件数"]
    positions = [section.index(stage) for stage in stages]
    assert positions == sorted(positions)
    assert "デプロイ" not in section and "営業 · 月間リード獲得数" not in section.replace(
        "マーケティング / 営業 · 月間リード獲得数", "")


def test_a_missing_workbook_is_named_and_the_rest_reported(scenario, tmp_path) -> None:
    out = tmp_path / "out"
    shutil.copytree(scenario["out"] / "FY2026Q2", out / "FY2026Q2",
                    ignore=shutil.ignore_patterns("report"))
    (out / "FY2026Q2" / "FY2026Q2_development_ja.xlsx").unlink()
    (out / "FY2026Q2" / "FY2026Q2_marketing_ja.xlsx").write_bytes(b"not a workbook")
    code, stdout, stderr = run("report", "--quarter", "2026Q2", "--out", str(out), "--lang", "en")
    assert code == 0, stderr
    assert "Development" in stderr and "FY2026Q2_marketing_ja.xlsx" in stderr
    html = Path(stdout.splitlines()[0]).read_text("utf-8")
    assert "FY2026Q2_marketing_ja.xlsx" in html  # the reading notes say what was left out


def test_no_workbooks_is_a_clear_error(tmp_path) -> None:
    code, stdout, stderr = run("report", "--quarter", "2026Q3", "--out", str(tmp_path),
                               "--lang", "en")
    assert code == 2 and stdout == ""
    assert "kpi-xl generate --quarter 2026Q3" in stderr
    assert not list(tmp_path.iterdir())


def test_a_plan_that_does_not_match_the_workbooks_is_named(scenario, tmp_path) -> None:
    from kpi_xl.io.resources import sample_plan_path

    code, _, stderr = run("report", str(sample_plan_path("en")), "--quarter", "2026Q2", "--out",
                          str(scenario["out"]), "--lang", "en", "--to", str(tmp_path))
    assert code == 0
    assert "月間リード獲得数" in stderr and "does not define" in stderr


def test_several_plans_get_their_reports_and_a_group_roll_up(scenario, tmp_path) -> None:
    import openpyxl

    from kpi_xl.io.resources import sample_plan_path

    out = tmp_path / "out"
    plans = []
    for unit, quarters in (("tokyo", ("FY2026Q1", "FY2026Q2")), ("osaka", ("FY2026Q2",))):
        plans.append(Path(shutil.copyfile(sample_plan_path("ja"), tmp_path / f"{unit}.xlsx")))
        for q in quarters:
            shutil.copytree(scenario["out"] / q, out / unit / q,
                            ignore=shutil.ignore_patterns("report"))
    code, stdout, stderr = run("report", *map(str, plans), "--quarter", "2026Q2", "--out",
                               str(out))
    assert code == 0, stderr
    written = [Path(line) for line in stdout.splitlines()]
    group = out / "group" / "FY2026Q2"
    assert written[-2:] == [group / "history.csv", group / "dashboard_ja.xlsx"]
    assert out / "osaka" / "FY2026Q2" / "report" / "report_ja.html" in written
    frame = pd.read_csv(group / "history.csv", encoding="utf-8-sig")
    assert set(frame["unit"]) == {"tokyo", "osaka"}
    assert set(frame[frame["unit"] == "osaka"]["quarter"]) == {"FY2026Q2"}
    ws = openpyxl.load_workbook(group / "dashboard_ja.xlsx", data_only=True).worksheets[0]
    rows: dict[object, list[object]] = {}
    for r in range(1, ws.max_row + 1):  # the first row of each name: the KGI rows come first
        rows.setdefault(ws.cell(r, 1).value, [ws.cell(r, c).value for c in range(1, 13)])
    deals = rows["tokyo · 営業"][5]
    assert isinstance(deals, (int, float)) and deals > 0
    assert rows["グループ計 · 営業"][5] == 2 * deals  # deals (a flow) add up across units
    kept = rows["tokyo · カスタマーサクセス"][5]
    assert rows["グループ計 · カスタマーサクセス"][5] == pytest.approx(kept)  # the same rate in both


def _retention_typed(path: Path, value: float) -> int:
    """Type ``value`` over every retention actual typed in a customer success workbook."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    kpis = wb["KPI"]
    row = next(r for r in range(1, kpis.max_row + 1)
               if str(kpis.cell(r, 2).value).startswith("継続率"))
    changed = 0
    for ws in wb.worksheets:
        if "CS_Actuals" in ws.tables:
            for cells in list(ws[ws.tables["CS_Actuals"].ref])[1:]:
                if cells[1].value == f"='KPI'!$B${row}" and cells[5].value is not None:
                    cells[5].value = value
                    changed += 1
    wb.save(path)
    return changed


@pytest.fixture(scope="module")
def two_sizes(scenario, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """tokyo (the sample: 200 customers at the start) and osaka (800, keeping only 80%)."""
    import openpyxl

    from kpi_xl.io.resources import sample_plan_path
    from tests.conftest import set_named

    root = tmp_path_factory.mktemp("group")
    out, plans = root / "out", []
    for unit, customers in (("tokyo", None), ("osaka", 800)):
        plan = Path(shutil.copyfile(sample_plan_path("ja"), root / f"{unit}.xlsx"))
        if customers is not None:
            wb = openpyxl.load_workbook(plan)
            set_named(wb, {"CS_StartCustomers": customers})
            wb.save(plan)
        plans.append(plan)
        shutil.copytree(scenario["out"] / "FY2026Q2", out / unit / "FY2026Q2",
                        ignore=shutil.ignore_patterns("report"))
    assert _retention_typed(out / "osaka" / "FY2026Q2" / "FY2026Q2_customer_success_ja.xlsx",
                            0.8) == 2
    code, _, stderr = run("report", *map(str, plans), "--quarter", "2026Q2", "--out", str(out))
    assert code == 0, stderr
    return {"dashboard": out / "group" / "FY2026Q2" / "dashboard_ja.xlsx", "root": root}


def test_a_group_ratio_is_recomputed_from_each_units_size(two_sizes) -> None:
    import openpyxl

    book = two_sizes["dashboard"]
    ws = openpyxl.load_workbook(book, data_only=True).worksheets[0]
    rows: dict[object, list[object]] = {}
    for r in range(1, ws.max_row + 1):
        rows.setdefault(ws.cell(r, 1).value, [ws.cell(r, c).value for c in range(1, 13)])
    tokyo, osaka = rows["tokyo · カスタマーサクセス"], rows["osaka · カスタマーサクセス"]
    assert osaka[5] == pytest.approx(0.8) and tokyo[5] > 0.9
    group = rows["グループ計 · カスタマーサクセス"]
    # Customers kept over customers at the start, across both units: osaka weighs 4 to 1.
    assert group[5] == pytest.approx((tokyo[5] * 200 + osaka[5] * 800) / 1000)
    assert group[5] != pytest.approx((tokyo[5] + osaka[5]) / 2)
    assert group[3] == pytest.approx((tokyo[3] * 200 + osaka[3] * 800) / 1000)
    texts = [c for row in rows.values() for c in row if isinstance(c, str)]
    assert any("Σ(各ユニットの継続率" in c and "期首の顧客数" in c for c in texts)
    live = openpyxl.load_workbook(book).worksheets[0]
    group_row = next(r for r in range(1, live.max_row + 1)
                     if live.cell(r, 1).value == "グループ計 · カスタマーサクセス")
    assert "/SUM(" in live.cell(group_row, 6).value  # a live Σ numerator ÷ Σ denominator


def test_the_group_dashboard_recalculates_in_libreoffice_and_passes_openxml_audit(
        two_sizes, tmp_path) -> None:
    from tests.conftest import require_libreoffice
    from tests.workbook_values import errors_in, formulas, same, values
    from tests.writer.test_openxml_audit import audit_exe

    require_libreoffice()
    book = two_sizes["dashboard"]
    fresh = recalculate([book], tmp_path / "lo")[book.resolve()]
    cached, recalculated, cells = values(book), values(fresh), formulas(book)
    assert sum("SUM(" in text for text in cells.values()) > 30  # group rows and funnel
    mismatches = {c: (cached.get(c), recalculated.get(c)) for c in cells
                  if not same(_blank(cached.get(c)), _blank(recalculated.get(c)))}
    assert mismatches == {}
    assert errors_in(recalculated) == {}
    exe = audit_exe()
    if exe is not None:
        done = subprocess.run([exe, "-f", "microsoft365", str(book)], capture_output=True,
                              text=True, timeout=300, check=False)
        assert "Errors: 0" in done.stdout, done.stdout[-3000:]


def test_without_pandas_the_html_and_the_dashboard_are_still_written(scenario, tmp_path) -> None:
    probe = ("import sys; sys.modules['pandas'] = None\n"
             "from kpi_xl.app.cli import main\n"
             "sys.exit(main(sys.argv[1:]))")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", probe, "report", "--quarter", "2026Q2",
                           "--out", str(scenario["out"]), "--to", str(tmp_path), "--lang", "en"],
                          capture_output=True, text=True, encoding="utf-8", timeout=300,
                          env={**os.environ, "PYTHONPATH": str(root)}, check=False)
    assert done.returncode == 0, done.stderr
    assert "kpi-xl[pandas]" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dashboard_en.xlsx", "report_en.html"]


def _blank(value: object) -> object:
    """An empty text result ("" from IF) and an empty cell read the same."""
    return None if value == "" else value


def test_the_reports_dashboard_recalculates_in_libreoffice_and_passes_openxml_audit(
        scenario, tmp_path) -> None:
    from tests.conftest import require_libreoffice
    from tests.workbook_values import errors_in, formulas, same, values
    from tests.writer.test_openxml_audit import audit_exe

    require_libreoffice()
    books = [p for lang in ("ja", "en") for p in scenario["written"][lang]
             if p.suffix == ".xlsx"]
    staged = []
    for path in books:
        staged.append(Path(shutil.copyfile(path, tmp_path / path.name)))
    fresh = recalculate(staged, tmp_path / "lo")
    for path in staged:
        cached, recalculated = values(path), values(fresh[path.resolve()])
        cells = formulas(path)
        assert len(cells) > 50
        mismatches = {c: (cached.get(c), recalculated.get(c)) for c in cells
                      if not same(_blank(cached.get(c)), _blank(recalculated.get(c)))}
        assert mismatches == {}, path.name
        assert errors_in(recalculated) == {}, path.name
    exe = audit_exe()
    if exe is not None:
        for path in staged:
            done = subprocess.run([exe, "-f", "microsoft365", str(path)], capture_output=True,
                                  text=True, timeout=300, check=False)
            assert "Errors: 0" in done.stdout, done.stdout[-3000:]


def test_history_csv_text_never_runs_as_a_formula(tmp_path) -> None:
    from kpi_xl.app.history import COLUMNS, write_history_csv

    row = dict.fromkeys(COLUMNS, "x")
    row.update(kpi='=HYPERLINK("http://evil","click")', department="@SUM(1)", target=-5.0,
               actual=1.0, achievement=None)
    write_history_csv(pd.DataFrame([row], columns=COLUMNS), tmp_path / "h.csv")
    back = pd.read_csv(tmp_path / "h.csv", encoding="utf-8-sig")
    assert back.loc[0, "kpi"] == '\'=HYPERLINK("http://evil","click")'
    assert back.loc[0, "department"] == "'@SUM(1)"
    assert back.loc[0, "target"] == -5.0  # numbers are numbers


def test_each_kpi_with_two_quarters_gets_a_trend_line(scenario) -> None:
    """The trend across quarters is drawn: a polyline of achievement, 100% dashed."""
    import re

    html = (scenario["out"] / "FY2026Q2" / "report" / "report_en.html").read_text("utf-8")
    lines = re.findall(r'<svg class="sparkline"[^>]*aria-label="([^"]+)"[^>]*>.*?'
                       r'<polyline points="([^"]+)"', html)
    names = {name for name, _ in lines}
    assert {"月間リード獲得数", "月間受注件数"} <= names
    for _, points in lines:
        xs = [float(p.split(",")[0]) for p in points.split()]
        assert len(xs) == 2 and xs == sorted(xs)  # Q1 then Q2


def test_a_drawn_kpi_box_shows_the_quarters_target_as_the_table_does(scenario) -> None:
    """Side by side in the report: the box's "Target" is the KPI table's Target (the quarter's),
    not the target of the months reported so far."""
    from kpi_xl.app.report import build_report
    from kpi_xl.app.report_html import _tree

    report = build_report(scenario["plan"], Q2, scenario["out"], "en")
    for dq in report.departments.values():
        tree = _tree(dq, "en", report.dept(dq.department))
        shown = {box["texts"][0]["text"].removeprefix("KGI: "): box["texts"][1]["text"]
                 for box in tree["boxes"] if len(box["texts"]) == 3}
        for line in dq.kpis:
            if line.name in shown:
                target = fmt(line.rolled.target, line.unit, "en")
                assert shown[line.name].startswith(f"Target {target} / "), (line.name, shown)
