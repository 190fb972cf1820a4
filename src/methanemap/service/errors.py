"""From error to HTTP answer: one table of statuses, answered as RFC 9457 problem+json.

Every error leaves the service as ``application/problem+json`` with ``type``, ``title``,
``status`` and ``detail``; a bad parameter also names it in ``parameter`` and lists
each bad one in ``invalid-params`` (name and reason). Client errors are logged at INFO,
server errors once at ERROR with their traceback, which never reaches the client.
"""

import logging
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from methanemap.errors import (
    CubeNotFoundError,
    MethanemapError,
    NotInCubeError,
    QueryError,
    TooLargeError,
)

log = logging.getLogger(__name__)


class MalformedRequestError(MethanemapError, ValueError):
    """A request the HTTP parser cannot read."""


class BadPathError(QueryError):
    """A request path with a parent segment, an encoded slash or a control byte."""


class BodyTooLargeError(TooLargeError):
    """A request body longer than ``max_body_bytes``."""


class UrlTooLongError(TooLargeError):
    """A request target (path and query) longer than ``max_url_bytes``."""


class HeadersTooLargeError(TooLargeError):
    """Request headers larger than ``max_header_bytes``."""


class RequestTimeoutError(MethanemapError, TimeoutError):
    """A client too slow to send its request."""


class ServiceBusyError(MethanemapError):
    """Every query slot of this worker stayed taken; the client should retry."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


PROBLEM_MEDIA_TYPE = "application/problem+json"
#: Longest echo of a rejected parameter value in a problem's detail.
MAX_ECHO = 80


@dataclass(frozen=True)
class Problem:
    """The HTTP side of an error class: status, a stable type slug and a title."""

    status: int
    slug: str
    title: str

    @property
    def type(self) -> str:
        """The problem type URI: a URN, stable but not meant to be fetched."""
        return f"urn:methanemap:problem:{self.slug}"


#: The one table from error class to answer; the most specific class of an error wins.
PROBLEMS: dict[type[Exception], Problem] = {
    MalformedRequestError: Problem(400, "malformed-request", "Malformed request"),
    BadPathError: Problem(400, "bad-path", "Bad path"),
    NotInCubeError: Problem(404, "not-in-cube", "Not in the cube"),
    RequestTimeoutError: Problem(408, "request-timeout", "Request timeout"),
    UrlTooLongError: Problem(414, "uri-too-long", "URI too long"),
    HeadersTooLargeError: Problem(
        431, "headers-too-large", "Request header fields too large"
    ),
    TooLargeError: Problem(413, "too-large", "Request too large"),
    ServiceBusyError: Problem(503, "busy", "Service busy"),
    QueryError: Problem(422, "invalid-parameter", "Invalid parameter"),
    RequestValidationError: Problem(422, "invalid-parameter", "Invalid parameter"),
    CubeNotFoundError: Problem(503, "cube-unavailable", "Cube unavailable"),
    NotImplementedError: Problem(501, "not-implemented", "Not implemented"),
    MethanemapError: Problem(500, "internal-error", "Internal error"),
    Exception: Problem(500, "internal-error", "Internal error"),
}


def problem_for(error: BaseException) -> Problem:
    """The table's entry for the most specific class of `error`."""
    for cls in type(error).__mro__:
        if cls in PROBLEMS:
            return PROBLEMS[cls]
    return PROBLEMS[Exception]


def problem_response(problem: Problem, detail: str, **extensions: Any) -> JSONResponse:
    """A problem+json response; `extensions` become extra members of the body."""
    body = {
        "type": problem.type,
        "title": problem.title,
        "status": problem.status,
        "detail": detail,
        **extensions,
    }
    return JSONResponse(body, status_code=problem.status, media_type=PROBLEM_MEDIA_TYPE)


def install_error_handlers(app: FastAPI) -> None:
    """Make every error of `app` answer with problem+json by the table."""
    app.add_exception_handler(RequestValidationError, _on_invalid_request)
    app.add_exception_handler(HTTPException, _on_http_exception)
    for cls in PROBLEMS:
        if cls not in (RequestValidationError, Exception):
            app.add_exception_handler(cls, _on_error)
    # Starlette's own last-resort handler re-raises after answering, so the server
    # would log the error a second time; this middleware answers it instead.
    app.add_middleware(UnexpectedErrorMiddleware)


class UnexpectedErrorMiddleware:
    """Answers an error no handler knows with a 500 problem, and logs it once."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = False

        async def send_and_note(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        except Exception as error:
            log.error("%s %s failed", scope["method"], scope["path"], exc_info=error)
            if started:  # half an answer is out: only the server can close it
                raise
            problem = problem_for(error)
            await problem_response(problem, problem.title)(scope, receive, send)


async def _on_error(request: Request, error: Exception) -> JSONResponse:
    return error_response(error, request.method, request.url.path)


def error_response(error: Exception, method: str, path: str) -> JSONResponse:
    """The problem answer to `error` by the table, logged as its status says.

    A refused body closes the connection (its rest is never read); a busy service
    says when to retry.
    """
    problem = problem_for(error)
    if isinstance(error, CubeNotFoundError):  # why is logged where the cube is opened
        log.warning("%s %s: %s", method, path, error)
        detail = str(error)
    elif problem.status >= 500 and not isinstance(error, ServiceBusyError):
        log.error("%s %s failed", method, path, exc_info=error)
        detail = str(error) if isinstance(error, MethanemapError) else problem.title
    else:
        log.info("%s %s: %s", method, path, error)
        detail = str(error)

    parameter = getattr(error, "parameter", None)
    extensions: dict[str, Any] = {}
    if parameter is not None:
        invalid = [{"name": parameter, "reason": detail}]
        extensions = {"parameter": parameter, "invalid-params": invalid}
    response = problem_response(problem, detail, **extensions)

    if isinstance(error, BodyTooLargeError | RequestTimeoutError):
        response.headers["Connection"] = "close"
    if isinstance(error, ServiceBusyError):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


async def _on_invalid_request(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    invalid = [_invalid_param(e) for e in error.errors()]
    detail = "; ".join(f"{p['name']}: {p['reason']}" for p in invalid)
    log.info("%s %s: %s", request.method, request.url.path, detail)
    return problem_response(
        PROBLEMS[RequestValidationError],
        detail,
        parameter=invalid[0]["name"] if invalid else None,
        **{"invalid-params": invalid},
    )


async def _on_http_exception(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    problem = Problem(error.status_code, "http-error", _reason(error.status_code))
    response = problem_response(problem, str(error.detail))
    response.headers.update(error.headers or {})
    return response


def _invalid_param(error: Any) -> dict[str, str]:
    """Name and reason of one pydantic error, echoing the value it rejected."""
    location = [str(part) for part in error.get("loc", ())]
    name = location[-1] if location else "request"
    reason = str(error.get("msg", "is invalid"))
    if "input" in error and isinstance(error["input"], str):
        reason = f"{reason}; got {error['input'][:MAX_ECHO]!r}"
    return {"name": name, "reason": reason}


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
