"""The KPI functions' bodies: what ``=KPI_REQUIRED_LEADS(...)`` and the others compute.

Pure Python (standard library and the core only): :mod:`kpi_xl.addin.udfs` puts xlwings'
decorators over these functions for classic Excel, and xlwings Lite runs them in Pyodide. Every
function's arguments go through one normalising helper (the ``_Args`` section below) and then
straight into the core (:mod:`kpi_xl.core.funnel`, :mod:`kpi_xl.core.measures`,
:mod:`kpi_xl.core.smart`, :mod:`kpi_xl.core.tree`, :mod:`kpi_xl.core.benchmarks`), the same
definitions the generated workbooks write as native formulas, so a function and a workbook cell
never disagree (same Excel ROUNDUP, same 15-digit rule). Each docstring is the description
Excel's Function Wizard shows.

Where it runs
-------------
- **Windows Excel, classic xlwings** (``UDF_MODULES = kpi_xl.addin.udfs``, Import Functions): empty
  cells arrive as ``None``, whole numbers as floats, dates as ``datetime``. A bad argument
  never raises into Excel: the cell shows text beginning with ``#KPI!`` and saying what is
  wrong ("#KPI! win_rate must be above 0% and at most 100% (got 1.5) ..."), in Japanese and
  English when the input was Japanese.
- **Office.js custom functions** (xlwings Lite on Mac, Windows and the web; xlwings Server):
  empty cells may arrive as ``0``, ``null`` or ``""``, whole numbers as ``int``. A bad argument raises
  :class:`KpiArgumentError`; xlwings turns that into Excel's ``#VALUE!`` error with the
  message in the cell's error flag. In array results, a single bad element becomes a
  ``#VALUE!`` error value in its own cell and the other cells still compute.

Blank cells: one rule on every platform
---------------------------------------
Office.js cannot always tell an empty cell from a 0, so a blank means what a 0 means, in classic
Excel too, and every function answers the same on both:

- **numbers** (targets, actuals, bases, weights): a blank counts as 0, as in Excel's own
  arithmetic (``=B1*2`` with B1 empty is 0). ``KPI_ACHIEVEMENT`` of an empty actual is therefore
  0%, not blank; wrap it as ``=IF(B2="","",KPI_ACHIEVEMENT(B2,C2))`` to show blank instead (Excel
  itself evaluates the IF, and it does know an empty cell).
- **rates**: a blank or 0 rate is refused (a rate must be above 0%); in a *list* of rates
  (``KPI_FUNNEL``) blanks and zeros are skipped, so ``B2:B4`` with B3 empty is the funnel of B2, B4.
- **text** (statements, owners, parents, directions, deadlines, tree cells, names, fields, lang):
  a blank or 0 means "not given".

Conventions (the same as the workbooks')
----------------------------------------
- Rates are fractions: 0.2 or a cell formatted as 20% (which holds 0.2), or text "20%".
  A bare number above 1 (``20``) is refused with a message rather than guessed to be 20%.
- Ranges may be passed wherever a column of answers makes sense (``KPI_ACHIEVEMENT``,
  ``KPI_OKR_SCORE``, ``KPI_SMART_CHECK``): one call answers a whole column.
- Directions accept "higher"/"lower", the workbooks' drop-down labels in either language
  ("高いほど良い", "lower is better") and short forms ("以上", "以下", "↑", "↓").

``import kpi_xl.core.functions`` stays light: the SMART checker, tree validator and benchmarks are
imported on first use, and nothing imports pandas.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import math
import os
import re
import sys
from collections.abc import Callable, Iterable
from typing import Any

from kpi_xl.core import funnel, measures
from kpi_xl.core.i18n import t
from kpi_xl.core.spec import is_rate

__all__ = [
    "FUNCTIONS",
    "KPI_ACHIEVEMENT",
    "KPI_BENCHMARK",
    "KPI_FUNNEL",
    "KPI_MAX_LOST",
    "KPI_MONTHLY",
    "KPI_OKR_SCORE",
    "KPI_REQUIRED_DEALS",
    "KPI_REQUIRED_LEADS",
    "KPI_REQUIRED_OPPS",
    "KPI_SMART_CHECK",
    "KPI_TREE_VALIDATE",
    "OFFICEJS",
    "KpiArgumentError",
    "guarded",
]

#: True when the functions serve Office.js custom functions (xlwings Server or xlwings Lite in
#: Pyodide), False for classic Windows xlwings. xlwings itself decides the same way at import.
OFFICEJS = os.environ.get("XLWINGS_ON_SERVER") == "true" or sys.platform == "emscripten"

#: What a classic cell shows before the message of a refused argument.
ERROR_PREFIX = "#KPI!"

_CATEGORY = "kpi_xl"
_JA = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e]")


# ---------------------------------------------------------------------------------------------
# Refusals: one exception, messages in English and Japanese
# ---------------------------------------------------------------------------------------------
class KpiArgumentError(ValueError):
    """An argument a KPI function cannot use, with the reason in English and Japanese."""

    def __init__(self, en: str, ja: str | None = None) -> None:
        super().__init__(en)
        self.en = en
        self.ja = ja or en

    def text(self, japanese: bool) -> str:
        """The message: Japanese and English when the input was Japanese, else English."""
        return f"{self.ja} / {self.en}" if japanese and self.ja != self.en else self.en


def _refuse(key: str, **fields: object) -> KpiArgumentError:
    """The refusal ``udf.<key>`` of the text table, in both languages."""
    shown = {k: _shown(v) if k == "got" else v for k, v in fields.items()}
    return KpiArgumentError(t("en", f"udf.{key}", **shown), t("ja", f"udf.{key}", **shown))


def _shown(value: object) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:g}"
    if isinstance(value, list):
        flat = [v for row in _grid(value) for v in row]
        text = ", ".join(_shown(v) for v in flat[:5])
        return f"[{text}{', ...' if len(flat) > 5 else ''}]"
    return "blank" if value is None else str(value)


def _japanese(values: Iterable[object], budget: int = 2000) -> bool:
    """Whether any text in the arguments (nested ranges too) is Japanese."""
    stack = list(values)
    while stack and budget > 0:
        value = stack.pop()
        budget -= 1
        if isinstance(value, str) and _JA.search(value):
            return True
        if isinstance(value, (list, tuple)):
            stack.extend(value)
    return False


def _cell_error(err: KpiArgumentError, japanese: bool) -> object:
    """One element of an array result that could not be computed."""
    return "#VALUE!" if OFFICEJS else f"{ERROR_PREFIX} {err.text(japanese)}"


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Never raise into classic Excel; raise a clean message for Office.js to show as #VALUE!."""

    @functools.wraps(fn)
    def call(*args: Any) -> Any:
        try:
            return fn(*args)
        except KpiArgumentError as err:
            failure = err
        except Exception as err:  # a bug must still never show a traceback in a cell
            failure = _refuse("internal", got=f"{type(err).__name__}: {err}")
        japanese = _japanese(args)
        if OFFICEJS:
            raise KpiArgumentError(failure.text(japanese)) from None
        return f"{ERROR_PREFIX} {failure.text(japanese)}"

    # The docstring is the Function Wizard's description: without source indentation.
    call.__doc__ = inspect.cleandoc(fn.__doc__ or "")
    return call


