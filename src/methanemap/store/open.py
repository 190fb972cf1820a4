"""Open one consistent version of a cube for reading."""

from collections.abc import Mapping
from dataclasses import dataclass, field

import xarray as xr
import zarr

from methanemap.errors import NotInCubeError
from methanemap.store.repo import BRANCH, open_repository


@dataclass(frozen=True)
class CubeSnapshot:
    """One published version of the cube: lazy datasets and the version naming them.

    Attributes
    ----------
    ds
        The full-resolution cube: ``emission_<sector>`` (time, lat, lon), t per cell
        and period, chunked for spatial reads.
    version
        The snapshot id of this version.
    location
        Where the cube lives (path or URL).
    overviews
        Coarser copies for low zooms by level ``k`` (cells of ``2**k`` x ``2**k`` fine
        cells, mass summed, so each level keeps the full-resolution mass); empty when
        the cube has none.
    history
        The same variables chunked along time (whole history of small cell blocks),
        for fast cell time series; None when the cube has none.
    attribution
        Which allocation unit (country or group) each cell's mass belongs to, per
        sector, for country totals; None when the cube has none.
    """

    ds: xr.Dataset
    version: str
    location: str
    overviews: Mapping[int, xr.Dataset] = field(default_factory=dict)
    history: xr.Dataset | None = None
    attribution: xr.Dataset | None = None


def open_cube(location: str, version: str | None = None) -> CubeSnapshot:
    """Open the cube at `location`, lazily, at `version` (a snapshot id or tag).

    With no version, the latest published version is opened. Every read from the
    returned snapshot sees that one version, whatever is published meanwhile.
    """
    repo = open_repository(location)
    if version is None:
        session = repo.readonly_session(branch=BRANCH)
    elif version in repo.list_tags():
        session = repo.readonly_session(tag=version)
    else:
        session = _session_at_snapshot(repo, version)
    ds = xr.open_zarr(session.store, consolidated=False, chunks=None)
    return CubeSnapshot(
        ds=ds,
        version=session.snapshot_id,
        location=location,
        attribution=_open_group(session.store, "attribution"),
    )


def _open_group(store: object, name: str) -> xr.Dataset | None:
    """The group `name` of a cube, or None when this cube has none."""
    try:
        return xr.open_zarr(store, group=name, consolidated=False, chunks=None)
    except (FileNotFoundError, KeyError, zarr.errors.GroupNotFoundError):
        return None


def latest_version(location: str) -> str:
    """Snapshot id of the latest published version at `location`."""
    return str(open_repository(location).lookup_branch(BRANCH))


def _session_at_snapshot(repo, version: str):  # type: ignore[no-untyped-def]
    try:
        return repo.readonly_session(snapshot_id=version)
    except Exception as exc:  # icechunk raises its own error types for unknown ids
        raise NotInCubeError(
            f"cube version {version!r} does not exist; list versions at /versions",
            parameter="version",
        ) from exc
