"""The writer's single-pass formula preparation gives exactly what XlsxWriter's own gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from xlsxwriter.worksheet import Worksheet

from kpi_xl.writer.book import _DYNAMIC_FUNCTIONS, _Worksheet
from tests.workbook_values import formulas

EXTRA = [
    "=FILTER(A1:A9,B1:B9>0)", "=SORT(A1:A3)", "=SORTBY(A1:A3,B1:B3)", "=XLOOKUP(1,A:A,B:B)",
    "=_xlfn.XLOOKUP(1,A:A,B:B)", "{=SUM(A1:A3*B1:B3)}", "=MYFILTER(A1)", "=UNIQUE(FILTER(A:A,B:B))",
    "=1+2", "=Sales_Actuals[[#This Row],[Actual]]/2", "=SINGLE(A1)", "='Q1 FILTER'!A1",
]


def _original(formula: str, expand: bool = False) -> str:
    return Worksheet()._prepare_formula(formula, expand)


def test_every_dynamic_function_is_prefixed_as_xlsxwriter_does() -> None:
    for name in _DYNAMIC_FUNCTIONS:
        formula = f"={name}(A1:A3)+1"
        assert _Worksheet()._prepare_formula(formula) == _original(formula), name


@pytest.mark.parametrize("expand", [False, True])
@pytest.mark.parametrize("formula", [*EXTRA, "=CONCAT(A1,B1)", "=IFS(A1>1,1,TRUE,0)",
                                     "=STDEV.S(A1:A9)+SUM(A1)"])
def test_edge_cases_match_xlsxwriter(formula: str, expand: bool) -> None:
    # expand=True is how XlsxWriter prepares conditional-format and validation formulas.
    assert _Worksheet()._prepare_formula(formula, expand) == _original(formula, expand)


def test_every_formula_kpi_xl_writes_is_prepared_identically(
        generated: dict[str, Path]) -> None:
    texts = {text for path in generated.values() for text in formulas(path).values()}
    assert len(texts) > 500
    for text in texts:
        for expand in (False, True):
            assert _Worksheet()._prepare_formula(text, expand) == _original(text, expand), text
