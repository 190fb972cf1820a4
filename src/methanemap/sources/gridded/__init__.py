"""Gridded inventories (GFEI, EDGAR, HEMCO ...) read as published into flux fields.

`open_inventory` returns a (lat, lon) flux in kg m-2 s-1 in the canonical orientation;
`pipeline.regrid.to_canonical` puts it on the 0.1 degree grid.
"""

from methanemap.sources.gridded.cells import annual_total_t, cell_area
from methanemap.sources.gridded.reader import declared_total_t, open_inventory

__all__ = ["annual_total_t", "cell_area", "declared_total_t", "open_inventory"]
