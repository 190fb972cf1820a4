"""Choosing where the ingest runs: scheduler names, addresses and cluster TOML files."""

import sys
from pathlib import Path

import dask
import dask.threaded
import pytest

from methanemap.errors import RecipeError
from methanemap.pipeline.cluster import (
    THREADS,
    ClusterSpec,
    machine_cores,
    open_cluster,
    read_cluster_spec,
    resolve,
    use_scheduler,
)
from methanemap.store import slabs

CLUSTERS = Path(__file__).parents[2] / "ingest" / "cluster"


def test_the_local_cluster_file_describes_two_single_threaded_processes():
    spec = read_cluster_spec(CLUSTERS / "local.toml")
    assert spec.kind == "local"
    assert spec.workers == 2
    assert spec.options["threads_per_worker"] == 1
    assert spec.options["processes"] is True


@pytest.mark.parametrize(
    ("name", "kind", "workers"),
    [("slurm", "slurm", 4), ("pbs", "pbs", 4), ("kubernetes", "kubernetes", 8)],
)
def test_every_recipe_of_ingest_cluster_reads(name, kind, workers):
    spec = resolve(None, CLUSTERS / f"{name}.toml")
    assert isinstance(spec, ClusterSpec)
    assert (spec.kind, spec.workers) == (kind, workers)


@pytest.mark.parametrize(
    ("kind", "module", "package"),
    [
        ("slurm", "dask_jobqueue", "dask-jobqueue"),
        ("pbs", "dask_jobqueue", "dask-jobqueue"),
        ("kubernetes", "dask_kubernetes", "dask-kubernetes"),
    ],
)
def test_a_missing_cluster_package_is_named(monkeypatch, kind, module, package):
    monkeypatch.setitem(sys.modules, module, None)  # importing it now fails
    monkeypatch.setitem(sys.modules, f"{module}.operator", None)
    spec = read_cluster_spec(CLUSTERS / f"{kind}.toml")
    with pytest.raises(RecipeError, match=f"needs the package {package}"):
        open_cluster(spec)


def test_local_is_a_cluster_sized_to_the_machine():
    spec = resolve("local", None)
    assert isinstance(spec, ClusterSpec)
    assert spec.kind == "local"
    assert spec.workers == machine_cores()


def test_the_default_and_threads_run_on_threads_in_this_process():
    assert resolve(None, None) == THREADS
    with use_scheduler(resolve(" threads ", None)) as where:
        assert dask.base.get_scheduler() is dask.threaded.get
        assert slabs.active_client() is None
    assert where == f"threads ({machine_cores()})"


def test_an_address_is_kept_as_given():
    assert resolve("tcp://10.0.0.5:8786", None) == "tcp://10.0.0.5:8786"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('kind = "yarn"', r"kind: Input should be 'local', 'slurm'"),
        ('kind = "local"\nworkers = 0', "workers: Input should be greater than"),
        ('kind = "local"\nnodes = 3', "nodes: Extra inputs are not permitted"),
        ("kind = ", "are not valid TOML"),
    ],
)
def test_bad_cluster_settings_name_the_file_and_the_field(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(RecipeError, match=message) as caught:
        read_cluster_spec(path)
    assert str(path) in str(caught.value)


def test_unknown_schedulers_and_both_choices_are_refused(tmp_path):
    with pytest.raises(RecipeError, match="unknown scheduler 'threadz'"):
        resolve("threadz", None)
    with pytest.raises(RecipeError, match="not both"):
        resolve("threads", CLUSTERS / "local.toml")
    with pytest.raises(RecipeError, match="do not exist"):
        resolve(str(tmp_path / "none.toml"), None)
