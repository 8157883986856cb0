"""Many plans in one call: ``kpi-xl generate PLAN1.xlsx PLAN2.xlsx … [--jobs N]``.

Each plan writes into its own folder under ``--out``, named after the plan file, so business
units never collide. Plans run in parallel worker processes; one failing plan is reported with
its reason and does not stop the others. On a terminal a progress bar shows on stderr; otherwise
one plain line per plan, which suits logs.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

__all__ = ["PlanResult", "generate_many", "plan_folders"]


@dataclass
class PlanResult:
    """What became of one plan."""

    plan: Path
    ok: bool
    paths: list[Path] = field(default_factory=list)
    message: str = ""
    exit_code: int = 0
    notes: list[str] = field(default_factory=list)  # warnings about earlier quarters


def plan_folders(plans: Sequence[Path], out: Path) -> list[Path]:
    """One output folder per plan, named after its file; duplicates get -2, -3 …"""
    seen: dict[str, int] = {}
    folders = []
    for plan in plans:
        stem = Path(plan).stem or "plan"
        seen[stem] = seen.get(stem, 0) + 1
        folders.append(out / (stem if seen[stem] == 1 else f"{stem}-{seen[stem]}"))
    return folders


def _one(plan: Path, folder: Path, quarter_text: str | None, lang: str | None, with_udfs: bool,
         force: bool) -> PlanResult:
    """Generate one plan in a worker; every outcome comes back as a result, never a raise."""
    from kpi_xl.app.generate import generate_from_file
    from kpi_xl.core.errors import KpiXlError

    notes: list[str] = []
    try:
        paths = generate_from_file(plan, folder, quarter_text=quarter_text, lang=lang,
                                   with_udfs=with_udfs, force=force, on_note=notes.append)
        return PlanResult(plan, True, paths, notes=notes)
    except KpiXlError as err:
        return PlanResult(plan, False, message=err.message(lang or err.lang or "en"),
                          exit_code=err.exit_code)
    except Exception as err:  # a bug in one plan must not stop the others
        return PlanResult(plan, False, message=f"internal error ({type(err).__name__}: {err})",
                          exit_code=70)


class _Progress:
    """A one-line bar on a terminal; plain lines otherwise."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total, self.done, self.failed = total, 0, 0
        self.stream = stream
        self.tty = stream.isatty()

    def update(self, result: PlanResult) -> None:
        self.done += 1
        self.failed += not result.ok
        if self.tty:
            width = 30
            filled = width * self.done // self.total
            bar = "█" * filled + "·" * (width - filled)
            failed = f"  {self.failed} failed" if self.failed else ""
            self.stream.write(f"\r{bar} {self.done}/{self.total}  {result.plan.name[:40]:40s}"
                              f"{failed}")
            if self.done == self.total:
                self.stream.write("\n")
        else:
            state = f"{len(result.paths)} workbooks" if result.ok else "FAILED"
            self.stream.write(f"kpi-xl: [{self.done}/{self.total}] {result.plan}: {state}\n")
        self.stream.flush()


def generate_many(plans: Sequence[Path], out: Path, *, jobs: int | None = None,
                  quarter_text: str | None = None, lang: str | None = None,
                  with_udfs: bool = False, force: bool = False,
                  progress: TextIO | None = None) -> list[PlanResult]:
    """Generate every plan into ``out/<plan name>/``; results in the order the plans were given."""
    plans = [Path(p) for p in plans]
    folders = plan_folders(plans, Path(out))
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(plans)))
    bar = _Progress(len(plans), progress or sys.stderr)
    results: list[PlanResult | None] = [None] * len(plans)
    if jobs == 1:
        for i, (plan, folder) in enumerate(zip(plans, folders, strict=True)):
            results[i] = _one(plan, folder, quarter_text, lang, with_udfs, force)
            bar.update(results[i])  # type: ignore[arg-type]
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(_one, plan, folder, quarter_text, lang, with_udfs, force): i
                       for i, (plan, folder) in enumerate(zip(plans, folders, strict=True))}
            for future in as_completed(futures):
                i = futures[future]
                results[i] = future.result()
                bar.update(results[i])  # type: ignore[arg-type]
    return [r for r in results if r is not None]
