"""Write a cube into its repository as one commit: all of it is published or none."""

import logging
import time

import icechunk
import xarray as xr
from icechunk.xarray import to_icechunk

from methanemap.store.repo import BRANCH, open_or_create_repository
from methanemap.store.schema import DIMS

log = logging.getLogger(__name__)

#: Chunk shape of the emission variables: one period, 600 x 600 cells (1.4 MB float32).
SPATIAL_CHUNKS = {"time": 1, "lat": 600, "lon": 600}


def encoding_for(ds: xr.Dataset) -> dict[str, dict[str, object]]:
    """Zarr encoding of each variable of a cube."""
    encoding: dict[str, dict[str, object]] = {}
    for name, var in ds.data_vars.items():
        if var.dims == DIMS:
            chunks = tuple(min(SPATIAL_CHUNKS[d], var.sizes[d]) for d in DIMS)
            encoding[str(name)] = {"chunks": chunks, "fill_value": 0.0}
    encoding["time"] = {
        "units": "days since 1970-01-01",
        "calendar": "proleptic_gregorian",
    }
    return encoding


def write_cube(
    ds: xr.Dataset,
    location: str,
    message: str,
    groups: dict[str, xr.Dataset] | None = None,
) -> str:
    """Replace the cube at `location` with `ds` in one commit; returns its version.

    `groups` are written beside the cube in the same commit (for example the
    attribution), each as a Zarr group of that name.
    """
    started = time.perf_counter()
    repo = open_or_create_repository(location)
    session = repo.writable_session(BRANCH)
    to_icechunk(ds, session, mode="w", encoding=encoding_for(ds))
    for name, group in (groups or {}).items():
        to_icechunk(group, session, group=name, mode="w")
    version = session.commit(message)
    log.info(
        "committed cube version %s to %s in %.1f s",
        version,
        location,
        time.perf_counter() - started,
        extra={"version": version, "store": location},
    )
    return str(version)


def tag_release(location: str, tag: str, version: str) -> None:
    """Tag `version` as release `tag`."""
    repo = icechunk.Repository.open(open_or_create_repository(location).storage)
    repo.create_tag(tag, snapshot_id=version)
