"""FC-09: requests outside a regional inventory's extent.

A cube whose data cover lon -10..30, lat 35..70 (5 t a cell, no data elsewhere), on the
real service. Outside the extent a cell answers null, never the nearest edge cell's
5 t; a tile with nothing to draw is a transparent 200 PNG logged at INFO (README,
Tiles); the cell holding a point is the one whose half-open box contains it. At ingest,
a regional grid put on the 0.1 degree grid is no data beyond its extent.
"""

import io
import time

import numpy as np
import pytest
from fc_cubes import HOLE, REGIONAL_T
from PIL import Image

from methanemap.pipeline.regrid import to_canonical
from methanemap.sources.inventory import open_inventory
from methanemap.sources.registry import fetch

pytestmark = pytest.mark.e2e

P01 = "period=2022-P01"


def gas(client, lat, lon):
    answer = client.get(f"/cells?lat={lat}&lon={lon}&{P01}")
    assert answer.status_code == 200, answer.text
    return answer.json()["values"]["gas"]["value"]


def test_a_point_far_outside_the_extent_is_null_never_the_edge_value(regional):
    assert gas(regional, 0, 0) is None
    assert gas(regional, -89.99, -179.99) is None


def test_a_point_inside_the_south_west_cell_has_its_value(regional):
    assert gas(regional, 35.05, -9.95) == REGIONAL_T


@pytest.mark.parametrize(
    ("lat", "lon", "inside"),
    [
        (35.0, -10.0, True),  # the corner belongs to the cell it starts
        (34.99, -9.95, False),  # 0.06 degrees from an inside centre, in an outside cell
        (35.05, -10.01, False),
        (69.99, 29.99, True),
        (70.0, 29.95, False),  # the north edge starts the next (outside) cell
        (69.95, 30.0, False),
    ],
)
def test_the_cell_is_the_one_containing_the_point_not_the_nearest(
    regional, lat, lon, inside
):
    assert gas(regional, lat, lon) == (REGIONAL_T if inside else None)


def png_alpha(answer):
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(answer.content)).convert("RGBA")
    assert image.size == (256, 256)
    return np.asarray(image)[..., 3]


def test_a_tile_outside_the_extent_is_transparent_and_logged_at_info(
    regional, regional_log
):
    alpha = png_alpha(regional.get(f"/tiles/6/10/40.png?sector=gas&{P01}"))

    assert not alpha.any()
    lines = tile_log_lines(regional_log)
    assert any(" INFO " in line and " 200 " in line for line in lines)
    assert not any(" ERROR " in line for line in lines)


def tile_log_lines(log, wait_s=10.0):
    """The service log's lines about tiles, once its access line for a tile is
    written (the server writes it just after the answer leaves)."""
    deadline = time.monotonic() + wait_s
    while True:
        lines = [line for line in log.read_text().splitlines() if "/tiles/" in line]
        if any(" 200 " in line for line in lines) or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


def test_a_tile_inside_the_extent_is_painted(regional):
    # 4/8/5 spans lon 0..22.5, lat 41.0..55.8: wholly inside the data.
    alpha = png_alpha(regional.get(f"/tiles/4/8/5.png?sector=gas&{P01}"))
    assert alpha.all()


def test_an_area_outside_the_extent_is_null_not_zero(regional):
    answer = regional.get(f"/areas?bbox=100,0,110,10&sector=gas&{P01}").json()
    assert answer["sectors"]["gas"]["sum"]["value"] is None


def test_an_area_inside_the_extent_sums_its_cells(regional):
    # lon -10..0, lat 35..40: 100 x 50 cells of 5 t.
    answer = regional.get(f"/areas?bbox=-10,35,0,40&sector=gas&{P01}").json()
    assert answer["sectors"]["gas"]["sum"]["value"] == pytest.approx(5000 * REGIONAL_T)


def test_no_data_beside_a_polygon_does_not_blank_its_total(regional):
    # The triangle x + y <= 80 only touches the no-data cell [20, 20.1] x [60, 60.1]
    # at its corner, though that cell lies in the window of cells the triangle spans.
    triangle = {
        "type": "Polygon",
        "coordinates": [[[19, 59], [21, 59], [19, 61], [19, 59]]],
    }
    answer = regional.post(f"/areas?sector=gas&{P01}", json=triangle)

    assert answer.status_code == 200, answer.text
    cells = 2.0 / 0.01  # 2 square degrees of 0.1 degree cells
    total = answer.json()["sectors"]["gas"]["sum"]["value"]
    assert total == pytest.approx(cells * REGIONAL_T, rel=1e-6)
    assert gas(regional, HOLE[1], HOLE[0]) is None


def test_a_regional_grid_is_no_data_beyond_its_extent(data_mirror):
    """Ingest side: EDGAR v7 Europe (lon -97.9..39.4, lat 10.7..79.1) regridded."""
    field = open_inventory(fetch("edgar7_europe_2019"))
    field_t = to_canonical(field)
    first_lat, first_lon = float(field["lat"][0]), float(field["lon"][0])
    half = 0.5 * float(field["lon"][1] - field["lon"][0])

    assert np.isnan(float(field_t.sel(lat=0.05, lon=0.05)))
    assert np.isfinite(
        float(field_t.sel(lat=first_lat, lon=first_lon, method="nearest"))
    )
    assert field_t.sel(lon=slice(None, first_lon - half - 0.1)).isnull().all()
    assert field_t.sel(lat=slice(None, first_lat - half - 0.1)).isnull().all()
