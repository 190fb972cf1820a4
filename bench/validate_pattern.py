"""How far to trust the map: our infrastructure pattern against published gridded
inventories (GFEI v2 China, EDGAR v7 Europe, the IMI Permian HEMCO sectors).

Run from the repository root with the inputs' mirror set:

    METHANEMAP_DATA_MIRROR=../shared/data .venv/bin/python bench/validate_pattern.py

Every comparison is made on the canonical 0.1 degree grid, over the reference's own
footprint (the cells where it has data), with both sides in t CH4 a-1 per cell:

* Pearson and Spearman: correlation of per-cell mass after summing to 0.5 degree
  blocks (5 x 5 cells), over the blocks that hold any reference data; Pearson 2° the
  same after summing to 2 degree blocks.
* near50: share of our mass in the footprint that lies in 0.1 degree cells whose
  centre is within 50 km (great circle) of the centre of a reference *core* cell; the
  core is the smallest set of reference cells, largest first, holding 90 % of the
  reference mass. ref50 is the converse: reference mass within 50 km of our core.
* totals: our mass and the reference's mass in the footprint (Tg a-1).
"""

import logging
import time
import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree
from scipy.stats import pearsonr, spearmanr

from methanemap.grid import CANONICAL, EARTH_RADIUS_M
from methanemap.pipeline.recipe import default_recipe
from methanemap.pipeline.regrid import to_canonical
from methanemap.pipeline.run import prepare
from methanemap.sources.inventory import open_inventory
from methanemap.sources.registry import fetch

FloatArray = npt.NDArray[np.float64]

NEAR_KM = 50.0
CORE_SHARE = 0.9
BLOCK = 5  # 0.1 degree cells per 0.5 degree block
COARSE_BLOCK = 20  # per 2 degree block
MIN_BLOCKS = 5  # fewer blocks give no correlation worth printing
#: Boxes (west, south, east, north) where coal dominates fossil CH4 in the EDGAR domain.
COAL_BOXES = {
    "Upper Silesia": (17.5, 49.5, 20.0, 50.7),
    "Appalachia": (-84.0, 36.5, -79.0, 41.0),
}


@dataclass(frozen=True)
class Row:
    """One comparison: ours against a reference over the reference's footprint."""

    label: str
    pearson: float
    spearman: float
    pearson_2deg: float
    near50: float
    ref50: float
    ours_tg: float
    reference_tg: float


def main() -> None:
    """Build our pattern, read the references, print the comparison table."""
    logging.basicConfig(level=logging.WARNING)
    started = time.perf_counter()
    ours = our_sectors()
    rows = [*china(ours), *europe(ours), *permian(ours)]
    print(table(rows))
    print(f"\n({time.perf_counter() - started:.0f} s)")


