"""``kpi-xl check``: SMART verdicts, KPI tree findings, benchmark flags and KPI倒れ, per department.

A plan (the filled-in template) is checked before any workbook exists; a generated department
workbook (or a folder of them) is checked as managers left it, actuals included, so KPIs met
while the KGI was missed come to light. The report is text for people (Jinja2, ja/en) or one
JSON document for tools.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from kpi_xl.core.departments import DEPARTMENTS, Department
from kpi_xl.core.errors import KpiXlError, PlanError, WorkbookError
from kpi_xl.core.expr import ExcelError, Num
from kpi_xl.core.fiscal import FiscalQuarter
from kpi_xl.core.i18n import t
from kpi_xl.core.kpi_checks import smart_check
from kpi_xl.core.kpis import (
    CADENCES,
    DIRECTIONS,
    KINDS_OF_INDICATOR,
    MEASURE_KINDS,
    Kpi,
    monthly_equivalent,
    normalise_choice,
    unit_key,
)
from kpi_xl.core.plan import Plan, PlanValues, plan_departments
from kpi_xl.core.plan_tree import TREE_TOLERANCE, plan_tree_rows
from kpi_xl.io.previous import read_actuals

__all__ = ["SCHEMA", "CheckReport", "check_path", "check_plan", "check_workbook", "document",
           "error_document"]

_WORKBOOK_NAME = re.compile(r"^FY(\d{4})Q([1-4])_")
#: The JSON document's schema id; docs/check.schema.json describes it.
SCHEMA = "kpi-xl-check/1"

@dataclass
class Finding:
    """One thing the planner should look at."""

    severity: str  # "error" | "warning" | "info" (info: said, never counted)
    kind: str  # "smart" | "tree" | "benchmark" | "kpi_failure" | "review"
    code: str
    subject: str
    message: str


@dataclass
class KpiVerdict:
    """A KPI's SMART verdict."""

    name: str
    statement: str
    ok: bool
    failed: str
    summary: str
    criteria: list[dict[str, str]]


@dataclass
class DepartmentReport:
    """Everything found for one department."""

    key: str
    name: str
    kpis: list[KpiVerdict] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


@dataclass
class CheckReport:
    """The result of a check; ``errors`` decides the exit code."""

    source: str
    kind: str  # "plan" | "workbook"
    lang: str
    departments: list[DepartmentReport] = field(default_factory=list)
    # A plan's departments left wholly blank (keys), and what the planner is told about them.
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for d in self.departments for f in d.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for d in self.departments for f in d.findings)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {"source": self.source, "kind": self.kind, "lang": self.lang,
                "summary": {"errors": self.errors, "warnings": self.warnings,
                            "kpis": sum(len(d.kpis) for d in self.departments)},
                "departments": [asdict(d) for d in self.departments],
                "skipped": list(self.skipped)}

    def to_json(self) -> str:
        """This report alone as JSON (see :func:`document` for what ``--json`` prints)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


    def render(self) -> str:
        """The report as text a planner reads top to bottom."""
        import jinja2

        env = jinja2.Environment(autoescape=False, trim_blocks=True, lstrip_blocks=True,
                                 keep_trailing_newline=True)
        say = {key: t(self.lang, f"report.{key}") for key in _LABELS}
        return env.from_string(_TEMPLATE).render(report=self, say=say)


_LABELS = ("plan", "workbook", "smart", "findings", "error", "warning", "info", "none", "total",
           "fix")


_TEMPLATE = """kpi-xl check: {{ report.source }} ({{ say[report.kind] }})
{% for note in report.notes %}
{{ note }}
{% endfor %}
{% for dept in report.departments %}

== {{ dept.name }} ==
{{ say.smart.format(n=dept.kpis | length) }}
{% for k in dept.kpis %}
  [{{ "OK" if k.ok else "NG " ~ k.failed }}] {{ k.name }}
      {{ k.statement }}
{% for c in k.criteria if c.status == "fail" %}
      {{ c.letter }}: {{ c.reason }} → {{ c.hint }}
{% endfor %}
{% endfor %}
{% if dept.findings %}
{{ say.findings }}
{% for f in dept.findings %}
  {{ say[f.severity] }} [{{ f.kind }}/{{ f.code }}] {{ f.message }}
{% endfor %}
{% else %}
{{ say.none }}
{% endif %}
{% endfor %}

