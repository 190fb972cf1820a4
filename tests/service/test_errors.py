"""The error table: each error class answers one status, always as problem+json."""

import pytest
from fastapi import FastAPI

from methanemap.errors import (
    CorruptInputError,
    CubeNotFoundError,
    MethanemapError,
    NotInCubeError,
    QueryError,
    TooLargeError,
)
from methanemap.service.errors import install_error_handlers, problem_for

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (QueryError("bad", parameter="x"), 422),
        (NotInCubeError("absent", parameter="period"), 404),
        (TooLargeError("big"), 413),
        (CubeNotFoundError("none"), 503),
        (NotImplementedError("later"), 501),
        (CorruptInputError("checksum"), 500),
        (MethanemapError("ours"), 500),
        (RuntimeError("theirs"), 500),
    ],
)
def test_each_error_class_has_one_status(error, status):
    assert problem_for(error).status == status


def failing_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/query")
    def query() -> None:
        raise QueryError("x=3 is too big; allowed are 0 to 2", parameter="x")

    @app.get("/crash")
    def crash() -> None:
        raise RuntimeError("secret internals at 0xdeadbeef")

    return app


async def test_a_query_error_is_a_problem_naming_the_parameter(serve_app):
    async with serve_app(failing_app()) as client:
        response = await client.get("/query")

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "urn:methanemap:problem:invalid-parameter",
        "title": "Invalid parameter",
        "status": 422,
        "detail": "x=3 is too big; allowed are 0 to 2",
        "parameter": "x",
        "invalid-params": [
            {"name": "x", "reason": "x=3 is too big; allowed are 0 to 2"}
        ],
    }


async def test_an_unexpected_error_is_a_500_problem_without_internals(
    serve_app, caplog
):
    async with serve_app(failing_app()) as client:
        response = await client.get("/crash")

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "0xdeadbeef" not in response.text
    assert "Traceback" not in response.text
    assert any(r.levelname == "ERROR" and r.exc_info for r in caplog.records)
