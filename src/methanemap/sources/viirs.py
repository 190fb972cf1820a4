"""VIIRS Nightfire gas flares (Earth Observation Group): flare sites with their flared
volume, a location proxy for upstream oil where associated gas is vented or flared.
"""

import re
from pathlib import Path

import numpy as np
import pandas as pd

from methanemap.errors import InputFormatError
from methanemap.sources.countries import JOINT_AREAS
from methanemap.sources.tables import (
    name_rows,
    object_column,
    require_columns,
    warn_quirk,
)

#: Workbook sheets by the flare kind they hold; names are matched ignoring case and
#: spaces, because later EOG years write "flares upstream" for "flares_upstream".
SITE_SHEETS = {
    "flares_upstream": "upstream",
    "flares_downstream_oil": "downstream_oil",
    "flares_downstream_gas": "downstream_gas",
}
TOTAL_SHEETS = {
    "iso_upstream": "upstream",
    "iso_downstream_oil": "downstream_oil",
    "iso_downstream_gas": "downstream_gas",
}
_SITE_COLUMNS = ["latitude", "longitude", "type", "iso_code", "country"]
_SITE_VOLUME = re.compile(r"bcm_(\d{4})")
_TOTAL_VOLUME = re.compile(r"sum_bcm(?:_(\d{4}))?")


def read_flares(path: Path) -> pd.DataFrame:
    """Flare sites of one year from a VIIRS Nightfire global flaring workbook.

    Parameters
    ----------
    path
        ``VIIRS_Global_flaring_..._2017_web_v1.xlsx``; volumes in billion m3 of gas.

    Returns
    -------
    DataFrame with one row per site of the three site sheets: ``flare_id`` (int),
    ``iso3`` (None for the Saudi-Kuwaiti Neutral Zone), ``countries`` (tuple of iso3;
    both for the Neutral Zone), ``country`` (EOG name), ``kind`` ("upstream",
    ``downstream_oil``, ``downstream_gas``), ``flare_type`` ("flare", "gas",
    "refinery", "opp", "lng", "gpp"), ``lon``, ``lat`` (degrees), ``year`` and
    ``volume_bcm`` (gas flared that year, bcm; 0 at sites seen only in other years).
    """
    sheets = _sheets(path, SITE_SHEETS)
    flares = pd.concat(
        [_sites(frame, kind, path) for kind, frame in sheets.items()], ignore_index=True
    )
    if flares["flare_id"].duplicated().any():
        repeated = flares.loc[flares["flare_id"].duplicated(), "flare_id"]
        raise InputFormatError(
            f"{path}: flare ids repeat across sheets: {name_rows(repeated)}"
        )
    columns = ["flare_id", "iso3", "countries", "country", "kind", "flare_type"]
    return _with_countries(flares, path)[[*columns, "lon", "lat", "year", "volume_bcm"]]


def read_flare_country_totals(path: Path) -> pd.DataFrame:
    """Flared volume per country and year from the ``iso_*`` sheets of the workbook.

    Parameters
    ----------
    path
        The VIIRS Nightfire flaring workbook (volumes in billion m3 of gas).

    Returns
    -------
    DataFrame with columns ``iso3``, ``countries``, ``country``, ``kind``, ``year`` and
    ``volume_bcm``, one row per country, kind and year (2012-2017). The ``Total`` rows
    and blank rows that end each sheet are left out (a warning gives the totals).
    """
    sheets = _sheets(path, TOTAL_SHEETS)
    totals = pd.concat(
        [_country_rows(frame, kind, path) for kind, frame in sheets.items()],
        ignore_index=True,
    )
    return _with_countries(totals, path)


def _sheets(path: Path, wanted: dict[str, str]) -> dict[str, pd.DataFrame]:
    """The sheets of `wanted` by kind, column names in lower case with underscores."""
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            names = {_norm(name): name for name in book.sheet_names}
            missing = [sheet for sheet in wanted if sheet not in names]
            if missing:
                raise InputFormatError(
                    f"{path} lacks the sheets {missing}; it has {book.sheet_names}"
                )
            sheets = [names[sheet] for sheet in wanted]
            frames = pd.read_excel(book, sheet_name=sheets)
    except (ValueError, KeyError, OSError) as err:
        raise InputFormatError(
            f"cannot read {path} as an xlsx workbook: {err}"
        ) from err

    kinds = dict(zip(sheets, wanted.values(), strict=True))
    return {kinds[name]: frame.rename(columns=_norm) for name, frame in frames.items()}


