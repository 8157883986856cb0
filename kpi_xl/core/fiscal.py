"""Fiscal calendar: fiscal years that start in any month, quarters, and quarter labels.

A fiscal year is named after the calendar year in which it starts, as Japanese companies name
their 年度: FY2026 with an April start runs from April 2026 to March 2027. Standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["FiscalQuarter", "fiscal_months", "fiscal_weeks", "parse_quarter", "quarter_of"]

_QUARTER = re.compile(r"^\s*(?:FY)?\s*(\d{4})\s*[-_ ]?\s*Q([1-4])\s*$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class FiscalQuarter:
    """One quarter of a fiscal year: ``FiscalQuarter(2026, 1)`` is FY2026 Q1."""

    year: int
    quarter: int

    def __str__(self) -> str:
        return f"{self.year}Q{self.quarter}"

    @property
    def folder_name(self) -> str:
        """The output folder for this quarter's workbooks, e.g. ``FY2026Q1``."""
        return f"FY{self.year}Q{self.quarter}"

    def month_indexes(self) -> range:
        """Positions (0-11) of this quarter's months within the fiscal year."""
        return range((self.quarter - 1) * 3, self.quarter * 3)

    def previous(self) -> FiscalQuarter:
        """The quarter before this one."""
        return FiscalQuarter(self.year - 1, 4) if self.quarter == 1 else FiscalQuarter(
            self.year, self.quarter - 1)


def parse_quarter(text: str) -> FiscalQuarter:
    """Parse ``2026Q1``, ``FY2026Q1``, ``2026-Q1`` or ``2026 q1``; raise ValueError otherwise."""
    match = _QUARTER.match(text or "")
    if not match:
        raise ValueError(f"{text!r} is not a fiscal quarter; write it like 2026Q1")
    return FiscalQuarter(int(match.group(1)), int(match.group(2)))


def fiscal_months(fiscal_year: int, start_month: int) -> list[tuple[int, int]]:
    """The twelve (calendar year, month) pairs of a fiscal year, in order."""
    if not 1 <= start_month <= 12:
        raise ValueError(f"start month must be 1-12, got {start_month!r}")
    out = []
    for i in range(12):
        offset = start_month - 1 + i
        out.append((fiscal_year + offset // 12, offset % 12 + 1))
    return out


def quarter_of(day: date, start_month: int) -> FiscalQuarter:
    """The fiscal quarter that contains ``day``."""
    months_since_start = (day.month - start_month) % 12
    year = day.year if day.month >= start_month else day.year - 1
    return FiscalQuarter(year, months_since_start // 3 + 1)


def fiscal_weeks(fiscal_year: int, start_month: int, review_weekday: int = 0
                 ) -> list[tuple[date, int]]:
    """The fiscal year's review weeks: (first day, index 0-11 of the month the week belongs to).

    A week starts on ``review_weekday`` (0 = Monday, as ``date.weekday``) and belongs to the
    month that holds its fourth day (for Monday weeks, its Thursday: the ISO 8601 rule), so each
    week belongs to exactly one month and every month has four or five whole weeks.

    >>> weeks = fiscal_weeks(2026, 4)
    >>> weeks[0], len(weeks)
    ((datetime.date(2026, 3, 30), 0), 52)
    """
    months = fiscal_months(fiscal_year, start_month)
    index = {month: i for i, month in enumerate(months)}
    first = date(*months[0], 1)
    # The first week is the one whose fourth day falls on or after the year's first day.
    day = first - timedelta(days=(first.weekday() - review_weekday) % 7)
    if (day + timedelta(days=3)) < first:
        day += timedelta(days=7)
    out = []
    while True:
        middle = day + timedelta(days=3)
        position = index.get((middle.year, middle.month))
        if position is None:
            return out
        out.append((day, position))
        day += timedelta(days=7)
