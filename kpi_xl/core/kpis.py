"""KPI definitions as a planner writes them, normalised, plus OKRs (standard library only).

A KPI row carries everything the article asks of a KPI: what it measures, the KSF it serves, its
unit and direction, a target with a deadline and an owner, how often it is reviewed, and whether
it leads or lags. Japanese and English spellings of the choices are both understood.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kpi_xl.core.i18n import t

__all__ = [
    "CADENCES",
    "DIRECTIONS",
    "KINDS_OF_INDICATOR",
    "UNITS",
    "Kpi",
    "Okr",
    "aggregation",
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

    @property
    def aggregation(self) -> str:
        return aggregation(self.unit)


@dataclass(frozen=True)
class Okr:
    """An objective's key result, measured by one KPI, scored from start to target."""

    department: str
    objective: str
    key_result: str
    kpi: str
    start: float
    target: float


def _format_number(value: float, unit: str) -> str:
    if unit == "%":
        text = f"{value * 100:.1f}".rstrip("0").rstrip(".")
        return f"{text}%"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def statement(kpi: Kpi, lang: str) -> str:
    """The KPI as one SMART sentence, built from its fields in ``lang``.

    A KPI named as a measure reads "by <deadline>, bring <name> to <target>"; one named as an
    intention ("顧客満足度を上げる") keeps its own verb and gets the target alongside, so the
    sentence stays grammatical while the SMART check points out the vague name.
    """
    # Lazy: the SMART checker compiles its patterns on import, which readers of KPI records
    # (the plan reader, the add-in) should not pay for until a statement is built.
    from kpi_xl.core.smart import is_intention

    number = _format_number(kpi.target, kpi.unit)
    amount = (t(lang, f"statement.amount.{kpi.unit}", amount=number) if kpi.unit in UNIT_LABELS
              else t(lang, "statement.amount.other", amount=number, unit=kpi.unit))
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
