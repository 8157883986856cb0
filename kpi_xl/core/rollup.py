"""Rolling a quarter up, the pure half of ``kpi-xl report``: kinds, aggregation, pace, status.

Every measure has a kind, and the kind decides how months combine into a quarter (and quarters
into a year):

- ``flow`` (leads, deals, revenue, deploys): months add up;
- ``level`` (customers): the value at the period's end, never added;
- ``ratio`` (win rate, churn, retention): recomputed from its numerator and denominator where both
  were reported for the same months, otherwise the months' average; never added;
- ``average`` (scores, review hours, average deal size): the months' average.

A KPI list may declare the kind; otherwise :func:`measure_kind` infers it from the unit, in this
one place. Standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from kpi_xl.core.kpis import MEASURE_KINDS, infer_kind, normalise_choice

__all__ = [
    "KINDS",
    "STATUSES",
    "Rolled",
    "achievement",
    "aggregate",
    "combine_units",
    "measure_kind",
    "pace_forecast",
    "status",
]

KINDS = ("flow", "level", "ratio", "average")
STATUSES = ("ok", "watch", "behind", "none")

#: An achievement at or above this is on track (green); at or above WATCH, amber; else red.
ON_TRACK = 1.0
WATCH = 0.9


def measure_kind(unit: str | None, declared: object = None, name: str = "") -> str:
    """The kind of a measure: the declared one when it is understood (a code or either
    language's label), else what its unit implies (:func:`kpi_xl.core.kpis.infer_kind`)."""
    chosen = normalise_choice(declared, MEASURE_KINDS) if declared is not None else None
    return chosen or infer_kind(unit or "", name)


def aggregate(kind: str, values: Sequence[float],
              parts: tuple[Sequence[float], Sequence[float]] | None = None) -> float | None:
    """Months (oldest first) combined by kind; None when there is nothing to combine.

    ``parts`` (numerators, denominators of the same months) lets a ratio be recomputed
    as Σ numerator ÷ Σ denominator rather than averaged.
    """
    if not values:
        return None
    if kind == "flow":
        return math.fsum(values)
    if kind == "level":
        return float(values[-1])
    if kind == "ratio" and parts is not None:
        num, den = parts
        total = math.fsum(den)
        if num and den and total:
            return math.fsum(num) / total
    return math.fsum(values) / len(values)


def combine_units(kind: str, values: Sequence[float | None]) -> float | None:
    """Business units' figures for the same period combined into the group's, by kind.

    Across units, flows and levels both add up (the group's customers are every unit's
    customers); ratios and averages are the units' plain average (their parts are not shared
    across plans). Units without a figure are left out; None when none has one.
    """
    known = [float(v) for v in values if v is not None]
    if not known:
        return None
    if kind in ("flow", "level"):
        return math.fsum(known)
    return math.fsum(known) / len(known)


def pace_forecast(kind: str, values: Sequence[float], months_total: int) -> float | None:
    """Where the quarter ends if the months still to come go as the reported ones went.

    A flow extrapolates its monthly pace over all the quarter's months; a level keeps its
    latest value; ratios and averages keep their average so far.
    """
    if not values or months_total <= 0:
        return None
    if kind == "flow":
        return math.fsum(values) / len(values) * months_total
    return aggregate(kind, values)


def achievement(actual: float | None, target: float | None, direction: str = "higher"
                ) -> float | None:
    """Actual against target, 1.0 meaning met: the workbooks' own definition
    (:func:`kpi_xl.core.measures.achievement`), None where the workbook shows a blank."""
    from kpi_xl.core.measures import achievement as measured

    if actual is None or target is None:
        return None
    value = measured(actual, target, direction)
    return None if value == "" else float(value)


def status(value: float | None) -> str:
    """'ok', 'watch', 'behind' or 'none' (no actual yet) for an achievement."""
    if value is None:
        return "none"
    if value >= ON_TRACK - 1e-12:
        return "ok"
    if value >= WATCH:
        return "watch"
    return "behind"


@dataclass(frozen=True)
class Rolled:
    """One KPI over one period: kind, months reported of months in the period, figures."""

    kpi: str
    kind: str
    unit: str
    direction: str
    months: int
    months_total: int
    target: float | None  # the whole period's
    target_to_date: float | None  # the reported months'
    actual: float | None  # the reported months'
    forecast: float | None  # the whole period's, at the reported pace

    @property
    def achievement(self) -> float | None:
        """To date: the reported months' actual against the same months' target."""
        return achievement(self.actual, self.target_to_date, self.direction)

    @property
    def forecast_achievement(self) -> float | None:
        return achievement(self.forecast, self.target, self.direction)

    @property
    def status(self) -> str:
        return status(self.forecast_achievement if self.forecast is not None
                      else self.achievement)
