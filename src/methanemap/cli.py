"""The `methanemap` command: ingest inputs into a cube, update it, serve it, or both."""

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from methanemap import logs
from methanemap.config import get_settings
from methanemap.errors import MethanemapError

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from methanemap.pipeline.recipe import Recipe

app = typer.Typer(help=__doc__, no_args_is_help=True, pretty_exceptions_enable=False)
console = Console(stderr=True, soft_wrap=True)
log = logging.getLogger(__name__)

StoreOption = Annotated[
    str | None,
    typer.Option(
        help="Cube location: a path, s3:// or gs:// URL [default: METHANEMAP_STORE]"
    ),
]
RecipeOption = Annotated[
    Path | None, typer.Option(help="Recipe TOML [default: ingest/default.toml]")
]
YearsOption = Annotated[
    str | None, typer.Option(help="Years to build, e.g. 2022 or 2020-2022")
]


TagOption = Annotated[
    str | None,
    typer.Option(help="Tag the resulting version as a release, e.g. v2024.1"),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        help="Where Dask runs: threads, local (worker processes on this machine), a "
        "scheduler address such as tcp://host:8786, or a cluster TOML "
        "[default: METHANEMAP_SCHEDULER, else threads]"
    ),
]
ClusterOption = Annotated[
    Path | None,
    typer.Option(help="Cluster settings, e.g. ingest/cluster/slurm.toml"),
]


@app.command()
def ingest(
    store: StoreOption = None,
    recipe: RecipeOption = None,
    years: YearsOption = None,
    tag: TagOption = None,
    scheduler: SchedulerOption = None,
    cluster: ClusterOption = None,
) -> None:
    """Build the cube afresh from the recipe's inputs and publish it as one version."""
    from methanemap.pipeline.publish import ingest as run_ingest

    location = store or get_settings().store
    chosen = _recipe(recipe, years)
    with _dask(scheduler, cluster), console.status("starting") as status:
        outcome = run_ingest(chosen, location, lambda s: status.update(s), tag=tag)
    console.print(f"published cube version [bold]{outcome.version}[/] at {location}")


@app.command()
def update(
    store: StoreOption = None,
    recipe: RecipeOption = None,
    years: YearsOption = None,
    tag: TagOption = None,
    scheduler: SchedulerOption = None,
    cluster: ClusterOption = None,
) -> None:
    """Bring the cube up to date: add new years, rewrite periods whose inputs changed.

    The cube keeps its years and gains those asked for; the change is validated and
    published as one version, or nothing is published.
    """
    from methanemap.pipeline.publish import update as run_update

    location = store or get_settings().store
    chosen = _recipe(recipe, years)
    with _dask(scheduler, cluster), console.status("starting") as status:
        outcome = run_update(chosen, location, lambda s: status.update(s), tag=tag)
    if outcome.published:
        console.print(f"published cube version [bold]{outcome.version}[/]: ")
        console.print(outcome.message, markup=False, highlight=False)
    else:
        console.print(f"cube version [bold]{outcome.version}[/] is up to date")
    if tag:
        console.print(f"tagged {outcome.version} as [bold]{tag}[/]")


@app.command("versions")
def list_versions(
    store: StoreOption = None,
    limit: Annotated[int, typer.Option(help="Newest versions to list", min=1)] = 20,
) -> None:
    """List the published versions of the cube, newest first: id, time, tags, what
    changed."""
    from methanemap.store import list_versions as versions_of

    for info in versions_of(store or get_settings().store)[:limit]:
        when = info.time.strftime("%Y-%m-%dT%H:%M:%SZ")
        tags = ",".join(info.tags) or "-"
        typer.echo(f"{info.id}  {when}  {tags}  {info.message}")


