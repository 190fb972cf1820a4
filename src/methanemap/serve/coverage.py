"""Cell values of a window of the cube (a bbox, or the cells a polygon touches) over
some periods: what OGC API - EDR area and cube queries return, before encoding.

Cells a polygon does not touch are NaN. The window's size is checked before the read.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from methanemap.errors import QueryError, TooLargeError
from methanemap.pipeline.periods import Period
from methanemap.serve.catalog import cube_grid, cube_sectors
from methanemap.serve.geometry import Area, Bbox
from methanemap.serve.limits import Limits
from methanemap.serve.subsets import subset_cells, subset_dataset
from methanemap.serve.timespan import TimeSpan
from methanemap.store import CubeSnapshot
from methanemap.store.schema import all_sectors, variable

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class WindowValues:
    """Values (t per cell per period) of a window: ``values[sector]`` is (time, lat,
    lon); longitudes east of the antimeridian continue past 180."""

    lon: FloatArray
    lat: FloatArray
    periods: tuple[Period, ...]
    values: dict[str, npt.NDArray[np.float32]]


def parameter_sectors(snapshot: CubeSnapshot, names: str | None) -> list[str]:
    """Sectors from an EDR ``parameter-name`` list (``emission_coal`` or ``coal``);
    every stored sector when None."""
    stored = cube_sectors(snapshot)
    if names is None:
        return stored
    out = []
    for name in (n.strip() for n in names.split(",") if n.strip()):
        sector = name.removeprefix("emission_")
        if sector not in all_sectors() or sector not in stored:
            allowed = ", ".join(variable(s) for s in stored)
            raise QueryError(
                f"parameter-name {name!r} is not a parameter of the cube; allowed are "
                f"{allowed}",
                parameter="parameter-name",
            )
        out.append(sector)
    return out or stored


def window_values(
    snapshot: CubeSnapshot,
    bbox: Bbox,
    sectors: list[str],
    span: TimeSpan,
    limits: Limits,
    area: Area | None = None,
) -> WindowValues:
    """The cells of a (validated) bbox over a span; NaN outside `area` if given.

    Raises
    ------
    TooLargeError
        If cells x periods x sectors pass ``max_coverage_values``.
    """
    count = subset_cells(snapshot, bbox) * span.count * len(sectors)
    if count > limits.max_coverage_values:
        raise TooLargeError(
            f"the coverage would hold {count:,} values (cells x periods x "
            f"parameters), more than the limit of {limits.max_coverage_values:,}; ask "
            "for a smaller area, fewer periods or fewer parameters",
            parameter="bbox" if area is None else "coords",
        )
    first, last = span.periods[0].id, span.periods[-1].id
    ds = subset_dataset(
        snapshot, bbox, start=first, end=last, limits=Limits(max_subset_bytes=2**62)
    )
    names = [variable(s) for s in sectors]
    loaded = ds[names].load()
    values = {s: loaded[variable(s)].to_numpy() for s in sectors}
    if area is not None:
        outside = _outside(
            snapshot, area, loaded["lat"].to_numpy(), loaded["lon"].to_numpy()
        )
        for array in values.values():
            array[:, outside] = np.nan
    return WindowValues(
        lon=loaded["lon"].to_numpy(),
        lat=loaded["lat"].to_numpy(),
        periods=span.periods,
        values=values,
    )


def _outside(
    snapshot: CubeSnapshot, area: Area, lat: FloatArray, lon: FloatArray
) -> npt.NDArray[np.bool_]:
    grid = cube_grid(snapshot)
    rows, cols = np.meshgrid(grid.rows(lat), grid.cols(lon), indexing="ij")
    outside: npt.NDArray[np.bool_] = area.share(rows, cols) <= 0
    return outside
