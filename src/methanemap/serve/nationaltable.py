"""The globe's reconciliation table and the country ranking: every country's national,
attributed and geographic total over some periods, the remainder groups, offshore and
the world, computed for all at once from the country index.

The geographic totals of all countries plus offshore equal the world's, and the
attributed totals of all units equal it too; the table carries both sums.
"""

from dataclasses import dataclass
from typing import Literal, TypedDict

import numpy as np
import numpy.typing as npt

from methanemap import uncertainty
from methanemap.errors import QueryError
from methanemap.grid import EARTH_RADIUS_M
from methanemap.serve.attribution import (
    AttributionIndex,
    SectorEntries,
    attribution_index,
)
from methanemap.serve.catalog import PeriodEntry, period_entry
from methanemap.serve.countries import CountryIndex, country_index
from methanemap.serve.national import ATTRIBUTED, GEOGRAPHIC, NATIONAL
from methanemap.serve.outunits import OutputUnits, parse_output_units
from methanemap.serve.provenance import Provenance, provenance
from methanemap.serve.timespan import TimeSpan, select_span
from methanemap.serve.totals import UNCERTAINTY_RULE, number, select_sectors
from methanemap.store import CubeSnapshot
from methanemap.store.schema import TOTAL
from methanemap.uncertainty import UnitMoments

FloatArray = npt.NDArray[np.float64]
RowKind = Literal["country", "group", "offshore", "world"]
Basis = Literal["geographic", "attributed"]
BASES: tuple[Basis, ...] = ("geographic", "attributed")

EARTH_KM2 = 4 * np.pi * EARTH_RADIUS_M**2 / 1e6


class TableRow(TypedDict):
    """One row of the table: a country, a remainder group, offshore or the world."""

    id: str
    name: str
    kind: RowKind
    national: float | None
    attributed: float | None
    attributed_lower: float | None
    attributed_upper: float | None
    geographic: float | None
    geographic_lower: float | None
    geographic_upper: float | None
    attributed_minus_national: float | None
    geographic_minus_national: float | None


class ReconciliationTable(TypedDict):
    """The table of all countries for one sector, summed over some periods."""

    version: str
    provenance: Provenance
    sector: str
    units: str
    periods: list[PeriodEntry]
    uncertainty: str
    definitions: dict[str, str]
    rows: list[TableRow]


DEFINITIONS = {
    "national": NATIONAL,
    "attributed": ATTRIBUTED,
    "geographic": GEOGRAPHIC,
    "offshore": "the uncovered rest: mass in no country's polygons (sea, and land of "
    "no country); the geographic totals of all countries plus offshore equal the "
    "world's",
    "group": "a row of the national table standing for several countries (remainder "
    "groups, the world residual); only attributed",
}


@np.errstate(invalid="ignore")
def reconciliation_table(
    snapshot: CubeSnapshot,
    *,
    sector: str = TOTAL,
    period: str | None = None,
    start: str | None = None,
    end: str | None = None,
    datetime: str | None = None,
    units: str | None = None,
) -> ReconciliationTable:
    """Every country's national, attributed and geographic total for one sector.

    Parameters
    ----------
    snapshot
        An open cube version with attribution and country coverage.
    sector
        coal, oil, gas or total.
    period, start, end, datetime, units
        As for `methanemap.serve.national.country_totals`; values are summed over
        the periods.

    Raises
    ------
    QueryError, NotInCubeError
        If a parameter is malformed or names what the cube does not hold.
    """
    (chosen,) = select_sectors(snapshot, sector)
    span = select_span(snapshot, period=period, start=start, end=end, datetime=datetime)
    output = parse_output_units(units)
    index = country_index(snapshot)
    attribution = attribution_index(snapshot)
    assert attribution is not None

    columns = _columns(attribution, index, chosen, span)
    national = _national(attribution, chosen, span)
    rows = _country_rows(attribution, index, columns, national)
    rows += _other_rows(attribution, index, columns, national)
    seconds = float(span.seconds().sum())
    return {
        "version": snapshot.version,
        "provenance": provenance(snapshot),
        "sector": chosen,
        "units": output.text,
        "periods": [period_entry(p) for p in span.periods],
        "uncertainty": UNCERTAINTY_RULE,
        "definitions": DEFINITIONS,
        "rows": [_convert(row, output, seconds) for row in rows],
    }


def rank_countries(
    table: ReconciliationTable, basis: Basis, limit: int
) -> list[TableRow]:
    """The `limit` countries of a table with the largest totals of `basis`."""
    if basis not in BASES:
        raise QueryError(
            f"basis {basis!r} is unknown; allowed are {', '.join(BASES)}",
            parameter="basis",
        )
    countries = [
        r for r in table["rows"] if r["kind"] == "country" and r[basis] is not None
    ]
    countries.sort(key=lambda r: r[basis] or 0.0, reverse=True)
    return countries[:limit]


@dataclass(frozen=True)
class _Column:
    """Masses (t) summed over the span, and their 1-sigma, of some sums."""

    mass: FloatArray
    sigma: FloatArray


