"""The STAC Collection describing one cube version: extent, variables, the Zarr asset.

It uses the Datacube extension for the dimensions and variables of the cube and the
Version extension for the version it describes, so that a catalogue entry names the
exact data a figure was made from.
"""

from datetime import UTC, datetime
from typing import Any

import pystac
from pystac.extensions.datacube import (
    DatacubeExtension,
    Dimension,
    DimensionType,
    HorizontalSpatialDimension,
    HorizontalSpatialDimensionAxis,
    TemporalDimension,
    Variable,
    VariableType,
)
from pystac.extensions.version import VersionExtension

from methanemap.serve.catalog import cube_periods
from methanemap.store import CubeSnapshot
from methanemap.store.layout import extensive

COLLECTION_ID = "methanemap-fossil-ch4"
ZARR_MEDIA_TYPE = "application/vnd+zarr"


def stac_collection(snapshot: CubeSnapshot) -> dict[str, Any]:
    """The STAC Collection (as JSON-ready dict) of one cube version.

    Parameters
    ----------
    snapshot
        An open cube version; its id becomes the collection's ``version``.
    """
    attrs = snapshot.ds.attrs
    periods = cube_periods(snapshot)
    start = datetime.combine(periods[0].start, datetime.min.time(), UTC)
    end = datetime.combine(periods[-1].end, datetime.min.time(), UTC)
    collection = pystac.Collection(
        id=COLLECTION_ID,
        title=str(attrs.get("title", "methanemap fossil CH4 emissions")),
        description=str(attrs.get("summary", "Fossil CH4 emissions per cell.")),
        extent=pystac.Extent(
            pystac.SpatialExtent([_bbox(attrs)]),
            pystac.TemporalExtent([[start, end]]),
        ),
        license=_license(str(attrs.get("license", "other"))),
        keywords=[k.strip() for k in str(attrs.get("keywords", "")).split(",") if k],
        providers=[
            pystac.Provider(
                name=str(attrs.get("creator_name", "methanemap")),
                roles=[pystac.ProviderRole.PRODUCER, pystac.ProviderRole.PROCESSOR],
            )
        ],
    )
    _describe_cube(collection, snapshot, start, end)
    _add_asset(collection, snapshot)
    version = VersionExtension.ext(collection, add_if_missing=True)
    version.version = snapshot.version
    result: dict[str, Any] = collection.to_dict(include_self_link=False)
    return result


def _describe_cube(
    collection: pystac.Collection,
    snapshot: CubeSnapshot,
    start: datetime,
    end: datetime,
) -> None:
    ds = snapshot.ds
    step = float(ds["lat"][1] - ds["lat"][0]) if ds.sizes["lat"] > 1 else None
    west, south, east, north = _bbox(ds.attrs)
    dimensions: dict[str, Dimension] = {
        "time": TemporalDimension(
            {
                "type": DimensionType.TEMPORAL,
                "extent": [_iso(start), _iso(end)],
                "step": "P8D",
                "description": "8-day periods; the coordinate is each period's start",
            }
        ),
        "lat": HorizontalSpatialDimension(
            {
                "type": DimensionType.SPATIAL,
                "axis": HorizontalSpatialDimensionAxis.Y,
                "extent": [south, north],
                "step": step,
                "reference_system": 4326,
            }
        ),
        "lon": HorizontalSpatialDimension(
            {
                "type": DimensionType.SPATIAL,
                "axis": HorizontalSpatialDimensionAxis.X,
                "extent": [west, east],
                "step": step,
                "reference_system": 4326,
            }
        ),
    }
    variables = {
        name: Variable(
            {
                "dimensions": list(map(str, ds[name].dims)),
                "type": VariableType.DATA,
                "unit": str(ds[name].attrs.get("units", "")),
                "description": str(ds[name].attrs.get("long_name", name)),
            }
        )
        for name in extensive(ds)
    }
    cube = DatacubeExtension.ext(collection, add_if_missing=True)
    cube.apply(dimensions=dimensions, variables=variables)


def _add_asset(collection: pystac.Collection, snapshot: CubeSnapshot) -> None:
    layouts = ["overviews/1..5 (coarser levels, mass summed)", "history (by cell)"]
    collection.add_asset(
        "cube",
        pystac.Asset(
            href=snapshot.location,
            media_type=ZARR_MEDIA_TYPE,
            title="The cube: an Icechunk repository of Zarr v3 arrays",
            description="Open with `methanemap.store.open_cube(href, version)`, or "
            "with Icechunk and xarray at the snapshot named by `version`. Groups: "
            f"root (tiles), {', '.join(layouts)}, periods (totals and fingerprints).",
            roles=["data"],
            extra_fields={"icechunk:snapshot_id": snapshot.version},
        ),
    )


def _bbox(attrs: dict[Any, Any]) -> list[float]:
    keys = ("lon_min", "lat_min", "lon_max", "lat_max")
    defaults = (-180.0, -90.0, 180.0, 90.0)
    return [
        float(attrs.get(f"geospatial_{k}", d))
        for k, d in zip(keys, defaults, strict=True)
    ]


def _license(text: str) -> str:
    """An SPDX id for the collection's license (``other`` when the text has none)."""
    first = text.split()[0] if text.split() else "other"
    return first if first[:1].isalpha() and "-" in first else "other"


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
