"""Errors that reach a user as a clear message and an exit code, never as a traceback.

Every error carries its text in both languages (or was built in one known language), so the
command line can print it in the language the user asked for, with no mix of the two.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["CellProblem", "KpiXlError", "PlanError", "UsageError"]


class KpiXlError(Exception):
    """Base of every error that kpi-xl reports to the user. ``exit_code`` is the CLI's."""

    exit_code = 2
    #: The language the error's details were written in, when they exist in one language only.
    lang: str | None = None

    def message(self, lang: str = "en") -> str:
        """The text shown to the user."""
        return str(self)


class UsageError(KpiXlError):
    """A command line that cannot be carried out (bad option value, unwritable folder...).

    ``UsageError(en, ja)``: the message in English and, optionally, in Japanese.
    """

    def __init__(self, en: str, ja: str | None = None) -> None:
        super().__init__(en)
        self.texts = {"en": en, "ja": ja or en}

    def message(self, lang: str = "en") -> str:
        return self.texts.get(lang, self.texts["en"])


@dataclass(frozen=True)
class CellProblem:
    """One bad input: where it is, what was found, and what was expected."""

    sheet: str
    cell: str
    name: str
    label: str
    found: str
    expected: str

    def describe(self, lang: str = "en") -> str:
        """One line naming the sheet, the cell, the input, what was found and what is expected."""
        if lang == "ja":
            return (f"シート「{self.sheet}」セル {self.cell}({self.label} / {self.name}): "
                    f"{self.found}。{self.expected}")
        return (f"Sheet '{self.sheet}', cell {self.cell} ({self.label} / {self.name}): "
                f"{self.found}; {self.expected}")


@dataclass
class PlanError(KpiXlError):
    """A plan that cannot be used: one or more cell problems, or a file-level problem.

    ``problems`` were written in ``lang`` (labels, what was found, what is expected), so the
    message around them uses the same language whatever is asked. ``file_problem`` maps a
    language to the text of a file-level problem (missing file, not an .xlsx...).
    """

    source: str
    problems: list[CellProblem] = field(default_factory=list)
    file_problem: dict[str, str] | None = None
    lang: str | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message(self.lang or "en"))

    def message(self, lang: str = "en") -> str:
        if self.file_problem:
            return self.file_problem.get(lang) or self.file_problem["en"]
        lang = self.lang or lang
        count = len(self.problems)
        if lang == "ja":
            head = f"計画ファイル {self.source} に {count} 件の入力エラーがあります:"
            tail = "修正してから再実行してください。ファイルは何も書き出していません。"
        else:
            head = f"The plan {self.source} has {count} input error{'s' if count != 1 else ''}:"
            tail = "Correct them and run again. Nothing was written."
        lines = [head] + [f"  - {p.describe(lang)}" for p in self.problems] + [tail]
        return "\n".join(lines)