@dataclass(frozen=True)
class _Row:
    """A row in tonnes before conversion: (mass, sigma) pairs and the row's area."""

    id: str
    name: str
    kind: RowKind
    national: float | None
    attributed: tuple[float, float] | None
    geographic: tuple[float, float] | None
    area_km2: float | None


def _columns(
    attribution: AttributionIndex, index: CountryIndex, sector: str, span: TimeSpan
) -> dict[str, _Column]:
    """Per unit, country, offshore and world: masses and sigmas over the span."""
    sectors = list(attribution.sectors) if sector == TOTAL else [sector]
    parts = [_sector_columns(attribution, index, s, span) for s in sectors]
    return {
        name: _Column(
            mass=np.sum([p[name].mass for p in parts], axis=0),
            sigma=uncertainty.sigma_of_sector_arrays([p[name].sigma for p in parts]),
        )
        for name in parts[0]
    }


def _national(attribution: AttributionIndex, sector: str, span: TimeSpan) -> FloatArray:
    """Per unit, base-year total times the weights of the span (t)."""
    sectors = list(attribution.sectors) if sector == TOTAL else [sector]
    national = [
        _base_year(attribution.sectors[s])
        * attribution.sectors[s].weight[:, span.indices].sum(axis=1)
        for s in sectors
    ]
    total: FloatArray = np.sum(national, axis=0)
    return total


def _base_year(entries: SectorEntries) -> FloatArray:
    return np.bincount(entries.unit, entries.annual, len(entries.units))


def _sector_columns(
    attribution: AttributionIndex, index: CountryIndex, sector: str, span: TimeSpan
) -> dict[str, _Column]:
    entries = attribution.sectors[sector]
    summed = entries.weight[:, span.indices].sum(axis=1)
    world = index.world[sector]
    sums = {
        # One sum per unit: the unit's moments alone on the diagonal.
        "unit": UnitMoments(np.diag(world.mass), np.diag(world.alloc_variance)),
        "country": index.geographic[sector],
        "offshore": index.offshore[sector],
        "world": world,
    }
    return {
        name: _Column(
            mass=np.atleast_1d(moments.mass @ summed),
            sigma=np.atleast_1d(uncertainty.scaled_sigma(sector, moments, summed)),
        )
        for name, moments in sums.items()
    }


def _pair(column: _Column, position: int) -> tuple[float, float]:
    return float(column.mass[position]), float(column.sigma[position])


def _country_rows(
    attribution: AttributionIndex,
    index: CountryIndex,
    columns: dict[str, _Column],
    national: FloatArray,
) -> list[_Row]:
    units = next(iter(attribution.sectors.values())).units
    return [
        _Row(
            id=code,
            name=index.names.get(code, code),
            kind="country",
            national=float(national[units.index(code)]) if code in units else None,
            attributed=_pair(columns["unit"], units.index(code))
            if code in units
            else None,
            geographic=_pair(columns["country"], row),
            area_km2=float(index.area_km2[row]),
        )
        for row, code in enumerate(index.codes)
    ]


def _other_rows(
    attribution: AttributionIndex,
    index: CountryIndex,
    columns: dict[str, _Column],
    national: FloatArray,
) -> list[_Row]:
    units = next(iter(attribution.sectors.values())).units
    groups = [
        _Row(u, u, "group", float(national[i]), _pair(columns["unit"], i), None, None)
        for i, u in enumerate(units)
        if u not in index.codes
    ]
    land = float(index.area_km2.sum())
    offshore = _Row(
        "offshore",
        "offshore (in no country's polygons)",
        "offshore",
        None,
        None,
        _pair(columns["offshore"], 0),
        EARTH_KM2 - land,
    )
    world_pair = _pair(columns["world"], 0)
    geographic = float(columns["country"].mass.sum() + columns["offshore"].mass[0])
    world = _Row(
        "world",
        "world",
        "world",
        float(national.sum()),
        world_pair,
        (geographic, world_pair[1]),
        EARTH_KM2,
    )
    return [*groups, offshore, world]


def _convert(row: _Row, units: OutputUnits, seconds: float) -> TableRow:
    area_m2 = np.nan if row.area_km2 is None else row.area_km2 * 1e6

    def value(tonnes: float | None) -> float | None:
        return (
            None if tonnes is None else number(units.convert(tonnes, area_m2, seconds))
        )

    def bounds(pair: tuple[float, float] | None) -> tuple[float | None, ...]:
        if pair is None:
            return None, None, None
        low, high = uncertainty.interval(*pair)
        return value(pair[0]), value(low), value(high)

    national = row.national
    attributed, geographic = bounds(row.attributed), bounds(row.geographic)
    return {
        "id": row.id,
        "name": row.name,
        "kind": row.kind,
        "national": value(national),
        "attributed": attributed[0],
        "attributed_lower": attributed[1],
        "attributed_upper": attributed[2],
        "geographic": geographic[0],
        "geographic_lower": geographic[1],
        "geographic_upper": geographic[2],
        "attributed_minus_national": None
        if national is None or row.attributed is None
        else value(row.attributed[0] - national),
        "geographic_minus_national": None
        if national is None or row.geographic is None
        else value(row.geographic[0] - national),
    }
