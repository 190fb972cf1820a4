"""The image as far as it runs without a container engine: the Dockerfile's own start
command and healthcheck, read from it and run here against a real cube.

Paths inside the image are mapped back to where the Dockerfile's COPY instructions
took them from (the checkout; ``/opt/venv``, made by a RUN, is this test's venv, built
from the same pyproject). The rest runs as written: the command line, the image's
environment, the healthcheck's Python one-liner. As with ``docker run -p``, the port
is a free loopback one; ``-e WEB_CONCURRENCY=2`` keeps it to two workers here.
"""

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import httpx
import pytest

from live_service import free_port

ROOT = Path(__file__).parents[2]
DOCKERFILE = ROOT / "Dockerfile"
#: Image paths that a RUN instruction makes rather than a COPY: where they are here.
MADE_BY_RUN = {"/opt/venv": Path(sys.prefix)}


@dataclass
class Stage:
    """One stage of the Dockerfile: its base, workdir, copies, environment, commands."""

    base: str
    name: str = ""
    workdir: str = "/"
    copies: list[tuple[str, str, str]] = field(default_factory=list)  # from, src, dest
    env: dict[str, str] = field(default_factory=dict)
    user: str = "root"
    cmd: list[str] = field(default_factory=list)
    entrypoint: list[str] = field(default_factory=list)
    healthcheck: list[str] = field(default_factory=list)


def read_dockerfile(path: Path = DOCKERFILE) -> list[Stage]:
    """The stages of a Dockerfile, instruction by instruction."""
    text = re.sub(r"\\\n", " ", path.read_text())
    stages: list[Stage] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, rest = line.partition(" ")
        _apply(stages, instruction.upper(), rest.strip())
    return stages


def _apply(stages: list[Stage], instruction: str, rest: str) -> None:
    if instruction == "FROM":
        base, _, name = rest.partition(" AS ")
        stages.append(Stage(base=base.strip(), name=name.strip()))
        return
    stage = stages[-1]
    if instruction == "WORKDIR":
        stage.workdir = str(PurePosixPath(stage.workdir, rest))
    elif instruction == "COPY":
        words = shlex.split(rest)
        origin = next((w[7:] for w in words if w.startswith("--from=")), "")
        *sources, dest = [w for w in words if not w.startswith("--")]
        target = str(PurePosixPath(stage.workdir, dest))
        stage.copies += [(origin, s, target) for s in sources]
    elif instruction == "ENV":
        stage.env.update(w.split("=", 1) for w in shlex.split(rest))  # type: ignore[misc]
    elif instruction == "USER":
        stage.user = rest
    elif instruction in {"CMD", "ENTRYPOINT"}:
        setattr(stage, instruction.lower(), json.loads(rest))
    elif instruction == "HEALTHCHECK":
        stage.healthcheck = json.loads(rest.split(" CMD ", 1)[1])


def host_path(stages: list[Stage], image_path: str, stage: Stage | None = None) -> Path:
    """Where an image path of `stage` (default: the last) comes from in the checkout."""
    stage = stage or stages[-1]
    for origin, source, dest in reversed(stage.copies):
        # A copied directory lands on dest; a file into dest when dest is a directory.
        inside = dest.rstrip("/") if source.endswith("/") or origin else dest
        if image_path == inside or image_path.startswith(inside.rstrip("/") + "/"):
            rest = image_path[len(inside.rstrip("/")) :].lstrip("/")
            if origin:
                parent = next(s for s in stages if s.name == origin)
                return host_path(stages, str(PurePosixPath(source, rest)), parent)
            return (ROOT / source / rest) if rest else ROOT / source
    for made, here in MADE_BY_RUN.items():
        if image_path == made or image_path.startswith(made + "/"):
            return here / image_path[len(made) :].lstrip("/")
    raise AssertionError(f"{image_path} comes from no COPY of the Dockerfile")


def image_environment(stages: list[Stage], overrides: dict[str, str]) -> dict[str, str]:
    """The final stage's ENV with image paths mapped here, then `overrides`."""
    env = dict(os.environ)
    for key, value in stages[-1].env.items():
        if key in overrides:
            continue
        parts = [_map(stages, part) for part in value.replace("$PATH", "").split(":")]
        mapped = ":".join(p for p in parts if p)
        env[key] = f"{mapped}:{os.environ['PATH']}" if "$PATH" in value else mapped
    return env | overrides


def _map(stages: list[Stage], word: str) -> str:
    return str(host_path(stages, word)) if word.startswith("/") else word


def _serve(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(
            command,
            env=env,
            cwd=log.parent,
            stdout=subprocess.DEVNULL,
            stderr=out,
            start_new_session=True,
        )


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return read_dockerfile()


@pytest.fixture
def volume(real_store: Path, tmp_path: Path, stages: list[Stage]) -> Path:
    """The host folder mounted on the image's cube volume, holding the real cube."""
    data = tmp_path / "data"
    store = PurePosixPath(stages[-1].env["METHANEMAP_STORE"])
    (data / store.relative_to("/data")).parent.mkdir(parents=True, exist_ok=True)
    (data / store.relative_to("/data")).symlink_to(real_store)
    return data


def test_the_image_command_serves_the_cube_and_its_healthcheck_passes(
    stages, volume, tmp_path
):
    image = stages[-1]
    port = free_port()
    env = image_environment(
        stages,
        {
            "METHANEMAP_STORE": str(volume / "cube"),  # -v "$PWD/data:/data"
            "METHANEMAP_HOST": "127.0.0.1",
            "METHANEMAP_PORT": str(port),
            "WEB_CONCURRENCY": "2",
        },
    )
    command = [*image.entrypoint, *image.cmd]
    log_file = tmp_path / "server.log"
    server = _serve([_map(stages, word) for word in command], env, log_file)
    try:
        health = _wait_healthy(f"http://127.0.0.1:{port}/healthz", server, log_file)
        checked = subprocess.run(image.healthcheck, env=env, timeout=10, check=False)
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=10)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    log = log_file.read_text()

    assert health["status"] == "ok" and health["periods"] >= 46
    assert checked.returncode == 0
    assert page.status_code == 200 and "maplibre" in page.text.lower()
    assert len(re.findall(r"Booting worker with pid", log)) == 2
    requests = [json.loads(line) for line in log.splitlines() if '"request_id"' in line]
    assert {r["route"] for r in requests} >= {"/healthz", "/"}
    # Once the server is gone the healthcheck fails, as Docker would mark it.
    assert subprocess.run(image.healthcheck, env=env, timeout=10).returncode != 0


def _wait_healthy(url: str, server: subprocess.Popen, log: Path) -> dict:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the image's command stopped: {log.read_text()[-3000:]}")
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                return response.json()
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    pytest.fail(f"{url} did not answer 200 within 90 s")


def test_dockerfile_is_multi_stage_slim_non_root_with_a_healthcheck(stages):
    image = stages[-1]
    assert len(stages) == 3 and image.base.endswith("-slim")
    assert image.user == "methanemap"
    assert "/healthz" in " ".join(image.healthcheck)
    assert image.cmd[0] == "gunicorn"
    # Every file the image copies from the build context exists in the checkout.
    for stage in stages:
        for origin, source, _ in stage.copies:
            assert origin or (ROOT / source).exists(), source
    # What the image needs at run time is among the copies.
    assert host_path(stages, "/app/gunicorn.conf.py") == ROOT / "api/gunicorn.conf.py"
    assert host_path(stages, image.env["METHANEMAP_WEB_DIR"]) == ROOT / "api/web"
