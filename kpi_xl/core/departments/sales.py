"""Sales: the reverse funnel from target deals back to leads, revenue, and the targets by period.

The article's example: 100 deals at a 20% win rate need 500 opportunities; at a 10%
lead→opportunity rate, 5,000 leads, about 417 a month. Industry averages: win rate 20–30%,
lead→opportunity 5–10%.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from kpi_xl.core.departments.base import Decomposition, Department, FigureSpec, SeriesSpec
from kpi_xl.core.expr import ref
from kpi_xl.core.funnel import stage_expr
from kpi_xl.core.kpis import Kpi, Okr
from kpi_xl.core.spec import InputSpec, OutputSpec

TARGET_DEALS = "Sales_TargetDeals"
WIN_RATE = "Sales_WinRate"
LEAD_TO_OPP = "Sales_LeadToOppRate"
AVG_DEAL_SIZE = "Sales_AvgDealSize"
REQUIRED_OPPS = "Sales_RequiredOpps"
REQUIRED_LEADS = "Sales_RequiredLeads"
TARGET_REVENUE = "Sales_TargetRevenue"
CYCLE_MONTHS = "Sales_CycleMonths"

INPUTS = (
    InputSpec(TARGET_DEALS, "count", {"ja": "受注目標件数(KGI)", "en": "Target deals (KGI)"},
              {"ja": "年度内に受注する件数の目標", "en": "Deals to win in the fiscal year"},
              sample=100),
    InputSpec(WIN_RATE, "rate", {"ja": "商談→受注率", "en": "Win rate (opportunity → deal)"},
              {"ja": "商談のうち受注に至る割合。業界平均 20〜30%",
               "en": "Share of opportunities that become deals; industry average 20–30%"},
              sample=0.2, benchmark="win_rate"),
    InputSpec(LEAD_TO_OPP, "rate", {"ja": "リード→商談率", "en": "Lead → opportunity rate"},
              {"ja": "リードが商談になる割合(業界平均 5〜10%)。空欄なら MQL の率の積",
               "en": "Leads that become opportunities (industry 5–10%); blank: lead→MQL × "
                     "MQL→SQL"},
              sample=0.1, benchmark="lead_to_opportunity_rate", required=False),
    InputSpec(CYCLE_MONTHS, "months", {"ja": "リードタイム(月)", "en": "Sales cycle (months)"},
              {"ja": "リード獲得から受注までの平均月数。月次目標のリードをその分前倒しします(空欄は 0)",
               "en": "Average months from lead to deal; monthly lead targets move that much "
                     "earlier (blank means 0)"},
              sample=2, required=False, blank_value=0),
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

_OUT = {o.name: o for o in OUTPUTS}
LEADS = {"ja": "リード", "en": "Leads"}
OPPS = {"ja": "商談", "en": "Opportunities"}
DEALS = {"ja": "受注", "en": "Deals"}
REVENUE = {"ja": "売上", "en": "Revenue"}

FIGURES = (
    FigureSpec(LEADS, _OUT[REQUIRED_LEADS].expr, "count", REQUIRED_LEADS, _OUT[REQUIRED_LEADS].help),
    FigureSpec(OPPS, _OUT[REQUIRED_OPPS].expr, "count", REQUIRED_OPPS, _OUT[REQUIRED_OPPS].help),
    FigureSpec(DEALS, ref(TARGET_DEALS), "count", None, {"ja": "KGI(入力値)", "en": "The KGI (input)"}),
    FigureSpec(REVENUE, _OUT[TARGET_REVENUE].expr, "money", TARGET_REVENUE,
               _OUT[TARGET_REVENUE].help, bold=True),
)

SERIES = (
    SeriesSpec(LEADS, REQUIRED_LEADS, "count", lag_name=CYCLE_MONTHS),
    SeriesSpec(OPPS, REQUIRED_OPPS, "count"),
    SeriesSpec(DEALS, TARGET_DEALS, "count"),
    SeriesSpec(REVENUE, TARGET_REVENUE, "money"),
)

DECOMPOSITION = Decomposition(
    {"ja": "売上", "en": "Revenue"}, TARGET_REVENUE, "money", "×",
    ((LEADS, ref(REQUIRED_LEADS), "count"),
     ({"ja": "リード→商談率", "en": "Lead → opportunity"}, ref(LEAD_TO_OPP), "rate"),
     ({"ja": "商談→受注率", "en": "Win rate"}, ref(WIN_RATE), "rate"),
     ({"ja": "平均受注単価", "en": "Average deal size"}, ref(AVG_DEAL_SIZE), "money")),
)

_END = dt.date(2027, 3, 31)
SAMPLE_KPIS: dict[str, tuple[Kpi, ...]] = {
    "ja": (
        Kpi("月間リード獲得数", "月に獲得した新規リード(問い合わせ・資料請求)の件数", "リード獲得",
            "件", "higher", 417, _END, "マーケティング部長", "weekly", "leading"),
        Kpi("月間商談獲得数", "月に新たに創出した商談の件数", "商談創出", "件", "higher", 42, _END,
            "インサイドセールス責任者", "weekly", "leading"),
        Kpi("提案成功率", "受注件数 ÷ 提案した商談件数", "提案品質向上", "%", "higher", 0.2, _END,
            "営業部長", "monthly", "leading"),
        Kpi("月間受注件数", "月に受注した件数", "提案品質向上", "件", "higher", 9, _END, "営業部長",
            "monthly", "lagging"),
    ),
    "en": (
        Kpi("Leads per month", "New leads (enquiries, downloads) captured in the month",
            "Lead generation", "件", "higher", 417, _END, "Head of Marketing", "weekly", "leading"),
        Kpi("Opportunities per month", "New opportunities created in the month",
            "Opportunity creation", "件", "higher", 42, _END, "Inside Sales Lead", "weekly",
            "leading"),
        Kpi("Proposal win rate", "Deals won ÷ opportunities proposed", "Proposal quality", "%",
            "higher", 0.2, _END, "Head of Sales", "monthly", "leading"),
        Kpi("Deals per month", "Deals closed in the month", "Proposal quality", "件", "higher", 9,
            _END, "Head of Sales", "monthly", "lagging"),
    ),
}
_LINKS = (REQUIRED_LEADS, REQUIRED_OPPS, WIN_RATE, TARGET_DEALS)
SAMPLE_KPIS = {lang: tuple(replace(k, link=link) for k, link in zip(kpis, _LINKS, strict=True))
               for lang, kpis in SAMPLE_KPIS.items()}

SAMPLE_OKRS = {
    "ja": (Okr("sales", "新規顧客獲得を強化する", "新規リード数を前四半期比 50% 増やす",
               "月間リード獲得数", 100, 150),),
    "en": (Okr("sales", "Win more new customers", "Grow new leads 50% on last quarter",
               "Leads per month", 100, 150),),
}

DEPARTMENT = Department(
    key="sales",
    prefix="Sales",
    name={"ja": "営業", "en": "Sales"},
    inputs=INPUTS,
    outputs=OUTPUTS,
    figures=FIGURES,
    series=SERIES,
    kgi=({"ja": "受注件数", "en": "Deals won"}, TARGET_DEALS, "count"),
    kgi_measure=TARGET_DEALS,
    decomposition=DECOMPOSITION,
    sample_kpis=SAMPLE_KPIS,
    sample_okrs=SAMPLE_OKRS,
    links={REQUIRED_LEADS: "annual", REQUIRED_OPPS: "annual", TARGET_DEALS: "annual",
           WIN_RATE: "level", LEAD_TO_OPP: "level", TARGET_REVENUE: "annual",
           AVG_DEAL_SIZE: "level"},
    funnel=(REQUIRED_LEADS, REQUIRED_OPPS, TARGET_DEALS),
    measures={"leads": REQUIRED_LEADS, "opportunities": REQUIRED_OPPS, "orders": TARGET_DEALS,
              "revenue": TARGET_REVENUE, "win_rate": WIN_RATE,
              "lead_to_opportunity_rate": LEAD_TO_OPP},
)