@app.command()
def stac(
    store: StoreOption = None,
    output: Annotated[
        Path | None, typer.Option(help="File to write [default: standard output]")
    ] = None,
    version: Annotated[
        str | None, typer.Option(help="Version id, tag or date [default: latest]")
    ] = None,
) -> None:
    """Write the STAC Collection that describes the cube."""
    import json

    from methanemap.serve.stac import stac_collection
    from methanemap.store import open_cube

    location = store or get_settings().store
    text = json.dumps(stac_collection(open_cube(location, version)), indent=2)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n")
        console.print(f"wrote the STAC Collection of {location} to {output}")


def _dask(scheduler: str | None, cluster: Path | None) -> "AbstractContextManager[str]":
    """The Dask scheduler of an ingest or update: the options, else the setting."""
    from methanemap.pipeline.cluster import resolve, use_scheduler

    if scheduler is None and cluster is None:
        scheduler = get_settings().scheduler
    return use_scheduler(resolve(scheduler, cluster))


def _recipe(path: Path | None, years: str | None) -> "Recipe":
    from methanemap.pipeline.recipe import default_recipe, load_recipe, with_years

    chosen = load_recipe(path) if path else default_recipe()
    return chosen if years is None else with_years(chosen, _parse_years(years))


@app.command()
def serve(
    store: StoreOption = None,
    host: Annotated[str | None, typer.Option(help="Bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Port", min=1, max=65535)] = None,
    workers: Annotated[int, typer.Option(help="Worker processes", min=1)] = 1,
) -> None:
    """Serve the cube: tiles, cell queries, the map page and the API docs."""
    import os

    # Where transparent huge pages are "madvise", numpy's huge-page advice makes each
    # fresh 26 MB field cost ~100 ms of page compaction, plain pages ~10 ms. numpy
    # reads this when first imported, so it helps a fresh server process.
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    import uvicorn

    from methanemap.service.server import uvicorn_options

    settings = get_settings()
    if store:
        os.environ["METHANEMAP_STORE"] = store
        get_settings.cache_clear()
    host, port = host or settings.host, port or settings.port
    console.print(f"serving {store or settings.store} at http://{host}:{port}/")
    uvicorn.run(
        "methanemap.service.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,  # the service logs each request itself, with its duration
        **uvicorn_options(settings),  # deadline and size cap on request heads
    )


@app.command()
def demo(
    store: StoreOption = None,
    port: Annotated[int | None, typer.Option(help="Port", min=1, max=65535)] = None,
    years: YearsOption = None,
) -> None:
    """Ingest the default real inputs into a local cube, then serve it."""
    ingest(store=store, recipe=None, years=years)
    serve(store=store, host=None, port=port, workers=1)


@app.command("inputs")
def list_inputs(
    check: Annotated[bool, typer.Option(help="Verify every file's checksum")] = False,
) -> None:
    """List the registered inputs (and verify them with --check)."""
    from methanemap.sources.registry import fetch, inputs

    table = Table("name", "file", "status" if check else "publisher")
    failed = 0
    for name, entry in inputs().items():
        status = entry.publisher
        if check:
            try:
                fetch(name)
                status = "[green]ok[/]"
            except MethanemapError as exc:
                status, failed = f"[red]{exc}[/]", failed + 1
        table.add_row(name, entry.path, status)
    console.print(table)
    if failed:
        raise typer.Exit(code=1)


def _parse_years(text: str) -> list[int]:
    try:
        if "-" in text:
            first, last = (int(part) for part in text.split("-", 1))
            if last < first:
                raise typer.BadParameter(
                    f"{text!r} runs backwards; write {last}-{first}"
                )
            return list(range(first, last + 1))
        return [int(part) for part in text.split(",")]
    except ValueError:
        message = f"{text!r} is not a year list like 2022 or 2020-2022"
        raise typer.BadParameter(message) from None


def main() -> None:
    """Entry point: run the command, turning methanemap errors into one clear line."""
    logs.configure()
    try:
        app()
    except MethanemapError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise SystemExit(1) from None
