"""The command line: one clear line for every mistake, no traceback."""

import pytest

from commands import methanemap


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--years", "1999"], "years [1999] lie outside 2015-2022"),
        (["--years", "2022-2020"], "runs backwards"),
        (["--years", "abc"], "is not a year list"),
        (
            ["--recipe", "/nonexistent.toml"],
            "recipe file /nonexistent.toml does not exist",
        ),
        (["--recipe", "/"], "cannot be read: Is a directory"),
    ],
)
def test_bad_ingest_options_fail_with_one_clear_line(tmp_path, args, message):
    done = methanemap("ingest", "--store", str(tmp_path / "cube"), *args)
    assert done.returncode != 0
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "cube").exists()


def test_serve_refuses_an_impossible_port():
    done = methanemap("serve", "--port", "99999")
    assert done.returncode != 0
    assert "--port" in done.stderr and "65535" in done.stderr
    assert "Traceback" not in done.stderr


def test_inputs_check_passes_on_the_mirror():
    done = methanemap("inputs", "--check")
    assert done.returncode == 0, done.stderr
    assert done.stderr.count(" ok") >= 30
