"""What last quarter's review flags, defined once for the workbook and for ``kpi-xl check``.

The review sheet of a new quarter (:mod:`kpi_xl.writer.previous_sheet`) writes these
expressions as live formulas over its own cells; ``kpi-xl check`` evaluates the very same
expressions over the values it reads back from that sheet (:mod:`kpi_xl.app.check`). So the
thresholds, the verdict and its words are the same in Excel, in LibreOffice and in ``check``.

- **An optimistic rate.** A conversion rate the plan assumes (e.g. the win rate) is flagged when
  it exceeds the rate last quarter achieved by more than :data:`RATE_GAP`, relatively
  (planned > achieved × (1 + gap)); smaller gaps are a quarter's noise. Below
  :data:`MIN_CASES` cases in the wider stage (e.g. 30 opportunities) the achieved rate is too
  noisy to judge a plan by, and the verdict is "too few cases" instead (the evidence floor for
  rate comparisons).
- **KPI倒れ.** A KPI met in at least :data:`MET_SHARE` of the months in which the KGI was missed
  (and in at least one) is flagged: it moved while the goal did not.
  :func:`kpi_xl.core.failure.analyze` applies the same rule.
- **The evidence floor for correlations** is :data:`kpi_xl.core.failure.EVIDENCE_MIN_PERIODS`
  months; the review sheet offers it as an input cell and ``check`` reads that cell back.

Each threshold is an input cell on the review sheet, with a workbook-scope defined name
(:func:`names`), so the planner can change it and ``check`` uses what the planner set.
"""

from __future__ import annotations

from dataclasses import dataclass

from kpi_xl.core.expr import Bool, Expr, Num, Operand, Value, and_, if_, iferror, lift, or_
from kpi_xl.core.i18n import t

__all__ = ["MET_SHARE", "MIN_CASES", "RATE_GAP", "RateVerdict", "collapse_flag", "collapsed",
           "judge_rate", "names", "rate_verdict"]

#: A planned rate more than this much better than the achieved one (relatively) is flagged.
RATE_GAP = 0.2
#: The fewest cases in the wider stage (the rate's denominator) before a rate is compared.
MIN_CASES = 30
#: The share of KGI-missed months in which a met KPI is flagged as KPI倒れ.
MET_SHARE = 0.5


def names(prefix: str) -> dict[str, str]:
    """The defined names of a department's review-sheet inputs and tables (``Sales`` → ...)."""
    return {"rate_gap": f"{prefix}_PrevRateGap", "min_cases": f"{prefix}_PrevMinCases",
            "min_periods": f"{prefix}_PrevMinPeriods", "kgi": f"{prefix}_PrevKGI",
            "rates": f"{prefix}_PrevRates", "months": f"{prefix}_PrevMonths"}


@dataclass(frozen=True)
class RateVerdict:
    """The expressions of one rate comparison (each a formula and a value)."""

    achieved: Expr  # numerator ÷ denominator, "" when undefined
    gap: Expr  # planned ÷ achieved − 1, "" when undefined
    too_few: Expr  # fewer cases than the floor (or no achieved rate): not judged
    flagged: Expr  # judged, and the plan clearly more optimistic than achieved

    def judgement(self, lang: str) -> Expr:
        """The verdict in words, as the review sheet shows it and ``check`` says it."""
        return if_(self.too_few, t(lang, "prev.too_few"),
                   if_(self.flagged, t(lang, "prev.too_optimistic"), t(lang, "prev.in_line")))


def rate_verdict(numerator: Operand, denominator: Operand, planned: Operand, gap: Operand,
                 min_cases: Operand, achieved: Operand | None = None) -> RateVerdict:
    """An achieved rate against a planned one, with the gap and the evidence floor given.

    ``achieved`` may name the cell that already holds numerator ÷ denominator (the sheet
    writes it once and refers to it); by default it is computed here.
    """
    rate = lift(achieved) if achieved is not None else iferror(
        lift(numerator) / lift(denominator), "")
    few = or_(lift(denominator).lt(min_cases), rate.eq(""))
    # IF evaluates only the branch taken: an undefined rate is never multiplied.
    flagged = if_(few, Bool(False), lift(planned).gt(rate * (Num(1) + lift(gap))))
    return RateVerdict(rate, iferror(lift(planned) / rate - 1, ""), few, flagged)


def judge_rate(numerator: float, denominator: float, planned: float, *,
               gap: float = RATE_GAP, min_cases: float = MIN_CASES) -> str:
    """"too_few", "too_optimistic" or "in_line": :func:`rate_verdict` evaluated in Python."""
    verdict = rate_verdict(Num(numerator), Num(denominator), Num(planned), Num(gap),
                           Num(min_cases))
    env: dict[str, Value] = {}
    if verdict.too_few.evaluate(env):
        return "too_few"
    return "too_optimistic" if verdict.flagged.evaluate(env) else "in_line"


def collapse_flag(met: Operand, missed: Operand, share: Operand = MET_SHARE) -> Expr:
    """KPI倒れ: the KPI was met in ``met`` of the ``missed`` months in which the KGI was missed,
    at least once and in at least ``share`` of them."""
    return and_(lift(met).ge(1), lift(met).ge(lift(missed) * share))


def collapsed(met: int, missed: int, share: float = MET_SHARE) -> bool:
    """:func:`collapse_flag` evaluated in Python (what :func:`kpi_xl.core.failure.analyze` uses)."""
    return bool(collapse_flag(Num(met), Num(missed), Num(share)).evaluate({}))

