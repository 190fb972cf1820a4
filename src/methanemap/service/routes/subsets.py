"""``GET /subsets``: the cube's cells in a bbox over some periods, to download as
netCDF or a zipped Zarr store, capped in size.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from methanemap.serve.subsets import (
    MEDIA_TYPES,
    SUFFIXES,
    Format,
    subset_dataset,
    to_bytes,
    validate_format,
)
from methanemap.service.answers import CUBE_PROBLEMS, file_answer, problems
from methanemap.service.deps import VersionedSnapshotDep
from methanemap.service.queryparams import Bbox, LimitsDep, Sector, TimeSpanDep
from methanemap.store import CubeSnapshot

router = APIRouter(tags=["subsets"])

FileFormat = Annotated[
    str,
    Query(
        alias="format",
        max_length=8,
        description="netcdf (one netCDF-4 file) or zarr (a Zarr v2 store in a zip).",
        examples=["netcdf", "zarr"],
    ),
]
FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {media: {} for media in MEDIA_TYPES.values()},
        "description": "The subset, with the cube's attributes and provenance.",
    },
    **CUBE_PROBLEMS,
    **problems(413),
}


@router.get("/subsets", response_class=Response, responses=FILES)
async def get_subset(
    snapshot: VersionedSnapshotDep,
    limits: LimitsDep,
    bbox: Bbox,
    span: TimeSpanDep,
    sector: Sector = None,
    file_format: FileFormat = "netcdf",
) -> Response:
    """The cube's cells in a bbox and time range, as netCDF or a zipped Zarr store."""
    fmt = validate_format(file_format)
    ds = subset_dataset(
        snapshot,
        bbox,
        sector=sector,
        limits=limits,
        **span.args(),
    )
    content = await run_in_threadpool(to_bytes, ds, fmt)
    return file_answer(
        content, MEDIA_TYPES[fmt], _filename(snapshot, fmt), snapshot.version
    )


def _filename(snapshot: CubeSnapshot, fmt: Format) -> str:
    return f"methanemap-{snapshot.version}{SUFFIXES[fmt]}"
