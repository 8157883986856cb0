"""The KPI functions as xlwings UDFs: the only module that imports xlwings.

A thin face over :mod:`kpi_xl.core.functions`, where each function's argument handling, its
refusals and its docstring live (that module is pure Python and also runs in xlwings Lite).
Here each function only gets xlwings' decorators: its category, and the help text of every
argument shown by Excel's Function Wizard.

Classic Windows Excel: ``UDF Modules = kpi_xl.addin.udfs`` (see ``kpi-xl addin``). xlwings Lite
imports this module from the generated ``main.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import xlwings as xw

from kpi_xl.core import functions
from kpi_xl.core.functions import FUNCTIONS, OFFICEJS, KpiArgumentError

__all__ = ["FUNCTIONS", "OFFICEJS", "KpiArgumentError", *functions.FUNCTIONS]

_CATEGORY = "kpi_xl"


def _face(core: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Give a face function the core function's docstring (Excel's description of it)."""

    def adopt(face: Callable[..., Any]) -> Callable[..., Any]:
        face.__doc__ = core.__doc__
        return face

    return adopt


@xw.func(category=_CATEGORY)
@xw.arg("target_revenue", doc="Revenue to reach (e.g. 200,000,000)")
@xw.arg("avg_deal_size", doc="Average revenue per deal (greater than 0)")
@_face(functions.KPI_REQUIRED_DEALS)
def KPI_REQUIRED_DEALS(target_revenue, avg_deal_size):
    return functions.KPI_REQUIRED_DEALS(target_revenue, avg_deal_size)


@xw.func(category=_CATEGORY)
@xw.arg("target_deals", doc="Orders (deals) to win")
@xw.arg("win_rate", doc="Opportunity-to-order rate, e.g. 20% or 0.2")
@_face(functions.KPI_REQUIRED_OPPS)
def KPI_REQUIRED_OPPS(target_deals, win_rate):
    return functions.KPI_REQUIRED_OPPS(target_deals, win_rate)


@xw.func(category=_CATEGORY)
@xw.arg("target_deals", doc="Orders (deals) to win")
@xw.arg("win_rate", doc="Opportunity-to-order rate, e.g. 20% or 0.2")
@xw.arg("lead_to_opp_rate", doc="Lead-to-opportunity rate, e.g. 10% or 0.1")
@_face(functions.KPI_REQUIRED_LEADS)
def KPI_REQUIRED_LEADS(target_deals, win_rate, lead_to_opp_rate):
    return functions.KPI_REQUIRED_LEADS(target_deals, win_rate, lead_to_opp_rate)


@xw.func(category=_CATEGORY)
@xw.arg("target", doc="What the last stage must reach (e.g. 100 orders)")
@xw.arg("rates", ndim=2, doc="Conversion rates, last stage first: a row, a column or {0.2,0.1}")
@_face(functions.KPI_FUNNEL)
def KPI_FUNNEL(target, rates):
    return functions.KPI_FUNNEL(target, rates)


@xw.func(category=_CATEGORY)
@xw.arg("annual", doc="The annual (fiscal-year) target to split")
@xw.arg("weights", ndim=2, doc="Optional seasonality weights, one per month (default: 12 equal)")
@_face(functions.KPI_MONTHLY)
def KPI_MONTHLY(annual, weights=None):
    return functions.KPI_MONTHLY(annual, weights)


@xw.func(category=_CATEGORY)
@xw.arg("base", doc="The base to lose from (e.g. customers at the start)")
@xw.arg("max_rate", doc="The most that may be lost, e.g. 5% churn")
@_face(functions.KPI_MAX_LOST)
def KPI_MAX_LOST(base, max_rate):
    return functions.KPI_MAX_LOST(base, max_rate)


@xw.func(category=_CATEGORY)
@xw.arg("actual", ndim=2, doc="Actual value(s): a cell or a column")
@xw.arg("target", ndim=2, doc="Target value(s): a cell, or a range the size of actual")
@xw.arg("direction", ndim=2, doc="Optional: \"higher\" (default) or \"lower\" is better; 高いほど良い / 低いほど良い")
@_face(functions.KPI_ACHIEVEMENT)
def KPI_ACHIEVEMENT(actual, target, direction=None):
    return functions.KPI_ACHIEVEMENT(actual, target, direction)


@xw.func(category=_CATEGORY)
@xw.arg("current", ndim=2, doc="Current value(s) of the key result")
@xw.arg("start", ndim=2, doc="Value(s) at the start of the period")
@xw.arg("target", ndim=2, doc="Target value(s) of the key result")
@_face(functions.KPI_OKR_SCORE)
def KPI_OKR_SCORE(current, start, target):
    return functions.KPI_OKR_SCORE(current, start, target)


@xw.func(category=_CATEGORY)
@xw.arg("statement", ndim=2, doc="A KPI statement in Japanese or English, or a column of them")
@xw.arg("target", ndim=2, doc="Optional target value(s)")
@xw.arg("deadline", ndim=2, doc="Optional deadline(s): a date or text")
@xw.arg("owner", ndim=2, doc="Optional owner(s)")
@xw.arg("parent", ndim=2, doc="Optional KSF or KGI the KPI serves (judges Relevant)")
@_face(functions.KPI_SMART_CHECK)
def KPI_SMART_CHECK(statement, target=None, deadline=None, owner=None, parent=None):
    return functions.KPI_SMART_CHECK(statement, target, deadline, owner, parent)


@xw.func(category=_CATEGORY)
@xw.arg("tree", ndim=2, doc="The tree with a header row: ID, Parent, Name, Kind, Department, "
        "Operator, Target, Unit (Japanese headers too)")
@xw.arg("lang", doc="Optional: \"ja\" or \"en\" for the messages (default: the range's language)")
@_face(functions.KPI_TREE_VALIDATE)
def KPI_TREE_VALIDATE(tree, lang=None):
    return functions.KPI_TREE_VALIDATE(tree, lang)


@xw.func(category=_CATEGORY)
@xw.arg("metric", doc="Benchmark key, e.g. win_rate, lead_to_opportunity_rate, churn_rate, nps")
@xw.arg("field", doc="Optional: low, high, typical, label, unit, direction or basis "
        "(default: a row of low, high, typical); 下限, 上限, 代表値, 名称 ... in Japanese")
@xw.arg("lang", doc="Optional: \"ja\" or \"en\" for the label (default: Japanese when the "
        "field is named in Japanese)")
@_face(functions.KPI_BENCHMARK)
def KPI_BENCHMARK(metric, field=None, lang=None):
    return functions.KPI_BENCHMARK(metric, field, lang)