{{ say.total.format(errors=report.errors, warnings=report.warnings) }}{% if report.errors %}{{ say.fix }}{% endif %}

"""


def document(source: str, lang: str | None, reports: list[CheckReport]) -> dict[str, Any]:
    """What ``kpi-xl check --json`` prints: one shape for a plan, a workbook and a folder.

    ``reports`` holds one report per file (one for a plan or a workbook, one per workbook for
    a folder); ``summary`` adds them up; ``error`` is null (see :func:`error_document`).
    """
    return {"schema": SCHEMA, "source": source,
            "lang": lang or (reports[0].lang if reports else None),
            "ok": not any(r.errors for r in reports),
            "summary": {"files": len(reports), "errors": sum(r.errors for r in reports),
                        "warnings": sum(r.warnings for r in reports),
                        "kpis": sum(len(d.kpis) for r in reports for d in r.departments)},
            "reports": [r.to_dict() for r in reports], "error": None}


def error_document(source: str, lang: str, error: KpiXlError) -> dict[str, Any]:
    """The same document for input that could not be checked: no reports, and the error."""
    doc = document(source, lang, [])
    doc["ok"] = False
    doc["error"] = {"exit_code": error.exit_code, "type": type(error).__name__,
                    "message": error.message(lang)}
    return doc


# Checking a plan -------------------------------------------------------------------------------

def _verdict(kpi: Kpi, lang: str, plan: Plan | None,
             department: Department | None = None) -> KpiVerdict:
    result = smart_check(kpi, lang, plan, department)
    return KpiVerdict(kpi.name, result.statement, result.ok, result.failed, result.summary(),
                      [{"letter": c.letter, "status": c.status, "reason": c.reason,
                        "hint": c.hint} for c in result.criteria])


def _tree_findings(rows: list[dict[str, Any]], lang: str) -> list[Finding]:
    from kpi_xl.core import tree

    return [Finding(f.severity, "tree", f.code, f.node or "", f.message)
            for f in tree.validate(rows, lang=lang, tolerance=TREE_TOLERANCE)]


def _benchmark_findings(dept: Department, values: Mapping[str, Any], lang: str) -> list[Finding]:
    from kpi_xl.core import benchmarks

    out = []
    for spec in dept.inputs:
        value = values.get(spec.name)
        bench = benchmarks.get(spec.benchmark) if spec.benchmark else None
        if bench is None or not isinstance(value, (int, float)) or bench.contains(value) is not False:
            continue
        band = _band(bench.low, bench.high, spec.kind).replace("〜", t(lang, "report.band_sep"))
        message = t(lang, "report.outside_benchmark", label=spec.label[lang], name=spec.name,
                    shown=_shown(value, spec.kind), band=band)
        out.append(Finding("warning", "benchmark", "outside_benchmark", spec.name, message))
    return out


def _band(low: float | None, high: float | None, kind: str) -> str:
    if low is not None and high is not None:
        return f"{_shown(low, kind)}〜{_shown(high, kind)}"
    return f"≥ {_shown(low, kind)}" if low is not None else f"≤ {_shown(high, kind)}"  # type: ignore[arg-type]


def _shown(value: float, kind: str) -> str:
    if kind == "rate":
        return f"{value * 100:.1f}%"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def check_plan(plan: Plan, lang: str, source: str = "") -> CheckReport:
    """Check every department the plan covers (its own ones too); say which ones it skips."""
    from kpi_xl.core.partial import plan_notes, skipped

    report = CheckReport(source or plan.source, "plan", lang, skipped=skipped(plan.departments),
                         notes=plan_notes(plan.departments, lang, plan.values))
    for key, dept in plan_departments(plan).items():
        kpis = plan.kpis.get(key, ())
        dept_report = DepartmentReport(key, dept.name[lang],
                                       [_verdict(k, lang, plan) for k in kpis])
        for verdict in dept_report.kpis:
            if not verdict.ok:
                dept_report.findings.append(Finding(
                    "error", "smart", "not_smart", verdict.name,
                    f"{verdict.name}: {verdict.summary}"))
        dept_report.findings += _tree_findings(plan_tree_rows(dept, kpis, plan.values, lang),
                                               lang)
        dept_report.findings += _benchmark_findings(dept, plan.values, lang)
        report.departments.append(dept_report)
    _plan_coherence(report, plan, lang)
    return report


def _plan_coherence(report: CheckReport, plan: Plan, lang: str) -> None:
    """One plan: the company funnel closes, and each KPI has one target per period.

    A shared figure that differs (leads, SQL = opportunities) is an error in both departments;
    so is a KPI whose target for a period differs between two workbooks.
    """
    from kpi_xl.core.company import funnel_gaps
    from kpi_xl.core.i18n import t
    from kpi_xl.core.targets import conflicts

    by_key = {d.key: d for d in report.departments}
    for gap in funnel_gaps(plan.values):
        message = t(lang, "check.funnel_gap", label=t(lang, f"funnel.shared.{gap.sales}"),
                    gap=t(lang, "funnel.gap", other=t(lang, f"funnel.side.{gap.other}"),
                          sales=f"{gap.sales_value:,.0f}",
                          sales_cells=", ".join(gap.sales_inputs),
                          marketing=f"{gap.marketing_value:,.0f}",
                          marketing_cells=", ".join(gap.marketing_inputs)))
        for key in ("sales", gap.other):
            if key in by_key:
                by_key[key].findings.append(Finding("error", "funnel", "funnel_not_closed",
                                                    gap.sales, message))
    for conflict in conflicts(plan):
        known = plan_departments(plan)
        values = ", ".join(f"{known[k].name[lang]} {v:,.6g}" for k, v in conflict.values)
        message = t(lang, "check.target_conflict", kpi=conflict.kpi, period=conflict.period,
                    first=_period_start(conflict.period, conflict.first), values=values)
        for key, _ in conflict.values:
            by_key[key].findings.append(Finding("error", "targets", "target_conflict",
                                                conflict.kpi, message))


def _period_start(period: str, first: dt.date) -> str:
    """A period as planners name it: a month as 2027-04, a week or another period by its day."""
    return f"{first:%Y-%m}" if period == "month" else first.isoformat()


_TARGET_FIELDS = {"period": "targets.period_type", "first": "targets.first_day",
                  "kpi": "targets.kpi", "target": "targets.target"}


def _target_findings(saved: Any, dept: Department, lang: str) -> list[Finding]:
    """Tracking targets that differ from the Targets table's row for their KPI and month."""
    from kpi_xl.core.i18n import t

    def day(value: Any) -> Any:
        return value.date() if isinstance(value, dt.datetime) else value

    table = {(r.get("period"), day(r.get("first")), r.get("kpi")): r.get("target")
             for r in _rows(saved, f"{dept.prefix}_Targets", _TARGET_FIELDS)}
    if not table:
        return []
    out = []
    for row in _rows(saved, dept.actuals_table, _ACTUAL_FIELDS):
        month, name, target = day(row.get("month")), row.get("name"), row.get("target")
        planned = table.get(("month", month, name))
        if (isinstance(target, (int, float)) and isinstance(planned, (int, float))
                and abs(target - planned) > 1e-9 * max(1.0, abs(planned))):
            out.append(Finding("error", "targets", "target_conflict", str(name), t(
                lang, "check.target_conflict", kpi=name, period="month",
                first=_period_start("month", month) if isinstance(month, dt.date) else str(month),
                values=f"{dept.actuals_table} {target:,.6g}, {dept.prefix}_Targets "
                       f"{planned:,.6g}")))
    return out


