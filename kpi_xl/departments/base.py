"""What a department is: its inputs, formula outputs, labels, and how its workbook is built."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kpi_xl.spec import InputSpec, OutputSpec, Text

if TYPE_CHECKING:
    from kpi_xl.writer.context import BuildContext

__all__ = ["Department"]


@dataclass(frozen=True)
class Department:
    """A department's data. Adding a department means writing one of these and registering it."""

    key: str  # file names contain it: sales, marketing, customer_success, development
    prefix: str  # defined-name prefix: Sales_, Mkt_, CS_, Dev_
    name: Text
    inputs: tuple[InputSpec, ...]
    outputs: tuple[OutputSpec, ...]
    build: Callable[[BuildContext], None]
    labels: dict[str, Text] = field(default_factory=dict)

    def label(self, lang: str, key: str) -> str:
        """A department-specific label in ``lang``."""
        return self.labels[key][lang]

    def input(self, name: str) -> InputSpec:
        """The input spec with this defined name."""
        for spec in self.inputs:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def output(self, name: str) -> OutputSpec:
        """The output spec with this defined name."""
        for spec in self.outputs:
            if spec.name == name:
                return spec
        raise KeyError(name)
