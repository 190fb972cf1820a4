"""The scheduler options of `ingest` and `update`: a bad one is one clear line, and
nothing is written."""

import socket
from pathlib import Path

import pytest

from commands import methanemap

CLUSTERS = Path(__file__).parents[1] / "ingest" / "cluster"


def run(*args, **env):
    """The command line, giving up on an unreachable scheduler after 2 s."""
    quick = {"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s", **env}
    return methanemap(*args, env=quick)


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("command", ["ingest", "update"])
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scheduler", "threadz"], "unknown scheduler 'threadz'"),
        (["--cluster", "/nonexistent.toml"], "/nonexistent.toml do not exist"),
        (
            ["--cluster", str(CLUSTERS / "slurm.toml")],
            "needs the package dask-jobqueue",
        ),
        (
            ["--scheduler", "threads", "--cluster", str(CLUSTERS / "local.toml")],
            "not both",
        ),
    ],
)
def test_bad_scheduler_options_fail_with_one_clear_line(
    tmp_path, command, args, message
):
    done = run(command, "--store", str(tmp_path / "cube"), *args)
    assert done.returncode == 1
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "cube").exists()


def test_an_unreachable_scheduler_is_named(tmp_path):
    address = f"tcp://127.0.0.1:{closed_port()}"
    done = run("ingest", "--store", str(tmp_path / "cube"), "--scheduler", address)
    assert done.returncode == 1
    assert f"could not reach the Dask scheduler at {address}" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "cube").exists()


def test_the_setting_chooses_the_scheduler_when_no_option_does(tmp_path):
    done = run(
        "ingest", "--store", str(tmp_path / "cube"), METHANEMAP_SCHEDULER="nowhere"
    )
    assert done.returncode == 1
    assert "unknown scheduler 'nowhere'" in done.stderr
    done = run(
        "ingest",
        "--store",
        str(tmp_path / "cube"),
        "--cluster",
        "/nonexistent.toml",
        METHANEMAP_SCHEDULER="nowhere",
    )
    assert "/nonexistent.toml do not exist" in done.stderr  # the option wins


def test_help_lists_the_scheduler_options():
    for command in ("ingest", "update"):
        done = run(command, "--help", COLUMNS="200")
        assert done.returncode == 0
        assert "--scheduler" in done.stdout
        assert "--cluster" in done.stdout
