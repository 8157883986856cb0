"""Lenient reading of numbers, units, directions and deadlines in Japanese and English text.

Everything here is forgiving: full-width digits and signs (１２３, ％, ，) are folded by NFKC,
Japanese multipliers (千, 万, 億, 兆, also compounds such as 2億5000万) and English ones (k, M,
bn, thousand, million, billion) are applied, and a value that cannot be read gives None instead
of an exception. Standard library only, so it runs unchanged in Pyodide.

Conventions:

- Percentages keep their points: "20%" reads as ``(20.0, "%")``; callers that want a fraction
  divide by 100 themselves (see :func:`as_fraction`).
- Fiscal years are named after the calendar year in which they start (2025年度 / FY2025 with an
  April start runs April 2025 to March 2026), as :mod:`kpi_xl.core.fiscal` does; quarters (Q3, 第3四半期,
  3Q) and halves (H1, 上期) are fiscal quarters and halves of that year. Pass
  ``fiscal_year_start=1`` for calendar quarters.
- "N日以内" / "within N days|weeks|months|years" is a deadline, while "24時間以内" / "within 24
  hours" is a target value (a turnaround time), not a deadline.
- A comparison base ("前年比", "前四半期比", "YoY", "quarter over quarter") counts as a cadence:
  it implies the period measured (this year, this quarter), as in an OKR key result.
"""

from __future__ import annotations

import calendar
import math
import numbers
import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import lru_cache
from operator import attrgetter

from kpi_xl.core.fiscal import fiscal_months

__all__ = [
    "Quantity",
    "TimeFrame",
    "as_fraction",
    "cell_text",
    "find_time_frames",
    "is_dimensionless",
    "normalize",
    "parse_deadline",
    "parse_direction",
    "parse_quantity",
    "scan_quantities",
    "scan_time_frames",
    "to_number",
    "unit_key",
]

# Characters that NFKC leaves alone but that we read as their ASCII counterparts.
_EXTRA = str.maketrans({"−": "-", "‐": "-", "‑": "-", "〜": "~", "≧": "≥", "≦": "≤"})
# (translate() costs microseconds on any non-ASCII text: only texts with such a character pay)
_HAS_EXTRA = re.compile("[" + "".join(chr(c) for c in _EXTRA) + "]").search