# Checking generated workbooks ----------------------------------------------------------------

_KPI_FIELDS = {f: f"kpi.{f}" for f in ("name", "definition", "ksf", "unit", "direction",
                                         "target", "deadline", "owner", "cadence", "indicator",
                                         "link", "kind")}
_STATEMENT_FIELDS = {"name": "kpi.name", "statement": "kpi.statement"}
_ACTUAL_FIELDS = {"month": "track.month", "name": "kpi.name", "target": "kpi.target",
                  "actual": "track.actual"}


def _rows(saved: Any, name: str, fields: dict[str, str]) -> list[dict[str, Any]]:
    """A table's rows as field → value (saved results, or references followed)."""
    view = saved.table(name, fields)
    if view is None:
        return []
    return [{field: saved.value(view.sheet, view.cell(field, r)) for field in view.columns}
            for r in view.rows()]


def _workbook_kpis(rows: list[dict[str, Any]]) -> list[Kpi]:
    kpis = []
    for row in rows:
        if not row.get("name"):
            continue
        target, deadline = row.get("target"), row.get("deadline")
        if isinstance(deadline, dt.datetime):
            deadline = deadline.date()
        kpis.append(Kpi(
            name=str(row["name"]), definition=str(row.get("definition") or ""),
            ksf=str(row.get("ksf") or ""), unit=unit_key(row.get("unit")) or "件",
            direction=normalise_choice(row.get("direction"), DIRECTIONS) or "higher",
            target=float(target) if isinstance(target, (int, float)) else None,  # type: ignore[arg-type]
            deadline=deadline if isinstance(deadline, dt.date) else None,
            owner=str(row.get("owner") or ""),
            cadence=normalise_choice(row.get("cadence"), CADENCES) or "monthly",
            indicator=normalise_choice(row.get("indicator"), KINDS_OF_INDICATOR) or "leading",
            link=str(row.get("link") or "") or None,
            kind=normalise_choice(row.get("kind"), MEASURE_KINDS)))
    # A workbook's KPI sheet shows this quarter's targets; SMART judges them per month: a
    # linked target as the plan's average month (recomputed from the workbook's inputs), a
    # typed one restated per month.
    return [replace(k, target=None) if k.link else  # type: ignore[arg-type]
            monthly_equivalent(k) if k.target is not None else k for k in kpis]


