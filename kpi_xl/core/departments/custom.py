"""Your own departments: a KGI and a funnel of stages typed into the template, as a Department.

The template's ``Custom_Departments`` table names a department (a key in ASCII letters, a
display name, the KGI's name, unit and target for the year, a review cadence) and
``Custom_Stages`` lists its stages in order with the conversion rate from each stage into the
next; the last stage is the KGI. :func:`custom_department` turns one such definition into the
same :class:`~kpi_xl.core.departments.base.Department` data the built-in departments are, so every
sheet, check and roll-forward treats it alike:

- inputs ``<Prefix>_KGITarget`` (the KGI for the year) and ``<Prefix>_Rate<n>`` (stage *n* →
  stage *n*+1);
- outputs ``<Prefix>_Stage<n>``: the reverse funnel, ROUNDUP(next stage ÷ rate, 0), exactly as
  sales' required opportunities and leads (:func:`kpi_xl.core.funnel.stage_expr`).

Recruiting, 20 hires, offer→hire 80%, interview→offer 25%, application→interview 20% needs 25
offers, 100 interviews and 500 applications. Standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kpi_xl.core.departments.base import Decomposition, Department, FigureSpec, SeriesSpec
from kpi_xl.core.expr import Expr, ref
from kpi_xl.core.funnel import stage_expr
from kpi_xl.core.i18n import LANGS, t
from kpi_xl.core.spec import InputSpec, OutputSpec, Scalar, Text

__all__ = [
    "CUSTOM_DEPARTMENTS_TABLE",
    "CUSTOM_KPIS_TABLE",
    "CUSTOM_STAGES_TABLE",
    "MAX_KEY_LENGTH",
    "RESERVED_KEYS",
    "CustomDefinition",
    "CustomStage",
    "custom_department",
    "custom_values",
    "definition_from_properties",
    "definition_properties",
    "key_problem",
    "kgi_target_name",
    "prefix_for",
    "rate_name",
    "required_counts",
    "stage_gap",
    "stage_name",
]

CUSTOM_DEPARTMENTS_TABLE = "Custom_Departments"
CUSTOM_STAGES_TABLE = "Custom_Stages"
CUSTOM_KPIS_TABLE = "Custom_KPIs"

#: A key is a file-name part and a defined-name prefix: ASCII letters only, at most this long.
MAX_KEY_LENGTH = 24
_KEY = re.compile(r"^[A-Za-z]+$")
#: Keys that would collide with a built-in department's key or defined-name prefix, or with the
#: template's own names (Plan_…, Custom_…, the add-in's KPI_… functions). Compared without case,
#: because Excel's defined names are.
RESERVED_KEYS: Mapping[str, str] = {
    "sales": "sales", "marketing": "marketing", "customer_success": "customer_success",
    "development": "development", "mkt": "marketing", "cs": "customer_success",
    "dev": "development", "plan": "Plan", "custom": "Custom", "kpi": "KPI",
}


@dataclass(frozen=True)
class CustomStage:
    """One stage of a custom funnel: its order, name, and the rate into the next stage."""

    order: int
    name: str
    rate: float | None  # stage → next stage; None for the last stage (the KGI)


@dataclass(frozen=True)
class CustomDefinition:
    """A custom department as the planner typed it (validated by the reader)."""

    key: str
    name: str
    kgi_name: str
    kgi_unit: str
    kgi_target: float
    cadence: str  # a key of kpi_xl.core.kpis.CADENCES
    stages: tuple[CustomStage, ...]  # in order; the last one is the KGI


def prefix_for(key: str) -> str:
    """The defined-name prefix of a custom department: its key with a capital first letter.

    >>> prefix_for("recruiting")
    'Recruiting'
    """
    return key[:1].upper() + key[1:]


def kgi_target_name(prefix: str) -> str:
    """Defined name of the KGI target for the year, e.g. ``Recruiting_KGITarget``."""
    return f"{prefix}_KGITarget"


def rate_name(prefix: str, n: int) -> str:
    """Defined name of the conversion rate from stage ``n`` into stage ``n`` + 1 (1-based)."""
    return f"{prefix}_Rate{n}"


def stage_name(prefix: str, n: int) -> str:
    """Defined name of the required count of stage ``n`` (1-based; not the last stage)."""
    return f"{prefix}_Stage{n}"


def key_problem(key: str, builtin: Sequence[str] = ()) -> tuple[str, dict[str, str]] | None:
    """Why ``key`` cannot name a custom department, as (reason, details); None when it can.

    Reasons: ``not_ascii`` (anything but ASCII letters, or empty), ``too_long``, ``reserved``
    (a built-in department's key or prefix, or a template prefix; ``details['taken']`` says
    whose). ``builtin`` adds more taken keys (compared without case).

    >>> key_problem("recruiting") is None
    True
    >>> key_problem("Sales")[0]
    'reserved'
    >>> key_problem("採用")[0]
    'not_ascii'
    """
    if not _KEY.match(key):
        return "not_ascii", {}
    if len(key) > MAX_KEY_LENGTH:
        return "too_long", {"limit": str(MAX_KEY_LENGTH)}
    folded = key.casefold()
    taken = {**RESERVED_KEYS, **{k.casefold(): k for k in builtin}}
    if folded in taken:
        return "reserved", {"taken": taken[folded]}
    return None


def stage_gap(orders: Sequence[int]) -> list[int]:
    """The orders missing from 1..max(orders) (a list numbered 1, 2, 4 lacks 3).

    >>> stage_gap([1, 2, 4])
    [3]
    >>> stage_gap([2, 3])
    [1]
    """
    present = set(orders)
    return [n for n in range(1, max(orders, default=0) + 1) if n not in present]


def _both(key: str, **values: object) -> Text:
    return {lang: t(lang, key, **values) for lang in LANGS}


def custom_department(definition: CustomDefinition) -> Department:
    """The :class:`Department` of a custom definition (at least two stages, validated rates)."""
    stages = definition.stages
    if len(stages) < 2:
        raise ValueError(f"{definition.key}: a funnel needs the KGI and at least one stage before it")
    prefix = prefix_for(definition.key)
    kgi = kgi_target_name(prefix)
    last = len(stages)
    names = [stage.name for stage in stages]
    kgi_label = _both("custom.kgi_label", kgi=definition.kgi_name, unit=definition.kgi_unit)
    # Beside a unit column the KGI is named plainly and counted in its own unit ("入社 20 人"),
    # not in the count kind's "件"; the unit stays in the name where no unit column is shown.
    kgi_unit: Text | None = ({lang: definition.kgi_unit for lang in LANGS}
                             if definition.kgi_unit else None)
    kgi_plain: Text = {lang: definition.kgi_name or names[-1] for lang in LANGS}

    inputs = [InputSpec(kgi, "count", _both("custom.kgi_target", kgi=definition.kgi_name),
                        _both("custom.kgi_target_help", kgi=definition.kgi_name,
                              unit=definition.kgi_unit),
                        sample=definition.kgi_target, unit=kgi_unit)]
    for n in range(1, last):
        inputs.append(InputSpec(
            rate_name(prefix, n), "rate",
            _both("custom.rate", stage=names[n - 1], next=names[n]),
            _both("custom.rate_help", stage=names[n - 1], next=names[n]),
            sample=stages[n - 1].rate))

    # Stage n needs ROUNDUP(stage n+1 / rate n): walking back from the KGI.
    outputs: list[OutputSpec] = []
    downstream: Expr = ref(kgi)
    for n in range(last - 1, 0, -1):
        expr = stage_expr(downstream, ref(rate_name(prefix, n)))
        outputs.insert(0, OutputSpec(
            stage_name(prefix, n), "count", _both("custom.required", stage=names[n - 1]),
            _both("custom.required_help", stage=names[n - 1], next=names[n]), expr))
        downstream = ref(stage_name(prefix, n))

    stage_labels: list[Text] = [{lang: name for lang in LANGS} for name in names[:-1]]
    figures = tuple(FigureSpec(stage_labels[i], o.expr, "count", o.name, o.help)
                    for i, o in enumerate(outputs))
    figures += (FigureSpec(kgi_plain, ref(kgi), "count", None, _both("custom.kgi_figure_help"),
                           bold=True, unit=kgi_unit),)
    series = tuple(SeriesSpec(stage_labels[i], o.name, "count") for i, o in enumerate(outputs))
    series += (SeriesSpec(kgi_label, kgi, "count"),)
    decomposition = Decomposition(
        kgi_label, kgi, "count", "×",
        ((stage_labels[0], ref(stage_name(prefix, 1)), "count"),
         *((_both("custom.rate_short", stage=names[n - 1], next=names[n]),
            ref(rate_name(prefix, n)), "rate") for n in range(1, last))))
    links = {o.name: "annual" for o in outputs}
    links[kgi] = "annual"
    links.update({rate_name(prefix, n): "level" for n in range(1, last)})
    return Department(
        key=definition.key,
        prefix=prefix,
        name={lang: definition.name for lang in LANGS},
        inputs=tuple(inputs),
        outputs=tuple(outputs),
        figures=figures,
        series=series,
        kgi=(kgi_label, kgi, "count"),
        kgi_measure=kgi,
        decomposition=decomposition,
        sample_kpis={lang: () for lang in LANGS},
        sample_okrs={lang: () for lang in LANGS},
        links=links,
        funnel=(*(o.name for o in outputs), kgi),
        custom=definition,
    )


#: The custom document properties a custom department's workbook carries, so that ``kpi-xl
#: check`` and roll-forward can rebuild the department from the workbook alone (its KGI target
#: and rates are the workbook's own inputs). Each is a short text (Excel keeps up to 255
#: characters in a text property; names are at most MAX_NAME_UNITS, so long ones are cut).
PROPERTY = "kpi_xl_custom_"


def definition_properties(definition: CustomDefinition) -> dict[str, str]:
    """The custom document properties that describe ``definition`` (see :data:`PROPERTY`)."""
    props = {"key": definition.key, "name": definition.name, "kgi_name": definition.kgi_name,
             "kgi_unit": definition.kgi_unit, "cadence": definition.cadence,
             "stages": str(len(definition.stages))}
    props.update({f"stage_{n}": stage.name for n, stage in enumerate(definition.stages, 1)})
    return {PROPERTY + k: v[:255] for k, v in props.items()}


def definition_from_properties(found: Mapping[str, object]) -> CustomDefinition | None:
    """The definition a workbook's custom properties describe; None when they do not.

    Rates and the KGI target are left open (None and 0): a workbook's own inputs hold them.
    """
    def text(name: str) -> str:
        return str(found.get(PROPERTY + name) or "").strip()

    key, count = text("key"), text("stages")
    if key_problem(key) is not None or not count.isdigit() or not 2 <= int(count) <= 1000:
        return None
    names = [text(f"stage_{n}") for n in range(1, int(count) + 1)]
    if not all(names):
        return None
    stages = tuple(CustomStage(n, name, None) for n, name in enumerate(names, 1))
    return CustomDefinition(key, text("name") or key, text("kgi_name") or names[-1],
                            text("kgi_unit"), 0, text("cadence") or "monthly", stages)


def custom_values(definition: CustomDefinition) -> dict[str, Scalar]:
    """The plan values of a custom department's inputs, by defined name."""
    prefix = prefix_for(definition.key)
    values: dict[str, Scalar] = {kgi_target_name(prefix): definition.kgi_target}
    for n, stage in enumerate(definition.stages[:-1], start=1):
        values[rate_name(prefix, n)] = stage.rate
    return values


def required_counts(definition: CustomDefinition) -> list[int]:
    """Each stage's required count for the year, widest first, the KGI last.

    Evaluated from the department's own expressions (Excel's ROUNDUP, 15 significant digits) by
    :class:`~kpi_xl.core.plan.PlanValues`, as every plan figure is, so these are the numbers the
    workbook's formulas show.

    >>> d = CustomDefinition("recruiting", "Recruiting", "Hires", "people", 20, "monthly",
    ...     (CustomStage(1, "Applications", 0.2), CustomStage(2, "Interviews", 0.25),
    ...      CustomStage(3, "Offers", 0.8), CustomStage(4, "Hires", None)))
    >>> required_counts(d)
    [500, 100, 25, 20]
    """
    from kpi_xl.core.plan import PlanValues  # the plan module imports the departments

    dept = custom_department(definition)
    env = PlanValues(custom_values(definition), (dept,))
    return [int(env[name]) for name in dept.funnel]  # type: ignore[call-overload]
