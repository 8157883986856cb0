"""One target per KPI per period, defined once: the model behind each ``<Prefix>_Targets`` table.

Every department workbook holds an Excel Table with one row per KPI per period (the year, its four
quarters, twelve months and review weeks). Each row's target is an :class:`~kpi_xl.core.expr.Expr`
defined here; the workbook writes it as the row's formula (with its value cached), every other
sheet reads the row, and roll-forward evaluates the same expressions for workbooks saved without
results. Lower periods combine into higher ones by the KPI's kind (:data:`kpi_xl.core.kpis.
MEASURE_KINDS`):

- flow: a month is its seasonal share of a yearly figure (moved earlier by the sales cycle where
  the plan has one), or the planner's monthly number; its weeks split it into whole numbers that
  add up to it; a quarter adds up its months and the year its quarters. Flows that are not driven
  by demand (a churn allowance, deploys) are spread evenly instead of by seasonality.
- level: the value at each period's end; the same target for every period, never added up.
- ratio and average: never added up. A yearly churn cap ``a`` is a cap of ``1 − (1 − a)^(1/n)``
  for a period that is ``1/n`` of the year (churn compounds on the remaining base); a yearly
  retention ``r`` is ``r^(1/n)``. Other rates and averages hold for any period.

Weeks start on Monday and belong to the month that holds their Thursday
(:func:`kpi_xl.core.fiscal.fiscal_weeks`). Standard library only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from kpi_xl.core.expr import (
    ExcelError,
    Expr,
    Num,
    Value,
    area,
    index_,
    mod_,
    power_,
    ref,
    roundup,
    sum_,
)
from kpi_xl.core.fiscal import fiscal_weeks
from kpi_xl.core.funnel import monthly_split_exprs
from kpi_xl.core.kpis import Kpi

__all__ = [
    "PERIOD_TYPES",
    "WEEKS_PER_YEAR",
    "Period",
    "TargetRow",
    "evaluate",
    "even_split_exprs",
    "periods",
    "series_cells",
    "series_key",
    "target_rows",
    "targets_by_period",
    "weight_key",
]

PERIOD_TYPES = ("year", "quarter", "month", "week")
#: Periods per year, for rates of a year turned into rates of a shorter period.
PER_YEAR = {"year": 1, "quarter": 4, "month": 12, "week": 52}
WEEKS_PER_YEAR = 52

#: How a linked plan figure spreads over periods (a department's ``links`` map names to these).
#: annual: a yearly flow shaped by seasonality; annual_even: a yearly flow spread evenly (an
#: allowance); quarter: a quarterly flow spread evenly (engineering cadence); level: holds for any
#: period (a rate, an average, a count of customers); yearly_loss: a yearly share that may be lost
#: (churn), compounding; yearly_keep: a yearly share kept (retention), compounding.
LINK_CODES = ("annual", "annual_even", "quarter", "level", "yearly_loss", "yearly_keep")
#: The KPI kinds that can follow a figure spread by each code: a count per period is a flow
#: (weeks add up to months); a rate for the year is a ratio; a level is anything but a flow.
LINK_KINDS = {"annual": ("flow",), "annual_even": ("flow",), "quarter": ("flow",),
              "level": ("level", "ratio", "average"), "yearly_loss": ("ratio",),
              "yearly_keep": ("ratio",)}


def weight_key(month: int) -> str:
    """Key of the seasonality weight of fiscal month ``month`` (0-11)."""
    return f"season.{month}"


def series_key(annual_name: str, month: int, lagged: bool = False) -> str:
    """Key of a plan series' monthly cell (``lagged``: moved earlier by the lead time)."""
    return f"{annual_name}.{'lagged' if lagged else 'month'}.{month}"


@dataclass(frozen=True)
class Period:
    """A period of the fiscal year: its type code, first day and position."""

    type: str  # year | quarter | month | week
    first: dt.date
    index: int  # position among periods of its type (quarter 0-3, month 0-11, week 0-52)
    month: int  # the fiscal month (0-11) it starts in, or belongs to (a week)
    quarter: int  # 1-4 (the quarter holding its month; the year: 0)


