"""Reading the template's own-department tables: ``Custom_Departments``, ``Custom_Stages`` and
``Custom_KPIs`` (from an already opened openpyxl workbook).

Blank tables, or a template from before they existed, mean no custom departments. Rows are
found through the Excel Tables' names, as in :mod:`kpi_xl.io.kpi_tables` (whose bounded reading
and messages this module shares); every problem names its sheet and cell. What a valid row set
becomes is decided in :mod:`kpi_xl.core.departments.custom`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kpi_xl.core.departments import DEPARTMENTS
from kpi_xl.core.departments.base import Department
from kpi_xl.core.departments.custom import (
    CUSTOM_DEPARTMENTS_TABLE,
    CUSTOM_KPIS_TABLE,
    CUSTOM_STAGES_TABLE,
    CustomDefinition,
    CustomStage,
    custom_department,
    custom_values,
    key_problem,
    stage_gap,
)
from kpi_xl.core.errors import CellProblem
from kpi_xl.core.i18n import t
from kpi_xl.core.kpis import CADENCES, Kpi, normalise_choice
from kpi_xl.core.plan_tables import (
    CUSTOM_DEPARTMENT_COLUMNS,
    CUSTOM_KPI_COLUMNS,
    CUSTOM_STAGE_COLUMNS,
)
from kpi_xl.core.spec import InputSpec, Scalar, check_value
from kpi_xl.io.kpi_tables import (
    FormulaResult,
    _duplicate,
    _kpi,
    _problem,
    _rows,
    _Table,
    _table_problems,
    _too_long,
)

__all__ = ["CustomPlan", "read_custom"]

_Row = dict[str, tuple[str, Any]]
_Stage = tuple[int, str, Scalar, _Row, bool]  # order, name, rate, row, usable
_BLANK = {"ja": "", "en": ""}
_TARGET = InputSpec("kgi_target", "count", _BLANK, _BLANK, sample=None)
_RATE = InputSpec("rate", "rate", _BLANK, _BLANK, sample=None)


@dataclass
class CustomPlan:
    """What the custom tables hold: the departments, their input values and their KPIs."""

    departments: tuple[Department, ...] = ()
    values: dict[str, Scalar] = field(default_factory=dict)
    kpis: dict[str, tuple[Kpi, ...]] = field(default_factory=dict)
    definitions: tuple[CustomDefinition, ...] = ()
    typed: bool = False  # Custom_Departments holds a row (valid or not): the plan plans something


class _Reader:
    """Reads the three tables, collecting every problem (never stopping at the first)."""

    def __init__(self, wb: Any, lang: str, problems: list[CellProblem],
                 formula_result: FormulaResult) -> None:
        self.wb = wb
        self.lang = lang
        self.problems = problems
        self.formula_result = formula_result
        self.typed: dict[str, str] = {}  # every key typed (folded → as typed), valid or not

    def say(self, text_key: str, /, **values: Any) -> str:
        """The text ``text_key`` in the messages' language."""
        return t(self.lang, text_key, **values)

    def refuse(self, sheet: str, cell: str, table: str, column: str, found: str,
               expected: str) -> None:
        self.problems.append(CellProblem(sheet, cell, table, self.say(f"custom.col.{column}"),
                                         found, expected))

    def table(self, name: str, columns: Any) -> _Table | None:
        found = _rows(self.wb, name, columns)
        if found is None:
            return None
        trouble = _table_problems(found, name, name, self.lang)
        if trouble:
            self.problems.extend(trouble)
            return None
        return found

    def text(self, row: _Row, sheet: str, table: str, column: str) -> str:
        """A required text cell, stripped ("" after a problem)."""
        cell, value = row.get(column, row["_at"])
        text = "" if value is None else str(value).strip()
        if not text:
            self.problems.append(_problem(sheet, cell, table, self.say(f"custom.col.{column}"),
                                          value, self.say("kpitable.expect.text"), self.lang))
            return ""
        too_long = _too_long(text, False, self.lang)
        if too_long:
            self.problems.append(CellProblem(sheet, cell, table,
                                             self.say(f"custom.col.{column}"), *too_long))
            return ""
        return text

    def value(self, row: _Row, sheet: str, table: str, column: str, spec: InputSpec
              ) -> tuple[Scalar, bool]:
        """A number checked by ``spec``'s kind: (value, ok). A formula gives its saved result."""
        cell, raw = row.get(column, row["_at"])
        if isinstance(raw, str) and raw.startswith("="):
            raw = self.formula_result(sheet, cell)
        value, problem = check_value(spec, raw, self.lang)
        if problem:
            self.refuse(sheet, cell, table, column, *problem)
            return None, False
        return value, True

    # Custom_Departments ---------------------------------------------------------------------

    def departments(self) -> tuple[list[tuple[CustomDefinition, _Row]], str]:
        table = self.table(CUSTOM_DEPARTMENTS_TABLE, CUSTOM_DEPARTMENT_COLUMNS)
        if table is None:
            return [], ""
        name, sheet = CUSTOM_DEPARTMENTS_TABLE, table.sheet
        out: list[tuple[CustomDefinition, _Row]] = []
        seen: dict[str, str] = {}
        for row in table.rows:
            before = len(self.problems)
            key = self.key(row, sheet, seen)
            display = self.text(row, sheet, name, "name")
            kgi_name = self.text(row, sheet, name, "kgi_name")
            kgi_unit = self.text(row, sheet, name, "kgi_unit")
            target, _ = self.value(row, sheet, name, "kgi_target", _TARGET)
            cell, raw = row.get("cadence", row["_at"])
            cadence = normalise_choice(raw, CADENCES)
            if cadence is None:
                self.problems.append(_problem(
                    sheet, cell, name, self.say("custom.col.cadence"), raw,
                    self.say("kpitable.expect.choice",
                             choices=" / ".join(v[self.lang] for v in CADENCES.values())),
                    self.lang))
            if len(self.problems) == before:
                out.append((CustomDefinition(key, display, kgi_name, kgi_unit,
                                             target,  # type: ignore[arg-type]
                                             cadence or "monthly", ()), row))
        return out, sheet

    def key(self, row: _Row, sheet: str, seen: dict[str, str]) -> str:
        """The department's key, refused when not ASCII letters, taken, or used twice."""
        cell, raw = row.get("key", row["_at"])
        key = "" if raw is None else str(raw).strip()
        if key:
            self.typed.setdefault(key.casefold(), key)
        trouble = key_problem(key, list(DEPARTMENTS))
        table = CUSTOM_DEPARTMENTS_TABLE
        if trouble is not None:
            reason, details = trouble
            count = str(len(key))
            self.refuse(sheet, cell, table, "key",
                        self.say(f"custom.key.{reason}", dept=key, count=count, **details),
                        self.say(f"custom.key.{reason}.expected", **details))
            return key
        if key.casefold() in seen:
            self.refuse(sheet, cell, table, "key",
                        self.say("custom.key.duplicate", dept=key, cell=seen[key.casefold()]),
                        self.say("custom.key.duplicate.expected"))
            return key
        seen[key.casefold()] = cell
        return key

    # Custom_Stages ---------------------------------------------------------------------------

    def stages(self, keys: dict[str, str]) -> dict[str, list[_Stage]]:
        """Each department's stage rows (order, name, rate, row, usable), by its key.

        A row whose order and department are known is kept even when its name or rate has a
        problem (already reported), so that the funnel's shape is still judged without a
        follow-on "gap" where the row stands.

        ``keys`` maps folded keys of every typed department (valid or not) to their spelling,
        so a department refused for another reason does not make its stages "unknown" too.
        """
        table = self.table(CUSTOM_STAGES_TABLE, CUSTOM_STAGE_COLUMNS)
        out: dict[str, list[_Stage]] = {}
        if table is None:
            return out
        name, sheet = CUSTOM_STAGES_TABLE, table.sheet
        for row in table.rows:
            before = len(self.problems)
            key = self.department_key(row, sheet, name, keys)
            order = self.order(row, sheet)
            stage = self.text(row, sheet, name, "stage")
            _, raw = row.get("rate", row["_at"])
            rate: Scalar = None
            if not (raw is None or (isinstance(raw, str) and not raw.strip())):
                rate, _ = self.value(row, sheet, name, "rate", _RATE)
            if key is not None and order is not None:
                out.setdefault(key, []).append((order, stage, rate, row,
                                                len(self.problems) == before))
        return out

    def department_key(self, row: _Row, sheet: str, table: str, keys: dict[str, str]
                       ) -> str | None:
        """The department a row belongs to (its key as Custom_Departments spells it)."""
        cell, raw = row.get("department", row["_at"])
        typed = "" if raw is None else str(raw).strip()
        key = keys.get(typed.casefold())
        if key is None:
            self.refuse(sheet, cell, table, "department",
                        self.say("custom.unknown_department", dept=typed,
                                 table=CUSTOM_DEPARTMENTS_TABLE),
                        self.say("custom.unknown_department.expected",
                                 table=CUSTOM_DEPARTMENTS_TABLE,
                                 keys=", ".join(keys.values()) or self.say("custom.none")))
        return key

    def order(self, row: _Row, sheet: str) -> int | None:
        cell, raw = row.get("order", row["_at"])
        number = raw
        if isinstance(raw, str):
            from kpi_xl.core.spec import text_number

            number = text_number(raw, "count")
        if (isinstance(number, bool) or not isinstance(number, (int, float))
                or not float(number).is_integer() or not 1 <= number <= 1000):
            self.refuse(sheet, cell, CUSTOM_STAGES_TABLE, "order",
                        self.say("custom.stage.order", found="" if raw is None else str(raw)),
                        self.say("custom.stage.order.expected"))
            return None
        return int(number)

    def funnel(self, definition: CustomDefinition, key_cell: str, dept_sheet: str,
               rows: list[_Stage], stage_sheet: str) -> CustomDefinition | None:
        """The definition with its stages, or None after problems (each named by its cell)."""
        table = CUSTOM_STAGES_TABLE
        key = definition.key
        if len(rows) < 2:
            self.refuse(dept_sheet, key_cell, CUSTOM_DEPARTMENTS_TABLE, "key",
                        self.say("custom.stage.none", dept=key, count=len(rows), table=table),
                        self.say("custom.stage.none.expected", table=table))
            return None
        before = len(self.problems)
        by_order: dict[int, str] = {}
        for order, _, _, row, _ in rows:
            cell = row["order"][0] if "order" in row else row["_at"][0]
            if order in by_order:
                self.refuse(stage_sheet, cell, table, "order",
                            self.say("custom.stage.duplicate", dept=key, order=order,
                                     cell=by_order[order]),
                            self.say("custom.stage.duplicate.expected"))
            else:
                by_order[order] = cell
        missing = stage_gap(list(by_order))
        if missing:
            first = min(rows, key=lambda r: r[0])[3]
            cell = first["order"][0] if "order" in first else first["_at"][0]
            self.refuse(stage_sheet, cell, table, "order",
                        self.say("custom.stage.gap", dept=key,
                                 orders=", ".join(str(o) for o in sorted(by_order)),
                                 missing=", ".join(str(m) for m in missing)),
                        self.say("custom.stage.gap.expected"))
        if len(self.problems) > before:
            return None
        ordered = sorted(rows, key=lambda r: r[0])
        for i, (_, _, rate, row, usable) in enumerate(ordered):
            cell = row["rate"][0] if "rate" in row else row["_at"][0]
            last = i == len(ordered) - 1
            if not usable:
                continue  # its problem is reported already
            if last and rate is not None:
                self.refuse(stage_sheet, cell, table, "rate",
                            self.say("custom.stage.last_rate", rate=f"{float(rate):.1%}"),  # type: ignore[arg-type]
                            self.say("custom.stage.last_rate.expected"))
            elif not last and rate is None:
                self.refuse(stage_sheet, cell, table, "rate", self.say("kpitable.blank"),
                            _RATE.kind_info.expected[self.lang])
        if len(self.problems) > before or not all(r[4] for r in ordered):
            return None
        stages = tuple(CustomStage(order, stage, None if i == len(ordered) - 1 else float(rate))  # type: ignore[arg-type]
                       for i, (order, stage, rate, _, _) in enumerate(ordered))
        from dataclasses import replace

        return replace(definition, stages=stages)

    # Custom_KPIs -----------------------------------------------------------------------------

    def kpis(self, departments: dict[str, Department], cadences: dict[str, str],
             keys: dict[str, str]) -> tuple[dict[str, tuple[Kpi, ...]], _Table | None, set[str]]:
        """Each custom department's KPIs, the table, and the keys that have a row at all."""
        table = self.table(CUSTOM_KPIS_TABLE, CUSTOM_KPI_COLUMNS)
        out: dict[str, list[Kpi]] = {}
        typed: set[str] = set()
        if table is None:
            return {}, None, typed
        name, sheet = CUSTOM_KPIS_TABLE, table.sheet
        names: dict[str, dict[str, tuple[str, str]]] = {}  # per department, as _duplicate keeps
        for row in table.rows:
            key = self.department_key(row, sheet, name, keys)
            dept = departments.get(key or "")
            if dept is None:
                continue  # unknown (said above), or a department refused for its own problems
            typed.add(dept.key)
            cadence_cell, cadence = row.get("cadence", row["_at"])
            if cadence is None or not str(cadence).strip():
                # Blank: the department's review cadence.
                row = {**row, "cadence": (cadence_cell, CADENCES[cadences[dept.key]][self.lang])}
            kpi = _kpi(row, sheet, name, dept.links, self.lang, self.problems,
                       self.formula_result)
            if kpi is None:
                continue
            duplicate = _duplicate(names.setdefault(dept.key, {}), kpi, row["name"][0], sheet,
                                   name, self.lang)
            if duplicate is not None:
                self.problems.append(duplicate)
                continue
            out.setdefault(dept.key, []).append(kpi)
        return {k: tuple(v) for k, v in out.items()}, table, typed


