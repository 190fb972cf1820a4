"""How query answers leave the service: JSON (orjson, NaN as null) or CSV with the cube
version and inputs in comment lines first; both name the version in a header. Also how
the routes declare their answers, errors included, in the OpenAPI document.
"""

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import orjson
from fastapi import APIRouter, Response

from methanemap.serve.provenance import Provenance, csv_preamble
from methanemap.service.errors import PROBLEM_MEDIA_TYPE

#: Response header naming the cube version an answer was read from.
VERSION_HEADER = "X-Methanemap-Version"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"

#: An RFC 9457 problem as `methanemap.service.errors` answers it.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "A URN naming the kind of problem."},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What is wrong and what to do."},
        "parameter": {
            "type": ["string", "null"],
            "description": "The request parameter at fault, if one is.",
        },
        "invalid-params": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "reason"],
                "properties": {
                    "name": {"type": "string"},
                    "reason": {"type": "string"},
                },
            },
        },
    },
}
#: What each problem status of the API means, for the OpenAPI document.
PROBLEM_MEANINGS = {
    400: "The request cannot be parsed, or its path has a parent or empty segment, "
    "an encoded slash or backslash, or a control character.",
    404: "A version, collection or key that does not exist.",
    408: "The request body came too slowly (`body_timeout`).",
    413: "The answer or the request body would pass a size limit of the settings.",
    414: "The path and query pass `max_url_bytes`.",
    422: "A parameter is invalid; `parameter` names it.",
    431: "The request headers pass `max_header_bytes`.",
    501: "The cube version asked for lacks what the answer needs (an older layout).",
    503: "No cube is open (yet), or every query slot stayed busy (see Retry-After).",
}

OpenApiResponses = dict[int | str, dict[str, Any]]
Handler = TypeVar("Handler", bound=Callable[..., Any])


def json_answer(
    body: Mapping[str, Any], media_type: str = "application/json"
) -> Response:
    """A JSON answer; its ``version`` member is echoed in the version header."""
    content = orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY)
    return Response(content, media_type=media_type, headers=_headers(body))


def csv_answer(
    source: Provenance,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    filename: str,
) -> Response:
    """A CSV answer: provenance comment lines, a header row, then `rows`."""
    text = io.StringIO()
    text.write(csv_preamble(source))
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    headers = {
        VERSION_HEADER: source["version"],
        "Content-Disposition": f'inline; filename="{filename}"',
    }
    return Response(text.getvalue(), media_type=CSV_MEDIA_TYPE, headers=headers)


def file_answer(
    content: bytes, media_type: str, filename: str, version: str
) -> Response:
    """A file to download."""
    headers = {
        VERSION_HEADER: version,
        "Content-Disposition": f'attachment; filename="{filename}"',
    }
    return Response(content, media_type=media_type, headers=headers)


def get_and_head(
    router: APIRouter, path: str, **options: Any
) -> Callable[[Handler], Handler]:
    """Route GET and HEAD of `path` to one handler, as two operations (each with an
    id of its own). The server sends no body for HEAD: the client gets the headers
    of GET (ETag, length, version), which map clients and caches ask for."""

    def register(handler: Handler) -> Handler:
        router.get(path, **options)(handler)
        router.head(path, **options)(handler)
        return handler

    return register


def problems(*statuses: int) -> OpenApiResponses:
    """OpenAPI responses of the problems with these statuses, as problem+json."""
    return {
        status: {
            "description": PROBLEM_MEANINGS[status],
            "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_SCHEMA}},
        }
        for status in statuses
    }


#: What the service's guard may answer to any request, before a route sees it
#: (`methanemap.service.guard`); the app declares these for every operation.
REQUEST_PROBLEMS = problems(400, 408, 413, 414, 431)
#: The problems of every route that reads the cube (and may name its `version`).
CUBE_PROBLEMS = problems(404, 422, 503)


def _headers(body: Mapping[str, Any]) -> dict[str, str]:
    version = body.get("version")
    return {VERSION_HEADER: str(version)} if version else {}
