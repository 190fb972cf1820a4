"""Global Energy Monitor trackers: coal mines (GCMT), oil and gas fields (GOGET) and gas
pipelines and LNG terminals (GGIT), where national totals are placed within countries.
"""

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from methanemap.errors import InputFormatError
from methanemap.sources.countries import to_iso3, to_iso3_set
from methanemap.sources.tables import (
    drop_exact_duplicates,
    name_rows,
    object_column,
    read_csv_checked,
    read_sheets,
    to_numbers,
    warn_quirk,
)

#: Rows whose position is plainly wrong; none has production or capacity, so dropping
#: them loses no weight. Each is named in a warning when it is dropped.
MISPLACED = {
    "M6272": "Morningstar (United States, retired) lies at 4.08 N 78.98 W, in the "
    "Pacific off Colombia",
    "OG0020674": "Cambriol (Canada) lies at 47.5 N 52.5 E, in Kazakhstan: its "
    "longitude lost the minus sign",
}
_OIL = "production---oil-(million-bbl/y)"
_GAS = "production---gas-(million-m³/y)"
#: Pipeline capacities above this (bcm a-1) are unit errors, read as missing.
MAX_PIPELINE_BCM = 200.0
_GGIT_KINDS = {
    ("GGIT", "GGIT"): "pipeline",
    ("GGIT-lng", "GGIT - import"): "lng_import",
    ("GGIT-lng", "GGIT - export"): "lng_export",
}
_LINES = {shapely.GeometryType.LINESTRING, shapely.GeometryType.MULTILINESTRING}
_GGIT_GEOMETRIES = {
    "pipeline": _LINES,
    "lng_import": {shapely.GeometryType.POINT},
    "lng_export": {shapely.GeometryType.POINT},
}
_GGIT_COLUMNS = [
    "id", "name", "unit-name", "status", "areas", "capacity", "geometry",
    "tracker-acro", "tracker-custom",
]  # fmt: skip
_MINE_COLUMNS = [
    "id", "country", "project", "status", "capacity", "production", "lat", "lng",
]  # fmt: skip
_FIELD_COLUMNS = [
    "unit-id", "country/area", "country-list", "wiki-name", "status", "lat", "lng",
    _OIL, _GAS,
]  # fmt: skip


def read_coal_mines(path: Path) -> pd.DataFrame:
    """Coal mines of the GEM Global Coal Mine Tracker map file (May 2024).

    Parameters
    ----------
    path
        ``data.csv``, UTF-16 LE with a byte-order mark.

    Returns
    -------
    DataFrame with one row per mine, unit or phase: ``mine_id`` (GEM id, repeated for
    units of one mine), ``iso3``, ``name``, ``status`` ("operating", "retired" ...),
    ``lon``, ``lat`` (degrees), ``production_mt`` (coal output, Mt a-1) and
    ``capacity_mtpa`` (Mt a-1); missing numbers are NaN.

    Notes
    -----
    The exact duplicate row of M3339 and the misplaced mines of `MISPLACED` are dropped,
    text in numeric columns becomes NaN, each with a warning. The map's ``circle_value``
    is not read: 3.008 there is a display default, not data. Chinese mines report
    capacity but almost no production.
    """
    _require_utf16(path)
    raw = read_csv_checked(path, _MINE_COLUMNS, encoding="utf-16")
    raw = drop_exact_duplicates(raw, "id", path)
    raw = to_numbers(raw, ["capacity", "production", "lat", "lng"], ids="id")

    raw = _drop_misplaced(raw, "id")
    raw = _drop_bad_positions(raw, "id", {"production": "Mt", "capacity": "Mtpa"})
    countries = _countries([[name] for name in raw["country"]], raw["id"])
    mines = pd.DataFrame(
        {
            "mine_id": raw["id"],
            "iso3": object_column(_single(countries), raw.index),
            "name": raw["project"],
            "status": raw["status"],
            "lon": raw["lng"],
            "lat": raw["lat"],
            "production_mt": raw["production"],
            "capacity_mtpa": raw["capacity"],
        }
    )
    return mines.reset_index(drop=True)


