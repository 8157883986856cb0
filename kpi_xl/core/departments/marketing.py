"""Marketing: the MQL/SQL reverse funnel (SQL → MQL → leads → visits) and channel KPIs.

Marketing owns the top of the company funnel (visits → leads → MQL → SQL) and feeds sales: its SQL
are sales' opportunities and its leads are sales' leads (kpi_xl.core.company checks that the plan
closes). Its leads are the SQL target over both conversion rates, the same figure as sales'
opportunities over the lead→opportunity rate, which is their product. Article figures: CVR 3%, 300 leads, 150 MQL and 50 SQL a month;
channel KPIs for SEO, ads (CTR, CPA), webinars and email (open and click rates).
"""

from __future__ import annotations

import datetime as dt

from kpi_xl.core.departments.base import Decomposition, Department, FigureSpec, SeriesSpec
from kpi_xl.core.departments.sales import CYCLE_MONTHS, REQUIRED_OPPS
from kpi_xl.core.expr import ref
from kpi_xl.core.funnel import stage_expr
from kpi_xl.core.kpis import Kpi, Okr
from kpi_xl.core.spec import InputSpec, OutputSpec

TARGET_SQL = "Mkt_TargetSQL"
MQL_TO_SQL = "Mkt_MqlToSqlRate"
LEAD_TO_MQL = "Mkt_LeadToMqlRate"
VISIT_TO_LEAD = "Mkt_VisitToLeadRate"
REQUIRED_MQL = "Mkt_RequiredMQL"
REQUIRED_LEADS = "Mkt_RequiredLeads"
REQUIRED_VISITS = "Mkt_RequiredVisits"
LEAD_TIME = "Mkt_CycleMonths"

_ANY = {"ja": "", "en": ""}


def _channel(channel: str, name: str, kind: str, ja: str, en: str, help_ja: str, help_en: str,
             sample: float, benchmark: str | None = None) -> InputSpec:
    """A channel input: optional, planned together with the channel's other inputs (blank: the
    channel is not planned, and the workbook says so)."""
    return InputSpec(name, kind, {"ja": ja, "en": en},
                     {"ja": f"{help_ja}(空欄ならこのチャネルは計画なし)",
                      "en": f"{help_en} (blank: channel not planned)"},
                     sample=sample, benchmark=benchmark, section="channels", required=False,
                     group=channel)


INPUTS = (
    InputSpec(TARGET_SQL, "count", {"ja": "SQL 目標(年間)", "en": "Target SQLs (annual)"},
              {"ja": "営業に引き渡す商談化リード。既定では営業の必要商談数に連動(数値を入力すると上書き)",
               "en": "Sales-qualified leads handed to sales; follows sales' required "
                     "opportunities unless you type a number"},
              sample=None, default=ref(REQUIRED_OPPS)),
    InputSpec(MQL_TO_SQL, "rate", {"ja": "MQL→SQL 率", "en": "MQL → SQL rate"},
              {"ja": "MQL のうち SQL になる割合", "en": "Share of MQLs that become SQLs"},
              sample=0.25, required=False),
    InputSpec(LEAD_TO_MQL, "rate", {"ja": "リード→MQL 率", "en": "Lead → MQL rate"},
              {"ja": "リードのうち MQL になる割合。リード→MQL 率 × MQL→SQL 率 = 営業のリード→商談率"
                     "(空欄なら営業の率から導出)",
               "en": "Share of leads that become MQLs; lead→MQL × MQL→SQL = sales' "
                     "lead→opportunity rate (blank: derived from it)"},
              sample=0.4, required=False),
    InputSpec(LEAD_TIME, "count", {"ja": "リードタイム(月)", "en": "Sales cycle (months)"},
              {"ja": "営業のリードタイム。訪問・リードの月次目標をその分前倒しします(営業と同じ値)",
               "en": "Sales' cycle; monthly visit and lead targets move that much earlier "
                     "(the same as sales')"},
              sample=None, default=ref(CYCLE_MONTHS), required=False, blank_value=0),
    InputSpec(VISIT_TO_LEAD, "rate", {"ja": "訪問→リード率(CVR)", "en": "Visit → lead rate (CVR)"},
              {"ja": "サイト訪問(セッション)のうちリードになる割合。目安 3%",
               "en": "Share of site sessions that become leads; about 3% is typical"},
              sample=0.03),
    _channel("seo", "Mkt_SeoSessions", "count", "SEO オーガニック流入(月間)", "SEO organic sessions per month",
             "検索からの月間セッション数の目標", "Monthly sessions from organic search", 30_000),
    _channel("ads", "Mkt_AdsCtr", "rate", "広告 CTR", "Ads click-through rate (CTR)",
             "広告のクリック率の目標", "Target click-through rate of paid ads", 0.01),
    _channel("ads", "Mkt_AdsCpa", "money", "広告 CPA", "Ads cost per acquisition (CPA)",
             "リード1件あたりの広告費の上限", "Most ad spend per lead", 15_000),
    _channel("webinars", "Mkt_WebinarAttendees", "count", "ウェビナー参加者数(月間)",
             "Webinar attendees per month", "月間の参加者数の目標", "Monthly attendees", 100),
    _channel("webinars", "Mkt_WebinarLeads", "count", "ウェビナー経由リード(月間)", "Webinar leads per month",
             "ウェビナーから獲得する月間リード数", "Monthly leads from webinars", 40),
    _channel("email", "Mkt_EmailOpenRate", "rate", "メール開封率", "Email open rate",
             "メールマーケティングの開封率の目標", "Target open rate of email campaigns", 0.2),
    _channel("email", "Mkt_EmailClickRate", "rate", "メールクリック率", "Email click rate",
             "メールのクリック率の目標", "Target click rate of email campaigns", 0.03),
)

