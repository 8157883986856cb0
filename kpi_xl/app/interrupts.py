"""Ctrl-C that tells the truth: what was written before an interrupt, and nothing half-written.

Generation builds every workbook first and then moves them into place (``generate``). An
interrupt while building leaves nothing; an interrupt while moving would leave some workbooks of
a quarter new and some old. :func:`interrupts_deferred` holds SIGINT and SIGTERM back for the few
milliseconds of the moves and delivers them right after, as :class:`Interrupted` carrying the
paths that were written, so the command can list them.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

__all__ = ["Interrupted", "forget_written", "interrupts_deferred", "note_written", "written"]

# What this process has moved into place since forget_written(): an interrupt that lands after
# the moves (while temporary files are discarded, or on the way back to the caller) must not
# make a written plan look unwritten.
_written: list[Path] = []


def note_written(paths: Sequence[Path]) -> None:
    """Record files that are now completely in place (called inside :func:`interrupts_deferred`)."""
    _written.extend(paths)


def written() -> list[Path]:
    """The files recorded by :func:`note_written` since the last :func:`forget_written`."""
    return list(_written)


def forget_written() -> None:
    """Start a new unit of work (a plan, a command)."""
    _written.clear()


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) arrived; ``written`` lists the files completely written before it."""

    def __init__(self, written: Sequence[Path] = ()) -> None:
        super().__init__()
        self.written = list(written)


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, then raise :class:`KeyboardInterrupt`.

    Outside the main thread (where Python cannot set handlers) the block simply runs.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:  # an ignored signal stays ignored
            previous[signum] = signal.signal(signum, lambda s, _frame: received.append(s))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if received:
        handler = previous.get(received[0])
        if callable(handler) and handler not in (signal.default_int_handler,):
            handler(received[0], None)  # a worker's own handler decides what an interrupt means
        raise KeyboardInterrupt