def read_oil_gas_fields(path: Path) -> pd.DataFrame:
    """Oil and gas fields of the GEM Oil and Gas Extraction Tracker map file (2025-02).

    Parameters
    ----------
    path
        ``Oil & Gas Extraction-map-file-2025-02-26.csv`` (UTF-8).

    Returns
    -------
    DataFrame with one row per field: ``unit_id``, ``iso3`` (None for joint areas),
    ``countries`` (tuple of every iso3 of the field, one for most), ``name``,
    ``status`` (missing where GEM has none), ``lon``, ``lat`` (degrees), ``oil_mbbl``
    (oil, million bbl a-1) and ``gas_mm3`` (gas, million m3 a-1). Production years are
    mixed (mostly 2022-2023); missing production is NaN.

    Notes
    -----
    Rows with |lat| > 90 (70: 69 Russian fields at a placeholder, Mampak swapped) and
    the misplaced fields of `MISPLACED` are dropped, with warnings giving their
    production (10 of the 70 produce: 115.4 million bbl oil, 5,600 million m3 gas).
    """
    raw = read_csv_checked(path, _FIELD_COLUMNS, encoding="utf-8")
    raw = to_numbers(raw, ["lat", "lng", _OIL, _GAS], ids="unit-id")
    raw = _drop_bad_positions(
        raw, "unit-id", {_OIL: "million bbl/a oil", _GAS: "million m3/a gas"}
    )
    raw = _drop_misplaced(raw, "unit-id")

    pairs = zip(raw["country/area"], raw["country-list"], strict=True)
    countries = _countries([_field_names(*pair) for pair in pairs], raw["unit-id"])
    fields = pd.DataFrame(
        {
            "unit_id": raw["unit-id"],
            "iso3": object_column(_single(countries), raw.index),
            "countries": object_column(countries, raw.index),
            "name": raw["wiki-name"],
            "status": raw["status"],
            "lon": raw["lng"],
            "lat": raw["lat"],
            "oil_mbbl": raw[_OIL],
            "gas_mm3": raw[_GAS],
        }
    )
    return fields.reset_index(drop=True)


def read_gas_infrastructure(path: Path) -> gpd.GeoDataFrame:
    """Gas pipelines and LNG terminal units of the GEM Gas Infrastructure Tracker.

    Parameters
    ----------
    path
        ``ggit_2024-10-08.xlsx``, one sheet with WKT routes and points.

    Returns
    -------
    GeoDataFrame with one row per pipeline or LNG unit: ``facility_id`` (P... or T...),
    ``kind`` ("pipeline", "lng_import" or "lng_export"), ``name``, ``unit_name``,
    ``status``, ``iso3`` (None when it spans several countries), ``countries`` (tuple
    of iso3), ``capacity_bcm`` (pipelines, bcm a-1), ``capacity_mtpa`` (LNG units,
    Mt LNG a-1) and ``geometry`` (LineString or MultiLineString routes, Point units;
    lon/lat degrees, EPSG:4326).

    Notes
    -----
    Pipeline capacities above `MAX_PIPELINE_BCM` are unit errors (Habshan-Maqta-Taweelah
    101,358.74 "bcm/y") and become NaN with a warning, so callers treat them as missing.
    Only transmission is covered: no distribution grids or gathering lines.
    """
    raw = read_sheets(path, {"Sheet1": _GGIT_COLUMNS})["Sheet1"]
    raw = to_numbers(raw, ["capacity"], ids="id")
    kind = _ggit_kinds(raw, path)
    geometry = _ggit_geometry(raw, kind, path)

    pipeline = kind == "pipeline"
    capacity = _drop_unit_errors(raw, pipeline)
    areas = [a.split(",") if isinstance(a, str) else [] for a in raw["areas"]]
    countries = _countries([[n.strip() for n in names] for names in areas], raw["id"])
    frame = pd.DataFrame(
        {
            "facility_id": raw["id"],
            "kind": kind,
            "name": raw["name"],
            "unit_name": raw["unit-name"],
            "status": raw["status"],
            "iso3": object_column(_single(countries), raw.index),
            "countries": object_column(countries, raw.index),
            "capacity_bcm": capacity.where(pipeline),
            "capacity_mtpa": raw["capacity"].where(~pipeline),
        }
    )
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def _require_utf16(path: Path) -> None:
    with path.open("rb") as file:
        start = file.read(2)
    if start != b"\xff\xfe":
        raise InputFormatError(
            f"{path} does not start with the UTF-16 LE byte-order mark FF FE (it "
            f"starts with {start.hex(' ').upper()}); GEM's coal mine map file is "
            "UTF-16, so this looks like a re-saved copy: use the registered file"
        )


def _drop_misplaced(raw: pd.DataFrame, ids: str) -> pd.DataFrame:
    wrong = raw[ids].isin(list(MISPLACED))
    for row_id in raw.loc[wrong, ids]:
        warn_quirk(f"dropped {row_id}: {MISPLACED[row_id]}", stacklevel=4)
    return raw[~wrong]


