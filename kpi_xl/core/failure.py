"""KPI倒れ (KPI collapse): KPIs that are met while the KGI they serve is missed.

A KPI is only worth tracking if moving it moves the KGI. ``analyze(data)`` looks at periodic
actuals and targets of KPIs and their KGI and returns :class:`kpi_xl.core.tree.Finding` objects:

- ``kpi_met_kgi_missed`` (warning): over the periods where both were recorded, the KGI missed
  its target in some periods and the KPI met its own target in at least half of those
  (``met_share``, default :data:`kpi_xl.core.review_flags.MET_SHARE`, the review sheet's
  rule). Met respects direction: a lower-is-better KPI such as churn is met when
  actual <= target. ``expected`` holds the number of KGI-missed periods, ``actual`` the number
  of them in which the KPI was met.
- ``weak_correlation`` (warning): the Pearson correlation between the KPI's and the KGI's
  actuals over their common periods is below ``threshold`` (default 0.3). The sign is turned
  for a lower-is-better KPI (or KGI), so churn falling while revenue rises counts as tracking.
  Needs at least ``min_periods`` (default 3; the workbooks and ``kpi-xl check`` ask for
  :data:`EVIDENCE_MIN_PERIODS`) common periods and some variation in both series; with fewer
  periods the verdict is ``not_enough_data`` (info: "not enough data yet") instead. ``actual`` holds the (sign-adjusted)
  correlation, ``expected`` the threshold.
  :func:`correlation_lines` gives each KPI's verdict for any floor, for a workbook whose
  floor is an input cell (the last-quarter review sheet).
- ``no_kgi`` (error): no KGI rows, so nothing to compare with.
- ``ambiguous_kgi`` (warning): several KGIs and nothing says which one a KPI serves.
- ``unknown_kgi`` (error): a KPI names a KGI id that has no rows.

Every caller (the review sheet, ``kpi-xl check``, the report, roll-forward) gives it months, and
the messages count months ("3 か月のうち 2 か月で", "in 2 of the 3 months"), as the review
sheet's evidence-floor cell does.

Input, any of:

- a pandas DataFrame in long form with columns ``period``, ``id``, ``kind`` (KGI/KPI),
  ``actual``, ``target``, and optionally ``direction`` ("higher"/"lower", 以上/以下) and ``kgi``
  (the KGI id a KPI serves);
- an iterable of mappings with the same keys;
- a mapping ``id -> [(period, actual, target[, direction]), ...]`` together with ``kgi=`` naming
  the KGI's id.

Values are read leniently ("1,000", "20%"); unreadable ones are ignored. Never raises.
pandas is not needed (a DataFrame is read through ``to_dict``);
:func:`kpi_xl.app.frames.findings_frame` hands findings back as a DataFrame.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kpi_xl.core.expr import Expr, Operand, if_, lift, max_
from kpi_xl.core.i18n import LANGS, t
from kpi_xl.core.review_flags import MET_SHARE, collapsed
from kpi_xl.core.textnum import cell_text as _text
from kpi_xl.core.textnum import parse_direction, parse_quantity, unit_key
from kpi_xl.core.tree import Finding, kind_of

__all__ = ["EVIDENCE_MIN_PERIODS", "FLOOR", "KGI", "NODE", "CorrelationLine", "analyze",
           "correlation_lines", "is_met", "pearson"]

#: The fewest common periods (months) before a correlation is reported as evidence: two
#: quarters. Three months of one quarter can correlate by chance.
EVIDENCE_MIN_PERIODS = 6

SEVERITY = {"kpi_met_kgi_missed": "warning", "weak_correlation": "warning", "not_enough_data": "info", "no_kgi": "error",
            "ambiguous_kgi": "warning", "unknown_kgi": "error"}

def is_met(actual: float, target: float, direction: str = "higher") -> bool:
    """Whether ``actual`` meets ``target``: >= for "higher" is better, <= for "lower"."""
    return actual <= target if direction == "lower" else actual >= target


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r of two equally long series, or None when undefined (n < 2, no variation)."""
    n = len(xs)
    if n != len(ys) or n < 2:
        return None
    mean_x = math.fsum(xs) / n
    mean_y = math.fsum(ys) / n
    dx = [x - mean_x for x in xs]
    dy = [y - mean_y for y in ys]
    sxx = math.fsum(d * d for d in dx)
    syy = math.fsum(d * d for d in dy)
    if not (sxx > 0 and syy > 0) or not (math.isfinite(sxx) and math.isfinite(syy)):
        return None
    r = math.fsum(a * b for a, b in zip(dx, dy, strict=True)) / math.sqrt(sxx * syy)
    return max(-1.0, min(1.0, r)) if math.isfinite(r) else None


def _value(raw: object) -> float | None:
    parsed = parse_quantity(raw)
    if parsed is None:
        return None
    number, unit = parsed
    return number / 100 if unit is not None and unit_key(unit) == "%" else number


def _period_key(raw: object) -> str | None:
    iso = getattr(raw, "isoformat", None)
    if callable(iso) and not isinstance(raw, str):
        try:
            return str(iso())[:10]
        except Exception:  # NaT and friends
            return None
    return _text(raw)


