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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kpi_xl.core.i18n import LANGS, t
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

    def __init__(self, row: int, ident: str, fields: dict[str, object]) -> None:
        self.row = row
        self.id = ident
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


class _Findings:
    """The findings of one validation, their messages in one language (``tree.finding.*``)."""

    __slots__ = ("items", "lang")

    def __init__(self, lang: str) -> None:
        self.items: list[Finding] = []
        self.lang = lang if lang in LANGS else "en"

    def word(self, key: str) -> str:
        """A word used inside messages: "product", "sum" or "blank"."""
        return t(self.lang, f"tree.finding.{key}")

    def add(self, code: str, node: str | None, *, expected: float | None = None,
            actual: float | None = None, related: tuple[str, ...] = (),
            department: str | None = None, row: int | None = None, value: str | None = None,
            message_key: str | None = None, severity: str | None = None,
            **fields: object) -> None:
        """Record one finding; ``fields`` fill the message's other placeholders."""
        message = t(self.lang, f"tree.finding.{message_key or code}", node=node, row=row,
                    value=value, department=department, expected=_fmt(expected),
                    actual=_fmt(actual), **fields)
        self.items.append(Finding(code, severity or SEVERITY[code], node, message, expected,
                                  actual, related, department, row, value))

    def ordered(self) -> list[Finding]:
        """Errors first, each group in the order found (stable)."""
        return sorted(self.items, key=lambda f: f.severity != "error")


def validate(rows: object, *, lang: str = "en", tolerance: float = 0.005, min_kpis: int = 3,
             max_kpis: int = 5) -> list[Finding]:
    """Check a KPI tree and return its findings, errors first (see the module docstring).

    ``tolerance`` is the relative difference allowed between a node's target and its
    children's product or sum (0.005 = 0.5% of the node's target); ``min_kpis``/``max_kpis``
    the KPI count expected per department; ``lang`` "en" or "ja" for the messages.
    """
    found = _Findings(lang)
    nodes, by_id, owners_recorded = _read_rows(rows, found)
    if not nodes:
        return found.ordered()
    broken = _link(nodes, by_id, found)
    reach = _reach_kgi(nodes, by_id, broken, found)
    _check_anchors(nodes, reach, found)
    for node in nodes:
        _check_node(node, by_id, tolerance, found)
    _check_departments(nodes, min_kpis, max_kpis, found)
    if owners_recorded:
        _check_owners(nodes, found)
    return found.ordered()


def _read_rows(rows: object, found: _Findings) -> tuple[list[_Node], dict[str, _Node], bool]:
    """The nodes in row order, the nodes by id, and whether any row names an owner.

    Rows that are not mappings, lack an id or repeat one are reported and left out; each
    node's kind, operator and target are read here (bad ones reported).
    """
    nodes: list[_Node] = []
    by_id: dict[str, _Node] = {}
    owners_recorded = False
    for index, raw in enumerate(_rows(rows)):
        if not isinstance(raw, Mapping):
            found.add("bad_row", None, row=index, value=type(raw).__name__)
            continue
        fields: dict[str, object] = {}
        for key, value in raw.items():
            column = _COLUMNS.get((_text(key) or "").lower())
            if column and column not in fields:
                fields[column] = value
        ident = _text(fields.get("id"))
        if ident is None:
            found.add("missing_id", None, row=index)
            continue
        if ident in by_id:
            found.add("duplicate_id", ident, row=index)
            continue
        node = _Node(index, ident, fields)
        by_id[node.id] = node
        nodes.append(node)
        owners_recorded = owners_recorded or node.owner is not None
        _read_fields(node, fields, found)
    return nodes, by_id, owners_recorded


def _read_fields(node: _Node, fields: dict[str, object], found: _Findings) -> None:
    """Set a node's kind, operator and target (and a unit written with the target)."""
    node.kind = kind_of(fields.get("kind"))
    if node.kind is None:
        found.add("unknown_kind", node.id, row=node.row,
                  value=_text(fields.get("kind")) or found.word("blank"))

    op_text = _text(fields.get("operator"))
    if op_text:
        node.operator = _OPERATORS.get(op_text.upper())
        if node.operator is None:
            found.add("bad_operator", node.id, row=node.row, value=op_text)

    raw_target = fields.get("target")
    if raw_target is not None and _text(raw_target) is not None:
        parsed = parse_quantity(raw_target)
        if parsed is None:
            found.add("bad_number", node.id, row=node.row, value=_text(raw_target))
        else:
            number, found_unit = parsed
            if node.unit is None and found_unit:
                node.unit = found_unit
            if found_unit is not None and unit_key(found_unit) == "%":
                number /= 100  # an explicit "20%" is always points
            else:
                number = as_fraction(number, node.unit)
            node.target = number


def _link(nodes: list[_Node], by_id: dict[str, _Node], found: _Findings) -> set[str]:
    """Attach each node to its parent's children; the ids whose parent is unknown."""
    broken: set[str] = set()
    for node in nodes:
        if node.parent is None:
            continue
        if node.parent in by_id:
            by_id[node.parent].children.append(node)
        else:
            broken.add(node.id)
            found.add("unknown_parent", node.id, row=node.row, value=node.parent)
    return broken


def _reach_kgi(nodes: list[_Node], by_id: dict[str, _Node], broken: set[str],
               found: _Findings) -> dict[str, bool | None]:
    """Whether each node leads up to a KGI, reporting loops, in one iterative pass.

    Per id: True (a KGI on the way up), False (ends at a root that is not a KGI), None (a
    broken chain: an unknown parent or a loop on the way).
    """
    reach: dict[str, bool | None] = {}
    for start in nodes:
        if start.id not in reach:
            _walk_up(start, by_id, broken, reach, found)
    return reach