OUTPUTS = (
    OutputSpec(REQUIRED_MQL, "count", {"ja": "必要 MQL 数", "en": "Required MQLs"},
               {"ja": "SQL 目標 ÷ MQL→SQL 率(切り上げ)", "en": "Target SQLs ÷ MQL→SQL rate, rounded up"},
               stage_expr(ref(TARGET_SQL), ref(MQL_TO_SQL))),
    OutputSpec(REQUIRED_LEADS, "count", {"ja": "必要リード数", "en": "Required leads"},
               {"ja": "SQL 目標 ÷ (リード→MQL 率 × MQL→SQL 率)(切り上げ)= 営業の必要リード数",
                "en": "Target SQLs ÷ (lead→MQL × MQL→SQL rate), rounded up = sales' required "
                      "leads"},
               stage_expr(ref(TARGET_SQL), ref(LEAD_TO_MQL) * ref(MQL_TO_SQL))),
    OutputSpec(REQUIRED_VISITS, "count", {"ja": "必要訪問数(セッション)", "en": "Required visits (sessions)"},
               {"ja": "必要リード数 ÷ CVR(切り上げ)", "en": "Required leads ÷ CVR, rounded up"},
               stage_expr(ref(REQUIRED_LEADS), ref(VISIT_TO_LEAD))),
)
_OUT = {o.name: o for o in OUTPUTS}
VISITS = {"ja": "訪問(セッション)", "en": "Visits"}
LEADS = {"ja": "リード", "en": "Leads"}
MQL = {"ja": "MQL", "en": "MQLs"}
SQL = {"ja": "SQL", "en": "SQLs"}

FIGURES = (
    FigureSpec(VISITS, _OUT[REQUIRED_VISITS].expr, "count", REQUIRED_VISITS, _OUT[REQUIRED_VISITS].help),
    FigureSpec(LEADS, _OUT[REQUIRED_LEADS].expr, "count", REQUIRED_LEADS, _OUT[REQUIRED_LEADS].help),
    FigureSpec(MQL, _OUT[REQUIRED_MQL].expr, "count", REQUIRED_MQL, _OUT[REQUIRED_MQL].help),
    FigureSpec(SQL, ref(TARGET_SQL), "count", None,
               {"ja": "KGI(営業の必要商談数)", "en": "The KGI (sales' required opportunities)"},
               bold=True),
)
SERIES = (
    SeriesSpec(VISITS, REQUIRED_VISITS, "count", lag_name=LEAD_TIME),
    SeriesSpec(LEADS, REQUIRED_LEADS, "count", lag_name=LEAD_TIME),
    SeriesSpec(MQL, REQUIRED_MQL, "count"),
    SeriesSpec(SQL, TARGET_SQL, "count"),
)
DECOMPOSITION = Decomposition(
    SQL, TARGET_SQL, "count", "×",
    ((VISITS, ref(REQUIRED_VISITS), "count"),
     ({"ja": "CVR", "en": "CVR"}, ref(VISIT_TO_LEAD), "rate"),
     ({"ja": "リード→MQL 率", "en": "Lead → MQL"}, ref(LEAD_TO_MQL), "rate"),
     ({"ja": "MQL→SQL 率", "en": "MQL → SQL"}, ref(MQL_TO_SQL), "rate")),
)

