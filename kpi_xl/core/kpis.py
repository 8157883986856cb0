"""KPI definitions as a planner writes them, normalised, plus OKRs (standard library only).

A KPI row carries everything the article asks of a KPI: what it measures, the KSF it serves, its
unit and direction, a target with a deadline and an owner, how often it is reviewed, and whether
it leads or lags. Japanese and English spellings of the choices are both understood.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kpi_xl.core.i18n import t

if TYPE_CHECKING:
    from kpi_xl.core.expr import Expr

__all__ = [
    "CADENCES",
    "DIRECTIONS",
    "KINDS_OF_INDICATOR",
    "MEASURE_KINDS",
    "UNITS",
    "Kpi",
    "Okr",
    "aggregation",
    "infer_kind",
    "monthly_equivalent",
    "normalise_choice",
    "statement",
]

# Choice lists: canonical key → label per language. Drop-downs show the labels; the reader
# accepts either language's label and the canonical key.
DIRECTIONS = {
    "higher": {"ja": "高いほど良い", "en": "higher is better"},
    "lower": {"ja": "低いほど良い", "en": "lower is better"},
}
CADENCES = {
    "weekly": {"ja": "週次", "en": "weekly"},
    "monthly": {"ja": "月次", "en": "monthly"},
    "quarterly": {"ja": "四半期", "en": "quarterly"},
}
KINDS_OF_INDICATOR = {
    "leading": {"ja": "先行指標", "en": "leading"},
    "lagging": {"ja": "遅行指標", "en": "lagging"},
}
# How a measure combines over periods (the codes are the same in every language).
# flow: counts and amounts per period, weeks add up to months and months to quarters;
# level: the value at the period's end (customers), never added up;
# ratio: a rate, recomputed from numerator and denominator or else averaged, never added up;
# average: a unit cost, an average deal size, review hours: averaged, never added up.
MEASURE_KINDS = {
    "flow": {"ja": "フロー(期間で合計)", "en": "flow (adds up)"},
    "level": {"ja": "水準(期末の値)", "en": "level (value at period end)"},
    "ratio": {"ja": "率(合計しない)", "en": "ratio (never added)"},
    "average": {"ja": "平均(平均する)", "en": "average (averaged)"},
}
# The kind a unit implies when the planner gives none (see infer_kind for money).
_UNIT_KINDS = {"件": "flow", "円": "flow", "回": "flow", "人": "flow", "セッション": "flow",
               "社": "level", "%": "ratio", "点": "average", "時間": "average"}
# Amounts per something are averages, not flows: CPA, cost per lead, average deal size, unit price.
_AVERAGE_WORDS = ("cpa", "cpl", "cpc", "単価", "平均", "average", "avg", "per lead", "per deal",
                  "per acquisition", "deal size", "1件あたり", "一件あたり")

# Units a KPI may be counted in. "sum" units add up over months (leads, yen); "average" units
# are levels (rates, scores, hours) and are averaged instead.
UNITS = {
    "件": ("sum", "count"), "円": ("sum", "money"), "回": ("sum", "count"),
    "人": ("sum", "count"), "社": ("sum", "count"), "セッション": ("sum", "count"),
    "%": ("average", "percent"), "点": ("average", "decimal"), "時間": ("average", "decimal"),
}
UNIT_LABELS = {
    "件": {"ja": "件", "en": "count"}, "円": {"ja": "円", "en": "JPY"},
    "回": {"ja": "回", "en": "times"}, "人": {"ja": "人", "en": "people"},
    "社": {"ja": "社", "en": "companies"}, "セッション": {"ja": "セッション", "en": "sessions"},
    "%": {"ja": "%", "en": "%"}, "点": {"ja": "点", "en": "points"},
    "時間": {"ja": "時間", "en": "hours"},
}

_EXTRA_SPELLINGS = {
    "flow": ("フロー", "合計", "sum", "count"),
    "level": ("水準", "残高", "期末", "stock"),
    "ratio": ("率", "割合", "rate", "percentage"),
    "average": ("平均", "mean", "avg"),
    "higher": ("以上", "高い", "up", "increase", "max", "↑"),
    "lower": ("以下", "低い", "down", "decrease", "min", "↓", "以内"),
    "weekly": ("週", "毎週", "week"),
    "monthly": ("月", "毎月", "month"),
    "quarterly": ("四半期ごと", "quarter", "q"),
    "leading": ("先行", "lead"),
    "lagging": ("遅行", "lag"),
}


def normalise_choice(value: object, choices: dict[str, dict[str, str]]) -> str | None:
    """The canonical key for a choice typed in either language, or None if not understood."""
    if value is None:
        return None
    text = str(value).strip().casefold()
    if not text:
        return None
    for key, labels in choices.items():
        spellings = {key, *(label.casefold() for label in labels.values()),
                     *(s.casefold() for s in _EXTRA_SPELLINGS.get(key, ()))}
        if text in spellings:
            return key
    return None


def unit_key(value: object) -> str | None:
    """The canonical unit for a unit typed in either language."""
    if value is None:
        return None
    text = str(value).strip()
    for key, labels in UNIT_LABELS.items():
        if text in (key, labels["en"], labels["en"].rstrip("s")) or text.casefold() in (
                labels["en"].casefold(),):
            return key
    aliases = {"％": "%", "percent": "%", "yen": "円", "jpy": "円", "h": "時間", "hours": "時間",
               "hour": "時間", "pt": "点", "pts": "点", "score": "点", "deals": "件",
               "leads": "件", "visits": "セッション"}
    return aliases.get(text.casefold())


def aggregation(unit: str) -> str:
    """'sum' when monthly values add up (counts, money), 'average' for levels (rates, scores)."""
    return UNITS.get(unit, ("sum", "count"))[0]


def infer_kind(unit: str, name: str = "") -> str:
    """The measure kind a KPI's unit implies: 件 → flow, 社 → level, % → ratio, 点 → average.

    Money is a flow (revenue) unless the name says it is an amount per something (CPA, 単価,
    average deal size): those are averages, never added up.
    """
    kind = _UNIT_KINDS.get(unit, "flow")
    if unit == "円" and any(word in name.casefold() for word in _AVERAGE_WORDS):
        return "average"
    return kind


def number_kind(unit: str) -> str:
    """The workbook number format kind for a unit."""
    return UNITS.get(unit, ("sum", "count"))[1]


@dataclass(frozen=True)
class Kpi:
    """One KPI of a department, as the planner defined it (choices in canonical keys)."""

    name: str
    definition: str
    ksf: str
    unit: str
    direction: str
    target: float
    deadline: dt.date | None
    owner: str
    cadence: str
    indicator: str
    baseline: float | None = None
    link: str | None = None  # a defined name the target follows live, e.g. Sales_RequiredLeads
    kind: str | None = None  # flow | level | ratio | average; None: inferred from the unit

    @property
    def measure_kind(self) -> str:
        """How the KPI combines over periods: its kind, or the one its unit implies."""
        return self.kind or infer_kind(self.unit, self.name)

    @property
    def aggregation(self) -> str:
        """'sum' for flows, 'average' for every other kind (never added up)."""
        return "sum" if self.measure_kind == "flow" else "average"


@dataclass(frozen=True)
class Okr:
    """An objective's key result, measured by one KPI, scored from start to target."""

    department: str
    objective: str
    key_result: str
    kpi: str
    start: float
    target: float


