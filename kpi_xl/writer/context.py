"""What a department's sheet builders share: the context (book, plan, quarter, language) and
the keys of the cells one sheet hands to the next (the KPI rows, the tracking summary)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kpi_xl.core.fiscal import FiscalQuarter, fiscal_weeks
from kpi_xl.core.i18n import t
from kpi_xl.core.kpis import Kpi
from kpi_xl.core.plan import Plan

if TYPE_CHECKING:
    from kpi_xl.core.departments.base import Department
    from kpi_xl.writer.book import BookWriter

__all__ = ["BuildContext", "KpiRow", "Summary"]


@dataclass
class BuildContext:
    """Everything a department needs to write its workbook."""

    book: BookWriter
    plan: Plan
    quarter: FiscalQuarter
    lang: str
    department: Department
    # What earlier quarters' workbooks carry into this one (kpi_xl.core.rollforward.Carried), if any.
    previous: object | None = None
    with_udfs: bool = False  # add cells that call the add-in's functions (kpi-xl addin)

    def t(self, key: str, **values: object) -> str:
        """Generic text in the workbook's language."""
        return t(self.lang, key, **values)

    def lagged_months(self, kpi: Kpi) -> int:
        """Months a KPI's targets are moved earlier by a lead time (0 when they are not)."""
        for spec in self.department.series:
            if spec.annual_name == kpi.link and spec.lag_name and kpi.measure_kind == "flow":
                return int(self.plan.values.get(spec.lag_name) or 0)  # type: ignore[call-overload]
        return 0

    def quarter_weeks(self) -> list[dt.date]:
        """The first days of the quarter's fiscal weeks, each on the plan's review day."""
        plan, in_quarter = self.plan, set(self.quarter.month_indexes())
        return [day for day, month in fiscal_weeks(plan.fiscal_year, plan.start_month,
                                                   plan.review_weekday) if month in in_quarter]

    def label(self, key: str) -> str:
        """Department-specific text in the workbook's language."""
        return self.department.label(self.lang, key)


@dataclass
class KpiRow:
    """Keys of one KPI's cells on the KPI sheet."""

    kpi: Kpi
    name: str
    unit: str
    direction: str
    target: str
    deadline: str
    owner: str
    ksf: str
    index: int = 0  # position on the KPI sheet (its No. is one more)


@dataclass
class Summary:
    """Keys of the tracking summary: KPI names and their monthly average actuals."""

    names: list[str]
    monthly_average: list[str]
    to_date: list[str] = field(default_factory=list)  # actual to date, per KPI
    reported: list[str] = field(default_factory=list)  # months reported, per KPI
