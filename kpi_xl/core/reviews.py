"""The review log's entries, and when a review is late (standard library only).

One definition of "late", used by the workbook and by ``kpi-xl check``: the review sheet writes
:func:`late_days` and :func:`overdue` as live formulas (with ``TODAY()``) in each row of the
``<Prefix>_Reviews`` table, and :func:`late_reviews` evaluates the very same expressions over the
rows ``check`` reads back, with the day it runs as today.

- A review is **pending** while its status is 未着手 / Open, or while its row holds nothing at all
  (no status, no fact, no action).
- It is **late** by the days since its date, once that date has passed and it is still pending.
- It is **overdue** when it is late by more than its cadence: 7 days for a weekly review, 31 for
  a monthly one, 92 for a quarterly one. The checklist's sixth item (reviews take place) fails
  while any review is overdue.

Entries whose action is still open are carried into the next quarter's log
(:func:`open_entries`), with their original date; completed ones are summarised on the next
quarter's review sheet (:func:`done_entries`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from kpi_xl.core.expr import Expr, Func, Value, and_, if_, or_, ref
from kpi_xl.core.i18n import t
from kpi_xl.core.kpis import CADENCES, Kpi

__all__ = [
    "CADENCE_DAYS",
    "STATUSES",
    "TODAY_KEY",
    "LateReview",
    "ReviewEntry",
    "cadence_text",
    "done_entries",
    "late_days",
    "late_reviews",
    "open_entries",
    "overdue",
    "overdue_reviews",
    "review_rhythm",
    "serial",
    "status_text",
    "today_",
]

#: How late a review may be before the checklist says reviews are not taking place.
CADENCE_DAYS = {"weekly": 7, "monthly": 31, "quarterly": 92}
#: Status keys, in the order of the status drop-down (texts: ``review.<key>`` in i18n).
STATUSES = ("open", "doing", "done")
#: The env key that stands for today when an expression is evaluated in Python (check, tests).
TODAY_KEY = "reviews.today"
_EPOCH = dt.date(1899, 12, 30)


def serial(day: dt.date) -> float:
    """An Excel date serial number (days since 1899-12-30)."""
    if isinstance(day, dt.datetime):
        day = day.date()
    return float((day - _EPOCH).days)


def today_() -> Expr:
    """Excel TODAY(): the env's :data:`TODAY_KEY` when given, else the computer's date."""
    def impl(args: Sequence[Expr], env: Mapping[str, Value]) -> Value:
        given = env.get(TODAY_KEY)
        return float(given) if isinstance(given, (int, float)) else serial(dt.date.today())
    return Func("TODAY", (), impl)


def late_days(day: Expr, status: Expr, fact: Expr, action: Expr, lang: str) -> Expr:
    """Days since a pending review's date once it has passed; "" otherwise (see the module)."""
    pending = or_(status.eq(t(lang, "review.open")),
                  and_(status.eq(""), fact.eq(""), action.eq("")))
    passed = and_(day.ne(""), day.lt(today_()))
    return if_(and_(passed, pending), today_() - day, "")


def overdue(cadence: Expr, late: Expr, lang: str) -> Expr:
    """1 when a review is late by more than its cadence (weekly 7 days...), "" otherwise."""
    limit = if_(cadence.eq(CADENCES["weekly"][lang]), CADENCE_DAYS["weekly"],
                if_(cadence.eq(CADENCES["monthly"][lang]), CADENCE_DAYS["monthly"],
                    CADENCE_DAYS["quarterly"]))
    return if_(and_(late.ne(""), late.gt(limit)), 1, "")


@dataclass(frozen=True)
class ReviewEntry:
    """One row of a review log, as read back from a workbook.

    ``cadence`` and ``status`` are keys (weekly, open...) when the text was recognised, else the
    text as typed. ``day`` and ``due`` are dates, or the text typed in their place.
    """

    day: dt.date | str | None
    cadence: str
    kpi: str
    fact: str
    cause: str
    action: str
    owner: str
    due: dt.date | str | None
    status: str
    carried_from: str = ""  # the quarter whose log it was first written in (FY2027Q1)
    cell: str = ""  # Sheet!A12, where the row starts

    @property
    def has_content(self) -> bool:
        """True when someone wrote what was found or what will be done."""
        return any(x.strip() for x in (self.fact, self.cause, self.action))

    @property
    def done(self) -> bool:
        return self.status == "done"


