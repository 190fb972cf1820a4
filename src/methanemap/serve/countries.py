"""Country totals, two ways, from the attribution and the cube's exact country coverage.

* **geographic**: what is emitted inside the country's polygons (Natural Earth, as
  stored with the cube): every cell counts by the share of its area in the country.
  What no polygon covers is **offshore** (sea, and land of no country), so the
  geographic totals of all countries plus offshore are the global total.
* **attributed**: what the national table assigns to the country, wherever it lies
  (offshore fields it reports included): the entries of its own allocation unit. A
  country with no row of its own (a member of a remainder group) has none.

Both come from per-country, per-unit moments built once per cube version, so a
country's total in any periods is a product of two small arrays.
"""

import json
import re
from dataclasses import dataclass
from typing import TypedDict

import numpy as np
import numpy.typing as npt

from methanemap import uncertainty
from methanemap.errors import NotInCubeError, QueryError
from methanemap.serve.attribution import (
    AttributionIndex,
    SectorEntries,
    attribution_index,
)
from methanemap.serve.catalog import cube_grid
from methanemap.serve.provenance import Provenance, provenance
from methanemap.serve.versioncache import VersionCache
from methanemap.store import CubeSnapshot
from methanemap.uncertainty import UnitMoments

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_ISO3 = re.compile(r"^[A-Za-z]{3}$")
M2_PER_KM2 = 1e6


class CountryInfo(TypedDict):
    """A country as answers name it, with the allocation units it belongs to."""

    iso3: str
    name: str
    area_km2: float
    unit: str | None
    groups: list[str]


@dataclass(frozen=True)
class CountryIndex:
    """Per country (ISO3) and allocation unit, the moments of each sector.

    Attributes
    ----------
    codes
        ISO3 of each country, the row of the matrices.
    names
        Country names by ISO3.
    area_km2
        Area of each country's cells by share (km2).
    geographic
        Per sector, moments with a leading country axis: mass (countries, units) and
        allocation variance, of the entries inside each country by cell share.
    offshore
        Per sector, moments of the entries outside every country.
    world
        Per sector, moments of every entry.
    cell, country, share
        The coverage, sorted by cell (shares scaled so that no cell sums past 1).
    """

    codes: tuple[str, ...]
    names: dict[str, str]
    area_km2: FloatArray
    geographic: dict[str, UnitMoments]
    offshore: dict[str, UnitMoments]
    world: dict[str, UnitMoments]
    cell: IntArray
    country: IntArray
    share: FloatArray

    def position(self, iso3: str) -> int:
        """Row of a country; NotInCubeError naming it if the cube has no polygon."""
        try:
            return self.codes.index(iso3)
        except ValueError:
            raise NotInCubeError(
                f"country {iso3!r} has no polygon in this cube's boundaries; list the "
                "countries at /countries",
                parameter="iso3",
            ) from None

    def countries_of_cell(self, cell: int) -> list[tuple[str, float]]:
        """The countries covering one cell, with their shares."""
        low, high = np.searchsorted(self.cell, [cell, cell + 1])
        return [
            (self.codes[int(self.country[i])], float(self.share[i]))
            for i in range(int(low), int(high))
        ]


_indexes: VersionCache[CountryIndex] = VersionCache(2)


def country_index(snapshot: CubeSnapshot) -> CountryIndex:
    """The country index of a cube version.

    Raises
    ------
    NotImplementedError
        If the cube version has no attribution or no country coverage.
    """
    if attribution_index(snapshot) is None or snapshot.countries is None:
        raise NotImplementedError(
            f"cube version {snapshot.version} has no attribution or country coverage, "
            "so it cannot give country totals; ingest it again with this methanemap"
        )
    return _indexes.get(snapshot, _build)


def validate_iso3(iso3: str) -> str:
    """`iso3` in upper case if it is three letters; QueryError naming it otherwise."""
    if not _ISO3.match(iso3):
        raise QueryError(
            f"iso3 {iso3[:20]!r} is not an ISO 3166-1 alpha-3 code (three letters, "
            "such as USA or CHN)",
            parameter="iso3",
        )
    return iso3.upper()


def country_info(snapshot: CubeSnapshot, iso3: str) -> CountryInfo:
    """Name, area and allocation units of one country."""
    code = validate_iso3(iso3)
    index = country_index(snapshot)
    attribution = attribution_index(snapshot)
    assert attribution is not None
    row = index.position(code)
    code = index.codes[row]
    return {
        "iso3": code,
        "name": index.names.get(code, code),
        "area_km2": float(index.area_km2[row]),
        "unit": code if own_unit(attribution, code) else None,
        "groups": groups_of(attribution, code),
    }


