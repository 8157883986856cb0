"""The department registry: every department the generator writes, in order.

Adding a department: write a module that defines ``DEPARTMENT`` and list it here.
"""

from __future__ import annotations

from kpi_xl.core.departments import customer_success, development, marketing, sales
from kpi_xl.core.departments.base import Department

__all__ = ["DEPARTMENTS", "Department", "get"]

DEPARTMENTS: dict[str, Department] = {d.key: d for d in (sales.DEPARTMENT, marketing.DEPARTMENT, customer_success.DEPARTMENT,
                                               development.DEPARTMENT)}


def get(key: str) -> Department:
    """The department registered under ``key``."""
    return DEPARTMENTS[key]