def _walk_up(start: _Node, by_id: dict[str, _Node], broken: set[str],
             reach: dict[str, bool | None], found: _Findings) -> None:
    """Follow the parent links from ``start`` and judge every node on the way in ``reach``.

    The walk stops at a node already judged, a root, an unknown parent, or a loop (reported
    once, from where it closes; its members are judged None).
    """
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
            found.add("cycle", current.id, row=current.row, related=ids,
                      path=" → ".join(shown))
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


def _check_anchors(nodes: list[_Node], reach: dict[str, bool | None], found: _Findings) -> None:
    """A tree needs a KGI, and every KSF and KPI must lead up to one."""
    if not any(node.kind == "KGI" for node in nodes):
        found.add("no_kgi", None)
    for node in nodes:
        if node.kind in ("KPI", "KSF") and reach.get(node.id) is False:
            found.add("orphan", node.id, row=node.row, department=node.department,
                      kind=node.kind)


def _check_node(node: _Node, by_id: dict[str, _Node], tolerance: float,
                found: _Findings) -> None:
    """One node's rank under its parent, its target, and the decomposition it heads."""
    parent = by_id.get(node.parent) if node.parent else None
    if (parent is not None and node.kind and parent.kind
            and _LEVEL[node.kind] < _LEVEL[parent.kind]):
        found.add("kind_order", node.id, row=node.row, related=(parent.id,), kind=node.kind,
                  parent=parent.id, parent_kind=parent.kind)
    in_decomposition = node.operator is not None or (
        parent is not None and parent.operator is not None)
    if node.target is None and (node.kind in ("KGI", "KPI") or in_decomposition):
        found.add("missing_target", node.id, row=node.row, department=node.department,
                  kind=node.kind or "?")
    if node.operator is None:
        return
    if not node.children:
        found.add("operator_without_children", node.id, row=node.row,
                  value="×" if node.operator == "*" else "+")
        return
    _check_units(node, found)
    _check_decomposition(node, tolerance, found)


def _check_decomposition(node: _Node, tolerance: float, found: _Findings) -> None:
    """Whether the children's product or sum gives the node's target, within the tolerance.

    Not checked while the node or any child lacks a target (that is reported elsewhere).
    """
    if node.target is None or any(c.target is None for c in node.children):
        return
    targets = [c.target for c in node.children if c.target is not None]
    actual = math.prod(targets) if node.operator == "*" else math.fsum(targets)
    expected = node.target
    allowed = tolerance * abs(expected) if expected else 1e-9
    if not math.isfinite(actual) or abs(actual - expected) > allowed:
        found.add("decomposition_mismatch", node.id, row=node.row, expected=expected,
                  actual=actual, related=tuple(c.id for c in node.children),
                  op=found.word("product" if node.operator == "*" else "sum"),
                  diff=_fmt(actual - expected) if math.isfinite(actual) else "∞")


def _check_departments(nodes: list[_Node], min_kpis: int, max_kpis: int,
                       found: _Findings) -> None:
    """Each department named on a KSF or KPI row should have min_kpis to max_kpis KPIs."""
    kpis_by_department: dict[str, int] = {}
    for node in nodes:
        if node.department and node.kind in ("KSF", "KPI"):
            kpis_by_department.setdefault(node.department, 0)
            if node.kind == "KPI":
                kpis_by_department[node.department] += 1
    for department, count in kpis_by_department.items():
        if count > max_kpis:
            found.add("too_many_kpis", None, department=department, expected=max_kpis,
                      actual=count)
        elif count < min_kpis:
            found.add("too_few_kpis", None, department=department, expected=min_kpis,
                      actual=count)


def _check_owners(nodes: list[_Node], found: _Findings) -> None:
    """Every KPI should name an owner (checked only when the tree records owners at all)."""
    for node in nodes:
        if node.kind == "KPI" and node.owner is None:
            found.add("missing_owner", node.id, row=node.row, department=node.department)


def _check_units(node: _Node, found: _Findings) -> None:
    """The units of a decomposition: a sum's parts share the node's unit; a product's node
    unit is carried by one of its non-rate children (a warning otherwise)."""
    blank = found.word("blank")
    parent_key = unit_key(node.unit)
    child_keys = [(c, unit_key(c.unit)) for c in node.children]
    if node.operator == "+":
        given = {k for _, k in child_keys if k}
        bad = [c for c, k in child_keys if k and ((parent_key and k != parent_key)
                                                  or (not parent_key and len(given) > 1))]
        if bad:
            found.add("unit_mismatch", node.id, row=node.row, related=tuple(c.id for c in bad),
                      message_key="unit_mismatch.sum", unit=node.unit or blank,
                      children=", ".join(sorted({c.unit or blank for c, _ in child_keys})))
        return
    dimensional = [(c, k) for c, k in child_keys if not is_dimensionless(c.unit)]
    carried = {k.split("/")[0] for _, k in dimensional}
    mismatch = False
    if parent_key and not is_dimensionless(node.unit):
        mismatch = bool(dimensional) and parent_key.split("/")[0] not in carried
    elif parent_key:  # a rate made of children with real units
        mismatch = bool(dimensional)
    if mismatch:
        found.add("unit_mismatch", node.id, row=node.row,
                  related=tuple(c.id for c, _ in dimensional),
                  message_key="unit_mismatch.product", severity="warning",
                  unit=node.unit or blank,
                  children=", ".join(c.unit or blank for c, _ in child_keys))