# ---------------------------------------------------------------------------------------------
# _Args: every difference between classic and Office.js arguments is absorbed here
# ---------------------------------------------------------------------------------------------
_MAX_CELLS = 100_000


def _blank(value: object) -> bool:
    """An empty cell: None (classic), "" or whitespace (both), JS null seen as None."""
    return value is None or (isinstance(value, str) and not value.strip())


def _nothing(value: object) -> bool:
    """Nothing given, where a 0 cannot be meant: blank, or 0 (how Office.js may send a blank).

    The same on every platform (see "Blank cells" above), so classic and Lite always agree.
    """
    return _blank(value) or (not isinstance(value, bool) and isinstance(value, (int, float))
                             and value == 0)


def _grid(value: object) -> list[list[object]]:
    """Any argument as a 2-D list of rows: a cell, a row, a column or a block."""
    if isinstance(value, tuple):
        value = list(value)
    if not isinstance(value, list):
        return [[value]]
    if not value:
        return [[None]]
    if all(isinstance(row, (list, tuple)) for row in value):
        rows = [list(row) for row in value]
    else:
        rows = [[v] for v in value]  # a 1-D list from a caller: read it as a column
    cells = sum(len(r) for r in rows)
    if cells > _MAX_CELLS:
        raise _refuse("too_big", name="range", got=cells, expected=_MAX_CELLS)
    return rows


