"""One log line per request (method, route, status, duration, request id) and its
Prometheus counts; every answer carries its request id in ``X-Request-ID``.
"""

import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from methanemap.service import metrics

log = logging.getLogger(__name__)


class RequestLogMiddleware:
    """Pure ASGI middleware (cheaper than Starlette's BaseHTTPMiddleware on tiles)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = time.perf_counter()
        status = 500
        request_id = _request_id(scope)

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            _log_request(scope, status, time.perf_counter() - started, request_id)


_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _request_id(scope: Scope) -> str:
    """The caller's X-Request-ID when it is a sane token, else a new one."""
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            given = str(value.decode("latin-1"))
            if _SAFE_ID.match(given):
                return given
    return uuid.uuid4().hex


def _log_request(scope: Scope, status: int, seconds: float, request_id: str) -> None:
    route: Any = scope.get("route")
    # Unmatched paths are counted under one label so junk URLs cannot grow the metrics.
    path = getattr(route, "path", None) or "unmatched"
    metrics.observe(path, scope["method"], status, seconds)
    log.info(
        "%s %s %d %.1f ms",
        scope["method"],
        path,
        status,
        seconds * 1e3,
        extra={
            "route": path,
            "status": status,
            "duration_ms": round(seconds * 1e3, 2),
            "request_id": request_id,
        },
    )
