"""One rule for blank cells, whatever the platform sends for them.

Classic xlwings sends an empty cell as None; Office.js (xlwings Lite, xlwings Server) as 0, null
or "". Every function must answer the same for all four, so a sheet gives the same figures in
Windows Excel and in Lite (docs/addin.md, "Blank cells"). Errors differ only in their form
(``#KPI!`` text in classic, ``#VALUE!`` in Office.js), so both modes are checked.
"""

from __future__ import annotations

import pytest

from kpi_xl.core import functions

BLANKS = [None, "", 0, 0.0]

CASES = {
    "funnel skips a blank rate": ("KPI_FUNNEL", lambda b: (100, [[0.2], [b], [0.1]])),
    "achievement column": ("KPI_ACHIEVEMENT", lambda b: ([[b], [450]], 500, b)),
    "achievement one cell": ("KPI_ACHIEVEMENT", lambda b: (b, 500)),
    "okr": ("KPI_OKR_SCORE", lambda b: (b, 100, 150)),
    "okr start": ("KPI_OKR_SCORE", lambda b: (120, b, 150)),
    "opps": ("KPI_REQUIRED_OPPS", lambda b: (b, 0.2)),
    "opps blank rate": ("KPI_REQUIRED_OPPS", lambda b: (100, b)),
    "leads": ("KPI_REQUIRED_LEADS", lambda b: (100, 0.2, b)),
    "deals": ("KPI_REQUIRED_DEALS", lambda b: (b, 1000)),
    "lost": ("KPI_MAX_LOST", lambda b: (b, 0.05)),
    "monthly weights": ("KPI_MONTHLY", lambda b: (1200, [[1], [b], [1]])),
    "monthly annual": ("KPI_MONTHLY", lambda b: (b, None)),
    "smart": ("KPI_SMART_CHECK", lambda b: ([["Achieve 300 leads a month by March 2026"], [b]],
                                            b, b, b, b)),
    "tree": ("KPI_TREE_VALIDATE", lambda b: ([["ID", "Parent", "Name", "Kind"],
                                              ["REV", b, "Revenue", "KGI"],
                                              ["LEADS", "REV", "Leads", b],
                                              [b, b, b, b]], b)),
    "benchmark row": ("KPI_BENCHMARK", lambda b: ("win_rate", b, b)),
    "benchmark label": ("KPI_BENCHMARK", lambda b: ("win_rate", "label", b)),
}


def _answer(name: str, args: tuple) -> object:
    try:
        return ("value", functions.FUNCTIONS[name](*args))
    except functions.KpiArgumentError:
        return ("error", None)


@pytest.mark.parametrize("officejs", [False, True])
@pytest.mark.parametrize("case", list(CASES))
def test_every_kind_of_blank_gives_the_same_answer(case: str, officejs: bool,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(functions, "OFFICEJS", officejs)
    name, make = CASES[case]
    answers = [_answer(name, make(blank)) for blank in BLANKS]
    if not officejs:  # classic never raises: a refusal is #KPI! text in the cell
        answers = [("error", None) if isinstance(v, str) and v.startswith("#KPI!") else (k, v)
                   for k, v in answers]
    assert all(a == answers[0] for a in answers), dict(zip(map(repr, BLANKS), answers,
                                                           strict=True))


def test_the_rule_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(functions, "OFFICEJS", False)
    assert functions.KPI_FUNNEL(100, [[0.2], [None], [0.1]]) == [[500], [5000]]  # skipped
    assert functions.KPI_ACHIEVEMENT(None, 500) == 0  # a number: blank counts as 0
    assert functions.KPI_REQUIRED_OPPS(100, None).startswith("#KPI! win_rate")  # refused
    assert functions.KPI_MONTHLY(1200, [[1], [None], [1]]) == [[600], [0], [600]]


@pytest.mark.parametrize(("field", "lang", "label"), [
    ("label", None, "opportunity-to-order (win) rate"), ("label", "ja", None),
    ("名称", None, None), ("label", "en", "opportunity-to-order (win) rate")])
def test_benchmark_labels_speak_the_callers_language(field: str, lang: str | None,
                                                     label: str | None) -> None:
    from kpi_xl.core.benchmarks import get

    got = functions.KPI_BENCHMARK("win_rate", field, lang)
    assert got == (label or get("win_rate").label("ja"))
    assert functions.KPI_BENCHMARK("win_rate", "下限") == get("win_rate").low
