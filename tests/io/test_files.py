"""A quarter's workbooks replaced all or nothing; temporary files never left behind; modes kept.

The catalogue runs the refusals through the command line; these tests break the commit itself at
each step (a rename that fails on the third workbook, a run killed mid-commit) and look at every
byte of the folder afterwards.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from kpi_xl.app.generate import generate
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.io import files
from kpi_xl.io.plan_reader import read_plan
from kpi_xl.io.resources import sample_plan_path
from tests.killing import DIE_ON_THIRD_RENAME

Q = FiscalQuarter(2026, 1)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def plans() -> tuple[object, object]:
    plan = read_plan(sample_plan_path("en"))
    changed = plan.__class__(**{**plan.__dict__, "company": "Changed Co."})
    return plan, changed


def _build_dirs() -> set[str]:
    """This process's build folders (other processes may be building at the same time)."""
    mine = f"{files.BUILD_PREFIX}{os.getpid()}-"
    return {p.name for p in Path(tempfile.gettempdir()).iterdir() if p.name.startswith(mine)}


def test_a_failure_on_the_third_workbook_leaves_all_four_as_they_were(
        tmp_path: Path, plans: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    plan, changed = plans
    generate(plan, Q, tmp_path, "en")
    folder = tmp_path / Q.folder_name
    before = _snapshot(folder)
    assert len(before) == 4
    builds = _build_dirs()
    real_replace = os.replace
    calls: list[str] = []

    def failing_replace(src: str, dst: str) -> None:
        if str(src).endswith(".new.tmp") and not str(dst).endswith(".tmp"):
            calls.append(str(dst))
            if len(calls) == 3:
                raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", failing_replace)
    with pytest.raises(files.CommitError) as raised:
        generate(changed, Q, tmp_path, "en")
    monkeypatch.undo()
    assert raised.value.target == Path(calls[2])
    assert _snapshot(folder) == before  # byte-identical, and no temporary file
    assert sorted(p.name for p in folder.iterdir()) == sorted(before)
    assert _build_dirs() <= builds


def test_the_cli_names_the_file_that_failed(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from kpi_xl.app.cli import main

    real_replace = os.replace
    seen: list[str] = []

    def failing_replace(src: str, dst: str) -> None:
        if str(src).endswith(".new.tmp") and not str(dst).endswith(".tmp"):
            seen.append(str(dst))
            if len(seen) == 2:
                raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", failing_replace)
    code = main(["generate", str(sample_plan_path("en")), "--quarter", "2026Q1", "--out",
                 str(tmp_path), "--lang", "en"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"could not put {seen[1]} in place (No space left on device)" in err
    assert list((tmp_path / "FY2026Q1").iterdir()) == []


_KILLED_MID_COMMIT = DIE_ON_THIRD_RENAME + """
from kpi_xl.app.generate import generate
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.io.plan_reader import read_plan
from kpi_xl.io.resources import sample_plan_path
plan = read_plan(sample_plan_path("en"))
plan = plan.__class__(**{**plan.__dict__, "company": "Changed Co."})
generate(plan, FiscalQuarter(2026, 1), Path(sys.argv[1]), "en")
"""


def test_a_run_killed_mid_commit_is_undone_by_the_next_run(tmp_path: Path, plans: tuple) -> None:
    plan, _ = plans
    generate(plan, Q, tmp_path, "en")
    folder = tmp_path / Q.folder_name
    before = _snapshot(folder)
    run = subprocess.run([sys.executable, "-c", _KILLED_MID_COMMIT, str(tmp_path)],
                         capture_output=True, text=True)
    assert run.returncode == 9, run.stderr
    left = [p.name for p in folder.iterdir() if p.name.startswith(".")]
    assert left, "the killed run should have left its temporary files"
    assert _snapshot(folder) != before  # two new workbooks, two old: a mixed set
    files.recover_stale(folder)
    assert _snapshot(folder) == before
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []


def test_stale_build_folders_of_dead_processes_are_removed(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    stale = tmp_path / f"{files.BUILD_PREFIX}{dead}-abc"
    mine = tmp_path / f"{files.BUILD_PREFIX}{os.getpid()}-abc"
    other = tmp_path / "kpi-xl-lo-profile"
    for path in (stale, mine, other):
        path.mkdir()
    files.remove_stale_build_folders(tmp_path)
    assert not stale.exists() and mine.exists() and other.exists()


def test_new_files_follow_the_umask_and_replaced_files_keep_their_mode(
        tmp_path: Path, plans: tuple) -> None:
    plan, changed = plans
    old = os.umask(0o022)
    try:
        paths = generate(plan, Q, tmp_path, "en")
        assert {stat.S_IMODE(p.stat().st_mode) for p in paths} == {0o644}
        os.chmod(paths[0], 0o640)
        generate(changed, Q, tmp_path, "en")
        assert stat.S_IMODE(paths[0].stat().st_mode) == 0o640
        assert stat.S_IMODE(paths[1].stat().st_mode) == 0o644
        backup = files.keep_backup(paths[0])
        assert stat.S_IMODE(backup.stat().st_mode) == 0o640
    finally:
        os.umask(old)


def test_backups_at_the_same_second_get_different_names(tmp_path: Path) -> None:
    import datetime as dt
    from concurrent.futures import ThreadPoolExecutor

    book = tmp_path / "FY2026Q1_sales_en.xlsx"
    book.write_bytes(b"PK old")
    now = dt.datetime(2027, 4, 12, 10, 30)
    with ThreadPoolExecutor(8) as pool:
        backups = list(pool.map(lambda _: files.keep_backup(book, now), range(16)))
    assert len(set(backups)) == 16
    assert all(b.read_bytes() == b"PK old" for b in backups)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_old_style_temporary_files_of_a_killed_run_are_removed(tmp_path: Path) -> None:
    old = tmp_path / ".FY2026Q1_sales_en.xlsx.k2j4h5g6.tmp"
    fresh = tmp_path / ".FY2026Q1_marketing_en.xlsx.a1b2c3d4.tmp"
    book = tmp_path / "FY2026Q1_sales_en.xlsx"
    for path in (old, fresh, book):
        path.write_bytes(b"PK")
    os.utime(old, (1_000_000_000, 1_000_000_000))
    files.recover_stale(tmp_path)
    assert not old.exists() and fresh.exists() and book.exists()
