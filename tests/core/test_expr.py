"""The expression layer: one definition gives both an Excel formula and its Python value."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from kpi_xl.core.expr import (
    ExcelError,
    NameResolver,
    and_,
    area,
    if_,
    iferror,
    or_,
    ref,
    rounddown,
    roundup,
    sum_,
)


class Cells:
    """A resolver that places keys in column C, one row each, starting at row 5."""

    def __init__(self, keys: Sequence[str]) -> None:
        self.rows = {key: 5 + i for i, key in enumerate(keys)}

    def ref(self, key: str) -> str:
        return f"$C${self.rows[key]}"

    def area(self, keys: Sequence[str]) -> str:
        return f"$C${self.rows[keys[0]]}:$C${self.rows[keys[-1]]}"


NAMES = NameResolver()


def test_one_definition_gives_the_formula_text_and_the_value() -> None:
    opps = roundup(ref("Sales_TargetDeals") / ref("Sales_WinRate"), 0)
    assert opps.formula(NAMES) == "ROUNDUP(Sales_TargetDeals/Sales_WinRate,0)"
    assert opps.evaluate({"Sales_TargetDeals": 100, "Sales_WinRate": 0.2}) == 500
    # the Excel 15-digit rule reaches the value too
    assert opps.evaluate({"Sales_TargetDeals": 145, "Sales_WinRate": 0.29}) == 500
    assert opps.keys() == {"Sales_TargetDeals", "Sales_WinRate"}


def test_a_minus_b_minus_c_keeps_its_parentheses() -> None:
    a, b, c = ref("a"), ref("b"), ref("c")
    nested = a - (b - c)
    assert nested.formula(NAMES) == "a-(b-c)"
    assert nested.evaluate({"a": 10, "b": 4, "c": 1}) == 7
    flat = (a - b) - c
    assert flat.formula(NAMES) == "a-b-c"
    assert flat.evaluate({"a": 10, "b": 4, "c": 1}) == 5


def test_a_over_b_times_c_keeps_its_parentheses() -> None:
    a, b, c = ref("a"), ref("b"), ref("c")
    env = {"a": 12, "b": 2, "c": 3}
    assert (a / (b * c)).formula(NAMES) == "a/(b*c)"
    assert (a / (b * c)).evaluate(env) == 2
    assert ((a / b) * c).formula(NAMES) == "a/b*c"
    assert ((a / b) * c).evaluate(env) == 18


def test_lower_precedence_on_either_side_is_parenthesised() -> None:
    a, b, c = ref("a"), ref("b"), ref("c")
    assert ((a + b) * c).formula(NAMES) == "(a+b)*c"
    assert (a * (b + c)).formula(NAMES) == "a*(b+c)"
    assert (a + b * c).formula(NAMES) == "a+b*c"
    assert (a + (b + c)).formula(NAMES) == "a+b+c"  # + is associative: no brackets needed


def test_constants_are_written_as_excel_reads_them() -> None:
    assert (ref("a") * 2).formula(NAMES) == "a*2"
    assert (ref("a") * 0.25).formula(NAMES) == "a*0.25"
    assert if_(ref("a").gt(0), 'say "hi"', "").formula(NAMES) == 'IF(a>0,"say ""hi""","")'


def test_if_and_or_choose_like_excel() -> None:
    rate = ref("rate")
    inside = and_(rate.ge(0.2), rate.le(0.3))
    check = if_(inside, "in", "out")
    assert check.formula(NAMES) == 'IF(AND(rate>=0.2,rate<=0.3),"in","out")'
    assert check.evaluate({"rate": 0.25}) == "in"
    assert check.evaluate({"rate": 0.35}) == "out"
    outside = or_(rate.lt(0.2), rate.gt(0.3))
    assert outside.formula(NAMES) == "OR(rate<0.2,rate>0.3)"
    assert outside.evaluate({"rate": 0.1}) is True
    assert outside.evaluate({"rate": 0.2}) is False


def test_if_evaluates_only_the_branch_it_takes() -> None:
    safe = if_(ref("b").eq(0), 0, ref("a") / ref("b"))
    assert safe.evaluate({"a": 1, "b": 0}) == 0


def test_division_by_zero_raises_the_excel_error() -> None:
    with pytest.raises(ExcelError) as caught:
        (ref("a") / ref("b")).evaluate({"a": 1, "b": 0})
    assert caught.value.code == "#DIV/0!"


def test_division_by_a_blank_cell_is_division_by_zero() -> None:
    with pytest.raises(ExcelError, match="#DIV/0!"):
        (ref("a") / ref("b")).evaluate({"a": 1, "b": None})


def test_iferror_catches_the_error_and_gives_the_fallback() -> None:
    guarded = iferror(roundup(ref("a") / ref("b"), 0), "")
    assert guarded.formula(NAMES) == 'IFERROR(ROUNDUP(a/b,0),"")'
    assert guarded.evaluate({"a": 1, "b": 0}) == ""
    assert guarded.evaluate({"a": 3, "b": 2}) == 2


def test_text_in_arithmetic_is_a_value_error() -> None:
    with pytest.raises(ExcelError, match="#VALUE!"):
        (ref("a") + 1).evaluate({"a": "ten"})