def normalize(text: str) -> str:
    """Fold full-width and compatibility characters (NFKC): "１，０００％" becomes "1,000%"."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKC", text)
    return text.translate(_EXTRA) if _HAS_EXTRA(text) else text


def cell_text(value: object) -> str | None:
    """A cell as trimmed, normalized text (ids, names): 12.0 -> "12"; None, NaN, blank -> None."""
    if value is None or isinstance(value, bool):
        return None if value is None else str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, int):
        return str(value)
    try:
        text = normalize(value if isinstance(value, str) else str(value)).strip()
    except Exception:  # an object whose __str__ breaks reads as blank
        return None
    return text or None


class _Record:
    """A small read-only record: the equality, hash and repr of a frozen dataclass.

    Frozen dataclasses cost a call of ``object.__setattr__`` per field on construction, which
    is a large part of a SMART check; these plain ``__slots__`` classes are read-only by
    convention instead (nothing in kpi_xl assigns to them; please do not either). Subclasses
    list their fields, in order, in ``__match_args__`` and use it as ``__slots__``.
    """

    __slots__ = ()
    __match_args__: tuple[str, ...] = ()

    def _fields(self) -> tuple[object, ...]:
        return tuple([getattr(self, name) for name in self.__match_args__])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._fields() == other._fields()  # type: ignore[attr-defined]
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__match_args__)
        return f"{self.__class__.__qualname__}({shown})"


# ---------------------------------------------------------------------------------------------
# Numbers and units
# ---------------------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
_NON_DIGITS = re.compile(r"\D")
_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+"
_JA_MULT = {"兆": 1e12, "億": 1e8, "万": 1e4, "千": 1e3}
_EN_MULT = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "mn": 1e6, "million": 1e6,
            "bn": 1e9, "billion": 1e9}

# One number with an optional multiplier. "M" must be upper case ("5m" is more often minutes).
# The look-ahead (every number starts with a digit or ".") lets other positions fail at once.
_NUM_TOKEN = re.compile(
    rf"(?=[\d.])(?P<num>{_NUM})(?:\s*(?P<ja>[兆億万千])|(?P<en>[kK]|M|MM|mn|bn)(?![A-Za-z])"
    r"|\s?(?P<enw>thousand|million|billion)\b)?")

# Units written right after a number in Japanese text, longest first.
_JA_UNITS = ("パーセント", "ポイント", "アカウント", "ライセンス", "か月", "ヶ月", "カ月", "ヵ月", "ケ月",
             "箇月", "週間", "時間", "件", "円", "ドル", "回", "人", "名", "社", "日", "週", "年",
             "倍", "本", "個", "点", "席", "分", "秒", "%", "pt", "PV", "UU")
_UNIT_AFTER = re.compile(r"[ \t]*(" + "|".join(map(re.escape, _JA_UNITS)) + r")")
_CANON_UNIT = {"パーセント": "%", "ポイント": "pt", "ヶ月": "か月", "カ月": "か月", "ヵ月": "か月",
               "ケ月": "か月", "箇月": "か月", "名": "人", "pt": "pt"}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_EN_WORD = re.compile(r"[ \t]*([A-Za-z][A-Za-z\-']*)")
_EN_SKIP = _words("""new net qualified closed closed-won won paying active additional monthly
    weekly quarterly annual yearly total inbound outbound marketing sales unique organic enterprise
    more extra incremental recurring average avg fresh repeat first-time b2b""")
_EN_STOP = _words("""by in on at to of for from per a an the and or with within than less this
    next every each until till before after is are be was were over under during through across
    via vs while so that it its our we us my you your their his her more less if as when then
    into onto up down out off about around between among against without since ago""")
_EN_UNIT_CANON = {"percent": "%", "percentage": "%", "pct": "%", "yen": "JPY", "jpy": "JPY",
                  "usd": "USD", "dollar": "USD", "dollars": "USD", "hour": "hours",
                  "hrs": "hours", "hr": "hours", "h": "hours", "x": "x", "times": "times"}

_COMPARATOR_AFTER = re.compile(r"[ \t]*(以上|以下|以内|未満|超え|超|を超える|を下回る|を上回る|or\s+more|"
                               r"or\s+less|or\s+fewer|or\s+higher|or\s+lower|or\s+above|or\s+below|"
                               r"and\s+above|and\s+up|at\s+most|at\s+least|max|min)", re.I)
_COMPARATOR_CANON = {"以上": ">=", "以下": "<=", "以内": "<=", "未満": "<", "超え": ">", "超": ">",
                     "を超える": ">", "を下回る": "<", "を上回る": ">", "max": "<=", "min": ">=",
                     "at most": "<=", "at least": ">="}
# Words just before a number, matched on the lower-cased, space-collapsed text before it
# (endswith on a short string is far cheaper than a regex search anchored at its end).
_GE_BEFORE = ("at least", "no less than", "no fewer than", "a minimum of", "minimum of", "min",
              "min.", "≥", ">=", "more than", "over", "above", "exceed", "exceeding")
_LE_BEFORE = ("at most", "no more than", "up to", "under", "below", "less than", "fewer than",
              "a maximum of", "maximum of", "max", "max.", "≤", "<=", "within")
_CHANGE_AFTER = re.compile(
    r"[ \t]*(?:の)?(?P<up>増加|増|アップ|向上|成長|伸長|拡大|上昇|up\b|increase|growth|lift|"
    r"higher)|[ \t]*(?:の)?(?P<down>削減|減少|減|ダウン|低減|カット|低下|down\b|decrease|"
    r"reduction|cut|lower)", re.I)
# The characters that can start a match of _COMPARATOR_AFTER / _CHANGE_AFTER after its spaces
# (both cases of the ASCII letters: the patterns ignore case).
_COMPARATOR_FIRST = frozenset("以未超を" "oamOAM")
_CHANGE_FIRST = frozenset("の増ア向成伸拡上削減ダ低カ" "uiglhdrcUIGLHDRC")


def _may_start(char: str, first: frozenset[str]) -> bool:
    """Whether ``char`` may start a match whose first characters are ``first``: any other
    ASCII or CJK character (kana, kanji: no case to fold to ASCII letters) cannot; the rest
    (odd case-folding letters such as "ı" and "K") may, and get the regex."""
    return char in first or (
        bool(char) and not (char.isascii() or "\u3040" <= char <= "\u9fff"))


_RATIO_BEFORE = ("前年比", "前期比", "前月比", "前四半期比", "前週比", "前年度比", "昨年比", "昨対比", "昨対",
                 "対前年比", "前年同期比", "前年対比", "前期対比")
_UP_VERB = re.compile(r"\b(?:increas|grow|rais|boost|lift|improv|doubl|expand|up)", re.I)
_DOWN_VERB = re.compile(r"\b(?:reduc|cut|decreas|lower|drop|shrink|minimi[sz])", re.I)


def _ends_with_word(head: str, words: tuple[str, ...]) -> bool:
    """Whether ``head`` ends with one of ``words`` that does not start inside a longer word."""
    if not head.endswith(words):
        return False
    for word in words:
        if head.endswith(word):
            before = head[-len(word) - 1:-len(word)]
            if not (before.isascii() and before.isalpha()) or not word[0].isalpha():
                return True
    return False


class Quantity(_Record):
    """A number found in text, with its unit and what the surrounding words say about it.

    ``value`` has multipliers applied (1億 -> 100000000) and keeps percentages in points.
    ``change`` is "up"/"down" for a relative change ("50%増", "+20%", "cut by 10%"), "times" for a
    multiplier ("1.5倍", "2x", "前年比120%") and None for an absolute figure. Read-only.
    """

    __match_args__ = ("value", "unit", "start", "end", "comparator", "change")
    __slots__ = __match_args__  # the fields, in order
    value: float
    unit: str | None
    start: int
    end: int
    comparator: str | None
    change: str | None

    def __init__(self, value: float, unit: str | None, start: int, end: int,
                 comparator: str | None = None, change: str | None = None) -> None:
        self.value = value
        self.unit = unit
        self.start = start
        self.end = end
        self.comparator = comparator
        self.change = change

    @property
    def growth(self) -> float | None:
        """The factor that this quantity applies to a baseline, when it is a relative change."""
        if self.change == "times":
            return self.value / 100 if self.unit == "%" else self.value
        if self.change in ("up", "down") and self.unit == "%":
            sign = 1 if self.change == "up" else -1
            return 1 + sign * self.value / 100
        return None

    @property
    def delta(self) -> float | None:
        """The amount added to (or taken from) a baseline, for "100件増" or "+50 leads"."""
        if self.change in ("up", "down") and self.unit != "%":
            return self.value if self.change == "up" else -self.value
        return None


def _num_value(match: re.Match[str]) -> float:
    value = float(match.group("num").replace(",", ""))
    if match.group("ja"):
        value *= _JA_MULT[match.group("ja")]
    else:
        word = match.group("en") or match.group("enw")
        if word:
            value *= _EN_MULT[word.lower()]
    return value


def _ja_multiplier(match: re.Match[str]) -> float:
    return _JA_MULT.get(match.group("ja") or "", 1.0)


def _en_unit(text: str, pos: int) -> tuple[str | None, int]:
    """An English unit word after ``pos`` ("300 new leads" -> "leads"), skipping adjectives."""
    for _ in range(3):
        word_match = _EN_WORD.match(text, pos)
        if not word_match:
            return None, pos
        word = word_match.group(1)
        low = word.lower()
        if low in _EN_SKIP:
            pos = word_match.end()
            continue
        if low in _EN_STOP or low in _EN_MULT:
            return None, pos
        if low in _EN_UNIT_CANON:
            return _EN_UNIT_CANON[low], word_match.end()
        if word.isupper() and len(word) > 1:
            return word, word_match.end()
        if word[:-1].isupper() and word.endswith("s") and len(word) > 2:
            return word[:-1], word_match.end()  # "SQLs" -> "SQL"
        return low, word_match.end()
    return None, pos


def scan_quantities(text: str, skip: tuple[tuple[int, int], ...] = ()) -> list[Quantity]:
    """Every number in already-normalized ``text``, outside the ``skip`` spans, in order.

    Adjacent Japanese parts combine ("2億5000万円" is one quantity of 250,000,000 円). A digit
    wedged between letters ("B2B", "P2P") is a name, not a number.
    """
    out: list[Quantity] = []
    tokens = list(_NUM_TOKEN.finditer(text))
    i = 0
    n = len(tokens)
    size = len(text)
    while i < n:
        tok = tokens[i]
        start, end = tok.span()
        i += 1
        if skip:
            inside = False
            for a, b in skip:
                if a <= start < b:
                    inside = True
                    break
            if inside:
                continue
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        if before.isascii() and before.isalpha() and after.isascii() and after.isalpha():
            continue
        if tok.lastgroup == "num":  # no multiplier: nothing to merge either
            number = tok.group()
            value = float(number.replace(",", "") if "," in number else number)
            mult = 1.0
        else:
            value = _num_value(tok)
            mult = _ja_multiplier(tok)
        # Merge "2億" + "5000万" (+ "300"): each next part has a smaller multiplier and touches.
        while i < n and tokens[i].start() == end and mult > 1 and _ja_multiplier(tokens[i]) < mult:
            nxt = tokens[i]
            value += _num_value(nxt)
            mult = _ja_multiplier(nxt)
            end = nxt.end()
            i += 1
        unit: str | None = None
        head = text[max(0, start - 30):start]
        words = " ".join(head.lower().split())  # the words before, spaces collapsed
        # (each endswith() first: the usual "no" costs no call)
        if head.endswith("$") or (words.endswith("usd") and _ends_with_word(words, ("usd",))):
            unit = "USD"
        elif head.endswith("¥") or (words.endswith("jpy") and _ends_with_word(words, ("jpy",))):
            unit = "JPY"
        unit_match = _UNIT_AFTER.match(text, end)
        if unit_match:
            raw = unit_match.group(1)
            unit = _CANON_UNIT.get(raw, raw)
            end = unit_match.end()
        elif unit is None:
            unit, end2 = _en_unit(text, end)
            if unit is not None:
                end = end2
        # What follows, past spaces and tabs: a character that can start neither a comparator
        # nor a change ("に", " by") spares both regexes (see _may_start).
        pos = end
        while pos < size and (text[pos] == " " or text[pos] == "\t"):
            pos += 1
        follower = text[pos] if pos < size else ""
        comparator = None
        cmp_after = _COMPARATOR_AFTER.match(text, end) if _may_start(
            follower, _COMPARATOR_FIRST) else None
        if cmp_after:
            word = _SPACES.sub(" ", cmp_after.group(1).lower())
            comparator = _COMPARATOR_CANON.get(word) or (
                ">=" if any(w in word for w in ("more", "higher", "above", "up")) else "<=")
        else:
            bare = words.rstrip("$¥ ")
            if bare.endswith(_GE_BEFORE) and _ends_with_word(bare, _GE_BEFORE):
                comparator = ">="
            elif bare.endswith(_LE_BEFORE) and _ends_with_word(bare, _LE_BEFORE):
                comparator = "<="
        change_after = _CHANGE_AFTER.match(text, end) if _may_start(
            follower, _CHANGE_FIRST) else None
        change = _change(text, words, start, unit, change_after)
        sign_char = text[start - 1] if start and text[start - 1] in "+-" else ""
        if sign_char == "-" and change is None and not (start > 1 and text[start - 2].isdigit()):
            value = -value
        out.append(Quantity(value, unit, start, end, comparator, change))
    return out


def _change(text: str, words: str, start: int, unit: str | None,
            after: re.Match[str] | None) -> str | None:
    """``after``: _CHANGE_AFTER's match at the end of the quantity, or None."""
    if unit in ("倍", "x"):
        return "times"
    if unit == "%" and words.endswith(_RATIO_BEFORE) and not after:
        return "times"
    if after:
        return "up" if after.group("up") else "down"
    if start and text[start - 1] == "+":
        return "up"
    if start and text[start - 1] == "-" and unit == "%" and not (
            start > 1 and text[start - 2].isdigit()):
        return "down"
    if _ends_with_word(words, ("by",)):
        if _DOWN_VERB.search(text):
            return "down"
        if _UP_VERB.search(text):
            return "up"
    return None


