"""One definition per calculation: expressions that give both Excel formula text and a Python value.

A workbook figure that is a live formula is built once as an :class:`Expr`. The writer asks the
same object for its formula text (``expr.formula(resolver)``) and its value
(``expr.evaluate(env)``), and stores the value as the formula's cached result. The two cannot
drift, because there is only one definition. Standard library only.

Cell references are logical *keys* (``"Sales_WinRate"``, ``"sales.month.3.leads"``); a resolver
turns a key into a defined name or a cell address when the formula is written, and ``env`` maps
keys to values when it is evaluated.

Only classic functions are offered (ROUNDUP, ROUNDDOWN, ROUND, IF, AND, OR, SUM, COUNT,
AVERAGE, MIN, MAX, IFERROR, ABS, SUMPRODUCT...): they work in every Excel, LibreOffice and
Google Sheets without ``_xlfn.``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, Union

from kpi_xl.core.excelmath import excel_round, excel_rounddown, excel_roundup, to_15_digits

Value = Union[float, int, str, bool]


class ExcelError(ArithmeticError):
    """An Excel error value (``#DIV/0!``, ``#VALUE!``, ``#NUM!``) raised while evaluating."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Resolver(Protocol):
    """Turns logical keys into the reference text written into a formula."""

    def ref(self, key: str) -> str:
        """Reference to one cell: a defined name or an address such as ``$C$5``."""
        ...

    def area(self, keys: Sequence[str]) -> str:
        """Reference to a contiguous block of cells holding ``keys``, e.g. ``$C$5:$C$16``."""
        ...


class Expr:
    """Base class of expression nodes. Arithmetic operators build new nodes."""

    precedence = 100  # atoms bind tightest

    def formula(self, resolver: Resolver) -> str:
        """Excel formula text without the leading '='."""
        raise NotImplementedError

    def evaluate(self, env: Mapping[str, Value]) -> Value:
        """The value Excel computes for this expression, given the values of the keys."""
        raise NotImplementedError

    def keys(self) -> set[str]:
        """Every key this expression reads."""
        raise NotImplementedError

    # Arithmetic -----------------------------------------------------------------------------
    def __add__(self, other: Operand) -> Expr:
        return BinOp("+", self, lift(other))

    def __radd__(self, other: Operand) -> Expr:
        return BinOp("+", lift(other), self)

    def __sub__(self, other: Operand) -> Expr:
        return BinOp("-", self, lift(other))

    def __rsub__(self, other: Operand) -> Expr:
        return BinOp("-", lift(other), self)

    def __mul__(self, other: Operand) -> Expr:
        return BinOp("*", self, lift(other))

    def __rmul__(self, other: Operand) -> Expr:
        return BinOp("*", lift(other), self)

    def __truediv__(self, other: Operand) -> Expr:
        return BinOp("/", self, lift(other))

    def __rtruediv__(self, other: Operand) -> Expr:
        return BinOp("/", lift(other), self)

    def __neg__(self) -> Expr:
        return BinOp("-", Num(0), self) if not isinstance(self, Num) else Num(-self.value)

    # Comparison and text (methods, not operators: == must keep its Python meaning) -------------
    def lt(self, other: Operand) -> Expr:
        return BinOp("<", self, lift(other))

    def le(self, other: Operand) -> Expr:
        return BinOp("<=", self, lift(other))

    def gt(self, other: Operand) -> Expr:
        return BinOp(">", self, lift(other))

    def ge(self, other: Operand) -> Expr:
        return BinOp(">=", self, lift(other))

    def eq(self, other: Operand) -> Expr:
        return BinOp("=", self, lift(other))

    def ne(self, other: Operand) -> Expr:
        return BinOp("<>", self, lift(other))

    def concat(self, other: Operand) -> Expr:
        return BinOp("&", self, lift(other))


Operand = Union[Expr, float, int, str]


def lift(value: Operand) -> Expr:
    """Wrap a Python constant as an expression node."""
    if isinstance(value, Expr):
        return value
    if isinstance(value, bool):
        return Bool(value)
    if isinstance(value, (int, float)):
        return Num(value)
    if isinstance(value, str):
        return Str(value)
    raise TypeError(f"cannot use {value!r} in a formula")


@dataclass(frozen=True, eq=False)
class Num(Expr):
    """A numeric constant."""

    value: float

    def formula(self, resolver: Resolver) -> str:
        if float(self.value).is_integer() and abs(self.value) < 1e15:
            return str(int(self.value))
        return repr(float(self.value))

    def evaluate(self, env: Mapping[str, Value]) -> Value:
        return self.value

    def keys(self) -> set[str]:
        return set()


@dataclass(frozen=True, eq=False)
class Str(Expr):
    """A text constant; quotes are doubled as Excel requires."""

    value: str

    def formula(self, resolver: Resolver) -> str:
        # Excel refuses a text constant over 255 characters in a formula: longer text is
        # joined from pieces (127 characters are at most 254 UTF-16 units).
        pieces = [self.value[i:i + 127] for i in range(0, len(self.value), 127)] or [""]
        quoted = ['"' + piece.replace('"', '""') + '"' for piece in pieces]
        return quoted[0] if len(quoted) == 1 else "(" + "&".join(quoted) + ")"

    def evaluate(self, env: Mapping[str, Value]) -> Value:
        return self.value

    def keys(self) -> set[str]:
        return set()


@dataclass(frozen=True, eq=False)
class Bool(Expr):
    """TRUE or FALSE."""

    value: bool

    def formula(self, resolver: Resolver) -> str:
        return "TRUE" if self.value else "FALSE"

    def evaluate(self, env: Mapping[str, Value]) -> Value:
        return self.value

    def keys(self) -> set[str]:
        return set()


@dataclass(frozen=True, eq=False)
class Ref(Expr):
    """A reference to one cell, by logical key."""

    key: str

    def formula(self, resolver: Resolver) -> str:
        return resolver.ref(self.key)

    def evaluate(self, env: Mapping[str, Value]) -> Value:
        # A blank cell stays None: it is 0 in arithmetic and "" in text comparisons, as in Excel.
        return env[self.key]

    def keys(self) -> set[str]:
        return {self.key}


@dataclass(frozen=True, eq=False)
class Area(Expr):
    """A contiguous block of cells, usable only as a function argument (SUM, MIN, MAX)."""

    cells: tuple[str, ...]

    def formula(self, resolver: Resolver) -> str:
        return resolver.area(self.cells)

    def evaluate(self, env: Mapping[str, Value]) -> Value:
        raise TypeError("an area is only valid inside SUM, MIN or MAX")

    def values(self, env: Mapping[str, Value]) -> list[Value]:
        """The numbers in the block; blanks and text are skipped, as SUM skips them."""
        out: list[Value] = []
        for key in self.cells:
            value = env.get(key)
            if _is_number(value):
                out.append(value)  # type: ignore[arg-type]
        return out

    def keys(self) -> set[str]:
        return set(self.cells)


_PRECEDENCE = {"=": 1, "<>": 1, "<": 1, "<=": 1, ">": 1, ">=": 1, "&": 2, "+": 3, "-": 3,
               "*": 4, "/": 4}


def _number(value: Value | None) -> float:
    if value is None:
        return 0
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return value
    raise ExcelError("#VALUE!")


#: Two numbers further apart than this share of the larger differ in their first 15 digits.
_NEAR = 1e-13


def _is_number(value: object) -> bool:
    """A number, as ISNUMBER says it: not a logical value, text or a blank."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _plain_number(value: object) -> bool:
    return _is_number(value) and math.isfinite(value)  # type: ignore[arg-type]


def _compare(op: str, a: Value | None, b: Value | None) -> bool:
    # A blank cell equals both 0 and "" in Excel.
    if a is None:
        a = "" if isinstance(b, str) else 0
    if b is None:
        b = "" if isinstance(a, str) else 0
    if isinstance(a, str) and isinstance(b, str):
        a, b = a.casefold(), b.casefold()  # Excel compares text case-insensitively
    elif isinstance(a, str) or isinstance(b, str):
        # Excel orders every number below every text.
        if op in ("=", "<>"):
            return op == "<>"
        a, b = int(isinstance(a, str)), int(isinstance(b, str))
    elif _plain_number(a) and _plain_number(b) and a != b \
            and abs(a - b) <= _NEAR * max(abs(a), abs(b)):  # type: ignore[operator, arg-type]
        # Excel and LibreOffice compare numbers as they show them, to 15 significant digits:
        # (0.85+0.95)/2 >= 0.9 is TRUE although the float sum falls short by 1e-16. Only numbers
        # this close can round together; others compare as they are (and quickly: lookups
        # compare every row of a table).
        a, b = to_15_digits(float(a)), to_15_digits(float(b))  # type: ignore[arg-type]
    if op == "=":
        return a == b
    if op == "<>":
        return a != b
    if op == "<":
        return a < b  # type: ignore[operator]
    if op == "<=":
        return a <= b  # type: ignore[operator]
    if op == ">":
        return a > b  # type: ignore[operator]
    return a >= b  # type: ignore[operator]


def _text(value: Value | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True, eq=False)
class BinOp(Expr):
    """An infix operation, parenthesised only where Excel's precedence needs it."""

    op: str
    left: Expr
    right: Expr

    @property
    def precedence(self) -> int:  # type: ignore[override]
        return _PRECEDENCE[self.op]

    def formula(self, resolver: Resolver) -> str:
        left = self.left.formula(resolver)
        right = self.right.formula(resolver)
        if self.left.precedence < self.precedence:
            left = f"({left})"
        # a-(b-c), a/(b*c): the right side of a non-associative operator keeps its parentheses.
        if self.right.precedence < self.precedence or (
            self.right.precedence == self.precedence and self.op in ("-", "/", "&")
            and isinstance(self.right, BinOp)
        ):
            right = f"({right})"
        return f"{left}{self.op}{right}"

    def evaluate(self, env: Mapping[str, Value]) -> Value:
        a = self.left.evaluate(env)
        b = self.right.evaluate(env)
        if self.op == "&":
            return _text(a) + _text(b)
        if self.op in ("=", "<>", "<", "<=", ">", ">="):
            return _compare(self.op, a, b)
        x, y = _number(a), _number(b)
        if self.op == "+":
            return x + y
        if self.op == "-":
            return x - y
        if self.op == "*":
            return x * y
        if y == 0:
            raise ExcelError("#DIV/0!")
        return x / y

    def keys(self) -> set[str]:
        return self.left.keys() | self.right.keys()


@dataclass(frozen=True, eq=False)
class Func(Expr):
    """A call of a classic Excel function, with the Python function that mirrors it."""

    name: str
    args: tuple[Expr, ...]
    impl: Callable[[Sequence[Expr], Mapping[str, Value]], Value]

    def formula(self, resolver: Resolver) -> str:
        return f"{self.name}({','.join(a.formula(resolver) for a in self.args)})"

    def evaluate(self, env: Mapping[str, Value]) -> Value:
        return self.impl(self.args, env)

    def keys(self) -> set[str]:
        out: set[str] = set()
        for arg in self.args:
            out |= arg.keys()
        return out


# Functions -----------------------------------------------------------------------------------

def _numbers(args: Sequence[Expr], env: Mapping[str, Value]) -> list[float]:
    out: list[float] = []
    for arg in args:
        if isinstance(arg, Area):
            out.extend(_number(v) for v in arg.values(env))
        else:
            out.append(_number(arg.evaluate(env)))
    return out


def _excel_sum(values: Sequence[float]) -> float:
    # Left to right, as Excel adds; Python 3.12's sum() compensates and could differ in the
    # last bit.
    total = 0.0
    for v in values:
        total += v
    return total


def _checked(value: float) -> float:
    if not math.isfinite(value):
        raise ExcelError("#NUM!")
    return value


def roundup(x: Operand, digits: int = 0) -> Expr:
    """Excel ROUNDUP (away from zero, after Excel's 15-significant-digit cut)."""
    return Func("ROUNDUP", (lift(x), Num(digits)),
                lambda a, e: excel_roundup(_checked(_number(a[0].evaluate(e))),
                                           int(_number(a[1].evaluate(e)))))


def rounddown(x: Operand, digits: int = 0) -> Expr:
    """Excel ROUNDDOWN (toward zero, after Excel's 15-significant-digit cut)."""
    return Func("ROUNDDOWN", (lift(x), Num(digits)),
                lambda a, e: excel_rounddown(_checked(_number(a[0].evaluate(e))),
                                             int(_number(a[1].evaluate(e)))))


def round_(x: Operand, digits: int = 0) -> Expr:
    """Excel ROUND (half away from zero)."""
    return Func("ROUND", (lift(x), Num(digits)),
                lambda a, e: excel_round(_checked(_number(a[0].evaluate(e))),
                                         int(_number(a[1].evaluate(e)))))


#: The TEXT number formats kpi-xl writes (the same in Excel and LibreOffice for ja and en
#: locales): whole numbers or up to two decimals with thousands separators, and percentages.
TEXT_FORMATS = ("#,##0", "#,##0.0", "#,##0.00", "0%", "0.0%")


def text_(x: Operand, number_format: str) -> Expr:
    """Excel TEXT(x, format) for the formats of :data:`TEXT_FORMATS`, rounding half away from
    zero as Excel does."""
    if number_format not in TEXT_FORMATS:
        raise ValueError(f"unsupported TEXT format {number_format!r}")
    percent = number_format.endswith("%")
    decimals = len(number_format.rstrip("%").partition(".")[2])

    def impl(a: Sequence[Expr], e: Mapping[str, Value]) -> Value:
        value = _number(a[0].evaluate(e)) * (100 if percent else 1)
        rounded = excel_round(value, decimals)
        if percent:
            return f"{rounded:.{decimals}f}%"
        return f"{rounded:,.{decimals}f}"
    return Func("TEXT", (lift(x), Str(number_format)), impl)


def if_(condition: Operand, then: Operand, otherwise: Operand) -> Expr:
    """Excel IF; only the chosen branch is evaluated, as in Excel."""
    def impl(a: Sequence[Expr], e: Mapping[str, Value]) -> Value:
        c = a[0].evaluate(e)
        truth = bool(_number(c)) if not isinstance(c, str) else _raise_value()
        return a[1].evaluate(e) if truth else a[2].evaluate(e)
    return Func("IF", (lift(condition), lift(then), lift(otherwise)), impl)


def _raise_value() -> bool:
    raise ExcelError("#VALUE!")


def and_(*conditions: Operand) -> Expr:
    """Excel AND."""
    return Func("AND", tuple(lift(c) for c in conditions),
                lambda a, e: all(bool(_number(x.evaluate(e))) for x in a))


def or_(*conditions: Operand) -> Expr:
    """Excel OR."""
    return Func("OR", tuple(lift(c) for c in conditions),
                lambda a, e: any(bool(_number(x.evaluate(e))) for x in a))


def sum_(*args: Operand) -> Expr:
    """Excel SUM over values and areas (blank and text cells in areas are skipped)."""
    return Func("SUM", tuple(lift(x) for x in args), lambda a, e: _excel_sum(_numbers(a, e)))


def min_(*args: Operand) -> Expr:
    """Excel MIN."""
    return Func("MIN", tuple(lift(x) for x in args), lambda a, e: min(_numbers(a, e) or [0]))


def max_(*args: Operand) -> Expr:
    """Excel MAX."""
    return Func("MAX", tuple(lift(x) for x in args), lambda a, e: max(_numbers(a, e) or [0]))


def count_(*args: Operand) -> Expr:
    """Excel COUNT: how many numbers (blank and text cells in areas are not counted)."""
    return Func("COUNT", tuple(lift(x) for x in args), lambda a, e: float(len(_numbers(a, e))))


def average_(*args: Operand) -> Expr:
    """Excel AVERAGE: the mean of the numbers (blank and text cells in areas are skipped);
    ``#DIV/0!`` when there is none."""
    def impl(a: Sequence[Expr], e: Mapping[str, Value]) -> Value:
        numbers = _numbers(a, e)
        if not numbers:
            raise ExcelError("#DIV/0!")
        return _excel_sum(numbers) / len(numbers)
    return Func("AVERAGE", tuple(lift(x) for x in args), impl)


def sum_where_number(values: Area, where: Area) -> Expr:
    """``SUMPRODUCT(ISNUMBER(where)*values)``: the sum of ``values`` on the rows where ``where``
    holds a number (the plan of the units that reported an actual). The product makes the
    logical values numbers, as SUMPRODUCT needs in every Excel and in LibreOffice."""
    def impl(a: Sequence[Expr], e: Mapping[str, Value]) -> Value:
        return _excel_sum([_number(e.get(v)) for v, w in zip(values.cells, where.cells,
                                                             strict=True)
                           if _is_number(e.get(w))])
    return Func("SUMPRODUCT", (BinOp("*", isnumber(where), values),), impl)


def abs_(x: Operand) -> Expr:
    """Excel ABS."""
    return Func("ABS", (lift(x),), lambda a, e: abs(_number(a[0].evaluate(e))))


def iferror(x: Operand, fallback: Operand) -> Expr:
    """Excel IFERROR: the fallback where the value is an error."""
    def impl(a: Sequence[Expr], e: Mapping[str, Value]) -> Value:
        try:
            return a[0].evaluate(e)
        except ExcelError:
            return a[1].evaluate(e)
    return Func("IFERROR", (lift(x), lift(fallback)), impl)


def _excel_date(year: float, month: float, day: float) -> float:
    import datetime as _dt

    y, m = int(year), int(month)
    y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
    first = _dt.date(y, m, 1)
    return float((first - _dt.date(1899, 12, 30)).days + int(day) - 1)


def date_(year: Operand, month: Operand, day: Operand = 1) -> Expr:
    """Excel DATE: a date serial number; months past 12 roll into the next year, as in Excel."""
    return Func("DATE", (lift(year), lift(month), lift(day)),
                lambda a, e: _excel_date(*(_number(x.evaluate(e)) for x in a)))


def area(keys: Sequence[str]) -> Area:
    """A contiguous block of cells for SUM/MIN/MAX."""
    return Area(tuple(keys))


def ref(key: str) -> Ref:
    """A reference to the cell that holds ``key``."""
    return Ref(key)


class NameResolver:
    """Resolves every key to itself: for expressions over workbook defined names only."""

    def ref(self, key: str) -> str:
        return key

    def area(self, keys: Sequence[str]) -> str:
        raise TypeError("areas need cell addresses")


# Excel Tables: structured references ---------------------------------------------------------

@dataclass(frozen=True, eq=False)
class ThisRow(Expr):
    """``Table[[#This Row],[Column]]``: the same row's cell of a table column."""

    table: str
    column: str
    key: str

    def formula(self, resolver: Resolver) -> str:
        return f"{self.table}[[#This Row],[{_escape_column(self.column)}]]"

    def evaluate(self, env: Mapping[str, Value]) -> Value:
        return env[self.key]

    def keys(self) -> set[str]:
        return {self.key}


@dataclass(frozen=True, eq=False)
class Column(Area):
    """``Table[Column]``: a whole table column (grows when rows are added)."""

    table: str = ""
    column: str = ""

    def formula(self, resolver: Resolver) -> str:
        return f"{self.table}[{_escape_column(self.column)}]"


def _escape_column(name: str) -> str:
    # Inside structured references, these characters are escaped with an apostrophe.
    for ch in "'#[]@":
        name = name.replace(ch, "'" + ch)
    return name


def this_row(table: str, column: str, key: str) -> ThisRow:
    """A same-row structured reference that evaluates through ``key``."""
    return ThisRow(table, column, key)


def column(table: str, name: str, keys: Sequence[str]) -> Column:
    """A whole-column structured reference over the cells holding ``keys``."""
    return Column(tuple(keys), table, name)


def _cells_of(arg: Expr, env: Mapping[str, Value]) -> list[Value | None]:
    if not isinstance(arg, Area):
        raise TypeError("expected an area or a table column")
    return [env.get(k) for k in arg.cells]


def _matches(value: Value | None, criterion: Value | None) -> bool:
    # The criteria kpi_xl writes: "<>" (not blank) or a value compared for equality.
    if criterion == "<>":
        return value not in (None, "")
    if isinstance(criterion, str) and isinstance(value, str):
        return value.casefold() == criterion.casefold()
    if value is None:
        return criterion in (None, "")
    return value == criterion


def counta(rng: Area) -> Expr:
    """Excel COUNTA: cells that are not empty."""
    return Func("COUNTA", (rng,),
                lambda a, e: float(sum(v not in (None, "") for v in _cells_of(a[0], e))))


def countblank(rng: Area) -> Expr:
    """Excel COUNTBLANK: empty cells (and cells holding empty text)."""
    return Func("COUNTBLANK", (rng,),
                lambda a, e: float(sum(v in (None, "") for v in _cells_of(a[0], e))))


def countif(rng: Area, criterion: Operand) -> Expr:
    """Excel COUNTIF with an equality criterion."""
    return Func("COUNTIF", (rng, lift(criterion)),
                lambda a, e: float(sum(_matches(v, a[1].evaluate(e))
                                       for v in _cells_of(a[0], e))))


def count_equal(*range_values: Operand) -> Expr:
    """Rows where every range equals its value: ``SUMPRODUCT((R1=v1)*(R2=v2)*...)``.

    Unlike COUNTIFS, a value is compared as it is: text holding ``*``, ``?``, ``~`` or starting
    with ``>``, ``<`` or ``=`` is not read as a pattern or an operator. (``=`` compares text
    without case, as Excel does; kpi-xl refuses names that differ only in case.)
    """
    pairs = [(range_values[i], range_values[i + 1]) for i in range(0, len(range_values), 2)]
    return sumproduct_where(None, pairs)


def sumproduct_eq(values: Area, conditions: Sequence[tuple[Area, Operand]]) -> Expr:
    """SUMPRODUCT((range=value)*(range=value)*…, values): the sum where every cell equals its value.

    The same exact ``=`` comparisons as :func:`count_equal`, so ``*``, ``?`` and ``<`` in a
    KPI's name are characters, never wildcards or operators as in a SUMIFS criterion.
    """
    return sumproduct_where(values, conditions)


def sumproduct_where(values: Area | None, equal: Sequence[tuple[Operand, Operand]],
                     numeric: Sequence[Area] = ()) -> Expr:
    """``SUMPRODUCT((R1=v1)*…*ISNUMBER(N1)*…[,values])``: count or sum the rows that match.

    A row matches when every range equals its value (exact ``=``: a planner's text is never a
    criterion pattern) and every ``numeric`` range holds a number there (an actual typed, not
    blank and not text such as 「未集計」). Without ``values`` the rows are counted.
    """
    return _SumProduct(tuple((lift(rng), lift(value)) for rng, value in equal),
                       tuple(numeric), values)


@dataclass(frozen=True, eq=False)
class _SumProduct(Expr):
    equal: tuple[tuple[Expr, Expr], ...]
    numeric: tuple[Area, ...]
    values: Area | None

    def formula(self, resolver: Resolver) -> str:
        terms = []
        for rng, value in self.equal:
            right = value.formula(resolver)
            if value.precedence < _PRECEDENCE["="]:
                right = f"({right})"
            terms.append(f"({rng.formula(resolver)}={right})")
        terms.extend(f"ISNUMBER({rng.formula(resolver)})" for rng in self.numeric)
        tail = f",{self.values.formula(resolver)}" if self.values is not None else ""
        return f"SUMPRODUCT({'*'.join(terms)}{tail})"

    def evaluate(self, env: Mapping[str, Value]) -> Value:
        columns = [(_cells_of(rng, env), value.evaluate(env)) for rng, value in self.equal]
        filled = [_cells_of(rng, env) for rng in self.numeric]
        length = len(columns[0][0]) if columns else len(filled[0])
        rows = [r for r in range(length)
                if all(_compare("=", cells[r], value) for cells, value in columns)
                and all(_is_number(cells[r]) for cells in filled)]
        if self.values is None:
            return float(len(rows))
        summed = _cells_of(self.values, env)
        return _excel_sum([summed[r] for r in rows if _is_number(summed[r])])

    def keys(self) -> set[str]:
        out: set[str] = set()
        for rng, value in self.equal:
            out |= rng.keys() | value.keys()
        for rng in self.numeric:
            out |= rng.keys()
        if self.values is not None:
            out |= self.values.keys()
        return out


def index_match(result: Area, lookup: Operand, within: Area) -> Expr:
    """``INDEX(result, MATCH(TRUE, INDEX(within=lookup, 0), 0))``: exact lookup; #N/A if absent.

    Plain ``MATCH(lookup, within, 0)`` reads ``*``, ``?`` and ``~`` in a text lookup as
    wildcards, so a KPI named ``Lead*`` would find ``Leads``; comparing with ``=`` matches the
    text as it is (without case, as Excel compares). ``INDEX(…, 0)`` makes the comparison an
    array without Ctrl+Shift+Enter, in every Excel and in LibreOffice.
    """
    match = _ExactMatch("MATCH", (lift(lookup), within), _match_impl)
    return Func("INDEX", (result, match), _index_impl)


@dataclass(frozen=True, eq=False)
class _ExactMatch(Func):
    def formula(self, resolver: Resolver) -> str:
        lookup = self.args[0]
        right = lookup.formula(resolver)
        if lookup.precedence < _PRECEDENCE["="]:
            right = f"({right})"
        return f"MATCH(TRUE,INDEX({self.args[1].formula(resolver)}={right},0),0)"


def _match_impl(a: Sequence[Expr], e: Mapping[str, Value]) -> Value:
    wanted = a[0].evaluate(e)
    within = a[1]
    if not isinstance(within, Area):
        raise TypeError("expected an area or a table column")
    # Cells are read one by one up to the first match, as MATCH stops there: a lookup into a
    # long table must not evaluate every row before it finds its own.
    for i, key in enumerate(within.cells):
        value = e.get(key)
        if value is not None and _compare("=", value, wanted):
            return float(i + 1)
    raise ExcelError("#N/A")


def _index_impl(a: Sequence[Expr], e: Mapping[str, Value]) -> Value:
    position = int(_number(a[1].evaluate(e)))
    rng = a[0]
    if not isinstance(rng, Area):
        raise TypeError("expected an area or a table column")
    if not 1 <= position <= len(rng.cells):
        raise ExcelError("#REF!")
    value = e.get(rng.cells[position - 1])  # only the cell asked for
    return 0 if value is None else value


def isnumber(x: Operand) -> Expr:
    """Excel ISNUMBER: true for a number (not for text, a logical value or a blank)."""
    def impl(a: Sequence[Expr], e: Mapping[str, Value]) -> Value:
        try:
            value = a[0].evaluate(e)
        except (ExcelError, KeyError):
            return False
        return _is_number(value)
    return Func("ISNUMBER", (lift(x),), impl)


class CellResolver:
    """Resolves one key to a cell address: for a rule written as a cell's validation formula."""

    def __init__(self, key: str, address: str) -> None:
        self.key, self.address = key, address

    def ref(self, key: str) -> str:
        if key != self.key:
            raise KeyError(key)
        return self.address

    def area(self, keys: Sequence[str]) -> str:
        raise TypeError("a cell rule has no areas")


def mod_(x: Operand, divisor: Operand) -> Expr:
    """Excel MOD: the remainder with the divisor's sign (as Python's %)."""
    def impl(a: Sequence[Expr], e: Mapping[str, Value]) -> Value:
        d = _number(a[1].evaluate(e))
        if d == 0:
            raise ExcelError("#DIV/0!")
        return _number(a[0].evaluate(e)) % d
    return Func("MOD", (lift(x), lift(divisor)), impl)


def index_(rng: Area, position: Operand) -> Expr:
    """Excel INDEX over a one-dimensional area (1-based)."""
    return Func("INDEX", (rng, lift(position)), _index_impl)


def power_(x: Operand, exponent: Operand) -> Expr:
    """Excel POWER: ``x`` raised to ``exponent`` (#NUM! where the result is not a real number)."""
    def impl(a: Sequence[Expr], e: Mapping[str, Value]) -> Value:
        base, exp = _number(a[0].evaluate(e)), _number(a[1].evaluate(e))
        if base < 0 and not float(exp).is_integer():
            raise ExcelError("#NUM!")
        if base == 0 and exp < 0:
            raise ExcelError("#DIV/0!")
        return _checked(math.pow(base, exp))
    return Func("POWER", (lift(x), lift(exponent)), impl)


def latest_filled(periods: Area, names: Area, name: Operand, values: Area) -> Expr:
    """SUMPRODUCT(MAX((names=name)*ISNUMBER(values)*periods)): the latest period with a number.

    0 when there is none. Exact ``=`` comparisons, never a criterion pattern.
    """
    wanted = lift(name)

    def impl(a: Sequence[Expr], e: Mapping[str, Value]) -> Value:
        target = wanted.evaluate(e)
        best = 0.0
        for key_name, key_value, key_period in zip(names.cells, values.cells, periods.cells,
                                                   strict=True):
            if _compare("=", e.get(key_name), target) and _is_number(e.get(key_value)):
                best = max(best, _number(e.get(key_period)))
        return best

    class _Latest(Expr):
        precedence = 100

        def formula(self, resolver: Resolver) -> str:
            return (f"SUMPRODUCT(MAX(({names.formula(resolver)}={wanted.formula(resolver)})*"
                    f"ISNUMBER({values.formula(resolver)})*{periods.formula(resolver)}))")

        def evaluate(self, env: Mapping[str, Value]) -> Value:
            return impl((), env)

        def keys(self) -> set[str]:
            return names.keys() | values.keys() | periods.keys() | wanted.keys()

    return _Latest()


def substitute(expr: Expr, replacements: Mapping[str, Expr]) -> Expr:
    """The same expression with every reference to a key of ``replacements`` replaced.

    One definition serves many cells: a what-if table writes the formula of a plan figure with
    other rates in place of the plan's own (``Sales_WinRate`` → the row's rate). Functions keep
    their Python implementation, so the new formula and its value still come from one object.
    Areas and table references are left as they are.
    """
    import dataclasses

    if isinstance(expr, Ref):
        return replacements.get(expr.key, expr)
    if isinstance(expr, BinOp):
        return BinOp(expr.op, substitute(expr.left, replacements),
                     substitute(expr.right, replacements))
    if isinstance(expr, Func):
        return dataclasses.replace(expr, args=tuple(substitute(a, replacements)
                                                    for a in expr.args))
    if isinstance(expr, (Num, Str, Bool, Area, ThisRow)):
        return expr
    raise TypeError(f"cannot substitute inside {type(expr).__name__}")
