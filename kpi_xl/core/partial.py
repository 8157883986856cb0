"""Partial plans: which built-in departments a plan covers, and what a skipped one changes.

A department whose inputs and KPI table were all left blank is not planned: no workbook is
written for it and none of its figures is computed (:attr:`kpi_xl.core.plan.Plan.departments`).
A planned department that takes figures from a skipped one stands on its own inputs instead:
marketing's SQL target and sales cycle follow sales' by default, and sales' lead→opportunity
rate and marketing's two rates are derived from each other (:mod:`kpi_xl.core.company`).
Standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping

from kpi_xl.core.i18n import t
from kpi_xl.core.spec import Scalar

__all__ = ["follows", "owner", "plan_notes", "skipped"]


def owner(name: str) -> str | None:
    """The key of the department whose input or output is the defined name ``name``."""
    from kpi_xl.core.departments import DEPARTMENTS

    for key, dept in DEPARTMENTS.items():
        if any(s.name == name for s in (*dept.inputs, *dept.outputs)):
            return key
    return None


def follows(key: str, values: Mapping[str, Scalar] | None = None) -> dict[str, tuple[str, ...]]:
    """The inputs of department ``key`` that follow another department, by that one's key.

    An input follows another department when its template default is computed from that
    department's figures, or when it is one of the company funnel's rates, which derive from
    each other (:data:`kpi_xl.core.company.RATES`). With a plan's ``values``, a figure that
    matters only while another input links it (:data:`kpi_xl.core.company.LINKED_BY`: CS' won
    deals, when a share of them are new customers) is left out while that input is blank.

    >>> follows("marketing")["sales"]
    ('Mkt_TargetSQL', 'Mkt_MqlToSqlRate', 'Mkt_LeadToMqlRate', 'Mkt_CycleMonths')
    >>> follows("sales")
    {'marketing': ('Sales_LeadToOppRate',)}
    >>> follows("customer_success"), follows("customer_success", {})
    ({'sales': ('CS_WonDeals',)}, {})
    """
    from kpi_xl.core.company import LINKED_BY, RATES
    from kpi_xl.core.departments import DEPARTMENTS

    out: dict[str, list[str]] = {}
    for spec in DEPARTMENTS[key].inputs:
        if (values is not None and spec.name in LINKED_BY
                and values.get(LINKED_BY[spec.name]) in (None, "")):
            continue
        others: list[str] = []
        if spec.default is not None:
            others += [k for k in map(owner, sorted(spec.default.keys())) if k and k != key]
        if spec.name in RATES:
            others += [k for k in map(owner, RATES) if k and k != key]
        for other in dict.fromkeys(others):
            out.setdefault(other, []).append(spec.name)
    return {other: tuple(names) for other, names in out.items()}


def skipped(departments: tuple[str, ...]) -> list[str]:
    """The built-in departments not among ``departments``, in the registry's order."""
    from kpi_xl.core.departments import DEPARTMENTS

    return [key for key in DEPARTMENTS if key not in departments]


def plan_notes(departments: tuple[str, ...], lang: str,
               values: Mapping[str, Scalar] | None = None) -> list[str]:
    """What a planner is told about a partial plan: the departments skipped, and each planned
    department that stands on its own inputs because one it follows is skipped (with the plan's
    ``values``, only links in play: see :func:`follows`). Empty for a plan that covers every
    department."""
    from kpi_xl.core.departments import DEPARTMENTS

    left_out = skipped(departments)
    if not left_out:
        return []
    sep = t(lang, "partial.separator")
    notes = [t(lang, "partial.skipped",
               departments=sep.join(DEPARTMENTS[k].name[lang] for k in left_out))]
    for key in departments:
        dept = DEPARTMENTS[key]
        for other, names in follows(key, values).items():
            if other in left_out:
                notes.append(t(lang, "partial.own_inputs", department=dept.name[lang],
                               other=DEPARTMENTS[other].name[lang],
                               inputs=sep.join(dept.input(n).label[lang] for n in names)))
    return notes
