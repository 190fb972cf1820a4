"""The scheduled updates in ingest/schedule, run as written against a copy of a real
cube: the cron line through /bin/sh with the crontab's environment; the Kubernetes
CronJob's container command with the manifest's environment, its bucket served by an
S3-compatible server (moto) on loopback."""

import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from commands import run_ok
from live_service import free_port
from methanemap.store import list_versions

ROOT = Path(__file__).parents[2]
SCHEDULE = ROOT / "ingest" / "schedule"
VENV = Path(sys.prefix)
#: The steps an update logs before it knows whether anything changed.
PREPARE_STEPS = {
    "read national totals and boundaries": {"rows", "units", "countries"},
    "allocate national totals on the 0.1 degree grid": {"rows", "cells"},
    "read activity series and scale by year": {"rows", "years", "periods"},
}


def read_crontab(path: Path) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The environment lines of a crontab and its jobs as (schedule, command)."""
    env, jobs = {}, []
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if re.match(r"^[A-Z_]+=", line):
            key, value = line.split("=", 1)
            env[key] = value
            continue
        fields = line.split(None, 5)
        jobs.append((" ".join(fields[:5]), fields[5]))
    return env, jobs


def read_cronjob(path: Path) -> dict:
    """The CronJob manifest (PyYAML comes with dask, a dependency of ours)."""
    import yaml

    return yaml.safe_load(path.read_text())


@pytest.fixture(scope="module")
def cube(real_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the real cube, so that a scheduled run has nothing to change; a
    cube named by ``METHANEMAP_TEST_STORE`` (perhaps built by older code, which may
    differ in its metadata) is first brought up to date with this checkout's code."""
    copy = tmp_path_factory.mktemp("schedule") / "cube"
    shutil.copytree(real_store, copy)
    if not os.environ.get("METHANEMAP_TEST_STORE"):
        return copy
    command = [sys.executable, "-m", "methanemap", "update", "--store", str(copy)]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return copy


def version_ids(store: Path | str) -> list[str]:
    return [v.id for v in list_versions(str(store))]


def check_update_log(text: str, store: Path | str) -> None:
    """Every log line is a JSON record, the one other line the command's answer; each
    step logs its duration and sizes; the run planned nothing and published nothing."""
    lines = [line for line in text.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines if line.startswith("{")]
    others = [line for line in lines if not line.startswith("{")]
    assert others == [f"cube version {version_ids(store)[0]} is up to date"], others
    steps = {r["step"]: r for r in records if "step" in r}
    for step, sizes in PREPARE_STEPS.items():
        assert steps[step]["duration_s"] >= 0, step
        assert all(steps[step][size] > 0 for size in sizes), steps[step]
    plan = steps["plan"]
    periods = len(json.loads(_attr(store, "methanemap_recipe"))["years"]) * 46
    assert plan["periods"] == periods and plan["periods_to_write"] == 0
    assert plan["cells"] == 1800 * 3600
    assert records[-1]["published"] is False and records[-1]["duration_s"] > 0


def _attr(store: Path | str, name: str) -> str:
    from methanemap.store import open_cube

    return str(open_cube(str(store)).ds.attrs[name])


def test_both_schedules_run_daily_at_the_same_utc_time():
    env, jobs = read_crontab(SCHEDULE / "crontab")
    manifest = read_cronjob(SCHEDULE / "cronjob.yaml")
    spec = manifest["spec"]
    assert manifest["kind"] == "CronJob" and spec["concurrencyPolicy"] == "Forbid"
    assert [schedule for schedule, _ in jobs] == [spec["schedule"]]
    minute, hour, *days = spec["schedule"].split()
    assert days == ["*", "*", "*"] and 0 <= int(minute) < 60 and 0 <= int(hour) < 24
    assert env["CRON_TZ"] == "UTC" and spec["timeZone"] == "Etc/UTC"
    pod = spec["jobTemplate"]["spec"]["template"]["spec"]
    uid = re.search(r"--uid (\d+)", (ROOT / "Dockerfile").read_text())
    assert uid and pod["securityContext"]["runAsUser"] == int(uid.group(1))


