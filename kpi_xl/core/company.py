"""One company funnel: visits → leads → MQL → SQL = opportunities → deals → revenue.

Marketing owns the top of the chain and sales the rest; the figures they share (leads, and SQL =
opportunities) must be the same number in both workbooks. The planner types each conversion rate
once: sales' lead→opportunity rate is marketing's lead→MQL rate times its MQL→SQL rate. A blank
one of the three is derived from the other two (both MQL rates blank: the company does not stage
MQL, so every MQL is an SQL); three typed rates that disagree are refused, with both lead figures.
Standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kpi_xl.core.spec import Scalar

__all__ = ["CHAIN", "RATES", "SHARED", "Gap", "derive_rates", "funnel_gaps"]

DIRECT = "Sales_LeadToOppRate"
LEAD_TO_MQL = "Mkt_LeadToMqlRate"
MQL_TO_SQL = "Mkt_MqlToSqlRate"
#: The three rates of the chain's middle, of which the planner types two or three.
RATES = (DIRECT, LEAD_TO_MQL, MQL_TO_SQL)

#: Figures two departments share: (marketing's name, sales' name, the inputs that decide them).
SHARED = (
    ("Mkt_RequiredLeads", "Sales_RequiredLeads", (LEAD_TO_MQL, MQL_TO_SQL), (DIRECT,)),
    ("Mkt_TargetSQL", "Sales_RequiredOpps", ("Mkt_TargetSQL",), ("Sales_TargetDeals",
                                                                 "Sales_WinRate")),
    ("Mkt_CycleMonths", "Sales_CycleMonths", ("Mkt_CycleMonths",), ("Sales_CycleMonths",)),
    # Customer success counts new customers from sales' deals (when it follows them).
    ("CS_WonDeals", "Sales_TargetDeals", ("CS_WonDeals",), ("Sales_TargetDeals",)),
)
#: The company funnel, widest stage first: (department that owns the stage, its figure), then
#: the same stage's figure in the other department where two share it. Marketing owns the top
#: (visits to SQL), sales the rest (opportunities = SQL, deals, revenue). A report shows each
#: stage once, from its owner's KPI where there is one, else the other's.
CHAIN: tuple[tuple[tuple[str, str], ...], ...] = (
    (("marketing", "Mkt_RequiredVisits"),),
    (("marketing", "Mkt_RequiredLeads"), ("sales", "Sales_RequiredLeads")),
    (("marketing", "Mkt_RequiredMQL"),),
    (("marketing", "Mkt_TargetSQL"), ("sales", "Sales_RequiredOpps")),
    (("sales", "Sales_TargetDeals"),),
    (("sales", "Sales_TargetRevenue"),),
)

#: A shared figure that matters only when the plan links it: (name, the input that links it).
LINKED_BY = {"CS_WonDeals": "CS_NewCustomerShare"}


def _rate(values: Mapping[str, Scalar], name: str) -> float | None:
    value = values.get(name)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def derive_rates(values: Mapping[str, Scalar]) -> dict[str, float]:
    """The conversion rates left blank, derived from the ones typed (empty when none can be).

    >>> derive_rates({"Mkt_LeadToMqlRate": 0.4, "Mkt_MqlToSqlRate": 0.25})
    {'Sales_LeadToOppRate': 0.1}
    >>> derive_rates({"Sales_LeadToOppRate": 0.1})
    {'Mkt_MqlToSqlRate': 1.0, 'Mkt_LeadToMqlRate': 0.1}
    """
    direct, a, b = (_rate(values, n) for n in (DIRECT, LEAD_TO_MQL, MQL_TO_SQL))
    if direct is None and a is not None and b is not None:
        return {DIRECT: a * b}
    if direct is not None and a is None and b is None:
        return {MQL_TO_SQL: 1.0, LEAD_TO_MQL: direct}
    if direct is not None and a is None and b:
        return {LEAD_TO_MQL: direct / b}
    if direct is not None and b is None and a:
        return {MQL_TO_SQL: direct / a}
    return {}


@dataclass(frozen=True)
class Gap:
    """A shared figure that differs between sales and another department (marketing, CS)."""

    marketing: str  # defined name in the other department's workbook (marketing's, or CS')
    sales: str  # defined name in sales' workbook
    marketing_value: float
    sales_value: float
    marketing_inputs: tuple[str, ...]  # the inputs that decide each side
    sales_inputs: tuple[str, ...]

    @property
    def other(self) -> str:
        """The key of the department on the other side of sales."""
        return "customer_success" if self.marketing.startswith("CS_") else "marketing"


def funnel_gaps(values: Mapping[str, Scalar]) -> list[Gap]:
    """Every shared figure whose marketing and sales values differ (none when the plan closes)."""
    from kpi_xl.core.expr import ExcelError
    from kpi_xl.core.plan import PlanValues

    env = PlanValues(values)
    gaps = []
    for mkt, sales, mkt_inputs, sales_inputs in SHARED:
        if mkt in LINKED_BY and values.get(LINKED_BY[mkt]) in (None, ""):
            continue
        try:
            x, y = env[mkt], env[sales]
        except (KeyError, ExcelError, TypeError):
            continue
        if not isinstance(x, (int, float)) or not isinstance(y, (int, float)):
            continue
        if x != y:
            gaps.append(Gap(mkt, sales, float(x), float(y), mkt_inputs, sales_inputs))
    return gaps
