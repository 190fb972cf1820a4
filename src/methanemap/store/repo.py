"""Where a cube lives: an Icechunk repository on local disk or object storage.

The store setting is a local path or a URL: ``s3://bucket/prefix`` (with the usual AWS
environment variables, and ``AWS_ENDPOINT_URL`` for S3-compatible servers) or
``gs://bucket/prefix``.
"""

import os
from pathlib import Path
from urllib.parse import urlparse

import icechunk

from methanemap.errors import CubeNotFoundError, StoreError

BRANCH = "main"


def storage_for(location: str) -> icechunk.Storage:
    """The Icechunk storage object for a path or URL."""
    url = urlparse(location)
    if url.scheme in ("", "file"):
        return icechunk.local_filesystem_storage(str(Path(url.path).resolve()))
    prefix = url.path.lstrip("/")
    if url.scheme == "s3":
        endpoint = os.environ.get("AWS_ENDPOINT_URL")
        return icechunk.s3_storage(
            bucket=url.netloc,
            prefix=prefix,
            endpoint_url=endpoint,
            allow_http=bool(endpoint and endpoint.startswith("http://")),
            force_path_style=bool(endpoint),
            from_env=True,
        )
    if url.scheme == "gs":
        return icechunk.gcs_storage(bucket=url.netloc, prefix=prefix, from_env=True)
    raise StoreError(
        f"store {location!r} has scheme {url.scheme!r}; use a local path, s3:// or gs://"
    )


def open_repository(location: str) -> icechunk.Repository:
    """Open the existing repository at `location`."""
    storage = storage_for(location)
    if not icechunk.Repository.exists(storage):
        raise CubeNotFoundError(
            f"no methanemap cube at {location!r}; create one with "
            f"`methanemap ingest --store {location}`"
        )
    return icechunk.Repository.open(storage)


def open_or_create_repository(location: str) -> icechunk.Repository:
    """Open the repository at `location`, creating an empty one if there is none."""
    return icechunk.Repository.open_or_create(storage_for(location))
