"""Many plans in one call: own folders, parallel workers, failures reported, others written."""

from __future__ import annotations

import io
import os
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
    # Not a terminal: no progress bar, nothing on stderr.
    assert printed.err == ""


def test_plans_with_the_same_file_name_never_collide(tmp_path: Path) -> None:
    plans = [Path("a/plan.xlsx"), Path("b/plan.xlsx"), Path("c/other.xlsx"), Path("plan-a.xlsx")]
    folders = [f.name for f in plan_folders(plans, tmp_path)]
    assert len(set(folders)) == 4 and folders[2:] == ["other", "plan-a"]
    assert folders[1] == "plan-b" and folders[0].startswith("plan-a-")
    # Stable whatever the order: each plan keeps its folder, so its last quarter is its own.
    again = [f.name for f in plan_folders(plans[::-1], tmp_path)][::-1]
    assert again == folders


def test_the_same_plan_given_twice_is_generated_once(
        plans: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two runs of one plan would race for one folder: the repeat is named and dropped."""
    tokyo = plans[0]
    link = tmp_path / "plans" / "tokyo-link.xlsx"
    link.symlink_to(tokyo)
    out = tmp_path / "out"
    assert main(["generate", str(tokyo), str(plans[1]), str(link), str(tokyo), "--quarter",
                 "2026Q1", "--out", str(out), "--jobs", "2", "--lang", "en"]) == 0
    printed = capsys.readouterr()
    assert printed.out.count(".xlsx") == 2 * len(DEPARTMENTS)
    assert printed.err.count("is given more than once") == 2
    assert f"{link} is given more than once (also as {tokyo})" in printed.err
    assert sorted(p.name for p in out.iterdir()) == ["osaka", "tokyo"]


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


def test_results_come_back_in_the_order_given_and_no_bar_off_a_terminal(
        plans: list[Path], tmp_path: Path) -> None:
    stream = io.StringIO()
    batch = generate_many(plans, tmp_path / "out", jobs=2, quarter_text="2026Q1",
                          progress=stream)
    assert [r.plan for r in batch.results] == plans and not batch.interrupted
    assert all(r.ok and len(r.paths) == len(DEPARTMENTS) for r in batch.results)
    assert stream.getvalue() == ""


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return 2


@pytest.mark.parametrize("columns", [60, 120])
def test_the_bar_fits_the_terminal_with_japanese_names(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, columns: int) -> None:
    from tqdm.utils import disp_len

    # A terminal of that width, as the kernel would report it to tqdm.
    monkeypatch.setattr(os, "get_terminal_size",
                        lambda fd=None: os.terminal_size((columns, 24)))
    plans = []
    for name in ("東京本社の営業計画", "大阪支社の営業計画と販促計画"):
        path = tmp_path / "plans" / f"{name}.xlsx"
        path.parent.mkdir(exist_ok=True)
        shutil.copyfile(sample_plan_path("ja"), path)
        plans.append(path)
    stream = _Terminal()
    batch = generate_many(plans, tmp_path / "out", jobs=1, quarter_text="2026Q1",
                          progress=stream, ui_lang="ja")
    assert all(r.ok for r in batch.results)
    frames = [f for f in stream.getvalue().replace("\n", "\r").split("\r") if f.strip()]
    assert frames and "2/2" in frames[-1] and "計画" in frames[-1]
    for frame in frames:
        assert disp_len(frame) <= columns, frame  # double-width characters counted as two


def test_quiet_silences_the_bar_on_a_terminal(plans: list[Path], tmp_path: Path) -> None:
    stream = _Terminal()
    generate_many(plans[:1], tmp_path / "out", jobs=1, quarter_text="2026Q1", progress=stream,
                  show_progress=False)
    assert stream.getvalue() == ""


def test_previous_folder_is_refused_with_several_plans(
        plans: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", *map(str, plans[:2]), "--previous", str(tmp_path),
                 "--out", str(tmp_path / "out")]) == 2
    assert "--previous" in capsys.readouterr().err


def test_a_plan_whose_last_quarter_lacks_a_workbook_says_so(
        plans: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    argv = [*map(str, plans[:2]), "--out", str(out), "--jobs", "1", "--lang", "en"]
    assert main(["generate", *argv, "--quarter", "2026Q1"]) == 0
    (out / "tokyo" / "FY2026Q1" / "FY2026Q1_sales_en.xlsx").unlink()
    capsys.readouterr()
    assert main(["generate", *argv, "--quarter", "2026Q2"]) == 0
    err = capsys.readouterr().err
    assert f"{plans[0]}: no workbook of last quarter (FY2026Q1) was found for: Sales" in err
    assert f"{plans[1]}: no workbook" not in err


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_batch_speaks_the_runs_language(
        plans: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    monkeypatch.setenv("KPI_XL_LANG", lang)
    broken = tmp_path / "plans" / "kyoto.xlsx"
    broken.write_text("not a workbook", encoding="utf-8")
    code = main(["generate", str(plans[0]), str(broken), "--quarter", "2026Q1",
                 "--out", str(tmp_path / "out"), "--jobs", "1"])
    assert code == 2
    err = capsys.readouterr().err
    if lang == "en":
        assert "1 of 2 plans failed" in err and "cannot be read as an Excel workbook" in err
    else:
        assert "2 件中 1 件" in err and "Excel ブックとして読めません" in err
        assert "plans failed" not in err and "cannot be read" not in err
