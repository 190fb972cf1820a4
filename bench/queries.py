"""Query benchmark: cell, cell history, country totals and the reconciliation table,
over HTTP, against titiler-xarray's point and statistics endpoints on the same cube.

    .venv/bin/python bench/queries.py                       # the full run
    .venv/bin/python bench/queries.py --repeat 1 --points 40  # a quick one

methanemap serves the Icechunk cube `--store` (ingested from the real inputs for
2020-2022 when missing) with one uvicorn worker; titiler-xarray (the peer venv of
../shared/bench/setup_venvs.sh, under BENCH_WORK) serves `emission_total` of the same
version exported as plain Zarr v2. Both get the same cells and countries, one request
at a time from one keep-alive httpx client on loopback; latency is measured by the
client and includes reading the body. The table gives medians and p90 in ms and the
ratio titiler / methanemap for the same question (above 1: methanemap is faster).
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import xarray as xr

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
BENCH_WORK = Path(os.environ.get("BENCH_WORK", Path.home() / ".cache/methanemap-bench"))
PERIOD, DAY = "2022-P17", "2022-05-09"
YEAR = ("2022-P01", "2022-P46")
VARIABLE = "emission_total"
BOUNDARIES = SHARED / "data/naturalearth/ne_50m_admin_0_countries.geojson"


def main() -> int:
    args = _arguments()
    store = _cube(args.store)
    plain = _export(store, args.plain)
    rng = np.random.default_rng(20261203)
    results: dict[str, dict[str, float]] = {}

    with _server(_methanemap_command(store), "/healthz") as mm:
        mm.get("/countries/CHN", params={"period": PERIOD}, timeout=600)  # index built
        points = _points(mm, rng, args.points)
        countries = _countries(mm, args.countries)
        results |= _methanemap_runs(mm, points, countries, args.repeat)
        ours = _methanemap_answers(mm, points, countries)

    peer = BENCH_WORK / "venv-py311/bin/python"
    parity = {}
    if args.peers and peer.exists():
        with _server(_titiler_command(peer), "/healthz", cwd=BENCH_WORK) as ti:
            results |= _titiler_runs(ti, plain, points, countries, args.repeat)
            parity = _parity(ours, _titiler_answers(ti, plain, points, countries))
    elif args.peers:
        print(
            f"!! no titiler-xarray venv at {peer}: run ../shared/bench/setup_venvs.sh"
        )

    _report(results, parity, store, args)
    return 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", type=Path, default=BENCH_WORK / "methanemap-cube-3y")
    parser.add_argument(
        "--plain", type=Path, default=BENCH_WORK / "methanemap-cube-3y-total.zarr"
    )
    parser.add_argument("--repeat", type=int, default=3, help="passes over the list")
    parser.add_argument("--points", type=int, default=100, help="cells asked about")
    parser.add_argument("--countries", type=int, default=20, help="countries asked")
    parser.add_argument("--no-peers", dest="peers", action="store_false")
    parser.add_argument("--out", type=Path, help="JSON results [BENCH_WORK/...]")
    return parser.parse_args()


def _cube(store: Path) -> Path:
    if not store.exists():
        print(f"== ingesting 2020-2022 into {store}")
        env = {**os.environ, "METHANEMAP_DATA_MIRROR": str(SHARED / "data")}
        command = [sys.executable, "-m", "methanemap", "ingest", "--store", str(store)]
        subprocess.run([*command, "--years", "2020-2022"], check=True, env=env)
    return store


def _export(store: Path, plain: Path) -> Path:
    """`emission_total` of the cube's latest version as plain Zarr v2 (if stale)."""
    from methanemap.store import open_cube

    snapshot = open_cube(str(store))
    try:
        if xr.open_zarr(plain).attrs.get("methanemap_cube_version") == snapshot.version:
            return plain
    except (FileNotFoundError, KeyError, ValueError):
        pass
    print(f"== exporting {VARIABLE} of {snapshot.version} to {plain}")
    data = snapshot.ds[[VARIABLE]]
    chunks = data[VARIABLE].encoding["preferred_chunks"]
    data = data.chunk(chunks)
    data.attrs = {"methanemap_cube_version": snapshot.version}
    for var in data.variables.values():
        var.encoding = {}
    shape = tuple(chunks[d] for d in ("time", "lat", "lon"))
    encoding = {VARIABLE: {"_FillValue": 0.0, "chunks": shape}}
    shutil.rmtree(plain, ignore_errors=True)
    data.to_zarr(plain, mode="w", zarr_format=2, consolidated=True, encoding=encoding)
    return plain


