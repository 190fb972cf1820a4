"""One cube version as a plain read-only Zarr v3 hierarchy, for serving over HTTP.

Icechunk keeps chunks under its own keys; its read-only session store answers plain
Zarr keys (``zarr.json`` per node, ``<array>/c/<i>/<j>/<k>`` per chunk), which is what
an HTTP Zarr client asks for. Every group's ``zarr.json`` is served with consolidated
metadata (zarr-python 3's inline ``consolidated_metadata``) so a client reads the whole
hierarchy in one request and never needs a directory listing. Only Zarr v3 is served:
v2 metadata keys (``.zmetadata``, ``.zgroup``, ``.zarray``, ``.zattrs``) are not found.
"""

import asyncio
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import icechunk
import zarr.api.asynchronous as zarr_async
from zarr import AsyncGroup
from zarr.abc.store import RangeByteRequest
from zarr.core.buffer import default_buffer_prototype
from zarr.errors import ZarrUserWarning
from zarr.storage import MemoryStore

from methanemap.errors import NotInCubeError, QueryError
from methanemap.store.repo import open_repository

#: The Zarr format the view advertises.
ZARR_FORMAT: Literal[3] = 3
METADATA_NAME = "zarr.json"
#: Longest key accepted; the cube's deepest chunk key is well under 100 characters.
MAX_KEY_LENGTH = 512
#: Zarr v2 metadata file names, answered "not found" with a pointer to v3.
V2_NAMES = frozenset({".zmetadata", ".zgroup", ".zarray", ".zattrs"})
#: Versions whose views are kept (each holds the metadata documents, a few 100 kB).
KEPT_VIEWS = 8

_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
_CHUNK = re.compile(r"^(?P<node>.+?)/c(?:/\d{1,9})+$")


@dataclass(frozen=True)
class ZarrObject:
    """Bytes of one key, or of a byte range of it.

    Attributes
    ----------
    data
        The bytes asked for (empty when only the size was asked).
    size
        Size of the whole object in bytes.
    start
        Offset of `data` in the object.
    is_metadata
        Whether the key is a metadata document (JSON) rather than a chunk.
    """

    data: bytes
    size: int
    start: int
    is_metadata: bool


class ZarrView:
    """The read-only Zarr v3 hierarchy of the cube version `snapshot_id`.

    Parameters
    ----------
    location
        The cube's path or object-store URL.
    snapshot_id
        The version (snapshot id) to serve.
    """

    def __init__(self, location: str, snapshot_id: str) -> None:
        repo = open_repository(location)
        self.version = snapshot_id
        self._store = repo.readonly_session(snapshot_id=snapshot_id).store
        self._metadata: dict[str, bytes] | None = None
        self._lock = asyncio.Lock()

    async def read(
        self, key: str, byte_range: tuple[int, int | None] | None = None
    ) -> ZarrObject:
        """The bytes of `key`, or of ``[start, end)`` of it when `byte_range` is given
        (``end`` None for the rest of the object, a negative ``start`` for that many
        last bytes); a range past the end gives no bytes.

        Raises
        ------
        QueryError
            If `key` is not a well-formed Zarr key (empty, absolute, ``..``).
        NotInCubeError
            If the hierarchy has no such key (v2 metadata, a chunk never written).
        """
        validate_key(key)
        if key == METADATA_NAME or key.endswith("/" + METADATA_NAME):
            whole = (await self.metadata()).get(key)
            if whole is None:
                raise NotInCubeError(f"no Zarr node at {_node_of(key)!r} in the cube")
            return _slice(whole, byte_range, is_metadata=True)

        if _CHUNK.match(key) is None:
            raise NotInCubeError(_not_a_key(key))
        return await self._read_chunk(key, byte_range)

    async def metadata(self) -> dict[str, bytes]:
        """Every node's ``zarr.json`` by key, groups with consolidated metadata."""
        async with self._lock:
            if self._metadata is None:
                self._metadata = await _consolidated(self._store)
        return self._metadata

    async def _read_chunk(
        self, key: str, byte_range: tuple[int, int | None] | None
    ) -> ZarrObject:
        node = key.partition("/c/")[0]
        if f"{node}/{METADATA_NAME}" not in await self.metadata():
            raise NotInCubeError(f"no array at {node!r} in the cube")
        prototype = default_buffer_prototype()
        # Icechunk answers 0 for the size of a chunk it does not hold
        size = await self._store.getsize(key)
        if size == 0 and not await self._store.exists(key):
            raise NotInCubeError(_missing_chunk(key))

        start, end = _bounds(byte_range, size)
        if start >= end:
            return ZarrObject(b"", size, start, is_metadata=False)
        buffer = await self._store.get(key, prototype, RangeByteRequest(start, end))
        if buffer is None:
            raise NotInCubeError(_missing_chunk(key))
        return ZarrObject(buffer.to_bytes(), size, start, is_metadata=False)


