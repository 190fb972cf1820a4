"""Cells to countries: the fraction of each grid cell covered by each country polygon.

Coverage is exact (polygon area over cell area, from exactextract), so a cell on a
border is shared between countries by fraction.
"""

import geopandas as gpd
import numpy as np
import pandas as pd
from exactextract import exact_extract
from exactextract.raster import NumPyRasterSource

from methanemap.grid import CANONICAL, Grid


def country_coverage(
    boundaries: gpd.GeoDataFrame, grid: Grid = CANONICAL
) -> pd.DataFrame:
    """Covered cells of each country.

    Parameters
    ----------
    boundaries
        Country polygons with columns ``iso3`` and ``geometry`` (lon/lat degrees).

    Returns
    -------
    DataFrame with columns ``iso3``, ``row``, ``col`` (canonical grid indices, rows from
    the south) and ``coverage`` (share of the cell's area inside the country, 0..1).
    """
    raster = NumPyRasterSource(
        np.zeros(grid.shape, dtype=np.float32), -180, -90, 180, 90, name="grid"
    )
    # exactextract reads plain Python strings, not pandas' string dtype.
    named = boundaries[boundaries["iso3"].notna()]
    features = named[["iso3", "geometry"]].astype({"iso3": object})
    found = exact_extract(
        raster,
        features,
        ["cell_id", "coverage"],
        include_cols=["iso3"],
        output="pandas",
    )
    found = found.explode(["cell_id", "coverage"], ignore_index=True).dropna()
    top_row, col = np.divmod(found["cell_id"].to_numpy(np.int64), grid.nlon)
    frame = pd.DataFrame(
        {
            "iso3": found["iso3"].to_numpy(),
            "row": grid.nlat - 1 - top_row,  # exactextract counts rows from the north
            "col": col,
            "coverage": found["coverage"].to_numpy(np.float64),
        }
    )
    # Several polygons may share an iso3 (islands listed apart); merge their cells.
    return frame.groupby(["iso3", "row", "col"], as_index=False)["coverage"].sum()
