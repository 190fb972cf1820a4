"""Area totals by exact cell shares: bboxes, polygons with holes, multipolygons and the
antimeridian, on cubes whose totals are known (FC-02, FC-03, FC-15), read from the grid.
"""

import json

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from memory_cube import memory_snapshot

from methanemap.errors import QueryError, TooLargeError
from methanemap.grid import CANONICAL
from methanemap.serve.areas import bbox_totals, polygon_totals
from methanemap.serve.geometry import bbox_area, polygon_area
from methanemap.serve.limits import Limits
from synthetic_cube import NE_CELL, NW_CELL, SE_CELL, SW_CELL

EARTH_KM2 = 510_065_624.8


@pytest.fixture(scope="module")
def unit_flux():
    """Each cell holds its own area in km2: a flux of 1 t km-2 per period."""
    area_km2 = (CANONICAL.cell_area / 1e6)[:, None] * np.ones(CANONICAL.nlon)
    return memory_snapshot(area_km2)


@pytest.fixture(scope="module")
def four_cells():
    """FC-15 (3): 1, 2, 3, 4 t km-2 in the cells at (0, 0), (0.1, 0), (0, 0.1),
    (0.1, 0.1), zero elsewhere (values are masses: flux x cell area)."""
    values = np.zeros(CANONICAL.shape)
    row, col = 900, 1800
    area = CANONICAL.cell_area[row] / 1e6
    values[row, col], values[row, col + 1] = 1 * area, 2 * area
    values[row + 1, col], values[row + 1, col + 1] = 3 * area, 4 * area
    return memory_snapshot(values)


def total(answer):
    return answer["sectors"]["total"]["sum"]["value"]


def polygon(west, south, east, north, holes=()):
    return {
        "type": "Polygon",
        "coordinates": [
            [[west, south], [east, south], [east, north], [west, north], [west, south]],
            *holes,
        ],
    }


@pytest.mark.parametrize(
    ("bbox", "expected"),
    [
        ("-10,40,10,50", 1_746_363),
        ("-166,14,-151,29", 2_581_014),
        ("-180,-90,180,90", EARTH_KM2),
    ],
)
def test_bbox_totals_are_the_known_areas(unit_flux, bbox, expected):
    answer = bbox_totals(unit_flux, bbox)
    assert total(answer) == pytest.approx(expected, rel=1e-3)
    assert answer["area"]["area_km2"] == pytest.approx(expected, rel=1e-3)
    assert answer["method"] == "grid"


def test_partial_cells_count_by_their_share(four_cells):
    # 123.643 km2 x (1 + 2 x 0.4 + 3 x 0.4 + 4 x 0.16) = 450.06, neither 123.6 (cell
    # centres) nor 1236.4 (every touched cell).
    assert total(bbox_totals(four_cells, "0,0,0.14,0.14")) == pytest.approx(
        450.06, rel=1e-4
    )
    square = polygon(0, 0, 0.14, 0.14)
    assert total(polygon_totals(four_cells, square)) == pytest.approx(450.06, rel=1e-4)


def test_a_box_across_the_antimeridian_counts_both_sides(unit_flux):
    across = total(bbox_totals(unit_flux, "170,-10,-170,10"))
    east = total(bbox_totals(unit_flux, "170,-10,180,10"))
    west = total(bbox_totals(unit_flux, "-180,-10,-170,10"))
    assert across == pytest.approx(east + west, rel=1e-9)
    beyond = total(polygon_totals(unit_flux, polygon(170, -10, 190, 10)))
    assert beyond == pytest.approx(across, rel=1e-6)
    minus = total(polygon_totals(unit_flux, polygon(-190, -10, -170, 10)))
    assert minus == pytest.approx(across, rel=1e-6)


