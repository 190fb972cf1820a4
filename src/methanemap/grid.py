"""The canonical global grid every input is put on: 0.1 degree, cell centres at .05.

Latitudes ascend from -89.95 to 89.95 and longitudes run from -179.95 to 179.95. A
point belongs to the cell whose half-open box ``[west, east) x [south, north)`` contains
it; the north pole belongs to the top row and longitude 180 is longitude -180.
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

#: Radius of the authalic sphere (m): a sphere with the WGS84 ellipsoid's area.
EARTH_RADIUS_M = 6_371_007.2

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Grid:
    """A global regular lat/lon grid of square cells, `resolution` degrees wide."""

    resolution: float = 0.1

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) of the grid."""
        return self.nlat, self.nlon

    @property
    def nlat(self) -> int:
        return round(180 / self.resolution)

    @property
    def nlon(self) -> int:
        return round(360 / self.resolution)

    @cached_property
    def lat(self) -> FloatArray:
        """Cell-centre latitudes (degrees north), ascending."""
        return np.round(-90 + self.resolution * (np.arange(self.nlat) + 0.5), 6)

    @cached_property
    def lon(self) -> FloatArray:
        """Cell-centre longitudes (degrees east), ascending from -180."""
        return np.round(-180 + self.resolution * (np.arange(self.nlon) + 0.5), 6)

    @cached_property
    def cell_area(self) -> FloatArray:
        """Area of one cell in each row (m2), on the authalic sphere."""
        edges = np.deg2rad(-90 + self.resolution * np.arange(self.nlat + 1))
        dlon = np.deg2rad(self.resolution)
        area: FloatArray = EARTH_RADIUS_M**2 * dlon * np.diff(np.sin(edges))
        return area

    def rows(self, lat: npt.ArrayLike) -> IntArray:
        """Row of the cell containing each latitude (degrees north, -90..90)."""
        scaled = (np.asarray(lat, dtype=np.float64) + 90) / self.resolution
        # A small tolerance keeps a point given on a cell edge in the cell it starts.
        rows = np.floor(scaled + 1e-9).astype(np.int64)
        return np.clip(rows, 0, self.nlat - 1)

    def cols(self, lon: npt.ArrayLike) -> IntArray:
        """Column of the cell containing each longitude (degrees east, -180..180)."""
        scaled = (np.asarray(lon, dtype=np.float64) + 180) / self.resolution
        return np.floor(scaled + 1e-9).astype(np.int64) % self.nlon

    def cell_bounds(self, row: int, col: int) -> tuple[float, float, float, float]:
        """(west, south, east, north) of one cell, in degrees."""
        west = round(-180 + col * self.resolution, 6)
        south = round(-90 + row * self.resolution, 6)
        return (
            west,
            south,
            round(west + self.resolution, 6),
            round(south + self.resolution, 6),
        )

    def cell_id(self, row: int, col: int) -> int:
        """A stable integer id of a cell: row-major index from the south-west corner."""
        return row * self.nlon + col


#: The canonical grid of every methanemap cube.
CANONICAL = Grid(0.1)
