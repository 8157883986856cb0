"""Errors that reach a user as a clear message and an exit code, never as a traceback.

Every error carries its text in both languages (or was built in one known language), so the
command line can print it in the language the user asked for, with no mix of the two.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kpi_xl.core.i18n import t

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

    ``UsageError.text(key, **values)``: the message is the text table's ``key``
    (:mod:`kpi_xl.core.i18n`), told in whichever language is asked. ``UsageError(en, ja)`` gives
    the two texts directly (for details that exist in one language only, such as an OS error).
    """

    def __init__(self, en: str, ja: str | None = None) -> None:
        super().__init__(en)
        self.texts = {"en": en, "ja": ja or en}

    @classmethod
    def text(cls, key: str, **values: object) -> UsageError:
        """The error whose message is ``key`` of the text table, in either language."""
        return cls(t("en", key, **values), t("ja", key, **values))

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
        return t(lang, "error.cell_problem", sheet=self.sheet, cell=self.cell, label=self.label,
                 name=self.name, found=self.found, expected=self.expected)


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
        return (t(lang, "error.plan_head" if count == 1 else "error.plan_head_many",
                  source=self.source, count=count), t(lang, "error.plan_tail"))


@dataclass
class WorkbookError(PlanError):
    """Problems in a department workbook read back (last quarter's actuals), not in the plan."""

    def _frame(self, lang: str, count: int) -> tuple[str, str]:
        return (t(lang, "error.workbook_head" if count == 1 else "error.workbook_head_many",
                  source=self.source, count=count), t(lang, "error.workbook_tail"))


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
        count = len(self.files)
        lines = [t(lang, "error.overwrite_head" if count == 1 else "error.overwrite_head_many",
                   count=count)]
        for entry in self.files:
            lines.append(f"  - {entry.path}")
            lines.extend(f"      {finding[lang]}" for finding in entry.findings)
        lines.append(t(lang, "error.overwrite_tail"))
        return "\n".join(lines)
