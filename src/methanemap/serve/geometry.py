"""Areas of a query (a bbox or a GeoJSON polygon) as the share of each grid cell inside.

Shares are exact in the lon/lat plane, as exactextract computes them for the country
polygons of the cube: analytic for a bbox, exactextract for a polygon. An area that
crosses the antimeridian (a bbox with west > east, or a polygon with longitudes beyond
+-180) is cut there and each piece is moved into -180..180, so both sides count.
Every check here runs before any value is read.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import shapely
from exactextract import exact_extract
from exactextract.raster import NumPyRasterSource

from methanemap.errors import QueryError, TooLargeError
from methanemap.grid import Grid
from methanemap.serve.limits import Limits

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Bbox = tuple[float, float, float, float]
AreaKind = Literal["bbox", "polygon"]

#: Edges closer than this to a cell edge (in cells) are taken to lie on it.
EDGE_TOLERANCE = 1e-9
#: Longitudes a polygon may use: one turn either side, for antimeridian crossings.
MAX_LON = 540.0
POLYGONAL = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class Part:
    """A window of the grid and the share (0..1) of each of its cells in an area.

    ``shares`` is either one 2-D array (rows, cols) or, for a box, a pair of 1-D
    arrays whose outer product it is.
    """

    row0: int
    col0: int
    shares: FloatArray | tuple[FloatArray, FloatArray]

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) of the window."""
        if isinstance(self.shares, tuple):
            return self.shares[0].size, self.shares[1].size
        rows, cols = self.shares.shape
        return rows, cols

    def dense(self) -> FloatArray:
        """The shares as one 2-D array."""
        if isinstance(self.shares, tuple):
            return np.outer(*self.shares)
        return self.shares

    def share(self, rows: IntArray, cols: IntArray) -> FloatArray:
        """The share of each cell ``(rows[i], cols[i])``; 0 outside the window."""
        nrows, ncols = self.shape
        r, c = rows - self.row0, cols - self.col0
        inside = (r >= 0) & (r < nrows) & (c >= 0) & (c < ncols)
        out = np.zeros(rows.shape, dtype=np.float64)
        if isinstance(self.shares, tuple):
            out[inside] = self.shares[0][r[inside]] * self.shares[1][c[inside]]
        else:
            out[inside] = self.shares[r[inside], c[inside]]
        return out

    def area_m2(self, grid: Grid) -> float:
        """Area inside the part (m2): each cell's share times the cell's area."""
        nrows, _ = self.shape
        cell_area = grid.cell_area[self.row0 : self.row0 + nrows]
        if isinstance(self.shares, tuple):
            return float(cell_area @ self.shares[0] * self.shares[1].sum())
        return float(cell_area @ self.shares.sum(axis=1))


@dataclass(frozen=True)
class Area:
    """An area of a query: the grid windows it covers and how it was given."""

    kind: AreaKind
    bbox: Bbox
    parts: tuple[Part, ...]

    def share(self, rows: IntArray, cols: IntArray) -> FloatArray:
        """Share of each cell ``(rows[i], cols[i])`` inside the area."""
        total = np.zeros(np.shape(rows), dtype=np.float64)
        for part in self.parts:
            total += part.share(rows, cols)
        return total

    def window_cells(self) -> int:
        """Cells in the windows of the parts (what a read of the grid would read)."""
        return sum(math.prod(p.shape) for p in self.parts)

    def area_m2(self, grid: Grid) -> float:
        """Area inside (m2), on the authalic sphere."""
        return sum(p.area_m2(grid) for p in self.parts)


def parse_bbox(text: str, parameter: str = "bbox") -> Bbox:
    """A bbox from ``west,south,east,north`` (degrees), checked.

    West may exceed east: the box then crosses the antimeridian.

    Raises
    ------
    QueryError
        If the text is not four finite numbers, or they are out of range or empty.
    """
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise QueryError(
            f"{parameter} {text[:80]!r} is not four finite numbers; give "
            "west,south,east,north in degrees, for example 5.9,47.3,15.0,55.1",
            parameter=parameter,
        )
    return validate_bbox((values[0], values[1], values[2], values[3]), parameter)


