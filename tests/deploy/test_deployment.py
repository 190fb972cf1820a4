"""The deployment as far as it runs here: gunicorn with several workers; the image."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from live_service import free_port
from synthetic_cube import write_synthetic_cube

ROOT = Path(__file__).parents[2]


def test_gunicorn_config_serves_the_cube_with_several_workers(tmp_path):
    store = tmp_path / "cube"
    version = write_synthetic_cube(store)
    port = free_port()
    env = {
        **os.environ,
        "METHANEMAP_STORE": str(store),
        "METHANEMAP_HOST": "127.0.0.1",
        "METHANEMAP_PORT": str(port),
        "WEB_CONCURRENCY": "2",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    config = ROOT / "api" / "gunicorn.conf.py"
    process = subprocess.Popen(
        [str(gunicorn), "-c", str(config)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        health = _wait_healthy(f"http://127.0.0.1:{port}/healthz")
        assert health["version"] == version
        answers = [_healthz(port) for _ in range(20)]
        assert all(a.status_code == 200 for a in answers)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    log = process.stderr.read().decode() if process.stderr else ""
    assert len(re.findall(r"Booting worker with pid", log)) == 2


def _wait_healthy(url: str) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                return response.json()
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    pytest.fail(f"{url} did not answer 200 within 60 s")


def _healthz(port: int) -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)


def test_dockerfile_is_multi_stage_slim_non_root_with_a_healthcheck():
    text = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", text, flags=re.MULTILINE)
    assert len(stages) == 3 and stages[-1].endswith("-slim")
    assert re.search(r"^USER methanemap$", text, flags=re.MULTILINE)
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert 'CMD ["gunicorn", "-c", "/app/gunicorn.conf.py"]' in text
    # Every file the image copies exists in the checkout.
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", text, flags=re.MULTILINE):
        for path in source.split():
            assert (ROOT / path).exists(), path