def test_holes_are_left_out_and_multipolygon_parts_add(unit_flux):
    hole = [[-103, 31], [-103, 33], [-101, 33], [-101, 31], [-103, 31]]
    holed = total(polygon_totals(unit_flux, polygon(-104, 30, -100, 34, [hole])))
    outer = total(bbox_totals(unit_flux, "-104,30,-100,34"))
    inner = total(bbox_totals(unit_flux, "-103,31,-101,33"))
    assert holed == pytest.approx(outer - inner, rel=1e-6)

    parts = {
        "type": "MultiPolygon",
        "coordinates": [
            polygon(0, 0, 1, 1)["coordinates"],
            polygon(5, 5, 6, 7)["coordinates"],
        ],
    }
    both = total(polygon_totals(unit_flux, {"type": "Feature", "geometry": parts}))
    one, two = (total(bbox_totals(unit_flux, b)) for b in ("0,0,1,1", "5,5,6,7"))
    assert both == pytest.approx(one + two, rel=1e-6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    west=st.floats(-180, 170),
    south=st.floats(-89, 80),
    width=st.floats(0.01, 10),
    height=st.floats(0.01, 9),
)
def test_a_bbox_and_the_same_polygon_give_the_same_shares(west, south, width, height):
    box = (west, south, west + width, south + height)
    analytic = bbox_area(box, CANONICAL)
    exact = polygon_area(shapely.box(*box).__geo_interface__, CANONICAL, Limits())
    part = analytic.parts[0]
    nrows, ncols = part.shape
    rows, cols = np.meshgrid(
        np.arange(part.row0 - 1, part.row0 + nrows + 1).clip(0, 1799),
        np.arange(part.col0 - 1, part.col0 + ncols + 1) % 3600,
        indexing="ij",
    )
    assert np.allclose(analytic.share(rows, cols), exact.share(rows, cols), atol=1e-6)
    assert analytic.area_m2(CANONICAL) == pytest.approx(
        exact.area_m2(CANONICAL), rel=1e-6
    )


def test_the_four_cells_at_a_corner_share_a_centred_box(snapshot):
    # The synthetic cube's gas cells meeting at (10 E, 40 N): a 0.1 degree box centred
    # there holds a quarter of each.
    answer = bbox_totals(
        snapshot, "9.95,39.95,10.05,40.05", sector="gas", period="2022-P01"
    )
    cells = (NE_CELL, NW_CELL, SE_CELL, SW_CELL)
    expected = sum(0.25 * c.values["gas"][0] for c in cells)
    assert total_gas(answer) == pytest.approx(expected)
    json.dumps(answer, allow_nan=False)


def total_gas(answer):
    return answer["sectors"]["gas"]["sum"]["value"]


@pytest.mark.parametrize(
    ("geometry", "why"),
    [
        ({"type": "Polygon", "coordinates": []}, "empty"),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [0, 0], [0, 0], [0, 0]]]},
            "empty",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]],
            },
            "Self-intersection",
        ),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0.5]]]},
            "not closed",
        ),
        ({"type": "Point", "coordinates": [0, 0]}, "not a Polygon"),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, "a"], [1, 1], [0, 0]]]},
            "numbers",
        ),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 95], [1, 1], [0, 0]]]},
            "beyond",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[0, 0], [1, float("nan")], [1, 1], [0, 0]]],
            },
            "finite",
        ),
        ({"type": "Feature", "geometry": None}, "no geometry"),
        (polygon(-200, 0, 200, 1), "more than 360"),
    ],
)
def test_unusable_polygons_are_refused_naming_the_geometry(snapshot, geometry, why):
    with pytest.raises(QueryError, match=why) as error:
        polygon_totals(snapshot, geometry)
    assert error.value.parameter == "geometry"


def test_too_many_vertices_is_too_large_before_any_work(snapshot):
    ring = [[np.cos(a), np.sin(a)] for a in np.linspace(0, 2 * np.pi, 2001)[:-1]]
    ring.append(ring[0])
    with pytest.raises(
        TooLargeError, match="2,001 vertices, more than the limit of 1,000"
    ):
        polygon_totals(
            snapshot,
            {"type": "Polygon", "coordinates": [ring]},
            limits=Limits(max_polygon_vertices=1000),
        )


@pytest.mark.parametrize(
    "bbox",
    [
        "abc",
        "1,2,3",
        "0,0,1,nan",
        "0,0,1,inf",
        "-181,0,1,1",
        "0,-91,1,1",
        "0,5,1,5",
        "3,0,3,1",
    ],
)
def test_bad_bboxes_are_refused_naming_the_bbox(snapshot, bbox):
    with pytest.raises(QueryError) as error:
        bbox_totals(snapshot, bbox)
    assert error.value.parameter == "bbox"


def test_a_grid_read_past_the_limit_is_too_large(unit_flux):
    with pytest.raises(TooLargeError, match="grid values"):
        bbox_totals(unit_flux, "-180,-90,180,90", limits=Limits(max_read_values=1000))
