"""Open the cube as one xarray Dataset from wherever it is: a local path, an object
store, or a methanemap service's Zarr endpoint (``/zarr``), for notebooks and scripts.
"""

import os
from typing import Any
from urllib.parse import quote, urlparse

import xarray as xr

from methanemap.errors import CubeNotFoundError, QueryError
from methanemap.store.repo import open_repository
from methanemap.store.versions import resolve_version

HTTP_SCHEMES = ("http", "https")
ZARR_ROUTE = "zarr"


def open_dataset(
    source: str | os.PathLike[str],
    version: str | None = None,
    *,
    group: str | None = None,
    chunks: Any = None,
) -> xr.Dataset:
    """The cube at `source`, lazily, as a Dataset with decoded times and CF attributes.

    Parameters
    ----------
    source
        A local path or ``s3://`` / ``gs://`` URL of the Icechunk repository, or the
        URL of a methanemap service (``http://host:8000``, or its ``/zarr`` URL).
        Over HTTP only fsspec, aiohttp and zarr are needed, not methanemap. An
        ``s3://`` URL is reached with the standard AWS variables
        (``AWS_ENDPOINT_URL`` for S3-compatible servers, ``AWS_REGION``,
        ``AWS_ACCESS_KEY_ID``, ...; see `methanemap.store.repo.s3_settings`).
    version
        A version id, release tag or ISO date (the version published then); the
        latest when None.
    group
        A group of the cube (``"history"``, ``"countries"``, ``"overviews/3"``, ...);
        the full-resolution emissions (``emission_<sector>``, t per cell and period)
        when None.
    chunks
        As for `xarray.open_zarr`: None for lazily indexed arrays (a selection reads
        only its chunks), ``{}`` for Dask arrays of the stored chunks.

    Raises
    ------
    CubeNotFoundError
        If there is no cube at a local or object-store `source` (or no such bucket),
        or none published.
    StoreError
        If the object store cannot be reached or refuses the credentials.
    NotInCubeError
        If no published version has that name.
    """
    location = os.fspath(source)
    if urlparse(location).scheme in HTTP_SCHEMES:
        url = zarr_url(location, version)
        ds: xr.Dataset = xr.open_zarr(
            url, group=group, consolidated=True, chunks=chunks
        )
        return ds

    repo = open_repository(location)
    snapshot = resolve_version(repo, version)
    if repo.lookup_snapshot(snapshot).parent_id is None:
        raise CubeNotFoundError(
            f"no cube version has been published at {location!r} yet; publish one "
            f"with `methanemap ingest --store {location}`"
        )
    store = repo.readonly_session(snapshot_id=snapshot).store
    local: xr.Dataset = xr.open_zarr(
        store, group=group, consolidated=False, chunks=chunks
    )
    return local


def zarr_url(service: str, version: str | None = None) -> str:
    """The Zarr URL of a service's cube: ``<service>/zarr`` for the latest version,
    ``<service>/zarr/versions/<version>`` for a named one.

    `service` may already end in ``/zarr``; naming a version there and in `version`
    at once is an error.
    """
    base = service.rstrip("/")
    segments = urlparse(base).path.split("/")
    if ZARR_ROUTE not in segments:
        base = f"{base}/{ZARR_ROUTE}"
    if version is None:
        return base
    if "versions" in segments:
        raise QueryError(
            f"{service!r} names a version already and version={version!r} names "
            "another; pass the service URL with one version",
            parameter="version",
        )
    return f"{base}/versions/{quote(version, safe='')}"
