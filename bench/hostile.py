"""FC-27's hostile requests against the service as deployed, with what each costs.

    .venv/bin/python bench/hostile.py --store data/cube             # methanemap serve
    .venv/bin/python bench/hostile.py --store data/cube --gunicorn  # two workers

Starts the service on a free loopback port, sends each request of FC-27 over a raw
socket or httpx, and prints its status, the client's wall time and how many body bytes
the client got to send before the answer; then 20 whole-world queries at once (their
statuses and the slowest), a normal cell query's latency right after, and each
worker's peak resident memory (VmHWM). The budget is 1 GB per worker.
"""

import argparse
import json
import math
import os
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from live_service import deployed_service  # noqa: E402

WORLD = {"bbox": "-180,-90,180,90"}
CELL = {"lat": 37.85, "lon": 112.55}


def main() -> int:
    args = _arguments()
    log = Path(tempfile.mkdtemp()) / "service.log"
    with deployed_service(args.store, log, gunicorn=args.gunicorn) as service:
        url = service.url
        periods = httpx.get(f"{url}/periods", timeout=60).json()["periods"]
        world = {**WORLD, "start": periods[0]["id"], "end": periods[-1]["id"]}
        print(f"{'request':44} {'status':>6} {'ms':>8} {'body sent':>12}")
        for name, head, body in _raw_cases():
            status, seconds, sent = _raw(url, head, body)
            print(f"{name:44} {status:>6} {seconds * 1e3:8.0f} {sent:12,}")
        for name, call in _http_cases(url, world):
            started = time.perf_counter()
            answer = call()
            ms = (time.perf_counter() - started) * 1e3
            print(f"{name:44} {answer.status_code:>6} {ms:8.0f} {'':>12}")

        started = time.perf_counter()
        with ThreadPoolExecutor(20) as pool:
            answers = list(pool.map(lambda _: _get(url, "/areas", world), range(20)))
        wall = time.perf_counter() - started
        statuses = dict(Counter(a.status_code for a in answers))
        print(f"20 whole-world queries at once: {statuses} in {wall * 1e3:.0f} ms")
        started = time.perf_counter()
        normal = _get(url, "/cells", CELL)
        ms = (time.perf_counter() - started) * 1e3
        print(f"normal cell query right after: {normal.status_code} in {ms:.1f} ms")
        for pid, mb in service.peak_rss_mb().items():
            print(f"worker {pid}: peak RSS {mb:.0f} MB (budget 1024)")
    return 0


def _raw_cases() -> list[tuple[str, bytes, list[bytes]]]:
    cookie = b"GET /cells?lat=1&lon=1 HTTP/1.1\r\nHost: b\r\nCookie: a="
    post = b"POST /areas HTTP/1.1\r\nHost: b\r\nContent-Type: application/json\r\n"
    ring = [[round(30 + i * 0.004, 4), 50 + (i % 7) * 0.1] for i in range(3_500)]
    query = quote(json.dumps({"type": "Polygon", "coordinates": [[*ring, ring[0]]]}))
    long_get = f"GET /areas?geometry={query} HTTP/1.1\r\nHost: b\r\n\r\n"
    mib = b" " * 1_048_576
    return [
        ("(1) 100 KB cookie", cookie + b"c" * 100_000 + b"\r\n\r\n", []),
        ("(1') 50 MB cookie", cookie, [b"c" * 65_536] * 800),
        ("(2) 50 KB GeoJSON in the query", long_get.encode(), []),
        (
            "(3) 200 MB body, Content-Length",
            post + b"Content-Length: 200000000\r\n\r\n",
            [mib] * 200,
        ),
        (
            "(3') 200 MB body, chunked",
            post + b"Transfer-Encoding: chunked\r\n\r\n",
            [b"100000\r\n" + mib + b"\r\n"] * 200,
        ),
    ]


def _http_cases(url: str, world: dict[str, str]) -> list[tuple[str, object]]:
    count = 200_000
    ring = [
        [
            round(105 + 75 * math.cos(2 * math.pi * i / count), 6),
            round(62 + 12 * math.sin(2 * math.pi * i / count), 6),
        ]
        for i in range(count)
    ]
    polygon = json.dumps({"type": "Polygon", "coordinates": [[*ring, ring[0]]]})
    return [
        (
            "(4) 200,000-vertex polygon",
            lambda: httpx.post(f"{url}/areas", content=polygon, timeout=120),
        ),
        ("(5) whole world, every period", lambda: _get(url, "/areas", world)),
    ]


def _get(url: str, path: str, params: dict[str, object]) -> httpx.Response:
    return httpx.get(f"{url}{path}", params=params, timeout=300)  # type: ignore[arg-type]


def _raw(url: str, head: bytes, body: list[bytes]) -> tuple[int, float, int]:
    """Send `head` then `body` from a thread while reading the status line."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=120)
    answered = threading.Event()
    sent = 0

    def send() -> None:
        nonlocal sent
        try:
            sock.sendall(head)
            for piece in body:
                if answered.is_set():
                    return
                sock.sendall(piece)
                sent += len(piece)
        except OSError:
            return

    started = time.perf_counter()
    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    status_line = sock.makefile("rb").readline()
    seconds = time.perf_counter() - started
    answered.set()
    sender.join(timeout=60)
    sock.close()
    return int(status_line.split()[1]), seconds, sent


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default=os.environ.get("METHANEMAP_STORE"))
    parser.add_argument("--gunicorn", action="store_true", help="two gunicorn workers")
    args = parser.parse_args()
    if not args.store:
        parser.error("give --store or set METHANEMAP_STORE")
    return args


if __name__ == "__main__":
    raise SystemExit(main())