def number_text(value: object, unit: str) -> Expr:
    """A target as the statement shows it, live: "1,234", "3.5", "2.5%" (no trailing zeros).

    A percentage keeps one decimal where it has one; other numbers up to two. Written as TEXT
    formulas, so a statement follows its target cell; evaluated, it is the cached text.
    """
    from kpi_xl.core.expr import if_, lift, round_, text_

    x = lift(value)  # type: ignore[arg-type]
    if unit == "%":
        return if_(round_(x * 100, 0).eq(round_(x * 100, 1)), text_(x, "0%"), text_(x, "0.0%"))
    return if_(round_(x, 0).eq(round_(x, 2)), text_(x, "#,##0"),
               if_(round_(x, 1).eq(round_(x, 2)), text_(x, "#,##0.0"), text_(x, "#,##0.00")))


def _format_number(value: float, unit: str) -> str:
    return str(number_text(value, unit).evaluate({}))


def statement(kpi: Kpi, lang: str, period: str = "") -> str:
    """The KPI as one SMART sentence, built from its fields in ``lang``.

    ``period`` names the period the target is for ("Q2 (Jul–Sep 2026), in total") when it is
    not the KPI's own: the KPI sheet states this quarter's target of a monthly KPI.

    A KPI named as a measure reads "by <deadline>, bring <name> to <target>"; one named as an
    intention ("顧客満足度を上げる") keeps its own verb and gets the target alongside, so the
    sentence stays grammatical while the SMART check points out the vague name.
    """
    return _statement(kpi, lang, period, _format_number(kpi.target, kpi.unit))


