"""What-if in both directions, from a department's funnel data: a sensitivity grid and a forward view.

*Backwards* (what the plan needs): a grid of the figure a planner cares about, such as sales'
required leads, for rates around the plan's own. Each cell is the plan figure's own expression
(:mod:`kpi_xl.core.funnel`, Excel's ROUNDUP) with the row's and the column's rate in place of the
plan's: one definition, so the cell for the plan's own rates is the plan figure exactly.

*Forwards* (where the quarter ends): the top of the funnel achieved so far plus what the plan
still expects in the months not yet reported, carried down the funnel at the rates achieved so
far (the plan's rates where nothing was reported yet).

Everything is built from :class:`~kpi_xl.core.departments.base.Department` data alone (its
``funnel``, rate inputs and output expressions), so any department with a funnel, built-in or a
planner's own, gets both. Standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kpi_xl.core.expr import Bool, Expr, and_, if_, max_, min_, or_, ref, substitute

__all__ = [
    "GRID_STEPS",
    "FunnelModel",
    "achieved_rate_expr",
    "expand",
    "forward_exprs",
    "funnel_model",
    "grid",
    "grid_exprs",
    "remaining_planned_expr",
]

#: The grid's steps around a plan rate p, in points, as a share of p, and as a share of the way
#: from p to 100%: each step is the smallest of the three, so the grid runs
#: MAX(p − 5pt, 0.6p), MAX(p − 2pt, 0.8p), p, MIN(p + 2pt, 1.2p, p + ⅓(1 − p)),
#: MIN(p + 5pt, 1.4p, p + ⅔(1 − p)).
GRID_STEPS: tuple[tuple[float, float, int], ...] = ((0.05, 0.4, 2), (0.02, 0.2, 1))


def grid_exprs(rate: Expr) -> list[Expr]:
    """Five rates around ``rate`` (an expression: the plan's input cell), ascending.

    The plan's own rate is the middle one, exactly (the formula is the input itself). The five
    are above 0 and at most 1, ascending, and distinct for any rate up to 99.9% (nearer 100% the
    steps above are finer than floating point tells apart); at 100% nothing lies above, and the
    upper two are 100% as well. Written as formulas of the input, the grid follows a changed rate.
    """
    below = [max_(rate - points, rate * (1 - share)) for points, share, _ in GRID_STEPS]
    above = [min_(rate + points, rate * (1 + share), rate + (1 - rate) * thirds / 3)
             for points, share, thirds in reversed(GRID_STEPS)]
    return [*below, rate, *above]


def grid(rate: float) -> list[float]:
    """The grid of :func:`grid_exprs` for a plan rate, as numbers (the cached values).

    >>> [round(r, 4) for r in grid(0.2)]
    [0.15, 0.18, 0.2, 0.22, 0.25]
    >>> [round(r, 4) for r in grid(0.03)]
    [0.018, 0.024, 0.03, 0.036, 0.042]
    """
    if not 0 < rate <= 1:
        raise ValueError(f"a rate must be greater than 0 and at most 1, got {rate!r}")
    values = [e.evaluate({"rate": rate}) for e in grid_exprs(ref("rate"))]
    return [float(v) for v in values]  # type: ignore[arg-type]


def expand(expr: Expr, outputs: Mapping[str, Expr]) -> Expr:
    """``expr`` with every reference to an output replaced by the output's own expression.

    What remains reads inputs only, so substituting an input (a rate) changes every stage that
    depends on it, as in the workbook.
    """
    for _ in range(len(outputs) + 1):
        reads = expr.keys()
        inner = {key: outputs[key] for key in reads if key in outputs}
        if not inner:
            return expr
        expr = substitute(expr, inner)
    raise ValueError("outputs refer to each other in a circle")


@dataclass(frozen=True)
class FunnelModel:
    """A department's funnel as the what-if blocks need it.

    ``stages`` are the funnel's defined names, widest first, the KGI last; ``rates[i]`` is the
    rate input that turns stage i into stage i + 1; ``exprs`` are the stages' expressions over
    inputs only; ``values`` are the plan figures computed from the KGI (sales' revenue: deals ×
    average deal size), with their expressions.
    """

    stages: tuple[str, ...]
    rates: tuple[str, ...]
    exprs: Mapping[str, Expr]
    values: tuple[tuple[str, Expr], ...]

    @property
    def kgi(self) -> str:
        """The funnel's last stage."""
        return self.stages[-1]

    @property
    def scenario(self) -> tuple[str, str, str] | None:
        """(figure in the cells, rate down the rows, rate across) of the sensitivity grid.

        The two conversions closest to the KGI, and the stage they decide: for sales, required
        leads by win rate (rows) and lead→opportunity rate (columns); for marketing, required
        leads by MQL→SQL (rows) and lead→MQL (columns). None for a funnel of fewer than three
        stages (one rate has no second axis).
        """
        if len(self.stages) < 3:
            return None
        return self.stages[-3], self.rates[-1], self.rates[-2]

    def scenario_cell(self, row_rate: Expr, column_rate: Expr) -> Expr:
        """The grid cell: the figure's own expression with the row's and column's rates."""
        figure, rows, columns = self.scenario or ("", "", "")
        if not figure:
            raise ValueError("this funnel has no sensitivity grid")
        return substitute(self.exprs[figure], {rows: row_rate, columns: column_rate})


def funnel_model(department: object) -> FunnelModel | None:
    """The funnel model of a department, or None when it has no funnel one can walk.

    Walking from the KGI back to the widest stage, each stage must bring in exactly one rate
    input that the stages after it did not use: that rate turns it into the next stage.
    """
    stages: tuple[str, ...] = tuple(getattr(department, "funnel", ()) or ())
    if len(stages) < 2:
        return None
    outputs = {o.name: o.expr for o in department.outputs}  # type: ignore[attr-defined]
    rate_inputs = {i.name for i in department.inputs  # type: ignore[attr-defined]
                   if i.kind == "rate"}
    exprs = {name: expand(outputs[name], outputs) if name in outputs else ref(name)
             for name in stages}
    rates: list[str] = []
    seen: set[str] = set()
    for name in reversed(stages[:-1]):
        new = (exprs[name].keys() & rate_inputs) - seen
        if len(new) != 1:
            return None
        rates.insert(0, next(iter(new)))
        seen |= new
    kgi = stages[-1]
    values = []
    for name, expr in outputs.items():
        full = expand(expr, outputs)
        reads = full.keys()
        # A figure of the KGI alone (revenue = deals × deal size), not another stage or a rate.
        if name not in stages and kgi in reads and not reads & rate_inputs:
            values.append((name, full))
    return FunnelModel(stages, tuple(rates), exprs, tuple(values))


def forward_exprs(inflow: Expr, rates: Sequence[Expr]) -> list[Expr]:
    """Each stage's forward count: the inflow, then the stage before times its rate.

    >>> from kpi_xl.core.expr import Num
    >>> [e.evaluate({}) for e in forward_exprs(Num(1000), [Num(0.1), Num(0.2)])]
    [1000, 100.0, 20.0]
    """
    out = [inflow]
    for rate in rates:
        out.append(out[-1] * rate)
    return out


def remaining_planned_expr(planned: Sequence[Expr], reported: Expr | None) -> Expr:
    """The plan's count for the months of the quarter not yet reported.

    Months are taken as reported in order: with two months reported, the third month's plan
    remains. Without a KPI that reports the stage (``reported`` None), the whole quarter's plan.
    """
    total: Expr | None = None
    for month, cell in enumerate(planned):
        term = cell if reported is None else if_(reported.le(month), cell, 0)
        total = term if total is None else total + term
    if total is None:
        raise ValueError("a quarter has months")
    return total


def achieved_rate_expr(plan_rate: Expr, *, counts: tuple[Expr, Expr, Expr, Expr] | None = None,
                       rate: tuple[Expr, Expr] | None = None) -> tuple[Expr, Expr]:
    """(rate used, whether an actual decided it) for one conversion, with the plan's fallback.

    ``counts`` = (upstream to date, its months reported, downstream to date, its months
    reported): when both were reported (and upstream is not 0) the rate is downstream ÷ upstream,
    a ratio recomputed from its numerator and denominator. Otherwise ``rate`` = (a rate KPI's
    average to date, its months reported) when that was reported. Otherwise the plan's rate.
    """
    value: Expr = plan_rate
    achieved: Expr = Bool(False)
    if rate is not None:
        average, months = rate
        value = if_(months.gt(0), average, value)
        achieved = months.gt(0)
    if counts is not None:
        up, up_months, down, down_months = counts
        both = and_(up_months.gt(0), down_months.gt(0), up.ne(0))
        value = if_(both, down / up, value)
        achieved = or_(both, achieved)
    return value, achieved
