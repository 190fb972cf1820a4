"""How query answers leave the service: JSON (orjson, NaN as null) or CSV with the cube
version and inputs in comment lines first; both name the version in a header.
"""

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson
from fastapi import Response

from methanemap.serve.provenance import Provenance, csv_preamble

#: Response header naming the cube version an answer was read from.
VERSION_HEADER = "X-Methanemap-Version"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


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


def _headers(body: Mapping[str, Any]) -> dict[str, str]:
    version = body.get("version")
    return {VERSION_HEADER: str(version)} if version else {}
