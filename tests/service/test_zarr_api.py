"""The cube as Zarr v3 over HTTP (FC-25): a separate xarray client, which never imports
methanemap, reads through the real service what the local store holds."""

import http.client
import os
import pickle
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
import xarray as xr

from commands import run_ok
from live_service import live_service
from methanemap import open_dataset
from methanemap.errors import CubeNotFoundError, QueryError
from methanemap.store.remote import zarr_url
from small_cube import CELLS, small_update

#: Runs in a clean interpreter: open a Zarr URL with xarray alone, pickle what it read.
READ_OVER_HTTP = """
import pickle, sys
import fsspec
import xarray as xr
url, group, how, out = sys.argv[1:]
store = fsspec.get_mapper(url) if how == "mapper" else url
ds = xr.open_zarr(store, group=group or None, consolidated=True).load()
assert "methanemap" not in sys.modules, "the client imported methanemap"
with open(out, "wb") as f:
    pickle.dump(ds, f)
"""


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A small cube published twice: 2022, then 2022 and 2023 (a version each)."""
    store = tmp_path_factory.mktemp("zarr") / "cube"
    first = small_update(str(store), [2022])
    second = small_update(str(store), [2022, 2023], {2023: 2.0})
    return store, [first, second]


@pytest.fixture(scope="module")
def service(
    versions: tuple[Path, list[str]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The base URL of the real service on that cube."""
    log = tmp_path_factory.mktemp("zarr-service") / "service.log"
    with live_service(versions[0], log) as url:
        yield url


def read_over_http(
    url: str, tmp_path: Path, group: str = "", how: str = "url"
) -> xr.Dataset:
    """What a program with only xarray, zarr and fsspec reads at `url`."""
    out = tmp_path / "read.pickle"
    clean = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    run_ok(
        [sys.executable, "-I", "-c", READ_OVER_HTTP, url, group, how, str(out)],
        cwd=tmp_path,
        env=clean,
        inherit=False,
        timeout=180,
    )
    with out.open("rb") as f:
        ds: xr.Dataset = pickle.load(f)
    return ds


def test_latest_over_http_equals_the_local_cube(
    service: str, versions: tuple[Path, list[str]], tmp_path: Path
) -> None:
    remote = read_over_http(f"{service}/zarr", tmp_path)
    local = open_dataset(versions[0]).load()

    xr.testing.assert_identical(remote, local)
    assert remote.sizes["time"] == 92  # two years of 46 periods
    assert (remote["emission_coal"] == 0).sum() > 0  # zeros stay zeros, not NaN
    assert remote["time"].dtype.kind == "M"
    assert remote["emission_total"].attrs["units"] == "t"


def test_a_named_version_and_a_group_over_http(
    service: str, versions: tuple[Path, list[str]], tmp_path: Path
) -> None:
    store, (first, _) = versions
    url = f"{service}/zarr/versions/{first}"

    xr.testing.assert_identical(
        read_over_http(url, tmp_path, how="mapper"), open_dataset(store, first).load()
    )
    xr.testing.assert_identical(
        read_over_http(url, tmp_path, group="history"),
        open_dataset(store, first, group="history").load(),
    )


def test_open_dataset_reads_a_service_like_a_path(
    service: str, versions: tuple[Path, list[str]]
) -> None:
    store, (first, _) = versions
    remote = open_dataset(service, first)
    xr.testing.assert_identical(remote.load(), open_dataset(store, first).load())
    assert remote.sizes["time"] == 46