def _typed_targets(saved: Any, dept: Department, kpis: list[Kpi]) -> list[Kpi]:
    """KPIs whose target the file did not keep, given the planner's own number where the
    Targets table holds one (a flow's month, another kind's year): SMART judges it per month."""
    typed: dict[str, float] = {}
    for row in _rows(saved, f"{dept.prefix}_Targets", _TARGET_FIELDS):
        value = row.get("target")
        if (row.get("period") in ("month", "year") and isinstance(value, (int, float))
                and not isinstance(value, bool)):
            typed.setdefault(str(row.get("kpi")), float(value))
    return [replace(k, target=typed[k.name]) if k.target is None and not k.link
            and k.name in typed else k for k in kpis]


def _named_values(saved: Any, dept: Department) -> dict[str, Any]:
    """The workbook's inputs as typed, and its outputs recomputed from them.

    Outputs come from the same expressions the workbook's formulas were written from, so a
    workbook saved without formula results (openpyxl) is judged on its figures, not on zeros.
    """
    inputs: dict[str, Any] = {}
    for spec in dept.inputs:
        for sheet, cell in saved.named_cells(spec.name):
            value = saved.value(sheet, cell)
            if value is None:
                value = spec.blank_value
            if value is not None:
                inputs[spec.name] = value
    env = PlanValues(inputs, (dept,))
    out = dict(inputs)
    for output in dept.outputs:
        try:
            out[output.name] = env[output.name]
        except (ExcelError, KeyError, TypeError, ZeroDivisionError):
            continue
    return out


