"""Files moved into place whole, a quarter's set all or nothing, modes like any other program's.

- :func:`atomic_move`: copy beside the target, flush to disk, then rename over it: a reader sees
  the old file or the whole new one, never a part.
- :func:`commit_set`: a quarter's workbooks replaced as a set. Every file is first staged beside
  its destination, and every file it replaces is kept beside it (a hard link, else a copy); only
  then are the staged files renamed into place. If one rename fails, the ones already done are
  put back, and the error names the file. A run killed in the middle leaves its keep-files
  behind; :func:`recover_stale` (called by the next run) puts the old set back unless the run had
  finished, and removes every temporary file of a run whose process is gone.
- :func:`keep_backup`: a timestamped copy (``<stem>.YYYYmmdd-HHMMSS.bak.xlsx``) whose name is
  claimed exclusively, so two runs with ``--force`` at the same second never share a backup.

New files get the mode the umask gives (as ``open`` would); a replaced file keeps its own mode.
Temporary names start with ``.`` and carry the process id, so a stale one is recognised safely.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import secrets
import shutil
import stat
from collections.abc import Sequence
from pathlib import Path

__all__ = ["BUILD_PREFIX", "atomic_move", "commit_set", "keep_backup", "recover_stale",
           "remove_stale_build_folders"]

#: Prefix of the temporary folders workbooks are built in (``kpi-xl-build-<pid>-…``).
BUILD_PREFIX = "kpi-xl-build-"
_TMP = re.compile(r"^\.(?P<name>.+)\.kpi-xl-(?P<pid>\d+)-(?P<token>[0-9a-f]+)"
                  r"\.(?P<role>new|old|none|part)\.tmp$")
_DONE = re.compile(r"^\.kpi-xl-(?P<pid>\d+)-(?P<token>[0-9a-f]+)\.done$")
#: What versions before the set commit left when killed: ``.<name>.xlsx.<8 random>.tmp``.
_OLD_STYLE = re.compile(r"^\..+\.xlsx\.[A-Za-z0-9_]{8}\.tmp$")
#: An old-style temporary file this old belongs to no running program.
_OLD_STYLE_AGE = 3600


class CommitError(OSError):
    """A file of a set could not be moved into place; every file is as it was."""

    def __init__(self, target: Path, err: OSError) -> None:
        super().__init__(err.errno, err.strerror or str(err))
        self.target = Path(target)
        self.cause = err


def _write_copy(source: Path, target: Path, mode: int | None = None) -> None:
    """Copy ``source`` into a new file ``target`` (exclusive create), flushed to disk.

    The file's mode is ``mode`` if given, else what the umask makes of 0o666.
    """
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as dst, open(source, "rb") as src:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
            dst.flush()
            if mode is not None:
                os.fchmod(dst.fileno(), mode)
            os.fsync(dst.fileno())
    except BaseException:
        _unlink(target)
        raise


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _mode_of(path: Path) -> int | None:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return None


def _temp(target: Path, token: str, role: str) -> Path:
    return target.with_name(f".{target.name}.kpi-xl-{os.getpid()}-{token}.{role}.tmp")


def atomic_move(source: Path, target: Path) -> None:
    """Move ``source`` to ``target`` so that ``target`` is either the old file or the whole new one."""
    target = Path(target)
    staging = _temp(target, secrets.token_hex(4), "new")
    _write_copy(Path(source), staging, _mode_of(target))
    try:
        os.replace(staging, target)
    except BaseException:
        _unlink(staging)
        raise


def commit_set(pairs: Sequence[tuple[Path, Path]]) -> None:
    """Move every ``(source, target)`` into place, all or nothing (see the module docstring).

    Raises :class:`CommitError` naming the target that failed; then every target is as it was
    and no temporary file remains.
    """
    token = secrets.token_hex(4)
    staged: list[tuple[Path, Path]] = []
    kept: list[tuple[Path, Path]] = []  # (keep-file, target)
    done: list[Path] = []
    current = Path(pairs[0][1]) if pairs else Path()
    try:
        for source, target in pairs:
            current = Path(target)
            if current.exists() and not current.is_file():
                raise IsADirectoryError(21, "a folder (or another non-file) has this name",
                                        str(current))
            staging = _temp(current, token, "new")
            staged.append((staging, current))
            _write_copy(Path(source), staging, _mode_of(current))
        for _, target in staged:
            current = target
            kept.append((_keep(target, token), target))
        for staging, target in staged:
            current = target
            os.replace(staging, target)
            done.append(target)
    except OSError as err:
        _roll_back(kept, done)
        for staging, _ in staged:
            _unlink(staging)
        for keep, _ in kept:
            _unlink(keep)
        raise CommitError(current, err) from None
    except BaseException:
        _roll_back(kept, done)
        for staging, _ in staged:
            _unlink(staging)
        for keep, _ in kept:
            _unlink(keep)
        raise
    marker = Path(pairs[0][1]).parent / f".kpi-xl-{os.getpid()}-{token}.done" if pairs else None
    if marker is not None:
        marker.touch()
    for keep, _ in kept:
        _unlink(keep)
    if marker is not None:
        _unlink(marker)


def _keep(target: Path, token: str) -> Path:
    """Keep the file ``target`` is now (or the fact that there is none) beside it."""
    if not target.exists():
        keep = _temp(target, token, "none")
        keep.touch()
        return keep
    keep = _temp(target, token, "old")
    try:
        os.link(target, keep)
    except OSError:  # no hard links here (FAT, some shares): a copy, itself moved in whole
        part = _temp(target, token, "part")
        _write_copy(target, part, _mode_of(target))
        os.replace(part, keep)
    return keep


def _roll_back(kept: list[tuple[Path, Path]], done: list[Path]) -> None:
    for keep, target in kept:
        if target not in done:
            continue
        if keep.name.endswith(".none.tmp"):
            _unlink(target)
        else:
            os.replace(keep, target)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return True
    return True


def recover_stale(folder: Path) -> list[Path]:
    """Undo what a killed run left in ``folder``; return the temporary files removed.

    A run stopped while committing its set (its keep-files are there and it never marked itself
    done) has its old files put back; staged files of dead processes are removed.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    groups: dict[tuple[int, str], list[tuple[Path, re.Match[str]]]] = {}
    finished: set[tuple[int, str]] = set()
    import time

    for path in folder.iterdir():
        if _OLD_STYLE.match(path.name):
            try:
                if path.is_file() and time.time() - path.stat().st_mtime > _OLD_STYLE_AGE:
                    _unlink(path)
            except OSError:
                pass
            continue
        match = _TMP.match(path.name)
        if match:
            groups.setdefault((int(match["pid"]), match["token"]), []).append((path, match))
            continue
        done = _DONE.match(path.name)
        if done and not _alive(int(done["pid"])):
            finished.add((int(done["pid"]), done["token"]))
            _unlink(path)
    removed: list[Path] = []
    for (pid, token), files in groups.items():
        if _alive(pid):
            continue
        if (pid, token) not in finished:
            for path, match in files:
                target = folder / match["name"]
                if match["role"] == "old":
                    os.replace(path, target)
                    removed.append(path)
                elif match["role"] == "none":
                    _unlink(target)
        for path, _ in files:
            if path.exists():
                _unlink(path)
                removed.append(path)
    return removed


