"""One time step of a gridded file: the time axis decoded with cftime, then selected.

Every CF calendar decodes (standard, noleap/365_day, 360_day, all_leap, julian), year 0
included. "months since" (and "years since") with whole numbers count calendar months
(years) from the origin, in any calendar; fractional months have no length and are
refused (FC-20).
"""

import re
from collections.abc import Hashable, Mapping
from typing import Any

import cftime
import numpy as np
import xarray as xr

from methanemap.errors import InputFormatError

_TIME_NAMES = {"time", "t", "date"}


def select_time(
    field: xr.DataArray,
    variables: Mapping[Hashable, xr.DataArray],
    time: int | str | None,
    where: str,
) -> tuple[xr.DataArray, str | None]:
    """`field` at one time step, and that step's label (ISO date) if it has a time.

    Parameters
    ----------
    time
        Which step: its position (int), its date ("2019-05-01", compared with the
        decoded label), or None when the file holds only one step.
    """
    dims = [d for d in field.dims if _is_time(d, variables)]
    if not dims and time is not None:
        raise InputFormatError(
            f"{where}: time {time!r} is given but the variable has no time axis; "
            "drop `time` for this input"
        )
    if not dims:
        return field, None
    if len(dims) > 1:
        raise InputFormatError(f"{where}: more than one time dimension: {dims}")

    dim = dims[0]
    labels = _labels(variables.get(dim), field.sizes[dim], where)
    _check_steps(variables.get(dim), variables, labels, where)
    index = _index(labels, field.sizes[dim], time, where)
    label = labels[index] if labels else None
    return field.isel({dim: index}), label


def _is_time(dim: Hashable, variables: Mapping[Hashable, xr.DataArray]) -> bool:
    var = variables.get(dim)
    if str(dim).lower() in _TIME_NAMES:
        return True
    if var is None:
        return False
    attrs = var.attrs
    return (
        str(attrs.get("axis", "")).upper() == "T"
        or str(attrs.get("standard_name", "")) == "time"
        or " since " in str(attrs.get("units", ""))
    )


def _labels(var: xr.DataArray | None, size: int, where: str) -> list[str]:
    """ISO labels of the time steps; empty when the axis carries no CF units."""
    if var is None or " since " not in str(var.attrs.get("units", "")):
        return []
    units = str(var.attrs["units"])
    calendar = str(var.attrs.get("calendar", "standard"))
    dates = decode_times(np.asarray(var.values), units, calendar, where)
    return [_iso(d) for d in dates]


def _check_steps(
    var: xr.DataArray | None,
    variables: Mapping[Hashable, xr.DataArray],
    labels: list[str],
    where: str,
) -> None:
    """Refuse a time axis whose steps repeat, run backwards or overlap.

    Whichever step were chosen from such an axis, another step would claim the same
    days, so no choice is safe. Overlap is judged from the CF bounds, when given.
    """
    if var is None or not labels:
        return
    values = np.asarray(var.values, dtype=np.float64)
    steps = np.diff(values)
    if np.any(steps <= 0):
        at = int(np.argmax(steps <= 0))
        what = "are the same time" if steps[at] == 0 else "run backwards"
        raise InputFormatError(
            f"{where}: time steps {at} and {at + 1} ({labels[at]}, {labels[at + 1]}) "
            f"{what}; each time step must be a period of its own, in order: fix "
            "the file's time coordinate"
        )

    bounds = variables.get(str(var.attrs.get("bounds", "")))
    if bounds is None or bounds.shape != (len(values), 2):
        return
    edges = np.asarray(bounds.values, dtype=np.float64)
    overlap = np.flatnonzero(edges[1:, 0] < edges[:-1, 1])
    if overlap.size:
        at = int(overlap[0])
        raise InputFormatError(
            f"{where}: time steps {labels[at]} and {labels[at + 1]} overlap (their "
            f"bounds {bounds.name!r} run {edges[at].tolist()} and "
            f"{edges[at + 1].tolist()} {var.attrs.get('units')}); each period must "
            "end where or before the next begins"
        )


def decode_times(
    values: np.ndarray, units: str, calendar: str, where: str = "time"
) -> list[Any]:
    """cftime datetimes of CF time `values` ("<unit> since <origin>", `calendar`)."""
    step = units.split(" since ")[0].strip().lower()
    if step in {"month", "months", "year", "years"} and calendar.lower() != "360_day":
        return _calendar_steps(values, units, calendar, where)

    try:
        found = cftime.num2date(values, units, calendar, only_use_cftime_datetimes=True)
    except (ValueError, TypeError) as exc:
        raise InputFormatError(
            f"{where}: cannot decode times {units!r} ({calendar}): {exc}"
        ) from None
    return list(np.atleast_1d(found))


def _calendar_steps(
    values: np.ndarray, units: str, calendar: str, where: str
) -> list[Any]:
    """Whole calendar months or years after the origin of `units`."""
    whole = np.round(values).astype(np.int64)

    if not np.allclose(values, whole, rtol=0, atol=1e-9):
        raise InputFormatError(
            f"{where}: times {units!r} hold fractional values; a month or a year has "
            "no fixed length, so only whole steps can be read"
        )

    origin = cftime.num2date(0, _origin_in_days(units), calendar)
    months = whole * (12 if units.lower().startswith("year") else 1)
    dates = []
    for step in months:
        year, month0 = divmod(origin.month - 1 + int(step), 12)
        dates.append(
            cftime.datetime(
                origin.year + year, month0 + 1, origin.day, calendar=calendar
            )
        )
    return dates


def _origin_in_days(units: str) -> str:
    return re.sub(r"^\s*\w+\s+since", "days since", units)


def _iso(date: Any) -> str:
    if date.hour or date.minute or date.second:
        return str(date.isoformat())
    return str(date.strftime("%Y-%m-%d"))


def _index(labels: list[str], size: int, time: int | str | None, where: str) -> int:
    if time is None:
        if size > 1:
            raise InputFormatError(
                f"{where}: {size} time steps ({_shown(labels)}); choose one with "
                "`time` (its date or position)"
            )
        return 0
    if isinstance(time, int):
        if not -size <= time < size:
            raise InputFormatError(
                f"{where}: time step {time} of {size} does not exist"
            )
        return time % size

    matches = [i for i, label in enumerate(labels) if label.startswith(time)]
    if len(matches) != 1:
        raise InputFormatError(
            f"{where}: time {time!r} matches {len(matches)} of the steps "
            f"({_shown(labels)}); give a date that names exactly one"
        )
    return matches[0]


def _shown(labels: list[str]) -> str:
    return ", ".join(labels[:6]) + (f" ... {labels[-1]}" if len(labels) > 6 else "")
