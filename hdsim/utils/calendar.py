"""Calendar arithmetic on ``YYYY-MM`` months, the one place hdsim counts months.

A simulation runs in monthly steps from the census month. Months are written ``YYYY-MM`` in
configurations and counted as absolute month numbers (``year * 12 + month - 1``) inside the
code, so that the distance between two months is a subtraction.
"""

from __future__ import annotations

import numpy as np


def month_number(ym: str) -> int:
    """Absolute month number of a ``YYYY-MM`` month (``year * 12 + month - 1``).

    Args:
        ym: A month written ``YYYY-MM``.

    Returns:
        The month's absolute number.
    """
    year, month = (int(v) for v in ym.split("-"))
    return year * 12 + month - 1


def month_index(start: str, month: str) -> int:
    """Months from ``start`` to ``month`` (both ``YYYY-MM``); negative if ``month`` is earlier."""
    return month_number(month) - month_number(start)


def month_after(start: str, offset: int) -> tuple[int, int]:
    """(year, month 1-12) of the month ``offset`` months after ``start`` (``YYYY-MM``)."""
    k = month_number(start) + offset
    return k // 12, k % 12 + 1


def month_label(year: int, month: int) -> str:
    """``YYYY-MM`` of a (year, month) pair."""
    return f"{year:04d}-{month:02d}"


def first_day(year: int, month: int) -> str:
    """ISO date of the first day of a month."""
    return f"{year:04d}-{month:02d}-01"


def last_day(year: int, month: int) -> str:
    """ISO date of the last day of a month."""
    first = np.datetime64(month_label(year, month))
    end = (first + np.timedelta64(1, "M")) - np.timedelta64(1, "D")
    return str(end.astype("datetime64[D]"))
