"""The real service in a process of its own (uvicorn on a free loopback port), for tests
whose client must be a separate program: xarray over HTTP, notebooks."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

#: Seconds the service may take to open its cube and answer /healthz.
START_TIMEOUT = 90.0


@contextmanager
def live_service(store: Path | str, log: Path) -> Iterator[str]:
    """Serve the cube at `store`; yield the base URL, stop the server on exit."""
    port = free_port()
    env = {
        **os.environ,
        "METHANEMAP_STORE": str(store),
        "METHANEMAP_RELOAD_INTERVAL": "0",
    }
    command = [sys.executable, "-m", "uvicorn", "methanemap.service.app:create_app"]
    command += ["--factory", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        server = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, server, log)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


def free_port() -> int:
    """A loopback port nobody listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the service stopped: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the service did not start: {log.read_text()[-3000:]}")
