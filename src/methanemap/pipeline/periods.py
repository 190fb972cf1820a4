"""8-day periods: the time axis of every cube.

A year has 46 periods starting on days 1, 9, 17, ... 361 of the year. The last one runs
to 31 December (5 days, 6 in a leap year); no period crosses a year end. A period's id
is ``YYYY-Pnn`` with ``nn`` from 01 to 46.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from methanemap.errors import QueryError

PERIOD_DAYS = 8
PERIODS_PER_YEAR = 46
_ID = re.compile(r"^(\d{4})-P(\d{2})$")


@dataclass(frozen=True, order=True)
class Period:
    """One 8-day period: `start` inclusive, `end` exclusive."""

    year: int
    number: int

    @property
    def id(self) -> str:
        return f"{self.year}-P{self.number:02d}"

    @property
    def start(self) -> date:
        return date(self.year, 1, 1) + timedelta(days=PERIOD_DAYS * (self.number - 1))

    @property
    def end(self) -> date:
        if self.number == PERIODS_PER_YEAR:
            return date(self.year + 1, 1, 1)
        return self.start + timedelta(days=PERIOD_DAYS)

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def periods_of_year(year: int) -> list[Period]:
    """The 46 periods of `year`, in order."""
    return [Period(year, n) for n in range(1, PERIODS_PER_YEAR + 1)]


def periods_of_years(years: list[int]) -> list[Period]:
    """The periods of several whole years, in order."""
    return [p for y in sorted(years) for p in periods_of_year(y)]


def period_of_date(day: date) -> Period:
    """The period that contains `day`."""
    number = min((day.timetuple().tm_yday - 1) // PERIOD_DAYS + 1, PERIODS_PER_YEAR)
    return Period(day.year, number)


def parse_period(text: str) -> Period:
    """A period from its id (``2022-P05``) or from an ISO date inside it."""
    match = _ID.match(text.strip())
    if match:
        year, number = int(match[1]), int(match[2])
        if not 1 <= number <= PERIODS_PER_YEAR:
            raise QueryError(
                f"period {text!r} has number {number}; allowed are 01 to 46",
                parameter="period",
            )
        return Period(year, number)
    try:
        return period_of_date(date.fromisoformat(text.strip()))
    except ValueError:
        raise QueryError(
            f"period {text!r} is neither a period id like 2022-P05 nor an ISO date "
            "like 2022-02-03",
            parameter="period",
        ) from None


def time_coords(periods: list[Period]) -> tuple[np.ndarray, np.ndarray]:
    """CF time values (period starts) and time bounds ``[start, end)`` as datetime64."""
    starts = pd.to_datetime([p.start for p in periods]).to_numpy("datetime64[ns]")
    ends = pd.to_datetime([p.end for p in periods]).to_numpy("datetime64[ns]")
    return starts, np.stack([starts, ends], axis=1)


def year_fraction(periods: list[Period]) -> np.ndarray:
    """Each period's share of its year (days in period / days in year)."""
    days = np.array([p.days for p in periods], dtype=np.float64)
    year_days = np.array(
        [(date(p.year + 1, 1, 1) - date(p.year, 1, 1)).days for p in periods],
        dtype=np.float64,
    )
    return days / year_days