def _sites(frame: pd.DataFrame, kind: str, path: Path) -> pd.DataFrame:
    ids = [c for c in frame.columns if str(c).startswith("id_key")]
    volume = [c for c in frame.columns if _SITE_VOLUME.fullmatch(str(c))]
    require_columns(frame, _SITE_COLUMNS, path)
    if len(ids) != 1 or len(volume) != 1:
        raise InputFormatError(
            f"{path}: the {kind} sheet needs one id_key_YYYY and one BCM_YYYY column; "
            f"it has {list(frame.columns)}"
        )

    return pd.DataFrame(
        {
            "flare_id": frame[ids[0]].astype(np.int64),
            "iso_code": frame["iso_code"],
            "country": frame["country"],
            "kind": kind,
            "flare_type": frame["type"],
            "lon": frame["longitude"].astype(np.float64),
            "lat": frame["latitude"].astype(np.float64),
            "year": int(str(volume[0]).rsplit("_", 1)[1]),  # bcm_2017 -> 2017
            "volume_bcm": frame[volume[0]].astype(np.float64),
        }
    )


def _country_rows(frame: pd.DataFrame, kind: str, path: Path) -> pd.DataFrame:
    require_columns(frame, ["iso_code", "country"], path)
    years = _volume_years(frame, kind, path)
    footer = frame["iso_code"].isna() | (frame["iso_code"] == "Total")
    _warn_footer(frame[frame["iso_code"] == "Total"], years, kind)

    rows = frame[~footer].rename(columns=years)
    long = rows.melt(
        ["iso_code", "country"], list(years.values()), "year", "volume_bcm"
    )
    long = long.assign(kind=kind, year=long["year"].astype(np.int64))
    return long[["iso_code", "country", "kind", "year", "volume_bcm"]]


def _volume_years(frame: pd.DataFrame, kind: str, path: Path) -> dict[str, int]:
    """Year of each volume column; a bare ``sum_bcm`` is the year after the others."""
    matches = {c: _TOTAL_VOLUME.fullmatch(str(c)) for c in frame.columns}
    years = {c: int(m.group(1)) for c, m in matches.items() if m and m.group(1)}
    bare = [c for c, m in matches.items() if m and not m.group(1)]
    if not years or len(bare) > 1:
        raise InputFormatError(
            f"{path}: cannot tell the years of the {kind} volume columns; it has "
            f"{list(frame.columns)}, expected sum_BCM_YYYY"
        )

    if bare:
        years[bare[0]] = max(years.values()) + 1
        warn_quirk(
            f"iso_{kind}: read the unlabelled column {bare[0]!r} as {years[bare[0]]}",
            stacklevel=5,
        )
    return years


def _warn_footer(total: pd.DataFrame, years: dict[str, int], kind: str) -> None:
    if total.empty:
        return
    last = max(years, key=years.__getitem__)
    warn_quirk(
        f"iso_{kind}: left out the 'Total' row ({total[last].sum():.4f} bcm in "
        f"{years[last]}), the sum of the country rows above it",
        stacklevel=5,
    )


def _with_countries(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """EOG's ``iso_code`` as ``iso3`` and ``countries``; joint zones get both."""
    code = frame["iso_code"].astype(str)
    single = code.str.fullmatch(r"[A-Z]{3}")
    joint = [JOINT_AREAS.get(name, ()) for name in frame["country"]]
    countries = [
        (c,) if ok else j for c, ok, j in zip(code, single, joint, strict=True)
    ]

    other = frame.loc[~single, ["iso_code", "country"]].drop_duplicates()
    if not other.empty:
        pairs = "; ".join(
            f"{c} ({n})" for c, n in zip(other.iso_code, other.country, strict=True)
        )
        warn_quirk(
            f"{path.name}: codes that are no ISO3 code give iso3 None: {pairs}; "
            "their countries come from the name",
            stacklevel=4,
        )

    frame = frame.drop(columns="iso_code")
    frame.insert(0, "countries", object_column(countries, frame.index))
    iso3 = [c if ok else None for c, ok in zip(code, single, strict=True)]
    frame.insert(0, "iso3", object_column(iso3, frame.index))
    return frame


def _norm(name: object) -> str:
    return re.sub(r"\s+", "_", str(name).strip().lower())
