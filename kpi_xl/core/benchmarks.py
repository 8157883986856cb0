"""Reference figures for B2B KPIs: industry ranges, guideline thresholds and example targets.

Each figure is a frozen :class:`Benchmark` keyed by a metric key (``"win_rate"``, ``"churn_rate"``
...). Rates are stored as fractions (``0.2`` is 20%) with ``unit="%"``; counts, scores and hours
are stored as they read. A one-sided guideline ("retention of 90% or more") has only ``low`` or
only ``high``; an example target with no range has only ``typical``.

``basis`` says how firm a figure is:

- ``"industry"``: an industry average range (opportunity→order 20-30%, lead→opportunity 5-10%).
- ``"guideline"``: a commonly recommended threshold (churn at most 5%, NPS of 50 or more...).
- ``"example"``: a worked example's figure (CVR 3%, 300 leads a month); a starting point only.

Standard library only, so it runs unchanged in Pyodide.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["BENCHMARKS", "Benchmark", "by_department", "get"]


@dataclass(frozen=True)
class Benchmark:
    """One reference figure for a metric.

    ``low``/``high`` bound the acceptable range (None means open on that side); ``direction``
    says which way is better ("higher" or "lower"); ``typical`` is a representative value.
    """

    key: str
    label_ja: str
    label_en: str
    department: str  # "sales" | "marketing" | "customer_success" | "development"
    unit: str  # "%" (stored as a fraction), "pt", "件/月", "回/週", "時間"
    direction: str  # "higher" | "lower"
    low: float | None = None
    high: float | None = None
    typical: float | None = None
    basis: str = "guideline"

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        """``(low, high)``; either side may be None (open)."""
        return (self.low, self.high)

    def label(self, lang: str = "en") -> str:
        """The metric's name in ``lang`` ("ja" or "en")."""
        return self.label_ja if lang == "ja" else self.label_en

    def contains(self, value: float) -> bool | None:
        """True when ``value`` lies within the range, False outside, None when there is no range.

        ``value`` is in the benchmark's own scale (a fraction for ``unit == "%"``).
        """
        if (self.low is None and self.high is None) or not _finite(value):
            return None
        if self.low is not None and value < self.low:
            return False
        return not (self.high is not None and value > self.high)


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


_ALL = (
    # Sales: industry averages of the two funnel conversion rates.
    Benchmark("win_rate", "商談→受注率", "opportunity-to-order (win) rate", "sales", "%",
              "higher", low=0.20, high=0.30, typical=0.20, basis="industry"),
    Benchmark("lead_to_opportunity_rate", "リード→商談率", "lead-to-opportunity rate", "sales",
              "%", "higher", low=0.05, high=0.10, typical=0.10, basis="industry"),
    # Marketing: the worked example's monthly figures, one per funnel phase.
    Benchmark("cvr", "CVR(コンバージョン率)", "conversion rate (CVR)", "marketing", "%",
              "higher", typical=0.03, basis="example"),
    Benchmark("monthly_page_views", "月間PV", "page views a month", "marketing", "PV/月",
              "higher", typical=100_000, basis="example"),
    Benchmark("monthly_unique_users", "月間UU", "unique users a month", "marketing", "UU/月",
              "higher", typical=30_000, basis="example"),
    Benchmark("monthly_leads", "月間リード獲得数", "leads a month", "marketing", "件/月",
              "higher", typical=300, basis="example"),
    Benchmark("monthly_mql", "月間MQL数", "MQLs a month", "marketing", "件/月", "higher",
              typical=150, basis="example"),
    Benchmark("monthly_sql", "月間SQL数", "SQLs a month", "marketing", "件/月", "higher",
              typical=50, basis="example"),
    # Customer success guidelines.
    Benchmark("retention_rate", "継続率", "retention rate", "customer_success", "%", "higher",
              low=0.90, typical=0.90),
    Benchmark("churn_rate", "解約率", "churn rate", "customer_success", "%", "lower",
              high=0.05, typical=0.05),
    Benchmark("nps", "NPS", "NPS", "customer_success", "pt", "higher", low=50, typical=50),
    Benchmark("onboarding_completion_rate", "オンボーディング完了率",
              "onboarding completion rate", "customer_success", "%", "higher", low=0.80,
              typical=0.80),
    # Development guidelines.
    Benchmark("sprint_completion_rate", "スプリント完了率", "sprint completion rate",
              "development", "%", "higher", low=0.90, typical=0.90),
    Benchmark("bugs_per_month", "月間バグ件数", "bugs a month", "development", "件/月", "lower",
              high=10, typical=10),
    Benchmark("deploys_per_week", "週間デプロイ回数", "deploys a week", "development", "回/週",
              "higher", low=2, typical=2),
    Benchmark("code_review_hours", "コードレビュー完了時間", "code review turnaround",
              "development", "時間", "lower", high=24, typical=24),
)

#: Every benchmark by its metric key.
BENCHMARKS: dict[str, Benchmark] = {b.key: b for b in _ALL}


def get(key: str) -> Benchmark | None:
    """The benchmark for ``key`` (case and surrounding spaces ignored), or None."""
    if not isinstance(key, str):
        return None
    return BENCHMARKS.get(key.strip().lower())


def by_department(department: str) -> list[Benchmark]:
    """The benchmarks of one department, in declaration order."""
    return [b for b in _ALL if b.department == department]


# The benchmark that judges a KPI, by the metric the SMART checker reads in its name
# (:func:`kpi_xl.core.smart.metric_keys`). Only figures in the same period as the KPI are listed:
# deploys are benchmarked per week, the workbooks count them per month.
_BY_METRIC = {
    "win_rate": "win_rate",
    "churn": "churn_rate",
    "retention": "retention_rate",
    "nps": "nps",
    "onboarding": "onboarding_completion_rate",
    "sprint": "sprint_completion_rate",
    "bugs": "bugs_per_month",
    "code_review": "code_review_hours",
    "cvr": "cvr",
}


def for_metric(metric_key: str | None) -> Benchmark | None:
    """The benchmark for a metric key as the SMART checker names it, or None."""
    if not metric_key:
        return None
    key = _BY_METRIC.get(metric_key)
    return BENCHMARKS.get(key) if key else None
