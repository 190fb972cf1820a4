"""The real service in a process of its own (uvicorn on a free loopback port), for tests
whose client must be a separate program: xarray over HTTP, notebooks."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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


# --- The service as deployed: `methanemap serve`, or gunicorn with its config file ---


@dataclass
class DeployedService:
    """A running service: its base URL and the process that serves it."""

    url: str
    process: subprocess.Popen[bytes]

    def pids(self) -> list[int]:
        """The serving processes: the server, and its workers if it has any."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        workers = [int(pid) for pid in children.read_text().split()]
        return workers or [self.process.pid]

    def peak_rss_mb(self) -> dict[int, float]:
        """Each serving process's peak resident memory (VmHWM), MB."""
        peaks = {}
        for pid in self.pids():
            status = Path(f"/proc/{pid}/status").read_text()
            kb = next(line for line in status.splitlines() if line.startswith("VmHWM"))
            peaks[pid] = int(kb.split()[1]) / 1024
        return peaks


@contextmanager
def deployed_service(
    store: Path | str, log: Path, *, gunicorn: bool = False, **settings: str
) -> Iterator[DeployedService]:
    """Serve the cube at `store` as users run it: ``methanemap serve`` (one uvicorn
    worker) or, with `gunicorn`, ``gunicorn -c api/gunicorn.conf.py`` with two
    workers. `settings` are more ``METHANEMAP_`` variables (``head_timeout="2"``)."""
    port = free_port()
    env = {
        **os.environ,
        "METHANEMAP_STORE": str(store),
        "METHANEMAP_RELOAD_INTERVAL": "0",
        "METHANEMAP_HOST": "127.0.0.1",
        "METHANEMAP_PORT": str(port),
        "WEB_CONCURRENCY": "2",
        **{f"METHANEMAP_{name.upper()}": value for name, value in settings.items()},
    }
    config = Path(__file__).parents[1] / "api" / "gunicorn.conf.py"
    command = (
        [str(Path(sys.executable).with_name("gunicorn")), "-c", str(config)]
        if gunicorn
        else [sys.executable, "-m", "methanemap", "serve", "--port", str(port)]
    )
    with log.open("wb") as out:
        server = subprocess.Popen(
            command,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, server, log)
        yield DeployedService(url, server)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