class _Series:
    __slots__ = ("direction", "first_row", "id", "kgi", "kind", "points")

    def __init__(self, ident: str, row: int) -> None:
        self.id = ident
        self.kind: str | None = None
        self.kgi: str | None = None
        self.direction: str | None = None
        self.first_row = row
        self.points: dict[str, tuple[float | None, float | None]] = {}


def _records(data: object, kgi: str | None) -> Iterable[Mapping[str, Any]]:
    if data is None or isinstance(data, (str, bytes)):
        return ()
    if hasattr(data, "to_dict") and hasattr(data, "columns"):  # pandas DataFrame
        try:
            return data.to_dict("records")  # type: ignore[no-any-return]
        except Exception:
            return ()
    if isinstance(data, Mapping):
        out: list[Mapping[str, Any]] = []
        for ident, points in data.items():
            if isinstance(points, (str, bytes)) or not isinstance(points, Iterable):
                continue
            kind = "KGI" if kgi is not None and _text(ident) == kgi else "KPI"
            try:
                for point in points:
                    if isinstance(point, Mapping):
                        out.append({"id": ident, "kind": kind, **point})
                    elif isinstance(point, Sequence) and not isinstance(point, str) and len(
                            point) >= 3:
                        out.append({"id": ident, "kind": kind, "period": point[0],
                                    "actual": point[1], "target": point[2],
                                    "direction": point[3] if len(point) > 3 else None})
            except Exception:  # an iterable that breaks half-way: keep what was read
                continue
        return out
    try:
        return list(data)  # type: ignore[call-overload]
    except Exception:
        return ()


def _fmt(value: float) -> str:
    return f"{value:.2f}"


def analyze(data: object, *, kgi: str | None = None, min_periods: int = 3,
            threshold: float = 0.3, met_share: float = MET_SHARE, lang: str = "en"
            ) -> list[Finding]:
    """Find KPIs that were met while their KGI was missed, and KPIs that do not track it.

    See the module docstring for the input shapes and the findings. ``kgi`` names the KGI id
    (needed for the mapping input; for others it picks the KGI when several exist);
    ``min_periods`` is the fewest common periods for a correlation verdict; ``threshold`` the
    correlation below which a KPI is flagged; ``met_share`` the share of KGI-missed periods in
    which the KPI must have been met to be flagged; ``lang`` "en" or "ja".
    """
    lang = lang if lang in LANGS else "en"
    kgi_id = _text(kgi)
    findings: list[Finding] = []

    def add(code: str, node: str | None, *, expected: float | None = None,
            actual: float | None = None, related: tuple[str, ...] = (),
            value: str | None = None, **fields: object) -> None:
        findings.append(Finding(code, SEVERITY[code], node,
                                t(lang, f"failure.{code}", node=node, **fields), expected, actual,
                                related, None, None, value))

    series = _series(data, kgi_id)
    kgis = [s for s in series.values() if s.kind == "KGI"]
    kpis = [s for s in series.values() if s.kind != "KGI"]
    if not series:
        return findings
    if not kgis:
        add("no_kgi", None)
        return findings

    for kpi in kpis:
        target_id = kpi.kgi or kgi_id or (kgis[0].id if len(kgis) == 1 else None)
        if target_id is None:
            add("ambiguous_kgi", kpi.id, related=tuple(k.id for k in kgis),
                kgis=", ".join(k.id for k in kgis))
            continue
        goal = series.get(target_id)
        if goal is None or goal.kind != "KGI":
            add("unknown_kgi", kpi.id, related=(target_id,), kgi=target_id)
            continue
        _judge(kpi, goal, add, min_periods, threshold, met_share)

    return sorted(findings, key=lambda f: f.severity != "error")


def _series(data: object, kgi_id: str | None) -> dict[str, _Series]:
    """Each id's points by period, with its kind, KGI and direction (the first given wins);
    ``kgi_id``, when it has rows, is the KGI whatever its rows say."""
    series: dict[str, _Series] = {}
    for index, record in enumerate(_records(data, kgi_id)):
        if not isinstance(record, Mapping):
            continue
        fields = {(_text(k) or "").lower(): v for k, v in record.items()}
        ident = _text(fields.get("id"))
        period = _period_key(fields.get("period"))
        if ident is None:
            continue
        entry = series.get(ident)
        if entry is None:
            entry = series[ident] = _Series(ident, index)
        entry.kind = entry.kind or kind_of(fields.get("kind"))
        entry.kgi = entry.kgi or _text(fields.get("kgi"))
        entry.direction = entry.direction or parse_direction(fields.get("direction"))
        if period is not None:
            entry.points[period] = (_value(fields.get("actual")), _value(fields.get("target")))
    if kgi_id is not None and kgi_id in series:
        series[kgi_id].kind = "KGI"
    return series


