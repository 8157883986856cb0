"""KPI tree validator: each rule of kpi_xl.core.tree, shown by a tree built to break it."""

from __future__ import annotations

import time

import pytest

from kpi_xl.core.tree import SEVERITY, Finding, kind_of, validate


def sales_tree(**overrides: dict) -> list[dict]:
    """Revenue = leads × lead→opportunity rate × win rate × average deal size (200M yen)."""
    rows = {
        "KGI": dict(id="KGI", kind="KGI", name="売上", operator="×", target=200_000_000,
                    unit="円", department="営業"),
        "L": dict(id="L", parent="KGI", kind="KPI", name="リード数", target=5000, unit="件",
                  department="営業"),
        "R1": dict(id="R1", parent="KGI", kind="KPI", name="商談化率", target=0.1, unit="%",
                   department="営業"),
        "R2": dict(id="R2", parent="KGI", kind="KPI", name="受注率", target=0.2, unit="%",
                   department="営業"),
        "D": dict(id="D", parent="KGI", kind="KPI", name="平均受注単価", target=2_000_000,
                  unit="円", department="営業"),
    }
    for node_id, changes in overrides.items():
        rows[node_id] = {**rows[node_id], **changes}
    return list(rows.values())


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def only(findings: list[Finding], code: str) -> Finding:
    matching = [f for f in findings if f.code == code]
    assert len(matching) == 1, findings
    return matching[0]


# ---- valid trees --------------------------------------------------------------------------
def test_the_sales_revenue_product_tree_is_valid() -> None:
    assert validate(sales_tree()) == []


def test_strings_percentages_and_full_width_digits_read_like_numbers() -> None:
    rows = sales_tree(KGI={"target": "２億円", "operator": "x"}, L={"target": "5,000"},
                      R1={"target": "10%", "unit": None}, R2={"target": "20", "unit": "%"},
                      D={"target": "200万円", "unit": ""})
    assert validate(rows) == []


def test_a_sum_tree_of_monthly_leads_is_valid() -> None:
    rows = [dict(id="Q", kind="KGI", operator="+", target="1,200", unit="件")] + [
        dict(id=f"M{i}", parent="Q", kind="KPI", target=400, unit="件") for i in range(3)]
    assert validate(rows) == []


def test_a_rate_may_be_the_product_of_rates() -> None:
    rows = [dict(id="C", kind="KGI", operator="*", target="2%", unit="%"),
            dict(id="a", parent="C", kind="KPI", target="10%"),
            dict(id="b", parent="C", kind="KPI", target=0.2, unit="%")]
    assert validate(rows) == []


def test_japanese_column_names_and_kind_spellings_are_understood() -> None:
    rows = [{"ID": "G", "種別": "最終目標", "目標": "100件", "演算子": "+"},
            {"ID": "S", "親": "G", "種別": "重要成功要因"},
            {"ID": "K", "親": "S", "種別": "ＫＰＩ", "目標": "100件"}]
    assert "orphan" not in codes(validate(rows))
    assert [kind_of(k) for k in ("kgi", "KFS", "重要業績評価指標", "?")] == ["KGI", "KSF", "KPI", None]


def test_a_dataframe_of_rows_is_accepted() -> None:
    pd = pytest.importorskip("pandas")
    assert validate(pd.DataFrame(sales_tree())) == []


def test_a_mapping_of_rows_is_accepted() -> None:
    assert validate({row["id"]: row for row in sales_tree()}) == []


# ---- decomposition ------------------------------------------------------------------------
def test_product_mismatch_reports_expected_and_actual() -> None:
    finding = only(validate(sales_tree(KGI={"target": 210_000_000})), "decomposition_mismatch")
    assert finding.severity == "error"
    assert (finding.node, finding.expected, finding.actual) == ("KGI", 210_000_000, 200_000_000)
    assert finding.related == ("L", "R1", "R2", "D")
    assert "200,000,000" in finding.message and "210,000,000" in finding.message


@pytest.mark.parametrize(("total", "mismatch"), [(1004.9, False), (995.1, False),
                                                 (1005.1, True), (994.9, True)])
def test_sums_may_differ_by_half_a_percent_of_the_target(total: float, mismatch: bool) -> None:
    rows = [dict(id="T", kind="KGI", operator="+", target=1000, unit="件"),
            dict(id="a", parent="T", kind="KPI", target=total - 500, unit="件"),
            dict(id="b", parent="T", kind="KPI", target=500, unit="件")]
    assert ("decomposition_mismatch" in codes(validate(rows))) is mismatch


