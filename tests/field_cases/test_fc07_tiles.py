"""FC-07: tile paths with x/y out of range, bad and huge zooms, and lon = 180.

Every bad tile path is a 422 problem+json naming its parameter, on the real service
over loopback; zooms up to the configured maximum are drawn (over-zoomed past the
grid's native zoom); the tile maths never put lon = 180 one column past the last.
"""

import io

import numpy as np
import pytest
from fc_serving import serving
from PIL import Image

from methanemap.config import get_settings
from methanemap.grid import CANONICAL
from methanemap.serve.tilematrix import TMS, cols_of_tile, pixel_lons

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def service(real_store, tmp_path_factory):
    log = tmp_path_factory.mktemp("fc07") / "service.log"
    with serving(real_store, log) as client:
        yield client


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/tiles/0/10/0.png", "x"),
        ("/tiles/0/0/1.png", "y"),
        ("/tiles/2/0/100.png", "y"),
        ("/tiles/3/-1/0.png", "x"),
        ("/tiles/-1/0/0.png", "z"),
        ("/tiles/9999/1/1.png", "z"),
        ("/tiles/31/1/0.png", "z"),
        ("/tiles/abc/0/0.png", "z"),
        ("/tiles/4/16/16.png", "x"),
        ("/tiles/1/18446744073709551616/0.png", "x"),
        ("/tiles/0/0/0.5.png", "y"),
        ("/tiles/0/0/0.gif", "format"),
        # The OGC path runs matrix, row, column.
        ("/ogc/collections/total/map/tiles/WebMercatorQuad/0/1/0", "tileRow"),
        ("/ogc/collections/total/map/tiles/WebMercatorQuad/2/0/9", "tileCol"),
        ("/ogc/collections/total/map/tiles/WebMercatorQuad/99/0/0", "tileMatrix"),
    ],
)
def test_a_bad_tile_path_is_a_422_naming_the_parameter(service, path, parameter):
    answer = service.get(path)

    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["parameter"] == parameter
    assert "Traceback" not in answer.text


def test_the_valid_world_tile_is_a_png(service):
    answer = service.get("/tiles/0/0/0.png")

    assert answer.status_code == 200
    image = Image.open(io.BytesIO(answer.content)).convert("RGBA")
    assert image.size == (256, 256)
    alpha = np.asarray(image)[..., 3]
    assert alpha[:, :128].any() and alpha[:, 128:].any()  # both hemispheres


def test_zooms_up_to_the_maximum_are_drawn_and_past_it_refused(service):
    top = service.get("/rankings/cells?sector=coal&limit=1").json()["cells"][0]
    lon, lat = top["cell"]["centre"]["lon"], top["cell"]["centre"]["lat"]
    highest = get_settings().max_zoom
    for z in (5, 9, highest):
        tile = TMS.tile(lon, lat, z)
        answer = service.get(f"/tiles/{z}/{tile.x}/{tile.y}.npy?sector=coal")
        assert answer.status_code == 200, (z, answer.text)
        values = np.load(io.BytesIO(answer.content))
        assert values.shape == (256, 256) and np.nanmax(values) > 0, z

    tile = TMS.tile(lon, lat, highest + 1)
    answer = service.get(f"/tiles/{highest + 1}/{tile.x}/{tile.y}.png")
    assert answer.status_code == 422
    assert answer.json()["parameter"] == "z"
    assert f"zooms 0 to {highest}" in answer.json()["detail"]


@pytest.mark.parametrize("z", range(6))
def test_lon_180_falls_in_the_last_tile_column_never_one_past(z):
    # Documented (README, Tiles): the antimeridian's east side is the last column.
    last = 2**z - 1
    assert TMS.tile(180.0, 0.0, z).x == last
    assert TMS.tile(-180.0, 0.0, z).x == 0
    assert TMS.tile(179.999999, 0.0, z).x == last
    assert TMS.tile(180.0, 85.0, z).x == last


@pytest.mark.parametrize("z", range(4, 10))
def test_the_edge_pixels_read_the_edge_cells(z):
    # From zoom 4 a 256 px pixel (< 0.088 degrees) is narrower than a cell.
    last = 2**z - 1
    west, east = pixel_lons(z, 0, 256)[0], pixel_lons(z, last, 256)[-1]
    first_cols, _ = cols_of_tile(CANONICAL, z, 0, 256)
    last_cols, _ = cols_of_tile(CANONICAL, z, last, 256)

    assert -180 < west < -179.9 and 179.9 < east < 180
    assert first_cols[0] == 0
    assert last_cols[-1] == CANONICAL.nlon - 1
    assert np.all(np.diff(last_cols) > 0)


def test_a_cell_at_lon_180_is_the_cell_at_minus_180(service):
    # Half-open cells [west, east): 180 is the antimeridian, the first column's edge.
    at_180 = service.get("/cells?lat=10.05&lon=180").json()
    at_minus_180 = service.get("/cells?lat=10.05&lon=-180").json()

    assert at_180["cell"] == at_minus_180["cell"]
    assert CANONICAL.cols(180.0) == CANONICAL.cols(-180.0) == 0
