"""Sales: the reverse funnel from target deals back to leads, revenue, and the targets by period.

The article's example: 100 deals at a 20% win rate need 500 opportunities; at a 10%
lead→opportunity rate, 5,000 leads, about 417 a month. Industry averages: win rate 20–30%,
lead→opportunity 5–10%.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kpi_xl.departments.base import Department
from kpi_xl.expr import ref
from kpi_xl.funnel import stage_expr
from kpi_xl.i18n import quarter_label
from kpi_xl.spec import InputSpec, OutputSpec

if TYPE_CHECKING:
    from kpi_xl.writer.context import BuildContext

TARGET_DEALS = "Sales_TargetDeals"
WIN_RATE = "Sales_WinRate"
LEAD_TO_OPP = "Sales_LeadToOppRate"
AVG_DEAL_SIZE = "Sales_AvgDealSize"
REQUIRED_OPPS = "Sales_RequiredOpps"
REQUIRED_LEADS = "Sales_RequiredLeads"
TARGET_REVENUE = "Sales_TargetRevenue"

INPUTS = (
    InputSpec(TARGET_DEALS, "count", {"ja": "受注目標件数(KGI)", "en": "Target deals (KGI)"},
              {"ja": "年度内に受注する件数の目標", "en": "Deals to win in the fiscal year"},
              sample=100),
    InputSpec(WIN_RATE, "rate", {"ja": "商談→受注率", "en": "Win rate (opportunity → deal)"},
              {"ja": "商談のうち受注に至る割合。業界平均 20〜30%",
               "en": "Share of opportunities that become deals; industry average 20–30%"},
              sample=0.2, benchmark=(0.2, 0.3)),
    InputSpec(LEAD_TO_OPP, "rate", {"ja": "リード→商談率", "en": "Lead → opportunity rate"},
              {"ja": "リードのうち商談になる割合。業界平均 5〜10%",
               "en": "Share of leads that become opportunities; industry average 5–10%"},
              sample=0.1, benchmark=(0.05, 0.1)),
    InputSpec(AVG_DEAL_SIZE, "money", {"ja": "平均受注単価", "en": "Average deal size"},
              {"ja": "1件あたりの平均受注金額", "en": "Average revenue per deal"},
              sample=2_000_000),
)

OUTPUTS = (
    OutputSpec(REQUIRED_OPPS, "count", {"ja": "必要商談数", "en": "Required opportunities"},
               {"ja": "受注目標 ÷ 商談→受注率(切り上げ)",
                "en": "Target deals ÷ win rate, rounded up"},
               stage_expr(ref(TARGET_DEALS), ref(WIN_RATE))),
    OutputSpec(REQUIRED_LEADS, "count", {"ja": "必要リード数", "en": "Required leads"},
               {"ja": "必要商談数 ÷ リード→商談率(切り上げ)",
                "en": "Required opportunities ÷ lead→opportunity rate, rounded up"},
               stage_expr(ref(REQUIRED_OPPS), ref(LEAD_TO_OPP))),
    OutputSpec(TARGET_REVENUE, "money", {"ja": "売上目標", "en": "Target revenue"},
               {"ja": "受注目標件数 × 平均受注単価", "en": "Target deals × average deal size"},
               ref(TARGET_DEALS) * ref(AVG_DEAL_SIZE)),
)

LABELS = {
    "sheet.funnel": {"ja": "営業ファネル", "en": "Sales funnel"},
    "sheet.monthly": {"ja": "営業 月次目標", "en": "Sales monthly targets"},
    "title": {"ja": "営業 KPI 計画", "en": "Sales KPI plan"},
    "deals": {"ja": "受注", "en": "Deals"},
    "opps": {"ja": "商談", "en": "Opportunities"},
    "leads": {"ja": "リード", "en": "Leads"},
    "revenue": {"ja": "売上", "en": "Revenue"},
    "deals.how": {"ja": "KGI(入力値)", "en": "The KGI (input)"},
}


def build(ctx: BuildContext) -> None:
    """Write the sales workbook: funnel and quarterly targets, then monthly targets."""
    from kpi_xl.writer.blocks import (
        Figure,
        Series,
        assumptions_table,
        figures_table,
        monthly_table,
        quarter_table,
        title_block,
    )

    lang, plan, book = ctx.lang, ctx.plan, ctx.book
    width = 7
    quarter_months = list(ctx.quarter.month_indexes())
    period = quarter_label(lang, [plan.months()[i] for i in quarter_months])
    heading = (f"{plan.company}  {ctx.label('title')}  {ctx.t('fy', year=plan.fiscal_year)} "
               f"{ctx.t('quarter_name', q=ctx.quarter.quarter)}")

    funnel = book.sheet(ctx.label("sheet.funnel"))
    row = title_block(funnel, lang, heading, period, width)
    row = assumptions_table(funnel, row, lang, INPUTS, dict(plan.values),
                            title=ctx.t("assumptions"), width=width)
    out = {spec.name: spec for spec in OUTPUTS}
    figures = [
        Figure(ctx.label("leads"), out[REQUIRED_LEADS].expr, "count", REQUIRED_LEADS,
               out[REQUIRED_LEADS].help[lang]),
        Figure(ctx.label("opps"), out[REQUIRED_OPPS].expr, "count", REQUIRED_OPPS,
               out[REQUIRED_OPPS].help[lang]),
        Figure(ctx.label("deals"), ref(TARGET_DEALS), "count", key="sales.deals",
               how=ctx.label("deals.how")),
        Figure(ctx.label("revenue"), out[TARGET_REVENUE].expr, "money", TARGET_REVENUE,
               out[TARGET_REVENUE].help[lang], bold=True),
    ]
    row, _ = figures_table(funnel, row, lang, ctx.t("funnel"), figures, width=width)
    series = [
        Series(ctx.label("leads"), REQUIRED_LEADS, "count"),
        Series(ctx.label("opps"), REQUIRED_OPPS, "count"),
        Series(ctx.label("deals"), TARGET_DEALS, "count"),
        Series(ctx.label("revenue"), TARGET_REVENUE, "money"),
    ]
    quarter_row = row

    monthly = book.sheet(ctx.label("sheet.monthly"))
    mrow = title_block(monthly, lang, heading, ctx.t("monthly_help"), len(series) + 3)
    monthly.section(mrow, ctx.t("monthly"), len(series) + 3)
    monthly.freeze(mrow + 2)
    _, month_keys = monthly_table(monthly, mrow + 1, lang, plan, series, quarter_months)
    quarter_table(funnel, quarter_row, lang, plan, ctx.t("quarters"), series, month_keys,
                  ctx.quarter.quarter, width=width)
    funnel.freeze(3)


DEPARTMENT = Department(
    key="sales",
    prefix="Sales",
    name={"ja": "営業", "en": "Sales"},
    inputs=INPUTS,
    outputs=OUTPUTS,
    build=build,
    labels=LABELS,
)