_END = dt.date(2027, 3, 31)
SAMPLE_KPIS = {
    "ja": (
        Kpi("月間セッション数", "Web サイトへの月間訪問数", "認知拡大", "セッション", "higher", 13889,
            _END, "Web 担当", "weekly", "leading", link=REQUIRED_VISITS),
        Kpi("月間リード獲得数", "フォーム経由で獲得したリード件数", "リード獲得", "件", "higher", 417,
            _END, "マーケティング部長", "weekly", "leading", link=REQUIRED_LEADS),
        Kpi("月間 MQL 数", "スコアリング基準を満たしたリード件数", "リード育成", "件", "higher", 167,
            _END, "ナーチャリング担当", "monthly", "leading", link=REQUIRED_MQL),
        Kpi("月間 SQL 数", "営業が受け入れた商談化リード件数", "営業引き渡し", "件", "higher", 42,
            _END, "マーケティング部長", "monthly", "lagging", link=TARGET_SQL),
    ),
    "en": (
        Kpi("Sessions per month", "Visits to the website in the month", "Awareness", "セッション",
            "higher", 13889, _END, "Web Manager", "weekly", "leading", link=REQUIRED_VISITS),
        Kpi("Leads per month", "Leads captured through forms", "Lead capture", "件", "higher", 417,
            _END, "Head of Marketing", "weekly", "leading", link=REQUIRED_LEADS),
        Kpi("MQLs per month", "Leads that met the scoring threshold", "Nurturing", "件", "higher",
            167, _END, "Nurture Manager", "monthly", "leading", link=REQUIRED_MQL),
        Kpi("SQLs per month", "Qualified leads accepted by sales", "Hand-off", "件", "higher", 42,
            _END, "Head of Marketing", "monthly", "lagging", link=TARGET_SQL),
    ),
}
SAMPLE_OKRS = {
    "ja": (Okr("marketing", "商談につながるリードを増やす", "月間 MQL を 167 件から 250 件へ",
               "月間 MQL 数", 167, 250),),
    "en": (Okr("marketing", "Feed sales with better leads", "Grow MQLs from 167 to 250 a month",
               "MQLs per month", 167, 250),),
}

DEPARTMENT = Department(
    key="marketing",
    prefix="Mkt",
    name={"ja": "マーケティング", "en": "Marketing"},
    inputs=INPUTS,
    outputs=OUTPUTS,
    figures=FIGURES,
    series=SERIES,
    kgi=({"ja": "SQL 数", "en": "SQLs"}, TARGET_SQL, "count"),
    kgi_measure=TARGET_SQL,
    decomposition=DECOMPOSITION,
    sample_kpis=SAMPLE_KPIS,
    sample_okrs=SAMPLE_OKRS,
    links={REQUIRED_VISITS: "annual", REQUIRED_LEADS: "annual", REQUIRED_MQL: "annual",
           TARGET_SQL: "annual", VISIT_TO_LEAD: "level", LEAD_TO_MQL: "level",
           MQL_TO_SQL: "level"},
    funnel=(REQUIRED_VISITS, REQUIRED_LEADS, REQUIRED_MQL, TARGET_SQL),
    measures={"traffic": REQUIRED_VISITS, "leads": REQUIRED_LEADS, "mql": REQUIRED_MQL,
              "sql": TARGET_SQL},
)
