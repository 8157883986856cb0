"""What a plan holds: input and output cells, their kinds, labels, validation and samples.

Each department declares its inputs and formula outputs once, here-shaped; the template writer,
the plan reader and the workbook writer all work from these declarations. Standard library only.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Union

from kpi_xl.core.expr import CellResolver, Expr, and_, isnumber, ref

__all__ = ["KINDS", "MAX_FIGURE", "MAX_NAME_UNITS", "MAX_TEXT_UNITS", "RATE_RULE", "InputSpec",
           "OutputSpec", "check_value", "figure_problem", "is_rate", "rate_rule_formula", "shorten",
           "utf16_len"]

#: A name (a KPI, an owner, the company) goes into drop-down lists and formula text, where Excel
#: takes at most 255 characters (UTF-16 units); longer is refused, never cut.
MAX_NAME_UNITS = 255
#: Free text (a definition, a KSF, an objective): far below Excel's 32,767 per cell, far above
#: any real sentence; a 10 MB paste is refused rather than carried into every workbook.
MAX_TEXT_UNITS = 2_000


#: The largest figure kpi-xl works with: a quadrillion (10^15) yen, leads or weights. Excel
#: computes up to about 1e308, but the plan multiplies and adds its figures (a deal size of 1e308
#: overflows at once), and no business counts beyond this; above it is a slip, refused by name.
MAX_FIGURE = 1e15


def figure_problem(value: float, lang: str, *, negative_ok: bool = False) -> str | None:
    """What is wrong with a figure (an input, a target, an actual); None when it is usable."""
    from kpi_xl.core.i18n import t

    if not math.isfinite(value):
        return t(lang, "figure.not_finite")
    if abs(value) > MAX_FIGURE:
        return t(lang, "figure.too_large", value=f"{value:g}", limit=f"{MAX_FIGURE:,.0f}")
    if value < 0 and not negative_ok:
        return t(lang, "figure.negative", value=f"{value:,g}")
    return None


def utf16_len(text: str) -> int:
    """Length as Excel counts it: UTF-16 code units (an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def shorten(text: str, keep: int = 40) -> str:
    """Text for a message: itself when short, else its start and its length."""
    if len(text) <= keep + 10:
        return text
    return f"{text[:keep]}… ({len(text):,} characters)"

Scalar = Union[float, int, str, None]
Text = dict  # {"ja": "...", "en": "..."}


@dataclass(frozen=True)
class Kind:
    """A kind of input: how it is shown, validated and described."""

    key: str
    unit: Text
    number_format: str
    expected: Text
    example: str
    like: str = ""  # the kind whose validation it shares (counts of customers are counts)

    @property
    def rule(self) -> str:
        """The kind that decides validation: itself, or the one it is ``like``."""
        return self.like or self.key


# Number formats are language-neutral; units stand in their own column so values stay numbers.
KINDS: dict[str, Kind] = {
    "count": Kind("count", {"ja": "件", "en": "count"}, "#,##0",
                  {"ja": "0 以上の整数を入力してください", "en": "expected a whole number of 0 or more"},
                  "100"),
    "customers": Kind("customers", {"ja": "社", "en": "customers"}, "#,##0",
                      {"ja": "0 以上の整数を入力してください",
                       "en": "expected a whole number of 0 or more"}, "200", like="count"),
    "times": Kind("times", {"ja": "回", "en": "times"}, "#,##0",
                  {"ja": "0 以上の整数を入力してください", "en": "expected a whole number of 0 or more"},
                  "2", like="count"),
    # A duration in whole months (a sales cycle): a count, but its unit is months, never 件.
    "months": Kind("months", {"ja": "か月", "en": "months"}, "#,##0",
                   {"ja": "0 以上の整数(月数)を入力してください",
                    "en": "expected a whole number of months, 0 or more"}, "2", like="count"),
    "rate": Kind("rate", {"ja": "%", "en": "%"}, "0.0%",
                 {"ja": "0% より大きく 100% 以下の率を入力してください(例: 20%)",
                  "en": "expected a rate above 0% and at most 100% (e.g. 20%)"}, "20%"),
    "money": Kind("money", {"ja": "円", "en": "JPY"}, "#,##0",
                  {"ja": "0 より大きい金額を入力してください", "en": "expected an amount above 0"},
                  "2,000,000"),
    "weight": Kind("weight", {"ja": "比率", "en": "weight"}, "0.00",
                   {"ja": "0 以上の数値を入力してください(空欄は 1)",
                    "en": "expected a number of 0 or more (blank means 1)"}, "1"),
    "month": Kind("month", {"ja": "月", "en": "month"}, "0",
                  {"ja": "1〜12 の整数を入力してください", "en": "expected a whole month number 1-12"},
                  "4"),
    "year": Kind("year", {"ja": "年度", "en": "FY"}, "0",
                 {"ja": "2000〜2100 の西暦年を入力してください",
                  "en": "expected a four-digit year between 2000 and 2100"}, "2026"),
    "weekday": Kind("weekday", {"ja": "曜日", "en": "weekday"}, "@",
                    {"ja": "曜日を選んでください(月曜日〜日曜日。空欄は月曜日)",
                     "en": "expected a day of the week, Monday to Sunday (blank means Monday)"},
                    "Monday"),
    "text": Kind("text", {"ja": "", "en": ""}, "@",
                 {"ja": "文字を入力してください", "en": "expected some text"}, "ACME"),
}


@dataclass(frozen=True)
class InputSpec:
    """An input cell that the planner fills in; ``name`` is its workbook-scope defined name."""

    name: str
    kind: str
    label: Text
    help: Text
    sample: Scalar
    required: bool = True
    benchmark: str | None = None  # a key of kpi_xl.core.benchmarks (the article's industry figures)
    blank_value: Scalar = None  # used when an optional input is left blank
    # A formula the template puts in the cell until the planner types a number over it
    # (marketing's SQL target follows sales' required opportunities).
    default: Expr | None = None
    section: str = "main"  # inputs of another section get their own table (e.g. "channels")
    # Optional inputs planned together (a marketing channel: ads CTR and CPA): all filled, or all
    # blank, which means "not planned" (the plan reader refuses a group filled in part).
    group: str | None = None
    # The unit shown beside the value when the kind's own ("件", "count") would be wrong: a
    # planner's own KGI counted in people ("人") or companies ("社"). None: the kind's unit.
    unit: Text | None = None

    @property
    def kind_info(self) -> Kind:
        return KINDS[self.kind]

    @property
    def bounds(self) -> tuple[float | None, float | None] | None:
        """(low, high) of the input's benchmark, either side None when open; None without one."""
        from kpi_xl.core import benchmarks

        bench = benchmarks.get(self.benchmark) if self.benchmark else None
        return bench.bounds if bench is not None else None


@dataclass(frozen=True)
class OutputSpec:
    """A formula cell: computed from inputs by ``expr`` (keys are defined names)."""

    name: str
    kind: str
    label: Text
    help: Text
    expr: Expr
    benchmark: tuple[float, float] | None = None
    extra: dict = field(default_factory=dict)

    @property
    def kind_info(self) -> Kind:
        return KINDS[self.kind]


def _describe(value: Scalar, lang: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return "空欄です" if lang == "ja" else "the cell is blank"
    if isinstance(value, str) and value.strip() in _ERROR_VALUES:
        return (f"エラー値 {value.strip()} が入っています" if lang == "ja"
                else f"found the error value {value.strip()}")
    if isinstance(value, str):
        return f"文字「{value}」が入っています" if lang == "ja" else f"found the text {value!r}"
    if isinstance(value, bool):
        shown = "TRUE" if value else "FALSE"
        return f"論理値 {shown} が入っています" if lang == "ja" else f"found the logical value {shown}"
    if isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
        shown = value.isoformat() if not isinstance(value, datetime.timedelta) else str(value)
        if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
            shown = value.date().isoformat()
        return f"日付・時刻 {shown} が入っています" if lang == "ja" else f"found the date/time {shown}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    shown = f"{value:,}" if isinstance(value, (int, float)) else repr(value)
    return f"{shown} が入っています" if lang == "ja" else f"found {shown}"


_ERROR_VALUES = {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"}

Validator = Callable[[float], bool]

_CELL = "value"
#: A rate is a fraction above 0 (a zero rate would need infinitely many leads) and at most 1
#: (100%). One definition: the plan reader, the funnel, the Excel functions and the workbooks'
#: data validation (:func:`rate_rule_formula`) all apply it.
RATE_RULE: Expr = and_(isnumber(ref(_CELL)), ref(_CELL).gt(0), ref(_CELL).le(1))


def is_rate(value: object) -> bool:
    """Whether ``value`` is a usable conversion rate under :data:`RATE_RULE`."""
    return RATE_RULE.evaluate({_CELL: value}) is True  # type: ignore[dict-item]


def rate_rule_formula(address: str) -> str:
    """:data:`RATE_RULE` as an Excel validation formula for one cell: ``=AND(ISNUMBER(C5),...)``."""
    return "=" + RATE_RULE.formula(CellResolver(_CELL, address))


_RULES: dict[str, Validator] = {
    "count": lambda v: v >= 0 and float(v).is_integer(),
    "rate": is_rate,
    "money": lambda v: v > 0,
    "weight": lambda v: v >= 0,
    "month": lambda v: float(v).is_integer() and 1 <= v <= 12,
    "year": lambda v: float(v).is_integer() and 2000 <= v <= 2100,
}


def check_value(spec: InputSpec, raw: object,
                lang: str = "en") -> tuple[Scalar, tuple[str, str] | None]:
    """Validate one raw cell value against its spec.

    Returns ``(value, None)`` when usable, or ``(None, (found, expected))`` describing the problem
    in ``lang``.
    """
    kind = spec.kind_info
    expected = kind.expected[lang]
    if isinstance(raw, str) and not raw.strip():
        raw = None
    if raw is None:
        if not spec.required:
            return spec.blank_value, None
        return None, (_describe(None, lang), expected)
    if spec.kind == "weekday":
        day = weekday_index(raw)
        return (day, None) if day is not None else (None, (_describe(raw, lang), expected))  # type: ignore[arg-type]
    if spec.kind == "text":
        text = str(raw).strip()
        if utf16_len(text) > MAX_NAME_UNITS:
            from kpi_xl.core.i18n import t

            return None, (t(lang, "text.too_long", text=shorten(text), count=f"{utf16_len(text):,}"),
                          t(lang, "text.limit", limit=f"{MAX_NAME_UNITS:,}"))
        return text, None
    typed_text = raw if isinstance(raw, str) else None
    if typed_text is not None:
        # Numbers typed as text are understood when they can mean one thing only: full-width
        # digits, thousands separators, "20%" in a rate cell, the kind's own unit ("100件").
        number = text_number(typed_text, spec.kind)
        if number is None:
            return None, (_describe(raw, lang), expected)  # type: ignore[arg-type]
        raw = number
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        return None, (_describe(raw, lang), expected)  # type: ignore[arg-type]
    if not math.isfinite(raw) or not _RULES[kind.rule](raw):
        found = _describe(raw, lang)
        if typed_text is not None:
            found = (f"文字「{typed_text}」(= {raw:g})が入っています" if lang == "ja"
                     else f"found the text {typed_text!r} (= {raw:g})")
        if spec.kind == "rate" and 1 < raw <= 100:
            # The classic slip: 20 typed into a cell meant for 20%.
            found += (f"(= {raw * 100:g}%。{raw:g}% のつもりなら {raw:g}% または {raw / 100:g} と入力)"
                      if lang == "ja" else
                      f" (that is {raw * 100:g}%; for {raw:g}% type {raw:g}% or {raw / 100:g})")
        return None, (found, expected)
    if abs(raw) > MAX_FIGURE:
        from kpi_xl.core.i18n import t

        found = t(lang, "figure.too_large", value=f"{raw:g}", limit=f"{MAX_FIGURE:,.0f}")
        return None, (found, expected)
    if kind.rule in ("count", "month", "year"):
        return int(raw), None
    return raw, None


_WEEKDAYS = (("月", "monday", "mon"), ("火", "tuesday", "tue"), ("水", "wednesday", "wed"),
             ("木", "thursday", "thu"), ("金", "friday", "fri"), ("土", "saturday", "sat"),
             ("日", "sunday", "sun"))


def weekday_index(raw: object) -> int | None:
    """0 (Monday) to 6 (Sunday) for a day typed in Japanese or English (「月曜日」「月曜」「月」,
    "Monday", "mon"), else None. Numbers are not days: 1 could mean Monday or Sunday."""
    if not isinstance(raw, str):
        return None
    from kpi_xl.core.textnum import normalize

    text = normalize(raw).strip().rstrip(".").casefold()
    for suffix in ("曜日", "曜"):
        text = text.removesuffix(suffix)
    for i, names in enumerate(_WEEKDAYS):
        if text in names:
            return i
    return None


# The units a number typed as text may carry, by kind (after NFKC folding).
_TEXT_UNITS = {
    "count": ("件",),
    "customers": ("社",),
    "times": ("回",),
    "months": ("か月", "ヶ月", "カ月", "ヵ月", "months", "month"),
    "money": ("円", "JPY", "yen"),
    "month": ("月",),
    "year": ("年度", "年"),
    "rate": ("%",),
    "weight": (),
}
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^[+-]?\.\d+$")


def text_number(text: str, kind: str) -> float | None:
    """A number typed as text, or None when it is not one number of this kind unambiguously.

    Full-width digits and signs are folded (NFKC). A rate may end in "%" ("20%" and "２０％" are
    0.2); money may start with ¥ or end in 円; a count may end in 件, a month in 月, a year in
    年 or 年度. Words ("two million", "2 million"), ranges and dates are not numbers here.
    """
    from kpi_xl.core.textnum import normalize

    body = normalize(text).strip()
    if kind == "money" and body[:1] in ("¥", "\\"):
        body = body[1:].strip()
    percent = False
    for unit in _TEXT_UNITS.get(kind, ()):
        if body.endswith(unit):
            body = body[: -len(unit)].strip()
            percent = unit == "%"
            break
    if not _PLAIN_NUMBER.match(body):
        return None
    try:
        number = float(body.replace(",", ""))
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return number / 100 if percent else number
