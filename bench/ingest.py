"""Ingest throughput and peak memory, 1 and 3 years, on threads and on a local cluster.

Each run is the real command, ``methanemap ingest`` of the default recipe into a
fresh store, in a child process:

    .venv/bin/python bench/ingest.py [--years 1,3] [--scheduler threads,local]

For each run it prints the wall time, the cell-periods per second (0.1 degree cells x
periods, each holding every sector and the total), the time the command logged for
computing and writing the periods, the CPU seconds of the whole process tree, and
two peaks of resident memory: of the largest process (exact, from getrusage) and of
the process tree summed (sampled every 0.1 s; with a cluster, the client and its
workers together). Runs on a busy machine are slow and noisy; rerun on a quiet one.
"""

import argparse
import contextlib
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
CELLS = 1800 * 3600  # the 0.1 degree grid
PERIODS_PER_YEAR = 46
LAST_YEAR = 2022
WROTE = re.compile(r"wrote (\d+) periods of [\d,]+ cells in ([\d.]+) s")


@dataclass(frozen=True)
class Run:
    scheduler: str
    years: int
    wall: float
    write: float
    cpu: float
    peak_process: float  # bytes
    peak_tree: float  # bytes

    @property
    def cell_periods(self) -> int:
        return CELLS * PERIODS_PER_YEAR * self.years


def ingest(scheduler: str, years: int, timeout: float) -> Run:
    """One `methanemap ingest` of the last `years` years into a fresh store."""
    first = LAST_YEAR - years + 1
    store = Path(tempfile.mkdtemp(prefix="bench-ingest-")) / "cube"
    command = [
        sys.executable, "-m", "methanemap", "ingest", "--store", str(store),
        "--years", f"{first}-{LAST_YEAR}", "--scheduler", scheduler,
    ]  # fmt: skip
    env = {"METHANEMAP_DATA_MIRROR": str(ROOT.parent / "shared" / "data")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as log:
        child = subprocess.Popen(
            command, cwd=ROOT, stdout=log, stderr=log, env={**env, **os.environ}
        )
        peak_tree = watch(child, started + timeout)
        wall = time.perf_counter() - started
        log.seek(0)
        text = log.read()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    shutil.rmtree(store.parent, ignore_errors=True)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{text[-3000:]}")

    write = sum(float(m.group(2)) for m in WROTE.finditer(text))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(scheduler, years, wall, write, cpu, after.ru_maxrss * 1024, peak_tree)


def watch(child: subprocess.Popen[str], deadline: float) -> float:
    """The largest summed resident memory of `child` and its descendants (bytes)."""
    parent, peak = psutil.Process(child.pid), 0.0
    while child.poll() is None:
        if time.perf_counter() > deadline:
            child.kill()
            child.wait()
            raise SystemExit(f"ingest ran past the time limit; killed {child.pid}")
        total = 0
        for process in [parent, *parent.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):  # it ended meanwhile
                total += process.memory_info().rss
        peak = max(peak, total)
        time.sleep(0.1)
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", default="1,3", help="year counts, e.g. 1,2,3")
    parser.add_argument("--scheduler", default="threads,local", help="threads, local")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per run")
    args = parser.parse_args()

    gib = 2**30
    print(
        "scheduler  years  cell-periods  wall s  cell-periods/s  write s  CPU s  "
        "peak RSS largest process GiB  peak RSS all processes GiB",
        flush=True,
    )
    for scheduler in args.scheduler.split(","):
        for years in (int(y) for y in args.years.split(",")):
            run = ingest(scheduler, years, args.timeout)
            print(
                f"{run.scheduler:9}  {run.years:5}  {run.cell_periods:12.3g}  "
                f"{run.wall:6.1f}  {run.cell_periods / run.wall:14.3g}  "
                f"{run.write:7.1f}  {run.cpu:5.0f}  {run.peak_process / gib:28.2f}  "
                f"{run.peak_tree / gib:26.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
