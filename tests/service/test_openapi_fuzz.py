"""Property-based tests of the whole HTTP API from its own OpenAPI document (issue #10).

Schemathesis takes the app's OpenAPI document and sends the real service (``methanemap
serve`` on loopback, the real 2022 cube) requests for every operation: the document's
examples, each parameter's boundary and invalid values (coverage phase) and random
valid ones (fuzzing phase). No answer may be a 5xx, and each must have a status code,
content type and body that the document declares for its operation.
"""

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig

from live_service import deployed_service
from methanemap.config import Settings
from methanemap.service.app import create_app

pytestmark = pytest.mark.e2e

if os.environ.get("PYTEST_XDIST_WORKER"):
    # Every operation's test has the same id, and xdist would run one of them.
    pytest.fail(
        f"run {Path(__file__).name} without xdist (make test does)", pytrace=False
    )

#: Random examples per operation in the fuzzing phase; the coverage phase adds each
#: parameter's boundary and invalid values. Bounds the module to ~3 min on 2 cores.
MAX_EXAMPLES = 12
#: Longest one example (one request) may take before it fails, as the request timeout.
#: The slowest, a ranking of the cells over the whole year, took 6.5 s on a 2-core
#: machine at load 11; most answers take milliseconds.
DEADLINE = timedelta(seconds=30)

#: Values a client would send, drawn for about half the requests so that those get
#: past validation to the reading and rendering code (random strings rarely name a
#: sector or a version). A date names the version published by then: the latest.
VALID_VALUES: dict[str, list[str | int]] = {
    "version": ["2100-01-01"],
    "base": ["2100-01-01"],
    "target": ["2100-01-01"],
    "sector": ["coal", "oil", "gas", "total"],
    "collectionId": ["coal", "total", "emissions"],
    "dataType": ["map", "coverage"],
    "tileMatrixSetId": ["WebMercatorQuad"],
    "period": ["2022-P05", "2022-12-31"],
    "start": ["2022-P40"],
    "end": ["2022-P46"],
    "datetime": ["2022-06-01", "2022-11-01/2022-12-31"],
    "units": ["t", "kt yr-1", "t km-2 yr-1"],
    "bbox": ["110,34,115,41", "170,-20,-170,0", "-5,50,5,55"],
    "iso3": ["CHN", "usa", "RUS"],
    "format": ["png", "webp", "npy", "json", "csv", "netcdf", "zarr"],
    "quantity": ["emission", "flux"],
    "key": ["zarr.json", "emission_total/zarr.json", "emission_gas/c/0/0/0"],
    "coords": ["POINT(112.55 37.85)", "POLYGON((110 34, 113 34, 113 37, 110 34))"],
    "z": [0, 3, 6],
    "x": [0, 6, 50],
    "y": [0, 3, 24],
    "tileMatrix": [0, 3],
    "tileRow": [0, 3],
    "tileCol": [0, 6],
}
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 10,  # the issue number: CI draws the same requests every run
        "request-timeout": DEADLINE.total_seconds(),
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
        "phases": {"stateful": {"enabled": False}},
        "dictionaries": {
            name: {"values": values} for name, values in VALID_VALUES.items()
        },
        "parameters": {
            name: {"dictionary": name, "probability": 0.5} for name in VALID_VALUES
        },
    }
)
#: What issue #10 asks of every answer: no 5xx, and status code, content type and body
#: as declared. Schemathesis' other checks judge other things (that schema-valid input
#: succeeds, say, where sector and period are free strings checked by the service).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


#: The document as the app builds it, read at collection so that each operation is a
#: test of its own (building it opens no cube). `schemathesis.pytest.from_fixture`
#: would read it from the server instead, but fails on pytest 9 (it sets the removed
#: `Function._nodeid`); the first test checks that the server serves this document.
DOCUMENT = create_app(Settings(store="unused")).openapi()
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)


@pytest.fixture(scope="module")
def service(
    real_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The base URL of the service as deployed (``methanemap serve``: uvicorn with
    the guarded protocol) on loopback, serving the real cube."""
    log = tmp_path_factory.mktemp("fuzz") / "service.log"
    with deployed_service(real_store, log) as served:
        yield served.url


def test_the_service_serves_the_document_under_test(service: str) -> None:
    served = httpx.get(f"{service}/openapi.json", timeout=30)

    assert served.status_code == 200
    assert served.json() == DOCUMENT


def test_every_operation_has_an_id_of_its_own() -> None:
    operations = [
        (method, path, operation["operationId"])
        for path, methods in DOCUMENT["paths"].items()
        for method, operation in methods.items()
    ]
    ids = [operation_id for _, _, operation_id in operations]

    assert len(set(ids)) == len(operations), sorted(ids)


@pytest.mark.parametrize(
    "path",
    [
        "/tiles/3/6/3.png",
        "/ogc/collections/coal/coverage/tiles/WebMercatorQuad/3/3/6",
        "/cells?lat=37.85&lon=112.55&format=csv",
        "/cells/history?lat=37.85&lon=112.55&start=2022-P40",
        "/zarr/emission_total/zarr.json",
    ],
)
def test_head_answers_the_headers_of_get_without_a_body(
    service: str, path: str
) -> None:
    plain = {"Accept-Encoding": "identity"}  # lengths as sent, not gzipped
    got = httpx.get(f"{service}{path}", headers=plain, timeout=30)
    head = httpx.head(f"{service}{path}", headers=plain, timeout=30)

    assert got.status_code == head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) == len(got.content) > 0
    for name in ("content-type", "etag", "x-methanemap-version", "cache-control"):
        assert head.headers.get(name) == got.headers.get(name), name


@schema.parametrize()
@settings(deadline=DEADLINE)
def test_every_operation_answers_as_its_document_says(
    case: schemathesis.Case, service: str
) -> None:
    case.call_and_validate(base_url=service, checks=CHECKS)
