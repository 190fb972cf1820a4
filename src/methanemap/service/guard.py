"""Hostile requests stopped at the door: oversized heads and bodies, slow bodies, bad
paths (each a problem+json answer stating its limit), and a bound on the heavy queries
one worker runs at once.

The limits are settings (`methanemap.config.Settings`); the HTTP server's own limits
(`methanemap.service.server`) sit above these, so that the answers are ours.
"""

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from methanemap.config import Settings
from methanemap.errors import TooLargeError
from methanemap.service.errors import (
    BadPathError,
    BodyTooLargeError,
    HeadersTooLargeError,
    RequestTimeoutError,
    ServiceBusyError,
    UrlTooLongError,
    error_response,
)

log = logging.getLogger(__name__)

#: Bytes a header line adds beyond its name and value: ": " and CRLF.
HEADER_OVERHEAD = 4
#: Seconds a busy answer asks the client to wait before it tries again.
RETRY_AFTER = 5
#: Encoded slash or backslash: a path segment would hide a separator from the router.
_ENCODED_SEPARATOR = re.compile(rb"%(2f|5c)", re.IGNORECASE)
#: Control characters, NUL included, once the path is decoded.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class RequestGuardMiddleware:
    """Answers a request past a size limit, or with a hostile path, before the app
    sees it; times and counts its body while the app reads it.

    Parameters
    ----------
    app
        The application behind the guard.
    settings
        Where the limits come from: ``max_url_bytes`` (414), ``max_header_bytes``
        (431), ``max_body_bytes`` (413) and ``body_timeout`` (408).
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        try:
            check_head(scope, self.settings)
        except (BadPathError, TooLargeError) as error:
            answer = error_response(error, scope["method"], _shown(scope))
            await answer(scope, receive, send)
            return

        guarded = _BodyReader(receive, self.settings)
        try:
            await self.app(scope, guarded.receive, send)
        except (BodyTooLargeError, RequestTimeoutError) as error:
            # Raised where no route handler caught it (a body read outside a route).
            answer = error_response(error, scope["method"], _shown(scope))
            await answer(scope, receive, send)


def check_head(scope: Scope, settings: Settings) -> None:
    """Raise if the request's target, headers, declared body or path break a rule.

    Raises
    ------
    UrlTooLongError
        The path and query string hold more than ``max_url_bytes``.
    HeadersTooLargeError
        The headers hold more than ``max_header_bytes``.
    BodyTooLargeError
        ``Content-Length`` declares more than ``max_body_bytes``.
    BadPathError
        A ``..`` or ``.`` segment, an empty segment, an encoded slash or backslash, a
        backslash or a control character in the path.
    """
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
    target = len(raw_path) + len(scope.get("query_string", b""))
    if target > settings.max_url_bytes:
        raise url_too_long(target, settings.max_url_bytes)

    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    size = sum(len(name) + len(value) + HEADER_OVERHEAD for name, value in headers)
    if size > settings.max_header_bytes:
        raise HeadersTooLargeError(
            f"the request headers have {size:,} bytes, more than the limit of "
            f"{settings.max_header_bytes:,} (METHANEMAP_MAX_HEADER_BYTES); send fewer "
            "or smaller cookies and headers",
            parameter=_largest_header(headers),
        )

    check_declared_length(headers, settings.max_body_bytes)
    check_path(scope["path"], raw_path)


def check_declared_length(headers: list[tuple[bytes, bytes]], limit: int) -> None:
    """Raise BodyTooLargeError if ``Content-Length`` declares more than `limit`."""
    for name, value in headers:
        if name == b"content-length" and value.isdigit() and int(value) > limit:
            raise _body_too_large(int(value), limit)


def check_path(path: str, raw_path: bytes) -> None:
    """Raise BadPathError if the path could name anything but a route's resource."""
    reason = None
    if _ENCODED_SEPARATOR.search(raw_path):
        reason = "an encoded slash or backslash (%2F, %5C)"
    elif _CONTROL.search(path):
        reason = "a control character (NUL or another byte below 0x20)"
    elif "\\" in path:
        reason = "a backslash"
    else:
        segments = path.split("/")[1:]
        if any(segment in ("..", ".") for segment in segments):
            reason = "a '..' or '.' segment"
        elif "" in segments[:-1]:
            reason = "an empty segment ('//')"
    if reason is not None:
        raise BadPathError(
            f"the path {path[:80]!r} has {reason}; paths name the service's "
            "resources, never files or parent directories",
            parameter="path",
        )


