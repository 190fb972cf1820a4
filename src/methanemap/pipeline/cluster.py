"""Where the ingest's Dask tasks run: threads in this process, a cluster on this
machine, a running scheduler, or a cluster described by a TOML file (`ingest/cluster/`).

`use_scheduler` makes `dask.compute` run there for the duration of a `with` block; the
writer (`methanemap.store.slabs`) follows whatever scheduler is active. A distributed
cluster's workers write the cube's chunks themselves, so the store must be reachable
from every worker (a shared file system or object storage).
"""

import logging
import os
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import dask
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from methanemap.errors import RecipeError

log = logging.getLogger(__name__)

#: The threaded scheduler in this process, one thread per core (the default: on two
#: cores it ingests faster than a cluster of processes, see the README).
THREADS = "threads"
#: A dask.distributed LocalCluster of one single-threaded worker process per core.
LOCAL = "local"
DEFAULT = THREADS

#: Address schemes of a running dask.distributed scheduler.
SCHEMES = ("tcp://", "tls://", "ws://", "wss://", "inproc://", "ucx://")

#: Cluster kinds of a TOML file: the class that makes each, and the package it needs.
KINDS = {
    "local": ("distributed", "LocalCluster", "distributed"),
    "slurm": ("dask_jobqueue", "SLURMCluster", "dask-jobqueue"),
    "pbs": ("dask_jobqueue", "PBSCluster", "dask-jobqueue"),
    "kubernetes": ("dask_kubernetes.operator", "KubeCluster", "dask-kubernetes"),
}


class ClusterSpec(BaseModel):
    """A cluster described by a TOML file of `ingest/cluster/`.

    Attributes
    ----------
    kind
        ``local`` (dask.distributed), ``slurm`` or ``pbs`` (dask-jobqueue),
        ``kubernetes`` (dask-kubernetes).
    workers
        Workers to start: processes (local), batch jobs (slurm, pbs) or pods
        (kubernetes).
    wait_seconds
        How long to wait for the first worker (batch jobs may queue).
    options
        Keyword arguments of the cluster class, as its documentation names them.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["local", "slurm", "pbs", "kubernetes"]
    workers: int = Field(default=1, ge=1)
    wait_seconds: float = Field(default=300.0, gt=0)
    options: dict[str, Any] = Field(default_factory=dict)


def read_cluster_spec(path: Path) -> ClusterSpec:
    """The cluster settings of a TOML file; a missing, malformed or invalid file is a
    `RecipeError` naming it."""
    try:
        table = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise RecipeError(f"cluster settings {path} do not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise RecipeError(
            f"cluster settings {path} are not valid TOML: {exc}"
        ) from None
    try:
        return ClusterSpec.model_validate(table)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'file'}: {e['msg']}"
            for e in exc.errors()
        )
        raise RecipeError(f"cluster settings {path}: {problems}") from None


def machine_cores() -> int:
    """Cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def local_spec(cores: int | None = None) -> ClusterSpec:
    """A LocalCluster sized to the machine: one single-threaded worker per core."""
    workers = cores or machine_cores()
    options = {"threads_per_worker": 1, "processes": True, "dashboard_address": None}
    return ClusterSpec(kind="local", workers=workers, options=options)


def resolve(scheduler: str | None, cluster: Path | None) -> str | ClusterSpec:
    """The scheduler to use: `THREADS`, an address, or a cluster's settings.

    Parameters
    ----------
    scheduler
        ``threads``, ``local``, a scheduler address (``tcp://host:8786``) or the path
        of a cluster TOML file; None for the default (`DEFAULT`).
    cluster
        The path of a cluster TOML file (exclusive with `scheduler`).
    """
    if cluster is not None and scheduler is not None:
        raise RecipeError(
            f"give either a scheduler ({scheduler!r}) or cluster settings ({cluster}), "
            "not both"
        )
    if cluster is not None:
        return read_cluster_spec(cluster)
    chosen = (scheduler or DEFAULT).strip()
    if chosen == THREADS or chosen.startswith(SCHEMES):
        return chosen
    if chosen == LOCAL:
        return local_spec()
    if chosen.endswith(".toml"):
        return read_cluster_spec(Path(chosen))
    raise RecipeError(
        f"unknown scheduler {chosen!r}: use 'threads', 'local', an address such as "
        "tcp://127.0.0.1:8786, or a cluster TOML file such as ingest/cluster/local.toml"
    )


@contextmanager
def use_scheduler(choice: str | ClusterSpec) -> Iterator[str]:
    """Run every `dask.compute` of the block on `choice` (see `resolve`); yields a
    description of it. A cluster started here is closed on leaving."""
    if choice == THREADS:
        cores = machine_cores()
        with dask.config.set(scheduler="threads", num_workers=cores):
            log.info("running on the threaded scheduler, %d threads", cores)
            yield f"threads ({cores})"
        return

    from distributed import Client

    if isinstance(choice, str):
        try:  # retries for distributed.comm.timeouts.connect (DASK_ config, 30 s)
            client = Client(choice, set_as_default=True)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError) as exc:
            raise RecipeError(
                f"could not reach the Dask scheduler at {choice}: {exc}"
            ) from None
        with client:
            log.info("running on the scheduler at %s", choice)
            yield f"scheduler {choice}"
        return

    with open_cluster(choice) as cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
        if choice.kind != "local":
            client.wait_for_workers(1, timeout=choice.wait_seconds)
        log.info("running on a %s cluster of %d workers", choice.kind, choice.workers)
        yield f"{choice.kind} cluster at {cluster.scheduler_address}"


def open_cluster(spec: ClusterSpec) -> Any:
    """Start the cluster `spec` describes (its package imported only now)."""
    module_name, class_name, package = KINDS[spec.kind]
    try:
        module = __import__(module_name, fromlist=[class_name])
    except ImportError:
        raise RecipeError(
            f"a {spec.kind} cluster needs the package {package}, which is not "
            f"installed: pip install {package}"
        ) from None
    factory = getattr(module, class_name)
    if spec.kind == "local":
        return factory(n_workers=spec.workers, **spec.options)
    cluster = factory(**spec.options)
    if spec.kind in ("slurm", "pbs"):
        cluster.scale(jobs=spec.workers)
    else:
        cluster.scale(spec.workers)
    return cluster
