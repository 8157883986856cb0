"""SMART check of a KPI statement, in Japanese or English.

``check(statement, **context)`` reads one statement ("2025年3月末までに月間リード獲得数300件を達成する",
"300 SQLs a month by the end of Q3 2026") plus optional structured context, and judges each of
the five SMART criteria as "pass", "fail" or "unknown". Unknown never fails: a statement is OK
when no criterion failed. Reasons and hints come in the statement's language.

Judgement rules
---------------

S (specific) passes when the statement names a metric or subject: a known KPI name from the
vocabulary below (リード, 商談, 受注, 売上, 解約率, NPS, leads, MQL, win rate, churn...), or a
metric-shaped phrase (a Japanese noun ending in 数/率/額/単価/時間..., "number of X", "X rate",
"300 sign-ups"). It fails when nothing measurable is named ("頑張る", "do better"), and when
the subject is an intention rather than a measure: a verb or noun of intention (上げる, 増やす,
改善, 強化, 向上, 徹底, improve, increase, boost, better, enhance...) with no number. With
``name=`` (the KPI's own name) that judgement reads the name, whatever the target fields hold;
so "顧客満足度を上げる" fails S even with a target of 4 points, and the article's bad example
"リード獲得を増やす" fails S, M and T. The hint names a measure ("NPS", "月間リード獲得数").

M (measurable) passes when the statement holds a number (outside its deadline) that has a
unit, a percent or multiplier, a comparator (以上, at least...), or stands next to a named
metric ("NPS50以上"); or when ``target=`` gives a finite number. Otherwise it fails.

A (achievable) fails first when ``required=`` (what the plan needs for the period, with a
label) is not reached by the target (or, lower-is-better, is exceeded), naming both numbers.
Otherwise it is unknown without ``baseline``, ``history`` or ``benchmark`` (or without a
target figure to judge). Past values are the history plus the baseline; "best" is their
highest (lower-is-better: lowest). A relative target ("前四半期比50%増", "+20%", "1.5倍") is
turned into an absolute one from the baseline (else the latest history value).

- KPI (``kind="kpi"``, aims at 100% attainment):
  fails as too high when the target needs more than **1.5×** the best past value (for
  lower-is-better: best / target > 1.5); fails as too low when every past value already
  beats it (higher-is-better: target below all of them).
  With a benchmark range, fails when the target lies outside [low, high].
- OKR key result (``kind="okr_kr"``, a stretch aiming at 60-70% attainment):
  the expected attainment is best / target (lower-is-better: target / best). It fails as too
  easy at **90% or more** (the KR needs less than about 1.11× the best) and as beyond a stretch
  below **1/3** (more than 3× the best). So +50% (attainment 67%) and 2× both pass.
  With a benchmark, only the easy side fails (a KR at or below the industry range).

Percentages are aligned: a target of "20%" is compared with history or bounds given as
fractions (0.2) by scaling.

R (relevant) is unknown without ``parent``. With one, it passes when the statement's metrics
and the parent's share a family (acquisition funnel: traffic → CVR → leads → MQL → SQL →
opportunities → win rate → orders → deal size → revenue; retention: onboarding, NPS,
satisfaction, retention, churn, revenue; delivery: sprints, bugs, deploys, reviews, quality),
or, when either side names no known metric, when they share content words. Else it fails.

T (time-bound) passes when the statement holds a deadline, a period or a cadence (2025年3月末,
今期中, Q3, by March 31 2026, within 90 days, 月間, every month...; see
:mod:`kpi_xl.core.textnum`), or ``deadline=`` is a date or readable text. An unreadable
``deadline=`` text is unknown. Past deadlines are not judged. Otherwise it fails.

Direction (which way is better) comes from ``direction=``, else the statement's comparator
(以上/以下/at least/at most), else decrease words (削減, reduce...), else a benchmark's direction,
else the metric's usual direction (churn, bugs, CPA, review time: lower), else "higher".

Standard library only; regexes are compiled once at import, and the reading of a statement
is cached (a workbook recalculates the same statements over and over).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import date
from functools import lru_cache

from kpi_xl.core import benchmarks as _bm
from kpi_xl.core.i18n import LANGS, TEXT
from kpi_xl.core.textnum import (
    Quantity,
    TimeFrame,
    _Record,
    normalize,
    parse_deadline,
    parse_direction,
    parse_quantity,
    scan_quantities,
    scan_time_frames,
)

__all__ = ["Criterion", "Parsed", "SmartResult", "check", "metric_keys"]

LETTERS = "SMART"

# ---------------------------------------------------------------------------------------------
# Vocabulary: metric key -> (families, usually-better direction, Japanese aliases, English ones)
# ---------------------------------------------------------------------------------------------
_ACQ, _RET, _DEV = "acquisition", "retention", "delivery"
_METRICS: dict[str, tuple[tuple[str, ...], str, str, str]] = {
    "revenue": ((_ACQ, _RET), "higher",
                "売上高 売上 売り上げ 売上げ 収益 ARR MRR 受注金額 受注額 ブッキング",
                "revenue|sales|arr|mrr|bookings|turnover|top line"),
    "profit": ((_ACQ, _RET), "higher", "営業利益 粗利 利益率 利益",
               "profit|gross margin|margin|operating income"),
    "ltv": ((_ACQ, _RET), "higher", "LTV 顧客生涯価値", "ltv|lifetime value|clv"),
    "orders": ((_ACQ,), "higher",
               "受注数 受注件数 受注 成約数 成約件数 成約 契約数 契約件数 新規契約 契約 導入社数 導入件数",
               "order|closed deal|deals won|deals closed|deal|closed-won|win|contract|new logo"),
    "customers": ((_ACQ, _RET), "higher",
                  "新規顧客獲得 新規顧客数 新規顧客 顧客数 顧客 取引社数 会員数 有料会員 ユーザー数 ユーザー",
                  "customer|client|account|user|subscriber|paying user"),
    "win_rate": ((_ACQ,), "higher",
                 "商談→受注率 受注率 成約率 提案成功率 勝率 クロージング率 提案→受注率",
                 "win rate|close rate|closing rate|opportunity-to-order rate|opportunity to order rate"),
    "lead_to_opportunity_rate": ((_ACQ,), "higher",
                                 "リード→商談率 商談化率 商談率 商談転換率 アポ率 アポ獲得率",
                                 "lead-to-opportunity rate|lead to opportunity rate|"
                                 "opportunity rate|lead conversion rate|meeting rate"),
    "opportunities": ((_ACQ,), "higher",
                      "商談獲得数 商談数 商談件数 商談創出 商談 アポイント数 アポイント アポ数 アポ 案件数 案件 "
                      "パイプライン 提案品質 提案数 提案件数 提案 見積数 見積",
                      "opportunity|opportunities|opp|meeting|appointment|demo|pipeline|proposal|"
                      "quote"),
    "deal_size": ((_ACQ,), "higher", "平均受注単価 受注単価 平均単価 客単価 単価 ACV ARPA ARPU",
                  "average deal size|deal size|acv|arpa|arpu|average contract value|aov"),
    "leads": ((_ACQ,), "higher",
              "リード獲得数 リード数 リード獲得 新規リード リード 見込み客 見込客 問い合わせ数 問い合わせ 問合せ "
              "資料請求 ダウンロード数 CV数 コンバージョン数 獲得件数",
              "lead|inquiry|inquiries|enquiry|enquiries|sign-up|signup|registration|download|"
              "conversion"),
    "mql": ((_ACQ,), "higher", "MQL", "mql|marketing qualified lead|marketing-qualified lead"),
    "sql": ((_ACQ,), "higher", "SQL", "sql|sales qualified lead|sales-qualified lead"),
    "cvr": ((_ACQ,), "higher", "CVR コンバージョン率 CV率 転換率", "cvr|conversion rate"),
    "traffic": ((_ACQ,), "higher",
                "PV UU セッション数 セッション 訪問者数 訪問数 アクセス数 オーガニック流入数 オーガニック流入 流入数 "
                "流入 検索順位 表示回数 インプレッション フォロワー",
                "page view|pageview|pv|unique user|uu|visitor|visit|session|traffic|impression|"
                "organic traffic|search ranking|follower"),
    "ctr": ((_ACQ,), "higher", "CTR クリック率", "ctr|click-through rate|click rate"),
    "cpa": ((_ACQ,), "lower", "CPA CAC 顧客獲得単価 獲得単価 広告費 コスト 費用",
            "cpa|cac|cpl|cost per acquisition|cost per lead|acquisition cost|ad spend|cost"),
    "events": ((_ACQ,), "higher", "ウェビナー参加者数 ウェビナー 参加者数 参加者 来場者数 来場者 セミナー",
               "webinar attendee|webinar|attendee|participant|event"),
    "email": ((_ACQ,), "higher", "開封率 メルマガ メール", "open rate|email|newsletter"),
    "retention": ((_RET,), "higher",
                  "継続率 リテンション率 リテンション 契約更新率 更新率 定着率 売上継続率 NRR GRR",
                  "retention rate|retention|renewal rate|renewal|nrr|grr|net revenue retention"),
    "churn": ((_RET,), "lower", "解約率 チャーンレート チャーン率 チャーン 解約数 解約件数 解約",
              "churn rate|churn|cancellation|attrition"),
    "nps": ((_RET,), "higher", "NPS", "nps|net promoter score"),
    "csat": ((_RET,), "higher", "顧客満足度 満足度 CSAT", "csat|customer satisfaction|satisfaction"),
    "onboarding": ((_RET,), "higher",
                   "オンボーディング完了率 オンボーディング 導入完了率 活用率 利用率 アクティブ率",
                   "onboarding|activation|adoption|usage"),
    "expansion": ((_RET, _ACQ), "higher", "アップセル クロスセル エクスパンション",
                  "upsell|cross-sell|expansion"),
    "support_time": ((_RET,), "lower",
                     "問い合わせ対応時間 初回応答時間 応答時間 解決時間 対応時間",
                     "response time|resolution time|first response time"),
    "sprint": ((_DEV,), "higher",
               "スプリント完了率 スプリント ベロシティ ストーリーポイント",
               "sprint completion rate|sprint completion|sprint|velocity|story point"),
    "bugs": ((_DEV,), "lower", "バグ発生率 バグ発生件数 バグ件数 バグ数 バグ 不具合件数 不具合 障害件数 障害 インシデント",
             "bug|defect|incident|outage|regression"),
    "deploys": ((_DEV,), "higher", "デプロイ頻度 デプロイ回数 デプロイ リリース頻度 リリース回数 リリース",
                "deployment frequency|deploy frequency|deployment|deploy|release frequency|"
                "release"),
    "code_review": ((_DEV,), "lower",
                    "コードレビュー完了時間 コードレビュー時間 コードレビュー レビュー時間 レビュー",
                    "code review time|code review turnaround|code review|review time|"
                    "review turnaround|pr review|pull request review"),
    "lead_time": ((_DEV,), "lower", "開発リードタイム リードタイム サイクルタイム", "lead time|cycle time"),
    "uptime": ((_DEV, _RET), "higher", "稼働率 可用性 アップタイム", "uptime|availability"),
    "quality": ((_DEV, _RET), "higher", "品質", "quality"),
    "productivity": ((_DEV,), "higher", "開発生産性 生産性", "productivity"),
}

_ALIAS: dict[str, str] = {}
for _key, (_fam, _dir, _ja, _en) in _METRICS.items():
    for _a in _ja.split():
        _ALIAS[_a.lower()] = _key
    for _a in _en.split("|"):
        _ALIAS[_a.lower()] = _key


def _trie_pattern(words: Iterable[str]) -> str:
    """One regex for many words, shaped as a prefix tree: far faster than a flat alternation.

    Longer words win ("lead time" over "lead", "リードタイム" over "リード"): each optional tail is
    greedy and only given up when the rest of the pattern fails.
    """
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


# The leading look-ahead (the first letters of all aliases) lets most positions fail at once:
# it halves the time of this search, which runs on every statement.
_METRIC_RE = re.compile(
    "(?=[" + "".join(sorted({re.escape(alias[0]) for alias in _ALIAS})) + "])"
    r"(?<![A-Za-z])(" + _trie_pattern(_ALIAS) + r")(?:e?s)?(?![A-Za-z])", re.IGNORECASE)

# Metric-shaped phrases outside the vocabulary ("来場者数", "number of partners", "NRR rate").
_JA_CHARS = "ァ-ヴー一-龥々A-Za-z"
_GENERIC_JA = re.compile(rf"[{_JA_CHARS}]{{1,12}}?(?:件数|回数|人数|社数|比率|金額|単価|数|率|額|時間|"
                         r"コスト|費|量|スコア|レート|シェア)")
_GENERIC_EN = re.compile(r"\b(?:number|count|share|amount|volume|percentage|ratio)\s+of\s+[a-z]"
                         r"|\b[a-z]{3,}\s+(?:rate|count|score|ratio|time|volume|share)\b", re.I)
_NOT_METRIC_UNITS = frozenset(("things", "thing", "stuff", "times", "x", "%", "pt", "points", "jpy",
                               "usd", "hours", "days", "weeks", "months", "years", "円", "倍", "times",
                               "件", "回", "人", "社", "日", "か月", "週", "年", "週間", "時間", "分",
                               "秒", "点", "本", "個", "席", "ドル", "day", "week", "month", "year"))
_EXPAND_JA = re.compile(rf"[{_JA_CHARS}→・]*")
_EXPAND_JA_LEFT = re.compile(rf"[{_JA_CHARS}→・]*$")
_EN_ADJ_LEFT = re.compile(r"(?:\b(?:new|net|qualified|monthly|weekly|inbound|outbound|organic|"
                          r"paying|active|enterprise|average|customer|sales|marketing|total)\s+)+$",
                          re.I)

_JA_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_DOWN_WORDS = re.compile(r"(?=[削減低下抑短少ゼrcdlmsbufRCDLMSBUF])(?:削減|減らす|減少|低減|下げ|抑え|抑制|短縮|少なく|ゼロ|\breduc|\bcut\b|\bdecreas|"
                         r"\blower\b|\bminimi[sz]|\bshorten|\bbelow\b|\bunder\b|\bfewer\b)", re.I)


# Words of intention rather than measurement: a KPI named "顧客満足度を上げる" or "improve NPS"
# says which way to go but not what number to reach. With a figure beside them they are fine
# ("リード獲得数を月300件に増やす").
_INTENT = re.compile(
    r"上げ|上がる|増やす|増や|増加させ|改善|強化|向上|徹底|高め|伸ば|促進|活性化|底上げ|"
    r"\b(?:improv|increas|boost|better|enhanc|grow|rais|strengthen|maximi[sz])", re.IGNORECASE)
_DIGIT = re.compile(r"\d")


def is_intention(text: str) -> bool:
    """Whether ``text`` states an intention (改善, 増やす, improve...) without any number."""
    folded = normalize(text) if isinstance(text, str) else ""
    return _INTENT.search(folded) is not None and _DIGIT.search(folded) is None


def metric_keys(text: str) -> tuple[str, ...]:
    """The known metric keys named in ``text``, in order of first appearance."""
    if not isinstance(text, str):
        return ()
    seen: dict[str, None] = {}
    for match in _METRIC_RE.finditer(normalize(text)):
        seen.setdefault(_ALIAS.get(match.group(1).lower(), ""), None)
    seen.pop("", None)
    return tuple(seen)


def _families(keys: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for key in keys:
        out.update(_METRICS[key][0])
    return out


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------
class Criterion(_Record):
    """The verdict on one SMART letter: ``status`` is "pass", "fail" or "unknown". Read-only.

    These results are plain ``__slots__`` records with the equality, hash and repr of frozen
    dataclasses (a frozen dataclass costs more to build than parts of the check itself).
    """

    __match_args__ = ("letter", "status", "reason", "hint")
    __slots__ = __match_args__  # the fields, in order
    letter: str
    status: str
    reason: str
    hint: str

    def __init__(self, letter: str, status: str, reason: str, hint: str = "") -> None:
        self.letter = letter
        self.status = status
        self.reason = reason
        self.hint = hint


class Parsed(_Record):
    """What the checker read from the statement and context.

    ``target`` is the absolute target (percentages in points: 20.0 for 20%); ``growth`` is the
    factor of a relative target (1.5 for "50%増") and ``delta`` an additive one; ``deadline``
    is the last allowed day when one is known; ``time_frame`` the first deadline or period text
    and ``cadence`` the repeating unit ("month", "week"...).
    """

    __match_args__ = ("metric", "metric_key", "metrics", "target", "unit", "comparator", "growth",
                      "delta", "direction", "deadline", "time_frame", "cadence", "owner")
    __slots__ = __match_args__  # the fields, in order
    metric: str | None
    metric_key: str | None
    metrics: tuple[str, ...]
    target: float | None
    unit: str | None
    comparator: str | None
    growth: float | None
    delta: float | None
    direction: str
    deadline: date | None
    time_frame: str | None
    cadence: str | None
    owner: str | None

    def __init__(self, metric: str | None = None, metric_key: str | None = None,
                 metrics: tuple[str, ...] = (), target: float | None = None,
                 unit: str | None = None, comparator: str | None = None,
                 growth: float | None = None, delta: float | None = None,
                 direction: str = "higher", deadline: date | None = None,
                 time_frame: str | None = None, cadence: str | None = None,
                 owner: str | None = None) -> None:
        self.metric = metric
        self.metric_key = metric_key
        self.metrics = metrics
        self.target = target
        self.unit = unit
        self.comparator = comparator
        self.growth = growth
        self.delta = delta
        self.direction = direction
        self.deadline = deadline
        self.time_frame = time_frame
        self.cadence = cadence
        self.owner = owner


class SmartResult(_Record):
    """The outcome of :func:`check`: five criteria in S, M, A, R, T order and the parsed facts.

    Read-only.
    """

    __match_args__ = ("statement", "lang", "kind", "criteria", "parsed")
    __slots__ = __match_args__  # the fields, in order
    statement: str
    lang: str
    kind: str
    criteria: tuple[Criterion, ...]
    parsed: Parsed

    def __init__(self, statement: str, lang: str, kind: str, criteria: tuple[Criterion, ...],
                 parsed: Parsed) -> None:
        self.statement = statement
        self.lang = lang
        self.kind = kind
        self.criteria = criteria
        self.parsed = parsed

    @property
    def ok(self) -> bool:
        """True when no criterion failed (unknowns do not fail)."""
        return all(c.status != "fail" for c in self.criteria)

    @property
    def failed(self) -> str:
        """The failed letters in SMART order, e.g. "MT"; "" when none failed."""
        return "".join(c.letter for c in self.criteria if c.status == "fail")

    @property
    def unknown(self) -> str:
        """The letters that could not be judged, e.g. "AR"."""
        return "".join(c.letter for c in self.criteria if c.status == "unknown")

    def criterion(self, letter: str) -> Criterion:
        """The verdict on one letter ("S", "M", "A", "R" or "T")."""
        return self.criteria[LETTERS.index(letter.upper())]

    def summary(self) -> str:
        """One line: "OK", or "NG: MT — <hint of the first failed letter>"."""
        if self.ok:
            return "OK"
        first = next(c for c in self.criteria if c.status == "fail")
        return f"NG: {self.failed} — {first.hint}"


# ---------------------------------------------------------------------------------------------
# The checker
# ---------------------------------------------------------------------------------------------
def _fmt(value: float, unit: str | None = None) -> str:
    """A short display of a number with its unit: 1500000 -> "1,500,000", 0.25 -> "0.25"."""
    if not math.isfinite(value):
        text = str(value)
    elif abs(value) >= 1e15:
        text = f"{value:.3g}"
    elif value == int(value):
        text = f"{int(value):,}"
    else:
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
    if not unit:
        return text
    return f"{text}{unit}" if not unit.isascii() or unit in ("%", "x") else f"{text} {unit}"


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def _lang(statement: str, forced: object) -> str:
    if isinstance(forced, str):
        low = forced.strip().lower()
        if low in ("ja", "jp", "jpn", "japanese", "日本語"):
            return "ja"
        if low in ("en", "eng", "english", "英語"):
            return "en"
    return "ja" if _JA_SCRIPT.search(statement) else "en"


_OKR = re.compile(r"okr|(?<![a-z])kr(?![a-z])")


def _kind(value: object) -> str:
    if isinstance(value, str) and _OKR.search(value.lower()):
        return "okr_kr"
    return "kpi"


def _number(value: object) -> float | None:
    parsed = parse_quantity(value)
    return parsed[0] if parsed else None


def _history(value: object) -> list[float]:
    if value is None or isinstance(value, (str, bytes, bytearray)):
        number = _number(value) if isinstance(value, str) else None
        return [number] if number is not None else []
    if isinstance(value, Mapping):
        value = list(value.values())
    try:
        items = iter(value)  # type: ignore[call-overload]
    except TypeError:
        number = _number(value)
        return [number] if number is not None else []
    out: list[float] = []
    for count, item in enumerate(items):
        if count >= 10_000:
            break
        number = _number(item)
        if number is not None:
            out.append(number)
    return out


#: A benchmark as (low, high, bounds are fractions, the better direction or None).
_Bounds = tuple[float | None, float | None, bool, str | None]


def _bench_bounds(value: object) -> _Bounds | None:
    """(low, high, bounds are fractions, direction) from a tuple, a mapping, a key or a Benchmark."""
    if isinstance(value, str):
        value = _bm.get(value)
    if value is None:
        return None
    direction = None
    if isinstance(value, _bm.Benchmark):
        low, high, fraction, direction = value.low, value.high, value.unit == "%", value.direction
    else:
        if isinstance(value, Mapping):
            low_raw, high_raw = value.get("low"), value.get("high")
        elif isinstance(value, (tuple, list)) and len(value) == 2:
            low_raw, high_raw = value
        elif hasattr(value, "low") and hasattr(value, "high"):
            low_raw, high_raw = value.low, value.high
            direction = parse_direction(getattr(value, "direction", None))
        else:
            return None
        low_q, high_q = parse_quantity(low_raw), parse_quantity(high_raw)
        low = low_q[0] if low_q else None
        high = high_q[0] if high_q else None
        percent_given = any(q is not None and q[1] == "%" for q in (low_q, high_q))
        if percent_given:  # "20%" strings: points -> fractions
            low = low / 100 if low is not None and low_q and low_q[1] == "%" else low
            high = high / 100 if high is not None and high_q and high_q[1] == "%" else high
        bounds = [b for b in (low, high) if b is not None]
        fraction = bool(bounds) and all(abs(b) <= 1 for b in bounds)
    if low is None and high is None:
        return None
    if low is not None and high is not None and low > high:
        low, high = high, low
    return low, high, fraction, direction


def _primary(metrics: list[re.Match[str]], target_q: Quantity | None) -> re.Match[str] | None:
    if not metrics:
        return None
    if target_q is not None:
        before = [m for m in metrics if m.start() < target_q.start]
        if before:
            return before[-1]
    return metrics[0]


def _metric_phrase(text: str, match: re.Match[str], lang: str) -> str:
    if lang == "ja" or not match.group(0).isascii():
        left = _EXPAND_JA_LEFT.search(text, 0, match.start())
        right = _EXPAND_JA.match(text, match.end())
        start = left.start() if left else match.start()
        end = right.end() if right else match.end()
        return text[start:end].strip("→・") or match.group(0)
    left = _EN_ADJ_LEFT.search(text, 0, match.start())
    start = left.start() if left else match.start()
    return text[start:match.end()]


def _generic_metric(text: str, quantities: list[Quantity]) -> str | None:
    ja = _GENERIC_JA.search(text)
    if ja:
        return ja.group(0)
    en = _GENERIC_EN.search(text)
    if en:
        return en.group(0)
    for q in quantities:
        if q.unit and q.unit.lower() not in _NOT_METRIC_UNITS and q.unit.isascii():
            return q.unit
    return None


def _text_of(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        for key in ("name", "statement", "label", "title"):
            if isinstance(value.get(key), str):
                return value[key]
    name = getattr(value, "name", None)
    if isinstance(name, str):
        return name
    try:
        return str(value)
    except Exception:  # an object whose __str__ breaks reads as no text
        return ""


_TOKEN_JA = re.compile(r"[ァ-ヴー一-龥々]{2,}")
_TOKEN_EN = re.compile(r"[A-Za-z]{4,}")
_GENERIC_TOKENS = frozenset(("獲得", "向上", "達成", "増加", "強化", "改善", "目標", "指標", "月間", "年間",
                             "新規", "実現", "推進", "最大", "最大化", "拡大", "with", "that", "this",
                             "from", "increase", "improve", "achieve", "grow", "growth", "more",
                             "better", "boost", "reach", "target", "monthly", "quarter", "year"))


def _tokens(text: str) -> set[str]:
    out: set[str] = set()
    for run in _TOKEN_JA.findall(text):
        out.update(run[i:i + 2] for i in range(len(run) - 1))
    out.update(w.lower() for w in _TOKEN_EN.findall(text))
    return out - _GENERIC_TOKENS


_ONE_FIELD = re.compile(r"([^{}]*)\{[a-z_]+\}([^{}]*)")


class _Say:
    """The reasons and hints of one language (one instance per language, shared).

    The texts are the ``smart.*`` keys of :data:`kpi_xl.core.i18n.TEXT`, without the prefix.
    """

    __slots__ = ("fixed", "lang", "split", "table")

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.table = {key[len(_PREFIX):]: text for key, text in TEXT[lang].items()
                      if key.startswith(_PREFIX)}
        # Templates with a single field as (before, after): joining strings is far cheaper than
        # str.format, and gives the same text for the str values that check() fills in.
        self.split = {key: (m.group(1), m.group(2)) for key, template in self.table.items()
                      if (m := _ONE_FIELD.fullmatch(template))}
        # Verdicts whose reason and hint take no fields, built once (criteria are read-only,
        # so one instance serves every statement).
        self.fixed = {key: Criterion(letter, status, self.table[key].format(),
                                     self.table[hint].format())
                      for key, (letter, status, hint) in _FIXED_VERDICTS.items()}

    def __call__(self, key: str, **fields: object) -> str:
        return self.table[key].format(**fields)

    def example(self, metric_key: str | None) -> str:
        """An example of a measurable figure for the metric (for leads when it has none)."""
        return self.table.get(f"example.{metric_key or 'leads'}", self.table["example.leads"])


_PREFIX = "smart."
# Verdicts whose reason and hint take no fields: reason key -> (letter, status, hint key).
_FIXED_VERDICTS = {
    "S.fail": ("S", "fail", "S.hint"),
    "A.unknown": ("A", "unknown", "A.unknown.hint"),
    "A.relative": ("A", "unknown", "A.relative.hint"),
    "A.no_target": ("A", "unknown", "A.no_target.hint"),
    "R.unknown": ("R", "unknown", "R.unknown.hint"),
    "T.fail": ("T", "fail", "T.hint"),
}
_SAY = {lang: _Say(lang) for lang in LANGS}


@lru_cache(maxsize=4096)
def _read(text: str, today: date, fy_start: int) -> tuple[
        list[TimeFrame], list[Quantity], list[re.Match[str]], list[str], bool]:
    """The language-independent reading of a normalized statement, cached: a workbook
    recalculates the same statements again and again. Callers must not mutate the lists."""
    frames = scan_time_frames(text, today, fy_start)
    quantities = scan_quantities(text, tuple((f.start, f.end_pos) for f in frames))
    metric_matches = [m for m in _METRIC_RE.finditer(text) if m.group(1).lower() in _ALIAS]
    keys = list(dict.fromkeys(_ALIAS[m.group(1).lower()] for m in metric_matches))
    return frames, quantities, metric_matches, keys, _DOWN_WORDS.search(text) is not None


def check(
    statement: object,
    *,
    target: object = None,
    unit: object = None,
    deadline: object = None,
    owner: object = None,
    baseline: object = None,
    history: object = None,
    benchmark: object = None,
    direction: object = None,
    parent: object = None,
    kind: object = "kpi",
    lang: object = None,
    today: date | None = None,
    fiscal_year_start: int = 4,
    name: object = None,
    required: object = None,
    metrics: object = None,
) -> SmartResult:
    """Judge a KPI statement against the five SMART criteria.

    ``statement`` is Japanese or English text. Optional context: ``target`` (number or "20%"),
    ``unit``, ``deadline`` (date or text), ``owner``, ``baseline`` (last period's actual),
    ``history`` (past values), ``benchmark`` ((low, high), a mapping with low/high, a
    :class:`kpi_xl.core.benchmarks.Benchmark` or its key), ``direction`` ("higher"/"lower",
    "以上"/"以下"...), ``parent`` (the KSF or KGI served), ``kind`` ("kpi" or "okr_kr"),
    ``lang`` ("ja"/"en"; detected from the script otherwise), ``today`` and
    ``fiscal_year_start`` (for 今期, Q3...), ``name`` (the KPI's own name: S is judged on it,
    whatever the statement around it says) and ``required`` (``(value, label)``: what the plan
    needs the target to reach for the same period; a target short of it fails A), ``metrics``
    (more names of things to measure: a planner's own department's stages and KGI, such as
    "Hires", name a metric as the vocabulary's words do). Never raises on odd values; the module
    docstring lists the rules.
    """
    # (the usual None context values skip their readers: each gives what its reader gives None)
    raw = statement if isinstance(statement, str) else _text_of(statement)
    text = normalize(raw)
    language = ("en" if text.isascii() else _lang(text, None)) if lang is None else _lang(
        text, lang)
    say = _SAY[language]
    kind_key = "kpi" if kind.__class__ is str and kind == "kpi" else _kind(kind)
    if not isinstance(today, date):
        today = date.today()
    fy_start = _fiscal_start(fiscal_year_start)
    frames, quantities, metric_matches, keys, down_words = _read(text, today, fy_start)

    # The metric, the target figure and which way is better.
    relative, target_q = _figures(quantities, keys)
    primary = _primary(metric_matches, target_q or relative)
    metric_key = _ALIAS[primary.group(1).lower()] if primary else None
    metric_text = _metric_phrase(text, primary, language) if primary else _generic_metric(
        text, quantities)
    ctx_target = None if target is None else parse_quantity(target)
    value, value_unit = _target_value(ctx_target, unit, target_q)
    growth, delta = (None, None) if relative is None else (relative.growth, relative.delta)
    bench = None if benchmark is None else _bench_bounds(benchmark)
    comparator = (target_q.comparator if target_q else None) or (
        relative.comparator if relative else None)
    chosen_direction = _direction(direction, comparator, relative, down_words, bench,
                                  metric_key)

    # The five letters.
    subject = name if isinstance(name, str) and name.strip() else None
    if not primary and metrics:
        metric_text = _own_metric(subject or text, metrics) or metric_text
    intention = is_intention(subject) if subject is not None else (
        target_q is None and relative is None and is_intention(text))
    s = _specific(say, metric_text, intention, subject or text)
    m = _measurable(say, text, ctx_target, value_unit, target_q or relative, metric_key)
    past = [] if history is None else _history(history)
    base = None if baseline is None else _number(baseline)
    if value is None and (growth is not None or delta is not None):
        value, value_unit = _from_relative(growth, delta, base, past, value_unit)
    a = _short_of_plan(say, value, value_unit, chosen_direction, required) or _achievable(
        say, kind_key, value, value_unit, chosen_direction, past, base, bench,
        relative_only=value is None and relative is not None)
    r = say.fixed["R.unknown"] if parent is None else _relevant(say, text, keys, parent)
    t, deadline_date, frame_text = _time_bound(say, frames, deadline, today, fy_start)

    parsed = Parsed(
        metric=metric_text, metric_key=metric_key, metrics=tuple(keys), target=value,
        unit=value_unit, comparator=comparator, growth=growth, delta=delta,
        direction=chosen_direction, deadline=deadline_date, time_frame=frame_text,
        cadence=next((f.cadence for f in frames if f.cadence), None),
        owner=None if owner is None else _text_of(owner).strip() or None)
    return SmartResult(raw, language, kind_key, (s, m, a, r, t), parsed)


def _fiscal_start(value: object) -> int:
    """The fiscal year's first month (1-12), April when ``value`` is not one."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 12:
        return value
    return 4


def _figures(quantities: list[Quantity], keys: list[str]) -> tuple[Quantity | None,
                                                                   Quantity | None]:
    """(the first relative change, the target figure) among the statement's numbers.

    The target is the first absolute number with a unit or comparator; failing that, the
    first absolute number when the statement names a known metric ("NPS 50").
    """
    relative = target_q = first_absolute = None
    for q in quantities:
        if q.change:
            if relative is None:
                relative = q
        else:
            if first_absolute is None:
                first_absolute = q
            if target_q is None and (q.unit or q.comparator):
                target_q = q
    if target_q is None and keys and first_absolute is not None:
        target_q = first_absolute  # "NPS 50": a bare number beside a named metric
    return relative, target_q


def _target_value(ctx_target: tuple[float, str | None] | None, unit: object,
                  target_q: Quantity | None) -> tuple[float | None, str | None]:
    """(target, unit): ``target=`` wins over the statement's figure; ``unit=`` over theirs."""
    ctx_unit = unit.strip() if isinstance(unit, str) and unit.strip() else None
    value: float | None = None
    value_unit: str | None = None
    if ctx_target is not None:
        value, value_unit = ctx_target[0], ctx_unit or ctx_target[1]
    elif target_q is not None:
        value, value_unit = target_q.value, ctx_unit or target_q.unit
    if value_unit is None and ctx_unit:
        value_unit = ctx_unit
    return value, value_unit


def _direction(direction: object, comparator: str | None, relative: Quantity | None,
               down_words: bool, bench: _Bounds | None, metric_key: str | None) -> str:
    """Which way is better: ``direction=``, else the comparator, else decrease words, else
    the benchmark's direction, else the metric's usual one, else "higher"."""
    chosen = None if direction is None else parse_direction(direction)
    if chosen is None and comparator:
        chosen = "higher" if comparator.startswith(">") else "lower"
    if chosen is None and ((relative and relative.change == "down") or down_words):
        chosen = "lower"
    if chosen is None and bench and bench[3]:
        chosen = bench[3]
    if chosen is None and metric_key:
        chosen = _METRICS[metric_key][1]
    return chosen or "higher"


def _own_metric(text: str, names: object) -> str | None:
    """The first of ``names`` (a planner's own metrics) that ``text`` names, as ``text`` spells
    it; a plural "s" may be there or not ("Hires" matches "hire rate", "Offer" "offers")."""
    if isinstance(names, str) or not hasattr(names, "__iter__"):
        return None
    base = normalize(text)
    folded = base.casefold()
    for name in names:  # type: ignore[attr-defined]
        word = normalize(str(name or "")).strip().casefold()
        if len(word) < 2:
            continue
        stems = (word, word[:-1]) if word.endswith("s") and len(word) > 3 else (word,)
        for stem in stems:
            at = folded.find(stem)
            if at >= 0:  # as the text spells it (casefold keeps the length of these words)
                return base[at:at + len(stem)] if len(folded) == len(base) else stem
    return None


def _specific(say: _Say, metric_text: str | None, intention: bool, subject: str) -> Criterion:
    """S: passes when the statement names a metric or subject, and that subject is a measure
    rather than an intention ("顧客満足度を上げる" names no number to reach)."""
    if intention:
        keys = metric_keys(subject)
        suggestion = say.table.get(f"measure.{keys[0]}" if keys else "", say("measure.any"))
        return Criterion("S", "fail", say("S.vague", name=subject.strip()),
                         say("S.vague.hint", name=subject.strip(), suggestion=suggestion))
    if not metric_text:
        return say.fixed["S.fail"]
    before, after = say.split["S.pass"]
    return Criterion("S", "pass", before + metric_text + after)


def _measurable(say: _Say, text: str, ctx_target: tuple[float, str | None] | None,
                value_unit: str | None, shown: Quantity | None,
                metric_key: str | None) -> Criterion:
    """M: passes with ``target=`` or a figure in the statement (``shown``)."""
    if ctx_target is not None:
        before, after = say.split["M.pass_ctx"]
        return Criterion("M", "pass", before + _fmt(ctx_target[0], value_unit) + after)
    if shown is not None:
        before, after = say.split["M.pass"]
        return Criterion("M", "pass", before + text[shown.start:shown.end].strip() + after)
    return Criterion("M", "fail", say("M.fail"), say("M.hint", example=say.example(metric_key)))


def _from_relative(growth: float | None, delta: float | None, base: float | None,
                   past: list[float], unit: str | None) -> tuple[float | None, str | None]:
    """A relative target ("+50%", "1.5倍", "+20件") made absolute from the baseline, else the
    latest past value; (None, unit) when there is neither."""
    reference = base if base is not None else (past[-1] if past else None)
    if reference is None:
        return None, unit
    value = reference * growth if growth is not None else reference + (delta or 0.0)
    return value, unit or None


def _short_of_plan(say: _Say, target: float | None, unit: str | None, direction: str,
                   required: object) -> Criterion | None:
    """A fails when the target falls short of what the plan needs for the same period."""
    if target is None or not isinstance(required, tuple) or len(required) != 2:
        return None
    need, label = required
    if not isinstance(need, (int, float)) or isinstance(need, bool) or not math.isfinite(need):
        return None
    if unit == "%" and abs(target) > 1 >= abs(need):
        need = need * 100  # the target in points (20%), the plan's rate as a fraction (0.2)
    short = target < need if direction != "lower" else target > need
    if not short:
        return None
    key = "A.short" if direction != "lower" else "A.over"
    fields = {"target": _fmt(target, unit), "required": _fmt(need, unit), "figure": label}
    return Criterion("A", "fail", say(key, **fields), say(key + ".hint", **fields))


def _achievable(say: _Say, kind: str, target: float | None, unit: str | None, direction: str,
                past: list[float], base: float | None, bench: _Bounds | None,
                *, relative_only: bool) -> Criterion:
    """A: the target against past values (history and baseline), then against the benchmark;
    the first failure found is the verdict."""
    if not past and base is None and bench is None:
        return say.fixed["A.unknown"]
    if target is None:
        if relative_only:
            return say.fixed["A.relative"]
        return say.fixed["A.no_target"]
    higher = direction != "lower"
    values = past + ([base] if base is not None else [])
    # A target in points ("20%") against past values kept as fractions (0.2): scale the past.
    if unit == "%" and abs(target) > 1 and values and all(abs(v) <= 1 for v in values):
        values = [v * 100 for v in values]
    shown = _fmt(target, unit)
    failures: list[Criterion] = []
    if values:
        failures += _against_past(say, kind, target, shown, unit, higher, values)
    if bench is not None:
        failures += _against_benchmark(say, kind, target, shown, unit, higher, bench)
    if failures:
        return failures[0]
    key = "A.pass.okr" if kind == "okr_kr" else "A.pass"
    return Criterion("A", "pass", say(key, target=shown))


def _against_past(say: _Say, kind: str, target: float, shown: str, unit: str | None,
                  higher: bool, values: list[float]) -> list[Criterion]:
    """A KPI fails above 1.5× the best past value, or below every past value; a KR is judged
    by :func:`_okr_against_best`."""
    best = max(values) if higher else min(values)
    ratio = None
    if best > 0 and target > 0:
        ratio = target / best if higher else best / target
    if kind == "okr_kr":
        return _okr_against_best(say, target, shown, unit, higher, best, ratio)
    failures: list[Criterion] = []
    if ratio is not None and ratio > 1.5:
        cap = best * 1.5 if higher else best / 1.5
        failures.append(Criterion("A", "fail", say(
            "A.too_high", target=shown, best=_fmt(best, unit),
            ratio=f"{ratio:.1f}" if math.isfinite(ratio) else "∞"),
            say("A.too_high.hint", cap=_fmt(cap, unit))))
    worst = min(values) if higher else max(values)
    if (target < worst) if higher else (target > worst):
        failures.append(Criterion("A", "fail", say(
            "A.too_low", target=shown, edge=_fmt(worst, unit)),
            say("A.too_low.hint", last=_fmt(values[-1], unit))))
    return failures


def _okr_against_best(say: _Say, target: float, shown: str, unit: str | None, higher: bool,
                      best: float, ratio: float | None) -> list[Criterion]:
    """A KR fails as too easy at an expected attainment (best / target) of 90% or more, and as
    beyond a stretch below 1/3."""
    if ratio is not None and math.isfinite(ratio):
        attain = 1 / ratio
        stretch = best * 1.5 if higher else best / 1.5
        if attain >= 0.9:
            return [Criterion("A", "fail", say(
                "A.okr_easy", target=shown, best=_fmt(best, unit), attain=_pct(attain)),
                say("A.okr_easy.hint", stretch=_fmt(stretch, unit)))]
        if ratio > 3:
            return [Criterion("A", "fail", say(
                "A.okr_far", target=shown, best=_fmt(best, unit), ratio=f"{ratio:.1f}",
                attain=_pct(attain)), say("A.okr_far.hint", stretch=_fmt(stretch, unit)))]
        return []
    if (target <= best) if higher else (target >= best):
        return [Criterion("A", "fail", say(
            "A.okr_easy", target=shown, best=_fmt(best, unit), attain="100%"),
            say("A.okr_easy.hint", stretch=_fmt(best * 1.5 if higher else best / 1.5, unit)))]
    return []


def _against_benchmark(say: _Say, kind: str, target: float, shown: str, unit: str | None,
                       higher: bool, bench: _Bounds) -> list[Criterion]:
    """Beyond the industry range fails as too hard (KPIs only: a KR may stretch), short of it
    as too easy."""
    low, high, fraction, _ = bench
    compared = target
    if fraction and (unit == "%" or (unit is None and 1 < abs(target) <= 100)):
        compared = target / 100
    scale_unit = "%" if fraction else unit
    shown_range = _range_text(low, high, fraction, scale_unit)
    above = high is not None and compared > high
    below = low is not None and compared < low
    hard, easy = (above, below) if higher else (below, above)
    failures: list[Criterion] = []
    if hard and kind != "okr_kr":
        failures.append(Criterion("A", "fail", say("A.bench_high", target=shown,
                                                   range=shown_range),
                                  say("A.bench_high.hint", range=shown_range)))
    if easy:
        failures.append(Criterion("A", "fail", say("A.bench_low", target=shown,
                                                   range=shown_range),
                                  say("A.bench_low.hint", range=shown_range)))
    return failures


def _range_text(low: float | None, high: float | None, fraction: bool, unit: str | None) -> str:
    def one(v: float) -> str:
        return _fmt(round(v * 100, 6), "%") if fraction else _fmt(v, unit)

    if low is not None and high is not None:
        return f"{one(low)}–{one(high)}"
    if low is not None:
        return f"≥{one(low)}"
    assert high is not None
    return f"≤{one(high)}"


def _relevant(say: _Say, text: str, keys: list[str], parent: object) -> Criterion:
    parent_text = normalize(_text_of(parent)).strip()
    if not parent_text:
        return say.fixed["R.unknown"]
    parent_keys = metric_keys(parent_text)
    shown = parent_text if len(parent_text) <= 40 else parent_text[:39] + "…"
    if keys and parent_keys:
        related = bool(_families(keys) & _families(parent_keys))
    else:
        related = bool(_tokens(text) & _tokens(parent_text))
    if related:
        return Criterion("R", "pass", say("R.pass", parent=shown))
    family = sorted(_families(parent_keys)) or [_ACQ]
    example = say.table[f"family.{family[0]}"]
    return Criterion("R", "fail", say("R.fail", parent=shown),
                     say("R.fail.hint", parent=shown, example=example))


def _time_bound(say: _Say, frames: list[TimeFrame], deadline: object, today: date,
                fy_start: int) -> tuple[Criterion, date | None, str | None]:
    if frames:
        frame, first_end = frames[0], None
        for f in frames:
            if f.end is not None:
                frame, first_end = f, f.end
                break
        ctx_date = parse_deadline(deadline, today, fy_start) if deadline is not None else None
        before, after = say.split["T.pass"]
        return (Criterion("T", "pass", before + frame.text + after),
                ctx_date or first_end, frame.text)
    if deadline is None or (isinstance(deadline, str) and not deadline.strip()):
        return say.fixed["T.fail"], None, None
    ctx_date = parse_deadline(deadline, today, fy_start)
    if ctx_date is not None:
        return (Criterion("T", "pass", say("T.pass_ctx", frame=ctx_date.isoformat())),
                ctx_date, ctx_date.isoformat())
    shown = _text_of(deadline)[:40]
    return (Criterion("T", "unknown", say("T.unknown", frame=shown), say("T.unknown.hint")),
            None, shown or None)
