"""Ctrl-C in a real batch: a real SIGINT to a real ``kpi-xl generate`` of many plans.

The process must stop promptly (plans not started are cancelled, running workers stopped), exit
130, and its last message must list exactly the workbooks that exist on disk afterwards and the
plans that were not written; nothing half-written (no staging files) may be left behind.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kpi_xl.core.departments import DEPARTMENTS
from kpi_xl.io.resources import sample_plan_path

ROOT = Path(__file__).resolve().parents[2]
PLANS = 24


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigint_stops_the_batch_and_lists_exactly_what_was_written(tmp_path: Path) -> None:
    plans = []
    for i in range(PLANS):
        plan = tmp_path / "plans" / f"unit{i:02d}.xlsx"
        plan.parent.mkdir(exist_ok=True)
        shutil.copyfile(sample_plan_path("en"), plan)
        plans.append(plan)
    out = tmp_path / "out"
    scratch = tmp_path / "tmp"  # where the workers build their workbooks (TMPDIR)
    scratch.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8",
           "TMPDIR": str(scratch)}
    env.pop("KPI_XL_LANG", None)
    child = subprocess.Popen(
        [sys.executable, "-m", "kpi_xl", "generate", *map(str, plans), "--quarter", "2026Q1",
         "--out", str(out), "--jobs", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True, encoding="utf-8")
    try:
        deadline = time.monotonic() + 120
        while not list(out.rglob("*.xlsx")):  # interrupt once the batch is really under way
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "no workbook appeared"
            time.sleep(0.05)
        child.send_signal(signal.SIGINT)
        sent = time.monotonic()
        stdout, stderr = child.communicate(timeout=60)
        stopped_after = time.monotonic() - sent
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 130, stderr
    assert "internal error" not in stderr and "Traceback" not in stderr
    assert stopped_after < 10, f"took {stopped_after:.1f} s to stop"

    on_disk = sorted(str(p) for p in out.rglob("*") if p.is_file())
    assert not [p for p in on_disk if not p.endswith(".xlsx")], "half-written files left"
    assert not list(scratch.rglob("*.xlsx")), "stopped workers left built workbooks behind"
    lines = stderr.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("kpi-xl: interrupted"))
    listed: list[str] = []
    not_written: list[str] = []
    section = "written"
    for line in lines[head + 1:]:
        if line.startswith("Not written"):
            section = "not"
        elif line.startswith("  "):
            (listed if section == "written" else not_written).append(line.strip())
    assert sorted(listed) == on_disk, "the message must list exactly the workbooks written"
    assert sorted(stdout.split()) == on_disk
    written_plans = {Path(p).parents[1].name for p in on_disk}
    assert all(len([p for p in on_disk if Path(p).parents[1].name == name]) == len(DEPARTMENTS)
               for name in written_plans), "a plan is written whole or not at all"
    assert sorted(written_plans | {Path(p).stem for p in not_written}) == \
        sorted(p.stem for p in plans)
    assert not written_plans & {Path(p).stem for p in not_written}
    assert not_written, "interrupted early enough that some plans were never written"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("moment", ["building", "moving"])
def test_sigint_to_one_plan_says_truthfully_what_was_written(tmp_path: Path, moment: str) -> None:
    out = tmp_path / "out"
    scratch = tmp_path / "tmp"  # the workbooks are built here first (TMPDIR of the child)
    scratch.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KPI_XL_LANG": "en",
           "PYTHONIOENCODING": "utf-8", "TMPDIR": str(scratch)}
    child = subprocess.Popen(
        [sys.executable, "-m", "kpi_xl", "generate", "--quarter", "2026Q1", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True, encoding="utf-8")
    try:
        deadline = time.monotonic() + 120
        # building: a workbook is being built; moving: the first one has reached the out folder
        started = (lambda: any(scratch.iterdir())) if moment == "building" else \
            (lambda: any(out.rglob("*.xlsx")))
        while not started() and child.poll() is None:
            assert time.monotonic() < deadline, f"never saw the {moment} step"
            time.sleep(0.01)
        child.send_signal(signal.SIGINT)
        stdout, stderr = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    on_disk = sorted(str(p) for p in out.rglob("*") if p.is_file()) if out.exists() else []
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    assert not [p for p in on_disk if not p.endswith(".xlsx")], "half-written files left"
    assert not list(scratch.rglob("*.xlsx")), "built workbooks left behind in the temp folder"
    if child.returncode == 0:  # finished before the signal arrived
        assert sorted(stdout.split()) == on_disk and len(on_disk) == len(DEPARTMENTS)
        return
    assert child.returncode == 130, stderr
    if on_disk:
        assert len(on_disk) == len(DEPARTMENTS), "a quarter is written whole or not at all"
        listed = [line.strip() for line in stderr.splitlines() if line.startswith("  ")]
        assert sorted(listed) == on_disk and "Written" in stderr
    else:
        assert "nothing was written" in stderr
