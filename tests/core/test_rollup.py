"""Kinds, kind-aware aggregation, pace forecasts, status, and the KPI tree's layout."""

from __future__ import annotations

from itertools import pairwise

import pytest

from kpi_xl.core.rollup import achievement, aggregate, measure_kind, pace_forecast, status
from kpi_xl.core.tree_layout import TreeNode, layout


@pytest.mark.parametrize(("unit", "kind"), [("件", "flow"), ("円", "flow"), ("回", "flow"),
                                            ("%", "ratio"), ("点", "average"),
                                            ("時間", "average"), ("社", "level")])
def test_kind_follows_the_unit(unit: str, kind: str) -> None:
    assert measure_kind(unit) == kind


def test_a_declared_kind_wins_in_either_language() -> None:
    assert measure_kind("件", "level") == "level"
    assert measure_kind("件", "期末") == "level"
    assert measure_kind("%", "平均") == "average"
    assert measure_kind("件", "nonsense") == "flow"


def test_months_combine_by_kind() -> None:
    assert aggregate("flow", [1, 2, 3]) == 6
    assert aggregate("level", [480, 490, 487]) == 487  # the period's end, never added
    assert aggregate("average", [40, 50, 60]) == 50
    assert aggregate("ratio", [0.5, 0.1]) == pytest.approx(0.3)  # no parts: averaged
    # With parts, recomputed: 1 deal of 2 opportunities, then 1 of 10 → 2/12, not (0.5+0.1)/2.
    assert aggregate("ratio", [0.5, 0.1], ([1, 1], [2, 10])) == pytest.approx(2 / 12)
    assert aggregate("flow", []) is None


def test_pace_extrapolates_flows_only() -> None:
    assert pace_forecast("flow", [10, 20], 3) == 45
    assert pace_forecast("level", [480, 470], 3) == 470
    assert pace_forecast("average", [40, 50], 3) == 45
    assert pace_forecast("flow", [], 3) is None


def test_achievement_respects_direction_and_status_has_three_lights() -> None:
    assert achievement(90, 100) == pytest.approx(0.9)
    assert achievement(0.06, 0.05, "lower") == pytest.approx(0.05 / 0.06)
    assert achievement(0, 10, "lower") == 2.0  # no churn at all: the workbooks' cap of 200%
    assert achievement(5, 0) is None and achievement(None, 3) is None
    assert [status(x) for x in (1.0, 0.95, 0.5, None)] == ["ok", "watch", "behind", "none"]


def test_tree_layout_centres_parents_and_never_overlaps() -> None:
    leaves = [TreeNode(i) for i in range(5)]
    root = TreeNode("kgi", [TreeNode("a", leaves[:2]), TreeNode("b", leaves[2:]),
                            TreeNode("c")])
    shape = layout(root, box_w=100, box_h=40, gap_x=10, gap_y=20)
    boxes = {b.payload: b for b in shape.boxes}
    assert boxes["a"].cx == pytest.approx((boxes[0].cx + boxes[1].cx) / 2)
    assert boxes["kgi"].y < boxes["a"].y < boxes[0].y
    same_level = sorted((b for b in shape.boxes if b.level == 2), key=lambda b: b.x)
    assert all(b.x + b.w <= c.x for b, c in pairwise(same_level))
    assert len(shape.lines) == 8  # one connector per child
    assert all(b.x >= 0 and b.x + b.w <= shape.width for b in shape.boxes)


def test_units_combine_by_kind() -> None:
    from kpi_xl.core.rollup import combine_units

    assert combine_units("flow", [10, None, 5]) == 15
    assert combine_units("level", [480, 120]) == 600  # customers of every unit
    assert combine_units("ratio", [0.2, 0.3]) == pytest.approx(0.25)  # no parts: each unit once
    assert combine_units("average", [None, None]) is None
    assert combine_units("average", [48.0, None, 52.0]) == pytest.approx(50.0)  # units reporting


def test_a_ratio_with_parts_is_the_ratio_of_sums_not_the_average_of_ratios() -> None:
    from kpi_xl.core.rollup import combine_units

    # A small unit keeps 95% of 200 customers, a large one 80% of 800: the group keeps 830 of
    # 1,000 (83%), not the 87.5% the two rates average to.
    parts = [(0.95 * 200, 200), (0.80 * 800, 800)]
    assert combine_units("ratio", [0.95, 0.80], parts) == pytest.approx(0.83)
    assert combine_units("ratio", [0.95, 0.80]) == pytest.approx(0.875)
    # A unit without a figure is left out of both sums; no figure at all is no figure.
    assert combine_units("ratio", [0.95, None], [(190, 200), (None, None)]) == pytest.approx(0.95)
    assert combine_units("ratio", [None, None], [(None, None), (None, None)]) is None
    # Denominators of zero cannot weigh: the units' plain average, never #DIV/0!.
    assert combine_units("ratio", [0.5, 0.7], [(0, 0), (0, 0)]) == pytest.approx(0.6)


def test_the_group_formula_is_the_same_rule_as_the_value() -> None:
    from kpi_xl.core.rollup import combine_units_expr

    class Cells:  # keys are addresses already
        def ref(self, key: str) -> str:
            return key

        def area(self, keys) -> str:
            return f"{keys[0]}:{keys[-1]}"

    cells = Cells()
    assert combine_units_expr("flow", ["D16", "D17"]).formula(cells) == \
        'IF(COUNT(D16:D17)=0,"",SUM(D16:D17))'
    assert combine_units_expr("average", ["D16", "D17"]).formula(cells) == \
        'IF(COUNT(D16:D17)=0,"",AVERAGE(D16:D17))'
    ratio = combine_units_expr("ratio", ["D16", "D17"], (["D27", "D28"], ["D29", "D30"]))
    assert ratio.formula(cells) == ('IF(COUNT(D16:D17)=0,"",IF(SUM(D29:D30)=0,'
                                    'AVERAGE(D16:D17),SUM(D27:D28)/SUM(D29:D30)))')
    env = {"D16": 0.95, "D17": 0.8, "D27": 190.0, "D28": 640.0, "D29": 200, "D30": 800}
    assert ratio.evaluate(env) == pytest.approx(0.83)