def validate_bbox(bbox: Bbox, parameter: str = "bbox") -> Bbox:
    """`bbox` if its longitudes are in -180..180, its latitudes in -90..90 and
    it is not empty (south < north, west != east)."""
    west, south, east, north = bbox
    problems = [
        ("west", west, -180, 180),
        ("east", east, -180, 180),
        ("south", south, -90, 90),
        ("north", north, -90, 90),
    ]
    for name, value, low, high in problems:
        if not low <= value <= high:
            raise QueryError(
                f"{parameter} {name} edge {value!r} is out of range; longitudes run "
                "from -180 to 180 and latitudes from -90 to 90",
                parameter=parameter,
            )
    if not south < north or west == east:
        raise QueryError(
            f"{parameter} {list(bbox)} is empty: give south < north and west != east "
            "(west > east crosses the antimeridian)",
            parameter=parameter,
        )
    return bbox


def bbox_area(bbox: Bbox, grid: Grid) -> Area:
    """The area of a (validated) bbox, with exact shares of its edge cells."""
    west, south, east, north = bbox
    spans = [(west, east)] if west < east else [(west, 180.0), (-180.0, east)]
    row0, rows = _shares_1d(south + 90, north + 90, grid.resolution)
    parts = []
    for low, high in spans:
        if high > low:
            col0, cols = _shares_1d(low + 180, high + 180, grid.resolution)
            parts.append(Part(row0, col0, (rows, cols)))
    return Area("bbox", bbox, tuple(parts))


def _shares_1d(low: float, high: float, step: float) -> tuple[int, FloatArray]:
    """First cell and the share of each cell in ``[low, high)`` (offsets from 0)."""
    a, b = round(low / step, 9), round(high / step, 9)
    first, last = math.floor(a), math.ceil(b)
    edges = np.arange(first, last + 1, dtype=np.float64)
    shares = np.minimum(edges[1:], b) - np.maximum(edges[:-1], a)
    return first, np.clip(shares, 0.0, 1.0)


def polygon_area(geometry: Mapping[str, Any], grid: Grid, limits: Limits) -> Area:
    """The area of a GeoJSON Polygon or MultiPolygon (or a Feature holding one).

    Parameters
    ----------
    geometry
        GeoJSON in lon/lat degrees; longitudes beyond +-180 continue across the
        antimeridian. Holes are left out; the parts of a MultiPolygon must not
        overlap.
    grid
        The cube's grid.
    limits
        The vertex limit.

    Raises
    ------
    TooLargeError
        If the polygon has more vertices than the limit.
    QueryError
        If it is not a polygon, is malformed, empty or self-intersecting.
    """
    shape = to_shape(geometry, limits)
    parts = [_coverage(piece, grid) for piece in split_antimeridian(shape)]
    west, south, east, north = shape.bounds
    return Area("polygon", (west, south, east, north), tuple(p for p in parts if p))


def to_shape(geometry: Mapping[str, Any], limits: Limits) -> shapely.Geometry:
    """A valid shapely (Multi)Polygon from GeoJSON, or a QueryError saying why not."""
    geometry = _unwrap_feature(geometry)
    kind = geometry.get("type")
    if kind not in POLYGONAL:
        raise _bad(f"type {kind!r} is not a Polygon or MultiPolygon")
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if kind == "Polygon" else coordinates
    if not _is_list(polygons) or not polygons:
        raise _bad("it has no coordinates: the polygon is empty")
    _check_vertex_count(polygons, limits)

    shape = shapely.MultiPolygon([_polygon(p, i) for i, p in enumerate(polygons)])
    return _validate_shape(shape if kind == "MultiPolygon" else shape.geoms[0])


def _unwrap_feature(geometry: Mapping[str, Any]) -> Mapping[str, Any]:
    if not isinstance(geometry, Mapping):
        raise _bad("it is not a GeoJSON object")
    if geometry.get("type") == "Feature":
        inner = geometry.get("geometry")
        if not isinstance(inner, Mapping):
            raise _bad("the Feature has no geometry")
        return inner
    return geometry


def _check_vertex_count(polygons: Sequence[Any], limits: Limits) -> None:
    count = sum(
        len(ring) if _is_list(ring) else 0
        for polygon in polygons
        if _is_list(polygon)
        for ring in polygon
    )
    if count > limits.max_polygon_vertices:
        raise TooLargeError(
            f"the polygon has {count:,} vertices, more than the limit of "
            f"{limits.max_polygon_vertices:,}; simplify it first",
            parameter="geometry",
        )


def _polygon(rings: Any, index: int) -> shapely.Polygon:
    if not _is_list(rings) or not rings:
        raise _bad(f"polygon {index} has no rings: it is empty")
    shell, *holes = (_ring(r, index, k) for k, r in enumerate(rings))
    return shapely.Polygon(shell, holes)


