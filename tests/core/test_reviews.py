"""When a review is late, and which review actions carry into the next quarter (pure core)."""

from __future__ import annotations

import datetime as dt

import pytest

from kpi_xl.core.expr import NameResolver, ref
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.core.identity import WorkbookIdentity, plan_identity
from kpi_xl.core.reviews import (
    ReviewEntry,
    done_entries,
    late_days,
    late_reviews,
    open_entries,
    overdue,
)

TODAY = dt.date(2026, 7, 20)


def entry(day: object, cadence: str = "weekly", status: str = "open", fact: str = "",
          action: str = "") -> ReviewEntry:
    return ReviewEntry(day, cadence, "Leads", fact, "", action, "", None, status)  # type: ignore[arg-type]


@pytest.mark.parametrize(("review", "days", "is_overdue"), [
    (entry(dt.date(2026, 7, 12)), 8, True),  # weekly, 8 days late: beyond 7
    (entry(dt.date(2026, 7, 13)), 7, False),  # exactly its cadence: late, not overdue
    (entry(dt.date(2026, 6, 19), "monthly"), 31, False),
    (entry(dt.date(2026, 6, 18), "monthly"), 32, True),
    (entry(dt.date(2026, 4, 1), "quarterly"), 110, True),
    (entry(dt.date(2026, 7, 1), "weekly", status=""), 19, True),  # nothing written at all
])
def test_a_pending_review_past_its_date_is_late(review: ReviewEntry, days: int,
                                                is_overdue: bool) -> None:
    [late] = late_reviews([review], "en", TODAY)
    assert (late.days, late.overdue) == (days, is_overdue)


@pytest.mark.parametrize("review", [
    entry(dt.date(2026, 7, 1), status="done"),
    entry(dt.date(2026, 7, 1), status="doing"),
    entry(dt.date(2026, 7, 1), status="", fact="Leads fell short"),  # written, no status
    entry(dt.date(2026, 7, 20)),  # today: not passed yet
    entry(dt.date(2026, 8, 1)),
    entry(None),
    entry("next week"),  # text where a date belongs is never late (as in Excel: text > numbers)
])
def test_held_or_future_reviews_are_not_late(review: ReviewEntry) -> None:
    assert late_reviews([review], "en", TODAY) == []


def test_japanese_texts_are_read_through_the_same_definition() -> None:
    [late] = late_reviews([entry(dt.date(2026, 7, 1), "monthly")], "ja", TODAY)
    assert (late.days, late.overdue) == (19, False)


def test_the_formula_is_the_expression_check_evaluates() -> None:
    late = late_days(ref("D"), ref("S"), ref("F"), ref("A"), "ja")
    text = late.formula(NameResolver())
    assert text == ('IF(AND(AND(D<>"",D<TODAY()),OR(S="未着手",AND(S="",F="",A=""))),'
                    'TODAY()-D,"")')
    assert "週次" in overdue(ref("C"), ref("L"), "ja").formula(NameResolver())


def test_open_actions_carry_and_done_ones_are_summarised() -> None:
    entries = [entry(dt.date(2026, 4, 5), status="doing", fact="short", action="webinar"),
               entry(dt.date(2026, 4, 12), status="open", action="ads"),
               entry(dt.date(2026, 4, 19), status="open"),  # the empty schedule row
               entry(dt.date(2026, 4, 30), status="done", fact="fine"),
               entry(dt.date(2026, 5, 3), status="done")]  # held, nothing written
    assert [e.day for e in open_entries(entries)] == [dt.date(2026, 4, 5), dt.date(2026, 4, 12)]
    assert [e.day for e in done_entries(entries)] == [dt.date(2026, 4, 30)]


def test_a_plan_identity_ignores_spelling_noise_and_the_fiscal_year() -> None:
    assert plan_identity("Ｓａｍｐｌｅ  Co.", 4) == plan_identity("sample co.", 4)
    assert plan_identity("Sample Co.", 4) != plan_identity("Sample Co.", 1)
    assert plan_identity("Sample Co.", 4) != plan_identity("Other Co.", 4)
    identity = WorkbookIdentity.of("Sample Co.", 4, "sales", FiscalQuarter(2026, 2), "ja")
    assert WorkbookIdentity.from_properties(identity.properties()) == identity
    assert WorkbookIdentity.from_properties({}) is None
    broken = {**identity.properties(), "kpi_xl_quarter": "last quarter"}
    assert WorkbookIdentity.from_properties(broken) is None


def test_the_review_rhythm_names_the_departments_own_kpis_by_cadence() -> None:
    """Development's review log speaks of deploys and bugs, never of leads and deals."""
    from kpi_xl.core.departments import DEPARTMENTS
    from kpi_xl.core.reviews import review_rhythm

    kpis = DEPARTMENTS["development"].sample_kpis["en"]
    said = review_rhythm("en", kpis)
    assert said.startswith("Weekly: Sprint completion, Deploys per month, Code review time. ")
    assert "Monthly: Bugs per month, and every KPI's month. " in said
    assert "lead" not in said.lower() and "deal" not in said.lower()
    ja = review_rhythm("ja", DEPARTMENTS["development"].sample_kpis["ja"])
    assert ja.startswith("週次: スプリント完了率、月間デプロイ回数、コードレビュー完了時間。")


def test_a_rhythm_without_weekly_kpis_or_with_quarterly_ones_still_reads() -> None:
    from dataclasses import replace

    from kpi_xl.core.departments import DEPARTMENTS
    from kpi_xl.core.reviews import review_rhythm

    kpis = [replace(k, cadence="quarterly" if i == 0 else "monthly")
            for i, k in enumerate(DEPARTMENTS["sales"].sample_kpis["en"])]
    said = review_rhythm("en", kpis)
    assert said.startswith("Weekly: this week's movement")
    assert said.endswith(f"Quarterly: {kpis[0].name}, the KGI, and whether the KPIs are still "
                         "the right ones.")
