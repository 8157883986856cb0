"""Property tests: the pure core never raises on arbitrary input and keeps its invariants."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi_xl.core.failure import analyze
from kpi_xl.core.smart import LETTERS, check
from kpi_xl.core.textnum import find_time_frames, parse_quantity, scan_quantities
from kpi_xl.core.tree import SEVERITY, validate

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that looks like KPI statements often enough to reach the interesting branches.
_FRAGMENTS = ["リード", "商談", "受注率", "売上", "解約率", "NPS", "leads", "win rate", "churn",
              "億", "万", "千", "円", "件", "%", "％", "１", "2025年", "3月末", "年度", "今期", "来期",
              "Q3", "FY", "by", "within", "days", "monthly", "月間", "以上", "以下", "倍", "増", "+",
              "-", ".", ",", "/", " ", "2026-03-31", "March 31, 2026", "前年比", "x", "$", "¥"]
kpi_text = st.one_of(
    st.text(max_size=80),
    st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.integers(-10**20, 10**20).map(str),
                       st.floats(allow_nan=True, allow_infinity=True).map(str)),
             max_size=12).map("".join),
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20), kpi_text,
    st.dates(), st.binary(max_size=5),
)
values = st.one_of(scalars, st.lists(scalars, max_size=5), st.tuples(scalars, scalars),
                   st.dictionaries(st.text(max_size=5), scalars, max_size=3))


@FAST
@given(statement=st.one_of(kpi_text, scalars))
def test_check_never_raises_and_reports_consistently(statement: object) -> None:
    result = check(statement, today=date(2026, 4, 1))
    assert [c.letter for c in result.criteria] == list(LETTERS)
    assert all(c.status in ("pass", "fail", "unknown") for c in result.criteria)
    assert result.failed == "".join(c.letter for c in result.criteria if c.status == "fail")
    assert result.ok is (result.failed == "")
    assert result.lang in ("ja", "en")
    assert isinstance(result.summary(), str)
    assert all(c.hint for c in result.criteria if c.status == "fail")


@FAST
@given(statement=kpi_text, target=values, unit=values, deadline=values, owner=values,
       baseline=values, history=values, benchmark=values, direction=values, parent=values,
       kind=values, lang=values, fy_start=st.one_of(st.integers(-5, 20), st.none()))
def test_check_never_raises_on_arbitrary_context(statement: str, target: object, unit: object,
                                                 deadline: object, owner: object,
                                                 baseline: object, history: object,
                                                 benchmark: object, direction: object,
                                                 parent: object, kind: object, lang: object,
                                                 fy_start: object) -> None:
    result = check(statement, target=target, unit=unit, deadline=deadline, owner=owner,
                   baseline=baseline, history=history, benchmark=benchmark,
                   direction=direction, parent=parent, kind=kind, lang=lang,
                   fiscal_year_start=fy_start)  # type: ignore[arg-type]
    assert len(result.criteria) == 5
    result.summary()


@FAST
@given(text=kpi_text)
def test_number_and_deadline_readers_never_raise(text: str) -> None:
    parsed = parse_quantity(text)
    if parsed is not None:
        assert parsed[0] == parsed[0] and abs(parsed[0]) != float("inf")
    scan_quantities(text)
    for frame in find_time_frames(text, date(2026, 4, 1)):
        assert frame.kind in ("date", "period", "relative", "cadence")


_KEYS = ["id", "parent", "name", "kind", "department", "operator", "target", "unit", "owner",
         "ID", "Parent", "種別", "目標", "other"]
tree_values = st.one_of(scalars, st.sampled_from(["KGI", "KSF", "KPI", "kfs", "×", "*", "x", "+",
                                                  "20%", "1,000", "２億円", "a", "b", "c", ""]))
small_ids = st.sampled_from(["a", "b", "c", "d", "e", 1, 2.0, None, ""])
tree_rows = st.lists(
    st.one_of(
        st.fixed_dictionaries({"id": small_ids, "parent": small_ids},
                              optional={k: tree_values for k in _KEYS if k not in ("id", "parent")}),
        st.dictionaries(st.sampled_from(_KEYS), tree_values, max_size=9),
        scalars,
    ),
    max_size=25,
)


@FAST
@given(rows=tree_rows, lang=st.sampled_from(["en", "ja", "fr"]))
def test_validate_never_raises_and_findings_are_well_formed(rows: list, lang: str) -> None:
    findings = validate(rows, lang=lang)
    for finding in findings:
        assert finding.code in SEVERITY
        assert finding.severity in ("error", "warning")
        assert isinstance(finding.message, str) and finding.message
    severities = [f.severity for f in findings]
    assert severities == sorted(severities, key=lambda s: s != "error")


@FAST
@given(rows=st.one_of(scalars, values))
def test_validate_never_raises_on_things_that_are_not_rows(rows: object) -> None:
    validate(rows)


failure_records = st.lists(
    st.fixed_dictionaries(
        {"id": small_ids, "period": st.one_of(st.sampled_from(["p1", "p2", "p3", "p4"]),
                                              scalars)},
        optional={"kind": st.sampled_from(["KGI", "KPI", "kpi", "?", None]),
                  "actual": tree_values, "target": tree_values, "direction": tree_values,
                  "kgi": small_ids}),
    max_size=30,
)


@FAST
@given(data=st.one_of(failure_records, values),
       kgi=st.one_of(st.none(), st.sampled_from(["a", "b"])))
def test_failure_analysis_never_raises(data: object, kgi: str | None) -> None:
    for finding in analyze(data, kgi=kgi, lang="ja"):
        assert finding.severity in ("error", "warning", "info")  # info: "not enough data yet"
