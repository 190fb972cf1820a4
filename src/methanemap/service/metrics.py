"""Prometheus metrics of the service: requests and latencies per route, tile field
cache hits, and the cube version served.

Each worker process keeps its own counters; with several gunicorn workers set
``PROMETHEUS_MULTIPROC_DIR`` to a shared empty directory so that ``/metrics`` adds
them up.
"""

import os

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter(
    "methanemap_requests", "HTTP requests answered", ["route", "method", "status"]
)
LATENCY = Histogram(
    "methanemap_request_seconds",
    "Time to answer an HTTP request",
    ["route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
)
FIELD_CACHE = Gauge(
    "methanemap_tile_field_cache_lookups",
    "Decoded-field look-ups of tiles and cells since start",
    ["result"],
)
CUBE_VERSION = Gauge(
    "methanemap_cube_version_info", "The cube version served (value 1)", ["version"]
)

router = APIRouter(tags=["health"])


def observe(route: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request."""
    REQUESTS.labels(route=route, method=method, status=str(status)).inc()
    LATENCY.labels(route=route).observe(seconds)


def serving(version: str) -> None:
    """Note the cube version now served (the previous one is dropped)."""
    CUBE_VERSION.clear()
    CUBE_VERSION.labels(version=version).set(1)


@router.get("/metrics", include_in_schema=False)
def get_metrics(request: Request) -> Response:
    """Prometheus metrics in the text exposition format."""
    fields = request.app.state.fields
    FIELD_CACHE.labels(result="hit").set(fields.hits)
    FIELD_CACHE.labels(result="miss").set(fields.misses)
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest()
    return Response(body, media_type=CONTENT_TYPE_LATEST)
