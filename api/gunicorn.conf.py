"""Gunicorn settings for methanemap's service: several uvicorn workers, one cube each.

Run with ``gunicorn -c api/gunicorn.conf.py``. Every worker opens the published cube
version itself and follows new versions on its own (the service is stateless), so
workers can be added on one machine or across machines behind a load balancer.
Environment variables (all optional): ``METHANEMAP_HOST``/``METHANEMAP_PORT`` (bind),
``WEB_CONCURRENCY`` (workers, default cores + 1, at most 8), ``GUNICORN_TIMEOUT``,
and every ``METHANEMAP_`` setting of the service.

The work is CPU-bound (decoding chunks, drawing tiles) and each worker keeps its own
decoded chunks, so more workers than cores only split the cache and queue on the CPU:
on two cores, bench/load.sh measured p99 215 ms with 3 workers and 425 ms with 5.
"""

import multiprocessing
import os

wsgi_app = "methanemap.service.app:create_app()"
# uvicorn workers with methanemap's deadline and size cap on request heads.
worker_class = "methanemap.service.server.GuardedUvicornWorker"
_host = os.environ.get("METHANEMAP_HOST", "0.0.0.0")
bind = f"{_host}:{os.environ.get('METHANEMAP_PORT', '8000')}"
workers = int(
    os.environ.get("WEB_CONCURRENCY", min(multiprocessing.cpu_count() + 1, 8))
)
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so that a slow leak cannot grow without bound.
max_requests = 20_000
max_requests_jitter = 2_000
accesslog = "-"
errorlog = "-"
# gunicorn's own limit_request_* settings do not apply: uvicorn workers parse requests
# themselves. The limits are METHANEMAP_MAX_URL_BYTES, METHANEMAP_MAX_HEADER_BYTES,
# METHANEMAP_MAX_BODY_BYTES, METHANEMAP_HEAD_TIMEOUT and METHANEMAP_BODY_TIMEOUT.
