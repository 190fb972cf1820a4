"""Which periods a query asks for: one period, a start and an end, or an OGC interval.

Every query that reads values over time starts here. Bounds name periods by id
(``2022-P05``) or by an ISO date inside them, and both ends are included. One period
must be in the cube. A range is a filter, as OGC API intervals are: it selects the
cube's periods inside it, so a range reaching past the cube selects the periods it
holds, and only a range holding none of them is "not in the cube"; an open bound
(``..``) means the cube's first or last period.
"""

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from methanemap.errors import NotInCubeError, QueryError
from methanemap.pipeline.periods import Period, parse_period
from methanemap.serve.catalog import cube_periods
from methanemap.store import CubeSnapshot

SECONDS_PER_DAY = 86_400
OPEN = ".."

Default = Literal["latest", "all"]


@dataclass(frozen=True)
class TimeSpan:
    """Consecutive periods of the cube, `first` to `last` time index inclusive."""

    first: int
    last: int
    periods: tuple[Period, ...]

    @property
    def indices(self) -> slice:
        """The time indices of the span, as a slice of the cube's time axis."""
        return slice(self.first, self.last + 1)

    @property
    def count(self) -> int:
        """Number of periods."""
        return self.last - self.first + 1

    def seconds(self) -> npt.NDArray[np.float64]:
        """Length of each period in seconds."""
        return np.array([p.days * SECONDS_PER_DAY for p in self.periods], np.float64)


def select_span(
    snapshot: CubeSnapshot,
    *,
    period: str | None = None,
    start: str | None = None,
    end: str | None = None,
    datetime: str | None = None,
    default: Default = "latest",
) -> TimeSpan:
    """The periods a request names, in one of three exclusive ways.

    Parameters
    ----------
    snapshot
        An open cube version.
    period
        One period: an id like ``2022-P05`` or an ISO date inside it.
    start, end
        First and last period of a range (ids or dates, both included); either may be
        missing, meaning the cube's first or last period.
    datetime
        An OGC API interval: ``2022-01-01``, ``2022-01-01/2022-03-31``,
        ``../2022-03-31`` or ``2022-01-01/..``.
    default
        What no time parameter means: the latest period or all of them.

    Raises
    ------
    QueryError
        If a bound is malformed, two ways are mixed, or the range runs backwards.
    NotInCubeError
        If a bound names a period the cube does not hold.
    """
    held = cube_periods(snapshot)
    if not held:
        raise NotInCubeError("the cube holds no period yet", parameter="period")
    _check_one_way(period, start, end, datetime)
    bounds: tuple[str | None, str | None]
    if period is not None:
        bounds, names = (period, period), ("period", "period")
    elif datetime is not None:
        bounds, names = _interval(datetime), ("datetime", "datetime")
    elif start is not None or end is not None:
        bounds, names = (start, end), ("start", "end")
    else:
        first = 0 if default == "all" else len(held) - 1
        return TimeSpan(first, len(held) - 1, tuple(held[first:]))

    if period is not None or (datetime is not None and "/" not in datetime):
        first = last = _index(held, bounds[0], names[0])
        return TimeSpan(first, last, (held[first],))

    low = None if bounds[0] is None else _parse(bounds[0], names[0])
    high = None if bounds[1] is None else _parse(bounds[1], names[1])
    if low is not None and high is not None and high < low:
        raise QueryError(
            f"the time range runs backwards: it ends ({high.id}) before it "
            f"starts ({low.id}); give the earlier period first",
            parameter=names[1],
        )
    first = 0 if low is None else bisect_left(held, low)
    last = len(held) - 1 if high is None else bisect_right(held, high) - 1
    if first > last:
        shown = f"{low.id if low else OPEN} to {high.id if high else OPEN}"
        raise NotInCubeError(
            f"the time range {shown} holds none of the cube's periods, "
            f"{held[0].id} to {held[-1].id}; list them at /periods",
            parameter=names[0] if low is not None and low > held[-1] else names[1],
        )
    return TimeSpan(first, last, tuple(held[first : last + 1]))


def _check_one_way(
    period: str | None, start: str | None, end: str | None, datetime: str | None
) -> None:
    given = [
        name
        for name, value in (
            ("period", period),
            ("start/end", start or end),
            ("datetime", datetime),
        )
        if value is not None
    ]
    if len(given) > 1:
        raise QueryError(
            f"the periods are named twice ({' and '.join(given)}); give one period, "
            "a start and an end, or a datetime interval",
            parameter="datetime" if "datetime" in given else "period",
        )


def _interval(text: str) -> tuple[str | None, str | None]:
    parts = text.split("/")
    if len(parts) == 1:
        return _open(parts[0]), _open(parts[0])
    if len(parts) == 2 and not (parts[0] in ("", OPEN) and parts[1] in ("", OPEN)):
        return _open(parts[0]), _open(parts[1])
    raise QueryError(
        f"datetime {text!r} is not an instant or an interval with at least one "
        "bound; give 2022-01-01, 2022-01-01/2022-03-31, ../2022-03-31 or 2022-01-01/..",
        parameter="datetime",
    )


def _open(bound: str) -> str | None:
    bound = bound.strip()
    if bound in ("", OPEN):
        return None
    # An RFC 3339 date-time names the period of its date.
    return bound.split("T")[0] if "T" in bound else bound


def _parse(bound: str, name: str) -> Period:
    try:
        return parse_period(bound)
    except QueryError as error:
        message = str(error).replace("period ", f"{name} ", 1)
        raise QueryError(message, parameter=name) from None


def _index(held: list[Period], bound: str | None, name: str) -> int:
    """The index of the one period `bound` names, which the cube must hold."""
    assert bound is not None
    wanted = _parse(bound, name)
    position = bisect_left(held, wanted)
    if position < len(held) and held[position] == wanted:
        return position
    raise NotInCubeError(
        f"{name} {bound!r} ({wanted.id}) is not in the cube, which holds "
        f"{held[0].id} to {held[-1].id}; list them at /periods",
        parameter=name,
    )
