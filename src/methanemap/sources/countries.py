"""Countries: names as the inputs write them become ISO 3166-1 alpha-3 codes here, and
Natural Earth gives each code its polygons. Every reader keys its rows by these codes.
"""

import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import country_converter as coco
import geopandas as gpd
import pandas as pd
from pandas._libs.parsers import STR_NA_VALUES
from pyogrio.errors import DataLayerError, DataSourceError, FieldError

from methanemap.errors import InputFormatError, MissingInputError
from methanemap.sources.tables import object_column, require_columns

#: Names coco gets wrong or that are no country: value None means "not one country".
#: Joint areas and regional aggregates are None; their readers resolve them.
NAME_OVERRIDES: dict[str, str | None] = {
    "Kosovo": "XKX",  # user-assigned code, as Climate TRACE and the World Bank use it
    "Türkiye": "TUR",
    "Korea": "KOR",  # IEA writes the Republic of Korea as "Korea"
    "Canary Islands": "ESP",  # GGIT area; coco has no Canary Islands entry
    "Saudi-Kuwaiti Neutral Zone": None,  # VIIRS; coco says KWT, it is shared with SAU
    "Joint Petroleum Development Area": None,  # GGIT; Australia and Timor-Leste
    "Timor Gap": None,  # GOGET; its country-list names the countries
    "World": None,
    "European Union": None,
    "Other": None,
    "Other EU7 countries": None,
    "Other EU17 countries": None,
    "Other countries in Europe": None,
    "Other countries in Southeast Asia": None,
}

#: Natural Earth ADM0_A3 codes that are no ISO code, and what ISO says instead.
#: Siachen Glacier (KAS) is disputed and has no fossil activity: it gets no code.
NATURAL_EARTH_CODES: dict[str, str | None] = {
    "KOS": "XKX",
    "SOL": "SOM",  # Somaliland is part of Somalia in ISO 3166
    "CYN": "CYP",  # Northern Cyprus is part of Cyprus in ISO 3166
    "KAS": None,
}

#: Areas several countries share, under the names the trackers give them.
JOINT_AREAS: dict[str, tuple[str, ...]] = {
    "Joint Petroleum Development Area": ("AUS", "TLS"),  # GGIT
    "Saudi-Kuwaiti Neutral Zone": ("KWT", "SAU"),  # VIIRS
}

_ISO3 = re.compile(r"[A-Z]{3}")
_BOUNDARY_COLUMNS = ["ADM0_A3", "ISO_A3_EH", "ADMIN"]


def to_iso3(names: Sequence[str]) -> list[str | None]:
    """ISO 3166-1 alpha-3 codes of country names, None where a name is no one country.

    Parameters
    ----------
    names
        Country names as an input writes them (IEA, GEM, VIIRS ...). Regional groups,
        joint areas and names coco cannot place give None; callers warn about those.

    Examples
    --------
    >>> to_iso3(["Korea", "Türkiye", "United States", "European Union"])
    ['KOR', 'TUR', 'USA', None]
    """
    return [_lookup(name) if isinstance(name, str) else None for name in names]


def to_iso3_set(names: Sequence[str]) -> tuple[str, ...]:
    """ISO3 codes of all countries `names` cover, in order, without repeats.

    A joint area of `JOINT_AREAS` gives each of its countries; names with no code give
    none (check them with `to_iso3`).

    Examples
    --------
    >>> to_iso3_set(["Kuwait", "Saudi-Kuwaiti Neutral Zone", "Atlantis"])
    ('KWT', 'SAU')
    """
    groups = [JOINT_AREAS.get(name) or (_lookup(name),) for name in names]
    return tuple(dict.fromkeys(code for group in groups for code in group if code))


@cache
def _lookup(name: str) -> str | None:
    name = name.strip()
    if name in NAME_OVERRIDES:
        return NAME_OVERRIDES[name]

    with _quiet_coco():
        found = _converter().convert(name, to="ISO3", not_found="")
    # coco returns a list when a name matches several countries ("Iran-Iraq").
    return found if isinstance(found, str) and _ISO3.fullmatch(found) else None


@cache
def _converter() -> coco.CountryConverter:
    # Workaround: since pandas-dev/pandas#68689 (pandas 3.1) read_csv applies the
    # default NA strings to converter columns, so coco 1.3.2 reads Namibia's ISO2 "NA"
    # as NaN and fails to start. Reading its table ourselves can go once coco passes
    # keep_default_na=False.
    table = pd.read_csv(
        coco.country_converter.COUNTRY_DATA_FILE,
        sep="\t",
        encoding="utf-8",
        dtype=str,
        na_values=sorted(STR_NA_VALUES - {"NA"}),
        keep_default_na=False,
    )
    return coco.CountryConverter(country_data=table)


@contextmanager
def _quiet_coco() -> Iterator[None]:
    # coco logs every unmatched or ambiguous name; our readers warn with the rows.
    logger = logging.getLogger("country_converter.country_converter")
    disabled, logger.disabled = logger.disabled, True
    try:
        yield
    finally:
        logger.disabled = disabled


def read_boundaries(path: Path) -> gpd.GeoDataFrame:
    """Country polygons from a Natural Earth admin-0 GeoJSON file.

    Parameters
    ----------
    path
        ``ne_50m_admin_0_countries.geojson`` (242 features) or the 110m file (177).

    Returns
    -------
    GeoDataFrame with one row per feature and columns ``iso3`` (ISO 3166-1 alpha-3,
    None for Siachen Glacier), ``name`` (Natural Earth ``ADMIN``) and ``geometry``
    (lon/lat degrees, EPSG:4326). ``iso3`` is not unique: Australia's Indian Ocean
    Territories and Ashmore and Cartier Islands, Somaliland and Northern Cyprus are
    listed apart from the country they belong to; dissolve by ``iso3`` for one geometry
    per country.

    Notes
    -----
    ``iso3`` is ``ISO_A3_EH`` where that is a code and ``ADM0_A3`` otherwise, mapped by
    `NATURAL_EARTH_CODES`. ``ISO_A3`` is never used: it is -99 for France and Norway.
    """
    if not Path(path).is_file():
        raise MissingInputError(f"no Natural Earth boundaries file at {path}")
    try:
        frame = gpd.read_file(path, columns=_BOUNDARY_COLUMNS)
    except (DataSourceError, DataLayerError, FieldError) as err:
        raise InputFormatError(f"cannot read {path} as GeoJSON: {err}") from err
    require_columns(frame, _BOUNDARY_COLUMNS, path)

    pairs = zip(frame["ADM0_A3"], frame["ISO_A3_EH"], strict=True)
    iso3 = [_boundary_code(adm0_a3, iso_a3_eh) for adm0_a3, iso_a3_eh in pairs]
    boundaries = gpd.GeoDataFrame(
        {"iso3": object_column(iso3, frame.index), "name": frame["ADMIN"]},
        geometry=frame.geometry,
        crs="EPSG:4326",
    )
    return boundaries


def _boundary_code(adm0_a3: str, iso_a3_eh: str) -> str | None:
    if isinstance(iso_a3_eh, str) and _ISO3.fullmatch(iso_a3_eh):
        return iso_a3_eh
    return NATURAL_EARTH_CODES.get(adm0_a3, adm0_a3)
