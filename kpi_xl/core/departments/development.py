"""Development: deliver reliably. Sprint completion ≥ 90%, ≤ 10 bugs a month, ≥ 2 deploys a
week, code review within 24 hours."""

from __future__ import annotations

import datetime as dt

from kpi_xl.core.departments.base import Decomposition, Department, FigureSpec, SeriesSpec
from kpi_xl.core.expr import Num, ref
from kpi_xl.core.kpis import Kpi, Okr
from kpi_xl.core.spec import InputSpec, OutputSpec

DEPLOYS_PER_WEEK = "Dev_DeploysPerWeek"
DEPLOYS_PER_QUARTER = "Dev_DeploysPerQuarter"
DEPLOYS_PER_YEAR = "Dev_DeploysPerYear"
WEEKS_PER_QUARTER = 13  # 52 weeks / 4

INPUTS = (
    InputSpec(DEPLOYS_PER_WEEK, "times", {"ja": "週あたりデプロイ回数", "en": "Deploys per week"},
              {"ja": "本番環境へのリリース頻度の目標。目安 週2回以上",
               "en": "Releases to production per week; aim for 2 or more"},
              sample=2, benchmark="deploys_per_week"),
)
OUTPUTS = (
    OutputSpec(DEPLOYS_PER_QUARTER, "times", {"ja": "四半期デプロイ回数", "en": "Deploys per quarter"},
               {"ja": "週あたりデプロイ回数 × 13 週", "en": "Deploys per week × 13 weeks"},
               ref(DEPLOYS_PER_WEEK) * Num(WEEKS_PER_QUARTER)),
    OutputSpec(DEPLOYS_PER_YEAR, "times", {"ja": "年間デプロイ回数", "en": "Deploys per year"},
               {"ja": "四半期デプロイ回数 × 4", "en": "Deploys per quarter × 4"},
               ref(DEPLOYS_PER_QUARTER) * Num(4)),
)
_OUT = {o.name: o for o in OUTPUTS}
WEEK = {"ja": "週あたりデプロイ", "en": "Deploys per week"}
QUARTER = {"ja": "四半期デプロイ", "en": "Deploys per quarter"}
YEAR = {"ja": "年間デプロイ", "en": "Deploys per year"}

FIGURES = (
    FigureSpec(QUARTER, _OUT[DEPLOYS_PER_QUARTER].expr, "times", DEPLOYS_PER_QUARTER,
               _OUT[DEPLOYS_PER_QUARTER].help, bold=True, period="quarter"),
    FigureSpec(YEAR, _OUT[DEPLOYS_PER_YEAR].expr, "times", DEPLOYS_PER_YEAR,
               _OUT[DEPLOYS_PER_YEAR].help),
)
# Engineering cadence: deploys are spread evenly, not by the sales season.
SERIES = (SeriesSpec(YEAR, DEPLOYS_PER_YEAR, "times", seasonal=False),)
DECOMPOSITION = Decomposition(
    QUARTER, DEPLOYS_PER_QUARTER, "times", "×",
    ((WEEK, ref(DEPLOYS_PER_WEEK), "times"), ({"ja": "週数(13 週)", "en": "Weeks (13)"}, Num(WEEKS_PER_QUARTER),
                                          "general")),
)

_END = dt.date(2027, 3, 31)
SAMPLE_KPIS = {
    "ja": (
        Kpi("スプリント完了率", "計画したストーリーポイントのうち完了した割合", "計画どおりの開発",
            "%", "higher", 0.9, _END, "開発部長", "weekly", "leading"),
        Kpi("月間バグ発生件数", "本番環境で見つかった不具合の件数", "品質", "件", "lower", 10, _END,
            "QA リーダー", "monthly", "lagging"),
        Kpi("月間デプロイ回数", "本番環境へのリリース回数", "リリース頻度", "回", "higher", 9, _END,
            "テックリード", "weekly", "leading", link=DEPLOYS_PER_QUARTER),
        Kpi("コードレビュー完了時間", "レビュー依頼から承認までの平均時間", "リリース頻度", "時間",
            "lower", 24, _END, "テックリード", "weekly", "leading"),
    ),
    "en": (
        Kpi("Sprint completion", "Share of planned story points completed", "Predictable delivery",
            "%", "higher", 0.9, _END, "Head of Engineering", "weekly", "leading"),
        Kpi("Bugs per month", "Defects found in production", "Quality", "件", "lower", 10, _END,
            "QA Lead", "monthly", "lagging"),
        Kpi("Deploys per month", "Releases to production", "Release frequency", "回", "higher", 9,
            _END, "Tech Lead", "weekly", "leading", link=DEPLOYS_PER_QUARTER),
        Kpi("Code review time", "Average hours from review request to approval",
            "Release frequency", "時間", "lower", 24, _END, "Tech Lead", "weekly", "leading"),
    ),
}
SAMPLE_OKRS = {
    "ja": (Okr("development", "早く安全に届ける", "デプロイを週 2 回から週 4 回へ",
               "月間デプロイ回数", 9, 18),),
    "en": (Okr("development", "Ship faster, safely", "Go from 2 to 4 deploys a week",
               "Deploys per month", 9, 18),),
}

DEPARTMENT = Department(
    key="development",
    prefix="Dev",
    name={"ja": "開発", "en": "Development"},
    inputs=INPUTS,
    outputs=OUTPUTS,
    figures=FIGURES,
    series=SERIES,
    kgi=({"ja": "四半期デプロイ回数", "en": "Deploys per quarter"}, DEPLOYS_PER_QUARTER, "times"),
    kgi_measure=DEPLOYS_PER_QUARTER,
    decomposition=DECOMPOSITION,
    sample_kpis=SAMPLE_KPIS,
    sample_okrs=SAMPLE_OKRS,
    links={DEPLOYS_PER_QUARTER: "quarter", DEPLOYS_PER_YEAR: "annual_even"},
)
