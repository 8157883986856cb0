"""The template's tables: each department's KPI list and the OKRs (column layout, both ways).

The template writer lays the tables out from these column lists, and the plan reader maps the
headers back (in either language), so the two cannot disagree. Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass

from kpi_xl.core.i18n import t

__all__ = ["CUSTOM_DEPARTMENT_COLUMNS", "CUSTOM_KPI_COLUMNS", "CUSTOM_STAGE_COLUMNS", "KPI_COLUMNS",
           "OKR_COLUMNS", "OKR_TABLE", "Column", "headers"]

OKR_TABLE = "Plan_OKRs"


@dataclass(frozen=True)
class Column:
    """A table column: the field it fills and the i18n key of its header."""

    field: str
    label_key: str
    required: bool = True


KPI_COLUMNS = (
    Column("name", "kpi.name"),
    Column("definition", "kpi.definition", required=False),
    Column("ksf", "kpi.ksf"),
    Column("unit", "kpi.unit"),
    Column("kind", "kpi.kind", required=False),
    Column("direction", "kpi.direction"),
    Column("target", "kpi.target"),
    Column("deadline", "kpi.deadline"),
    Column("owner", "kpi.owner"),
    Column("cadence", "kpi.cadence"),
    Column("indicator", "kpi.indicator"),
    Column("link", "kpi.link", required=False),
)

OKR_COLUMNS = (
    Column("department", "okr.department"),
    Column("objective", "okr.objective"),
    Column("key_result", "okr.kr"),
    Column("kpi", "okr.kpi"),
    Column("start", "okr.start"),
    Column("target", "okr.target"),
)


# Your own departments (kpi_xl.core.departments.custom): one row per department, one row per
# stage of its funnel, and its KPIs (a KPI table with a department-key column first).
CUSTOM_DEPARTMENT_COLUMNS = (
    Column("key", "custom.col.key"),
    Column("name", "custom.col.name"),
    Column("kgi_name", "custom.col.kgi_name"),
    Column("kgi_unit", "custom.col.kgi_unit"),
    Column("kgi_target", "custom.col.kgi_target"),
    Column("cadence", "custom.col.cadence"),
)

CUSTOM_STAGE_COLUMNS = (
    Column("department", "custom.col.department"),
    Column("order", "custom.col.order"),
    Column("stage", "custom.col.stage"),
    Column("rate", "custom.col.rate"),
)

CUSTOM_KPI_COLUMNS = (Column("department", "custom.col.department"), *KPI_COLUMNS)


def headers(columns: tuple[Column, ...], lang: str) -> list[str]:
    """The header labels of a table in ``lang``."""
    return [t(lang, c.label_key) for c in columns]


def field_for_header(columns: tuple[Column, ...], header: object) -> str | None:
    """The field a header (in any language) stands for."""
    text = str(header or "").strip()
    for c in columns:
        if text in (t("ja", c.label_key), t("en", c.label_key)):
            return c.field
    return None
