"""Climate TRACE: country CH4 series (2015-2022) that scale the base year to other
years, and mine and field assets (2021) whose CH4 places totals within countries.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from methanemap.errors import InputFormatError
from methanemap.sources.tables import (
    name_rows,
    points_from_wkt,
    read_csv_checked,
    warn_quirk,
)

_SERIES_COLUMNS = [
    "iso3_country",
    "start_time",
    "gas",
    "emissions_quantity",
    "emissions_quantity_units",
    "temporal_granularity",
]
_ASSET_COLUMNS = [
    "asset_id",
    "iso3_country",
    "start_time",
    "gas",
    "emissions_quantity",
    "asset_name",
    "asset_type",
    "st_astext",
]
#: Country codes Climate TRACE gets wrong in its 2022 asset release, and the right ones.
#: TUV (Tuvalu) is written for six Serbian lignite mines (Kolubara, Drmno ...).
ASSET_CODE_FIXES = {"TUV": "SRB"}


def read_country_series(path: Path, gas: str = "ch4") -> pd.DataFrame:
    """Annual emissions per country from a Climate TRACE ``*_country_emissions.csv``.

    Parameters
    ----------
    path
        Country emissions of one subsector (coal mining, or oil and gas production and
        transport), in tonnes of the gas named in each row.
    gas
        Which gas to read: "ch4" (default), or "co2e_100yr", "co2e_20yr", "co2", "n2o".

    Returns
    -------
    DataFrame with columns ``iso3``, ``year`` (int) and ``emission_t`` (t of `gas` per
    year), sorted by ``iso3`` and ``year``. NaN means Climate TRACE did not estimate
    the country that year (135-138 countries in the oil and gas file); it is not 0.
    """
    raw = read_csv_checked(path, _SERIES_COLUMNS)
    _require_values(raw, "emissions_quantity_units", {"tonnes"}, path)
    _require_values(raw, "temporal_granularity", {"annual"}, path)
    rows = _rows_of_gas(raw, gas, path)

    series = pd.DataFrame(
        {
            "iso3": rows["iso3_country"],
            "year": _years(rows["start_time"], path),
            "emission_t": rows["emissions_quantity"].astype(np.float64),
        }
    )
    _require_unique(series, ["iso3", "year"], path)
    return series.sort_values(["iso3", "year"], ignore_index=True)


def read_coal_assets(path: Path) -> pd.DataFrame:
    """Coal mines with their 2021 CH4 from the Climate TRACE asset release (2022-10).

    Parameters
    ----------
    path
        ``asset_coal-mining_emissions.csv``, one row per mine and gas (tonnes).

    Returns
    -------
    DataFrame with one row per mine: ``asset_id`` (int), ``iso3``, ``name``, ``lon``,
    ``lat`` (degrees, from the WKT in ``st_astext``) and ``emission_t`` (t CH4 in
    2021).

    Notes
    -----
    The codes of `ASSET_CODE_FIXES` are corrected with a warning naming the mines.
    "Continental Strip Coal Mine" (USA, 487 t) lies in Kyrgyzstan; it is kept as given.
    """
    raw = read_csv_checked(path, _ASSET_COLUMNS)
    rows = _rows_of_gas(raw, "ch4", path)
    _require_unique(rows, ["asset_id"], path)

    assets = _asset_frame(rows, path)
    assets["iso3"] = _fix_codes(assets)
    return assets[["asset_id", "iso3", "name", "lon", "lat", "emission_t"]]


def read_oil_gas_assets(path: Path) -> pd.DataFrame:
    """Oil and gas assets with yearly CH4 (2015-2021) from Climate TRACE (2022-10).

    Parameters
    ----------
    path
        ``asset_oil-and-gas-production-and-transport_emissions.csv`` (tonnes).

    Returns
    -------
    DataFrame with one row per asset and year: ``asset_id`` (int), ``iso3``, ``name``,
    ``asset_type`` ("Oil" or "Gas"), ``year`` (int), ``lon``, ``lat`` (degrees) and
    ``emission_t`` (t CH4 that year).

    Notes
    -----
    US assets are whole basins on one point (Permian TX, 4.62 Mt in 2021); spread them
    before gridding. Zapolyarnoye (RUS) sits about 2,000 km from the real field. Do not
    mix this release with the 2023 country series of `read_country_series`.
    """
    raw = read_csv_checked(path, _ASSET_COLUMNS)
    rows = _rows_of_gas(raw, "ch4", path)
    rows = rows.assign(year=_years(rows["start_time"], path))
    _require_unique(rows, ["asset_id", "year"], path)

    assets = _asset_frame(rows, path)
    assets["asset_type"] = rows["asset_type"].to_numpy()
    assets["year"] = rows["year"].to_numpy()
    columns = ["asset_id", "iso3", "name", "asset_type", "year", "lon", "lat"]
    ordered = assets[[*columns, "emission_t"]]
    return ordered.sort_values(["asset_id", "year"], ignore_index=True)


def _asset_frame(rows: pd.DataFrame, path: Path) -> pd.DataFrame:
    lon, lat = points_from_wkt(rows["st_astext"], path)
    return pd.DataFrame(
        {
            "asset_id": rows["asset_id"].to_numpy(np.int64),
            "iso3": rows["iso3_country"].to_numpy(),
            "name": rows["asset_name"].to_numpy(),
            "lon": lon,
            "lat": lat,
            "emission_t": rows["emissions_quantity"].to_numpy(np.float64),
        }
    )


def _fix_codes(assets: pd.DataFrame) -> pd.Series:
    wrong = assets["iso3"].isin(list(ASSET_CODE_FIXES))
    if wrong.any():
        fixes = ", ".join(f"{bad} -> {good}" for bad, good in ASSET_CODE_FIXES.items())
        warn_quirk(
            f"corrected the country code ({fixes}) of {wrong.sum()} Climate TRACE "
            f"assets: {name_rows(assets.loc[wrong, 'name'])}",
            stacklevel=4,
        )
    return assets["iso3"].replace(ASSET_CODE_FIXES)


def _rows_of_gas(raw: pd.DataFrame, gas: str, path: Path) -> pd.DataFrame:
    rows = raw[raw["gas"] == gas]
    if rows.empty:
        raise InputFormatError(
            f"{path} has no rows of gas {gas!r}; it has {sorted(raw['gas'].unique())}"
        )
    return rows


def _years(start_time: pd.Series, path: Path) -> pd.Series:
    years = pd.to_numeric(start_time.astype(str).str[:4], errors="coerce")
    if years.isna().any():
        bad = name_rows(start_time[years.isna()].unique(), limit=3)
        raise InputFormatError(
            f"{path}: start_time must begin with a year, found {bad}"
        )
    return years.astype(np.int64)


def _require_values(
    raw: pd.DataFrame, column: str, allowed: set[str], path: Path
) -> None:
    found = set(raw[column].dropna().unique())
    if not found <= allowed:
        raise InputFormatError(
            f"{path}: column {column!r} holds {sorted(found - allowed)}; expected only "
            f"{sorted(allowed)}"
        )


def _require_unique(rows: pd.DataFrame, keys: list[str], path: Path) -> None:
    repeated = rows.duplicated(keys, keep=False)
    if repeated.any():
        raise InputFormatError(
            f"{path}: {repeated.sum()} rows repeat the key {keys} (first "
            f"{rows.loc[repeated, keys].head(3).to_dict('records')}); expected one row "
            "per key"
        )
