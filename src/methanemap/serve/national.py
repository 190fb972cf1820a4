"""Country totals and their reconciliation with the national totals that drove them.

The national total of a unit in a period is the base-year figure of the national table
(IEA) times the unit's weight in that period: its activity factor for the year times
the period's share of the year (days and shape). The attribution keeps both, so the
national figure, the attributed total (the unit's entries in the cube) and the
geographic total (cells inside the country's polygons) sit side by side. Attributed
equals national by construction (the allocation conserves each unit's total), so a
difference there would reveal a defect; geographic differs by the unit's mass outside
the polygons (offshore fields, pipelines abroad) and the mass of other units inside
(remainder groups, the world residual, a neighbour's border cells).
"""

from typing import TypedDict

import numpy as np
import numpy.typing as npt

from methanemap import uncertainty
from methanemap.pipeline.periods import Period
from methanemap.serve.attribution import SectorEntries, attribution_index
from methanemap.serve.catalog import PeriodEntry, cube_periods, period_entry
from methanemap.serve.countries import (
    CountryIndex,
    CountryInfo,
    country_index,
    country_info,
    only_unit,
)
from methanemap.serve.outunits import OutputUnits, parse_output_units
from methanemap.serve.provenance import Provenance, provenance
from methanemap.serve.timespan import TimeSpan, select_span
from methanemap.serve.totals import (
    UNCERTAINTY_RULE,
    Bound,
    Masses,
    SectorTotals,
    combine,
    from_moments,
    number,
    select_sectors,
    to_sector_totals,
    with_total,
)
from methanemap.store import CubeSnapshot
from methanemap.uncertainty import UnitMoments

FloatArray = npt.NDArray[np.float64]

GEOGRAPHIC = (
    "mass emitted inside the country's polygons (Natural Earth 1:50m, as stored with "
    "the cube): each cell counts by the exact share of its area in the country"
)
ATTRIBUTED = (
    "mass the national table assigns to the country (its own allocation unit), "
    "wherever it lies, offshore fields it reports included; none for a country "
    "without a row of its own (see groups)"
)
NATIONAL = (
    "the national table's base-year total times the unit's weight in each period "
    "(activity factor of the year x the period's share of the year)"
)


class TotalsBlock(TypedDict):
    """Totals of one kind (geographic or attributed) and what the kind means."""

    definition: str
    sectors: dict[str, SectorTotals] | None


class CountryTotals(TypedDict):
    """A country's geographic and attributed totals per sector and period."""

    version: str
    provenance: Provenance
    country: CountryInfo
    periods: list[PeriodEntry]
    uncertainty: str
    geographic: TotalsBlock
    attributed: TotalsBlock


def country_totals(
    snapshot: CubeSnapshot,
    iso3: str,
    *,
    sector: str | None = None,
    period: str | None = None,
    start: str | None = None,
    end: str | None = None,
    datetime: str | None = None,
    units: str | None = None,
) -> CountryTotals:
    """A country's totals per sector and period, geographic and attributed.

    Parameters
    ----------
    snapshot
        An open cube version with attribution and country coverage.
    iso3
        ISO 3166-1 alpha-3 code (any case).
    sector, period, start, end, datetime, units
        As for `methanemap.serve.areas.bbox_totals`; a flux is per the country's
        area.

    Raises
    ------
    QueryError
        If a parameter is malformed (the error names it).
    NotInCubeError
        If the country, a period or the sector is not in the cube.
    """
    info = country_info(snapshot, iso3)
    span = select_span(snapshot, period=period, start=start, end=end, datetime=datetime)
    output = parse_output_units(units)
    wanted = select_sectors(snapshot, sector)

    index = country_index(snapshot)
    row = index.position(info["iso3"])
    area_m2 = info["area_km2"] * 1e6
    geographic = with_total(_geographic(snapshot, index, row, span), wanted)
    attributed = _attributed(snapshot, index, info["unit"], span)
    return {
        "version": snapshot.version,
        "provenance": provenance(snapshot),
        "country": info,
        "periods": [period_entry(p) for p in span.periods],
        "uncertainty": UNCERTAINTY_RULE,
        "geographic": {
            "definition": GEOGRAPHIC,
            "sectors": _convert(geographic, output, span, area_m2),
        },
        "attributed": {
            "definition": ATTRIBUTED,
            "sectors": None
            if attributed is None
            else _convert(with_total(attributed, wanted), output, span, area_m2),
        },
    }


