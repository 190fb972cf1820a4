"""Programs run the way a user runs them: a new process, its output kept as text."""

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

#: Characters of standard error shown when a command that should succeed fails.
SHOWN = 3000


def run(
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
    inherit: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run `command`; `env` is added to this process's environment, or is the whole
    environment when not `inherit`."""
    base = os.environ if inherit else {}
    return subprocess.run(
        list(command),
        env={**base, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_ok(command: Sequence[str], **options: Any) -> subprocess.CompletedProcess[str]:
    """Run `command` (with `run`'s options); fail the test, with its standard error,
    unless it exits 0."""
    done = run(command, **options)
    assert done.returncode == 0, done.stderr[-SHOWN:]
    return done


def methanemap(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """The command line `methanemap ARGS` with this interpreter."""
    return run([sys.executable, "-m", "methanemap", *args], env=env, timeout=timeout)
