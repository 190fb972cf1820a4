"""Queries on the real cube: totals from the attribution equal sums of the cube's cells,
countries and offshore add up to the globe, attributed totals are the IEA figures, and
every interval follows the one uncertainty rule.
"""

import io
import json
import zipfile

import numpy as np
import pytest
import xarray as xr

from methanemap import uncertainty
from methanemap.grid import CANONICAL
from methanemap.serve.areas import area_totals
from methanemap.serve.attribution import attribution_index
from methanemap.serve.cells import cell_history, cell_values
from methanemap.serve.countries import country_index
from methanemap.serve.geometry import bbox_area, polygon_area
from methanemap.serve.limits import Limits
from methanemap.serve.national import country_totals, reconciliation
from methanemap.serve.nationaltable import reconciliation_table
from methanemap.serve.outunits import parse_output_units
from methanemap.serve.rankings import top_cells, top_countries
from methanemap.serve.subsets import subset_dataset, to_bytes
from methanemap.serve.timespan import select_span
from methanemap.store import open_cube

pytestmark = pytest.mark.e2e

PERIODS = ("2022-P01", "2022-P03")
SHANXI = "110,34,115,41"


@pytest.fixture(scope="module")
def real(real_store):
    return open_cube(str(real_store))


@pytest.fixture(scope="module")
def national(data_mirror):
    """IEA national totals per country and sector (t a-1), read independently."""
    from methanemap.sources import iea
    from methanemap.sources.registry import fetch

    totals = iea.read_national_totals(fetch("iea_methane_tracker"))
    countries = totals[totals["kind"] == "country"]
    return countries.groupby(["iso3", "sector"])["emission_t"].sum()


def both_ways(snapshot, area):
    span = select_span(snapshot, start=PERIODS[0], end=PERIODS[1])
    common = dict(
        sector=None, span=span, units=parse_output_units("t"), limits=Limits()
    )
    fast = area_totals(snapshot, area, **common)
    read = area_totals(snapshot, area, method="grid", **common)
    return fast, read


def hole_polygon():
    shell = [[-104, 30], [-100, 30], [-100, 34], [-104, 34], [-104, 30]]
    hole = [[-103, 31], [-101, 31], [-101, 33], [-103, 33], [-103, 31]]
    return {"type": "Polygon", "coordinates": [shell, hole]}


@pytest.mark.parametrize(
    "make_area",
    [
        lambda: bbox_area((110, 34, 115, 41), CANONICAL),
        lambda: bbox_area((170, 50, -170, 70), CANONICAL),
        lambda: polygon_area(hole_polygon(), CANONICAL, Limits()),
        lambda: polygon_area(
            # From Sakhalin's fields to Chukotka's mines, across the antimeridian.
            {
                "type": "Polygon",
                "coordinates": [[[140, 40], [140, 75], [200, 75], [140, 40]]],
            },
            CANONICAL,
            Limits(),
        ),
    ],
    ids=["shanxi", "antimeridian-bbox", "permian-with-hole", "antimeridian-triangle"],
)
def test_area_totals_from_the_attribution_equal_the_sum_of_the_cube_cells(
    real, make_area
):
    fast, read = both_ways(real, make_area())
    assert fast["method"] == "attribution" and read["method"] == "grid"
    for sector, totals in fast["sectors"].items():
        cube = read["sectors"][sector]["values"]
        assert totals["values"] == pytest.approx(cube, rel=1e-6, abs=1e-6), sector
    assert fast["sectors"]["total"]["values"][0] > 0


def test_the_whole_globe_is_the_stored_global_total(real):
    span = select_span(real, period="2022-P10")
    globe = area_totals(
        real,
        bbox_area((-180, -90, 180, 90), CANONICAL),
        sector="total",
        span=span,
        units=parse_output_units("t"),
        limits=Limits(),
    )
    stored = float(real.periods["global_emission_total"].isel(time=span.first))
    assert globe["sectors"]["total"]["sum"]["value"] == pytest.approx(stored, rel=1e-6)


def test_a_country_total_is_the_same_in_a_notebook_and_from_serve(real):
    # The notebook way: the Zarr cube and its stored country coverage, with xarray.
    ds, coverage = real.ds, real.countries
    codes = json.loads(coverage.attrs["iso3"])
    mine = coverage["country"].to_numpy() == codes.index("CHN")
    cells = coverage["cell"].to_numpy()[mine]
    share = coverage["coverage"].to_numpy()[mine]
    field = ds["emission_coal"].sel(time="2022-02-02").to_numpy().ravel()
    notebook = float((field[cells].astype(np.float64) * share).sum())

    served = country_totals(real, "CHN", sector="coal", period="2022-02-02")
    value = served["geographic"]["sectors"]["coal"]["sum"]["value"]
    assert value == pytest.approx(notebook, rel=1e-6)
    assert notebook > 1e5


def test_countries_and_offshore_add_up_to_the_global_total(real):
    table = reconciliation_table(real, sector="total", period="2022-P10")
    rows = {r["id"]: r for r in table["rows"]}
    countries = sum(r["geographic"] for r in table["rows"] if r["kind"] == "country")
    world = rows["world"]
    stored = float(real.periods["global_emission_total"].sel(time="2022-03-14").item())
    assert countries + rows["offshore"]["geographic"] == pytest.approx(stored, rel=1e-6)
    assert world["geographic"] == pytest.approx(stored, rel=1e-6)
    units = sum(
        r["attributed"]
        for r in table["rows"]
        if r["attributed"] is not None and r["kind"] != "world"
    )
    assert units == pytest.approx(world["attributed"], rel=1e-9)
    assert world["attributed"] == pytest.approx(stored, rel=1e-6)


