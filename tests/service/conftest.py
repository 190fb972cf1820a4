"""Fixtures of the service tests: the app on the synthetic cube, and a client for it."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from methanemap.config import Settings
from methanemap.service.app import create_app
from synthetic_cube import write_synthetic_cube

pytestmark = pytest.mark.anyio

ClientFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def cube_location(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the synthetic cube."""
    location = tmp_path_factory.mktemp("service") / "cube"
    write_synthetic_cube(location)
    return location


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of `app`, with the app started (lifespan) and stopped around it."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    client = httpx.AsyncClient(transport=transport, base_url="http://test")
    async with app.router.lifespan_context(app), client:
        yield client


@pytest.fixture
def serve_app() -> Callable[[FastAPI], AbstractAsyncContextManager[httpx.AsyncClient]]:
    """Start any app and give a client of it."""
    return serving


@pytest.fixture
def client_for() -> ClientFactory:
    """Start an app with some settings and give a client of it."""

    def start(**settings: object) -> AbstractAsyncContextManager[httpx.AsyncClient]:
        return serving(create_app(Settings(**settings)))  # type: ignore[arg-type]

    return start


@pytest.fixture(scope="module")
async def client(cube_location: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the service on the synthetic cube, shared by a module's tests."""
    async with serving(create_app(Settings(store=str(cube_location)))) as started:
        yield started


@pytest.fixture(scope="session")
def cube(cube_location: Path) -> str:
    """The synthetic cube's location as the store setting takes it."""
    return str(cube_location)
