"""Open one consistent version of a cube, with all its layouts, for reading."""

from collections.abc import Mapping
from dataclasses import dataclass, field

import icechunk
import xarray as xr
import zarr

from methanemap.errors import CubeNotFoundError
from methanemap.store.layout import HISTORY, OVERVIEW_LEVELS, PERIODS, overview_group
from methanemap.store.repo import BRANCH, open_repository
from methanemap.store.versions import resolve_version

ATTRIBUTION = "attribution"
COUNTRIES = "countries"


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
    countries
        Exact coverage of cells by country polygons (cell, country, coverage); None
        when the cube has none.
    periods
        Per period, the ``fingerprint`` of what produced it and the global total
        ``global_<variable>`` (t) of each emission variable; None when the cube has
        none.
    """

    ds: xr.Dataset
    version: str
    location: str
    overviews: Mapping[int, xr.Dataset] = field(default_factory=dict)
    history: xr.Dataset | None = None
    attribution: xr.Dataset | None = None
    countries: xr.Dataset | None = None
    periods: xr.Dataset | None = None


def open_cube(location: str, version: str | None = None) -> CubeSnapshot:
    """Open the cube at `location`, lazily, at one version.

    Parameters
    ----------
    location
        A path or an object-store URL.
    version
        A version id, a release tag, or an ISO date or date-time (the version
        published then); the latest published version if None.

    Every read from the returned snapshot sees that one version, whatever is
    published meanwhile.

    Raises
    ------
    CubeNotFoundError
        If there is no cube at `location`.
    NotInCubeError
        If no published version has that name.
    """
    repo = open_repository(location)
    snapshot = resolve_version(repo, version)
    if repo.lookup_snapshot(snapshot).parent_id is None:
        raise CubeNotFoundError(
            f"no cube version has been published at {location!r} yet; publish one "
            f"with `methanemap ingest --store {location}`"
        )
    session = repo.readonly_session(snapshot_id=snapshot)
    return snapshot_of_session(session, location)


def snapshot_of_session(session: icechunk.Session, location: str) -> CubeSnapshot:
    """The cube held by a (read-only) session, with every layout it has."""
    store = session.store
    groups = set(zarr.open_group(store, mode="r").group_keys())
    levels: dict[int, xr.Dataset] = {}
    if "overviews" in groups:
        present = set(zarr.open_group(store, path="overviews", mode="r").group_keys())
        for level in OVERVIEW_LEVELS:
            if str(level) in present:
                levels[level] = _open(store, overview_group(level))

    return CubeSnapshot(
        ds=_open(store, None),
        version=str(session.snapshot_id),
        location=location,
        overviews=levels,
        history=_open(store, HISTORY) if HISTORY in groups else None,
        attribution=_open(store, ATTRIBUTION) if ATTRIBUTION in groups else None,
        countries=_open(store, COUNTRIES) if COUNTRIES in groups else None,
        periods=_open(store, PERIODS) if PERIODS in groups else None,
    )


def latest_version(location: str) -> str:
    """Snapshot id of the latest published version at `location`."""
    return str(open_repository(location).lookup_branch(BRANCH))


def _open(store: icechunk.IcechunkStore, group: str | None) -> xr.Dataset:
    ds: xr.Dataset = xr.open_zarr(store, group=group, consolidated=False, chunks=None)
    return ds