def _linked_targets(dept: Department, kpis: list[Kpi], values: dict[str, Any]) -> list[Kpi]:
    """KPIs whose linked target the file did not keep (no saved results), recomputed."""
    env = PlanValues(values, (dept,))
    out = []
    for kpi in kpis:
        expr = dept.link_expr(kpi) if kpi.target is None else None
        try:
            target = expr.evaluate(env) if expr is not None else None
        except (ExcelError, KeyError, TypeError, ZeroDivisionError):
            target = None
        out.append(replace(kpi, target=float(target) if isinstance(target, (int, float))  # type: ignore[arg-type]
                           else (kpi.target if kpi.target is not None else 0.0)))
    return out


def _actuals_findings(path: Path, dept: Department, lang: str) -> list[Finding]:
    """Every actual that ``generate`` would refuse when rolling this workbook forward."""
    match = _WORKBOOK_NAME.match(path.name)
    quarter = FiscalQuarter(int(match.group(1)), int(match.group(2))) if match else None
    try:
        read_actuals(path, dept, quarter or FiscalQuarter(2000, 1), lang)
    except WorkbookError as err:
        return [Finding("error", "actuals", "invalid_actual", f"{p.sheet}!{p.cell}",
                        p.describe(lang)) for p in err.problems]
    return []


def _failure_findings(dept: Department, kpis: list[Kpi], actuals: list[dict[str, Any]],
                      lang: str) -> list[Finding]:
    from kpi_xl.core import failure

    measure = next((k.name for k in kpis if k.link == dept.kgi_measure), None)
    if measure is None or not actuals:
        return []
    directions = {k.name: k.direction for k in kpis}
    records = []
    for row in actuals:
        name, actual, month = row.get("name"), row.get("actual"), row.get("month")
        if name is None or not isinstance(actual, (int, float)):
            continue
        period = month.isoformat()[:7] if isinstance(month, (dt.date, dt.datetime)) else str(month)
        records.append({"period": period, "id": str(name),
                        "kind": "KGI" if name == measure else "KPI", "actual": actual,
                        "target": row.get("target"),
                        "direction": directions.get(str(name), "higher")})
    if not any(r["kind"] == "KGI" for r in records):
        return []
    return [Finding(f.severity, "kpi_failure", f.code, f.node or "", f.message)
            for f in failure.analyze(records, lang=lang,
                                     min_periods=failure.EVIDENCE_MIN_PERIODS)]


def check_workbook(path: Path, lang: str | None, today: dt.date | None = None) -> CheckReport:
    """Check a generated department workbook, actuals and review log included.

    ``today`` is the day against which reviews are late (default: the computer's date).
    """
    from kpi_xl.io.saved_workbook import SavedWorkbook

    saved = SavedWorkbook(path)
    dept = next((d for d in DEPARTMENTS.values()
                 if saved.table(f"{d.prefix}_KPIList", _KPI_FIELDS) is not None), None)
    if dept is None:
        dept = _custom_department(saved)
    if dept is None:
        raise PlanError(str(path), file_problem={
            "ja": f"{path.name} は kpi-xl の計画ファイルでも部門ブックでもありません。",
            "en": f"{path.name} is neither a kpi-xl plan nor a department workbook."})
    lang = lang or ("ja" if any("実績" in name for name in saved.formulas.sheetnames) else "en")
    values = _named_values(saved, dept)
    kpis = _linked_targets(dept, _typed_targets(saved, dept, _workbook_kpis(
        _rows(saved, f"{dept.prefix}_KPIList", _KPI_FIELDS))), values)
    report = CheckReport(str(path), "workbook", lang)
    dept_report = DepartmentReport(dept.key, dept.name[lang],
                                   [_verdict(k, lang, None, dept) for k in kpis])
    # The statement said is the KPI sheet's own (this quarter's target, live in the sheet), so
    # check and the sheet read the same sentence; the verdict judges the KPI per month either way.
    shown = {str(r.get("name")): r.get("statement")
             for r in _rows(saved, f"{dept.prefix}_KPIList", _STATEMENT_FIELDS)}
    for verdict in dept_report.kpis:
        said = shown.get(verdict.name)
        if isinstance(said, str) and said.strip():
            verdict.statement = said
    for verdict in dept_report.kpis:
        if not verdict.ok:
            dept_report.findings.append(Finding("error", "smart", "not_smart", verdict.name,
                                                f"{verdict.name}: {verdict.summary}"))
    dept_report.findings += _tree_findings(plan_tree_rows(dept, kpis, values, lang), lang)
    dept_report.findings += _benchmark_findings(dept, values, lang)
    dept_report.findings += _failure_findings(
        dept, kpis, _rows(saved, dept.actuals_table, _ACTUAL_FIELDS), lang)
    dept_report.findings += _actuals_findings(Path(path), dept, lang)
    dept_report.findings += _target_findings(saved, dept, lang)
    dept_report.findings += _review_findings(saved, dept, lang, today or dt.date.today())
    dept_report.findings += _review_sheet_findings(saved, dept, values, lang)
    report.departments.append(dept_report)
    return report


