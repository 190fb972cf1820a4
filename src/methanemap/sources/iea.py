"""IEA Global Methane Tracker: national coal, oil and gas CH4 totals (2022), which the
pipeline allocates within each country, and the countries of its remainder groups.
"""

from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pandas as pd

from methanemap.errors import InputFormatError
from methanemap.sources.countries import read_boundaries, to_iso3
from methanemap.sources.registry import fetch
from methanemap.sources.tables import (
    object_column,
    read_csv_checked,
    to_numbers,
    warn_quirk,
)

#: IEA energy segments summed into each sub-sector (all `reason`s). Gas production and
#: gas transport are placed on different proxies, then summed into the gas sector.
SEGMENT_SUBSECTORS = {
    "Steam coal": "coal",
    "Coking coal": "coal",
    "Onshore oil": "oil",
    "Offshore oil": "oil",
    "Onshore gas": "gas_production",
    "Offshore gas": "gas_production",
    "Gas pipelines and LNG facilities": "gas_transport",
}
SUBSECTOR_SECTORS = {
    "coal": "coal",
    "oil": "oil",
    "gas_production": "gas",
    "gas_transport": "gas",
}
#: IEA energy segments summed into each methanemap sector.
SEGMENT_SECTORS = {
    seg: SUBSECTOR_SECTORS[sub] for seg, sub in SEGMENT_SUBSECTORS.items()
}
#: Fossil segments IEA does not split by sector; they are left out, with a warning.
UNSPLIT_SEGMENTS = (
    "Satellite-detected large oil and gas emissions",
    "Other from oil and gas",
    "Other from coal",
)
WORLD = "World"
AGGREGATES = frozenset({"European Union"})
REMAINDERS = frozenset(
    {
        "Other",
        "Other EU7 countries",
        "Other EU17 countries",
        "Other countries in Europe",
        "Other countries in Southeast Asia",
    }
)
COLUMNS = [
    "entity",
    "iso3",
    "kind",
    "region",
    "sector",
    "subsector",
    "emission_t",
    "year",
]

# ALA: Åland, part of Finland, with its own Natural Earth polygon.
EU27 = frozenset(
    ["AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC",
     "HUN", "IRL", "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK",
     "SVN", "ESP", "SWE", "ALA"]
)  # fmt: skip
#: IEA's Europe outside the EU (WEO regional definitions), plus the small European
#: states and dependencies IEA's list does not name (Andorra ... Faroe Islands).
EUROPE_OUTSIDE_EU = frozenset(
    ["ALB", "BLR", "BIH", "MKD", "GIB", "ISL", "ISR", "XKX", "MNE", "NOR", "SRB", "CHE",
     "MDA", "TUR", "UKR", "GBR",
     "AND", "LIE", "MCO", "SMR", "VAT", "GGY", "JEY", "IMN", "FRO"]
)  # fmt: skip
#: ASEAN members and Timor-Leste (UN M49 South-eastern Asia).
SOUTHEAST_ASIA = frozenset(
    ["BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM", "TLS"]
)
_GROUPS = {
    "Other EU7 countries": EU27,
    "Other EU17 countries": EU27,
    "Other countries in Europe": EUROPE_OUTSIDE_EU,
    "Other countries in Southeast Asia": SOUTHEAST_ASIA,
}
_NO_EMISSION = frozenset({"ATA"})  # Antarctica has a polygon but no fossil sector

_RAW_COLUMNS = [
    "region",
    "country",
    "emissions",
    "type",
    "segment",
    "reason",
    "baseYear",
]


def read_national_totals(path: Path) -> pd.DataFrame:
    """National fossil CH4 totals per sector from the IEA Methane Tracker CSV.

    Parameters
    ----------
    path
        ``Methane_final.csv`` (emissions in kt CH4 a-1, energy rows for 2022).

    Returns
    -------
    DataFrame with one row per entity and sector it reports: ``entity`` (IEA name),
    ``iso3`` (None unless ``kind`` is "country"), ``kind`` ("country", "remainder",
    "aggregate" or "world"), ``region`` (IEA region), ``sector`` ("coal", "oil",
    "gas"), ``emission_t`` (t CH4 a-1) and ``year`` (the base year, 2022). Every
    entity with energy rows has a row for each sector, 0 where IEA lists no segment of
    it; the six countries with no energy rows (Gambia, Liberia ...) belong to "Other".

    Notes
    -----
    Sectors sum the segments of `SEGMENT_SECTORS` over every ``reason``. "European
    Union" (an "aggregate") sits beside its member rows and the "Other EU..." groups:
    never add it to them. The "country" and "remainder" rows sum to the World row
    within 0.3 % for oil and gas but 1.5 % short for coal: IEA's World row carries
    596 kt of coal that no country or group holds (a warning says so). The unsplit
    fossil segments of `UNSPLIT_SEGMENTS` are left out with a warning; Bioenergy is not
    fossil.
    """
    raw = read_csv_checked(path, _RAW_COLUMNS, index_col=0)
    energy = _energy_rows(raw, path)
    _warn_unsplit(energy)

    table = _sector_sums(energy)
    table = _classify(table, path)
    _warn_world_gap(table)
    return table[COLUMNS]