def _scalar(value: object) -> object:
    """The single value of a one-cell range ([[x]] -> x)."""
    while isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    return value


def _number(value: object, name: str) -> float:
    """A finite number from a cell: numbers, numeric text ("1,000", "２０％" -> 20), no booleans.

    A blank counts as 0, as in Excel's arithmetic and as Office.js may send it.
    """
    value = _scalar(value)
    if _blank(value):
        return 0.0
    if isinstance(value, bool):
        raise _refuse("number", name=name, got=value)
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        from kpi_xl.core.textnum import parse_quantity

        parsed = parse_quantity(value)
        if parsed is None:
            raise _refuse("number", name=name, got=value)
        number = parsed[0] / 100 if parsed[1] == "%" else parsed[0]
    else:
        raise _refuse("number", name=name, got=str(value))
    if not math.isfinite(number):
        raise _refuse("number", name=name, got=value)
    return number


def _count(value: object, name: str) -> float:
    """A target count or amount: a number, not negative."""
    number = _number(value, name)
    if number < 0:
        raise _refuse("negative", name=name, got=number)
    return number


def _positive(value: object, name: str) -> float:
    number = _number(value, name)
    if number <= 0:
        raise _refuse("positive", name=name, got=number)
    return number


def _rate(value: object, name: str) -> float:
    """A conversion rate as a fraction in (0, 1]; 20 is refused, never read as 20%."""
    raw = _scalar(value)
    number = _number(raw, name)
    if _blank(raw):
        raise _refuse("rate", name=name, got=None)
    if not is_rate(number):
        raise _refuse("rate", name=name, got=raw if isinstance(raw, str) else number)
    return number


def _direction(value: object) -> str:
    """"higher" (the default, also for a blank) or "lower", from either language's words."""
    value = _scalar(value)
    if _nothing(value):
        return "higher"
    from kpi_xl.core.kpis import DIRECTIONS, normalise_choice

    key = normalise_choice(value, DIRECTIONS)
    if key is None:
        raise _refuse("direction", got=value)
    return key


