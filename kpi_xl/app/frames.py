"""pandas views of kpi_xl's results, for notebooks and BI tools (pandas is imported here only)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import pandas as pd

from kpi_xl.core.tree import Finding

__all__ = ["findings_frame"]


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    """Findings (of :func:`kpi_xl.core.failure.analyze` or the tree validator), one row each."""
    return pd.DataFrame([dataclasses.asdict(f) for f in findings],
                        columns=[f.name for f in dataclasses.fields(Finding)])