def periods(fiscal_year: int, start_month: int, review_weekday: int = 0) -> list[Period]:
    """The year, its quarters, months and weeks (starting on ``review_weekday``), in order."""
    from kpi_xl.core.fiscal import fiscal_months

    months = fiscal_months(fiscal_year, start_month)
    out = [Period("year", dt.date(*months[0], 1), 0, 0, 0)]
    out += [Period("quarter", dt.date(*months[3 * q], 1), q, 3 * q, q + 1) for q in range(4)]
    out += [Period("month", dt.date(*months[m], 1), m, m, m // 3 + 1) for m in range(12)]
    out += [Period("week", day, i, m, m // 3 + 1)
            for i, (day, m) in enumerate(fiscal_weeks(fiscal_year, start_month, review_weekday))]
    return out


@dataclass(frozen=True)
class TargetRow:
    """One KPI's target for one period."""

    period: Period
    kpi_index: int  # position of the KPI on the KPI sheet (0-based; its No. is one more)
    kpi: Kpi
    kind: str
    expr: Expr
    typed: bool  # the planner's own number (an input cell), not a formula
    key: str

    @property
    def lookup(self) -> int:
        """A whole-number key for exact lookups: No. × 10⁶ + period code × 10⁵ + first day serial.

        Numbers, not text, so a KPI named with ``*`` or ``?`` can never match as a wildcard.
        """
        return lookup_key(self.kpi_index, self.period.type, self.period.first)


def lookup_key(kpi_index: int, period_type: str, first: dt.date) -> int:
    """The lookup number of a KPI's period (see :attr:`TargetRow.lookup`)."""
    serial = (first - dt.date(1899, 12, 30)).days
    return (kpi_index + 1) * 1_000_000 + (PERIOD_TYPES.index(period_type) + 1) * 100_000 + serial


def row_key(kpi_index: int, period: Period) -> str:
    return f"target.{kpi_index}.{period.type}.{period.index}"


def even_split_exprs(total: Expr, parts: int) -> list[Expr]:
    """Whole parts of ``total`` that add up to it: ROUNDUP(total × j / n) minus the one before."""
    out: list[Expr] = []
    previous: Expr | None = None
    for j in range(1, parts + 1):
        cumulative = roundup(total * j / parts, 0) if j < parts else total
        out.append(cumulative if previous is None else cumulative - previous)
        previous = cumulative
    return out


def series_cells(series: Sequence[object]) -> dict[str, Expr]:
    """Each plan series' twelve monthly cells (and the lagged ones), by key.

    A seasonal series follows the seasonality weights; one that is not (a churn allowance,
    deploys) is spread evenly. A series with a lead time is also shown that many months earlier.
    """
    cells: dict[str, Expr] = {}
    weights = [weight_key(m) for m in range(12)]
    for spec in series:
        annual = ref(spec.annual_name)  # type: ignore[attr-defined]
        months = (monthly_split_exprs(annual, weights) if spec.seasonal  # type: ignore[attr-defined]
                  else even_split_exprs(annual, 12))
        keys = [series_key(spec.annual_name, m) for m in range(12)]  # type: ignore[attr-defined]
        cells.update(zip(keys, months, strict=True))
        lag = spec.lag_name  # type: ignore[attr-defined]
        if lag:
            # This month must bring in what the deals of (month + lag) need: read the split that
            # many months ahead, wrapping round the year.
            for m in range(12):
                cells[series_key(spec.annual_name, m, lagged=True)] = index_(  # type: ignore[attr-defined]
                    area(keys), mod_(Num(m) + ref(lag), 12) + 1)
    return cells


def target_rows(department: object, kpis: Sequence[Kpi], fiscal_year: int, start_month: int,
                review_weekday: int = 0) -> list[TargetRow]:
    """Every KPI's target for every period, KPI by KPI: year, quarters, months, weeks (which
    start on ``review_weekday``, 0 = Monday)."""
    links: Mapping[str, str] = department.links  # type: ignore[attr-defined]
    series = {s.annual_name: s for s in department.series}  # type: ignore[attr-defined]
    all_periods = periods(fiscal_year, start_month, review_weekday)
    by_type = {t: [p for p in all_periods if p.type == t] for t in PERIOD_TYPES}
    rows: list[TargetRow] = []
    for i, kpi in enumerate(kpis):
        kind = kpi.measure_kind
        code = links.get(kpi.link or "") if kpi.link else None
        keys = {(p.type, p.index): row_key(i, p) for p in all_periods}
        exprs: dict[tuple[str, int], tuple[Expr, bool]] = {}
        year, quarters, months, weeks = (by_type[t] for t in PERIOD_TYPES)
        if kind == "flow" and code in ("annual", "annual_even", "quarter"):
            spec = series.get(kpi.link or "")
            for p in months:
                if spec is not None and code != "quarter":
                    cell = series_key(spec.annual_name, p.index, lagged=bool(spec.lag_name))
                    exprs[("month", p.index)] = (ref(cell), False)
                elif code == "quarter":
                    part = even_split_exprs(ref(kpi.link), 3)[p.index % 3]  # type: ignore[arg-type]
                    exprs[("month", p.index)] = (part, False)
                else:
                    part = even_split_exprs(ref(kpi.link), 12)[p.index]  # type: ignore[arg-type]
                    exprs[("month", p.index)] = (part, False)
        elif kind == "flow":
            for p in months:
                exprs[("month", p.index)] = (Num(kpi.target), True)
        if kind == "flow":
            for p in weeks:
                in_month = [w for w in weeks if w.month == p.month]
                part = even_split_exprs(ref(keys[("month", p.month)]), len(in_month))
                exprs[("week", p.index)] = (part[in_month.index(p)], False)
            for p in quarters:
                exprs[("quarter", p.index)] = (sum_(area(
                    [keys[("month", m)] for m in range(3 * p.index, 3 * p.index + 3)])), False)
            exprs[("year", 0)] = (sum_(area([keys[("quarter", q)] for q in range(4)])), False)
        else:
            base: Expr = ref(kpi.link) if code is not None else Num(kpi.target)  # type: ignore[arg-type]
            exprs[("year", 0)] = (base, code is None)
            year_ref = ref(keys[("year", 0)])
            for p in (*quarters, *months, *weeks):
                n = PER_YEAR[p.type]
                if code == "yearly_loss":
                    expr: Expr = 1 - power_(1 - year_ref, Num(1) / n)
                elif code == "yearly_keep":
                    expr = power_(year_ref, Num(1) / n)
                else:
                    expr = year_ref
                exprs[(p.type, p.index)] = (expr, False)
        for p in (*year, *quarters, *months, *weeks):
            expr, typed = exprs[(p.type, p.index)]
            rows.append(TargetRow(p, i, kpi, kind, expr, typed, keys[(p.type, p.index)]))
    return rows


class _Env(Mapping[str, Value]):
    """Plan values plus expressions evaluated on first use (targets read other targets)."""

    def __init__(self, base: Mapping[str, Value], exprs: Mapping[str, Expr]) -> None:
        self._base = base
        self._exprs = exprs
        self._done: dict[str, Value] = {}

    def __getitem__(self, key: str) -> Value:
        if key in self._done:
            return self._done[key]
        if key in self._exprs:
            value = self._exprs[key].evaluate(self)
            self._done[key] = value
            return value
        return self._base[key]

    def get(self, key: str, default: object = None) -> Value:  # type: ignore[override]
        try:
            return self[key]
        except KeyError:
            return default  # type: ignore[return-value]

    def __iter__(self) -> Iterator[str]:
        return iter({**self._exprs})

    def __len__(self) -> int:
        return len(self._exprs)


def evaluate(plan: object, department: object) -> tuple[list[TargetRow], dict[str, Value]]:
    """A department's target rows and every row's value, from the plan alone."""
    from kpi_xl.core.plan import PlanValues

    rows = target_rows(department, plan.kpis.get(department.key, ()),  # type: ignore[attr-defined]
                       plan.fiscal_year, plan.start_month,  # type: ignore[attr-defined]
                       plan.review_weekday)  # type: ignore[attr-defined]
    base = PlanValues(plan.values, (*getattr(plan, "custom", ()), department))  # type: ignore[attr-defined]
    for m, weight in enumerate(plan.seasonality):  # type: ignore[attr-defined]
        base[weight_key(m)] = weight
    exprs = {**series_cells(department.series), **{r.key: r.expr for r in rows}}  # type: ignore[attr-defined]
    env = _Env(base, exprs)
    values: dict[str, Value] = {}
    for row in rows:
        try:
            values[row.key] = env[row.key]
        except (ExcelError, KeyError, TypeError):
            continue
    return rows, values


def targets_by_period(plan: object, department: object
                      ) -> dict[tuple[str, dt.date, str], float]:
    """(period type, first day, KPI name) → target, as the Targets table computes it."""
    rows, values = evaluate(plan, department)
    return {(r.period.type, r.period.first, r.kpi.name): float(values[r.key])  # type: ignore[arg-type]
            for r in rows if isinstance(values.get(r.key), (int, float))}


@dataclass(frozen=True)
class Conflict:
    """Two targets for the same KPI and period that differ (by department key)."""

    kpi: str
    period: str
    first: dt.date
    values: tuple[tuple[str, float], ...]  # (department key, target)


def conflicts(plan: object) -> list[Conflict]:
    """Every KPI and period whose target differs between the workbooks that show it.

    A KPI of the same name in two departments (sales' and marketing's leads) is one figure of the
    company plan: each period must have one target. Empty for a plan whose funnel closes.
    """
    from kpi_xl.core.plan import plan_departments

    seen: dict[tuple[str, str, dt.date], dict[str, float]] = {}
    for key, dept in plan_departments(plan).items():
        if not plan.kpis.get(key):  # type: ignore[attr-defined]
            continue
        for (period, first, name), value in targets_by_period(plan, dept).items():
            seen.setdefault((name.casefold(), period, first), {})[key] = value
    names = {kpi.name.casefold(): kpi.name
             for kpis in plan.kpis.values() for kpi in kpis}  # type: ignore[attr-defined]
    return [Conflict(names[name], period, first, tuple(values.items()))
            for (name, period, first), values in seen.items()
            if len(values) > 1 and len(set(values.values())) > 1]