def our_sectors() -> dict[str, FloatArray]:
    """Our annual pattern (t a-1) per sector on the canonical grid, and their total."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pattern = prepare(default_recipe()).pattern
    grids = {}
    for sector, part in pattern.groupby("sector"):
        flat = part["row"].to_numpy() * CANONICAL.nlon + part["col"].to_numpy()
        summed = np.bincount(
            flat, part["emission_t"], minlength=CANONICAL.nlat * CANONICAL.nlon
        )
        grids[str(sector)] = summed.reshape(CANONICAL.shape)
    grids["total"] = sum(grids.values(), np.zeros(CANONICAL.shape))
    return grids


def reference(name: str, **options: str) -> FloatArray:
    """A registered inventory on the canonical grid (t a-1 per cell, NaN: no data)."""
    field = to_canonical(open_inventory(fetch(name), **options))
    return np.asarray(field.to_numpy(), dtype=np.float64)


def china(ours: dict[str, FloatArray]) -> list[Row]:
    gfei = reference("gfei_v2_china", units="Mg km-2 a-1")
    return [
        compare(
            "GFEI v2 China 2019, fuel exploitation (all sectors)", ours["total"], gfei
        )
    ]


def europe(ours: dict[str, FloatArray]) -> list[Row]:
    """EDGAR v7 2019 holds every sector (agriculture and waste dominate), so we also
    compare only where our fossil pattern is, and inside coal boxes."""
    edgar = reference("edgar7_europe_2019")
    rows = [
        compare(
            "EDGAR v7 Europe 2019, whole domain (all sectors)", ours["total"], edgar
        )
    ]
    fossil = np.where(core_mask(ours["total"], edgar), edgar, np.nan)
    rows.append(
        compare("  same, only our core cells (fossil-dominated)", ours["total"], fossil)
    )
    for box, bounds in COAL_BOXES.items():
        inside = np.where(box_mask(bounds), edgar, np.nan)
        rows.append(
            compare(f"  same, {box} coal box, vs our coal", ours["coal"], inside)
        )
    return rows


def permian(ours: dict[str, FloatArray]) -> list[Row]:
    rows = []
    for sector in ("oil", "gas", "coal"):
        layer = reference(
            "imi_permian_diagnostics_2019", variable=f"EmisCH4_{sector.title()}"
        )
        rows.append(
            compare(f"IMI Permian 2019-05 {sector} (HEMCO prior)", ours[sector], layer)
        )
    return rows


def compare(label: str, ours: FloatArray, ref: FloatArray) -> Row:
    """Our pattern against `ref` over the cells where `ref` has data."""
    footprint = ~np.isnan(ref)
    mine = np.where(footprint, ours, 0.0)
    theirs = np.where(footprint, ref, 0.0)
    blocks = _blocks(footprint, BLOCK) > 0
    a, b = _blocks(mine, BLOCK)[blocks], _blocks(theirs, BLOCK)[blocks]
    coarse = _blocks(footprint, COARSE_BLOCK) > 0
    a2, b2 = _blocks(mine, COARSE_BLOCK)[coarse], _blocks(theirs, COARSE_BLOCK)[coarse]
    return Row(
        label=label,
        pearson=_pearson(a, b),
        spearman=float(spearmanr(a, b).statistic),
        pearson_2deg=_pearson(a2, b2),
        near50=near_share(mine, theirs),
        ref50=near_share(theirs, mine),
        ours_tg=float(mine.sum() / 1e6),
        reference_tg=float(theirs.sum() / 1e6),
    )


def _pearson(a: FloatArray, b: FloatArray) -> float:
    """Pearson correlation, or NaN over fewer than `MIN_BLOCKS` blocks."""
    return float(pearsonr(a, b).statistic) if len(a) >= MIN_BLOCKS else np.nan


def _blocks(grid: FloatArray, size: int) -> FloatArray:
    """Sum over blocks of `size` x `size` cells (the canonical grid divides evenly)."""
    rows, cols = CANONICAL.nlat // size, CANONICAL.nlon // size
    return grid.astype(np.float64).reshape(rows, size, cols, size).sum(axis=(1, 3))


def core_mask(
    grid: FloatArray, within: FloatArray | None = None
) -> npt.NDArray[np.bool_]:
    """The largest cells of `grid` (inside `within`'s data) holding `CORE_SHARE`."""
    values = np.where(np.isnan(within), 0.0, grid) if within is not None else grid
    flat = values.ravel()
    order = np.argsort(flat)[::-1]
    cumulative = np.cumsum(flat[order])
    count = int(np.searchsorted(cumulative, CORE_SHARE * cumulative[-1])) + 1
    mask = np.zeros(flat.size, dtype=bool)
    mask[order[:count]] = True
    return mask.reshape(grid.shape)


def near_share(mass: FloatArray, ref: FloatArray) -> float:
    """Share of `mass` within `NEAR_KM` of a core cell of `ref`."""
    core = np.argwhere(core_mask(ref))
    cells = np.argwhere(mass > 0)
    tree = cKDTree(_unit_vectors(core))
    chord = 2 * np.sin(NEAR_KM * 1e3 / EARTH_RADIUS_M / 2)
    distance, _ = tree.query(_unit_vectors(cells), distance_upper_bound=chord)
    near = np.isfinite(distance)
    weights = mass[cells[:, 0], cells[:, 1]]
    return float(weights[near].sum() / weights.sum())


def _unit_vectors(cells: npt.NDArray[np.int64]) -> FloatArray:
    lat = np.deg2rad(CANONICAL.lat[cells[:, 0]])
    lon = np.deg2rad(CANONICAL.lon[cells[:, 1]])
    return np.column_stack(
        [np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]
    )


def box_mask(bounds: tuple[float, float, float, float]) -> npt.NDArray[np.bool_]:
    west, south, east, north = bounds
    rows = (CANONICAL.lat > south) & (CANONICAL.lat < north)
    cols = (CANONICAL.lon > west) & (CANONICAL.lon < east)
    return np.outer(rows, cols)


def table(rows: list[Row]) -> str:
    """The comparison as a Markdown table."""
    lines = [
        "| reference | Pearson 0.5° | Spearman 0.5° | Pearson 2° | near50 | ref50 "
        "| ours Tg/a | reference Tg/a |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    return "\n".join(lines + [_line(r) for r in rows])


def _line(r: Row) -> str:
    correlations = " | ".join(_num(x) for x in (r.pearson, r.spearman, r.pearson_2deg))
    return (
        f"| {r.label} | {correlations} | {r.near50:.0%} | {r.ref50:.0%} | "
        f"{r.ours_tg:.2f} | {r.reference_tg:.2f} |"
    )


def _num(value: float) -> str:
    return "n/a" if np.isnan(value) else f"{value:.2f}"


if __name__ == "__main__":
    main()
