"""Many plans in one call: own folders, parallel workers, failures reported, others written."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from kpi_xl.app.batch import generate_many, plan_folders
from kpi_xl.app.cli import main
from kpi_xl.core.departments import DEPARTMENTS
from kpi_xl.io.resources import sample_plan_path


@pytest.fixture
def plans(tmp_path: Path) -> list[Path]:
    out = []
    for name in ("tokyo", "osaka", "nagoya"):
        path = tmp_path / "plans" / f"{name}.xlsx"
        path.parent.mkdir(exist_ok=True)
        shutil.copyfile(sample_plan_path("en"), path)
        out.append(path)
    return out


def test_each_plan_writes_into_a_folder_named_after_its_file(
        plans: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["generate", *map(str, plans), "--quarter", "2026Q1", "--out", str(out),
                 "--jobs", "2"]) == 0
    for name in ("tokyo", "osaka", "nagoya"):
        written = sorted(p.name for p in (out / name / "FY2026Q1").iterdir())
        assert written == sorted(f"FY2026Q1_{d}_en.xlsx" for d in DEPARTMENTS)
    printed = capsys.readouterr()
    assert printed.out.count(".xlsx") == 3 * len(DEPARTMENTS)
    # Not a terminal: one plain, log-friendly line per plan.
    assert printed.err.count("kpi-xl: [") == 3 and "\r" not in printed.err


def test_plans_with_the_same_file_name_never_collide(tmp_path: Path) -> None:
    plans = [Path("a/plan.xlsx"), Path("b/plan.xlsx"), Path("c/other.xlsx"), Path("plan-a.xlsx")]
    folders = [f.name for f in plan_folders(plans, tmp_path)]
    assert len(set(folders)) == 4 and folders[2:] == ["other", "plan-a"]
    assert folders[1] == "plan-b" and folders[0].startswith("plan-a-")
    # Stable whatever the order: each plan keeps its folder, so its last quarter is its own.
    again = [f.name for f in plan_folders(plans[::-1], tmp_path)][::-1]
    assert again == folders


def test_a_failing_plan_is_reported_and_does_not_stop_the_others(
        plans: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "plans" / "kyoto.xlsx"
    broken.write_text("name,value\nwin rate,20%\n")
    out = tmp_path / "out"
    code = main(["generate", str(plans[0]), str(broken), str(plans[1]), "--quarter", "2026Q1",
                 "--out", str(out), "--jobs", "2"])
    assert code == 2
    err = capsys.readouterr().err
    assert "kyoto.xlsx" in err and "1 of 3 plans failed" in err and "Traceback" not in err
    assert (out / "tokyo" / "FY2026Q1").is_dir() and (out / "osaka" / "FY2026Q1").is_dir()
    assert not (out / "kyoto").exists()


def test_results_come_back_in_the_order_given_with_a_progress_line_each(
        plans: list[Path], tmp_path: Path) -> None:
    stream = io.StringIO()
    results = generate_many(plans, tmp_path / "out", jobs=2, quarter_text="2026Q1",
                            progress=stream)
    assert [r.plan for r in results] == plans
    assert all(r.ok and len(r.paths) == 4 for r in results)
    assert stream.getvalue().count("4 workbooks") == 3


def test_previous_folder_is_refused_with_several_plans(
        plans: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", *map(str, plans[:2]), "--previous", str(tmp_path),
                 "--out", str(tmp_path / "out")]) == 2
    assert "--previous" in capsys.readouterr().err