class CountryList(TypedDict):
    """Every country of a cube version's boundaries."""

    version: str
    provenance: Provenance
    countries: list[CountryInfo]


def list_countries(snapshot: CubeSnapshot) -> CountryList:
    """Every country of the cube's boundaries, by ISO3."""
    codes = country_index(snapshot).codes
    return {
        "version": snapshot.version,
        "provenance": provenance(snapshot),
        "countries": [country_info(snapshot, code) for code in codes],
    }


def own_unit(attribution: AttributionIndex, iso3: str) -> bool:
    """Whether the national table has a row of the country's own."""
    return any(iso3 in e.units for e in attribution.sectors.values())


def groups_of(attribution: AttributionIndex, iso3: str) -> list[str]:
    """The remainder groups (and the world residual) a country is a member of."""
    return sorted(
        unit
        for unit, members in attribution.members.items()
        if unit != iso3 and iso3 in members
    )


def only_unit(moments: UnitMoments, position: int) -> UnitMoments:
    """The moments of one unit alone (zero for every other unit)."""
    keep = np.zeros(moments.mass.shape[-1])
    keep[position] = 1.0
    return UnitMoments(moments.mass * keep, moments.alloc_variance * keep)


def _build(snapshot: CubeSnapshot) -> CountryIndex:
    assert snapshot.countries is not None
    attribution = attribution_index(snapshot)
    assert attribution is not None
    coverage = snapshot.countries.load()
    cell = coverage["cell"].to_numpy().astype(np.int64)
    order = np.argsort(cell, kind="stable")
    cell = cell[order]
    country = coverage["country"].to_numpy().astype(np.int64)[order]
    share = _at_most_one(cell, coverage["coverage"].to_numpy()[order])
    codes = tuple(json.loads(coverage.attrs["iso3"]))

    grid = cube_grid(snapshot)
    cell_area = grid.cell_area[cell // grid.nlon] * share
    geographic, offshore, world = {}, {}, {}
    for sector, entries in attribution.sectors.items():
        geographic[sector] = _country_moments(entries, cell, country, share, len(codes))
        covered = _covered_share(entries, cell, share)
        offshore[sector] = entries.moments(1.0 - covered)
        world[sector] = entries.all_moments()
    return CountryIndex(
        codes=codes,
        names=json.loads(coverage.attrs.get("names", "{}")),
        area_km2=np.bincount(country, cell_area, len(codes)) / M2_PER_KM2,
        geographic=geographic,
        offshore=offshore,
        world=world,
        cell=cell,
        country=country,
        share=share,
    )


def _at_most_one(cell: IntArray, share: FloatArray) -> FloatArray:
    """Shares scaled where a cell's add past 1 (float rounding of touching polygons,
    at most a few 1e-8), so that countries and offshore add up to the globe."""
    starts = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
    per_cell = np.add.reduceat(share, starts)
    counts = np.diff(np.r_[starts, cell.size])
    scale = np.repeat(np.maximum(per_cell, 1.0), counts)
    scaled: FloatArray = share / scale
    return scaled


def _country_moments(
    entries: SectorEntries,
    cell: IntArray,
    country: IntArray,
    share: FloatArray,
    count: int,
) -> UnitMoments:
    """Moments (countries, units) of the entries of one sector in each country."""
    low = np.searchsorted(entries.cell, cell, side="left")
    high = np.searchsorted(entries.cell, cell, side="right")
    found = high - low
    pair_cov = np.repeat(np.arange(cell.size), found)
    # For each coverage row, the indices low..high-1 of its cell's entries.
    offsets = np.arange(pair_cov.size) - np.repeat(np.cumsum(found) - found, found)
    pair_entry = np.repeat(low, found) + offsets

    units = len(entries.units)
    key = country[pair_cov] * units + entries.unit[pair_entry]
    flat = uncertainty.unit_moments(
        entries.annual[pair_entry] * share[pair_cov],
        key,
        entries.uniform[pair_entry],
        count * units,
    )
    return UnitMoments(
        flat.mass.reshape(count, units), flat.alloc_variance.reshape(count, units)
    )


def _covered_share(
    entries: SectorEntries, cell: IntArray, share: FloatArray
) -> FloatArray:
    """Share of each entry's cell that some country covers (0..1)."""
    starts = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
    unique, per_cell = cell[starts], np.add.reduceat(share, starts)
    position = np.searchsorted(unique, entries.cell)
    position = np.minimum(position, unique.size - 1)
    found = unique[position] == entries.cell
    covered: FloatArray = np.where(found, np.minimum(per_cell[position], 1.0), 0.0)
    return covered