@pytest.mark.parametrize(("revenue", "mismatch"), [(200_999_000, False), (201_100_000, True)])
def test_products_may_differ_by_half_a_percent_of_the_target(revenue: int,
                                                             mismatch: bool) -> None:
    findings = validate(sales_tree(KGI={"target": revenue}))
    assert ("decomposition_mismatch" in codes(findings)) is mismatch


def test_the_tolerance_can_be_tightened() -> None:
    rows = sales_tree(KGI={"target": 200_100_000})
    assert validate(rows) == []
    assert codes(validate(rows, tolerance=0.0001)) == ["decomposition_mismatch"]


def test_a_decomposition_with_a_missing_child_target_is_not_checked_but_flagged() -> None:
    findings = validate(sales_tree(D={"target": None}))
    assert codes(findings) == ["missing_target"]
    assert findings[0].node == "D" and findings[0].severity == "warning"


# ---- units --------------------------------------------------------------------------------
def test_a_sum_of_children_in_other_units_is_a_unit_error() -> None:
    rows = [dict(id="T", kind="KGI", operator="+", target=1000, unit="件"),
            dict(id="a", parent="T", kind="KPI", target=500, unit="円"),
            dict(id="b", parent="T", kind="KPI", target=500, unit="件")]
    finding = only(validate(rows), "unit_mismatch")
    assert (finding.severity, finding.node, finding.related) == ("error", "T", ("a",))


def test_sum_units_compare_by_meaning_not_spelling() -> None:
    rows = [dict(id="T", kind="KGI", operator="+", target=1000, unit="円"),
            dict(id="a", parent="T", kind="KPI", target=500, unit="JPY"),
            dict(id="b", parent="T", kind="KPI", target=500, unit="yen")]
    assert validate(rows) == []


def test_a_product_whose_unit_no_child_carries_is_a_unit_warning() -> None:
    finding = only(validate(sales_tree(D={"unit": "件"})), "unit_mismatch")
    assert (finding.severity, finding.node) == ("warning", "KGI")


def test_rates_are_dimensionless_in_products() -> None:
    rows = sales_tree(R1={"unit": "倍"}, R2={"unit": None})
    assert validate(rows) == []


# ---- structure ----------------------------------------------------------------------------
def test_duplicate_ids_keep_the_first_row() -> None:
    rows = [*sales_tree(), dict(id="L", parent="KGI", kind="KPI", target=1, unit="件")]
    finding = only(validate(rows), "duplicate_id")
    assert (finding.node, finding.row, finding.severity) == ("L", 5, "error")


def test_a_parent_that_no_row_has_is_unknown() -> None:
    finding = only(validate(sales_tree(L={"parent": "NOPE"})), "unknown_parent")
    assert (finding.node, finding.value, finding.severity) == ("L", "NOPE", "error")


def test_a_loop_of_parents_is_reported_once() -> None:
    rows = [dict(id="G", kind="KGI", target=1),
            dict(id="a", parent="c", kind="KPI", target=1),
            dict(id="b", parent="a", kind="KPI", target=1),
            dict(id="c", parent="b", kind="KPI", target=1)]
    finding = only(validate(rows), "cycle")
    assert finding.severity == "error"
    assert set(finding.related) == {"a", "b", "c"}
    assert "orphan" not in codes(validate(rows))


def test_a_node_that_is_its_own_parent_is_a_cycle() -> None:
    rows = [dict(id="G", kind="KGI", target=1), dict(id="a", parent="a", kind="KPI", target=1)]
    assert only(validate(rows), "cycle").related == ("a",)


def test_a_kpi_under_a_root_that_is_not_a_kgi_is_an_orphan() -> None:
    rows = [*sales_tree(), dict(id="S", kind="KSF", name="提案品質"),
            dict(id="P", parent="S", kind="KPI", target=10, unit="件")]
    orphans = [f for f in validate(rows) if f.code == "orphan"]
    assert [f.node for f in orphans] == ["S", "P"]
    assert all(f.severity == "error" for f in orphans)


def test_a_tree_without_a_kgi_is_an_error() -> None:
    rows = [dict(id="a", kind="KPI", target=1), dict(id="b", parent="a", kind="KPI", target=1)]
    finding = only(validate(rows), "no_kgi")
    assert (finding.node, finding.severity) == (None, "error")


def test_a_kgi_under_a_kpi_is_out_of_order() -> None:
    rows = [dict(id="G", kind="KGI", target=1), dict(id="k", parent="G", kind="KPI", target=1),
            dict(id="g2", parent="k", kind="KGI", target=1)]
    finding = only(validate(rows), "kind_order")
    assert (finding.node, finding.related, finding.severity) == ("g2", ("k",), "warning")


