"""Serving the cube: tiles, cell queries and the catalogue, as plain functions on an
open cube version. No HTTP here; `methanemap.service` adapts these functions to FastAPI,
and notebooks call them directly to get the same numbers.
"""

from methanemap.serve.catalog import catalog, cube_periods, cube_sectors, select_period
from methanemap.serve.cells import cell_history, cell_values
from methanemap.serve.fields import FieldCache
from methanemap.serve.tiles import TileRequest, render, render_tile, validate_tile

__all__ = [
    "FieldCache",
    "TileRequest",
    "catalog",
    "cell_history",
    "cell_values",
    "cube_periods",
    "cube_sectors",
    "render",
    "render_tile",
    "select_period",
    "validate_tile",
]
