"""What a department is: data that the generic workbook builder turns into sheets.

A department declares its named inputs and formula outputs, the figures of its plan sheet, the
series spread over the months, its KGI, the factor decomposition of its KPI tree, and sample
KPIs and OKRs. Adding a department means writing one module of such data and registering it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from kpi_xl.core.expr import Expr
from kpi_xl.core.kpis import Kpi, Okr
from kpi_xl.core.spec import InputSpec, OutputSpec, Text

__all__ = ["Decomposition", "Department", "FigureSpec", "SeriesSpec"]


@dataclass(frozen=True)
class FigureSpec:
    """A row of the plan sheet's figures table (e.g. required leads)."""

    label: Text
    expr: Expr
    kind: str
    name: str | None = None
    how: Text = field(default_factory=lambda: {"ja": "", "en": ""})
    bold: bool = False
    # What the value is: an "annual" or "quarter" flow (the table shows its monthly average), or
    # a "level" such as customers at the start or a rate (no monthly share).
    period: str = "annual"
    # The unit shown beside the value when the kind's own would be wrong (a custom KGI in "人");
    # None: the kind's unit.
    unit: Text | None = None


@dataclass(frozen=True)
class SeriesSpec:
    """An annual figure spread over the months by seasonality."""

    label: Text
    annual_name: str
    kind: str
    # An input holding a lead time in months: the series is also shown that many months earlier
    # (leads must come in before the deals they become).
    lag_name: str | None = None
    # Shaped by the seasonality weights (demand-driven flows); False spreads it evenly (a churn
    # allowance, deploys: nothing about them follows the sales season).
    seasonal: bool = True


@dataclass(frozen=True)
class Decomposition:
    """The KPI tree's factor decomposition: parent = factor × factor … or factor + factor …"""

    parent: Text
    parent_name: str
    parent_kind: str
    operator: str  # "×" or "+"
    factors: tuple[tuple[Text, Expr, str], ...]  # (label, expression, kind)


@dataclass(frozen=True)
class Department:
    """A department's data. See the module docstring."""

    key: str  # file names contain it: sales, marketing, customer_success, development
    prefix: str  # defined-name prefix: Sales, Mkt, CS, Dev
    name: Text
    inputs: tuple[InputSpec, ...]
    outputs: tuple[OutputSpec, ...]
    figures: tuple[FigureSpec, ...]
    series: tuple[SeriesSpec, ...]
    kgi: tuple[Text, str, str]  # (label, defined name, kind)
    # The defined name a KPI links to when it measures the KGI month by month (the KGI's row in
    # the actuals, used to find KPIs met while the KGI was missed).
    kgi_measure: str
    decomposition: Decomposition
    sample_kpis: Mapping[str, tuple[Kpi, ...]]
    sample_okrs: Mapping[str, tuple[Okr, ...]]
    # name → how the figure spreads over periods: a code of kpi_xl.core.targets.LINK_CODES
    links: dict[str, str] = field(default_factory=dict)
    funnel: tuple[str, ...] = ()  # defined names of the funnel stages, widest first
    # Metric (as the SMART checker names it: "leads", "win_rate"...) → the plan figure a KPI
    # measuring it must reach; a typed target short of it fails SMART's A.
    measures: dict[str, str] = field(default_factory=dict)
    labels: dict[str, Text] = field(default_factory=dict)
    # A ratio plan figure → the plan figure it is a share of (its denominator): retention and
    # churn are shares of the customers at the start. A group of business units recomputes such
    # a ratio as Σ(ratio × base) ÷ Σ base (kpi_xl.core.rollup.combine_units_expr).
    ratio_bases: dict[str, str] = field(default_factory=dict)
    # A planner's own department: what it was built from (a
    # kpi_xl.core.departments.custom.CustomDefinition); None for the registry's departments.
    custom: object | None = None

    def label(self, lang: str, key: str) -> str:
        """A department-specific label in ``lang``."""
        return self.labels[key][lang]

    def sheet_title(self, lang: str, part: str) -> str:
        """A sheet name such as '営業 KPI' or 'Sales KPIs' (at most 31 characters)."""
        from kpi_xl.core.i18n import t

        return f"{self.name[lang]} {t(lang, 'sheet.' + part)}"[:31]

    @property
    def kpi_table(self) -> str:
        """Name of the template's KPI table for this department, e.g. ``Sales_KPIs``."""
        return f"{self.prefix}_KPIs"

    @property
    def actuals_table(self) -> str:
        """Name of the monthly actuals table in the workbook, e.g. ``Sales_Actuals``."""
        return f"{self.prefix}_Actuals"

    def link_expr(self, kpi: Kpi) -> Expr | None:
        """The live target of a KPI linked to a plan figure (None when it is not linked).

        The template shows an average month: an annual figure becomes a monthly share (rounded
        up, like every count), a quarterly one a monthly share of the quarter, a yearly churn cap
        a monthly cap 1 − (1 − a)^(1/12) and a yearly retention r^(1/12); a level (a rate, an
        average) is the target itself. The workbooks' targets by period are in
        :mod:`kpi_xl.core.targets`.
        """
        from kpi_xl.core.expr import Num, power_, ref, roundup

        if not kpi.link or kpi.link not in self.links:
            return None
        period = self.links[kpi.link]
        if period in ("annual", "annual_even"):
            return roundup(ref(kpi.link) / 12, 0)
        if period == "quarter":
            return roundup(ref(kpi.link) / 3, 0)
        if period == "yearly_loss":
            return 1 - power_(1 - ref(kpi.link), Num(1) / 12)
        if period == "yearly_keep":
            return power_(ref(kpi.link), Num(1) / 12)
        return ref(kpi.link)

    def unit_of(self, name: str) -> Text | None:
        """The unit a figure or input named ``name`` declares over its kind's (None: the kind's).

        A planner's own KGI is counted in the unit typed for it ("人", "people"), not in the
        count kind's "件": every sheet that shows the KGI asks here.
        """
        from kpi_xl.core.expr import Ref

        for spec in self.inputs:
            if spec.name == name and spec.unit:
                return spec.unit
        for fig in self.figures:
            if fig.unit and (fig.name == name or (isinstance(fig.expr, Ref) and fig.expr.key == name)):
                return fig.unit
        return None

    def input(self, name: str) -> InputSpec:
        """The input spec with this defined name."""
        for spec in self.inputs:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def output(self, name: str) -> OutputSpec:
        """The output spec with this defined name."""
        for spec in self.outputs:
            if spec.name == name:
                return spec
        raise KeyError(name)