def test_rows_without_an_id_and_rows_that_are_not_mappings_are_reported() -> None:
    findings = validate([dict(kind="KGI", target=1), "not a row", None])
    assert codes(findings) == ["missing_id", "bad_row", "bad_row"]
    assert [f.row for f in findings] == [0, 1, 2]


def test_unreadable_numbers_and_operators_and_kinds_are_findings() -> None:
    rows = sales_tree(L={"target": "たくさん"}, R1={"kind": "KQI"}, KGI={"operator": "÷"})
    found = {f.code: f for f in validate(rows)}
    assert found["bad_number"].value == "たくさん" and found["bad_number"].severity == "error"
    assert found["unknown_kind"].value == "KQI" and found["unknown_kind"].severity == "warning"
    assert found["bad_operator"].value == "÷"
    assert "decomposition_mismatch" not in found  # no operator, no arithmetic check


def test_an_operator_on_a_leaf_is_a_warning() -> None:
    finding = only(validate(sales_tree(L={"operator": "+"})), "operator_without_children")
    assert (finding.node, finding.severity) == ("L", "warning")


def test_kgi_and_kpi_without_targets_are_warned_about() -> None:
    rows = [dict(id="G", kind="KGI"), dict(id="S", parent="G", kind="KSF"),
            dict(id="k", parent="S", kind="KPI")]
    assert [f.node for f in validate(rows) if f.code == "missing_target"] == ["G", "k"]


# ---- departments and owners ---------------------------------------------------------------
def department_tree(n_kpis: int, department: str = "マーケティング") -> list[dict]:
    return [dict(id="G", kind="KGI", target=1)] + [
        dict(id=f"k{i}", parent="G", kind="KPI", target=1, department=department)
        for i in range(n_kpis)]


@pytest.mark.parametrize(("n", "code"), [(2, "too_few_kpis"), (3, None), (5, None),
                                         (6, "too_many_kpis")])
def test_a_department_should_have_three_to_five_kpis(n: int, code: str | None) -> None:
    findings = validate(department_tree(n))
    assert codes(findings) == ([code] if code else [])
    if code:
        assert findings[0].department == "マーケティング"
        assert findings[0].actual == n
        assert findings[0].severity == "warning"


def test_kpis_without_a_department_are_not_counted() -> None:
    assert validate(department_tree(8, department=None)) == []


def test_missing_owners_are_warned_about_only_when_owners_are_recorded() -> None:
    assert validate(sales_tree()) == []
    rows = sales_tree(L={"owner": "田中"}, R1={"owner": "鈴木"})
    assert sorted(f.node for f in validate(rows) if f.code == "missing_owner") == ["D", "R2"]


# ---- presentation -------------------------------------------------------------------------
def test_errors_come_before_warnings() -> None:
    rows = [*department_tree(6), dict(id="x", parent="nope", kind="KPI", target=1)]
    severities = [f.severity for f in validate(rows)]
    assert severities == sorted(severities, key=lambda s: s != "error")
    assert "error" in severities and "warning" in severities


def test_messages_are_available_in_japanese() -> None:
    finding = only(validate(sales_tree(KGI={"target": 210_000_000}), lang="ja"),
                   "decomposition_mismatch")
    assert "子の積" in finding.message


def test_every_code_has_a_severity_of_error_or_warning() -> None:
    assert set(SEVERITY.values()) == {"error", "warning"}


def test_empty_or_odd_inputs_give_no_findings_rather_than_exceptions() -> None:
    assert validate([]) == []
    assert validate(None) == []
    assert validate(42) == []


# ---- speed --------------------------------------------------------------------------------
def test_five_thousand_nodes_validate_well_under_a_second() -> None:
    rows = [dict(id="G", kind="KGI", operator="+", target=4999, unit="件")] + [
        dict(id=f"k{i}", parent="G", kind="KPI", target=1, unit="件", department=f"d{i % 1000}")
        for i in range(4999)]
    start = time.perf_counter()
    assert validate(rows) == []
    assert time.perf_counter() - start < 1.0


def test_a_chain_five_thousand_deep_needs_no_recursion() -> None:
    rows = [dict(id="0", kind="KGI", target=1, operator="*")] + [
        dict(id=str(i), parent=str(i - 1), kind="KPI", target=1,
             operator="*" if i < 4999 else None) for i in range(1, 5000)]
    assert validate(rows) == []
    looped = [dict(id=str(i), parent=str((i + 1) % 5000), kind="KPI") for i in range(5000)]
    assert codes(validate(looped)).count("cycle") == 1