_RATE_FIELDS = {"rate": "prev.rate", "numerator": "prev.numerator_value",
                "denominator": "prev.denominator_value"}
_MONTH_FIELDS = {"kpi": "prev.kpi", "month": "prev.month", "direction": "prev.direction",
                 "target": "prev.target", "actual": "prev.actual"}


def _threshold(saved: Any, name: str, default: float, lang: str, out: list[Finding]) -> float:
    """The number in the threshold cell ``name`` of the review sheet, read as Excel reads it.

    A blank cell is 0 (as in the sheet's formulas); a workbook without the name (written before
    the thresholds were named) gets ``default``; text or another value is an error that names
    the cell (the sheet shows #VALUE! there) and ``default`` is used meanwhile.
    """
    for sheet, cell in saved.named_cells(name):
        value = saved.value(sheet, cell)
        if value is None or (isinstance(value, str) and not value.strip()):
            return 0.0
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        out.append(Finding("error", "review", "invalid_threshold", f"{sheet}!{cell}", t(
            lang, "check.review_threshold", cell=f"{sheet}!{cell}", name=name, value=value)))
        return default
    return default


def _named_text(saved: Any, name: str) -> str | None:
    for sheet, cell in saved.named_cells(name):
        value = saved.value(sheet, cell)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _review_sheet_findings(saved: Any, dept: Department, values: dict[str, Any], lang: str
                           ) -> list[Finding]:
    """What the workbook's last-quarter review sheet flags, judged as the sheet judges it.

    The sheet's rate table and monthly history are read back and the definitions of
    :mod:`kpi_xl.core.review_flags` (and :func:`kpi_xl.core.failure.analyze`) evaluated over
    them, with the thresholds the planner left in the sheet's input cells. Planned rates come
    from the workbook's inputs, so a workbook saved without formula results is judged too.
    """
    from kpi_xl.core import failure
    from kpi_xl.core.review_flags import MIN_CASES, RATE_GAP, names, rate_verdict

    named = names(dept.prefix)
    quarter = _previous_quarter_name(saved)
    out: list[Finding] = []
    gap = _threshold(saved, named["rate_gap"], RATE_GAP, lang, out)
    cases = _threshold(saved, named["min_cases"], MIN_CASES, lang, out)
    floor = int(_threshold(saved, named["min_periods"], failure.EVIDENCE_MIN_PERIODS, lang, out))
    inputs = {spec.label[code]: spec.name for spec in dept.inputs for code in spec.label}
    for row in _rows(saved, named["rates"], _RATE_FIELDS):
        label, numerator, denominator = row.get("rate"), row.get("numerator"), \
            row.get("denominator")
        planned = values.get(inputs.get(str(label), ""))
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                   for v in (numerator, denominator, planned)):
            continue
        verdict = rate_verdict(Num(numerator), Num(denominator), Num(planned), Num(gap),
                               Num(cases))
        too_few, flagged = verdict.too_few.evaluate({}), verdict.flagged.evaluate({})
        if not (too_few or flagged):
            continue
        achieved = verdict.achieved.evaluate({})
        message = t(lang, "check.review_rate", rate=label,
                    judgement=verdict.judgement(lang).evaluate({}), planned=_shown(planned, "rate"),
                    quarter=quarter, achieved=_shown(achieved, "rate")
                    if isinstance(achieved, (int, float)) else "—",
                    numerator=_shown(numerator, "count"), denominator=_shown(denominator, "count"),
                    gap=_shown(gap, "rate"), cases=_shown(cases, "count"))
        out.append(Finding("info" if too_few else "warning", "review",
                           "rate_too_few" if too_few else "optimistic_rate", str(label), message))
    kgi = _named_text(saved, named["kgi"])
    records = []
    for row in _rows(saved, named["months"], _MONTH_FIELDS):
        month, name = row.get("month"), row.get("kpi")
        if name is None or not isinstance(month, (dt.date, dt.datetime)):
            continue
        records.append({"period": f"{month:%Y-%m}", "id": str(name),
                        "kind": "KGI" if name == kgi else "KPI", "actual": row.get("actual"),
                        "target": row.get("target"),
                        "direction": normalise_choice(row.get("direction"), DIRECTIONS)
                        or "higher"})
    if kgi is not None and records:
        for found in failure.analyze(records, kgi=kgi, lang=lang, min_periods=floor):
            out.append(Finding(found.severity, "review", found.code, found.node or "",
                               t(lang, "check.review_collapse", quarter=quarter,
                                 message=found.message)))
    return out


