"""What routes get from the app, as `Annotated` dependencies: settings, cube, caches."""

from typing import Annotated

from fastapi import Depends, Request

from methanemap.config import Settings
from methanemap.serve.fields import FieldCache
from methanemap.service.cube import CubeHolder
from methanemap.store import CubeSnapshot


async def app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


async def field_cache(request: Request) -> FieldCache:
    """The app's cache of decoded fields."""
    cache: FieldCache = request.app.state.fields
    return cache


def cube_snapshot(request: Request) -> CubeSnapshot:
    """The cube version this request is answered from."""
    holder: CubeHolder = request.app.state.cube
    return holder.current()


SettingsDep = Annotated[Settings, Depends(app_settings)]
FieldCacheDep = Annotated[FieldCache, Depends(field_cache)]
SnapshotDep = Annotated[CubeSnapshot, Depends(cube_snapshot)]
