"""What a change of the cube must write: the new time axis, and which periods are added,
revised (their fingerprint changed) or removed.

The time axis is whole years, sorted and contiguous. An update keeps every year the cube
holds and adds the years asked for, before or after them; years that would leave a gap
are refused. Years added before the first move the stored chunks along (no copy), so
prepending costs what appending does. The cube is laid out afresh (every period
rewritten) when there is none yet, when it was written with another layout or other
variables, or when `ingest` asks for it.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from methanemap.errors import RecipeError
from methanemap.pipeline.periods import Period, period_of_date
from methanemap.store import CubeSnapshot
from methanemap.store.layout import (
    FINGERPRINT,
    LAYOUT_ATTR,
    LAYOUT_VERSION,
    OVERVIEW_LEVELS,
    global_total,
)


@dataclass(frozen=True)
class Plan:
    """The periods one change writes, on the new time axis `periods`.

    Attributes
    ----------
    shift
        Periods added before the first period the cube held.
    rebuild
        Why the cube is laid out afresh; empty for an incremental update.
    """

    periods: list[Period]
    added: list[Period]
    revised: list[Period]
    removed: list[Period]
    shift: int
    rebuild: str

    @property
    def rewritten(self) -> list[int]:
        """Time indices written by the change, in order."""
        chosen = set(self.added) | set(self.revised)
        return [i for i, p in enumerate(self.periods) if p in chosen]

    @property
    def changes_data(self) -> bool:
        """Whether the change writes or removes any period."""
        return bool(self.added or self.revised or self.removed or self.rebuild)


def years_to_build(
    asked: list[int], cube: CubeSnapshot | None, replace: bool
) -> list[int]:
    """The years of the new cube: those asked for, plus those held unless `replace`.

    Raises
    ------
    RecipeError
        If the years would not be contiguous.
    """
    years = set(asked)
    if cube is not None and not replace:
        years |= {p.year for p in held_periods(cube)}
    ordered = sorted(years)
    gaps = sorted(set(range(ordered[0], ordered[-1] + 1)) - years)
    if gaps:
        raise RecipeError(
            f"years {ordered} would leave a gap ({gaps}) in the cube's time axis; ask "
            f"for {ordered[0]}-{ordered[-1]} to fill it"
        )
    return ordered


def plan_change(
    cube: CubeSnapshot | None,
    new: xr.Dataset,
    periods: list[Period],
    fingerprints: npt.NDArray[np.uint64],
    replace: bool,
) -> Plan:
    """Compare the published cube with the lazy new one, period by period."""
    held = held_periods(cube) if cube is not None else []
    reason = rebuild_reason(cube, new, replace)
    added = [p for p in periods if p not in set(held)]
    removed = [p for p in held if p not in set(periods)]
    if reason:
        revised = [p for p in periods if p in set(held)]
        return Plan(periods, added, revised, removed, 0, reason)

    assert cube is not None
    stored = dict(zip(held, stored_fingerprints(cube), strict=True))
    revised = [
        p for i, p in enumerate(periods) if p in stored and stored[p] != fingerprints[i]
    ]
    shift = periods.index(held[0])
    return Plan(periods, added, revised, removed, shift, "")


def rebuild_reason(cube: CubeSnapshot | None, new: xr.Dataset, replace: bool) -> str:
    """Why the cube must be laid out afresh; empty if it can be updated in place."""
    if cube is None:
        return "new cube"
    if replace:
        return "ingest replaces the cube"
    if str(cube.ds.attrs.get(LAYOUT_ATTR)) != str(LAYOUT_VERSION):
        return f"the cube has another layout than version {LAYOUT_VERSION}"
    if cube.history is None or cube.periods is None:
        return "the cube lacks its history or periods group"
    if set(cube.overviews) != set(OVERVIEW_LEVELS):
        return "the cube lacks overview levels"

    old, now = _variables(cube.ds), _variables(new)
    if old != now:
        return f"the variables change from {old} to {now}"
    held = held_periods(cube)
    if held and held[0].number != 1:
        return "the cube does not start with a year's first period"
    return ""


def _variables(ds: xr.Dataset) -> dict[str, tuple[tuple[str, ...], str]]:
    """Each data variable's dims and type (time bounds aside: a coordinate or not)."""
    return {
        str(n): (tuple(map(str, v.dims)), str(v.dtype))
        for n, v in sorted(ds.data_vars.items())
        if n != "time_bnds"
    }


def held_periods(cube: CubeSnapshot) -> list[Period]:
    """The periods the cube holds, in order."""
    return [period_of_date(t.date()) for t in cube.ds.indexes["time"]]


def stored_fingerprints(cube: CubeSnapshot) -> npt.NDArray[np.uint64]:
    """Fingerprints of the cube's periods (0 where unknown)."""
    if cube.periods is None or FINGERPRINT not in cube.periods:
        return np.zeros(cube.ds.sizes["time"], dtype=np.uint64)
    return np.asarray(cube.periods[FINGERPRINT].values, dtype=np.uint64)


def stored_totals(cube: CubeSnapshot, names: list[str]) -> pd.DataFrame:
    """Global totals (t) of variables `names` per period, as the cube stores them."""
    table = cube.periods
    assert table is not None
    return pd.DataFrame({n: table[global_total(n)].values for n in names})


def ranges(periods: list[Period]) -> str:
    """Periods as runs, like ``2021-P01..2021-P46, 2022-P03``."""
    runs: list[list[Period]] = []
    for period in sorted(periods):
        if runs and runs[-1][-1].end == period.start:
            runs[-1].append(period)
        else:
            runs.append([period])
    return ", ".join(r[0].id if len(r) == 1 else f"{r[0].id}..{r[-1].id}" for r in runs)
