"""Versions of the cube as the API shows them: the list, and what changed between two.

A diff compares two versions period by period, from the per-period totals each version
stores (no grid is read): periods added or removed, and periods revised, that is held by
both with another fingerprint or other totals, with each sector's change in tonnes.
"""

import math
from typing import TypedDict

import numpy as np
import pandas as pd

from methanemap.serve.catalog import cube_periods, cube_sectors
from methanemap.store import CubeSnapshot, VersionInfo, list_versions
from methanemap.store.layout import FINGERPRINT, global_total
from methanemap.store.schema import EMISSION_UNITS, variable


class VersionEntry(TypedDict):
    """One published version: its id, when it was committed, what it changed."""

    id: str
    time: str
    message: str
    tags: list[str]
    parent: str | None


class PeriodTotals(TypedDict):
    """A period and each sector's global total in it (t)."""

    period: str
    totals: dict[str, float | None]


class SectorChange(TypedDict):
    """One sector's global total in a period, before and after (t; None: no data)."""

    before: float | None
    after: float | None
    change: float | None
    change_percent: float | None


class PeriodRevision(TypedDict):
    """A period held by both versions whose inputs or totals differ."""

    period: str
    fingerprint_changed: bool
    sectors: dict[str, SectorChange]


class VersionDiff(TypedDict):
    """What changed from version ``base`` to version ``target``."""

    base: str
    target: str
    units: str
    added: list[PeriodTotals]
    removed: list[PeriodTotals]
    revised: list[PeriodRevision]
    unchanged: int


def versions(location: str) -> list[VersionEntry]:
    """Every published version of the cube at `location`, newest first."""
    return [version_entry(info) for info in list_versions(location)]


def version_entry(info: VersionInfo) -> VersionEntry:
    """The API view of one version."""
    return {
        "id": info.id,
        "time": info.time.isoformat(timespec="seconds"),
        "message": info.message,
        "tags": list(info.tags),
        "parent": info.parent,
    }


def version_diff(base: CubeSnapshot, target: CubeSnapshot) -> VersionDiff:
    """Periods added, removed and revised from `base` to `target`, with each sector's
    change in global total (t).

    Raises
    ------
    NotImplementedError
        If a version predates the per-period totals (written without them).
    """
    before, after = period_table(base), period_table(target)
    sectors = [s for s in after.columns if s in before.columns and s != FINGERPRINT]
    both = before.index.intersection(after.index)

    revised: list[PeriodRevision] = []
    for period in both:
        changed = before.at[period, FINGERPRINT] != after.at[period, FINGERPRINT]
        moved = {s: _change(before.at[period, s], after.at[period, s]) for s in sectors}
        if changed or any(c["change"] != 0.0 for c in moved.values()):
            revised.append(
                {
                    "period": str(period),
                    "fingerprint_changed": bool(changed),
                    "sectors": moved,
                }
            )

    return {
        "base": base.version,
        "target": target.version,
        "units": EMISSION_UNITS,
        "added": _totals(after.loc[after.index.difference(before.index)], sectors),
        "removed": _totals(before.loc[before.index.difference(after.index)], sectors),
        "revised": revised,
        "unchanged": len(both) - len(revised),
    }


def period_table(snapshot: CubeSnapshot) -> pd.DataFrame:
    """Per period id: the fingerprint and each sector's global total (t)."""
    table = snapshot.periods
    if table is None:
        raise NotImplementedError(
            f"cube version {snapshot.version} has no per-period totals (it was written "
            "before versioned layouts); only later versions can be compared"
        )
    columns = {FINGERPRINT: np.asarray(table[FINGERPRINT].values, dtype=np.uint64)}
    for sector in cube_sectors(snapshot):
        columns[sector] = np.asarray(table[global_total(variable(sector))].values)
    ids = [p.id for p in cube_periods(snapshot)]
    return pd.DataFrame(columns, index=pd.Index(ids, name="period"))


def _change(before: float, after: float) -> SectorChange:
    """The change of one total; NaN (a period with missing data) becomes None."""
    old, new = _number(before), _number(after)
    if old is None or new is None:
        same = old is None and new is None
        return {
            "before": old,
            "after": new,
            "change": 0.0 if same else None,
            "change_percent": None,
        }
    change = new - old
    return {
        "before": old,
        "after": new,
        "change": change,
        "change_percent": 100 * change / old if old else None,
    }


def _number(value: float) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


def _totals(table: pd.DataFrame, sectors: list[str]) -> list[PeriodTotals]:
    return [
        {"period": str(p), "totals": {s: _number(table.at[p, s]) for s in sectors}}
        for p in sorted(table.index)
    ]
