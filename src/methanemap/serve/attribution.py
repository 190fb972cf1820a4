"""The cube's attribution, indexed for queries: totals of any area without reading the
grid, and their uncertainty by the one rule of `methanemap.uncertainty`.

A cell's value in period ``t`` is the sum over its entries ``e`` of
``annual[e] * weight[unit[e], t]``, exactly as the cube was built. So the mass of an
area is ``sum_u M_u * weight[u, t]`` with ``M_u`` the shares of the unit's entries
inside the area times their base-year mass: a few array operations on the entries,
whatever the number of periods. Each cube version is indexed once (entries sorted by
cell) and kept while the process runs.
"""

import json
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from methanemap import uncertainty
from methanemap.serve.catalog import cube_grid
from methanemap.serve.geometry import Area
from methanemap.serve.versioncache import VersionCache
from methanemap.store import CubeSnapshot
from methanemap.store.schema import SECTORS
from methanemap.uncertainty import UnitMoments

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Cube versions whose index is kept (one takes about 100 MB for the default cube).
KEPT_VERSIONS = 2


@dataclass(frozen=True)
class SectorEntries:
    """The (unit, cell) entries of one sector, sorted by cell.

    Attributes
    ----------
    sector
        coal, oil or gas.
    cell
        Cell id of each entry (``row * nlon + col``, rows from the south), ascending.
    row, col
        Row and column of each entry's cell.
    unit
        Index of each entry's unit into `units`.
    annual
        Base-year mass of each entry (t).
    uniform
        Whether the country-uniform fallback placed the entry.
    weight
        Per unit and period of the cube, the multiplier of the base-year mass.
    units
        Unit names: ISO3 codes for countries, group names for remainder groups.
    """

    sector: str
    cell: IntArray
    row: IntArray
    col: IntArray
    unit: IntArray
    annual: FloatArray
    uniform: npt.NDArray[np.bool_]
    weight: FloatArray
    units: tuple[str, ...]

    def rows(self, first: int, stop: int) -> slice:
        """The entries whose cells lie in rows ``first`` to ``stop - 1``."""
        low, high = np.searchsorted(self.row, [first, stop])
        return slice(int(low), int(high))

    def moments(
        self, share: FloatArray, where: slice | IntArray = slice(None)
    ) -> UnitMoments:
        """Per-unit moments of the entries in `where`, each times its `share`."""
        return uncertainty.unit_moments(
            self.annual[where] * share,
            self.unit[where],
            self.uniform[where],
            len(self.units),
        )

    def all_moments(self) -> UnitMoments:
        """Per-unit moments of every entry (the world)."""
        return self.moments(np.ones(self.cell.size))


@dataclass(frozen=True)
class AttributionIndex:
    """The attribution of one cube version, ready for queries.

    Attributes
    ----------
    version
        The cube version indexed.
    sectors
        The entries of each sector.
    members
        Per unit, the countries (ISO3) it stands for.
    """

    version: str
    sectors: dict[str, SectorEntries]
    members: dict[str, tuple[str, ...]]


_indexes: VersionCache[AttributionIndex] = VersionCache(KEPT_VERSIONS)


def attribution_index(snapshot: CubeSnapshot) -> AttributionIndex | None:
    """The index of a cube version's attribution; None if the version has none or
    its attribution does not span the cube's periods."""
    if snapshot.attribution is None:
        return None
    if snapshot.attribution.sizes.get("time") != snapshot.ds.sizes["time"]:
        return None
    return _indexes.get(snapshot, _build)


def _build(snapshot: CubeSnapshot) -> AttributionIndex:
    assert snapshot.attribution is not None
    grid = cube_grid(snapshot)
    ds = snapshot.attribution.load()
    sectors = {}
    for sector in SECTORS:
        if f"{sector}_cell" not in ds:
            continue
        cell = ds[f"{sector}_cell"].to_numpy().astype(np.int64)
        order = np.argsort(cell, kind="stable")
        row, col = np.divmod(cell[order], grid.nlon)
        sectors[sector] = SectorEntries(
            sector=sector,
            cell=cell[order],
            row=row,
            col=col,
            unit=ds[f"{sector}_unit_index"].to_numpy().astype(np.int64)[order],
            annual=ds[f"{sector}_annual"].to_numpy().astype(np.float64)[order],
            uniform=ds[f"{sector}_uniform"].to_numpy().astype(bool)[order],
            weight=ds[f"{sector}_weight"].to_numpy().astype(np.float64),
            units=tuple(json.loads(ds.attrs[f"{sector}_units"])),
        )
    members = json.loads(ds.attrs.get("unit_members", "{}"))
    return AttributionIndex(
        version=snapshot.version,
        sectors=sectors,
        members={unit: tuple(m) for unit, m in members.items()},
    )


def area_moments(entries: SectorEntries, area: Area) -> UnitMoments:
    """Per-unit moments of the entries of one sector inside an area, by cell share.

    The parts of an area cover disjoint pieces of it, so their moments add.
    """
    mass = np.zeros(len(entries.units))
    alloc = np.zeros(len(entries.units))
    for part in area.parts:
        nrows, ncols = part.shape
        rows = entries.rows(part.row0, part.row0 + nrows)
        col = entries.col[rows]
        inside = np.flatnonzero((col >= part.col0) & (col < part.col0 + ncols))
        inside += rows.start
        share = part.share(entries.row[inside], entries.col[inside])
        moments = entries.moments(share, inside)
        mass += moments.mass
        alloc += moments.alloc_variance
    return UnitMoments(mass, alloc)


def cell_moments(entries: SectorEntries, cell: int) -> UnitMoments:
    """Per-unit moments of the entries of one sector in one cell."""
    low, high = np.searchsorted(entries.cell, [cell, cell + 1])
    where = slice(int(low), int(high))
    return entries.moments(np.ones(high - low), where)


def cell_totals(entries: SectorEntries, weight: FloatArray, cells: int) -> FloatArray:
    """Mass of each of `cells` cells (dense, by cell id) for per-unit multipliers."""
    per_entry = entries.annual * weight[entries.unit]
    return np.bincount(entries.cell, weights=per_entry, minlength=cells)
