"""Proxy points from the real trackers: pipelines, LNG, flares, fields, mines."""

import pandas as pd
import pytest

from methanemap.pipeline.allocate import allocate
from methanemap.pipeline.pipelines import _filled_capacity, _pieces, pipeline_points
from methanemap.pipeline.proxies import (
    FIELDS,
    FLARES,
    coal_points,
    field_points,
    flare_points,
)
from methanemap.sources import climatetrace, countries, gem, viirs
from methanemap.sources.registry import fetch

pytestmark = pytest.mark.filterwarnings("ignore::methanemap.errors.InputQuirkWarning")


@pytest.fixture(scope="module")
def infrastructure():
    return gem.read_gas_infrastructure(fetch("gem_gas_infrastructure"))


@pytest.fixture(scope="module")
def boundaries():
    return countries.read_boundaries(fetch("naturalearth_50m"))


def test_operating_pipelines_are_728_thousand_km_long(infrastructure):
    # Data catalogue 10: operating geodesic length 728,118 km (WGS84).
    lines = infrastructure[
        (infrastructure["kind"] == "pipeline")
        & (infrastructure["status"] == "operating")
    ]
    pieces = _pieces(lines.assign(capacity=_filled_capacity(lines)))
    assert pieces["length_km"].sum() == pytest.approx(728_118, rel=5e-3)
    assert pieces["capacity"].notna().all()
    assert pieces["capacity"].max() <= 200  # unit errors are not used as weights


def test_cross_border_pieces_belong_to_the_country_they_lie_in(
    infrastructure, boundaries
):
    points = pipeline_points(infrastructure, boundaries)
    usa = points[points["iso3"] == "USA"]
    canada = points[points["iso3"] == "CAN"]
    # Pieces of pipelines listed for both countries stay on their own side.
    assert (usa["lat"] < 49.5).mean() > 0.97
    assert (canada["lat"] > 41.5).all()


def test_flares_weigh_upstream_volume_only():
    flares = viirs.read_flares(fetch("viirs_flares_2017"))
    points = flare_points(flares)
    assert points["weight"].sum() == pytest.approx(138.4577, rel=1e-4)
    iraq = points.loc[points["iso3"] == "IRQ", "weight"].sum()
    assert iraq == pytest.approx(17.84, abs=0.01)
    assert (points["source"] == FLARES).all()


def test_coal_points_carry_both_mine_sources():
    assets = climatetrace.read_coal_assets(fetch("climatetrace_coal_assets"))
    mines = gem.read_coal_mines(fetch("gem_coal_mines"))
    points = coal_points(assets, mines)
    china = points[points["iso3"] == "CHN"].groupby("source")["weight"]
    assert china.sum()["climatetrace_coal_assets"] == pytest.approx(31.665e6, rel=1e-3)
    # GEM lists almost no production for China (84.2 Mt) and capacity stands in
    # elsewhere (4,310.91 Mtpa operating): together, within the few mines with both.
    assert china.sum()["gem_coal_mines"] == pytest.approx(4310.91 + 84.2, rel=1e-3)
    assert china.size()["gem_coal_mines"] == 1797


def test_oil_blends_fields_and_flares_half_and_half():
    fields = gem.read_oil_gas_fields(fetch("gem_oil_gas_fields"))
    flares = viirs.read_flares(fetch("viirs_flares_2017"))
    points = {
        "oil": pd.concat(
            [field_points(fields, "oil_mbbl", FIELDS), flare_points(flares)]
        )
    }
    units = pd.DataFrame(
        {"unit": ["IRQ"], "members": [("IRQ",)], "sector": ["oil"], "emission_t": [1e6]}
    )
    coverage = pd.DataFrame(columns=["iso3", "row", "col", "coverage"])
    blend = {"oil": {FIELDS: 0.5, "viirs_flares_2017": 0.5}}
    pattern = allocate(units, points, coverage, blends=blend)
    assert pattern["emission_t"].sum() == pytest.approx(1e6)
    # The largest flare (id 8855, 31.026 N 47.284 E, 1.2368 bcm of Iraq's 17.84) holds
    # at least half its flare share of the total.
    row = int((31.026 + 90) * 10)
    col = int((47.284 + 180) * 10)
    cell = pattern[(pattern["row"] == row) & (pattern["col"] == col)]["emission_t"]
    assert cell.sum() >= 0.5 * 1e6 * 1.2368 / 17.84 * 0.5 * 0.99
