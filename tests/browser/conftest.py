"""Browser test fixtures: the real service (uvicorn on a free loopback port, serving a
synthetic cube, `browser_cube`) and Debian's headless Chromium driven by Playwright.

Playwright's own browser download cannot be had here: it launches ``/usr/bin/chromium``
(``make system`` installs it) by its path, with a fresh profile.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from browser_cube import write_browser_cube

CHROMIUM = Path(os.environ.get("METHANEMAP_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: Where screenshots land, for people and CI to look at (gitignored).
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
#: Seconds the service may take to open the cube and warm up on a busy machine.
START_TIMEOUT = 90

playwright_sync = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.is_file():
    pytest.skip(
        f"no Chromium at {CHROMIUM}: run `make system`", allow_module_level=True
    )


@dataclass
class Page:
    """A browser page with the console errors and requests it has seen so far."""

    page: "playwright_sync.Page"
    base_url: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the service stopped: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    pytest.fail(
        f"the service did not start in {START_TIMEOUT} s: {log.read_text()[-3000:]}"
    )


@contextmanager
def serving(store: Path, mirror: Path, log: Path) -> Iterator[str]:
    """Run the service on `store` on a free loopback port; yields its base URL."""
    port = _free_port()
    env = {**os.environ, "METHANEMAP_STORE": str(store)}
    env["METHANEMAP_DATA_MIRROR"] = str(mirror)
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


@pytest.fixture(scope="session")
def service_url(
    tmp_path_factory: pytest.TempPathFactory, data_mirror: Path
) -> Iterator[str]:
    """The base URL of the real service on the browser cube, started for the session."""
    root = tmp_path_factory.mktemp("browser")
    write_browser_cube(root / "cube")
    with serving(root / "cube", data_mirror, root / "service.log") as url:
        yield url


@pytest.fixture(scope="session")
def real_service_url(
    tmp_path_factory: pytest.TempPathFactory, data_mirror: Path, real_store: Path
) -> Iterator[str]:
    """The service on the session's real cube (built from the real inputs once)."""
    log = tmp_path_factory.mktemp("browser-real") / "service.log"
    with serving(real_store, data_mirror, log) as url:
        yield url


# Module scope, not session: while Playwright's sync API runs, the thread has a running
# event loop, which the anyio tests of other folders cannot start theirs beside.
@pytest.fixture(scope="module")
def browser_context(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator["playwright_sync.BrowserContext"]:
    """Headless Debian Chromium with a fresh profile, for a test module."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    with playwright_sync.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 800},
        )
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


def recording(context: "playwright_sync.BrowserContext", url: str) -> Iterator[Page]:
    """A new page that records its console errors, page errors and requests."""
    page = context.new_page()
    seen = Page(page, url)
    page.on(
        "console",
        lambda m: m.type == "error" and seen.errors.append(f"{m.text} at {m.location}"),
    )
    page.on("pageerror", lambda error: seen.errors.append(f"page error: {error}"))
    page.on("request", lambda request: seen.requests.append(request.url))
    page.on("requestfailed", lambda r: seen.errors.append(f"request failed: {r.url}"))
    yield seen
    page.close()


@pytest.fixture
def map_page(browser_context, service_url: str) -> Iterator[Page]:
    """A new page on the browser cube's service."""
    yield from recording(browser_context, service_url)


@pytest.fixture
def real_map_page(browser_context, real_service_url: str) -> Iterator[Page]:
    """A new page on the real cube's service."""
    yield from recording(browser_context, real_service_url)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """The test artifacts folder, made if missing."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