_WHOLE_QUANTITY = re.compile(
    rf"^\s*(?P<cur>[$¥])?\s*(?P<sign>[-+])?\s*(?P<cur2>[$¥])?\s*(?P<body>(?:{_NUM})"
    r"(?:\s*[兆億万千](?:\s*(?:" + _NUM + r"))?)*(?:\s*(?:[kK]|M|MM|mn|bn|thousand|million|"
    r"billion))?)\s*(?P<unit>[^\d\s.,].*?)?\s*$")


def parse_quantity(value: object) -> tuple[float, str | None] | None:
    """Read one cell-like value as ``(number, unit)``, or None when it is not a finite number.

    Numbers pass through (booleans do not count); strings may carry separators, full-width
    digits, multipliers and a unit: "1,000" -> (1000.0, None), "20%" -> (20.0, "%"),
    "１億円" -> (100000000.0, "円"), "$1.2M" -> (1200000.0, "USD").
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, numbers.Real):
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            return None
        return (number, None) if math.isfinite(number) else None
    if not isinstance(value, str):
        return None
    text = normalize(value).strip()
    if not text or len(text) > 200:
        return None
    try:  # plain numerals, including "1e5"; "nan" and "inf" are not usable numbers
        number = float(text)
    except ValueError:
        pass
    else:
        return (number, None) if math.isfinite(number) else None
    match = _WHOLE_QUANTITY.match(text)
    if not match:
        return None
    quantities = scan_quantities(text)
    if not quantities:
        return None
    first = quantities[0]
    if not math.isfinite(first.value):
        return None
    unit = first.unit
    rest = (match.group("unit") or "").strip()
    if unit is None and rest:
        unit = rest
    magnitude = abs(first.value)
    return (-magnitude if match.group("sign") == "-" else magnitude), unit


def to_number(value: object) -> float | None:
    """The number in ``value`` (see :func:`parse_quantity`), ignoring any unit; None if none."""
    parsed = parse_quantity(value)
    return None if parsed is None else parsed[0]


def as_fraction(value: float, unit: str | None) -> float:
    """A rate as a fraction: "20" with unit "%" -> 0.2, while 0.2 with unit "%" stays 0.2.

    A number with a percent unit is read as points when its magnitude exceeds 1, else as a
    fraction already (a spreadsheet cell formatted as % holds 0.2 for 20%).
    """
    if unit_key(unit) == "%" and abs(value) > 1:
        return value / 100
    return value


_UNIT_KEYS = {
    "円": "JPY", "yen": "JPY", "jpy": "JPY", "¥": "JPY", "万円": "JPY", "千円": "JPY",
    "億円": "JPY", "$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD", "ドル": "USD",
    "%": "%", "percent": "%", "pct": "%", "パーセント": "%", "率": "%", "rate": "%", "ratio": "%",
    "比率": "%", "割合": "%", "倍": "x", "x": "x",
    "件": "count", "件数": "count", "count": "count", "個": "count", "本": "count",
    "人": "people", "名": "people", "people": "people", "persons": "people",
    "社": "companies", "companies": "companies",
    "時間": "hours", "h": "hours", "hours": "hours", "hrs": "hours", "hr": "hours", "hour": "hours",
    "日": "days", "days": "days", "day": "days", "回": "times", "times": "times",
    "pt": "pt", "ポイント": "pt", "点": "pt", "points": "pt",
}
_DIMENSIONLESS = frozenset(("", "%", "x"))


def unit_key(unit: object) -> str:
    """A comparison key for a unit: "円", "JPY" and "yen" all give "JPY"; blank gives "".

    Compound units keep their parts: "件/月" -> "count/月".
    """
    if unit is None:
        return ""
    text = normalize(str(unit)).strip().lower()
    if not text:
        return ""
    if "/" in text:
        return "/".join(unit_key(part) or part for part in text.split("/"))
    return _UNIT_KEYS.get(text, text)


def is_dimensionless(unit: object) -> bool:
    """True for rates and multipliers ("%", "倍", "x") and for a blank unit."""
    return unit_key(unit) in _DIMENSIONLESS


_HIGHER = frozenset(("higher", "high", "up", "max", "maximize", "maximise", "increase", "more",
                     "以上", "高い", "高", "多い", "大きい", "上", "増", "増加", "≥", ">=", ">", "+",
                     "higher is better", "高いほど良い", "大きいほど良い", "多いほど良い"))
_LOWER = frozenset(("lower", "low", "down", "min", "minimize", "minimise", "decrease", "less",
                    "以下", "以内", "未満", "低い", "低", "少ない", "小さい", "下", "減", "減少", "≤",
                    "<=", "<", "-", "lower is better", "低いほど良い", "小さいほど良い",
                    "少ないほど良い"))


def parse_direction(value: object) -> str | None:
    """"higher" or "lower" (which way is better) from English or Japanese wording, else None."""
    if not isinstance(value, str):
        return None
    text = normalize(value).strip().lower()
    if text in _HIGHER:
        return "higher"
    if text in _LOWER:
        return "lower"
    if any(w in text for w in ("以下", "以内", "低", "少", "小", "lower", "less", "fewer", "min")):
        return "lower"
    if any(w in text for w in ("以上", "高", "多", "大", "higher", "more", "max")):
        return "higher"
    return None


# ---------------------------------------------------------------------------------------------
# Deadlines and time frames
# ---------------------------------------------------------------------------------------------


class TimeFrame(_Record):
    """A deadline or period found in text.

    ``kind`` is "date" (a day), "period" (the end of a named month, quarter, half or year),
    "relative" (within N days/weeks/months) or "cadence" (monthly, 週次, per week). ``end`` is the
    last day it allows (None for a cadence), ``cadence`` the repeating unit ("month", "week"...).
    Read-only.
    """

    __match_args__ = ("kind", "text", "start", "end_pos", "end", "cadence")
    __slots__ = __match_args__  # the fields, in order
    kind: str
    text: str
    start: int
    end_pos: int
    end: date | None
    cadence: str | None

    def __init__(self, kind: str, text: str, start: int, end_pos: int, end: date | None = None,
                 cadence: str | None = None) -> None:
        self.kind = kind
        self.text = text
        self.start = start
        self.end_pos = end_pos
        self.end = end
        self.cadence = cadence


@lru_cache(maxsize=1024)
def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _fiscal_year_of(day: date, fy_start: int) -> int:
    return day.year if day.month >= fy_start else day.year - 1


@lru_cache(maxsize=1024)
def _fiscal_end(fy: int, fy_start: int, months: int = 12, offset: int = 0) -> date:
    """Last day of the ``months``-long part of fiscal year ``fy`` starting ``offset`` months in."""
    year, month = fiscal_months(fy, fy_start)[offset + months - 1]
    return _month_end(year, month)


def _next_or_this(end: date, today: date, step_months: int) -> date:
    return end if end >= today else _add_months(end, step_months)


class _Ctx:
    """Per-call settings for the frame handlers."""

    __slots__ = ("fy_start", "today")

    def __init__(self, today: date, fy_start: int) -> None:
        self.today = today
        self.fy_start = fy_start


_MONTHS = ("jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
           "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
_MONTH_NUM = {name: i for i, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_ORDINAL = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
            "4th": 4}
_WORD_NUM = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
             "nine": 9, "twelve": 12}
_CADENCE_WORDS = {"日": "day", "週": "week", "月": "month", "年": "year", "四半期": "quarter",
                  "day": "day", "daily": "day", "week": "week", "weekly": "week", "wk": "week",
                  "w": "week", "month": "month", "monthly": "month", "mo": "month", "m": "month",
                  "quarter": "quarter", "quarterly": "quarter", "qtr": "quarter", "q": "quarter",
                  "year": "year", "yearly": "year", "annually": "year", "annual": "year",
                  "yr": "year", "y": "year", "d": "day", "sprint": "sprint",
                  "biweekly": "week", "fortnightly": "week", "business day": "day"}


def _group(match: re.Match[str], *names: str) -> str | None:
    """The first of the named groups that the pattern has and that matched non-empty."""
    index = match.re.groupindex
    for name in names:
        if name in index:
            value = match.group(name)
            if value:
                return value
    return None


def _h_date(m: re.Match[str], ctx: _Ctx) -> TimeFrame | None:
    y = int(_group(m, "y", "y2") or 0)
    mo = int(_group(m, "m", "m2") or 0)
    d = int(_group(m, "d", "d2") or 0)
    return TimeFrame("date", m.group(0), m.start(), m.end(), date(y, mo, d))


def _h_us_date(m: re.Match[str], ctx: _Ctx) -> TimeFrame | None:
    mo, d = int(m.group("m")), int(m.group("d"))
    if mo > 12:  # 31/03/2026: day first
        mo, d = d, mo
    return TimeFrame("date", m.group(0), m.start(), m.end(), date(int(m.group("y")), mo, d))


def _h_year_month(m: re.Match[str], ctx: _Ctx) -> TimeFrame | None:
    return TimeFrame("period", m.group(0), m.start(), m.end(),
                     _month_end(int(m.group("y")), int(m.group("m"))))


def _h_fiscal_year(m: re.Match[str], ctx: _Ctx) -> TimeFrame | None:
    y = int(m.group("y"))
    if y < 100:
        y += 2000
    part = _group(m, "p") or ""
    q = _group(m, "q")
    h = _group(m, "h")
    if q or "四半期" in part or part.upper().startswith("Q"):
        qn = int(q or _NON_DIGITS.sub("", part))
        end = _fiscal_end(y, ctx.fy_start, 3, (qn - 1) * 3)
    elif h or "上" in part or "下" in part:
        hn = int(h) if h else (1 if "上" in part else 2)
        end = _fiscal_end(y, ctx.fy_start, 6, (hn - 1) * 6)
    else:
        end = _fiscal_end(y, ctx.fy_start)
    return TimeFrame("period", m.group(0), m.start(), m.end(), end)


def _h_quarter(m: re.Match[str], ctx: _Ctx) -> TimeFrame | None:
    q_text = _group(m, "q", "q2", "q3", "q4")
    if q_text is None:
        q_text = str(_ORDINAL[(_group(m, "ord") or "first").lower()])
    q = int(q_text)
    y_text = _group(m, "y", "y2")
    if y_text:
        end = _fiscal_end(int(y_text), ctx.fy_start, 3, (q - 1) * 3)
    else:
        fy = _fiscal_year_of(ctx.today, ctx.fy_start)
        end = _fiscal_end(fy, ctx.fy_start, 3, (q - 1) * 3)
        if end < ctx.today:
            end = _fiscal_end(fy + 1, ctx.fy_start, 3, (q - 1) * 3)
    return TimeFrame("period", m.group(0), m.start(), m.end(), end)


def _h_half(m: re.Match[str], ctx: _Ctx) -> TimeFrame | None:
    h_text = _group(m, "h")
    h = int(h_text) if h_text else (1 if "上" in m.group(0) else 2)
    y_text = _group(m, "y")
    if y_text:
        end = _fiscal_end(int(y_text), ctx.fy_start, 6, (h - 1) * 6)
    else:
        fy = _fiscal_year_of(ctx.today, ctx.fy_start)
        end = _fiscal_end(fy, ctx.fy_start, 6, (h - 1) * 6)
        if end < ctx.today:
            end = _fiscal_end(fy + 1, ctx.fy_start, 6, (h - 1) * 6)
    return TimeFrame("period", m.group(0), m.start(), m.end(), end)


def _period_end(unit: str, shift: int, ctx: _Ctx) -> date | None:
    """End of the current (shift=0) or next (shift=1) month, week, quarter, half or (fiscal) year."""
    today = ctx.today
    if unit in ("月", "month"):
        year, month0 = divmod(today.year * 12 + today.month - 1 + shift, 12)
        return _month_end(year, month0 + 1)
    if unit in ("週", "week", "sprint"):
        return today + timedelta(days=6 - today.weekday() + 7 * shift)
    if unit in ("年", "year"):
        return date(today.year + shift, 12, 31)
    fy = _fiscal_year_of(today, ctx.fy_start)
    if unit in ("四半期", "quarter"):
        index = (today.year * 12 + today.month - ctx.fy_start) % 12 // 3 + shift
        return _fiscal_end(fy + index // 4, ctx.fy_start, 3, index % 4 * 3)
    if unit in ("半期", "half"):
        index = (today.year * 12 + today.month - ctx.fy_start) % 12 // 6 + shift
        return _fiscal_end(fy + index // 2, ctx.fy_start, 6, index % 2 * 6)
    # 期, 年度, fiscal year, term, period
    return _fiscal_end(fy + shift, ctx.fy_start)


def _h_relative_ja(m: re.Match[str], ctx: _Ctx) -> TimeFrame | None:
    which = _group(m, "w") or ""
    unit = m.group("u")
    shift = 1 if which in ("来", "翌") else 0
    if unit in ("上期", "下期"):
        fy = _fiscal_year_of(ctx.today, ctx.fy_start) + shift
        end = _fiscal_end(fy, ctx.fy_start, 6, 0 if unit == "上期" else 6)
        return TimeFrame("period", m.group(0), m.start(), m.end(), end)
    return TimeFrame("period", m.group(0), m.start(), m.end(), _period_end(unit, shift, ctx))


def _h_month_no_year(m: re.Match[str], ctx: _Ctx) -> TimeFrame | None:
    mo = int(m.group("m"))
    d_text = m.group("d")
    today = ctx.today
    end = date(today.year, mo, int(d_text)) if d_text else _month_end(today.year, mo)
    if end < today:
        end = date(today.year + 1, mo, int(d_text)) if d_text else _month_end(today.year + 1, mo)
    return TimeFrame("period", m.group(0), m.start(), m.end(), end)


def _h_en_month_name(m: re.Match[str], ctx: _Ctx) -> TimeFrame | None:
    mo = _MONTH_NUM[m.group("mon")[:3].lower()]
    y_text = _group(m, "y")
    d_text = _group(m, "d")
    if y_text:
        y = int(y_text)
        end = date(y, mo, int(d_text)) if d_text else _month_end(y, mo)
        return TimeFrame("date" if d_text else "period", m.group(0), m.start(), m.end(), end)
    today = ctx.today
    end = date(today.year, mo, int(d_text)) if d_text else _month_end(today.year, mo)
    if end < today:
        end = date(today.year + 1, mo, int(d_text)) if d_text else _month_end(today.year + 1, mo)
    return TimeFrame("period", m.group(0), m.start(), m.end(), end)


def _within(n: int, unit: str, ctx: _Ctx) -> date | None:
    n = min(n, 1200)  # ridiculous spans get no end date rather than an overflow
    unit = unit.lower()
    if unit.startswith(("日", "day")):
        return ctx.today + timedelta(days=n)
    if unit.startswith(("週", "week")):
        return ctx.today + timedelta(weeks=n)
    if unit.startswith(("年", "ヶ年", "year")):
        return _add_months(ctx.today, 12 * n)
    if unit.startswith("quarter"):
        return _add_months(ctx.today, 3 * n)
    return _add_months(ctx.today, n)


def _h_within_any(m: re.Match[str], ctx: _Ctx) -> TimeFrame | None:
    n_text = (_group(m, "n", "n2") or "1").lower()
    n = _WORD_NUM.get(n_text) or int(n_text)
    unit = _group(m, "u", "u2") or "days"
    return TimeFrame("relative", m.group(0), m.start(), m.end(), _within(n, unit, ctx))


def _h_en_relative(m: re.Match[str], ctx: _Ctx) -> TimeFrame | None:
    which = (_group(m, "w") or "this").lower()
    unit = _SPACES.sub(" ", (_group(m, "u", "u2", "u3") or "year").lower())
    unit = {"fiscal year": "期", "fy": "期", "term": "期", "period": "期"}.get(unit, unit)
    shift = 1 if which in ("next", "coming") else 0
    return TimeFrame("period", m.group(0), m.start(), m.end(), _period_end(unit, shift, ctx))


def _h_eox(m: re.Match[str], ctx: _Ctx) -> TimeFrame | None:
    unit = {"Y": "year", "Q": "quarter", "M": "month", "W": "week"}[m.group(1).upper()]
    return TimeFrame("period", m.group(0), m.start(), m.end(), _period_end(unit, 0, ctx))


def _h_year(m: re.Match[str], ctx: _Ctx) -> TimeFrame | None:
    return TimeFrame("period", m.group(0), m.start(), m.end(), date(int(m.group("y")), 12, 31))


def _h_compared(m: re.Match[str], ctx: _Ctx) -> TimeFrame | None:
    text = m.group(0)
    low = text.lower()
    unit = next((v for k, v in (("四半期", "quarter"), ("quarter", "quarter"), ("q", "quarter"),
                                ("月", "month"), ("month", "month"), ("mom", "month"),
                                ("週", "week"), ("week", "week"), ("wow", "week")) if k in low),
                "year")
    return TimeFrame("cadence", text, m.start(), m.end(), None, unit)


def _h_cadence(m: re.Match[str], ctx: _Ctx) -> TimeFrame | None:
    word = (_group(m, "u", "u2", "adv") or "").lower()
    word = _SPACES.sub(" ", word)
    if not word:
        text = m.group(0)
        word = next((v for k, v in (("四半期", "quarter"), ("月", "month"), ("週", "week"),
                                    ("日", "day"), ("年", "year")) if k in text), "month")
        return TimeFrame("cadence", text, m.start(), m.end(), None, word)
    return TimeFrame("cadence", m.group(0), m.start(), m.end(), None,
                     _CADENCE_WORDS.get(word, word))


_I = re.IGNORECASE
# Ordered by priority: an earlier pattern claims its span first; later overlapping matches lose.
_FRAME_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str], _Ctx], TimeFrame | None]]] = [
    (re.compile(r"(?<!\d)(?P<y>\d{4})\s*(?:年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日|"
                r"[-/.](?P<m2>\d{1,2})[-/.](?P<d2>\d{1,2}))(?!\d)"), _h_date),
    (re.compile(r"(?<![\d/])(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})(?!\d)"), _h_us_date),
    (re.compile(rf"\b(?P<mon>{_MONTHS})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+"
                rf"(?P<y>\d{{4}})\b", _I), _h_en_month_name),
    (re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MONTHS})\.?,?\s+"
                rf"(?P<y>\d{{4}})\b", _I), _h_en_month_name),
    (re.compile(r"(?<!\d)(?P<y>\d{4})\s*年度\s*(?P<p>末|中|内|いっぱい|上半期|下半期|上期|下期|"
                r"第\s*[1-4]\s*四半期|Q[1-4])?"), _h_fiscal_year),
    (re.compile(r"(?<![A-Za-z])FY\s*'?(?P<y>\d{4}|\d{2})(?!\d)(?:\s*[-/ ]?\s*(?:Q(?P<q>[1-4])|"
                r"H(?P<h>[12]))(?![\dA-Za-z]))?", _I), _h_fiscal_year),
    (re.compile(r"(?<!\d)(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月(?:\s*(?:末|中|内|いっぱい|期))?"),
     _h_year_month),
    (re.compile(r"(?<![\d/.-])(?P<y>\d{4})[-/](?P<m>\d{1,2})(?![-/.\d])"), _h_year_month),
    (re.compile(rf"\b(?:(?:the\s+)?end\s+of\s+)?(?P<mon>{_MONTHS})\.?,?\s+(?P<y>\d{{4}})\b", _I),
     _h_en_month_name),
    (re.compile(r"(?=[Qq\d第FfSsTt])(?:(?<![A-Za-z])Q(?P<q>[1-4])(?![\dA-Za-z])(?:\s*(?:of\s+)?(?:FY\s*)?(?P<y>\d{4})\b)?|"
                r"(?<!\d)(?P<y2>\d{4})\s*[-/ ]?\s*Q(?P<q2>[1-4])(?![\dA-Za-z])|"
                r"(?<![\dA-Za-z.])(?P<q3>[1-4])Q(?![A-Za-z])|第\s*(?P<q4>[1-4])\s*四半期(?:末|中|内)?|"
                r"\b(?:the\s+)?(?P<ord>first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter\b)", _I),
     _h_quarter),
    (re.compile(r"(?<![A-Za-z])H(?P<h>[12])(?![\dA-Za-z])(?:\s*(?:FY\s*)?(?P<y>\d{4})\b)?"),
     _h_half),
    (re.compile(r"(?P<w>今|来|翌|本|当)(?P<u>年度|四半期|半期|上期|下期|期|月|週|年)(?!比)"
                r"(?:\s*(?:中|末|内|いっぱい))?"), _h_relative_ja),
    (re.compile(r"(?<![\d今来翌本当前])(?P<u>年度|期|年|上期|下期)(?P<s>内|末|中)(?!比)"),
     _h_relative_ja),
    (re.compile(r"(?<![\d今来翌本当前上下])(?P<u>上期|下期)(?!比)"), _h_relative_ja),
    (re.compile(r"(?<![\d.])(?P<m>\d{1,2})\s*月\s*(?:(?P<d>\d{1,2})\s*日|末|中|内|いっぱい|まで)"),
     _h_month_no_year),
    (re.compile(r"(?<![\d.])(?P<n>\d{1,4})\s*(?P<u>日|週間|週|か月|ヶ月|カ月|ヵ月|ケ月|箇月|ヶ年|年)"
                r"\s*(?:以内|間で|で|後|のうちに)"), _h_within_any),
    (re.compile(r"(?=[wiodn])(?:\b(?:within|in|over|inside|during)\s+(?:the\s+)?"
                r"(?:next\s+|first\s+|coming\s+)?"
                r"(?P<n>\d{1,4}|an?|one|two|three|four|five|six|nine|twelve)\s+"
                r"(?P<u>days?|weeks?|months?|quarters?|years?)\b|\bnext\s+(?P<n2>\d{1,4})\s+"
                r"(?P<u2>days?|weeks?|months?|quarters?|years?)\b)", _I),
     _h_within_any),
    (re.compile(rf"\b(?:by|until|till|before|through|in|ending|end\s+of)\s+(?:the\s+end\s+of\s+)?"
                rf"(?P<mon>{_MONTHS})\b(?:\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b)?", _I),
     _h_en_month_name),
    (re.compile(r"(?=[btencyqmw])(?:\b(?:(?:by\s+)?(?:the\s+)?end\s+of\s+)?(?:the\s+)?"
                r"(?P<w>this|next|current|coming)"
                r"\s+(?P<u>month|quarter|half|fiscal\s+year|year|fy|week|sprint|term|period)\b|"
                r"\b(?:(?:by\s+)?(?:the\s+)?end\s+of\s+(?:the\s+)?)(?P<u2>month|quarter|half|"
                r"fiscal\s+year|year|week|sprint)\b|\b(?P<u3>year|quarter|month|week)[- ]end\b)",
                _I), _h_en_relative),
    (re.compile(r"\bEO([YQMW])\b", _I), _h_eox),
    (re.compile(r"(?=[bidfut])\b(?:by|in|during|for|before|until|till|through)\s+(?:the\s+)?"
                r"(?:end\s+of\s+)?"
                r"(?:(?:calendar|fiscal)\s+(?:year\s+)?)?(?P<y>\d{4})\b(?![-/.]\d)", _I), _h_year),
    (re.compile(r"(?<!\d)(?P<y>\d{4})\s*年(?!度|\s*\d)(?:\s*(?:末|中|内|いっぱい))?"), _h_year),
    # A comparison base ("前四半期比", "YoY") implies the period measured: this quarter or year.
    (re.compile(r"(?:前|昨|対前)(?:年度|年同期|年|期|四半期|月|週)(?:比|対比)|昨対|"
                r"\b(?:year|quarter|month|week)[- ]over[- ](?:year|quarter|month|week)\b|"
                r"\b(?:YoY|QoQ|MoM|WoW)\b", _I), _h_compared),
    (re.compile(r"(?=[毎月週日年四ひ/])(?:毎月|月間|月次|月ごと|月毎|月あたり|月当たり|ひと月|毎週|週次|週ごと|週毎|週あたり|"
                r"週当たり|(?<!\d)週間|毎日|日次|日ごと|日あたり|日当たり|毎四半期|四半期ごと|四半期毎|"
                r"四半期あたり|(?<![\d今来翌本当前第])四半期(?!比)|年間|毎年|年次|年あたり|年当たり|"
                r"/\s*(?:月|週|日|年|四半期)|(?<![\d今来翌本当前])(?:月|週|年)(?:に)?(?=\s*\d))"),
     _h_cadence),
    (re.compile(r"(?=[epa/dwbfmqy])(?:\b(?:every|each|per|a|an)\s+(?P<u>business\s+day|day|"
                r"week|month|quarter|year|sprint)\b|"
                r"/\s*(?P<u2>day|week|month|quarter|year|mo|wk|yr|qtr|d|w|m|q|y)\b|"
                r"\b(?P<adv>daily|weekly|biweekly|fortnightly|monthly|quarterly|yearly|annually|"
                r"annual)\b)", _I), _h_cadence),
]


# A cheap pre-check per pattern, in the same order: the features the text must have ("D" a
# digit, "A" an ASCII letter, "M" an English month name, "J" a non-ASCII character) and, when
# given, at least one of some characters and one of some words. Skipping patterns that cannot
# match keeps check() fast.
_EN_UNIT_WORDS = ("day", "week", "month", "quarter", "year", "sprint", "annual", "fortnight", "/")
_GUARD_TABLE: list[tuple[str, frozenset[str] | None, tuple[str, ...] | None]] = [
    ("D", frozenset("年-/."), None), ("D", frozenset("/"), None), ("DM", None, None),
    ("DM", None, None), ("D", frozenset("度"), None), ("DA", frozenset("f"), None),
    ("D", frozenset("月"), None), ("D", frozenset("-/"), None), ("DM", None, None),
    ("", frozenset("q四"), None), ("D", frozenset("h"), None), ("J", frozenset("今来翌本当"), None),
    ("J", frozenset("内末中"), None), ("J", frozenset("期"), None), ("D", frozenset("月"), None),
    ("D", frozenset("以で後の"), None), ("A", None, _EN_UNIT_WORDS),
    ("M", None, None), ("A", None, ("this", "next", "current", "coming", "end")),
    ("A", frozenset("e"), ("eo",)),
    ("DA", None, ("by", "in", "during", "for", "before", "until", "till", "through")),
    ("D", frozenset("年"), None),
    ("", frozenset("比対o"), ("比", "昨対", "over", "yoy", "qoq", "mom", "wow")),
    ("J", frozenset("月週日年四"), None), ("", None, _EN_UNIT_WORDS),
]
_GUARDS = [(frozenset(needs), chars, words) for needs, chars, words in _GUARD_TABLE]
assert len(_GUARDS) == len(_FRAME_PATTERNS)
_DIGIT = re.compile(r"\d")
_ASCII_LETTER = re.compile(r"[a-z]")
_MONTH_NAME = re.compile(r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec")

# A finer pre-check on the lower-cased text: per pattern, the words (runs of ASCII letters:
# "end", "q", "fy") or other characters ("年", "/") it cannot match without, as "at least one
# of each set". Every condition is necessary (a word a pattern needs between \b or non-letters
# is a whole run of letters), so skipping on them never loses a match; they only spare the
# regexes, which cost far more than the check, on most texts.
_WORD = re.compile(r"[a-z]+")
# Characters that lower() turns into ASCII letters or that IGNORECASE matches with them: runs
# of letters would not line up with what the patterns see, so such texts use the coarse check.
_CASE_ODD = frozenset("\u0130\u0131\u017f\u212a")


def _any(words: str) -> frozenset[str]:
    return frozenset(words.split())


_MONTH_WORDS = _any("jan january feb february mar march apr april may jun june jul july aug august "
                    "sep sept september oct october nov november dec december")
_BEFORE_YEAR = _any("by in during for before until till through")
_SPAN_UNITS = _any("day days week weeks month months quarter quarters year years")
_CADENCE_LEAD = _any("every each per a an / daily weekly biweekly fortnightly monthly quarterly "
                     "yearly annually annual")
_TOKEN_NEEDS: list[tuple[frozenset[str], ...]] = [
    (frozenset("年-/."), frozenset("日-/.")),  # 2026年3月31日, 2026-03-31
    (frozenset("/"),),  # 3/31/2026
    (_MONTH_WORDS,),  # March 31, 2026
    (_MONTH_WORDS,),  # 31 March 2026
    (frozenset("年"), frozenset("度")),  # 2026年度末
    (_any("fy"),),  # FY2026 Q3
    (frozenset("年"), frozenset("月")),  # 2026年3月末
    (frozenset("-/"),),  # 2026-03
    (_MONTH_WORDS,),  # end of March 2026
    (_any("q quarter 四"),),  # Q3, 2026Q3, 3Q, 第3四半期, third quarter
    (_any("h"),),  # H1
    (frozenset("今来翌本当"), frozenset("度期月週年")),  # 今期中
    (frozenset("年期"), frozenset("内末中")),  # 年度末, 期中
    (frozenset("上下"), frozenset("期")),  # 上期
    (frozenset("月"), frozenset("日末中内いま")),  # 3月末
    (frozenset("日週月年"), frozenset("以間で後の")),  # 90日以内
    (_SPAN_UNITS, _any("within in over inside during next")),  # within 90 days
    (_MONTH_WORDS, _BEFORE_YEAR | _any("ending end")),  # by March
    (_any("month quarter half fiscal year fy week sprint term period"),
     _any("this next current coming end")),  # next quarter, end of year, year-end
    (_any("eoy eoq eom eow"),),  # EOY
    (_BEFORE_YEAR,),  # by 2026
    (frozenset("年"),),  # 2026年
    (_any("前 昨 over yoy qoq mom wow"), _any("比 対 over yoy qoq mom wow")),  # 前年比, YoY
    (frozenset("月週日年四"),),  # 月間, 毎週
    (_CADENCE_LEAD, _SPAN_UNITS | _CADENCE_LEAD | _any("business sprint")),  # every month
]
assert len(_TOKEN_NEEDS) == len(_FRAME_PATTERNS)
assert all(1 <= len(needs) <= 2 for needs in _TOKEN_NEEDS)
# For a few Japanese patterns that a statement's characters often allow but that rarely match
# (年 and 末 both occur in "2026年3月末"), a search for the characters they need side by side
# (literal-led, so far cheaper than the pattern) decides before the pattern runs.
_HINTS = {12: re.compile(r"[年期度][内末中]"), 15: re.compile(r"[日間週月年]\s*[以間で後の]"),
          21: re.compile(r"年(?!度|\s*\d)")}
_PLAN = [(pattern.finditer, handler, needs, any_char, any_word,
          _HINTS[i].search if i in _HINTS else None)
         for i, ((pattern, handler), (needs, any_char, any_word))
         in enumerate(zip(_FRAME_PATTERNS, _GUARDS, strict=True))]
# The same conditions as bit masks (bit i: pattern i): token -> the patterns whose first
# (second) set holds it. A pattern with one set needs nothing second: its bit is always set.
_FIRST_BITS: dict[str, int] = {}
_SECOND_BITS: dict[str, int] = {}
_SECOND_ALWAYS = 0
for _i, _needs in enumerate(_TOKEN_NEEDS):
    for _token in _needs[0]:
        _FIRST_BITS[_token] = _FIRST_BITS.get(_token, 0) | 1 << _i
    if len(_needs) == 1:
        _SECOND_ALWAYS |= 1 << _i
    else:
        for _token in _needs[1]:
            _SECOND_BITS[_token] = _SECOND_BITS.get(_token, 0) | 1 << _i
_WORD_KEYS = frozenset(k for k in (*_FIRST_BITS, *_SECOND_BITS) if k.isascii() and k.isalpha())
_CHAR_KEYS = frozenset(k for k in (*_FIRST_BITS, *_SECOND_BITS) if k not in _WORD_KEYS)
assert all(len(k) == 1 for k in _CHAR_KEYS)
_ALL_PATTERNS = (1 << len(_FRAME_PATTERNS)) - 1


def _candidates(low: str, chars: set[str]) -> int:
    """Bits of the patterns that may match the lower-cased text (all of them for odd texts)."""
    if not _CASE_ODD.isdisjoint(chars):
        return _ALL_PATTERNS
    first = second = 0
    for key in _CHAR_KEYS.intersection(chars).union(_WORD_KEYS.intersection(_WORD.findall(low))):
        first |= _FIRST_BITS.get(key, 0)
        second |= _SECOND_BITS.get(key, 0)
    return first & (second | _SECOND_ALWAYS)


def _features(low: str) -> frozenset[str]:
    out = {"D"} if _DIGIT.search(low) else set()
    if _ASCII_LETTER.search(low):
        out.add("A")
        if _MONTH_NAME.search(low):
            out.add("M")
    if not low.isascii():
        out.add("J")
    return frozenset(out)


def _fy_start(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 12:
        return value
    return 4


# For the usual text (no _CASE_ODD character) _candidates() has already applied most of the
# guards above: a word or character it requires implies the ASCII letter ("A"), English month
# name ("M"), non-ASCII character ("J") and most character and word guards of its pattern. What
# it does not imply, per pattern: a digit ("D"), and the guards below, with the hints. These are
# the same decisions as the full guards, in fewer steps (tests/test_smart_speed_guard.py checks).
_D_MASK = sum(1 << i for i, (needs, _, _) in enumerate(_GUARDS) if "D" in needs)
_EXTRA_CHAR = {15, 22}  # 以で後の (not 間) for 90日以内; 比対o for 前年比
_EXTRA_WORD = {18, 22, 24}  # "this", "昨対", "day".. for every month
_EXTRA_MASK = sum(1 << i for i in {*_EXTRA_CHAR, *_EXTRA_WORD, *_HINTS})
# Per pattern: (characters, words, hint) still to check, each None when implied or absent.
_UNIMPLIED = [(any_char if i in _EXTRA_CHAR else None,
               any_word if i in _EXTRA_WORD else None, hint)
              for i, (_, _, _, any_char, any_word, hint) in enumerate(_PLAN)]
_RUN = [(pattern.finditer, handler) for pattern, handler in _FRAME_PATTERNS]
_BY_START = attrgetter("start")
# Once frames are taken, a later pattern can only add a match that lies wholly outside them.
# Per pattern, a search for what such a match needs (each a substring of every match: 月 for
# "3月末", four digits for "by 2026"), run on the text outside the taken spans joined by "\0"
# (a separator that is no space, digit or letter: every match outside the spans is still a
# substring there, and look-aheads only see more). "2026年3月末までに" then spares the
# "3月末" and "月間" patterns, and "by the end of Q1 2026" the "by 2026" one.
_OUTSIDE_NEEDS = {i: re.compile(needed).search for i, needed in (
    (12, r"[年期度][内末中]"), (14, r"月"), (15, r"[日間週月年]\s*[以間で後の]"), (20, r"\d{4}"),
    (21, r"年(?!度|\s*\d)"), (23, r"[月週日年四]"))}
_OUTSIDE_MASK = sum(1 << i for i in _OUTSIDE_NEEDS)


def _outside(text: str, taken: list[tuple[int, int]]) -> str:
    """``text`` without the ``taken`` spans (which do not overlap), joined by "\0"."""
    parts = []
    pos = 0
    for a, b in sorted(taken):
        parts.append(text[pos:a])
        pos = b
    parts.append(text[pos:])
    return "\0".join(parts)


def _frames(text: str, today: date, fy_start: int) -> list[TimeFrame]:
    low = text.lower()
    chars = set(low)
    todo = _candidates(low, chars)
    if not todo:
        return []
    if not _CASE_ODD.isdisjoint(chars):
        return _frames_guarded(text, low, chars, todo, _Ctx(today, fy_start))
    if todo & _D_MASK and _DIGIT.search(low) is None:
        todo &= ~_D_MASK
    ctx = None
    taken: list[tuple[int, int]] = []
    found: list[TimeFrame] = []
    rest: str | None = None  # the text outside the taken spans, when needed
    while todo:  # in pattern order: the lowest bit first
        bit = todo & -todo
        todo ^= bit
        i = bit.bit_length() - 1
        if bit & _EXTRA_MASK:
            any_char, any_word, hint = _UNIMPLIED[i]
            if (any_char is not None and any_char.isdisjoint(chars)) or (
                    any_word is not None and not any(word in low for word in any_word)) or (
                    hint is not None and hint(text) is None):
                continue
        if taken and bit & _OUTSIDE_MASK:
            if rest is None:
                rest = _outside(text, taken)
            if _OUTSIDE_NEEDS[i](rest) is None:
                continue
        finditer, handler = _RUN[i]
        for match in finditer(text):
            start, end = match.span()
            if start == end:
                continue
            if taken and any(start < b and a < end for a, b in taken):
                continue
            if ctx is None:
                ctx = _Ctx(today, fy_start)
            try:
                frame = handler(match, ctx)
            except (ValueError, OverflowError, KeyError, IndexError):
                continue  # "2025年13月" and friends are not dates
            if frame is not None:
                taken.append((start, end))
                found.append(frame)
                rest = None
    if len(found) > 1:
        found.sort(key=_BY_START)
    return found


def _frames_guarded(text: str, low: str, chars: set[str], todo: int,
                    ctx: _Ctx) -> list[TimeFrame]:
    """_frames() for texts with characters that case-fold oddly: every guard, one by one."""
    taken: list[tuple[int, int]] = []
    found: list[TimeFrame] = []
    features = _features(low)
    while todo:  # in pattern order: the lowest bit first
        bit = todo & -todo
        todo ^= bit
        finditer, handler, needs, any_char, any_word, hint = _PLAN[bit.bit_length() - 1]
        if not needs <= features or (
                any_char is not None and any_char.isdisjoint(chars)) or (
                any_word is not None and not any(word in low for word in any_word)) or (
                hint is not None and hint(text) is None):
            continue
        for match in finditer(text):
            start, end = match.span()
            if start == end or any(start < b and a < end for a, b in taken):
                continue
            try:
                frame = handler(match, ctx)
            except (ValueError, OverflowError, KeyError, IndexError):
                continue  # "2025年13月" and friends are not dates
            if frame is not None:
                taken.append((start, end))
                found.append(frame)
    found.sort(key=_BY_START)
    return found


def scan_time_frames(text: str, today: date, fiscal_year_start: int = 4) -> list[TimeFrame]:
    """:func:`find_time_frames` for already-normalized ``text`` (as :func:`scan_quantities`
    takes it): spares a second NFKC pass to a caller that has normalized the text itself."""
    return _frames(text, today, _fy_start(fiscal_year_start)) if text else []


def find_time_frames(text: str, today: date | None = None,
                     fiscal_year_start: int = 4) -> list[TimeFrame]:
    """Every deadline, period and cadence in ``text``, in order of appearance.

    Positions refer to the normalized text (:func:`normalize`). ``today`` anchors relative
    phrases (今期中, next quarter, within 90 days); it defaults to the current date.
    """
    if not isinstance(text, str) or not text:
        return []
    return _frames(normalize(text), today or date.today(), _fy_start(fiscal_year_start))


def parse_deadline(value: object, today: date | None = None,
                   fiscal_year_start: int = 4) -> date | None:
    """The last allowed day that ``value`` names (a date, datetime or text), or None."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    for frame in find_time_frames(value, today, fiscal_year_start):
        if frame.end is not None:
            return frame.end
    return None