def _date(value: object) -> object:
    """A deadline cell: a date (from a datetime or an Excel serial number), text, or None."""
    value = _scalar(value)
    if _nothing(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < 2958466:
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
    return value if isinstance(value, str) else None


def _text(value: object) -> str | None:
    value = _scalar(value)
    if _nothing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() or None


def _broadcast(named: dict[str, object]) -> tuple[int, int, dict[str, list[list[object]]]]:
    """Ranges of one shape plus single cells, as grids of that shape (like Excel's arrays)."""
    grids = {name: _grid(value) for name, value in named.items()}
    shape = (1, 1)
    owner = ""
    for name, grid in grids.items():
        dims = (len(grid), max(len(r) for r in grid))
        if dims == (1, 1):
            continue
        if shape == (1, 1):
            shape, owner = dims, name
        elif dims != shape:
            raise _refuse("shape", name=name, got=f"{dims[0]}×{dims[1]}",
                          expected=f"{shape[0]}×{shape[1]} ({owner})")
    rows, cols = shape
    out = {}
    for name, grid in grids.items():
        if len(grid) == 1 and len(grid[0]) == 1:
            out[name] = [[grid[0][0]] * cols for _ in range(rows)]
        else:
            out[name] = [row + [None] * (cols - len(row)) for row in grid]
    return rows, cols, out


def _elementwise(named: dict[str, object], each: Callable[..., object]) -> object:
    """Apply ``each`` to every position; one cell in, one value out; bad elements stay local."""
    rows, cols, grids = _broadcast(named)
    if rows == cols == 1:  # one cell: a refusal is the whole answer, with its message
        return each(*(grids[name][0][0] for name in named))
    japanese = _japanese(named.values())
    result = []
    for r in range(rows):
        out_row = []
        for c in range(cols):
            try:
                out_row.append(each(*(grids[name][r][c] for name in named)))
            except KpiArgumentError as err:
                out_row.append(_cell_error(err, japanese))
        result.append(out_row)
    return result


def _column(values: Iterable[object]) -> list[list[object]]:
    return [[v] for v in values]


# ---------------------------------------------------------------------------------------------
# The functions
# ---------------------------------------------------------------------------------------------
@guarded
def KPI_REQUIRED_DEALS(target_revenue, avg_deal_size):
    """Deals needed for a revenue target: ROUNDUP(target_revenue / avg_deal_size, 0).

    受注目標件数: 売上目標 ÷ 平均受注単価 を切り上げ。
    """
    return funnel.required_deals(_count(target_revenue, "target_revenue"),
                                 _positive(avg_deal_size, "avg_deal_size"))


@guarded
def KPI_REQUIRED_OPPS(target_deals, win_rate):
    """Opportunities needed: ROUNDUP(target_deals / win_rate, 0), as Excel rounds.

    必要商談数: 受注目標 ÷ 受注率 を切り上げ(100件 ÷ 20% = 500件)。
    """
    return funnel.required_count(_count(target_deals, "target_deals"),
                                 _rate(win_rate, "win_rate"))


@guarded
def KPI_REQUIRED_LEADS(target_deals, win_rate, lead_to_opp_rate):
    """Leads needed: opportunities first (rounded up), then leads (rounded up).

    必要リード数: 100件・受注率20%・商談化率10% なら 5,000件。
    """
    rates = [_rate(win_rate, "win_rate"), _rate(lead_to_opp_rate, "lead_to_opp_rate")]
    return funnel.reverse_funnel(_count(target_deals, "target_deals"), rates)[-1]


@guarded
def KPI_FUNNEL(target, rates):
    """The reverse funnel: a column with the count each earlier stage needs (rounded up).

    逆算ファネル: 後ろの段階の転換率から順に、各段階の必要数を縦に返します。
    """
    values = [v for row in _grid(rates) for v in row if not _nothing(v)]
    if not values:
        raise _refuse("no_rates")
    checked = [_rate(v, f"rates[{i + 1}]") for i, v in enumerate(values)]
    return _column(funnel.reverse_funnel(_count(target, "target"), checked))


@guarded
def KPI_MONTHLY(annual, weights=None):
    """Monthly targets: whole numbers in proportion to the weights that add up to annual.

    月次目標: 年間目標を季節性の重みで按分(整数、合計は年間目標と一致)。
    """
    total = _count(annual, "annual")
    if weights is None or (not isinstance(weights, list) and _nothing(weights)):
        return _column(funnel.monthly_split(total))
    cells = [v for row in _grid(weights) for v in row]
    try:  # a blank weight counts 0, as SUM counts a blank cell in the workbooks
        numbers = [_number(v, f"weights[{i + 1}]") for i, v in enumerate(cells)]
    except KpiArgumentError:
        raise _refuse("weights", got=weights) from None
    if any(w < 0 for w in numbers) or not sum(numbers) > 0:
        raise _refuse("weights", got=weights)
    return _column(funnel.monthly_split(total, numbers))


@guarded
def KPI_MAX_LOST(base, max_rate):
    """Whole number that may be lost without exceeding max_rate: ROUNDDOWN(base × rate, 0).

    許容できる最大件数(例: 解約率5%以内なら 200社中10社まで)。
    """
    return funnel.max_lost(_count(base, "base"), _rate(max_rate, "max_rate"))


def _achievement_one(actual: object, target: object, direction: object) -> object:
    return measures.achievement(_number(actual, "actual"), _number(target, "target"),
                                _direction(direction))


@guarded
def KPI_ACHIEVEMENT(actual, target, direction=None):
    """Achievement ratio (1 = 100%): actual/target, or target/actual when lower is better (max 200%).

    達成率: 高いほど良い指標は 実績÷目標、低いほど良い指標は 目標÷実績(上限200%)。範囲を渡すと列で返します。
    """
    return _elementwise({"actual": actual, "target": target, "direction": direction},
                        _achievement_one)


def _okr_one(current: object, start: object, target: object) -> object:
    return measures.okr_score(_number(current, "current"), _number(start, "start"),
                              _number(target, "target"))


@guarded
def KPI_OKR_SCORE(current, start, target):
    """OKR score from 0 to 1: progress from start to target (0.6-0.7 is a success).

    OKRスコア: 開始値から目標値までの進捗(0〜1、0.6〜0.7で成功)。
    """
    return _elementwise({"current": current, "start": start, "target": target}, _okr_one)


def _smart_one(statement: object, target: object, deadline: object, owner: object,
               parent: object) -> object:
    text = _text(statement)
    if text is None:
        return ""
    from kpi_xl.core import smart

    target_value = _scalar(target)
    return smart.check(
        text, target=None if _nothing(target_value) else target_value,
        deadline=_date(deadline), owner=_text(owner), parent=_text(parent)).summary()


@guarded
def KPI_SMART_CHECK(statement, target=None, deadline=None, owner=None, parent=None):
    """SMART check: "OK", or "NG: <failed letters> — <hint>" in the statement's language.

    SMARTチェック: 「OK」または「NG: MT — ヒント」。範囲を渡すと1回の呼び出しで列ごと判定します。
    """
    return _elementwise({"statement": statement, "target": target, "deadline": deadline,
                         "owner": owner, "parent": parent}, _smart_one)


def _lang(value: object, texts: Iterable[object]) -> str:
    value = _scalar(value)
    if _nothing(value):
        return "ja" if _japanese(texts) else "en"
    text = str(value).strip().lower()
    if text in ("ja", "jp", "japanese", "日本語"):
        return "ja"
    if text in ("en", "english", "英語"):
        return "en"
    raise _refuse("lang", got=value)


@guarded
def KPI_TREE_VALIDATE(tree, lang=None):
    """KPI tree check: "OK", or one row per finding: severity, code, node, message.

    KPIツリー検証: 問題がなければ「OK」、あれば1件1行(重要度・コード・ノード・内容)で返します。
    """
    grid = _grid(tree)
    header = [_text(h) for h in grid[0]]
    from kpi_xl.core.tree import _COLUMNS  # the validator's own header spellings, both languages

    known = [h for h in header if h and h.casefold() in _COLUMNS]
    if "id" not in {_COLUMNS[h.casefold()] for h in known}:
        raise _refuse("tree_header", got=[h for h in header if h] or None)
    rows = []
    for cells in grid[1:]:
        values = [None if _nothing(v) else v for v in cells]
        if all(v is None for v in values):
            continue  # blank rows at the end of a generous range
        rows.append({h: v for h, v in zip(header, values, strict=False) if h})
    from kpi_xl.core import tree as tree_core

    findings = tree_core.validate(rows, lang=_lang(lang, [h for h in header if h] + [
        v for row in rows for v in row.values()]))
    if not findings:
        return [["OK"]]
    return [[f.severity, f.code, f.node or "", f.message] for f in findings]


_BENCHMARK_FIELDS = ("low", "high", "typical", "label", "unit", "direction", "basis")
#: The same fields by their Japanese names (a Japanese field name also asks for Japanese labels).
_BENCHMARK_FIELDS_JA = {"下限": "low", "上限": "high", "代表値": "typical", "目安": "typical",
                        "名称": "label", "ラベル": "label", "単位": "unit", "方向": "direction",
                        "根拠": "basis"}


@guarded
def KPI_BENCHMARK(metric, field=None, lang=None):
    """Reference figures: industry ranges and guideline thresholds (rates as fractions).

    ベンチマーク: 業界平均や目安(例: win_rate は 20%〜30%)。field 省略時は 下限・上限・代表値 の1行。
    """
    from kpi_xl.core import benchmarks

    key = _text(metric)
    bench = benchmarks.get(key or "")
    if bench is None:
        raise _refuse("benchmark", got=key, expected=", ".join(benchmarks.BENCHMARKS))
    wanted = _text(field)
    if wanted is None:
        return [[("" if v is None else v) for v in (bench.low, bench.high, bench.typical)]]
    wanted = _BENCHMARK_FIELDS_JA.get(wanted, wanted.lower())
    if wanted not in _BENCHMARK_FIELDS:
        raise _refuse("field", got=_text(field), expected=", ".join(
            [*_BENCHMARK_FIELDS, *_BENCHMARK_FIELDS_JA]))
    if wanted == "label":
        return bench.label(_lang(lang, [metric, field]))
    value = getattr(bench, wanted)
    return "" if value is None else value


#: Every UDF by its Excel name, in the order the docs list them.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    f.__name__: f for f in (
        KPI_REQUIRED_DEALS, KPI_REQUIRED_OPPS, KPI_REQUIRED_LEADS, KPI_FUNNEL, KPI_MONTHLY,
        KPI_MAX_LOST, KPI_ACHIEVEMENT, KPI_OKR_SCORE, KPI_SMART_CHECK, KPI_TREE_VALIDATE,
        KPI_BENCHMARK)
}