def _judge(kpi: _Series, goal: _Series, add: Any, min_periods: int, threshold: float,
           met_share: float) -> None:
    kpi_dir = kpi.direction or "higher"
    goal_dir = goal.direction or "higher"
    common = sorted(set(kpi.points) & set(goal.points))

    # (a) met while the KGI missed
    missed: list[str] = []
    met_then: list[str] = []
    for period in common:
        k_actual, k_target = kpi.points[period]
        g_actual, g_target = goal.points[period]
        if None in (k_actual, k_target, g_actual, g_target):
            continue
        if not is_met(g_actual, g_target, goal_dir):  # type: ignore[arg-type]
            missed.append(period)
            if is_met(k_actual, k_target, kpi_dir):  # type: ignore[arg-type]
                met_then.append(period)
    if collapsed(len(met_then), len(missed), met_share):  # the review sheet's own rule
        shown = ", ".join(met_then[:6]) + (" …" if len(met_then) > 6 else "")
        add("kpi_met_kgi_missed", kpi.id, expected=float(len(missed)),
            actual=float(len(met_then)), related=(goal.id,), value=shown, kgi=goal.id,
            met=len(met_then), missed=len(missed), periods=shown)

    # (b) does the KPI move with the KGI?
    pairs = [(kpi.points[p][0], goal.points[p][0]) for p in common]
    pairs = [(x, y) for x, y in pairs if x is not None and y is not None]
    if len(pairs) < max(min_periods, 2):
        if pairs:
            add("not_enough_data", kpi.id, expected=float(max(min_periods, 2)),
                actual=float(len(pairs)), related=(goal.id,), kgi=goal.id, n=len(pairs),
                min=max(min_periods, 2))
        return
    r = pearson([x for x, _ in pairs], [y for _, y in pairs])  # type: ignore[misc]
    if r is None:
        return
    if (kpi_dir == "lower") != (goal_dir == "lower"):
        r = -r
    if r < threshold:
        add("weak_correlation", kpi.id, expected=threshold, actual=r, related=(goal.id,),
            kgi=goal.id, r=_fmt(r), n=len(pairs), threshold=_fmt(threshold))


# The correlation verdict with a live evidence floor ---------------------------------------------

#: Stand for the floor, the KPI's and the KGI's names while a message is rendered, so that a
#: workbook can put a live number there and read the names from their cells (a name typed by a
#: planner never becomes part of a formula's text).
FLOOR, NODE, KGI = "\x00", "\x01", "\x02"
_MARKERS = re.compile("([\x00\x01\x02])")


def _parts(lang: str, key: str, **fields: object) -> tuple[str, ...]:
    """A message split around the markers: ("text", NODE, "text", FLOOR, ...)."""
    text = t(lang if lang in LANGS else "en", key, node=NODE, kgi=KGI, **fields)
    return tuple(p for p in _MARKERS.split(text) if p)


@dataclass(frozen=True)
class CorrelationLine:
    """One KPI's correlation verdict, for any evidence floor: what :func:`analyze` says with
    ``min_periods`` at most ``n`` (``weak``: the weak-correlation message, or () when the KPI
    tracks its KGI) and above it (``thin``: "not enough data yet", around the floor)."""

    node: str
    kgi: str
    n: int
    weak: tuple[str, ...]
    thin: tuple[str, ...]

    def expr(self, floor: Operand, node: Operand | None = None, kgi: Operand | None = None
             ) -> Expr:
        """The line as a formula over the floor's cell (and the cells holding the names)."""
        least = max_(lift(floor), 2)
        values = {FLOOR: least, NODE: lift(node) if node is not None else lift(self.node),
                  KGI: lift(kgi) if kgi is not None else lift(self.kgi)}

        def joined(parts: tuple[str, ...]) -> Expr:
            out: Expr | None = None
            for part in parts:
                piece = values.get(part, lift(part))
                out = piece if out is None else out.concat(piece)
            return out if out is not None else lift("")

        return if_(lift(self.n).lt(least), joined(self.thin), joined(self.weak))


def correlation_lines(data: object, *, kgi: str | None = None, threshold: float = 0.3,
                      lang: str = "en") -> list[CorrelationLine]:
    """Every KPI's correlation verdict for any floor (see :class:`CorrelationLine`).

    Runs :func:`analyze` with the least floor and with none reachable, so each line holds
    exactly the words ``analyze`` would say for any ``min_periods``.
    """
    thin = [f for f in analyze(data, kgi=kgi, min_periods=10**9, threshold=threshold,
                               lang=lang) if f.code == "not_enough_data"]
    weak = {f.node: f for f in analyze(data, kgi=kgi, min_periods=2, threshold=threshold,
                                       lang=lang) if f.code == "weak_correlation"}
    lines = []
    for found in thin:
        n = int(found.actual or 0)
        goal = found.related[0] if found.related else ""
        w = weak.get(found.node)
        weak_parts = () if w is None else _parts(
            lang, "failure.weak_correlation", r=_fmt(w.actual or 0.0), n=n,
            threshold=_fmt(w.expected or 0.0))
        lines.append(CorrelationLine(found.node or "", goal, n, weak_parts,
                                     _parts(lang, "failure.not_enough_data", n=n, min=FLOOR)))
    return lines
