"""How the HTTP servers run the app: uvicorn's protocol with a deadline and a size cap
on each request head, the options `methanemap serve` passes to uvicorn, and the
gunicorn worker of ``api/gunicorn.conf.py``.

uvicorn reads a request's line and headers before the app sees anything, and with
httptools it sets no limit on either, nor on how long they take: a client trickling
its headers would hold its connection forever. The protocol here answers such a client
408 after ``head_timeout`` seconds, and a head past `head_cap` bytes 431, both as
problem+json. The cap is well above the app's own limits (``max_url_bytes`` and
``max_header_bytes``, checked by `methanemap.service.guard`), which answer every
ordinary oversized request with its precise status; the cap only bounds memory.
"""

import asyncio
import logging
from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn_worker import UvicornWorker

from methanemap.config import Settings, get_settings
from methanemap.service.errors import (
    HeadersTooLargeError,
    MalformedRequestError,
    RequestTimeoutError,
    problem_for,
)
from methanemap.service.guard import url_too_long

log = logging.getLogger(__name__)

#: The protocol as uvicorn's ``http`` option names it.
PROTOCOL = "methanemap.service.server:GuardedHttpToolsProtocol"
#: Longest URL httptools can split into path and query, bytes.
PARSABLE_URL = 65_535
#: How far the server's own cap on a request head sits above the app's limits.
HEAD_CAP_FACTOR = 4


def head_cap(settings: Settings) -> int:
    """Bytes of a request head past which the server stops reading it (431)."""
    return HEAD_CAP_FACTOR * (settings.max_url_bytes + settings.max_header_bytes)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Options of `uvicorn.run` (or `uvicorn.Config`) for the guarded protocol.

    h11's own buffer limit is raised to the cap too, in case the protocol is swapped
    for h11: its refusal would be a bare 400.
    """
    return {"http": PROTOCOL, "h11_max_incomplete_event_size": head_cap(settings)}


class _RefusedError(Exception):
    """Stops the parser inside a callback; the refusal is the protocol's."""


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline and a size cap on request heads.

    The deadline runs from the connection's opening, or from the first byte of a
    later request on it, until the head is complete; idle keep-alive connections are
    closed by uvicorn's own ``timeout_keep_alive``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = get_settings()
        self._head_cap = head_cap(settings)
        self._head_timeout = settings.head_timeout
        self._max_url = settings.max_url_bytes
        self._head_bytes = 0
        self._head_timer: asyncio.TimerHandle | None = None
        self._refusal: Exception | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._head_timer is not None:
            self._head_bytes += len(data)
            if self._head_bytes > self._head_cap:
                self._refuse(
                    HeadersTooLargeError(
                        f"the request head has {self._head_bytes:,} bytes or more, "
                        f"more than the server's cap of {self._head_cap:,} (4 x "
                        "(METHANEMAP_MAX_URL_BYTES + METHANEMAP_MAX_HEADER_BYTES))"
                    )
                )
                return
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._head_timer is None:
            self._start_head()

    def on_headers_complete(self) -> None:
        self._stop_head()
        # httptools cannot split a longer URL (16-bit offsets), and uvicorn would
        # answer a bare 400; shorter ones past the limit get the app's answer.
        if len(self.url) > PARSABLE_URL:
            self._refusal = url_too_long(len(self.url), self._max_url)
            raise _RefusedError  # the parser stops; uvicorn calls send_400_response
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        # Answered before its body was all in (a 404, a 405, a refusal): the rest of
        # the body is not waited for, or a trickling client would hold the connection.
        if self.cycle is not None and self.cycle.more_body:
            self.transport.close()
        super().on_response_complete()

    def send_400_response(self, msg: str) -> None:
        """Answer what stopped the parser: a refusal of ours, or a malformed request."""
        error = self._refusal or MalformedRequestError(
            f"{msg.rstrip('.')}: the request line or headers are not valid HTTP/1.1"
        )
        self._refuse(error)

    def _start_head(self) -> None:
        self._head_bytes = 0
        self._head_timer = self.loop.call_later(self._head_timeout, self._head_late)

    def _stop_head(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_late(self) -> None:
        self._head_timer = None
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.keep_alive = False  # an answer is on its way; close after it
            return
        self._refuse(
            RequestTimeoutError(
                f"the request line and headers did not arrive within "
                f"{self._head_timeout:g} s (METHANEMAP_HEAD_TIMEOUT)"
            )
        )

    def _refuse(self, error: Exception) -> None:
        """Answer `error` as problem+json and close the connection."""
        self._stop_head()
        if self.transport.is_closing():
            return
        problem = problem_for(error)
        log.info("refused a request from %s: %s", self.client, error)
        body = orjson.dumps(
            {
                "type": problem.type,
                "title": problem.title,
                "status": problem.status,
                "detail": str(error),
            }
        )
        head = (
            f"HTTP/1.1 {problem.status} {problem.title}\r\n"
            "content-type: application/problem+json\r\n"
            f"content-length: {len(body)}\r\n"
            "connection: close\r\n\r\n"
        )
        self.transport.write(head.encode("latin-1") + body)
        self.transport.close()


# uvicorn-worker ships no type information, so its class is Any to mypy.
class GuardedUvicornWorker(UvicornWorker):  # type: ignore[misc]
    """The gunicorn worker: uvicorn with the guarded protocol."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Read in the worker, after the fork: the settings are the environment's.
        self.CONFIG_KWARGS = {"loop": "auto", **uvicorn_options(get_settings())}
        super().__init__(*args, **kwargs)
