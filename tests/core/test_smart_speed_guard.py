"""The shortcuts that keep the SMART check fast must never change what it reads.

``kpi_xl.core.textnum`` skips a deadline pattern when the text lacks the words or characters that
the pattern needs (``_TOKEN_NEEDS``, ``_HINTS``). These tests run every pattern on many texts
and check that no pattern that matches was skipped, so that a pattern added or edited without
its pre-check fails here rather than silently losing deadlines. No timings: see
``python tools/bench.py`` for speed.
"""

from __future__ import annotations

import random
import re
from datetime import date

import pytest

from kpi_xl.core import textnum
from kpi_xl.core.textnum import find_time_frames, normalize, scan_time_frames
from tools.bench import statements

from .test_smart import CASES

_FRAGMENTS = [
    "リード", "商談", "売上", "解約率", "leads", "win rate", "2025年", "3月末", "年度", "今期", "来期",
    "Q3", "FY", "by", "within", "days", "monthly", "月間", "以上", "以内", "後", "で", "の", "+", "-",
    ".", "/", " ", "\t", "2026-03-31", "March 31, 2026", "15th of June 2026", "Sept.", "前年比", "昨対",
    "end of", "the end of ", "this quarter", "next month", "year-end", "H1", "H2 2026", "EOY",
    "年度末", "上期", "下期", "今期中", "3ヶ月以内", "90日 以内", "in 6 months", "next 3 weeks",
    "every week", "per month", "/月", "/ mo", "YoY", "quarter over quarter", "第3四半期", "3Q",
    "FY2026 Q3", "1/15/2026", "2026/3/31", "2026-03", "2026.3.31", "2026年3月31日", "2026年度Q2",
    "by April", "until May 3rd", "fiscal year", "calendar year 2026", "during 2026", "2026年末",
    "年内", "期末", "毎月", "週次", "月10", "週 3", "daily", "each sprint", "per business day",
    "İn", "ı", "K", "ｑ３", "２０２６年", "100", "3", "12", "件", "%", "の", "に", "年", "月", "日",
]


def _texts() -> list[str]:
    rnd = random.Random(7)
    out = [c[0] for c in CASES] + statements(200)
    out += ["".join(rnd.choice(_FRAGMENTS) for _ in range(rnd.randint(1, 8)))
            for _ in range(3000)]
    return [normalize(t) for t in out]


def test_no_matching_deadline_pattern_is_skipped() -> None:
    missed = []
    for text in _texts():
        low = text.lower()
        todo = textnum._candidates(low, set(low))
        for i, (pattern, _handler) in enumerate(textnum._FRAME_PATTERNS):
            if pattern.search(text) is None:
                continue
            hint = textnum._HINTS.get(i)
            if not todo >> i & 1 or (hint is not None and hint.search(text) is None):
                missed.append((i, text))
    assert not missed, missed[:10]


@pytest.mark.parametrize("text", ["2026年3月末までに商談数を101件にする",
                                  "Reach 200 monthly leads by the end of Q1 2026",
                                  "ＭＱＬを２０２６年度上期中に１５０件"])
def test_scan_time_frames_reads_normalized_text_as_find_time_frames_does(text: str) -> None:
    today = date(2026, 4, 1)
    assert scan_time_frames(normalize(text), today) == find_time_frames(text, today)


def _full_guards_allow(i: int, text: str, low: str, chars: set[str]) -> bool:
    _, _, needs, any_char, any_word, hint = textnum._PLAN[i]
    return not (not needs <= textnum._features(low) or (
        any_char is not None and any_char.isdisjoint(chars)) or (
        any_word is not None and not any(word in low for word in any_word)) or (
        hint is not None and hint(text) is None))


def _fast_path_allows(i: int, text: str, low: str, chars: set[str]) -> bool:
    bit = 1 << i
    if bit & textnum._D_MASK and textnum._DIGIT.search(low) is None:
        return False
    if not bit & textnum._EXTRA_MASK:
        return True
    any_char, any_word, hint = textnum._UNIMPLIED[i]
    return not ((any_char is not None and any_char.isdisjoint(chars)) or (
        any_word is not None and not any(word in low for word in any_word)) or (
        hint is not None and hint(text) is None))


def test_fast_path_makes_the_same_skip_decisions_as_every_guard() -> None:
    # _frames() checks only the guards that _candidates() does not imply: the decisions must be
    # those of the full guards (which _frames_guarded() still applies to odd texts).
    differ = []
    for text in _texts():
        low = text.lower()
        chars = set(low)
        if not textnum._CASE_ODD.isdisjoint(chars):
            continue
        todo = textnum._candidates(low, chars)
        for i in range(len(textnum._FRAME_PATTERNS)):
            if todo >> i & 1 and (_full_guards_allow(i, text, low, chars)
                                  != _fast_path_allows(i, text, low, chars)):
                differ.append((i, text))
    assert not differ, differ[:10]


def test_result_records_compare_hash_and_print_like_frozen_dataclasses() -> None:
    from kpi_xl.core.smart import Criterion, check

    a, b = check("今期中に受注数100件", today=date(2026, 4, 1)), check(
        "今期中に受注数100件", today=date(2026, 4, 1))
    assert a == b and hash(a) == hash(b) and a is not b
    assert hash(a) == hash((a.statement, a.lang, a.kind, a.criteria, a.parsed))
    assert Criterion("S", "pass", "x") == Criterion("S", "pass", "x", "")
    assert Criterion("S", "pass", "x") != ("S", "pass", "x", "")
    assert repr(Criterion("S", "pass", "x")) == (
        "Criterion(letter='S', status='pass', reason='x', hint='')")
    frame = scan_time_frames("今期中", date(2026, 4, 1))[0]
    assert repr(frame).startswith("TimeFrame(kind='period', text='今期中', start=0, end_pos=3,")


def test_skipping_patterns_by_the_text_outside_taken_frames_loses_nothing() -> None:
    # Once a frame is taken, _frames() runs a pattern from _OUTSIDE_NEEDS only when the text
    # outside the taken spans still has what it needs; _frames_guarded() never skips that way.
    today = date(2026, 4, 1)
    differ = []
    for text in _texts():
        low = text.lower()
        chars = set(low)
        todo = textnum._candidates(low, chars)
        full = textnum._frames_guarded(text, low, chars, todo, textnum._Ctx(today, 4))
        if scan_time_frames(text, today) != full:
            differ.append(text)
    assert not differ, differ[:10]


def test_the_first_characters_of_comparators_and_changes_are_complete() -> None:
    # scan_quantities() skips _COMPARATOR_AFTER / _CHANGE_AFTER when the next character cannot
    # start them: it must be none that the patterns (ignoring case) accept first.
    chars = [chr(c) for c in range(128)] + [chr(c) for c in range(0x3040, 0xA000)]
    for pattern, first in ((textnum._COMPARATOR_AFTER, textnum._COMPARATOR_FIRST),
                           (textnum._CHANGE_AFTER, textnum._CHANGE_FIRST)):
        alternatives = pattern.pattern.replace("[ \\t]*", "").replace("(?:の)?", "").split("|")
        heads = [alt.lstrip("(").split(">", 1)[-1] if alt.startswith("(?P<") else alt.lstrip("(")
                 for alt in alternatives]
        optional = "の" if "(?:の)?" in pattern.pattern else ""
        starts = re.compile("[" + "".join(sorted({h[0] for h in heads})) + optional + "]", re.I)
        for char in chars:
            if char in " \t":
                continue
            if starts.match(char):
                assert textnum._may_start(char, first), (pattern.pattern, char)
