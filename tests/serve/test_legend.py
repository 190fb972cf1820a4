"""Colours and legends: the palette's layout, the index of a value, and legends that
match their tiles."""

import io

import numpy as np
import pytest
from PIL import Image

from methanemap.errors import QueryError
from methanemap.serve.colour import (
    OVER,
    UNDER,
    ValueRange,
    colormap_steps,
    colour_index,
    hex_colour,
    palette,
    validate_colour,
)
from methanemap.serve.legend import legend_png, legend_stops
from methanemap.serve.style import validate_layer, validate_style


def test_the_palette_is_clear_under_colormap_over():
    colours = palette("magma", under=(0, 0, 255, 255), over=None)
    steps = colormap_steps("magma")

    assert tuple(colours[0]) == (0, 0, 0, 0)
    assert tuple(colours[UNDER]) == (0, 0, 255, 255)
    np.testing.assert_array_equal(colours[2:OVER], steps)
    assert tuple(colours[OVER]) == tuple(steps[-1])


@pytest.mark.parametrize(
    ("scale", "values", "expected"),
    [
        (
            "linear",
            [0.0, np.nan, 0.5, 1.0, 5.5, 10.0, 10.5],
            [0, 0, 1, 2, 128, 254, 255],
        ),
        ("log", [0.0, -1.0, 0.01, 0.1, 1.0, 10.0, 11.0], [0, 0, 1, 2, 128, 254, 255]),
    ],
)
def test_each_value_gets_its_palette_index(scale, values, expected):
    ends = ValueRange(1.0, 10.0) if scale == "linear" else ValueRange(0.1, 10.0)
    index = colour_index(np.array(values, dtype=np.float32), ends, scale)
    assert index.tolist() == expected


@pytest.mark.parametrize(
    ("text", "rgba"),
    [
        ("#f80", (255, 136, 0, 255)),
        ("#ff000080", (255, 0, 0, 128)),
        ("red", (255, 0, 0, 255)),
        ("transparent", (0, 0, 0, 0)),
        (None, None),
    ],
)
def test_colours_are_css_colours(text, rgba):
    assert validate_colour(text, "under") == rgba


@pytest.mark.parametrize("text", ["", "#12", "nocolour", "rgb(1,2", "#" + "f" * 40])
def test_other_colours_are_refused_naming_the_parameter(text):
    with pytest.raises(QueryError, match="not a colour") as e:
        validate_colour(text, "over")
    assert e.value.parameter == "over"


def decode(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def test_the_colour_bar_runs_from_the_low_to_the_high_colour(snapshot, cache):
    layer = validate_layer(snapshot, "coal")
    steps = colormap_steps("viridis")

    bar = decode(legend_png(snapshot, layer, validate_style(), 300, 12, cache))
    column = decode(legend_png(snapshot, layer, validate_style(), 10, 200, cache))

    assert bar.shape == (12, 300, 4)
    assert tuple(bar[5, 0]) == tuple(steps[0]) and tuple(bar[5, -1]) == tuple(steps[-1])
    assert column.shape == (200, 10, 4)
    assert tuple(column[-1, 5]) == tuple(steps[0]) and tuple(column[0, 5]) == tuple(
        steps[-1]
    )


def test_explicit_under_and_over_colours_get_end_boxes(snapshot, cache):
    layer = validate_layer(snapshot, "coal")
    style = validate_style(under="blue", over="red")

    bar = decode(legend_png(snapshot, layer, style, 200, 10, cache))

    assert tuple(bar[5, 0]) == (0, 0, 255, 255) and tuple(bar[5, 9]) == (0, 0, 255, 255)
    assert tuple(bar[5, -1]) == (255, 0, 0, 255)
    assert tuple(bar[5, 10]) == tuple(colormap_steps("viridis")[0])


@pytest.mark.parametrize(
    ("width", "height", "parameter"), [(0, 10, "width"), (10, 9999, "height")]
)
def test_legend_sizes_are_bounded(snapshot, cache, width, height, parameter):
    layer = validate_layer(snapshot, "coal")
    with pytest.raises(QueryError, match="out of range") as e:
        legend_png(snapshot, layer, validate_style(), width, height, cache)
    assert e.value.parameter == parameter


def test_stops_span_the_range_evenly_on_the_scale(snapshot, cache):
    layer = validate_layer(snapshot, "coal", quantity="emission")
    style = validate_style("magma", "log", vmin=0.01, vmax=100.0, over="#ff0000")

    legend = legend_stops(snapshot, layer, style, cache, count=5)

    assert [s["value"] for s in legend["stops"]] == pytest.approx(
        [0.01, 0.1, 1, 10, 100]
    )
    assert legend["stops"][0]["color"] == hex_colour(colormap_steps("magma")[0])
    assert legend["stops"][-1]["color"] == hex_colour(colormap_steps("magma")[-1])
    assert legend["over"] == "#ff0000ff" and legend["nodata"] == "#00000000"
    assert legend["units"] == "t per cell per period" and legend["range"] == [
        0.01,
        100.0,
    ]


def test_a_legend_without_a_range_shows_the_tiles_default_range(snapshot, cache):
    layer = validate_layer(snapshot, "coal")
    legend = legend_stops(snapshot, layer, validate_style(scale="linear"), cache)
    # The latest period holds one coal cell of 140 t: the 99.5th percentile is 140.
    assert legend["range"] == [0.0, pytest.approx(140.0)]
