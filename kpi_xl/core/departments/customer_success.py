"""Customer success: keep customers. Retention ≥ 90%, churn ≤ 5%, NPS ≥ 50, onboarding ≥ 80%."""

from __future__ import annotations

import datetime as dt

from kpi_xl.core.departments.base import Decomposition, Department, FigureSpec, SeriesSpec
from kpi_xl.core.expr import Num, ref, rounddown
from kpi_xl.core.funnel import max_lost_expr
from kpi_xl.core.kpis import Kpi, Okr
from kpi_xl.core.spec import InputSpec, OutputSpec

START_CUSTOMERS = "CS_StartCustomers"
MAX_CHURN_RATE = "CS_MaxChurnRate"
MAX_CHURNED = "CS_MaxChurnedCustomers"
MIN_RETAINED = "CS_MinRetainedCustomers"
TARGET_RETENTION = "CS_TargetRetention"
# The customer base can follow the deals sales wins: the share of won deals that are new
# customers (blank: not linked), applied to sales' deal target (kpi_xl.core.company checks the
# two workbooks show the same number of deals).
NEW_SHARE = "CS_NewCustomerShare"
WON_DEALS = "CS_WonDeals"
NEW_CUSTOMERS = "CS_NewCustomers"
END_CUSTOMERS = "CS_EndCustomers"

INPUTS = (
    InputSpec(START_CUSTOMERS, "customers", {"ja": "期首の顧客数", "en": "Customers at the start"},
              {"ja": "年度初めの契約顧客数", "en": "Paying customers when the year starts"},
              sample=200),
    InputSpec(MAX_CHURN_RATE, "rate", {"ja": "許容解約率(上限)", "en": "Maximum churn rate"},
              {"ja": "年度内に解約してよい顧客の割合の上限。目安 5% 以下",
               "en": "Most customers that may cancel in the year; aim for 5% or less"},
              sample=0.05, benchmark="churn_rate"),
    InputSpec(NEW_SHARE, "rate", {"ja": "受注のうち新規顧客の割合",
                                  "en": "Share of won deals that are new customers"},
              {"ja": "営業の受注が顧客数に加わる割合。空欄なら受注と連動しない",
               "en": "How many of sales' won deals become new customers; blank: not linked"},
              sample=None, required=False),
    InputSpec(WON_DEALS, "count", {"ja": "受注件数(営業の計画)", "en": "Won deals (sales plan)"},
              {"ja": "営業の年間受注目標に連動(上書きしない)",
               "en": "Follows sales' deal target for the year (do not type over it)"},
              sample=None, default=ref("Sales_TargetDeals"), required=False, blank_value=0),
)
OUTPUTS = (
    OutputSpec(MAX_CHURNED, "customers", {"ja": "解約許容社数(上限)", "en": "Most customers that may churn"},
               {"ja": "期首顧客数 × 許容解約率(切り捨て)",
                "en": "Customers at the start × maximum churn rate, rounded down"},
               max_lost_expr(ref(START_CUSTOMERS), ref(MAX_CHURN_RATE))),
    OutputSpec(MIN_RETAINED, "customers", {"ja": "維持すべき顧客数", "en": "Customers to keep"},
               {"ja": "期首顧客数 − 解約許容社数", "en": "Customers at the start − most that may churn"},
               ref(START_CUSTOMERS) - ref(MAX_CHURNED)),
    OutputSpec(TARGET_RETENTION, "rate", {"ja": "目標継続率", "en": "Target retention rate"},
               {"ja": "維持すべき顧客数 ÷ 期首顧客数", "en": "Customers to keep ÷ customers at the start"},
               ref(MIN_RETAINED) / ref(START_CUSTOMERS)),
    OutputSpec(NEW_CUSTOMERS, "customers", {"ja": "新規顧客数(受注から)",
                                            "en": "New customers from won deals"},
               {"ja": "受注件数 × 新規顧客の割合(切り捨て)。割合が空欄なら 0",
                "en": "Won deals × share that are new customers, rounded down; 0 when blank"},
               rounddown(ref(WON_DEALS) * ref(NEW_SHARE), 0)),
    OutputSpec(END_CUSTOMERS, "customers", {"ja": "期末の顧客数", "en": "Customers at year end"},
               {"ja": "維持すべき顧客数 + 新規顧客数", "en": "Customers to keep + new customers"},
               ref(MIN_RETAINED) + ref(NEW_CUSTOMERS)),
)
_OUT = {o.name: o for o in OUTPUTS}
START = {"ja": "期首顧客", "en": "Customers at start"}
KEEP = {"ja": "維持顧客", "en": "Customers kept"}
CHURN = {"ja": "解約許容", "en": "May churn"}