def _previous_quarter_name(saved: Any) -> str:
    """The quarter the review sheet looks back on (FY2027Q1), from the workbook's identity."""
    from kpi_xl.io.previous import workbook_identity

    try:
        identity = workbook_identity(saved.path)
    except KpiXlError:
        identity = None
    if identity is not None:
        return identity.quarter.previous().folder_name
    match = _WORKBOOK_NAME.match(saved.path.name)
    if match:
        return FiscalQuarter(int(match.group(1)), int(match.group(2))).previous().folder_name
    return "—"


def _custom_department(saved: Any) -> Department | None:
    """A planner's own department, rebuilt from what its workbook carries (its custom document
    properties, :func:`kpi_xl.core.departments.custom.definition_properties`); None if none."""
    from kpi_xl.core.departments.custom import custom_department, definition_from_properties

    try:
        props = {p.name: p.value for p in saved.formulas.custom_doc_props}
    except (AttributeError, TypeError):
        return None
    definition = definition_from_properties(props)
    if definition is None:
        return None
    dept = custom_department(definition)
    return dept if saved.table(f"{dept.prefix}_KPIList", _KPI_FIELDS) is not None else None


def _review_findings(saved: Any, dept: Department, lang: str, today: dt.date) -> list[Finding]:
    """Reviews still open beyond their cadence: what turns the checklist's sixth item to ✖.

    The same expressions the review log writes as formulas (:mod:`kpi_xl.core.reviews`),
    evaluated with ``today``.
    """
    from kpi_xl.core.reviews import overdue_reviews
    from kpi_xl.io.previous import read_reviews

    return [Finding("warning", "review", "review_overdue", cell, message)
            for cell, message in overdue_reviews(read_reviews(saved, dept), lang, today)]


def check_path(path: Path, lang: str | None) -> list[CheckReport]:
    """Check a plan, a department workbook, or every workbook in a folder."""
    from kpi_xl.io.plan_reader import open_checked, read_plan

    if path.is_dir():
        books = sorted(p for p in path.rglob("*.xlsx") if not p.name.startswith((".", "~$")))
        if not books:
            raise PlanError(str(path), file_problem={
                "ja": f"{path} に .xlsx ファイルがありません。",
                "en": f"There is no .xlsx file in {path}."})
        return [check_workbook(p, lang) for p in books]
    wb = open_checked(path)
    if "Plan_Language" in wb.defined_names or any(
            name.endswith("_KPIs") for ws in wb.worksheets for name in ws.tables):
        plan = read_plan(path, lang)
        return [check_plan(plan, lang or plan.lang, str(path))]
    return [check_workbook(path, lang)]