def test_metadata_is_consolidated_v3_with_dimension_names(service: str) -> None:
    answer = httpx.get(f"{service}/zarr/zarr.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["cache-control"] == "no-cache"

    root = answer.json()
    assert root["zarr_format"] == 3
    nodes = root["consolidated_metadata"]["metadata"]
    arrays = {
        path: meta for path, meta in nodes.items() if meta["node_type"] == "array"
    }
    assert "emission_total" in arrays
    assert "history/emission_total" in arrays
    for path, meta in arrays.items():
        assert len(meta["dimension_names"]) == len(meta["shape"]), path
        if meta["data_type"].startswith("float"):
            assert meta["fill_value"] is not None, path
        assert meta["data_type"] not in ("string", "bytes"), path


@pytest.mark.parametrize(
    "key",
    [".zmetadata", ".zgroup", ".zattrs", "emission_total/.zarray", "history/.zgroup"],
)
def test_v2_metadata_is_not_found(service: str, key: str) -> None:
    answer = httpx.get(f"{service}/zarr/{key}")
    assert answer.status_code == 404
    assert "Zarr v3" in answer.json()["detail"]


def test_a_chunk_has_an_etag_and_revalidates(service: str) -> None:
    key = written_chunk(service)
    answer = httpx.get(f"{service}/zarr/{key}")

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/octet-stream"
    etag = answer.headers["etag"]
    again = httpx.get(f"{service}/zarr/{key}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    other = httpx.get(f"{service}/zarr/{key.replace('/c/0/', '/c/1/')}")
    assert other.headers.get("etag") != etag


def test_a_versioned_key_is_cached_forever(
    service: str, versions: tuple[Path, list[str]]
) -> None:
    _, (first, _) = versions
    answer = httpx.get(f"{service}/zarr/versions/{first}/zarr.json")

    assert answer.status_code == 200
    assert "immutable" in answer.headers["cache-control"]
    assert answer.json()["zarr_format"] == 3
    latest = httpx.get(f"{service}/zarr/zarr.json")
    assert latest.headers["etag"] != answer.headers["etag"]
    assert httpx.get(f"{service}/zarr/versions/nonesuch/zarr.json").status_code == 404


def test_range_requests_answer_206(service: str) -> None:
    key = written_chunk(service)
    whole = httpx.get(f"{service}/zarr/{key}").content

    part = httpx.get(f"{service}/zarr/{key}", headers={"Range": "bytes=2-9"})
    assert part.status_code == 206
    assert part.content == whole[2:10]
    assert part.headers["content-range"] == f"bytes 2-9/{len(whole)}"
    tail = httpx.get(f"{service}/zarr/{key}", headers={"Range": "bytes=-5"})
    assert (tail.status_code, tail.content) == (206, whole[-5:])
    meta = httpx.get(f"{service}/zarr/zarr.json", headers={"Range": "bytes=0-0"})
    assert (meta.status_code, meta.content) == (206, b"{")
    past = httpx.get(f"{service}/zarr/{key}", headers={"Range": f"bytes={len(whole)}-"})
    assert past.status_code == 416


def test_head_gives_the_length_without_the_body(service: str) -> None:
    key = written_chunk(service)
    whole = httpx.get(f"{service}/zarr/{key}").content
    head = httpx.head(f"{service}/zarr/{key}")

    assert head.status_code == 200
    assert head.headers["content-length"] == str(len(whole))
    assert head.content == b""


@pytest.mark.parametrize(
    "key", ["emission_total/c/0/99/99", "nonesuch/c/0/0/0", "nonesuch/zarr.json"]
)
def test_a_missing_chunk_or_node_is_not_found(service: str, key: str) -> None:
    assert httpx.get(f"{service}/zarr/{key}").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/zarr/../../etc/passwd",
        "/zarr/%2e%2e/%2e%2e/etc/passwd",
        "/zarr/emission_total/../../../repo",
        "/zarr/emission_total/c/..%2f..%2fzarr.json",
        "/zarr/versions/x/..%5c..%5cconfig.yaml",
    ],
)
def test_path_traversal_is_refused(service: str, path: str) -> None:
    # http.client sends the path as written; httpx would normalise the dots away
    address = urlparse(service)
    connection = http.client.HTTPConnection(address.hostname or "", address.port)
    connection.request("GET", path)
    answer = connection.getresponse()
    body = answer.read()
    connection.close()

    assert 400 <= answer.status < 500, (answer.status, body[:200])
    assert b"root:" not in body


def test_zarr_url_names_the_service_route() -> None:
    assert zarr_url("http://h:8000") == "http://h:8000/zarr"
    assert zarr_url("http://h:8000/zarr/", "v 1") == "http://h:8000/zarr/versions/v%201"
    with pytest.raises(QueryError, match="names a version already"):
        zarr_url("http://h/zarr/versions/A", "B")


def test_open_dataset_of_no_cube_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(CubeNotFoundError, match="methanemap ingest"):
        open_dataset(tmp_path / "none")


def written_chunk(service: str) -> str:
    """The key of a chunk of ``emission_coal`` that holds a known coal cell."""
    meta = httpx.get(f"{service}/zarr/emission_coal/zarr.json").json()
    _, rows, cols = meta["chunk_grid"]["configuration"]["chunk_shape"]
    row, col = CELLS["coal"][0]
    key = f"emission_coal/c/0/{row // rows}/{col // cols}"
    assert httpx.head(f"{service}/zarr/{key}").status_code == 200
    return key
