"""Errors that reach a user as a clear message and an exit code, never as a traceback."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["CellProblem", "KpiXlError", "PlanError", "UsageError"]


class KpiXlError(Exception):
    """Base of every error that kpi-xl reports to the user. ``exit_code`` is the CLI's."""

    exit_code = 2

    def message(self, lang: str = "en") -> str:
        """The text shown to the user."""
        return str(self)


class UsageError(KpiXlError):
    """A command line that cannot be carried out (bad option value, unwritable folder...)."""


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
    """A plan that cannot be used: one or more cell problems, or a file-level problem."""

    source: str
    problems: list[CellProblem] = field(default_factory=list)
    file_problem: str | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message())

    def message(self, lang: str = "en") -> str:
        if self.file_problem:
            return self.file_problem
        if lang == "ja":
            head = f"計画ファイル {self.source} に {len(self.problems)} 件の入力エラーがあります:"
            tail = "修正してから再実行してください。ファイルは何も書き出していません。"
        else:
            count = len(self.problems)
            head = f"The plan {self.source} has {count} input error{'s' if count != 1 else ''}:"
            tail = "Correct them and run again. Nothing was written."
        lines = [head] + [f"  - {p.describe(lang)}" for p in self.problems] + [tail]
        return "\n".join(lines)
