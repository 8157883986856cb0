"""Which plan, department and quarter a workbook belongs to (standard library only).

Every department workbook carries its identity in custom document properties (the writer sets
them, :mod:`kpi_xl.io.previous` reads them back), so last quarter's workbook is found by what it
is, not by what it is called: a workbook renamed to ``FY2027Q2_sales_ja 田中修正.xlsx`` or moved
into a sub-folder is still sales' FY2027Q2 workbook of the same plan.

A *plan identity* names a line of plans that follow each other quarter after quarter and year
after year: the company (as typed on the Plan sheet, compared without case, surrounding or
repeated spaces, and with full-width letters folded to half-width) and the month its fiscal year
starts. The fiscal year is deliberately left out, so that Q1 of a new year finds Q4 of the last
one. Two business units planned under one company name share an identity; give each its own
company name ("ACME 東日本", "ACME 西日本") to keep their workbooks apart.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from kpi_xl.core.fiscal import FiscalQuarter, parse_quarter

__all__ = ["PROPERTIES", "WorkbookIdentity", "plan_identity"]

#: The custom document properties that hold a workbook's identity.
PROPERTIES = {"plan": "kpi_xl_plan", "company": "kpi_xl_company",
              "department": "kpi_xl_department", "quarter": "kpi_xl_quarter",
              "lang": "kpi_xl_lang"}
_DIGITS = 12


def plan_identity(company: str, start_month: int) -> str:
    """A short, stable identity of a plan line: its company and fiscal start month.

    >>> plan_identity("ACME  Corp", 4) == plan_identity(" acme corp", 4)
    True
    >>> plan_identity("ACME", 4) == plan_identity("ACME", 1)
    False
    """
    name = " ".join(unicodedata.normalize("NFKC", company or "").casefold().split())
    text = f"{name}\n{int(start_month)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:_DIGITS]


@dataclass(frozen=True)
class WorkbookIdentity:
    """What a department workbook is: which plan, company, department, quarter and language."""

    plan: str
    company: str
    department: str
    quarter: FiscalQuarter
    lang: str

    @classmethod
    def of(cls, company: str, start_month: int, department: str, quarter: FiscalQuarter,
           lang: str) -> WorkbookIdentity:
        """The identity of a workbook about to be written."""
        return cls(plan_identity(company, start_month), company, department, quarter, lang)

    def properties(self) -> dict[str, str]:
        """The custom document properties that carry this identity."""
        return {PROPERTIES["plan"]: self.plan, PROPERTIES["company"]: self.company,
                PROPERTIES["department"]: self.department,
                PROPERTIES["quarter"]: self.quarter.folder_name,
                PROPERTIES["lang"]: self.lang}

    @classmethod
    def from_properties(cls, found: Mapping[str, object]) -> WorkbookIdentity | None:
        """The identity stored in a workbook's custom properties; None when absent or damaged."""
        texts = {key: str(found.get(name) or "").strip() for key, name in PROPERTIES.items()}
        if not (texts["plan"] and texts["department"] and texts["quarter"]):
            return None
        try:
            quarter = parse_quarter(texts["quarter"])
        except ValueError:
            return None
        return cls(texts["plan"], texts["company"], texts["department"], quarter,
                   texts["lang"])