def test_the_cron_line_updates_the_cube_and_publishes_nothing_new(cube, tmp_path):
    env, [(_, command)] = read_crontab(SCHEDULE / "crontab")
    assert "methanemap update" in command.replace('"', "").replace(
        "$METHANEMAP_HOME/.venv/bin/", ""
    )
    (tmp_path / ".venv").symlink_to(VENV)
    env |= {"METHANEMAP_HOME": str(tmp_path), "METHANEMAP_STORE": str(cube)}
    env["METHANEMAP_DATA_MIRROR"] = os.environ["METHANEMAP_DATA_MIRROR"]
    before = version_ids(cube)

    done = subprocess.run(
        [env["SHELL"], "-c", command],
        env={**os.environ, **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    log = (tmp_path / "update.log").read_text()
    assert done.returncode == 0, log[-3000:]
    assert version_ids(cube) == before
    check_update_log(log, cube)


def test_the_cron_line_does_nothing_while_another_update_holds_the_lock(cube, tmp_path):
    env, [(_, command)] = read_crontab(SCHEDULE / "crontab")
    (tmp_path / ".venv").symlink_to(VENV)
    env |= {"METHANEMAP_HOME": str(tmp_path), "METHANEMAP_STORE": str(cube)}
    with (tmp_path / "update.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = subprocess.run(
            [env["SHELL"], "-c", command],
            env={**os.environ, **env},
            timeout=60,
            check=False,
        )
    assert done.returncode == 1  # flock -n: the lock is held, nothing ran
    assert (tmp_path / "update.log").read_text() == ""


def test_the_cronjob_container_updates_the_cube_on_object_storage(
    cube, tmp_path, monkeypatch
):
    spec = read_cronjob(SCHEDULE / "cronjob.yaml")["spec"]
    [container] = spec["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    command = [*container["command"], *container.get("args", [])]
    assert command[:2] == ["methanemap", "update"]
    env = {item["name"]: item["value"] for item in container["env"]}
    store = env["METHANEMAP_STORE"]
    with s3_server() as endpoint:
        # The secret's keys, and the S3-compatible server on loopback instead of AWS.
        secret = {
            "AWS_ACCESS_KEY_ID": "methanemap-test",
            "AWS_SECRET_ACCESS_KEY": "methanemap-test-secret",
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": endpoint,
        }
        for key, value in secret.items():
            monkeypatch.setenv(key, value)
        upload(cube, store)
        before = version_ids(store)
        # The image puts its venv first on PATH.
        path = {"PATH": f"{VENV / 'bin'}:{os.environ['PATH']}"}
        done = run_ok(command, env={**env, **path}, cwd=tmp_path, timeout=900)
        assert version_ids(store) == before == version_ids(cube)
        check_update_log(done.stderr, store)


@contextmanager
def s3_server() -> Iterator[str]:
    """A moto S3 server on a free loopback port; its endpoint URL."""
    port = free_port()
    moto = Path(sys.executable).with_name("moto_server")
    command = [str(moto), "-H", "127.0.0.1", "-p", str(port)]
    server = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(url, timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


def upload(local: Path, store: str) -> None:
    """Copy the repository at `local` to the bucket and prefix of `store` (s3://...):
    an Icechunk repository keeps the same keys on a disk and in a bucket."""
    import boto3

    url = urlsplit(store)
    client = boto3.client("s3")
    client.create_bucket(Bucket=url.netloc)
    files = [f for f in local.rglob("*") if f.is_file()]

    def put(path: Path) -> None:
        key = f"{url.path.strip('/')}/{path.relative_to(local).as_posix()}"
        client.upload_file(str(path), url.netloc, key)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, files))
