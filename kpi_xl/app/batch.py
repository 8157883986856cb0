"""Many plans in one call: ``kpi-xl generate PLAN1.xlsx PLAN2.xlsx … [--jobs N]``.

Each plan writes into its own folder under ``--out``, named after the plan file and told apart by
its path when names are shared (:func:`plan_folders`), so business units never collide and each
finds its own last quarter whatever the order of the arguments. Plans run in parallel worker processes; one failing plan is reported with
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

__all__ = ["PlanResult", "folder_notes", "generate_many", "plan_folders"]


@dataclass
class PlanResult:
    """What became of one plan."""

    plan: Path
    ok: bool
    paths: list[Path] = field(default_factory=list)
    message: str = ""
    exit_code: int = 0


def plan_folders(plans: Sequence[Path], out: Path) -> list[Path]:
    """One output folder per plan, never shared, the same whatever the order of the plans.

    A plan's folder is named after its file. Plans whose file names are equal (compared as a
    case-insensitive file system would) are told apart by their folder (``a/plan.xlsx`` →
    ``plan-a``); any name still shared, or taken by another plan's file name, gets a short digest
    of the plan's full path (``plan-a-3f9c1e``). The same file given twice shares its folder.
    """
    import hashlib

    paths = [Path(p).resolve() for p in plans]
    stems = [p.stem or "plan" for p in paths]

    def digest(path: Path) -> str:
        return hashlib.sha256(str(path).encode("utf-8")).hexdigest()[:6]

    def shared(names: list[str]) -> set[str]:
        count: dict[str, set[Path]] = {}
        for name, path in zip(names, paths, strict=True):
            count.setdefault(name.casefold(), set()).add(path)
        return {key for key, owners in count.items() if len(owners) > 1}

    names = list(stems)
    clash = shared(names)
    names = [f"{stem}-{path.parent.name or 'root'}" if stem.casefold() in clash else stem
             for stem, path in zip(stems, paths, strict=True)]
    clash = shared(names)
    names = [f"{name}-{digest(path)}" if name.casefold() in clash and name != stem else name
             for name, stem, path in zip(names, stems, paths, strict=True)]
    return [Path(out) / name for name in names]


def folder_notes(plans: Sequence[Path], folders: Sequence[Path], lang: str = "en") -> list[str]:
    """One line per plan whose folder is not simply its file's name (shown before the run)."""
    from kpi_xl.core.i18n import t

    return [t(lang, "batch.folder", plan=plan, folder=folder.name)
            for plan, folder in zip(plans, folders, strict=True)
            if folder.name != (Path(plan).stem or "plan")]


def _one(plan: Path, folder: Path, quarter_text: str | None, lang: str | None, with_udfs: bool,
         force: bool) -> PlanResult:
    """Generate one plan in a worker; every outcome comes back as a result, never a raise."""
    from kpi_xl.app.generate import generate_from_file
    from kpi_xl.core.errors import KpiXlError

    try:
        paths = generate_from_file(plan, folder, quarter_text=quarter_text, lang=lang,
                                   with_udfs=with_udfs, force=force)
        return PlanResult(plan, True, paths)
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
    for note in folder_notes(plans, folders, lang or "en"):  # names shared by several plans, told apart
        (progress or sys.stderr).write(f"kpi-xl: {note}\n")
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
