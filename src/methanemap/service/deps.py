"""What routes get from the app, as `Annotated` dependencies: settings, cube, caches."""

from typing import Annotated

from fastapi import Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from methanemap.config import Settings
from methanemap.serve.fields import FieldCache
from methanemap.service.cube import CubeHolder
from methanemap.store import CubeSnapshot

VersionQuery = Annotated[
    str | None,
    Query(
        description="Cube version: a version id or release tag from /versions, or an "
        "ISO date (the version published then); the latest when absent. Answers for "
        "a version id never change.",
        max_length=64,
    ),
]


async def app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


async def field_cache(request: Request) -> FieldCache:
    """The app's cache of decoded fields."""
    cache: FieldCache = request.app.state.fields
    return cache


def cube_snapshot(request: Request, version: VersionQuery = None) -> CubeSnapshot:
    """The cube version this request is answered from: the one it names with
    ``version``, else the latest published one."""
    holder: CubeHolder = request.app.state.cube
    return holder.at(version)


async def versioned_snapshot(
    request: Request, version: VersionQuery = None
) -> CubeSnapshot:
    """The cube version a request names with ``version``; the latest when absent.

    The tile routes' `cube_snapshot`: versions are opened and kept by the app's
    `CubeHolder`, which resolves tags and dates afresh on every request. It is async
    so that the latest version, a memory read, costs a tile no trip to a worker
    thread; naming a version may read the store, so that goes to a thread.
    """
    holder: CubeHolder = request.app.state.cube
    if version is None:
        return holder.current()
    return await run_in_threadpool(holder.at, version)


SettingsDep = Annotated[Settings, Depends(app_settings)]
FieldCacheDep = Annotated[FieldCache, Depends(field_cache)]
SnapshotDep = Annotated[CubeSnapshot, Depends(cube_snapshot)]
VersionedSnapshotDep = Annotated[CubeSnapshot, Depends(versioned_snapshot)]
