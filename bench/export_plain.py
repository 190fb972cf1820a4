"""Export a methanemap cube as a plain Zarr v2 store, for the tile benchmark's peers.

titiler-xarray and xpublish-tiles read plain Zarr, not Icechunk, so the benchmark gives
them this copy of the same cube version: the same variables, values, coordinates and
chunk shape (one period, 600 x 600 cells in
today's store). Zero is the Zarr fill value, as in our
store, where all-zero chunks are not written; CF readers therefore read cells with no
emission as missing, and every server leaves them transparent, as methanemap does.

    .venv/bin/python bench/export_plain.py --store data/cube --out plain.zarr
"""

import argparse
import logging
import shutil
import sys
import time
from pathlib import Path

import xarray as xr

from methanemap.store import open_cube

log = logging.getLogger("export_plain")

#: Attribute of the export naming the cube version it copies.
VERSION_ATTR = "methanemap_cube_version"


def export_plain(store: str, out: Path, version: str | None = None) -> str:
    """Copy cube `store` at `version` (default: latest) to `out`; return the version."""
    snapshot = open_cube(store, version)
    emission = [
        str(name) for name in snapshot.ds.data_vars if str(name).startswith("emission_")
    ]
    chunks = snapshot.ds[emission[0]].encoding["preferred_chunks"]
    ds = snapshot.ds[emission].chunk(chunks)
    ds.attrs[VERSION_ATTR] = snapshot.version
    for variable in ds.variables.values():
        variable.encoding = {}  # Zarr v3 codecs of the source do not fit Zarr v2

    shape = tuple(chunks[dim] for dim in ("time", "lat", "lon"))
    encoding = {name: {"_FillValue": 0.0, "chunks": shape} for name in emission}
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    ds.to_zarr(partial, mode="w", zarr_format=2, consolidated=True, encoding=encoding)
    shutil.rmtree(out, ignore_errors=True)
    partial.rename(out)
    return snapshot.version


def exported_version(out: Path) -> str | None:
    """The cube version an existing export copies, or None."""
    try:
        return str(xr.open_zarr(out, consolidated=True).attrs.get(VERSION_ATTR))
    except (FileNotFoundError, KeyError, ValueError):
        return None


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", required=True, help="the methanemap cube (Icechunk)")
    parser.add_argument(
        "--out", required=True, type=Path, help="the plain Zarr v2 store to write"
    )
    parser.add_argument("--version", help="cube version to export [latest]")
    parser.add_argument(
        "--if-stale",
        action="store_true",
        help="do nothing if --out already copies that version",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    wanted = args.version or open_cube(args.store).version
    if args.if_stale and exported_version(args.out) == wanted:
        log.info("%s already holds cube version %s", args.out, wanted)
        return 0
    started = time.perf_counter()
    version = export_plain(args.store, args.out, wanted)
    log.info(
        "exported cube version %s to %s in %.0f s",
        version,
        args.out,
        time.perf_counter() - started,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