def open_entries(entries: Iterable[ReviewEntry]) -> list[ReviewEntry]:
    """Entries with something written whose action is not done: carried into the next log."""
    return [e for e in entries if e.has_content and not e.done]


def done_entries(entries: Iterable[ReviewEntry]) -> list[ReviewEntry]:
    """Entries with something written and marked done: summarised on the next review sheet.

    A schedule row merely marked done (nothing written) says a review was held, not what was
    done; it is not listed."""
    return [e for e in entries if e.has_content and e.done]


@dataclass(frozen=True)
class LateReview:
    """A pending review past its date: how late, and whether beyond its cadence."""

    entry: ReviewEntry
    days: int
    overdue: bool


def _as_value(value: object) -> Value | None:
    if isinstance(value, dt.date):
        return serial(value)
    if value is None or value == "":
        return None
    return value  # type: ignore[return-value]


def late_reviews(entries: Iterable[ReviewEntry], lang: str, today: dt.date) -> list[LateReview]:
    """The pending reviews past their date on ``today``: the workbook's own formulas, evaluated."""
    names = ("day", "cadence", "status", "fact", "action")
    late = late_days(ref("day"), ref("status"), ref("fact"), ref("action"), lang)
    beyond = overdue(ref("cadence"), ref("late"), lang)
    out = []
    for entry in entries:
        env: dict[str, Value | None] = {name: _as_value(_shown(entry, name, lang))
                                        for name in names}
        env[TODAY_KEY] = serial(today)
        days = late.evaluate(env)  # type: ignore[arg-type]
        if days == "":
            continue
        env["late"] = days
        out.append(LateReview(entry, int(days), beyond.evaluate(env) == 1))  # type: ignore[arg-type]
    return out


def overdue_reviews(entries: Iterable[ReviewEntry], lang: str, today: dt.date
                    ) -> list[tuple[str, str]]:
    """(cell, message) for every review still open beyond its cadence on ``today``: what turns
    the checklist's sixth item to ✖, as ``check`` and the report say it."""
    out = []
    for late in late_reviews(entries, lang, today):
        if not late.overdue:
            continue
        entry = late.entry
        day = entry.day.isoformat() if isinstance(entry.day, dt.date) else str(entry.day)
        out.append((entry.cell, t(lang, "report.review_overdue", day=day,
                                  cadence=cadence_text(entry.cadence, lang),
                                  kpi=f" ({entry.kpi})" if entry.kpi else "", days=late.days,
                                  limit=CADENCE_DAYS.get(entry.cadence, CADENCE_DAYS["quarterly"]),
                                  cell=entry.cell)))
    return out


def _shown(entry: ReviewEntry, name: str, lang: str) -> object:
    """A field as the workbook shows it: status and cadence keys back to ``lang``'s texts."""
    value = getattr(entry, name)
    if name == "status":
        return status_text(value, lang)
    if name == "cadence":
        return cadence_text(value, lang)
    return value


def status_text(status: str, lang: str) -> str:
    """A status key as shown in ``lang`` (text that is not a key is shown as typed)."""
    return t(lang, f"review.{status}") if status in STATUSES else status


def cadence_text(cadence: str, lang: str) -> str:
    """A cadence key as shown in ``lang`` (text that is not a key is shown as typed)."""
    return CADENCES[cadence][lang] if cadence in CADENCES else cadence


def review_rhythm(lang: str, kpis: Sequence[Kpi]) -> str:
    """What each review looks at, from this department's own KPIs and their review cadence
    (development reviews deploys weekly, not leads)."""
    def named(cadence: str) -> str:
        return t(lang, "report.list_separator").join(k.name for k in kpis if k.cadence == cadence)

    weekly, monthly, quarterly = named("weekly"), named("monthly"), named("quarterly")
    return (t(lang, "review.help.weekly", kpis=weekly) if weekly
            else t(lang, "review.help.weekly_none")) \
        + (t(lang, "review.help.monthly", kpis=monthly) if monthly
           else t(lang, "review.help.monthly_all")) \
        + (t(lang, "review.help.quarterly_kpis", kpis=quarterly) if quarterly
           else t(lang, "review.help.quarterly"))