def read_custom(wb: Any, lang: str, problems: list[CellProblem],
                formula_result: FormulaResult) -> CustomPlan:
    """The plan's own departments from the three custom tables; problems are appended.

    A department is kept only when its row, its stages and its KPIs are all usable, so a
    plan with problems never yields half a department (the caller refuses the plan anyway).
    """
    reader = _Reader(wb, lang, problems, formula_result)
    rows, dept_sheet = reader.departments()
    keys = dict(reader.typed)
    stage_rows = reader.stages(keys)
    stage_sheet = _sheet_of(wb, CUSTOM_STAGES_TABLE)
    definitions: list[CustomDefinition] = []
    for definition, row in rows:
        key_cell = row["key"][0] if "key" in row else row["_at"][0]
        done = reader.funnel(definition, key_cell, dept_sheet,
                             stage_rows.get(definition.key, []), stage_sheet or dept_sheet)
        if done is not None:
            definitions.append(done)
    departments = {d.key: custom_department(d) for d in definitions}
    kpis, kpi_table, typed = reader.kpis(departments, {d.key: d.cadence for d in definitions},
                                         keys)
    for definition in definitions:
        if definition.key not in typed:
            sheet = kpi_table.sheet if kpi_table is not None else dept_sheet
            cell = kpi_table.first_data if kpi_table is not None else "A1"
            problems.append(CellProblem(
                sheet, cell, CUSTOM_KPIS_TABLE, definition.name,
                t(lang, "custom.no_kpis", dept=definition.key, table=CUSTOM_KPIS_TABLE),
                t(lang, "custom.no_kpis.expected", dept=definition.key, table=CUSTOM_KPIS_TABLE)))
    values: dict[str, Scalar] = {}
    for definition in definitions:
        values.update(custom_values(definition))
    return CustomPlan(tuple(departments.values()), values, kpis, tuple(definitions),
                      typed=bool(rows) or bool(reader.typed))


def _sheet_of(wb: Any, name: str) -> str | None:
    """The sheet that holds the table ``name`` (None when there is none)."""
    from kpi_xl.io.kpi_tables import _find_table

    found = _find_table(wb, name)
    return found[0].title if found is not None else None
