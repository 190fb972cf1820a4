"""Gas transmission proxies: pipeline length x capacity per cell, and LNG terminals.

Each operating pipeline is cut into pieces of at most 0.01 degree; a piece lies in the
cell of its midpoint and weighs its geodesic length (km, WGS84) times the pipeline's
capacity (bcm a-1). A pipeline with no usable capacity takes the median capacity of its
country's operating pipelines (else of all of them). A piece of a pipeline that crosses
several countries belongs to the listed country whose polygon holds its midpoint, and a
piece outside all of them (offshore) to each listed country in equal parts.
"""

import logging

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import Geod

from methanemap.pipeline.proxies import POINT_COLUMNS

log = logging.getLogger(__name__)

PIECE_DEGREES = 0.01
OPERATING = "operating"
_GEOD = Geod(ellps="WGS84")


def pipeline_points(
    infrastructure: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame
) -> pd.DataFrame:
    """Midpoints of operating pipeline pieces weighted by length x capacity."""
    lines = infrastructure[
        (infrastructure["kind"] == "pipeline") & (infrastructure["status"] == OPERATING)
    ]
    lines = lines.assign(capacity=_filled_capacity(lines))
    pieces = _pieces(lines)
    pieces = _assign_countries(pieces, boundaries)
    log.info(
        "pipeline proxies: %d operating pipelines, %.0f km in %d pieces",
        len(lines),
        pieces["length_km"].sum() / 1.0,
        len(pieces),
    )
    return pd.DataFrame(
        {
            "iso3": pieces["iso3"].to_numpy(),
            "lon": pieces["lon"].to_numpy(),
            "lat": pieces["lat"].to_numpy(),
            "weight": (pieces["length_km"] * pieces["capacity"] * pieces["share"]),
            "source": "gem_gas_infrastructure:pipelines",
        }
    )[POINT_COLUMNS]


def lng_points(infrastructure: gpd.GeoDataFrame) -> pd.DataFrame:
    """Operating LNG terminal units weighted by capacity (mtpa; unknown: the median)."""
    units = infrastructure[
        infrastructure["kind"].str.startswith("lng")
        & (infrastructure["status"] == OPERATING)
    ]
    capacity = units["capacity_mtpa"].fillna(units["capacity_mtpa"].median())
    exploded = units.assign(weight=capacity).explode("countries")
    share = 1 / units["countries"].map(len).reindex(exploded.index)
    return pd.DataFrame(
        {
            "iso3": exploded["countries"].to_numpy(),
            "lon": exploded.geometry.x.to_numpy(),
            "lat": exploded.geometry.y.to_numpy(),
            "weight": (exploded["weight"] * share).to_numpy(float),
            "source": "gem_gas_infrastructure:lng",
        }
    )[POINT_COLUMNS]


def _filled_capacity(lines: gpd.GeoDataFrame) -> pd.Series:
    """Capacity (bcm a-1), a missing one replaced by its first country's median."""
    first = lines["countries"].map(lambda c: c[0] if len(c) else None)
    median = lines.groupby(first)["capacity_bcm"].median()
    filled = lines["capacity_bcm"].fillna(first.map(median))
    return filled.fillna(lines["capacity_bcm"].median())


def _pieces(lines: gpd.GeoDataFrame) -> pd.DataFrame:
    """Pieces of every line: midpoint, geodesic length (km), and the line's row."""
    parts = lines.geometry.explode(index_parts=False)
    parts = parts[shapely.length(parts.to_numpy()) > 0]  # some parts repeat one point
    cut = shapely.segmentize(parts.to_numpy(), PIECE_DEGREES)
    coords, which = shapely.get_coordinates(cut, return_index=True)
    same = which[1:] == which[:-1]
    start, end = coords[:-1][same], coords[1:][same]
    _, _, metres = _GEOD.inv(start[:, 0], start[:, 1], end[:, 0], end[:, 1])
    line_row = parts.index.to_numpy()[which[:-1][same]]
    return pd.DataFrame(
        {
            "line": line_row,
            "lon": (start[:, 0] + end[:, 0]) / 2,
            "lat": (start[:, 1] + end[:, 1]) / 2,
            "length_km": metres / 1000,
            "capacity": lines["capacity"].reindex(line_row).to_numpy(),
            "countries": lines["countries"].reindex(line_row).to_numpy(),
        }
    )


def _assign_countries(
    pieces: pd.DataFrame, boundaries: gpd.GeoDataFrame
) -> pd.DataFrame:
    """One row per piece and owning country, with the piece's share of it."""
    single = pieces["countries"].map(len) == 1
    own = pieces[single].assign(
        iso3=pieces.loc[single, "countries"].map(lambda c: c[0]), share=1.0
    )
    shared = pieces[~single].reset_index(drop=True)
    points = gpd.GeoDataFrame(
        shared, geometry=gpd.points_from_xy(shared["lon"], shared["lat"]), crs=4326
    )
    hits = gpd.sjoin(points, boundaries[["iso3", "geometry"]], predicate="within")
    listed = hits[
        [iso in c for iso, c in zip(hits["iso3"], hits["countries"], strict=True)]
    ]
    listed = listed[~listed.index.duplicated()]
    inside = shared.loc[listed.index].assign(iso3=listed["iso3"], share=1.0)
    rest = shared.drop(index=listed.index)
    split = rest.assign(iso3=rest["countries"]).explode("iso3")
    split["share"] = 1 / split["countries"].map(len)
    return pd.concat([own, inside, split], ignore_index=True)
