"""One log line per request: method, route, status and duration."""

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

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

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            _log_request(scope, status, time.perf_counter() - started)


def _log_request(scope: Scope, status: int, seconds: float) -> None:
    route: Any = scope.get("route")
    path = getattr(route, "path", scope["path"])
    log.info(
        "%s %s %d %.1f ms",
        scope["method"],
        path,
        status,
        seconds * 1e3,
        extra={"route": path, "status": status, "duration_ms": seconds * 1e3},
    )