def _drop_bad_positions(
    raw: pd.DataFrame, ids: str, amounts: dict[str, str]
) -> pd.DataFrame:
    """`raw` without rows outside lon/lat range; `amounts` maps columns to units."""
    bad = ~(raw["lat"].abs().le(90) & raw["lng"].abs().le(180))
    if bad.any():
        lost = ", ".join(
            f"{raw.loc[bad, c].sum():,.1f} {u}" for c, u in amounts.items()
        )
        warn_quirk(
            f"dropped {bad.sum()} rows with no valid position (|lat| > 90, |lng| > 180 "
            f"or missing), which carry {lost}: {name_rows(raw.loc[bad, ids])}",
            stacklevel=4,
        )
    return raw[~bad]


def _countries(name_lists: list[list[str]], ids: pd.Series) -> list[tuple[str, ...]]:
    """ISO3 codes of each row's country names; names with none are left out, warned."""
    found = [to_iso3_set(names) for names in name_lists]
    unplaced = {n for names in name_lists for n in names if not to_iso3_set([n])}
    hit = [not names or bool(unplaced & set(names)) for names in name_lists]
    if any(hit):
        warn_quirk(
            f"{sum(hit)} rows name no country, or one without an ISO3 code "
            f"({sorted(unplaced)}), which adds none to their countries: "
            f"{name_rows(ids[hit])}",
            stacklevel=4,
        )
    return found


def _field_names(area: object, listed: object) -> list[str]:
    """Country names of a field: its ``country-list``, else its (joint) area name."""
    if isinstance(listed, str):
        return [name.strip() for name in listed.split(";")]
    if not isinstance(area, str):
        return []

    parts = area.split("-")  # "Russia-Kazakhstan"; "Timor-Leste" stays whole
    joint = to_iso3([area]) == [None] and None not in to_iso3(parts)
    return parts if len(parts) > 1 and joint else [area]


def _single(countries: list[tuple[str, ...]]) -> list[str | None]:
    return [codes[0] if len(codes) == 1 else None for codes in countries]


def _ggit_kinds(raw: pd.DataFrame, path: Path) -> pd.Series:
    keys = pd.Series(list(zip(raw["tracker-acro"], raw["tracker-custom"], strict=True)))
    kind = keys.map(_GGIT_KINDS)
    if kind.isna().any():
        unknown = sorted(set(keys[kind.isna()]))
        raise InputFormatError(
            f"{path}: unknown tracker columns {unknown} in rows "
            f"{name_rows(raw.loc[kind.isna().to_numpy(), 'id'])}; expected "
            f"{sorted(_GGIT_KINDS)}"
        )
    return pd.Series(kind.to_numpy(), index=raw.index, dtype="str")


def _ggit_geometry(raw: pd.DataFrame, kind: pd.Series, path: Path) -> gpd.GeoSeries:
    try:
        shapes = shapely.from_wkt(
            raw["geometry"].to_numpy(dtype=object), on_invalid="raise"
        )
    except (shapely.errors.GEOSException, TypeError) as err:
        raise InputFormatError(f"{path}: a WKT geometry does not parse: {err}") from err

    types = shapely.get_type_id(shapes)
    allowed = [t in _GGIT_GEOMETRIES[k] for t, k in zip(types, kind, strict=True)]
    if not all(allowed):
        wrong = raw.loc[[not ok for ok in allowed], "id"]
        raise InputFormatError(
            f"{path}: rows {name_rows(wrong)} have geometries unlike their kind; "
            "expected lines for pipelines and points for LNG units"
        )
    return gpd.GeoSeries(shapes, index=raw.index, crs="EPSG:4326")


def _drop_unit_errors(raw: pd.DataFrame, pipeline: pd.Series) -> pd.Series:
    capacity = raw["capacity"]
    wrong = pipeline & (capacity > MAX_PIPELINE_BCM)
    if wrong.any():
        rows = raw[wrong]
        listed = ", ".join(
            f"{i} {n} {c:,.2f}"
            for i, n, c in zip(rows["id"], rows["name"], rows["capacity"], strict=True)
        )
        warn_quirk(
            f"{wrong.sum()} pipeline capacities above {MAX_PIPELINE_BCM:.0f} bcm/a are "
            f"unit errors, read as missing (NaN): {listed}",
            stacklevel=4,
        )
    return capacity.mask(wrong)