class Client:
    """An httpx client of one server, timing each request."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=120)

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        response = self.http.get(path, **kwargs)  # type: ignore[arg-type]
        response.raise_for_status()
        return response

    def timed(self, call: Callable[[], httpx.Response]) -> float:
        started = time.perf_counter()
        response = call()
        response.raise_for_status()
        _ = response.content
        return (time.perf_counter() - started) * 1e3


@contextmanager
def _server(command: list[str], health: str, cwd: Path = ROOT) -> Iterator[Client]:
    port = _free_port()
    argv = [part.replace("{port}", str(port)) for part in command]
    log = open(BENCH_WORK / f"queries-server-{port}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        argv, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    client = Client(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if client.http.get(health).status_code < 500:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        else:
            raise RuntimeError(
                f"{argv[:3]} did not answer within 180 s; see {log.name}"
            )
        yield client
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _methanemap_command(store: Path) -> list[str]:
    return [
        sys.executable, "-m", "methanemap", "serve", "--store", str(store),
        "--host", "127.0.0.1", "--port", "{port}", "--workers", "1",
    ]  # fmt: skip


def _titiler_command(python: Path) -> list[str]:
    return [
        str(python), "-m", "uvicorn", "titiler.xarray.main:app", "--host",
        "127.0.0.1", "--port", "{port}", "--workers", "1", "--no-access-log",
    ]  # fmt: skip


def _points(
    client: Client, rng: np.random.Generator, count: int
) -> list[tuple[float, float]]:
    """Half the cells that emit most in the year, half random points on 60S-70N."""
    top = client.get(
        "/rankings/cells",
        params={"start": YEAR[0], "end": YEAR[1], "limit": count // 2},
    ).json()["cells"]
    busy = [(c["cell"]["centre"]["lon"], c["cell"]["centre"]["lat"]) for c in top]
    lon = rng.uniform(-180, 180, count - len(busy))
    lat = rng.uniform(-60, 70, count - len(busy))
    mixed = busy + [
        (round(float(x), 4), round(float(y), 4)) for x, y in zip(lon, lat, strict=True)
    ]
    rng.shuffle(mixed)  # type: ignore[arg-type]
    return mixed


def _countries(client: Client, count: int) -> list[str]:
    ranked = client.get(
        "/rankings/countries", params={"start": YEAR[0], "end": YEAR[1], "limit": count}
    ).json()["countries"]
    return [row["id"] for row in ranked]


def _runs(
    calls: list[Callable[[], httpx.Response]], client: Client, repeat: int
) -> dict[str, float]:
    calls[0]()  # the first request of a kind may pay for a cold start
    times = [client.timed(call) for _ in range(repeat) for call in calls]
    return {
        "median_ms": statistics.median(times),
        "p90_ms": float(np.percentile(times, 90)),
        "requests": len(times),
    }


def _methanemap_runs(
    mm: Client, points: list[tuple[float, float]], countries: list[str], repeat: int
) -> dict[str, dict[str, float]]:
    def cell(lon: float, lat: float) -> Callable[[], httpx.Response]:
        return lambda: mm.get(
            "/cells", params={"lat": lat, "lon": lon, "period": PERIOD}
        )

    def history(lon: float, lat: float) -> Callable[[], httpx.Response]:
        return lambda: mm.get("/cells/history", params={"lat": lat, "lon": lon})

    def country(iso3: str, **span: str) -> Callable[[], httpx.Response]:
        return lambda: mm.get(f"/countries/{iso3}", params=span)

    def table(**span: str) -> Callable[[], httpx.Response]:
        return lambda: mm.get("/reconciliation", params=span)

    year = {"start": YEAR[0], "end": YEAR[1]}
    return {
        "mm cell (one period)": _runs([cell(*p) for p in points], mm, repeat),
        "mm cell history (138 periods)": _runs(
            [history(*p) for p in points], mm, repeat
        ),
        "mm country total, one period": _runs(
            [country(c, period=PERIOD) for c in countries], mm, repeat
        ),
        "mm country total, whole year": _runs(
            [country(c, **year) for c in countries], mm, repeat
        ),
        "mm reconciliation table, one period": _runs(
            [table(period=PERIOD)], mm, 10 * repeat
        ),
        "mm reconciliation table, whole year": _runs([table(**year)], mm, 10 * repeat),
    }


def _titiler_runs(
    ti: Client,
    plain: Path,
    points: list[tuple[float, float]],
    countries: list[str],
    repeat: int,
) -> dict[str, dict[str, float]]:
    base = {"url": str(plain), "variable": VARIABLE}
    at_day = {**base, "sel": f"time={DAY}"}
    shapes = _country_shapes(countries)

    def point(
        lon: float, lat: float, params: dict[str, str]
    ) -> Callable[[], httpx.Response]:
        return lambda: ti.get(f"/point/{lon},{lat}", params=params)

    def stats(shape: dict[str, object]) -> Callable[[], httpx.Response]:
        return lambda: ti.http.post("/statistics", params=at_day, json=shape)

    return {
        "titiler point (one period)": _runs(
            [point(*p, at_day) for p in points], ti, repeat
        ),
        "titiler point, every time step": _runs(
            [point(*p, base) for p in points], ti, repeat
        ),
        "titiler statistics, country, one period": _runs(
            [stats(shapes[c]) for c in countries if c in shapes], ti, repeat
        ),
    }


def _country_shapes(countries: list[str]) -> dict[str, dict[str, object]]:
    features = json.loads(BOUNDARIES.read_text())["features"]
    shapes = {}
    for feature in features:
        code = feature["properties"].get("ISO_A3")
        if code in countries and code not in shapes:
            shapes[code] = {
                "type": "Feature",
                "properties": {},
                "geometry": feature["geometry"],
            }
    return shapes


def _methanemap_answers(
    mm: Client, points: list[tuple[float, float]], countries: list[str]
) -> dict[str, float]:
    """Our answers to the questions asked of both: cell totals, country totals."""
    out = {}
    for lon, lat in points:
        body = mm.get(
            "/cells", params={"lat": lat, "lon": lon, "period": PERIOD}
        ).json()
        out[f"cell {lon},{lat}"] = body["values"]["total"]["value"]
    for iso3 in countries:
        body = mm.get(f"/countries/{iso3}", params={"period": PERIOD}).json()
        out[iso3] = body["geographic"]["sectors"]["total"]["sum"]["value"]
    return out


def _titiler_answers(
    ti: Client, plain: Path, points: list[tuple[float, float]], countries: list[str]
) -> dict[str, float]:
    params = {"url": str(plain), "variable": VARIABLE, "sel": f"time={DAY}"}
    out = {}
    for lon, lat in points:
        body = ti.get(f"/point/{lon},{lat}", params=params).json()
        out[f"cell {lon},{lat}"] = body["values"][0]
    for iso3, shape in _country_shapes(countries).items():
        body = ti.http.post("/statistics", params=params, json=shape).json()
        out[iso3] = body["properties"]["statistics"]["b1"]["sum"]
    return out


def _parity(ours: dict[str, float], theirs: dict[str, float]) -> dict[str, float]:
    """Largest relative difference of cell answers, median of country answers."""

    def relative(key: str) -> float:
        a, b = ours[key] or 0.0, theirs[key] or 0.0
        return abs(a - b) / max(abs(a), abs(b), 1e-12)

    cells = [relative(k) for k in theirs if k.startswith("cell") and k in ours]
    countries = [relative(k) for k in theirs if not k.startswith("cell") and k in ours]
    return {
        "cells, largest relative difference": max(cells, default=float("nan")),
        "countries, median relative difference": statistics.median(countries)
        if countries
        else float("nan"),
        "countries, largest relative difference": max(countries, default=float("nan")),
    }


RATIOS = {
    "mm cell (one period)": "titiler point (one period)",
    "mm cell history (138 periods)": "titiler point, every time step",
    "mm country total, one period": "titiler statistics, country, one period",
}
TARGETS = {
    "mm cell (one period)": 5,
    "mm cell history (138 periods)": 20,
    "mm country total, one period": 50,
    "mm country total, whole year": 100,
    "mm reconciliation table, one period": 1000,
    "mm reconciliation table, whole year": 1000,
}


def _report(
    results: dict[str, dict[str, float]],
    parity: dict[str, float],
    store: Path,
    args: argparse.Namespace,
) -> None:
    print(f"\ncube {store}: {args.points} cells, {args.countries} countries", end="")
    print(f", {args.repeat} passes")
    print(
        f"{'question':42} {'median ms':>10} {'p90 ms':>8} {'target':>7} {'peer/mm':>8}"
    )
    for name, figures in results.items():
        target = TARGETS.get(name)
        peer = RATIOS.get(name)
        ratio = (
            f"{results[peer]['median_ms'] / figures['median_ms']:.1f}"
            if peer in results
            else ""
        )
        met = (
            ""
            if target is None
            else f"<{target}" + (" ok" if figures["median_ms"] < target else " NO")
        )
        print(
            f"{name:42} {figures['median_ms']:10.2f} {figures['p90_ms']:8.2f} "
            f"{met:>7} {ratio:>8}"
        )
    for name, value in parity.items():
        print(f"parity with titiler-xarray: {name} {value:.2e}")
    out = args.out or BENCH_WORK / f"queries-{time.strftime('%Y%m%d-%H%M%S')}.json"
    body = {"store": str(store), "results": results, "parity": parity}
    out.write_text(json.dumps(body, indent=1))
    print(f"results in {out}")


if __name__ == "__main__":
    sys.exit(main())