def _geographic(
    snapshot: CubeSnapshot, index: CountryIndex, row: int, span: TimeSpan
) -> dict[str, Masses]:
    attribution = attribution_index(snapshot)
    assert attribution is not None
    out = {}
    for sector, entries in attribution.sectors.items():
        moments = index.geographic[sector]
        mine = UnitMoments(moments.mass[row], moments.alloc_variance[row])
        out[sector] = from_moments(entries, mine, span)
    return out


def _attributed(
    snapshot: CubeSnapshot, index: CountryIndex, unit: str | None, span: TimeSpan
) -> dict[str, Masses] | None:
    attribution = attribution_index(snapshot)
    assert attribution is not None
    if unit is None:
        return None
    return {
        sector: from_moments(
            entries, only_unit(index.world[sector], entries.units.index(unit)), span
        )
        for sector, entries in attribution.sectors.items()
        if unit in entries.units
    }


def _convert(
    masses: dict[str, Masses], units: OutputUnits, span: TimeSpan, area_m2: float
) -> dict[str, SectorTotals]:
    return {s: to_sector_totals(m, units, span, area_m2) for s, m in masses.items()}


class YearFactor(TypedDict):
    """A unit's activity factor in one year and the share of that year asked for."""

    year: int
    activity_factor: float
    share_of_year: float | None


class Reconciled(TypedDict):
    """One sector of a country: national, attributed and geographic side by side."""

    units: str
    national: float | None
    attributed: Bound | None
    geographic: Bound
    attributed_minus_national: float | None
    geographic_minus_national: float | None
    own_outside: float | None
    others_inside: float
    base_year_t: float | None
    years: list[YearFactor]


class Reconciliation(TypedDict):
    """A country's totals over some periods beside the national totals behind them."""

    version: str
    provenance: Provenance
    country: CountryInfo
    periods: list[PeriodEntry]
    uncertainty: str
    definitions: dict[str, str]
    sectors: dict[str, Reconciled]


DEFINITIONS = {
    "national": NATIONAL,
    "attributed": ATTRIBUTED + "; equal to national by construction",
    "geographic": GEOGRAPHIC,
    "own_outside": "attributed mass that lies outside the country's polygons "
    "(offshore fields, pipelines and fields abroad)",
    "others_inside": "geographic mass of other units (remainder groups, the world "
    "residual, neighbours' border cells)",
}


def reconciliation(
    snapshot: CubeSnapshot,
    iso3: str,
    *,
    sector: str | None = None,
    period: str | None = None,
    start: str | None = None,
    end: str | None = None,
    datetime: str | None = None,
    units: str | None = None,
) -> Reconciliation:
    """A country's national, attributed and geographic totals over the periods asked.

    Parameters and errors as `country_totals`. Values are summed over the periods;
    ``geographic = national - own_outside + others_inside`` for a country with a
    row of its own.
    """
    info = country_info(snapshot, iso3)
    span = select_span(snapshot, period=period, start=start, end=end, datetime=datetime)
    output = parse_output_units(units)
    wanted = select_sectors(snapshot, sector)
    index = country_index(snapshot)
    row = index.position(info["iso3"])
    area_m2 = info["area_km2"] * 1e6

    attribution = attribution_index(snapshot)
    assert attribution is not None
    held = cube_periods(snapshot)
    parts = {
        s: _reconcile_sector(e, index, row, info["unit"], span, held)
        for s, e in attribution.sectors.items()
    }
    chosen = {s: parts[s] for s in wanted if s in parts}
    if "total" in wanted:
        chosen["total"] = _sum_sectors(list(parts.values()))
    return {
        "version": snapshot.version,
        "provenance": provenance(snapshot),
        "country": info,
        "periods": [period_entry(p) for p in span.periods],
        "uncertainty": UNCERTAINTY_RULE,
        "definitions": DEFINITIONS,
        "sectors": {s: _present(r, output, span, area_m2) for s, r in chosen.items()},
    }


