"""Many plans in one call: ``kpi-xl generate PLAN1.xlsx PLAN2.xlsx … [--jobs N]``.

Each plan writes into its own folder under ``--out``, named after the plan file and told apart by
its path when names are shared (:func:`plan_folders`), so business units never collide and each
finds its own last quarter whatever the order of the arguments. Plans run in parallel worker
processes; one failing plan is reported with its reason and does not stop the others. On a
terminal a progress bar (tqdm: fits the terminal's width, counts Japanese file names as double
width, shows the ETA) shows on stderr; it stays quiet when stderr is not a terminal, and
``--quiet`` silences it anyway.

Ctrl-C stops the batch promptly: plans not started are cancelled, running workers are told to
stop (SIGTERM; a worker that is moving its finished workbooks into place completes the move
first), and the result says exactly which plans were written. Workers ignore SIGINT themselves,
so a terminal's Ctrl-C (sent to the whole process group) is decided by the parent alone.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from kpi_xl.core.i18n import t

__all__ = ["BatchResult", "PlanResult", "distinct_plans", "folder_notes", "generate_many", "plan_folders"]


@dataclass
class PlanResult:
    """What became of one plan."""

    plan: Path
    ok: bool
    paths: list[Path] = field(default_factory=list)
    message: str = ""
    exit_code: int = 0
    notes: list[str] = field(default_factory=list)  # warnings about earlier quarters
    #: Stopped by Ctrl-C before its workbooks were moved into place (nothing of it was written).
    interrupted: bool = False


@dataclass
class BatchResult:
    """Every plan's result, in the order given; ``interrupted`` when Ctrl-C stopped the batch."""

    results: list[PlanResult]
    interrupted: bool = False


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


def distinct_plans(plans: Sequence[Path]) -> tuple[list[Path], list[tuple[Path, Path]]]:
    """The plans with every file kept once (first mention wins), and the (repeat, first) pairs.

    Files are the same when their resolved paths are, or when the file system says so (a hard
    link, or a case-insensitive disk): generating one plan twice would race for one folder.
    """
    kept: list[Path] = []
    repeats: list[tuple[Path, Path]] = []
    for plan in plans:
        first = next((k for k in kept if _same_file(k, plan)), None)
        if first is None:
            kept.append(plan)
        else:
            repeats.append((plan, first))
    return kept, repeats


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def folder_notes(plans: Sequence[Path], folders: Sequence[Path], lang: str = "en") -> list[str]:
    """One line per plan whose folder is not simply its file's name (shown before the run)."""
    from kpi_xl.core.i18n import t

    return [t(lang, "batch.folder", plan=plan, folder=folder.name)
            for plan, folder in zip(plans, folders, strict=True)
            if folder.name != (Path(plan).stem or "plan")]


# In each worker process: SIGINT is the parent's business; SIGTERM from the parent means "stop".
_stop_requested = False
_busy = False


def _worker_init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_stop)


def _on_stop(_signum: int, _frame: Any) -> None:
    global _stop_requested
    from kpi_xl.app.interrupts import written

    _stop_requested = True
    if _busy and not written():  # once the plan's workbooks are in place, let it report them
        raise KeyboardInterrupt


def _one(plan: Path, folder: Path, quarter_text: str | None, lang: str | None, with_udfs: bool,
         force: bool, message_lang: str | None = None) -> PlanResult:
    """Generate one plan; every outcome comes back as a result, never a raise."""
    global _busy, _stop_requested
    from kpi_xl.app.generate import generate_from_file
    from kpi_xl.app.interrupts import Interrupted, forget_written, written
    from kpi_xl.core.errors import KpiXlError

    notes: list[str] = []
    if _stop_requested:  # queued before the stop: never started
        return PlanResult(plan, False, interrupted=True)
    forget_written()
    try:
        _busy = True
        paths = generate_from_file(plan, folder, quarter_text=quarter_text, lang=lang,
                                   with_udfs=with_udfs, force=force, on_note=notes.append)
        return PlanResult(plan, True, paths, notes=notes)
    except Interrupted as stop:  # the interrupt came while moving: the move was completed
        _stop_requested = True
        return PlanResult(plan, bool(stop.written), stop.written, interrupted=not stop.written)
    except KeyboardInterrupt:  # after the moves, if it came late: then the plan was written
        _stop_requested = True
        done = written()
        return PlanResult(plan, bool(done), done, interrupted=not done)
    except KpiXlError as err:
        return PlanResult(plan, False,
                          message=err.message(lang or message_lang or err.lang or "en"),
                          exit_code=err.exit_code)
    except Exception as err:  # a bug in one plan must not stop the others
        return PlanResult(plan, False, message=f"internal error ({type(err).__name__}: {err})",
                          exit_code=70)
    finally:
        _busy = False


