"""KPI tree validation: structure, arithmetic decomposition, units and department load.

``validate(rows)`` takes the rows of a KPI tree (KGI → KSF → KPI) and returns a list of
:class:`Finding`, errors first. It never raises: blank, missing and unreadable values become
findings. Each row is a mapping with (case-insensitive) keys ``id``, ``parent``, ``name``,
``kind`` (KGI / KSF / KPI, also KFS and Japanese names), ``department``, ``operator`` (how the
node's CHILDREN combine to give the node: "×", "*" or "x" multiply, "+" adds), ``target``,
``unit`` and optionally ``owner``. A pandas DataFrame or a mapping of rows works too.

Numbers are read leniently ("1,000", "２０％", "200万円"). Rates may be fractions (0.2) or
percentages ("20%"); a number in a row whose unit is "%" counts as points when above 1 (20 ->
0.2). So revenue = leads × lead→opportunity rate × win rate × average deal size checks out as
5000 × 10% × 20% × 2,000,000 = 200,000,000.

Findings (code: severity — meaning):

- ``bad_row``: error — a row that is not a mapping.
- ``missing_id``: error — a row without an id (it takes no further part).
- ``duplicate_id``: error — an id used again (the first row with it wins).
- ``bad_number``: error — a target that is not a finite number.
- ``unknown_parent``: error — a parent id that no row has.
- ``cycle``: error — parents that loop back (reported once per loop).
- ``no_kgi``: error — no KGI anywhere in a non-empty tree.
- ``orphan``: error — a KPI or KSF whose chain of parents ends at a root that is not a KGI
  (chains broken by an unknown parent or a cycle are reported there instead).
- ``decomposition_mismatch``: error — the children's product or sum differs from the node's
  target by more than the relative tolerance (default 0.5% of the node's target).
- ``unit_mismatch``: error for a sum whose children's units differ from the node's (or from
  each other); warning for a product whose node unit is carried by none of its non-rate
  children (rates, %, 倍 and blanks are dimensionless: 円 = 件 × % × % × 円 is fine).
- ``bad_operator``: warning — an operator other than ×, *, x, + (no decomposition check).
- ``operator_without_children``: warning — an operator on a node that has no children.
- ``missing_target``: warning — a KGI, a KPI, or a node taking part in a decomposition without
  a target.
- ``unknown_kind``: warning — a blank or unrecognized kind.
- ``kind_order``: warning — a node ranked above its parent (a KGI under a KPI...).
- ``too_many_kpis`` / ``too_few_kpis``: warning — a department with more than 5 or fewer than
  3 KPIs (the usual 3-5 per department). Only departments named on KSF/KPI rows count.
- ``missing_owner``: warning — a KPI without an owner, when the tree records owners at all.

Runs in linear time (5,000 nodes well under a second), iteratively (no recursion limit).
Standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from kpi_xl.core.textnum import as_fraction, is_dimensionless, parse_quantity, unit_key
from kpi_xl.core.textnum import cell_text as _text

__all__ = ["SEVERITY", "Finding", "kind_of", "validate"]

#: Severity of each finding code (``unit_mismatch`` is a warning for products, see above).
SEVERITY: dict[str, str] = {
    "bad_row": "error", "missing_id": "error", "duplicate_id": "error", "bad_number": "error",
    "unknown_parent": "error", "cycle": "error", "no_kgi": "error", "orphan": "error",
    "decomposition_mismatch": "error", "unit_mismatch": "error", "bad_operator": "warning",
    "operator_without_children": "warning", "missing_target": "warning",
    "unknown_kind": "warning", "kind_order": "warning", "too_many_kpis": "warning",
    "too_few_kpis": "warning", "missing_owner": "warning",
}


@dataclass(frozen=True)
class Finding:
    """One problem found in a KPI tree (or, from :mod:`kpi_xl.core.failure`, in KPI actuals).

    ``code`` is stable and machine-readable; ``node`` is the id concerned (None for the whole
    tree); ``expected``/``actual`` carry the figures compared (targets, counts, correlations);
    ``related`` lists other ids involved (children, cycle members); ``row`` is the 0-based
    input row; ``value`` the offending raw text.
    """

    code: str
    severity: str
    node: str | None
    message: str
    expected: float | None = None
    actual: float | None = None
    related: tuple[str, ...] = ()
    department: str | None = None
    row: int | None = None
    value: str | None = None


_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "bad_row": "Row {row} is not a table row (got {value}).",
        "missing_id": "Row {row} has no id, so it cannot be placed in the tree.",
        "duplicate_id": "The id {node} is used again in row {row}; only its first row counts.",
        "bad_number": "{node}: the target {value!r} is not a number.",
        "unknown_parent": "{node}: its parent {value} is not in the tree.",
        "cycle": "{node}: parents loop back on themselves ({path}).",
        "no_kgi": "The tree has no KGI: put the final goal at the top.",
        "orphan": "{node} ({kind}) does not lead up to any KGI; link it under the KGI it serves.",
        "decomposition_mismatch": "{node}: the children's {op} is {actual}, but the target is "
                                  "{expected} (off by {diff}).",
        "unit_mismatch.sum": "{node}: a sum of children in {children} cannot give {unit}.",
        "unit_mismatch.product": "{node}: none of the children carries the unit {unit} "
                                 "(children: {children}).",
        "bad_operator": "{node}: the operator {value!r} is not ×, *, x or +; the decomposition "
                        "is not checked.",
        "operator_without_children": "{node}: has the operator {value} but no children.",
        "missing_target": "{node} ({kind}) has no target.",
        "unknown_kind": "{node}: the kind {value!r} is not KGI, KSF or KPI.",
        "kind_order": "{node} ({kind}) sits under {parent} ({parent_kind}); a {kind} belongs "
                      "above it.",
        "too_many_kpis": "The department {department} has {actual} KPIs; keep it to {expected} "
                         "or fewer so each gets attention.",
        "too_few_kpis": "The department {department} has {actual} KPIs; {expected} or more "
                        "cover its key success factors.",
        "missing_owner": "{node}: no owner is named for this KPI.",
        "product": "product", "sum": "sum", "blank": "(blank)",
    },
    "ja": {
        "bad_row": "{row}行目は表の行として読めません({value})。",
        "missing_id": "{row}行目にIDがないため、ツリーに配置できません。",
        "duplicate_id": "ID {node} が{row}行目でも使われています。最初の行だけが有効です。",
        "bad_number": "{node}: 目標値 {value!r} を数値として読めません。",
        "unknown_parent": "{node}: 親 {value} がツリーにありません。",
        "cycle": "{node}: 親をたどると循環しています({path})。",
        "no_kgi": "KGIがありません。最終目標をツリーの頂点に置いてください。",
        "orphan": "{node}({kind})はどのKGIにもつながっていません。貢献するKGIの下に配置してください。",
        "decomposition_mismatch": "{node}: 子の{op}は {actual} ですが、目標は {expected} です(差 {diff})。",
        "unit_mismatch.sum": "{node}: 単位 {children} の子を合計しても {unit} にはなりません。",
        "unit_mismatch.product": "{node}: 単位 {unit} を持つ子がありません(子の単位: {children})。",
        "bad_operator": "{node}: 演算子 {value!r} は ×・*・x・+ のいずれでもないため、分解を検算していません。",
        "operator_without_children": "{node}: 演算子 {value} がありますが、子がありません。",
        "missing_target": "{node}({kind})に目標値がありません。",
        "unknown_kind": "{node}: 種別 {value!r} は KGI・KSF・KPI のいずれでもありません。",
        "kind_order": "{node}({kind})が {parent}({parent_kind})の下にあります。{kind}は上位に置いてください。",
        "too_many_kpis": "部門「{department}」のKPIが{actual}個あります。{expected}個以内に絞ってください。",
        "too_few_kpis": "部門「{department}」のKPIが{actual}個です。重要成功要因を測るには{expected}個以上が目安です。",
        "missing_owner": "{node}: このKPIの担当者が決まっていません。",
        "product": "積", "sum": "合計", "blank": "(空欄)",
    },
}

_KINDS = {
    "KGI": "KGI", "GOAL": "KGI", "重要目標達成指標": "KGI", "最終目標": "KGI", "ゴール": "KGI",
    "KSF": "KSF", "KFS": "KSF", "CSF": "KSF", "重要成功要因": "KSF", "成功要因": "KSF",
    "KPI": "KPI", "重要業績評価指標": "KPI", "業績評価指標": "KPI", "指標": "KPI",
}
_LEVEL = {"KGI": 0, "KSF": 1, "KPI": 2}
_OPERATORS = {"×": "*", "*": "*", "X": "*", "✕": "*", "✖": "*", "·": "*", "PRODUCT": "*",
              "積": "*", "+": "+", "SUM": "+", "合計": "+", "和": "+"}
_COLUMNS = {
    "id": "id", "parent": "parent", "parent_id": "parent", "name": "name", "kind": "kind",
    "type": "kind", "department": "department", "dept": "department", "operator": "operator",
    "op": "operator", "target": "target", "unit": "unit", "owner": "owner",
    "親": "parent", "親id": "parent", "名前": "name", "指標名": "name", "種別": "kind", "部門": "department",
    "演算子": "operator", "目標": "target", "目標値": "target", "単位": "unit", "担当": "owner",
    "担当者": "owner",
}


def kind_of(value: object) -> str | None:
    """"KGI", "KSF" or "KPI" from any spelling ("kfs", "ＫＰＩ", "重要成功要因"...), else None."""
    text = _text(value)
    return _KINDS.get(text.upper()) if text else None


class _Node:
    __slots__ = ("children", "department", "id", "kind", "name", "operator", "owner", "parent",
                 "row", "target", "unit")

    def __init__(self, row: int, fields: dict[str, object]) -> None:
        self.row = row
        self.id = _text(fields.get("id"))
        self.parent = _text(fields.get("parent"))
        self.name = _text(fields.get("name"))
        self.department = _text(fields.get("department"))
        self.owner = _text(fields.get("owner"))
        self.kind: str | None = None
        self.operator: str | None = None
        self.target: float | None = None
        self.unit: str | None = _text(fields.get("unit"))
        self.children: list[_Node] = []

    @property
    def label(self) -> str:
        return f"{self.id} {self.name}" if self.name and self.name != self.id else str(self.id)


def _rows(rows: object) -> Iterable[object]:
    if rows is None or isinstance(rows, (str, bytes)):
        return ()
    if hasattr(rows, "to_dict") and hasattr(rows, "columns"):  # a pandas DataFrame
        try:
            return rows.to_dict("records")  # type: ignore[no-any-return]
        except Exception:
            return ()
    if isinstance(rows, Mapping):
        return list(rows.values())
    try:
        return list(rows)  # type: ignore[call-overload]
    except TypeError:
        return ()


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if not math.isfinite(value):
        return str(value)
    if abs(value) >= 1e15 or (value and abs(value) < 1e-4):
        return f"{value:.6g}"
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.6f}".rstrip("0").rstrip(".")


def validate(rows: object, *, lang: str = "en", tolerance: float = 0.005, min_kpis: int = 3,
             max_kpis: int = 5) -> list[Finding]:
    """Check a KPI tree and return its findings, errors first (see the module docstring).

    ``tolerance`` is the relative difference allowed between a node's target and its
    children's product or sum (0.005 = 0.5% of the node's target); ``min_kpis``/``max_kpis``
    the KPI count expected per department; ``lang`` "en" or "ja" for the messages.
    """
    text = _TEXT["ja" if lang == "ja" else "en"]
    findings: list[Finding] = []

    def add(code: str, node: str | None, *, expected: float | None = None,
            actual: float | None = None, related: tuple[str, ...] = (),
            department: str | None = None, row: int | None = None, value: str | None = None,
            message_key: str | None = None, severity: str | None = None,
            **fields: object) -> None:
        message = text[message_key or code].format(
            node=node, row=row, value=value, department=department, expected=_fmt(expected),
            actual=_fmt(actual), **fields)
        findings.append(Finding(code, severity or SEVERITY[code], node, message, expected, actual,
                                related, department, row, value))

    # ---- read rows
    nodes: list[_Node] = []
    by_id: dict[str, _Node] = {}
    owners_recorded = False
    for index, raw in enumerate(_rows(rows)):
        if not isinstance(raw, Mapping):
            add("bad_row", None, row=index, value=type(raw).__name__)
            continue
        fields: dict[str, object] = {}
        for key, value in raw.items():
            column = _COLUMNS.get((_text(key) or "").lower())
            if column and column not in fields:
                fields[column] = value
        node = _Node(index, fields)
        if node.id is None:
            add("missing_id", None, row=index)
            continue
        if node.id in by_id:
            add("duplicate_id", node.id, row=index)
            continue
        by_id[node.id] = node
        nodes.append(node)
        owners_recorded = owners_recorded or node.owner is not None

        node.kind = kind_of(fields.get("kind"))
        if node.kind is None:
            add("unknown_kind", node.id, row=index,
                value=_text(fields.get("kind")) or text["blank"])

        op_text = _text(fields.get("operator"))
        if op_text:
            node.operator = _OPERATORS.get(op_text.upper())
            if node.operator is None:
                add("bad_operator", node.id, row=index, value=op_text)

        raw_target = fields.get("target")
        if raw_target is not None and _text(raw_target) is not None:
            parsed = parse_quantity(raw_target)
            if parsed is None:
                add("bad_number", node.id, row=index, value=_text(raw_target))
            else:
                number, found_unit = parsed
                if node.unit is None and found_unit:
                    node.unit = found_unit
                if found_unit is not None and unit_key(found_unit) == "%":
                    number /= 100  # an explicit "20%" is always points
                else:
                    number = as_fraction(number, node.unit)
                node.target = number

    if not nodes:
        return _ordered(findings)

    # ---- links
    roots: list[_Node] = []
    broken: set[str] = set()
    for node in nodes:
        if node.parent is None:
            roots.append(node)
        elif node.parent in by_id:
            by_id[node.parent].children.append(node)
        else:
            broken.add(node.id)
            add("unknown_parent", node.id, row=node.row, value=node.parent)

    # ---- cycles and the way up to a KGI, in one iterative pass over the parent links.
    # reach: True (a KGI on the way up), False (ends at a non-KGI root), None (broken chain).
    reach: dict[str, bool | None] = {}
    for start in nodes:
        if start.id in reach:
            continue
        path: list[_Node] = []
        on_path: dict[str, int] = {}
        current: _Node | None = start
        outcome: bool | None = None
        while True:
            assert current is not None
            if current.id in reach:
                outcome = reach[current.id]
                break
            if current.id in on_path:  # a loop: report it once, from where it closes
                loop = path[on_path[current.id]:]
                ids = tuple(n.id for n in loop)
                shown = [*ids, current.id] if len(ids) <= 10 else [*ids[:9], "…", current.id]
                add("cycle", current.id, row=current.row, related=ids, path=" → ".join(shown))
                for member in loop:
                    reach[member.id] = None
                path = path[:on_path[current.id]]
                outcome = None
                break
            on_path[current.id] = len(path)
            path.append(current)
            if current.parent is None:
                outcome = False
                break
            if current.id in broken:
                outcome = None
                break
            current = by_id[current.parent]
        for member in reversed(path):
            if member.kind == "KGI":  # a KGI anchors everything below it
                outcome = True
            reach[member.id] = outcome

    if not any(node.kind == "KGI" for node in nodes):
        add("no_kgi", None)
    for node in nodes:
        if node.kind in ("KPI", "KSF") and reach.get(node.id) is False:
            add("orphan", node.id, row=node.row, department=node.department, kind=node.kind)

    # ---- hierarchy, targets, decomposition, units
    for node in nodes:
        parent = by_id.get(node.parent) if node.parent else None
        if (parent is not None and node.kind and parent.kind
                and _LEVEL[node.kind] < _LEVEL[parent.kind]):
            add("kind_order", node.id, row=node.row, related=(parent.id,), kind=node.kind,
                parent=parent.id, parent_kind=parent.kind)
        in_decomposition = node.operator is not None or (
            parent is not None and parent.operator is not None)
        if node.target is None and (node.kind in ("KGI", "KPI") or in_decomposition):
            add("missing_target", node.id, row=node.row, department=node.department,
                kind=node.kind or "?")
        if node.operator is None:
            continue
        if not node.children:
            add("operator_without_children", node.id, row=node.row,
                value="×" if node.operator == "*" else "+")
            continue
        _check_units(node, add, text)
        if node.target is None or any(c.target is None for c in node.children):
            continue
        targets = [c.target for c in node.children if c.target is not None]
        actual = math.prod(targets) if node.operator == "*" else math.fsum(targets)
        expected = node.target
        allowed = tolerance * abs(expected) if expected else 1e-9
        if not math.isfinite(actual) or abs(actual - expected) > allowed:
            add("decomposition_mismatch", node.id, row=node.row, expected=expected,
                actual=actual, related=tuple(c.id for c in node.children),
                op=text["product" if node.operator == "*" else "sum"],
                diff=_fmt(actual - expected) if math.isfinite(actual) else "∞")

    # ---- departments
    kpis_by_department: dict[str, int] = {}
    for node in nodes:
        if node.department and node.kind in ("KSF", "KPI"):
            kpis_by_department.setdefault(node.department, 0)
            if node.kind == "KPI":
                kpis_by_department[node.department] += 1
    for department, count in kpis_by_department.items():
        if count > max_kpis:
            add("too_many_kpis", None, department=department, expected=max_kpis, actual=count)
        elif count < min_kpis:
            add("too_few_kpis", None, department=department, expected=min_kpis, actual=count)

    if owners_recorded:
        for node in nodes:
            if node.kind == "KPI" and node.owner is None:
                add("missing_owner", node.id, row=node.row, department=node.department)

    return _ordered(findings)


def _check_units(node: _Node, add: Callable[..., None], text: dict[str, str]) -> None:
    parent_key = unit_key(node.unit)
    child_keys = [(c, unit_key(c.unit)) for c in node.children]
    if node.operator == "+":
        given = {k for _, k in child_keys if k}
        bad = [c for c, k in child_keys if k and ((parent_key and k != parent_key)
                                                  or (not parent_key and len(given) > 1))]
        if bad:
            add("unit_mismatch", node.id, row=node.row, related=tuple(c.id for c in bad),
                message_key="unit_mismatch.sum", unit=node.unit or text["blank"],
                children=", ".join(sorted({c.unit or text["blank"] for c, _ in child_keys})))
        return
    dimensional = [(c, k) for c, k in child_keys if not is_dimensionless(c.unit)]
    carried = {k.split("/")[0] for _, k in dimensional}
    mismatch = False
    if parent_key and not is_dimensionless(node.unit):
        mismatch = bool(dimensional) and parent_key.split("/")[0] not in carried
    elif parent_key:  # a rate made of children with real units
        mismatch = bool(dimensional)
    if mismatch:
        add("unit_mismatch", node.id, row=node.row, related=tuple(c.id for c, _ in dimensional),
            message_key="unit_mismatch.product", severity="warning", unit=node.unit or text["blank"],
            children=", ".join(c.unit or text["blank"] for c, _ in child_keys))


def _ordered(findings: list[Finding]) -> list[Finding]:
    """Errors first, each group in the order found (stable)."""
    return sorted(findings, key=lambda f: f.severity != "error")