def _ring(ring: Any, polygon: int, index: int) -> FloatArray:
    where = f"ring {index} of polygon {polygon}"
    try:
        xy = np.asarray(ring, dtype=np.float64)
    except (TypeError, ValueError):
        raise _bad(f"{where} is not a list of [lon, lat] numbers") from None
    if xy.ndim != 2 or xy.shape[1] not in (2, 3):
        raise _bad(f"{where} is not a list of [lon, lat] positions")
    if not np.isfinite(xy).all():
        raise _bad(f"{where} has a coordinate that is not a finite number")
    if len(xy) < 4 or not np.array_equal(xy[0], xy[-1]):
        raise _bad(f"{where} is not closed (4 or more positions, the last the first)")
    if np.abs(xy[:, 1]).max() > 90 or np.abs(xy[:, 0]).max() > MAX_LON:
        raise _bad(f"{where} has latitudes beyond +-90 or longitudes beyond +-540")
    return xy[:, :2]


def _validate_shape(shape: shapely.Geometry) -> shapely.Geometry:
    if shape.is_empty:
        raise _bad("it encloses no area: the polygon is empty")
    if not shape.is_valid:
        reason = shapely.is_valid_reason(shape)
        if reason.startswith("Too few points"):
            raise _bad("it encloses no area: the polygon is empty")
        raise _bad(
            f"it is not a valid polygon ({reason}); rings must not cross themselves "
            "or each other, and holes must lie inside their shell"
        )
    if shape.area == 0:
        raise _bad("it encloses no area: the polygon is empty")
    west, _, east, _ = shape.bounds
    if east - west > 360:
        raise _bad(f"it spans {east - west:g} degrees of longitude, more than 360")
    return shape


def split_antimeridian(shape: shapely.Geometry) -> list[shapely.Geometry]:
    """The pieces of `shape` on each side of the antimeridian, moved into -180..180."""
    west, _, east, _ = shape.bounds
    if west >= -180 and east <= 180:
        return [shape]
    pieces = []
    for shift in (-360.0, 0.0, 360.0):
        window = shapely.box(-180 - shift, -90, 180 - shift, 90)
        piece = _polygonal(shapely.intersection(shape, window))
        if piece is not None:
            pieces.append(shapely.affinity.translate(piece, xoff=shift))
    return pieces


def _polygonal(shape: shapely.Geometry) -> shapely.Geometry | None:
    polygons = [g for g in shapely.get_parts(shape) if g.geom_type in POLYGONAL]
    polygons = [g for g in polygons if g.area > 0]
    return shapely.union_all(polygons) if polygons else None


def _coverage(shape: shapely.Geometry, grid: Grid) -> Part | None:
    """Exact share of each cell in `shape` (inside -180..180), by exactextract."""
    res = grid.resolution
    west, south, east, north = shape.bounds
    col0, col1 = _cell_range(west + 180, east + 180, res, grid.nlon)
    row0, row1 = _cell_range(south + 90, north + 90, res, grid.nlat)
    nrows, ncols = row1 - row0, col1 - col0
    raster = NumPyRasterSource(
        np.zeros((nrows, ncols), dtype=np.float32),
        -180 + col0 * res,
        -90 + row0 * res,
        -180 + col1 * res,
        -90 + row1 * res,
    )
    feature = {"type": "Feature", "properties": {}, "geometry": shape.__geo_interface__}
    found = exact_extract(raster, [feature], ["cell_id", "coverage"], output="geojson")
    props = found[0]["properties"]
    cell = np.asarray(props["cell_id"], dtype=np.int64)
    if cell.size == 0:
        return None
    top, col = np.divmod(cell, ncols)
    shares = np.zeros((nrows, ncols), dtype=np.float64)
    # exactextract counts rows from the north edge of the raster.
    shares[nrows - 1 - top, col] = np.asarray(props["coverage"], dtype=np.float64)
    return Part(row0, col0, shares)


def _cell_range(low: float, high: float, step: float, count: int) -> tuple[int, int]:
    first = math.floor(round(low / step, 9))
    last = math.ceil(round(high / step, 9))
    return max(first, 0), min(max(last, first + 1), count)


def _is_list(value: object) -> bool:
    return isinstance(value, list | tuple)


def _bad(why: str) -> QueryError:
    return QueryError(f"the geometry is not usable: {why}", parameter="geometry")
