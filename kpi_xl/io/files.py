"""Files moved into place whole: a reader sees the old file or the new one, never a part.

Atomic moves (copy beside the target, flush to disk, then rename over it) and timestamped
backups of a workbook that ``--force`` replaces.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

__all__ = ["atomic_move", "keep_backup"]


def atomic_move(source: Path, target: Path) -> None:
    """Move ``source`` to ``target`` so that ``target`` is either the old file or the whole new one."""
    fd, staging = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        with open(source, "rb") as src, open(staging, "wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(staging, target)
    except BaseException:
        if os.path.exists(staging):
            os.unlink(staging)
        raise


def keep_backup(path: Path, now: dt.datetime | None = None) -> Path:
    """Copy ``path`` to ``<stem>.YYYYmmdd-HHMMSS.bak.xlsx`` beside it (atomically); return it."""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.stem}.{stamp}.bak{path.suffix}")
    n = 1
    while backup.exists():
        backup = path.with_name(f"{path.stem}.{stamp}-{n}.bak{path.suffix}")
        n += 1
    atomic_move(path, backup)
    return backup
