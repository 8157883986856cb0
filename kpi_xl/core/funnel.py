"""The reverse funnel and target splits: the arithmetic every department workbook shows.

Each calculation is defined once as an :mod:`kpi_xl.core.expr` expression. The pure functions below
evaluate those same expressions, and the workbook writer writes them as live formulas with these
values cached, so Python, Excel and LibreOffice agree to the last digit.

Rounding mirrors Excel's ROUNDUP (see :mod:`kpi_xl.core.excelmath`): a stage needs a whole number of
leads or opportunities, and a fraction of one means one more.
Standard library only.
"""

from __future__ import annotations

from collections.abc import Sequence

from kpi_xl.core.expr import Expr, Operand, Value, area, lift, ref, rounddown, roundup, sum_
from kpi_xl.core.spec import is_rate

__all__ = [
    "max_lost",
    "monthly_split",
    "monthly_split_exprs",
    "required_count",
    "required_deals",
    "reverse_funnel",
    "stage_expr",
]


def stage_expr(downstream: Operand, rate: Operand) -> Expr:
    """How many of the earlier stage are needed: ROUNDUP(downstream / conversion rate, 0)."""
    return roundup(_as_expr(downstream) / _as_expr(rate), 0)


def _as_expr(value: Operand) -> Expr:
    return lift(value)


def _evaluate(expr: Expr, env: dict[str, Value] | None = None) -> float:
    value = expr.evaluate(env or {})
    if not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, got {value!r}")
    return value


def _check_rate(rate: float, what: str = "rate") -> None:
    if not is_rate(rate):
        raise ValueError(f"{what} must be greater than 0 and at most 1 (100%), got {rate!r}")


def required_count(downstream: float, rate: float) -> int:
    """Whole number of the earlier stage needed to yield ``downstream`` at ``rate``.

    >>> required_count(100, 0.2)   # 100 deals at a 20% win rate
    500
    >>> required_count(145, 0.29)  # Excel's ROUNDUP(145/0.29,0); math.ceil would say 501
    500
    """
    _check_rate(rate)
    if downstream < 0:
        raise ValueError(f"target must not be negative, got {downstream!r}")
    return int(_evaluate(stage_expr(downstream, rate)))


def reverse_funnel(target: float, rates: Sequence[float]) -> list[int]:
    """Required counts of each earlier stage, walking the funnel backwards from ``target``.

    ``rates`` run from the last conversion to the first: for sales, [win rate, lead→opportunity
    rate] gives [opportunities, leads].

    >>> reverse_funnel(100, [0.2, 0.1])
    [500, 5000]
    """
    counts: list[int] = []
    current = target
    for rate in rates:
        current = required_count(current, rate)
        counts.append(current)
    return counts


def required_deals(target_revenue: float, avg_deal_size: float) -> int:
    """Deals needed to reach ``target_revenue`` at ``avg_deal_size``: ROUNDUP(revenue/size, 0)."""
    if avg_deal_size <= 0:
        raise ValueError(f"average deal size must be positive, got {avg_deal_size!r}")
    if target_revenue < 0:
        raise ValueError(f"target revenue must not be negative, got {target_revenue!r}")
    return int(_evaluate(stage_expr(target_revenue, avg_deal_size)))


def max_lost_expr(base: Operand, max_rate: Operand) -> Expr:
    """The most of ``base`` that may be lost at ``max_rate``: ROUNDDOWN(base × rate, 0)."""
    return rounddown(_as_expr(base) * _as_expr(max_rate), 0)


def max_lost(base: float, max_rate: float) -> int:
    """Whole number that may be lost (e.g. churned customers) without exceeding ``max_rate``.

    >>> max_lost(200, 0.05)
    10
    """
    _check_rate(max_rate)
    return int(_evaluate(max_lost_expr(base, max_rate)))


def monthly_split_exprs(annual: Operand, weight_keys: Sequence[str]) -> list[Expr]:
    """Monthly targets as formulas: whole numbers in proportion to the weights, summing to annual.

    Month *i* gets ROUNDUP(annual × cumulative weight to *i* / total weight) minus the same for
    month *i*-1. Each month is a whole number, the months add up to the annual target exactly,
    and equal weights spread the remainder evenly (5,000 leads → 417, 417, 416, …).
    """
    annual_expr = _as_expr(annual)
    total = sum_(area(weight_keys))
    months: list[Expr] = []
    previous: Expr | None = None
    for i in range(len(weight_keys)):
        cumulative = roundup(annual_expr * sum_(area(weight_keys[: i + 1])) / total, 0)
        months.append(cumulative if previous is None else cumulative - previous)
        previous = cumulative
    return months


def monthly_split(annual: float, weights: Sequence[float] | None = None) -> list[int]:
    """Split ``annual`` into whole monthly targets by seasonality ``weights`` (equal by default).

    >>> monthly_split(5000)[:4]
    [417, 417, 416, 417]
    >>> sum(monthly_split(5000))
    5000
    """
    weights = list(weights) if weights is not None else [1.0] * 12
    if not weights or any(w < 0 for w in weights) or not sum(weights) > 0:
        raise ValueError("weights must be non-negative with a positive total")
    keys = [f"w{i}" for i in range(len(weights))]
    env: dict[str, Value] = {"annual": annual, **dict(zip(keys, weights, strict=True))}
    return [int(_evaluate(e, env)) for e in monthly_split_exprs(ref("annual"), keys)]