class _Sums(TypedDict):
    national: float | None
    attributed: Masses | None
    geographic: Masses
    own_inside: float | None
    base_year_t: float | None
    years: list[YearFactor]


def _reconcile_sector(
    entries: SectorEntries,
    index: CountryIndex,
    row: int,
    unit: str | None,
    span: TimeSpan,
    held: list[Period],
) -> _Sums:
    moments = index.geographic[entries.sector]
    inside = UnitMoments(moments.mass[row], moments.alloc_variance[row])
    geographic = from_moments(entries, inside, span)
    if unit is None or unit not in entries.units:
        return {
            "national": None,
            "attributed": None,
            "geographic": geographic,
            "own_inside": None,
            "base_year_t": None,
            "years": [],
        }

    position = entries.units.index(unit)
    own = only_unit(index.world[entries.sector], position)
    summed = entries.weight[position, span.indices].sum()
    base = float(own.mass[position])
    return {
        "national": base * float(summed),
        "attributed": from_moments(entries, own, span),
        "geographic": geographic,
        "own_inside": float(inside.mass[position] * summed),
        "base_year_t": base,
        "years": year_factors(entries.weight[position], span, held),
    }


def year_factors(
    weight: FloatArray, span: TimeSpan, held: list[Period]
) -> list[YearFactor]:
    """Per year of the span, a unit's activity factor and the share of the year asked.

    The weights of a whole year (`weight` per period of the cube, whose periods are
    `held`) add up to the year's activity factor, because the periods' shares of a
    year (days and shape) add up to one.
    """
    out: list[YearFactor] = []
    for year in sorted({p.year for p in span.periods}):
        whole = [i for i, p in enumerate(held) if p.year == year]
        asked = [i for i in whole if span.first <= i <= span.last]
        factor = float(weight[whole].sum())
        share = float(weight[asked].sum()) / factor if factor > 0 else None
        out.append({"year": year, "activity_factor": factor, "share_of_year": share})
    return out


def _sum_sectors(parts: list[_Sums]) -> _Sums:
    def add(values: list[float | None]) -> float | None:
        return None if any(v is None for v in values) else sum(v or 0.0 for v in values)

    attributed = [p["attributed"] for p in parts]
    return {
        "national": add([p["national"] for p in parts]),
        "attributed": None
        if any(a is None for a in attributed)
        else combine([a for a in attributed if a is not None]),
        "geographic": combine([p["geographic"] for p in parts]),
        "own_inside": add([p["own_inside"] for p in parts]),
        "base_year_t": None,
        "years": [],
    }


def _present(
    sums: _Sums, units: OutputUnits, span: TimeSpan, area_m2: float
) -> Reconciled:
    seconds = float(span.seconds().sum())

    def convert(tonnes: float | None) -> float | None:
        if tonnes is None:
            return None
        return number(units.convert(tonnes, area_m2, seconds))

    def bound(masses: Masses) -> Bound:
        low, high = uncertainty.interval(masses.total, masses.total_sigma or 0.0)
        return {
            "value": convert(masses.total),
            "lower": convert(low),
            "upper": convert(high),
        }

    geographic, attributed = sums["geographic"], sums["attributed"]
    national = sums["national"]
    own_inside = sums["own_inside"]
    return {
        "units": units.text,
        "national": convert(national),
        "attributed": None if attributed is None else bound(attributed),
        "geographic": bound(geographic),
        "attributed_minus_national": None
        if attributed is None or national is None
        else convert(attributed.total - national),
        "geographic_minus_national": None
        if national is None
        else convert(geographic.total - national),
        "own_outside": None
        if attributed is None or own_inside is None
        else convert(attributed.total - own_inside),
        "others_inside": convert(geographic.total - (own_inside or 0.0)) or 0.0,
        "base_year_t": sums["base_year_t"],
        "years": sums["years"],
    }