def _outcome(future: Future, plan: Path) -> PlanResult:
    try:
        return future.result()
    except BaseException:  # cancelled, or interrupted before _one could catch it
        return PlanResult(plan, False, interrupted=True)


class _Progress:
    """A tqdm bar on a terminal (width-aware, CJK-aware, with ETA); silent otherwise."""

    def __init__(self, total: int, stream: TextIO, enabled: bool, lang: str) -> None:
        from kpi_xl.core.i18n import t

        self.lang, self.failed = lang, 0
        self.bar = None
        if enabled and total > 0 and _isatty(stream):
            from tqdm import tqdm

            self.bar = tqdm(total=total, file=stream, unit=" " + t(lang, "cli.progress.unit"),
                            dynamic_ncols=True, leave=True, mininterval=0.2)

    def update(self, result: PlanResult) -> None:
        if self.bar is None:
            return
        from kpi_xl.core.i18n import t

        self.failed += not result.ok and not result.interrupted
        failed = t(self.lang, "cli.progress.failed", count=self.failed) if self.failed else ""
        self.bar.set_postfix_str(" ".join(x for x in (failed, result.plan.name) if x),
                                 refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def generate_many(plans: Sequence[Path], out: Path, *, jobs: int | None = None,
                  quarter_text: str | None = None, lang: str | None = None,
                  with_udfs: bool = False, force: bool = False,
                  progress: TextIO | None = None, show_progress: bool = True,
                  ui_lang: str = "en") -> BatchResult:
    """Generate every plan into ``out/<plan name>/``; results in the order the plans were given.

    Messages speak ``lang`` or else ``ui_lang`` (one language for the whole run, whatever each
    plan's language). Ctrl-C (KeyboardInterrupt) does not propagate: it ends the batch, and the result says which
    plans were written (``paths``) and which were not (``interrupted``).
    """
    plans, repeats = distinct_plans([Path(p) for p in plans])
    for repeat, first in repeats:  # one file twice would be two runs racing for one folder
        (progress or sys.stderr).write(
            f"kpi-xl: {t(lang or ui_lang, 'batch.duplicate', plan=repeat, first=first)}\n")
    folders = plan_folders(plans, Path(out))
    for note in folder_notes(plans, folders, lang or ui_lang):  # shared names, told apart
        (progress or sys.stderr).write(f"kpi-xl: {note}\n")
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(plans)))
    bar = _Progress(len(plans), progress or sys.stderr, show_progress, ui_lang)
    results: list[PlanResult | None] = [None] * len(plans)
    interrupted = False
    try:
        if jobs == 1:
            interrupted = _in_process(plans, folders, results, bar,
                                      (quarter_text, lang, with_udfs, force, ui_lang))
        else:
            interrupted = _in_workers(plans, folders, results, bar, jobs,
                                      (quarter_text, lang, with_udfs, force, ui_lang))
    finally:
        bar.close()
    return BatchResult([r or PlanResult(plans[i], False, interrupted=True)
                        for i, r in enumerate(results)], interrupted)


def _in_process(plans: list[Path], folders: list[Path], results: list[PlanResult | None],
                bar: _Progress, options: tuple) -> bool:
    global _stop_requested
    _stop_requested = False
    try:
        for i, (plan, folder) in enumerate(zip(plans, folders, strict=True)):
            try:
                results[i] = _one(plan, folder, *options)
            except KeyboardInterrupt:  # on the way back from a plan, or between two plans
                from kpi_xl.app.interrupts import written

                done = written()
                results[i] = PlanResult(plan, bool(done), done, interrupted=not done)
                return True
            bar.update(results[i])  # type: ignore[arg-type]
            if _stop_requested:
                return True
        return False
    finally:
        _stop_requested = False


def _in_workers(plans: list[Path], folders: list[Path], results: list[PlanResult | None],
                bar: _Progress, jobs: int, options: tuple) -> bool:
    with ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init) as pool:
        futures = {pool.submit(_one, plan, folder, *options): i
                   for i, (plan, folder) in enumerate(zip(plans, folders, strict=True))}
        try:
            for future in as_completed(futures):
                i = futures[future]
                results[i] = _outcome(future, plans[i])
                bar.update(results[i])  # type: ignore[arg-type]
            return False
        except KeyboardInterrupt:
            for future in futures:
                future.cancel()
            # On Windows os.kill(SIGTERM) would be TerminateProcess (no handler runs, a plan
            # could be left half moved), so there the running plans finish instead.
            for child in (multiprocessing.active_children() if sys.platform != "win32" else []):
                with contextlib.suppress(ProcessLookupError, TypeError):
                    os.kill(child.pid, signal.SIGTERM)  # type: ignore[arg-type]
            for future, i in futures.items():
                if results[i] is None:
                    results[i] = _outcome(future, plans[i])
            return True