@pytest.mark.parametrize(
    ("iso3", "sector"), [("CHN", "coal"), ("USA", "gas"), ("NOR", "oil")]
)
def test_attributed_totals_are_the_scaled_iea_figures(real, national, iso3, sector):
    answer = country_totals(real, iso3, sector=sector, start="2022-P01", end="2022-P46")
    attributed = answer["attributed"]["sectors"][sector]["sum"]["value"]
    assert attributed == pytest.approx(
        national[(iso3, sector)], rel=1e-6
    )  # 2022: factor 1
    recon = reconciliation(real, iso3, sector=sector, start="2022-P01", end="2022-P46")
    one = recon["sectors"][sector]
    assert one["national"] == pytest.approx(national[(iso3, sector)], rel=1e-6)
    assert one["attributed_minus_national"] == pytest.approx(0, abs=1e-6 * attributed)
    geographic = one["national"] - one["own_outside"] + one["others_inside"]
    assert one["geographic"]["value"] == pytest.approx(geographic, rel=1e-9)
    assert one["years"] == [
        {
            "year": 2022,
            "activity_factor": pytest.approx(1.0),
            "share_of_year": pytest.approx(1.0),
        }
    ]


def test_norway_reports_oil_that_lies_outside_its_polygons(real):
    one = reconciliation(real, "NOR", sector="oil", period="2022-P05")["sectors"]["oil"]
    assert one["own_outside"] == pytest.approx(one["national"], rel=1e-3)
    assert one["geographic"]["value"] < 0.01 * one["national"]


def test_a_country_interval_follows_the_one_rule_on_its_entries(real):
    # Spell the rule out over the entries of Austria's cells (no row of its own).
    index, attribution = country_index(real), attribution_index(real)
    row = index.codes.index("AUT")
    entries = attribution.sectors["gas"]
    mine = index.country == row
    lookup = dict(
        zip(index.cell[mine].tolist(), index.share[mine].tolist(), strict=True)
    )
    share = np.array([lookup.get(c, 0.0) for c in entries.cell.tolist()])
    weight = entries.weight[entries.unit, 9]
    sigma = uncertainty.sigma(
        "gas", entries.annual * share * weight, entries.unit, entries.uniform
    )
    answer = country_totals(real, "aut", sector="gas", period="2022-P10")
    gas = answer["geographic"]["sectors"]["gas"]
    assert answer["attributed"]["sectors"] is None and answer["country"]["unit"] is None
    low, high = uncertainty.interval(gas["sum"]["value"], sigma)
    assert (gas["sum"]["lower"], gas["sum"]["upper"]) == pytest.approx((low, high))


def test_cell_history_is_the_cube_with_intervals_around_it(real):
    history = cell_history(real, 112.55, 37.85, start="2022-P01", end="2022-P05")
    row, col = history["cell"]["row"], history["cell"]["col"]
    cube = real.ds["emission_coal"].isel(time=slice(0, 5), lat=row, lon=col).to_numpy()
    coal = history["values"]["coal"]
    assert coal["values"] == pytest.approx(cube.tolist(), rel=1e-6)
    assert all(
        lo <= v <= hi
        for lo, v, hi in zip(coal["lower"], coal["values"], coal["upper"], strict=True)
    )
    single = cell_values(real, 112.55, 37.85, "2022-P03")
    assert single["values"]["coal"]["value"] == coal["values"][2]


def test_the_top_cell_is_the_largest_cell_of_the_cube(real):
    top = top_cells(real, sector="coal", period="2022-P10", limit=3)
    field = real.ds["emission_coal"].sel(time="2022-03-14").to_numpy()
    best = top["cells"][0]
    assert best["value"] == pytest.approx(float(field.max()), rel=1e-6)
    assert field[best["cell"]["row"], best["cell"]["col"]] == field.max()
    assert [c["rank"] for c in top["cells"]] == [1, 2, 3]
    ranked = top_countries(
        real, sector="coal", start="2022-P01", end="2022-P46", limit=2
    )
    first, second = ranked["countries"]
    assert first["id"] == "CHN" and first["geographic"] > second["geographic"]


def test_a_subset_holds_the_cube_values_and_its_provenance(real, tmp_path):
    ds = subset_dataset(real, SHANXI, start="2022-P01", end="2022-P02", sector="coal")
    path = tmp_path / "subset.nc"
    path.write_bytes(to_bytes(ds, "netcdf"))
    netcdf = xr.open_dataset(path, engine="netcdf4")
    cube = (
        real.ds["emission_coal"]
        .isel(time=slice(0, 2))
        .sel(lat=slice(34, 41), lon=slice(110, 115))
    )
    assert float(netcdf["emission_coal"].sum()) == pytest.approx(
        float(cube.sum()), rel=1e-6
    )
    assert netcdf.attrs["methanemap_cube_version"] == real.version
    assert "iea_methane_tracker" in netcdf.attrs["methanemap_inputs"]
    assert netcdf["lon"].attrs["bounds"] == "lon_bnds"
    with zipfile.ZipFile(io.BytesIO(to_bytes(ds, "zarr"))) as archive:
        assert ".zmetadata" in archive.namelist()