def _energy_rows(raw: pd.DataFrame, path: Path) -> pd.DataFrame:
    energy = raw[raw["type"] == "Energy"]
    years = energy["baseYear"].astype(str).unique()
    if len(years) != 1 or not years[0].isdigit():
        raise InputFormatError(
            f"{path}: energy rows must share one integer baseYear, found {list(years)}"
        )

    energy = to_numbers(energy, ["emissions"], ids="country")
    return energy.assign(year=int(years[0]))


def _sector_sums(energy: pd.DataFrame) -> pd.DataFrame:
    rows = energy.assign(subsector=energy["segment"].map(SEGMENT_SUBSECTORS))
    sums = (
        rows.dropna(subset=["subsector"])
        .groupby(["country", "subsector"])["emissions"]
        .sum()
    )
    entities = sorted(energy["country"].unique())
    subsectors = sorted(SUBSECTOR_SECTORS)

    # Every entity gets every sector, 0 where IEA lists none, so that a listed country
    # such as Vietnam (no coal, oil or gas segment) never counts into a remainder group.
    names = ["entity", "subsector"]
    full = pd.MultiIndex.from_product([entities, subsectors], names=names)
    table = sums.rename_axis(names).reindex(full, fill_value=0.0)
    table = table.reset_index(name="emissions")

    region = energy.groupby("country")["region"].first()
    return table.assign(
        sector=table["subsector"].map(SUBSECTOR_SECTORS),
        region=table["entity"].map(region),
        emission_t=table["emissions"] * 1000.0,  # kt -> t
        year=energy["year"].iloc[0],
    )


def _classify(table: pd.DataFrame, path: Path) -> pd.DataFrame:
    entity = table["entity"]
    kind = pd.Series("country", index=table.index, dtype=object)
    kind[entity == WORLD] = "world"
    kind[entity.isin(AGGREGATES)] = "aggregate"
    kind[entity.isin(REMAINDERS)] = "remainder"

    pairs = zip(to_iso3(entity), kind, strict=True)
    iso3 = [code if of_kind == "country" else None for code, of_kind in pairs]
    unplaced = sorted(set(entity[(kind == "country") & pd.isna(pd.Series(iso3))]))
    if unplaced:
        raise InputFormatError(
            f"{path}: IEA entities {unplaced} are neither a known country nor a known "
            "group; add them to countries.NAME_OVERRIDES or iea.REMAINDERS"
        )
    return table.assign(kind=kind.astype("str"), iso3=object_column(iso3, table.index))


def _warn_unsplit(energy: pd.DataFrame) -> None:
    world = energy[
        (energy["country"] == WORLD) & energy["segment"].isin(UNSPLIT_SEGMENTS)
    ]
    by_segment = world.groupby("segment")["emissions"].sum()
    listed = "; ".join(f"{name} {kt:,.1f} kt" for name, kt in by_segment.items())
    warn_quirk(
        f"IEA segments not split into coal, oil or gas are left out of every sector "
        f"(World 2022: {listed}); only {sorted(SEGMENT_SECTORS)} are read",
        stacklevel=4,
    )


def _warn_world_gap(table: pd.DataFrame) -> None:
    parts = table[table["kind"].isin(["country", "remainder"])]
    summed = parts.groupby("sector")["emission_t"].sum()
    world = table[table["kind"] == "world"].groupby("sector")["emission_t"].sum()
    gap = (world - summed).dropna()

    large = gap[(gap / world).abs() > 1e-3]
    if not large.empty:
        shares = "; ".join(
            f"{s} {gap[s] / 1e3:+,.1f} kt ({gap[s] / world[s]:+.2%})"
            for s in large.index
        )
        warn_quirk(
            f"IEA World rows exceed the sum of their countries and remainder groups: "
            f"{shares}; no row holds that part",
            stacklevel=4,
        )


def remainder_members(
    entity: str, listed: set[str], universe: Iterable[str] | None = None
) -> list[str]:
    """ISO3 codes of the countries an IEA remainder group stands for.

    Parameters
    ----------
    entity
        A remainder group of `REMAINDERS`, e.g. "Other countries in Southeast Asia".
    listed
        ISO3 codes of the countries with their own IEA rows; they are left out.
    universe
        ISO3 codes "Other" draws from; by default every code with a Natural Earth 50m
        polygon (the registered ``naturalearth_50m`` input).

    Returns
    -------
    Sorted ISO3 codes. Both EU groups give every unlisted EU27 member: IEA does not say
    which members are in EU7 and which in EU17. "Other" gives every country of the
    universe in no other group and not listed (Antarctica excluded).
    """
    if entity in _GROUPS:
        return sorted(_GROUPS[entity] - set(listed))
    if entity != "Other":
        raise ValueError(
            f"{entity!r} is not an IEA remainder group; expected one of "
            f"{sorted(REMAINDERS)}"
        )

    codes = set(universe) if universe is not None else _natural_earth_codes()
    grouped = EU27 | EUROPE_OUTSIDE_EU | SOUTHEAST_ASIA | _NO_EMISSION
    return sorted(codes - grouped - set(listed))


@cache
def _natural_earth_codes() -> frozenset[str]:
    boundaries = read_boundaries(fetch("naturalearth_50m"))
    return frozenset(code for code in boundaries["iso3"] if code is not None)