FIGURES = (
    FigureSpec(START, ref(START_CUSTOMERS), "customers", None, {"ja": "入力値", "en": "Input"},
               period="level"),
    FigureSpec(CHURN, _OUT[MAX_CHURNED].expr, "customers", MAX_CHURNED, _OUT[MAX_CHURNED].help),
    FigureSpec(KEEP, _OUT[MIN_RETAINED].expr, "customers", MIN_RETAINED, _OUT[MIN_RETAINED].help,
               bold=True, period="level"),
    FigureSpec(_OUT[TARGET_RETENTION].label, _OUT[TARGET_RETENTION].expr, "rate",
               TARGET_RETENTION, _OUT[TARGET_RETENTION].help, period="level"),
    FigureSpec(_OUT[NEW_CUSTOMERS].label, _OUT[NEW_CUSTOMERS].expr, "customers", NEW_CUSTOMERS,
               _OUT[NEW_CUSTOMERS].help),
    FigureSpec(_OUT[END_CUSTOMERS].label, _OUT[END_CUSTOMERS].expr, "customers", END_CUSTOMERS,
               _OUT[END_CUSTOMERS].help, period="level"),
)
# New customers arrive as deals are won: by the sales season.
SERIES = (SeriesSpec(CHURN, MAX_CHURNED, "customers", seasonal=False),
          SeriesSpec(_OUT[NEW_CUSTOMERS].label, NEW_CUSTOMERS, "customers"))
DECOMPOSITION = Decomposition(
    KEEP, MIN_RETAINED, "customers", "+",
    ((START, ref(START_CUSTOMERS), "customers"),
     ({"ja": "− 解約許容", "en": "− May churn"}, Num(0) - ref(MAX_CHURNED), "customers")),
)

_END = dt.date(2027, 3, 31)
SAMPLE_KPIS = {
    "ja": (
        Kpi("継続率(リテンション率)", "期首顧客のうち契約を継続している割合", "顧客定着", "%",
            "higher", 0.95, _END, "CS 部長", "monthly", "lagging", link=TARGET_RETENTION),
        Kpi("解約率(チャーンレート)", "期首顧客のうち解約した割合", "顧客定着", "%", "lower", 0.05,
            _END, "CS 部長", "monthly", "lagging", link=MAX_CHURN_RATE),
        Kpi("NPS", "推奨者の割合 − 批判者の割合", "顧客満足", "点", "higher", 50, _END,
            "CS マネージャー", "quarterly", "leading"),
        Kpi("オンボーディング完了率", "導入支援を期限内に完了した新規顧客の割合", "立ち上がり支援",
            "%", "higher", 0.8, _END, "オンボーディング担当", "weekly", "leading"),
    ),
    "en": (
        Kpi("Retention rate", "Share of starting customers still under contract", "Retention",
            "%", "higher", 0.95, _END, "Head of CS", "monthly", "lagging", link=TARGET_RETENTION),
        Kpi("Churn rate", "Share of starting customers that cancelled", "Retention", "%", "lower",
            0.05, _END, "Head of CS", "monthly", "lagging", link=MAX_CHURN_RATE),
        Kpi("NPS", "Promoters minus detractors", "Customer satisfaction", "点", "higher", 50, _END,
            "CS Manager", "quarterly", "leading"),
        Kpi("Onboarding completion", "New customers onboarded on time", "Fast time to value",
            "%", "higher", 0.8, _END, "Onboarding Lead", "weekly", "leading"),
    ),
}
SAMPLE_OKRS = {
    "ja": (Okr("customer_success", "顧客に選ばれ続ける", "NPS を 30 から 50 へ", "NPS", 30, 50),),
    "en": (Okr("customer_success", "Be the product customers keep", "Lift NPS from 30 to 50",
               "NPS", 30, 50),),
}

DEPARTMENT = Department(
    key="customer_success",
    prefix="CS",
    name={"ja": "カスタマーサクセス", "en": "Customer Success"},
    inputs=INPUTS,
    outputs=OUTPUTS,
    figures=FIGURES,
    series=SERIES,
    kgi=({"ja": "維持顧客数", "en": "Customers kept"}, MIN_RETAINED, "customers"),
    kgi_measure=TARGET_RETENTION,
    decomposition=DECOMPOSITION,
    sample_kpis=SAMPLE_KPIS,
    sample_okrs=SAMPLE_OKRS,
    # The churn cap and the retention target are for the year: a month's cap compounds
    # (1 − (1 − a)^(1/12)), and the allowance of customers is spread evenly, not by season.
    links={MAX_CHURN_RATE: "yearly_loss", TARGET_RETENTION: "yearly_keep",
           MAX_CHURNED: "annual_even", MIN_RETAINED: "level", START_CUSTOMERS: "level",
           NEW_CUSTOMERS: "annual", END_CUSTOMERS: "level"},
    ratio_bases={TARGET_RETENTION: START_CUSTOMERS, MAX_CHURN_RATE: START_CUSTOMERS},
)
