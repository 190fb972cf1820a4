"""The real service on a field case's cube, checked to be the server that answers."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from live_service import START_TIMEOUT, free_port, live_service
from methanemap.store import open_cube


@contextmanager
def serving(store: Path, log: Path) -> Iterator[httpx.Client]:
    """A client of the real service (uvicorn on loopback) on `store`, checked to be
    ours: its cube version is the store's."""
    with (
        live_service(store, log) as url,
        httpx.Client(base_url=url, timeout=120) as client,
    ):
        health = client.get("/healthz").json()
        assert health["version"] == open_cube(str(store)).version, health
        yield client


@contextmanager
def watching(store: Path, log: Path, reload_interval: float) -> Iterator[str]:
    """The real service on `store`, checking for new versions every
    `reload_interval` seconds (uvicorn on a free loopback port); yields its URL."""
    url = f"http://127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "METHANEMAP_STORE": str(store),
        "METHANEMAP_RELOAD_INTERVAL": str(reload_interval),
    }
    command = [sys.executable, "-m", "uvicorn", "methanemap.service.app:create_app"]
    command += ["--factory", "--host", "127.0.0.1", "--port", url.rsplit(":", 1)[1]]
    with log.open("wb") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(url, store) and time.monotonic() < deadline:
            assert server.poll() is None, log.read_text()[-3000:]
            time.sleep(0.3)
        assert _answers(url, store), log.read_text()[-3000:]
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


def _answers(url: str, store: Path) -> bool:
    """Whether the server at `url` serves the cube at `store`."""
    try:
        health = httpx.get(f"{url}/healthz", timeout=2)
    except httpx.TransportError:
        return False
    return bool(
        health.status_code == 200
        and health.json()["version"] == open_cube(str(store)).version
    )