def zarr_view(location: str, snapshot_id: str) -> ZarrView:
    """The (kept) Zarr view of version `snapshot_id` of the cube at `location`."""
    return _kept_view(location, snapshot_id)


@lru_cache(maxsize=KEPT_VIEWS)
def _kept_view(location: str, snapshot_id: str) -> ZarrView:
    return ZarrView(location, snapshot_id)


def validate_key(key: str) -> str:
    """`key` if it is a relative Zarr key of safe segments; raises `QueryError`.

    A segment is letters, digits, ``_``, ``-`` and ``.``, not starting with ``.``
    unless it is a v2 metadata name; so ``..``, ``.``, empty segments, backslashes
    and absolute paths never reach the store.
    """
    segments = key.split("/")
    if len(key) > MAX_KEY_LENGTH or not all(
        _SEGMENT.match(s) or s in V2_NAMES for s in segments
    ):
        raise QueryError(
            f"{key[:80]!r} is not a Zarr key: use '/'-separated names of letters, "
            "digits, '_', '-' and '.', such as 'zarr.json' or 'emission_total/c/0/0/0'",
            parameter="key",
        )
    return key


async def _consolidated(store: icechunk.IcechunkStore) -> dict[str, bytes]:
    """Each node's metadata document; each group's with its subtree consolidated."""
    prototype = default_buffer_prototype()
    root = await zarr_async.open_group(store, mode="r", zarr_format=ZARR_FORMAT)
    nodes = [(path, node) async for path, node in root.members(max_depth=None)]
    paths = ["", *(path for path, _ in nodes)]
    groups = ["", *(path for path, node in nodes if isinstance(node, AsyncGroup))]

    # zarr consolidates by writing, so consolidate a copy of the documents in memory
    copy = MemoryStore()
    for path in paths:
        buffer = await store.get(_metadata_key(path), prototype)
        assert buffer is not None, path  # listed by the hierarchy walk just now
        await copy.set(_metadata_key(path), buffer)
    with warnings.catch_warnings():
        # zarr notes that consolidated metadata is not in the v3 spec yet; it is what
        # zarr-python 3 (and so xarray) reads, and it is what this view is for.
        warnings.simplefilter("ignore", ZarrUserWarning)
        for path in sorted(groups, key=_depth, reverse=True):
            await zarr_async.consolidate_metadata(copy, path=path or None)

    documents = {}
    for path in paths:
        buffer = await copy.get(_metadata_key(path), prototype)
        assert buffer is not None, path
        documents[_metadata_key(path)] = buffer.to_bytes()
    return documents


def _depth(path: str) -> int:
    return path.count("/") + bool(path)


def _metadata_key(path: str) -> str:
    return f"{path}/{METADATA_NAME}" if path else METADATA_NAME


def _bounds(byte_range: tuple[int, int | None] | None, size: int) -> tuple[int, int]:
    if byte_range is None:
        return 0, size
    start, end = byte_range
    if start < 0:  # a suffix: the last -start bytes
        return max(size + start, 0), size
    end = size if end is None else min(end, size)
    return min(start, size), end


def _slice(
    whole: bytes, byte_range: tuple[int, int | None] | None, *, is_metadata: bool
) -> ZarrObject:
    start, end = _bounds(byte_range, len(whole))
    return ZarrObject(whole[start:end], len(whole), start, is_metadata)


def _node_of(key: str) -> str:
    return key.removesuffix(METADATA_NAME).rstrip("/") or "/"


def _missing_chunk(key: str) -> str:
    return (
        f"chunk {key!r} was never written (all fill value); Zarr readers fill it "
        "with the array's fill_value"
    )


def _not_a_key(key: str) -> str:
    if key.rsplit("/", 1)[-1] in V2_NAMES:
        return (
            f"{key!r} is Zarr v2 metadata; this cube is served as Zarr v3 only: "
            "read 'zarr.json' (consolidated metadata inline)"
        )
    return (
        f"{key!r} is neither a node's 'zarr.json' nor a chunk key "
        "('<array>/c/<i>/<j>/<k>') of the cube"
    )
