"""``GET /zarr/{key}`` and ``GET /zarr/versions/{version}/{key}``: the cube as a
read-only Zarr v3 store over HTTP, for ``xarray.open_zarr("http://host/zarr")``.

Metadata (``zarr.json``, consolidated in every group) is ``application/json``, chunks
``application/octet-stream``; both answer ``HEAD``, single ``Range`` requests (206) and
``If-None-Match`` (304). A key under a version id is cached forever; the latest
version's keys are revalidated on every use, since a publish changes them.
"""

import re
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from starlette.concurrency import run_in_threadpool

from methanemap.service.answers import CUBE_PROBLEMS, OpenApiResponses, get_and_head
from methanemap.service.caching import cache_headers, etag_for, etag_matches
from methanemap.service.cube import CubeHolder
from methanemap.service.queryparams import VersionPath
from methanemap.store import CubeSnapshot
from methanemap.store.zarrview import ZarrObject, zarr_view

router = APIRouter(tags=["zarr"])

JSON = "application/json"
OCTETS = "application/octet-stream"
#: The answer for the latest version: any cache must check the ETag before reuse.
REVALIDATE = "no-cache"

_RANGE = re.compile(r"^bytes=(?P<start>\d*)-(?P<end>\d*)$")

KeyPath = Annotated[
    str,
    Path(
        description="A Zarr v3 key: 'zarr.json', '<node>/zarr.json' or a chunk key "
        "'<array>/c/<i>/<j>/<k>'.",
        max_length=512,
    ),
]
RESPONSES: OpenApiResponses = {
    200: {
        "content": {JSON: {}, OCTETS: {}},
        "description": "Metadata (zarr.json) as JSON, a chunk as bytes.",
    },
    206: {
        "content": {JSON: {}, OCTETS: {}},
        "description": "The byte range asked for with Range.",
    },
    304: {"description": "The key named by If-None-Match is still current."},
    **CUBE_PROBLEMS,
    404: {
        **CUBE_PROBLEMS[404],
        "description": "No such key (v2 metadata, or a chunk never written), or no "
        "such version.",
    },
    416: {"description": "The Range lies past the end of the key."},
}


@get_and_head(router, "/zarr/versions/{version}/{key:path}", responses=RESPONSES)
async def get_versioned_zarr_key(
    request: Request, version: VersionPath, key: KeyPath
) -> Response:
    """One key of the cube's Zarr v3 store at a named version."""
    holder: CubeHolder = request.app.state.cube
    snapshot = await run_in_threadpool(holder.at, version)
    return await _answer(request, snapshot, key, forever=version == snapshot.version)


@get_and_head(router, "/zarr/{key:path}", responses=RESPONSES)
async def get_zarr_key(request: Request, key: KeyPath) -> Response:
    """One key of the latest cube version's Zarr v3 store."""
    holder: CubeHolder = request.app.state.cube
    snapshot = await run_in_threadpool(holder.current)
    return await _answer(request, snapshot, key, forever=False)


async def _answer(
    request: Request, snapshot: CubeSnapshot, key: str, *, forever: bool
) -> Response:
    etag = etag_for(snapshot.version, "zarr", key)
    headers = cache_headers(etag, 0, versioned=True) if forever else {"ETag": etag}
    headers.setdefault("Cache-Control", REVALIDATE)
    headers["Accept-Ranges"] = "bytes"
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)

    view = await run_in_threadpool(zarr_view, snapshot.location, snapshot.version)
    byte_range = _byte_range(request, etag)
    head = request.method == "HEAD"
    asked = (0, 0) if head and byte_range is None else byte_range
    found = await view.read(key, asked)
    media_type = JSON if found.is_metadata else OCTETS

    if byte_range is None:
        return _whole(found, media_type, headers, head=head)
    return _partial(found, media_type, headers, head=head)


def _whole(
    found: ZarrObject, media_type: str, headers: dict[str, str], *, head: bool
) -> Response:
    if head:
        headers["Content-Length"] = str(found.size)
        return Response(b"", media_type=media_type, headers=headers)
    return Response(found.data, media_type=media_type, headers=headers)


def _partial(
    found: ZarrObject, media_type: str, headers: dict[str, str], *, head: bool
) -> Response:
    if not found.data:
        headers["Content-Range"] = f"bytes */{found.size}"
        return Response(status_code=416, headers=headers)

    last = found.start + len(found.data) - 1
    headers["Content-Range"] = f"bytes {found.start}-{last}/{found.size}"
    if head:
        headers["Content-Length"] = str(len(found.data))
        return Response(b"", 206, media_type=media_type, headers=headers)
    return Response(found.data, 206, media_type=media_type, headers=headers)


def _byte_range(request: Request, etag: str) -> tuple[int, int | None] | None:
    """``[start, end)`` of a single-range ``Range`` header (a negative start counts
    from the end); None to answer the whole key, as RFC 9110 allows for a range
    this does not parse (several ranges) or an ``If-Range`` that no longer holds."""
    header = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if header is None or (if_range is not None and if_range.strip() != etag):
        return None
    match = _RANGE.match(header.strip())
    if match is None or match["start"] == match["end"] == "":
        return None

    if match["start"] == "":
        suffix = int(match["end"])
        return (-suffix, None) if suffix > 0 else None
    start = int(match["start"])
    end = int(match["end"]) + 1 if match["end"] else None
    if end is not None and end <= start:
        return None
    return start, end
