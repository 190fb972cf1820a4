"""The `methanemap` command: ingest inputs into a cube, serve it, or both (demo)."""

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from methanemap import logs
from methanemap.config import get_settings
from methanemap.errors import MethanemapError

app = typer.Typer(help=__doc__, no_args_is_help=True, pretty_exceptions_enable=False)
console = Console(stderr=True)
log = logging.getLogger(__name__)

StoreOption = Annotated[
    str | None,
    typer.Option(help="Cube location: a path or s3:// URL [default: METHANEMAP_STORE]"),
]
RecipeOption = Annotated[
    Path | None, typer.Option(help="Recipe TOML [default: ingest/default.toml]")
]
YearsOption = Annotated[
    str | None, typer.Option(help="Years to build, e.g. 2022 or 2020-2022")
]


@app.command()
def ingest(
    store: StoreOption = None, recipe: RecipeOption = None, years: YearsOption = None
) -> None:
    """Build the cube from the recipe's inputs and publish it as a new version."""
    from methanemap.pipeline.recipe import default_recipe, load_recipe
    from methanemap.pipeline.run import ingest as run_ingest

    chosen = load_recipe(recipe) if recipe else default_recipe()
    if years:
        chosen = chosen.model_copy(update={"years": _parse_years(years)})
    location = store or get_settings().store
    with console.status("starting") as status:
        version = run_ingest(chosen, location, lambda step: status.update(step))
    console.print(f"published cube version [bold]{version}[/] at {location}")


@app.command()
def serve(
    store: StoreOption = None,
    host: Annotated[str | None, typer.Option(help="Bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
) -> None:
    """Serve the cube: tiles, cell queries, the map page and the API docs."""
    import os

    import uvicorn

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
    )


@app.command()
def demo(
    store: StoreOption = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
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
    for name, entry in inputs().items():
        status = entry.publisher
        if check:
            try:
                fetch(name)
                status = "[green]ok[/]"
            except MethanemapError as exc:
                status = f"[red]{exc}[/]"
        table.add_row(name, entry.path, status)
    console.print(table)


def _parse_years(text: str) -> list[int]:
    try:
        if "-" in text:
            first, last = (int(part) for part in text.split("-", 1))
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
