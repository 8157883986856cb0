"""Achievement of a KPI and the score of an OKR key result (standard library only).

Each is defined once as an :mod:`kpi_xl.core.expr` expression: the workbooks write it as a live
formula, and the Python functions below (used by the add-in's UDFs) evaluate the same
expression, so a cell and a UDF can never disagree.
"""

from __future__ import annotations

from kpi_xl.core.expr import Expr, Operand, and_, if_, lift, max_, min_, or_, ref

__all__ = ["ACHIEVEMENT_CAP", "achievement", "achievement_expr", "okr_score", "okr_score_expr",
           "outside_range_expr"]

# A lower-is-better KPI at 0 (no churn at all) shows 200% rather than a division by zero.
ACHIEVEMENT_CAP = 2


def achievement_expr(actual: Operand, target: Operand, is_lower: Operand) -> Expr:
    """Achievement as a ratio where 1 (100%) means the target is just met.

    Higher is better: actual ÷ target. Lower is better (churn, bugs, review hours):
    target ÷ actual, capped at 200%; so churn of 4% against at most 5% is 125%, achieved.
    Blank when no actual is entered yet, or when a higher-is-better target is 0.
    """
    actual, target, is_lower = lift(actual), lift(target), lift(is_lower)
    higher_ratio = if_(target.eq(0), "", actual / target)
    lower_ratio = if_(actual.le(0), ACHIEVEMENT_CAP, min_(ACHIEVEMENT_CAP, target / actual))
    return if_(actual.eq(""), "", if_(is_lower, lower_ratio, higher_ratio))


def achievement(actual: float, target: float, direction: str = "higher") -> float | str:
    """Python value of :func:`achievement_expr` ("" when it is blank in the workbook)."""
    env = {"actual": actual, "target": target, "lower": direction == "lower"}
    return achievement_expr(ref("actual"), ref("target"), ref("lower")).evaluate(env)  # type: ignore[return-value]


def okr_score_expr(current: Operand, start: Operand, target: Operand) -> Expr:
    """Progress from start to target, clipped to 0–1; 0.6–0.7 is a success for an OKR."""
    current, start, target = lift(current), lift(start), lift(target)
    progress = (current - start) / (target - start)
    return if_(or_(current.eq(""), target.eq(start)), "", max_(0, min_(1, progress)))


def okr_score(current: float, start: float, target: float) -> float | str:
    """Python value of :func:`okr_score_expr`."""
    env = {"current": current, "start": start, "target": target}
    return okr_score_expr(ref("current"), ref("start"), ref("target")).evaluate(env)  # type: ignore[return-value]


def outside_range_expr(value: Operand, low: Operand | None, high: Operand | None) -> Expr:
    """TRUE while ``value`` lies below ``low`` or above ``high`` (a side given as None is open).

    A blank value is never outside: nothing was entered yet. With both sides open, FALSE.
    """
    value = lift(value)
    tests: list[Expr] = []
    if low is not None:
        tests.append(value.lt(low))
    if high is not None:
        tests.append(value.gt(high))
    if not tests:
        return lift(False)
    return and_(value.ne(""), or_(*tests))