class _BodyReader:
    """The app's `receive`, counting body bytes and bounding the time they take."""

    def __init__(self, receive: Receive, settings: Settings) -> None:
        self._receive = receive
        self._limit = settings.max_body_bytes
        self._timeout = settings.body_timeout
        # Counted from the head's arrival: the guard runs as soon as it is in.
        self._deadline = asyncio.get_running_loop().time() + settings.body_timeout
        self._read = 0
        self._done = False

    async def receive(self) -> Message:
        # Once the body is in, receive only waits for a disconnect: no limit then.
        if self._done:
            return await self._receive()

        try:
            async with asyncio.timeout_at(self._deadline):
                message = await self._receive()
        except TimeoutError:
            raise RequestTimeoutError(
                f"the request body did not arrive within {self._timeout:g} s "
                f"(METHANEMAP_BODY_TIMEOUT); {self._read:,} bytes came"
            ) from None

        if message["type"] == "http.request":
            self._read += len(message.get("body", b""))
            self._done = not message.get("more_body", False)
            if self._read > self._limit:
                raise _body_too_large(self._read, self._limit)
        else:
            self._done = True
        return message


def url_too_long(size: int, limit: int) -> UrlTooLongError:
    """The error of a request target of `size` bytes, past `limit`."""
    return UrlTooLongError(
        f"the request target (path and query string) has {size:,} bytes, more than "
        f"the limit of {limit:,} (METHANEMAP_MAX_URL_BYTES); send a large geometry "
        "as GeoJSON in the body of POST /areas instead",
        parameter="url",
    )


def _body_too_large(size: int, limit: int) -> BodyTooLargeError:
    return BodyTooLargeError(
        f"the request body has {size:,} bytes or more, more than the limit of "
        f"{limit:,} (METHANEMAP_MAX_BODY_BYTES); simplify the polygon",
        parameter="body",
    )


def _largest_header(headers: list[tuple[bytes, bytes]]) -> str:
    name, _ = max(headers, key=lambda header: len(header[0]) + len(header[1]))
    return name.decode("latin-1")[:40]


def _shown(scope: Scope) -> str:
    """The path as logs show it: cut short, since it may be the very problem."""
    path: str = scope["path"]
    return path if len(path) <= 80 else f"{path[:80]}..."


class QuerySlots:
    """A bound on the heavy queries one worker runs at once, with a short queue.

    Parameters
    ----------
    size
        Queries that may run at once.
    wait
        Seconds a query waits for a slot before it is refused (503, Retry-After).
    """

    def __init__(self, size: int, wait: float) -> None:
        self.size = size
        self.wait = wait
        self._slots = asyncio.Semaphore(size)

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        """Hold a slot for as long as the block runs.

        Raises
        ------
        ServiceBusyError
            If no slot came free within `wait` seconds.
        """
        try:
            async with asyncio.timeout(self.wait):
                await self._slots.acquire()
        except TimeoutError:
            log.warning(
                "all %d query slots stayed taken for %g s", self.size, self.wait
            )
            raise ServiceBusyError(
                f"all {self.size} query slots of this worker stayed taken for "
                f"{self.wait:g} s (METHANEMAP_MAX_CONCURRENT_QUERIES, "
                f"METHANEMAP_QUERY_WAIT); retry in {RETRY_AFTER} s",
                retry_after=RETRY_AFTER,
            ) from None
        try:
            yield
        finally:
            self._slots.release()


async def query_slot(request: Request) -> AsyncIterator[None]:
    """Hold one of the app's query slots while the route runs."""
    slots: QuerySlots = request.app.state.query_slots
    async with slots.hold():
        yield


#: For `include_router(..., dependencies=[QuerySlot])`: the slot is held while the
#: route runs and given back as soon as it returns.
QuerySlot = Depends(query_slot, scope="function")
