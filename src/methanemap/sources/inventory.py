"""Gridded inventories as spatial patterns: the public entry to `sources.gridded`.

A user who brings a GFEI or EDGAR grid reads it here; see `methanemap.sources.gridded`
for the conventions handled, and `methanemap.pipeline.regrid` for the 0.1 degree grid.
"""

from methanemap.sources.gridded import (
    annual_total_t,
    cell_area,
    declared_total_t,
    open_inventory,
)

__all__ = ["annual_total_t", "cell_area", "declared_total_t", "open_inventory"]
