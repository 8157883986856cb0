"""Excel's arithmetic where it differs from Python's, mirrored exactly (standard library only).

Excel keeps 15 significant digits. Before ROUNDUP and ROUNDDOWN look at a number it is cut to
15 significant digits, so ``=ROUNDUP(145/0.29,0)`` is 500 in Excel and LibreOffice although the
double 145/0.29 is 500.00000000000006 and ``math.ceil`` gives 501. A core that caches values for
Excel formulas must round the same way, or cached and recalculated values disagree.

References:
- ROUNDUP: https://support.microsoft.com/office/roundup-function-f8bc9b23-e795-47db-8703-db171d0c42a7
  rounds away from zero.
- ROUNDDOWN: https://support.microsoft.com/office/rounddown-function-2ec94c73-241f-4b01-8c6f-17e6d7968f53
  rounds toward zero.
- ROUND: https://support.microsoft.com/office/round-function-c018c5d8-40fb-4053-90b1-b3e7f61a213b
  rounds half away from zero.
"""

from __future__ import annotations

import math
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

__all__ = ["excel_round", "excel_rounddown", "excel_roundup", "to_15_digits"]

_SIGNIFICANT_DIGITS = 15


def to_15_digits(value: float) -> Decimal:
    """The decimal number Excel sees: ``value`` cut to 15 significant digits."""
    if value == 0 or not math.isfinite(value):
        return Decimal(0) if value == 0 else Decimal(value)
    # '.14e' keeps one digit before the point and 14 after: 15 significant digits.
    return Decimal(format(value, f".{_SIGNIFICANT_DIGITS - 1}e"))


def _round(value: float, digits: int, mode: str) -> float:
    if not math.isfinite(value):
        raise ValueError(f"cannot round {value!r}")
    quantum = Decimal(1).scaleb(-int(digits))
    return float(to_15_digits(value).quantize(quantum, rounding=mode))


def excel_roundup(value: float, digits: int = 0) -> float:
    """Excel's ROUNDUP: away from zero to ``digits`` decimals, after the 15-digit cut."""
    return _round(value, digits, ROUND_UP)


def excel_rounddown(value: float, digits: int = 0) -> float:
    """Excel's ROUNDDOWN: toward zero to ``digits`` decimals, after the 15-digit cut."""
    return _round(value, digits, ROUND_DOWN)


def excel_round(value: float, digits: int = 0) -> float:
    """Excel's ROUND: half away from zero to ``digits`` decimals, after the 15-digit cut."""
    return _round(value, digits, ROUND_HALF_UP)
