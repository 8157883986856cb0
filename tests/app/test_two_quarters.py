"""Two quarters of a real year: workbooks found by identity, review actions carried, reviews late.

Q1 of the sample plan (FY2026, April to June 2026: its review dates have passed) is generated;
a manager types actuals and review-log entries into the sales workbook, LibreOffice saves it, and
someone renames it. Q2 generated from the folder finds it by the identity it carries, names the
department whose workbook is missing, carries the open actions into its review log with their
original dates, and summarises the completed ones. The reviews of Q2 that nobody held are late,
live: the checklist's sixth item shows ✖ in LibreOffice's recalculation, and ✔ once every review
is marked done; ``kpi-xl check`` reports exactly the rows the workbook flags.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest

from kpi_xl.app.check import check_path
from kpi_xl.app.cli import main
from kpi_xl.app.generate import generate
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.io.plan_reader import read_plan
from kpi_xl.io.previous import workbook_identity
from kpi_xl.io.resources import sample_plan_path
from tests.conftest import require_libreoffice, set_named, type_actuals
from tests.libreoffice import recalculate
from tests.workbook_values import errors_in, formulas, same, values

Q1, Q2 = "FY2026Q1", "FY2026Q2"
RENAMED = f"{Q1}_sales_en Tanaka edit.xlsx"
SALES = {(0, "Leads per month"): 480, (1, "Leads per month"): 390,
         (0, "Deals per month"): 7, (1, "Deals per month"): 9}
# (row in the log, fact, action, status): two open actions, one done.
ENTRIES = [(0, "Leads 20% short in week 1", "Add a webinar", "In progress"),
           (1, "Few opportunities from ads", "Rewrite the ad copy", "Open"),
           (4, "Win rate fine", "Keep the proposal template", "Done")]


def _log_rows(path: Path, table: str = "Sales_Reviews") -> tuple[openpyxl.Workbook, list]:
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        if table in ws.tables:
            return wb, list(ws[ws.tables[table].ref])
    raise AssertionError(table)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    require_libreoffice()
    root = tmp_path_factory.mktemp("two-quarters")
    plan = sample_plan_path("en")
    out = root / "out"
    [sales, _] = generate(read_plan(plan), FiscalQuarter(2026, 1), out, "en",
                          departments=["sales", "customer_success"])
    typed = type_actuals(sales, "Sales_Actuals", SALES, root / "typed.xlsx")
    wb, rows = _log_rows(typed)
    dates = {}
    for index, fact, action, status in ENTRIES:
        cells = rows[1 + index]
        cells[3].value, cells[5].value, cells[6].value, cells[8].value = (
            fact, action, "Sato", status)
        dates[fact] = cells[0].value
    wb.save(typed)
    saved = recalculate([typed], root / "lo")[typed.resolve()]  # saved by LibreOffice
    sales.unlink()
    shutil.copy(saved, out / Q1 / RENAMED)
    # Another plan's workbook sits in the same folder: a different company.
    other_plan = root / "other_plan.xlsx"
    book = openpyxl.load_workbook(plan)
    set_named(book, {"Plan_Company": "Other Trading K.K."})
    book.save(other_plan)
    [other] = generate(read_plan(other_plan), FiscalQuarter(2026, 1), root / "other", "en",
                       departments=["development"])
    shutil.copy(other, out / Q1 / "development.xlsx")
    return {"root": root, "plan": plan, "out": out, "dates": dates}  # type: ignore[dict-item]


def test_a_workbook_carries_its_identity_through_a_libreoffice_save(world: dict) -> None:
    identity = workbook_identity(world["out"] / Q1 / RENAMED)
    assert identity is not None
    assert (identity.department, identity.quarter, identity.lang) == (
        "sales", FiscalQuarter(2026, 1), "en")
    other = workbook_identity(world["out"] / Q1 / "development.xlsx")
    assert other is not None and other.plan != identity.plan


@pytest.fixture(scope="module")
def q2(world: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["generate", str(world["plan"]), "--quarter", "2026Q2", "--out",
                     str(world["out"]), "--lang", "en"])
    return {"code": code, "err": err.getvalue(), "folder": world["out"] / Q2}


def test_the_renamed_workbook_is_found_and_a_missing_one_is_named(world: dict, q2: dict) -> None:
    assert q2["code"] == 0, q2["err"]
    wb = openpyxl.load_workbook(q2["folder"] / f"{Q2}_sales_en.xlsx", data_only=True)
    review = wb["Last quarter review"]
    texts = [c.value for row in review.iter_rows() for c in row if c.value is not None]
    assert RENAMED in " ".join(str(t) for t in texts)  # the source is named
    leads = next(r for r in review.iter_rows(values_only=True) if r[0] == "Leads per month")
    assert leads[5] == 870
    # Marketing and development have no Q1 workbook of this plan: named, not silently dropped.
    assert "no workbook of last quarter (FY2026Q1) was found for: Marketing, Development" \
        in q2["err"], q2["err"]
    assert "development.xlsx belongs to another plan (Other Trading K.K., FY2026Q1)" in q2["err"]
    assert "Last quarter review" not in openpyxl.load_workbook(
        q2["folder"] / f"{Q2}_marketing_en.xlsx").sheetnames


def test_open_review_actions_are_carried_with_their_dates(world: dict, q2: dict) -> None:
    _, rows = _log_rows(q2["folder"] / f"{Q2}_sales_en.xlsx")
    header = [c.value for c in rows[0]]
    assert header[9:] == ["Carried from", "Days late", "Overdue"]
    carried = [[c.value for c in r] for r in rows[1:] if r[9].value]
    assert [(r[3], r[5], r[8], r[9]) for r in carried] == [
        ("Leads 20% short in week 1", "Add a webinar", "In progress", Q1),
        ("Few opportunities from ads", "Rewrite the ad copy", "Open", Q1)]
    assert [r[0] for r in carried] == [world["dates"]["Leads 20% short in week 1"],
                                       world["dates"]["Few opportunities from ads"]]
    # The completed one is summarised on the review sheet, not carried.
    review = openpyxl.load_workbook(q2["folder"] / f"{Q2}_sales_en.xlsx")["Last quarter review"]
    lines = [r for r in review.iter_rows(values_only=True)]
    assert any(r[0] == "2 open actions were carried into this quarter's review log (with their "
               "original dates; carried from FY2026Q1)." for r in lines)
    done = next(r for r in lines if r[4] == "Keep the proposal template")
    assert done[3] == "Win rate fine" and done[5] == "Sato"


def test_two_workbooks_of_one_department_are_refused_both_named(
        world: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    shutil.copytree(world["out"] / Q1, out / Q1)
    (out / Q1 / "copy").mkdir()
    shutil.copy(out / Q1 / RENAMED, out / Q1 / "copy" / "sales.xlsx")
    code = main(["generate", str(world["plan"]), "--quarter", "2026Q2", "--out", str(out),
                 "--lang", "en"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "two or more Sales workbooks of FY2026Q1" in err
    assert RENAMED in err and str(Path("copy") / "sales.xlsx") in err
    assert not (out / Q2).exists()


def _checklist(path: Path) -> str:
    cells = values(path)
    row = next(c[1][1:] for c, v in cells.items()
               if c[0] == "Checklist" and v == "Weekly and monthly reviews take place")
    return cells[("Checklist", f"B{row}")]


def test_overdue_reviews_flip_the_checklist_live_and_check_reports_them(
        q2: dict, tmp_path: Path) -> None:
    book = q2["folder"] / f"{Q2}_sales_en.xlsx"
    # Everybody held their reviews: every row of the log marked done.
    wb, rows = _log_rows(book)
    for cells in rows[1:]:
        cells[8].value = "Done"
    held = tmp_path / "held.xlsx"
    wb.save(held)
    fresh = recalculate([book, held], tmp_path / "lo")
    recalculated = fresh[book.resolve()]
    # Cached values equal LibreOffice's (generated and recalculated on the same day: TODAY()).
    cached, again = values(book), values(recalculated)
    assert {c: (cached.get(c), again.get(c)) for c in formulas(book)
            if not same(cached.get(c), again.get(c))} == {}
    assert errors_in(again) == {}
    # July to September 2026 has passed: its reviews, still open, are overdue.
    assert _checklist(book) == _checklist(recalculated) == "✖ Not yet"
    assert _checklist(fresh[held.resolve()]) == "✔ Done"
    # check reports the rows the workbook flags, on the same definition.
    flagged = sorted(f"Review log!A{c[1][1:]}" for c, v in again.items()
                     if c[0] == "Review log" and c[1].startswith("L") and v == 1)
    [report] = check_path(recalculated, "en")
    found = sorted(f.subject for d in report.departments for f in d.findings
                   if f.code == "review_overdue")
    assert found == flagged and len(found) >= 13
    [report] = check_path(fresh[held.resolve()], "en")
    assert not [f for d in report.departments for f in d.findings if f.code == "review_overdue"]


def test_check_judges_lateness_on_the_day_given(q2: dict) -> None:
    from kpi_xl.app.check import check_workbook

    book = q2["folder"] / f"{Q2}_sales_en.xlsx"

    def overdue(day: dt.date) -> int:
        report = check_workbook(book, "en", today=day)
        return sum(f.code == "review_overdue" for d in report.departments for f in d.findings)

    assert overdue(dt.date(2026, 4, 13)) == 0  # the carried action is one day old
    assert overdue(dt.date(2026, 7, 1)) == 1  # the carried action still open since April
    # 2026-07-20: the weekly reviews of 07-05 (15 days late) and 07-12 (8 days), and the open
    # action carried from Q1 (dated in April).
    assert overdue(dt.date(2026, 7, 20)) == 3


def test_japanese_review_actions_are_carried_in_japanese(tmp_path: Path) -> None:
    plan = read_plan(sample_plan_path("ja"))
    [q1] = generate(plan, FiscalQuarter(2026, 1), tmp_path, "ja", departments=["sales"])
    wb, rows = _log_rows(q1)
    rows[1][3].value, rows[1][5].value, rows[1][8].value = "リードが目標の8割", "ウェビナー追加", "対応中"
    rows[5][3].value, rows[5][5].value, rows[5][8].value = "提案成功率は良好", "継続", "完了"
    wb.save(q1)
    [q2] = generate(plan, FiscalQuarter(2026, 2), tmp_path, "ja", departments=["sales"])
    _, rows = _log_rows(q2)
    carried = [[c.value for c in r] for r in rows[1:] if r[9].value]
    assert [(r[1], r[3], r[8], r[9]) for r in carried] == [
        ("週次", "リードが目標の8割", "対応中", Q1)]
    review = openpyxl.load_workbook(q2)["前四半期の振り返り"]
    lines = list(review.iter_rows(values_only=True))
    assert any(r[0] == "完了した対策: 1 件" for r in lines)
