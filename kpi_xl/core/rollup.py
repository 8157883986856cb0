"""Rolling a quarter up, the pure half of ``kpi-xl report``: kinds, aggregation, pace, status.

Every measure has a kind, and the kind decides how months combine into a quarter (and quarters
into a year):

- ``flow`` (leads, deals, revenue, deploys): months add up;
- ``level`` (customers): the value at the period's end, never added;
- ``ratio`` (win rate, churn, retention): recomputed from its numerator and denominator where both
  were reported for the same months, otherwise the months' average; never added;
- ``average`` (scores, review hours, average deal size): the months' average.

A KPI list may declare the kind; otherwise :func:`measure_kind` infers it from the unit, in this
one place. Business units combine into a group by kind too (:func:`combine_units_expr`: flows
and levels add up, a ratio is Σ numerator ÷ Σ denominator where the units carry the parts and
otherwise the units' plain average, an average the plain average of the units reporting it).
Standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from kpi_xl.core.expr import (
    Expr,
    Num,
    area,
    average_,
    count_,
    if_,
    or_,
    ref,
    sum_,
    sum_where_number,
)
from kpi_xl.core.kpis import MEASURE_KINDS, infer_kind, normalise_choice

__all__ = [
    "KINDS",
    "STATUSES",
    "Rolled",
    "achievement",
    "aggregate",
    "combine_units",
    "combine_units_expr",
    "measure_kind",
    "numerator_expr",
    "pace_forecast",
    "reported_plan_expr",
    "share_parts",
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


def combine_units_expr(kind: str, values: Sequence[str],
                       parts: tuple[Sequence[str], Sequence[str]] | None = None) -> Expr:
    """Business units' figures for the same period combined into the group's, by kind: the one
    definition of the rule, as an expression over the units' cells (keys, contiguous on a sheet).

    - ``flow`` and ``level``: the units' sum (the group's deals are every unit's deals, its
      customers every unit's customers): ``SUM(values)``;
    - ``ratio`` with ``parts`` (each unit's numerator and denominator cells): recomputed as
      ``SUM(numerators) / SUM(denominators)``, so a large unit weighs by its size; where the
      denominators add up to 0, the units' plain average;
    - ``ratio`` without parts (the fallback) and ``average`` (scores, review hours): the plain
      average of the units that report a figure, each unit counting once: ``AVERAGE(values)``.

    Blank (or "") when no unit has a figure; units without one are left out of every rule.
    The group dashboard writes this expression as the group row's formula, and
    :func:`combine_units` evaluates the same one for Python's value.
    """
    cells = area(values)
    if kind in ("flow", "level"):
        combined: Expr = sum_(cells)
    elif kind == "ratio" and parts is not None:
        numerators, denominators = area(parts[0]), area(parts[1])
        combined = if_(sum_(denominators).eq(0), average_(cells),
                       sum_(numerators) / sum_(denominators))
    else:
        combined = average_(cells)
    return if_(count_(cells).eq(0), "", combined)


def reported_plan_expr(plans: Sequence[str], actuals: Sequence[str]) -> Expr:
    """The group's plan for a period counting only the units that reported an actual for it,
    so that a unit still to report does not make the group look behind."""
    return sum_where_number(area(plans), area(actuals))


def numerator_expr(ratio: str, base: str) -> Expr:
    """A unit's numerator where it tracks only the ratio and its plan gives the base it is a
    share of (customers kept = retention × customers at the start); blank when either is."""
    return if_(or_(ref(ratio).eq(""), ref(base).eq("")), "", ref(ratio) * ref(base))


def share_parts(values: Sequence[float | None], bases: Sequence[float]
                ) -> list[tuple[float | None, float | None]]:
    """Each unit's (numerator, denominator) of a ratio that is a share of ``bases``, as
    :func:`numerator_expr` computes it; both blank where the unit has no figure (so that the
    unit is left out of Σ numerator and Σ denominator alike)."""
    out: list[tuple[float | None, float | None]] = []
    for value, base in zip(values, bases, strict=True):
        if value is None:
            out.append((None, None))
            continue
        numerator = numerator_expr("ratio", "base").evaluate({"ratio": value, "base": base})
        out.append((float(numerator), float(base)))  # type: ignore[arg-type]
    return out


def combine_units(kind: str, values: Sequence[float | None],
                  parts: Sequence[tuple[float | None, float | None]] | None = None
                  ) -> float | None:
    """Business units' figures for the same period combined into the group's, by kind, as
    :func:`combine_units_expr` defines it (flows and levels add up; a ratio is Σ numerator ÷
    Σ denominator where ``parts`` gives each unit's (numerator, denominator), else the units'
    plain average; an average is the units' plain average). None when no unit has a figure.
    """
    env: dict[str, float | None] = {}
    keys = [f"v{i}" for i in range(len(values))]
    env.update(zip(keys, (_known(v) for v in values), strict=True))
    split = None
    if parts is not None:
        split = ([f"n{i}" for i in range(len(parts))], [f"d{i}" for i in range(len(parts))])
        env.update(zip(split[0], (_known(n) for n, _ in parts), strict=True))
        env.update(zip(split[1], (_known(d) for _, d in parts), strict=True))
    value = combine_units_expr(kind, keys, split).evaluate(env)  # type: ignore[arg-type]
    return None if value == "" else float(value)


def _known(value: float | None) -> float | None:
    return None if value is None else float(value)


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
    # Compared as the dashboard's formula compares (to Excel's 15 digits), so a status in the
    # report and the same status in a workbook never differ on a rounding hair.
    if Num(value).ge(ON_TRACK).evaluate({}):
        return "ok"
    if Num(value).ge(WATCH).evaluate({}):
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
