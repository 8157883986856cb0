"""Errors that reach a user as a clear message and an exit code, never as a traceback.

Every error carries its text in both languages (or was built in one known language), so the
command line can print it in the language the user asked for, with no mix of the two.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["CellProblem", "EnteredData", "KpiXlError", "OverwriteError", "PlanError", "UsageError",
           "WorkbookError"]


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
        head, tail = self._frame(lang, len(self.problems))
        return "\n".join([head] + [f"  - {p.describe(lang)}" for p in self.problems] + [tail])

    def _frame(self, lang: str, count: int) -> tuple[str, str]:
        """The lines before and after the list of problems."""
        if lang == "ja":
            return (f"計画ファイル {self.source} に {count} 件の入力エラーがあります:",
                    "修正してから再実行してください。ファイルは何も書き出していません。")
        return (f"The plan {self.source} has {count} input error{'s' if count != 1 else ''}:",
                "Correct them and run again. Nothing was written.")


@dataclass
class WorkbookError(PlanError):
    """Problems in a department workbook read back (last quarter's actuals), not in the plan."""

    def _frame(self, lang: str, count: int) -> tuple[str, str]:
        if lang == "ja":
            return (f"前四半期のブック {self.source} に {count} 件の問題があります:",
                    "修正してから再実行してください(--previous で別のフォルダも指定できます)。"
                    "ファイルは何も書き出していません。")
        return (f"Last quarter's workbook {self.source} has {count} "
                f"problem{'s' if count != 1 else ''}:",
                "Correct them and run again (or point --previous at another folder). "
                "Nothing was written.")


@dataclass(frozen=True)
class EnteredData:
    """What a workbook about to be replaced holds that a person typed (see kpi_xl.io.overwrite)."""

    path: str
    findings: tuple[dict[str, str], ...]  # each {"ja": ..., "en": ...}


class OverwriteError(KpiXlError):
    """Workbooks in the way hold entered data; nothing was written (``--force`` keeps a backup)."""

    def __init__(self, files: list[EnteredData], lang: str | None = None) -> None:
        self.files = files
        self.lang = lang  # the workbooks' language, used unless --lang says otherwise
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        lang = "ja" if lang == "ja" else "en"
        if lang == "ja":
            lines = [f"次の {len(self.files)} 個のブックには入力済みのデータがあるため、上書きしません:"]
        else:
            lines = [f"Refusing to overwrite {len(self.files)} workbook"
                     f"{'s that hold' if len(self.files) != 1 else ' that holds'} entered data:"]
        for entry in self.files:
            lines.append(f"  - {entry.path}")
            lines.extend(f"      {finding[lang]}" for finding in entry.findings)
        if lang == "ja":
            lines.append("別の --out を指定するか、--force を付けて置き換えてください(元のファイルは "
                         "日時付きのバックアップ .bak.xlsx として残します)。ファイルは何も書き出していません。")
        else:
            lines.append("Choose another --out, or add --force to replace them (each old file is "
                         "kept as a timestamped .bak.xlsx backup beside it). Nothing was written.")
        return "\n".join(lines)