_NUMBER_SLOT = "\x00"


def statement_expr(kpi: Kpi, lang: str, period: str, target: Expr) -> Expr:
    """The statement of :func:`statement` as a live formula: its number is ``target`` (a cell)
    shown by :func:`number_text`, so the sentence follows the target when an input changes."""
    from kpi_xl.core.expr import Str

    before, _, after = _statement(kpi, lang, period, _NUMBER_SLOT).partition(_NUMBER_SLOT)
    live = number_text(target, kpi.unit)
    if before:
        live = Str(before).concat(live)
    return live.concat(Str(after)) if after else live


def _statement(kpi: Kpi, lang: str, period: str, number: str) -> str:
    # Lazy: the SMART checker compiles its patterns on import, which readers of KPI records
    # (the plan reader, the add-in) should not pay for until a statement is built.
    from kpi_xl.core.smart import is_intention

    amount = (t(lang, f"statement.amount.{kpi.unit}", amount=number) if kpi.unit in UNIT_LABELS
              else t(lang, "statement.amount.other", amount=number, unit=kpi.unit))
    if period:
        amount = t(lang, "statement.period", amount=amount, period=period)
    fields = {"name": kpi.name, "amount": amount,
              "bound": t(lang, f"statement.{kpi.direction}"),
              "deadline": (t(lang, "statement.deadline", year=kpi.deadline.year,
                             day=kpi.deadline.day,
                             month_name=t(lang, f"month.{kpi.deadline.month}"))
                           if kpi.deadline else "")}
    shape = "statement.intention" if is_intention(kpi.name) else "statement.measure"
    text = t(lang, shape + (".dated" if kpi.deadline else ""), **fields)
    cadence = CADENCES.get(kpi.cadence, {}).get(lang, "")
    extra = [t(lang, key, value=value) for key, value in (
        ("statement.owner", kpi.owner), ("statement.cadence", cadence), ("statement.ksf", kpi.ksf))
        if value]
    if not extra:
        return text
    return t(lang, "statement.with_extra", text=text,
             extra=t(lang, "statement.extra_separator").join(extra))


def monthly_equivalent(kpi: Kpi) -> Kpi:
    """A KPI whose ``target`` is a quarter's, restated per month: what SMART and benchmarks judge.

    Benchmarks are monthly (10 bugs a month, 300 leads a month): a flow's quarter total is three
    months' worth; a level, a ratio or an average is the same for a month as for its quarter.
    """
    from dataclasses import replace

    if kpi.measure_kind != "flow":
        return kpi
    return replace(kpi, target=kpi.target / 3)
