"""The user-facing text table: every key in both languages, with the same placeholders.

A message lives once per language in :data:`kpi_xl.core.i18n.TEXT`. A key that only one
language has would fall back to English in a Japanese workbook; a placeholder that only one
language names would raise (or silently drop a figure) when the text is formatted.
"""

from __future__ import annotations

import string

import pytest

from kpi_xl.core.i18n import LANGS, TEXT


def placeholders(text: str) -> set[str]:
    """The field names of a format string: "{node}: {value!r}" -> {"node", "value"}."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def test_every_language_of_the_table_is_a_supported_language() -> None:
    assert set(TEXT) == set(LANGS) == {"ja", "en"}


def test_japanese_and_english_have_exactly_the_same_keys() -> None:
    only_ja = sorted(set(TEXT["ja"]) - set(TEXT["en"]))
    only_en = sorted(set(TEXT["en"]) - set(TEXT["ja"]))
    assert (only_ja, only_en) == ([], [])


def test_each_key_has_the_same_placeholders_in_both_languages() -> None:
    differ = {key: (placeholders(TEXT["ja"][key]), placeholders(TEXT["en"][key]))
              for key in sorted(TEXT["ja"].keys() & TEXT["en"].keys())
              if placeholders(TEXT["ja"][key]) != placeholders(TEXT["en"][key])}
    assert differ == {}


@pytest.mark.parametrize("lang", LANGS)
def test_every_text_is_a_non_empty_string(lang: str) -> None:
    assert [key for key, text in TEXT[lang].items() if not (isinstance(text, str) and text)] == []
