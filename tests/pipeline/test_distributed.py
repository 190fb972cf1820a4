"""The ingest on a dask.distributed LocalCluster of two worker processes writes the
same cube, value for value, as the ingest on threads in one process."""

import asyncio
import json
import os
from pathlib import Path

import icechunk
import numpy as np
import pytest
import zarr
from distributed import get_client
from zarr.core.buffer import default_buffer_prototype

from methanemap.pipeline.cluster import read_cluster_spec, use_scheduler
from methanemap.pipeline.publish import ingest
from methanemap.pipeline.recipe import default_recipe
from methanemap.store.layout import HISTORY, OVERVIEW_LEVELS, overview_group
from methanemap.store.schema import SECTORS, TOTAL, variable

LOCAL = Path(__file__).parents[2] / "ingest" / "cluster" / "local.toml"
#: Attributes that name the time of the run, so differ between any two runs.
VOLATILE = {"date_created", "date_modified", "history"}


@pytest.fixture(scope="module")
def two_ingests(tmp_path_factory, real_store):
    """The default recipe (2022) ingested on threads (the session's cube, by the
    command line's default scheduler) and on the local cluster, and what the
    cluster's workers did."""
    base = tmp_path_factory.mktemp("distributed")
    with use_scheduler(read_cluster_spec(LOCAL)) as where:
        ingest(default_recipe(), str(base / "cluster"))
        client = get_client()
        executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
        pids = client.run(os.getpid)
    return real_store, base / "cluster", where, executed, pids


def root_group(location: Path) -> zarr.Group:
    repo = icechunk.Repository.open(icechunk.local_filesystem_storage(str(location)))
    return zarr.open_group(repo.readonly_session("main").store, mode="r")


def stored(location: Path) -> dict[str, bytes]:
    """Every key of the published version and its stored (encoded) bytes; the
    attributes that date the run are dropped from the metadata documents."""

    async def read(store: zarr.abc.store.Store) -> dict[str, bytes]:
        prototype = default_buffer_prototype()
        found = {}
        async for key in store.list():
            value = await store.get(key, prototype)
            assert value is not None
            found[key] = value.to_bytes()
        return found

    found = asyncio.run(read(root_group(location).store))
    for key, value in found.items():
        if key.endswith("zarr.json"):
            document = json.loads(value)
            for name in VOLATILE:
                document.get("attributes", {}).pop(name, None)
            found[key] = json.dumps(document, sort_keys=True).encode()
    return found


def test_the_tasks_ran_on_two_worker_processes(two_ingests):
    *_, where, executed, pids = two_ingests
    assert where.startswith("local cluster at tcp://127.0.0.1:")
    assert len(pids) == 2
    assert os.getpid() not in pids.values()
    # 46 periods and 18 history tiles of one year, with the blocks they computed
    assert sum(executed.values()) > 46 + 18
    assert all(count > 0 for count in executed.values())


def test_every_array_of_every_group_is_identical(two_ingests):
    # Chunks are compared as stored: lossless and deterministic encoding gives the
    # same bytes exactly when the values are the same, and reads 50 times less.
    threads, cluster = (stored(p) for p in two_ingests[:2])
    assert threads.keys() == cluster.keys()
    expected = {variable(s) for s in (*SECTORS, TOTAL)}
    groups = ["", f"{HISTORY}/", *(f"{overview_group(k)}/" for k in OVERVIEW_LEVELS)]
    arrays = {key.rsplit("/", 1)[0] for key in threads if key.endswith("zarr.json")}
    assert {f"{g}{name}" for g in groups for name in expected} <= arrays
    assert {"periods/global_emission_total", "periods/fingerprint"} <= arrays
    assert any(key.startswith("attribution/") for key in arrays)
    assert sum(key.startswith(f"{HISTORY}/emission_gas/c/") for key in threads) > 100

    differ = sorted(key for key, value in threads.items() if cluster[key] != value)
    assert differ == []


def test_the_data_is_the_real_cube(two_ingests):
    threads, cluster = (root_group(p) for p in two_ingests[:2])
    totals = threads["periods/global_emission_total"][...]
    assert totals.shape == (46,)
    # IEA's 2022 world totals (coal, oil, gas), spread over the year's periods
    assert totals.sum() == pytest.approx((40_306 + 42_661 + 34_262) * 1e3, rel=1e-4)
    history = threads[f"{HISTORY}/emission_gas"][:, 300:360, 600:660]
    assert np.array_equal(
        history, cluster[f"{HISTORY}/emission_gas"][:, 300:360, 600:660]
    )

    for name in ("emission_coal", "emission_total"):
        assert np.array_equal(threads[name][17], cluster[name][17])