def test_a_blank_cell_equals_both_zero_and_empty_text() -> None:
    blank = {"x": None}
    assert ref("x").eq(0).evaluate(blank) is True
    assert ref("x").eq("").evaluate(blank) is True
    assert (ref("x") + 5).evaluate(blank) == 5
    assert ref("x").concat("!").evaluate(blank) == "!"


def test_text_comparison_ignores_case_and_numbers_sort_below_text() -> None:
    assert ref("a").eq("abc").evaluate({"a": "ABC"}) is True
    assert ref("a").lt("a").evaluate({"a": 999}) is True  # every number < every text
    assert ref("a").eq("1").evaluate({"a": 1}) is False  # 1 is not "1"


def test_sum_over_an_area_uses_cell_addresses_and_skips_blanks_and_text() -> None:
    keys = [f"m{i}" for i in range(12)]
    total = sum_(area(keys))
    assert total.formula(Cells(keys)) == "SUM($C$5:$C$16)"
    env = {k: 1 for k in keys} | {"m3": None, "m4": "n/a"}
    assert total.evaluate(env) == 10


def test_sum_mixes_areas_and_single_values() -> None:
    keys = ["a", "b", "c"]
    expr = sum_(area(keys[:2]), ref("c"), 10)
    assert expr.formula(Cells(keys)) == "SUM($C$5:$C$6,$C$7,10)"
    assert expr.evaluate({"a": 1, "b": 2, "c": 3}) == 16


def test_rounddown_formula_and_value() -> None:
    lost = rounddown(ref("base") * ref("rate"), 0)
    assert lost.formula(NAMES) == "ROUNDDOWN(base*rate,0)"
    assert lost.evaluate({"base": 200, "rate": 0.05}) == 10
    assert lost.evaluate({"base": 199, "rate": 0.05}) == 9


def test_text_lookups_and_counts_compare_names_as_they_are() -> None:
    """A KPI named ``Lead*`` must not find ``Leads``: no wildcard, no operator, in any lookup."""
    from kpi_xl.core.expr import count_equal, index_match

    names, values = ["n1", "n2", "n3"], ["v1", "v2", "v3"]
    env = {"n1": "Leads", "n2": "Lead*", "n3": ">100", "v1": 1, "v2": 2, "v3": 3,
           "want": "Lead*", "op": ">100"}
    found = index_match(area(values), ref("want"), area(names))
    assert found.formula(Cells([*names, *values, "want"])) == \
        "INDEX($C$8:$C$10,MATCH(TRUE,INDEX($C$5:$C$7=$C$11,0),0))"
    assert found.evaluate(env) == 2
    counted = count_equal(area(names), ref("op"))
    # negated twice: Excel counts a lone TRUE/FALSE array inside SUMPRODUCT as zeros
    assert counted.formula(Cells([*names, "op"])) == "SUMPRODUCT(--($C$5:$C$7=$C$8))"
    assert counted.evaluate(env) == 1


def test_text_constants_longer_than_excel_allows_are_joined_from_pieces() -> None:
    """Excel refuses a text constant of more than 255 characters inside a formula."""
    import re

    from kpi_xl.core.expr import Str

    long = "顧客満足度" * 100
    written = Str(long).formula(NameResolver())
    constants = re.findall(r'"((?:[^"]|"")*)"', written)
    assert all(len(c.encode("utf-16-le")) // 2 <= 255 for c in constants)
    assert "".join(c.replace('""', '"') for c in constants) == long
    assert Str("short").formula(NameResolver()) == '"short"'


def test_text_mirrors_excel_rounding_and_grouping() -> None:
    from kpi_xl.core.expr import text_

    assert text_(1234.5, "#,##0").evaluate({}) == "1,235"  # half away from zero, as Excel
    assert text_(-2.5, "#,##0").evaluate({}) == "-3"
    assert text_(0.025, "0.0%").evaluate({}) == "2.5%"
    assert text_(1234567.891, "#,##0.00").evaluate({}) == "1,234,567.89"


def test_count_average_and_the_plan_of_the_rows_that_reported() -> None:
    from kpi_xl.core.expr import average_, count_, sum_where_number

    keys = ["a", "b", "c"]
    cells = Cells([*keys, "p", "q", "r"])
    env = {"a": 4.0, "b": None, "c": 8.0, "p": 10, "q": 20, "r": 30}
    assert count_(area(keys)).formula(cells) == "COUNT($C$5:$C$7)"
    assert count_(area(keys)).evaluate(env) == 2  # a blank is not counted
    assert average_(area(keys)).formula(cells) == "AVERAGE($C$5:$C$7)"
    assert average_(area(keys)).evaluate(env) == 6  # nor averaged
    with pytest.raises(ExcelError, match="DIV/0"):
        average_(area(["b"])).evaluate(env)
    plan = sum_where_number(area(["p", "q", "r"]), area(keys))
    # ISNUMBER(...)*plans: the product turns TRUE/FALSE into 1/0, which SUMPRODUCT needs.
    assert plan.formula(cells) == "SUMPRODUCT(ISNUMBER($C$5:$C$7)*$C$8:$C$10)"
    assert plan.evaluate(env) == 40  # the plans of the rows with an actual: 10 + 30