def remove_stale_build_folders(root: Path | None = None) -> None:
    """Remove build folders (``kpi-xl-build-<pid>-…`` in TMPDIR) of processes that are gone."""
    import tempfile

    root = Path(root or tempfile.gettempdir())
    try:
        entries = list(root.iterdir())
    except OSError:
        return
    pattern = re.compile(re.escape(BUILD_PREFIX) + r"(\d+)-")
    for path in entries:
        match = pattern.match(path.name)
        try:
            if (match and path.is_dir() and not path.is_symlink()
                    and path.stat().st_uid == os.getuid() and not _alive(int(match.group(1)))):
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            continue


def keep_backup(path: Path, now: dt.datetime | None = None) -> Path:
    """Copy ``path`` to ``<stem>.YYYYmmdd-HHMMSS.bak.xlsx`` beside it; return the backup's path.

    The name is claimed with an exclusive create, so concurrent runs get different names; the
    backup keeps the workbook's mode.
    """
    path = Path(path)
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    mode = _mode_of(path)
    n = 0
    while True:
        suffix = stamp if n == 0 else f"{stamp}-{n}"
        backup = path.with_name(f"{path.stem}.{suffix}.bak{path.suffix}")
        n += 1
        if backup.exists():
            continue
        staging = _temp(backup, secrets.token_hex(4), "new")
        _write_copy(path, staging, mode)
        try:
            os.link(staging, backup)  # fails if the name was taken meanwhile: try the next
        except FileExistsError:
            _unlink(staging)
            continue
        except OSError:  # no hard links here: an exclusive create instead
            _unlink(staging)
            try:
                _write_copy(path, backup, mode)
            except FileExistsError:
                continue
            return backup
        _unlink(staging)
        return backup
