"""Serving the cube: tiles, cell queries and the catalogue, as plain functions on an
open cube version. No HTTP here; `methanemap.service` adapts these functions to FastAPI,
and notebooks call them directly to get the same numbers.
"""

from methanemap.serve.areas import bbox_totals, polygon_totals
from methanemap.serve.catalog import catalog, cube_periods, cube_sectors, select_period
from methanemap.serve.cells import cell_history, cell_values
from methanemap.serve.fields import FieldCache
from methanemap.serve.legend import legend_png, legend_stops
from methanemap.serve.national import country_totals, reconciliation
from methanemap.serve.nationaltable import reconciliation_table
from methanemap.serve.rankings import top_cells, top_countries
from methanemap.serve.style import Layer, Style, validate_layer, validate_style
from methanemap.serve.subsets import subset_dataset
from methanemap.serve.tiles import TileRequest, render, render_tile, validate_tile

__all__ = [
    "FieldCache",
    "Layer",
    "Style",
    "TileRequest",
    "bbox_totals",
    "catalog",
    "cell_history",
    "cell_values",
    "country_totals",
    "cube_periods",
    "cube_sectors",
    "legend_png",
    "legend_stops",
    "polygon_totals",
    "reconciliation",
    "reconciliation_table",
    "render",
    "render_tile",
    "select_period",
    "subset_dataset",
    "top_cells",
    "top_countries",
    "validate_layer",
    "validate_style",
    "validate_tile",
]
