"""Hostile input files through the real update path (issue #10).

Each test makes one bad file in ``tmp_path`` from a real one (the EDGAR v7 Europe grid,
the FC-28 activity rows), names it in a recipe, and runs ``update`` on a copy of the
real cube: the error names the file and the problem, and the published cube keeps its
version and its values. NaN inside a gridded inventory is no data, not an error.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from methanemap.errors import (
    InputFormatError,
    MissingInputError,
    RecipeError,
    UnitsError,
)
from methanemap.pipeline.hierarchy import read_recipe_inventory
from methanemap.pipeline.publish import update
from methanemap.pipeline.recipe import load_recipe
from methanemap.pipeline.run import provenance
from methanemap.store import list_versions, open_cube

pytestmark = pytest.mark.e2e

EDGAR_EUROPE = Path(
    "openghg_inversions_edgar7_europe/"
    "flux_total_ch4_europe_edgar7_2019-01-01_2019-12-31_data.nc"
)
CLI = [sys.executable, "-m", "methanemap"]
#: The FC-28 rows, with a header naming the columns a recipe's activity table reads.
CSV_TEXT = (
    "country,iso3,year,gas_production_bcm\n"
    "Côte d\u2019Ivoire,CIV,2022,1.9\n"
    "Curaçao,CUW,2022,0.0\n"
)


@pytest.fixture(scope="module")
def store(real_store, tmp_path_factory):
    """A copy of the session's real cube and what a reader sees in it now."""
    location = tmp_path_factory.mktemp("hostile") / "cube"
    shutil.copytree(real_store, location)
    return str(location), seen(str(location))


def seen(location):
    """The latest version id, the periods' global totals and the last period's grid."""
    cube = open_cube(location)
    totals = cube.periods.to_dataframe().sort_index(axis=1)
    last = cube.ds["emission_total"][-1].to_numpy()
    return list_versions(location)[0].id, totals, last


def assert_unchanged(store):
    location, (version, totals, last) = store
    now_version, now_totals, now_last = seen(location)
    assert now_version == version
    assert now_totals.equals(totals)
    np.testing.assert_array_equal(now_last, last)


@pytest.fixture(scope="module")
def edgar(data_mirror):
    """The real EDGAR v7 Europe grid (CH4 flux in mol m-2 s-1), loaded."""
    with xr.open_dataset(data_mirror / EDGAR_EUROPE, decode_times=False) as ds:
        return ds.load()


def inventory_recipe(folder: Path, file_name: str, **options: str) -> Path:
    """A recipe placing France's gas by `file_name` (beside the recipe)."""
    extra = "".join(f"{k} = {v!r}\n" for k, v in options.items())
    text = (
        'name = "hostile"\nyears = [2022]\n\n[[inventories]]\n'
        f'path = "{file_name}"\nregion = ["FRA"]\nsectors = ["gas"]\n{extra}'
    )
    recipe = folder / "recipe.toml"
    recipe.write_text(text)
    return recipe


def activity_recipe(folder: Path, file_name: str, encoding: str = "utf-8") -> Path:
    text = (
        'name = "hostile"\nyears = [2022]\n\n[[activity]]\nsector = "gas"\n'
        f'path = "{file_name}"\nvalue = "gas_production_bcm"\n'
        f'encoding = "{encoding}"\n'
    )
    recipe = folder / "recipe.toml"
    recipe.write_text(text)
    return recipe


def write_variant(edgar: xr.Dataset, path: Path, change) -> Path:
    """`edgar` changed by `change` (a function of a copy), written to `path`."""
    change(edgar.copy(deep=True)).to_netcdf(path)
    return path


def with_flux(ds: xr.Dataset, cells: list[tuple[int, int]], value: float):
    values = ds["flux"].to_numpy().copy()
    for row, col in cells:
        values[row, col, 0] = value
    ds["flux"] = (ds["flux"].dims, values, ds["flux"].attrs)
    return ds


def refused(store, recipe: Path, error: type[Exception], match: str) -> None:
    """`update` with `recipe` raises `error` matching `match`; the cube is as it was."""
    with pytest.raises(error, match=match):
        update(load_recipe(recipe), store[0])
    assert_unchanged(store)


def test_an_intact_copy_of_the_real_grid_is_read(tmp_path, edgar):
    # The control: the same file untouched passes the step the hostile ones fail.
    write_variant(edgar, tmp_path / "edgar.nc", lambda ds: ds)
    spec = load_recipe(inventory_recipe(tmp_path, "edgar.nc")).inventories[0]

    field_t = read_recipe_inventory(spec)

    assert spec.path == tmp_path / "edgar.nc"
    assert np.nanmin(field_t.to_numpy()) >= 0
    assert field_t.attrs["total_t"] == pytest.approx(field_t.attrs["source_total_t"])


def test_truncated_netcdf(store, tmp_path, data_mirror):
    data = (data_mirror / EDGAR_EUROPE).read_bytes()
    (tmp_path / "cut.nc").write_bytes(data[: len(data) // 2])
    recipe = inventory_recipe(tmp_path, "cut.nc")
    refused(store, recipe, InputFormatError, r"cut\.nc cannot be read as netCDF")


def test_hdf5_garbage_named_nc(store, tmp_path):
    signature = b"\x89HDF\r\n\x1a\n"
    noise = np.random.default_rng(10).bytes(20_000)
    (tmp_path / "garbage.nc").write_bytes(signature + noise)
    recipe = inventory_recipe(tmp_path, "garbage.nc")
    refused(store, recipe, InputFormatError, r"garbage\.nc cannot be read as netCDF")


def test_wrong_units(store, tmp_path, edgar):
    def furlongs(ds):
        ds["flux"].attrs["units"] = "furlongs"
        return ds

    write_variant(edgar, tmp_path / "furlongs.nc", furlongs)
    recipe = inventory_recipe(tmp_path, "furlongs.nc")
    match = r"furlongs\.nc:flux: units 'furlongs' .* are not an emission flux unit"
    refused(store, recipe, UnitsError, match)


def test_missing_units(store, tmp_path, edgar):
    def unitless(ds):
        del ds["flux"].attrs["units"]
        return ds

    write_variant(edgar, tmp_path / "unitless.nc", unitless)
    recipe = inventory_recipe(tmp_path, "unitless.nc")
    match = r"unitless\.nc: variable 'flux' states no units"
    refused(store, recipe, UnitsError, match)


def test_units_that_contradict_the_recipe(store, tmp_path, edgar):
    write_variant(edgar, tmp_path / "edgar.nc", lambda ds: ds)
    recipe = inventory_recipe(tmp_path, "edgar.nc", units="Mg km-2 a-1")
    match = r"edgar\.nc:flux: the file states units 'mol/m2/s' but the recipe gives"
    refused(store, recipe, UnitsError, match)


@pytest.mark.parametrize("coordinate", ["lat", "lon"])
def test_missing_coordinate(store, tmp_path, edgar, coordinate):
    path = write_variant(
        edgar, tmp_path / "nocoord.nc", lambda ds: ds.drop_vars(coordinate)
    )
    label = {"lat": "latitude", "lon": "longitude"}[coordinate]
    recipe = inventory_recipe(tmp_path, path.name)
    match = rf"nocoord\.nc:flux: no {label} coordinate"
    refused(store, recipe, InputFormatError, match)


@pytest.mark.parametrize("value", [np.inf, -np.inf])
def test_infinite_values(store, tmp_path, edgar, value):
    cells = [(200, 150), (201, 151)]
    write_variant(edgar, tmp_path / "inf.nc", lambda ds: with_flux(ds, cells, value))
    lat, lon = float(edgar["lat"][200]), float(edgar["lon"][150])
    recipe = inventory_recipe(tmp_path, "inf.nc")
    match = (
        rf"inf\.nc:flux: 2 cells hold infinite values \(the first at lat {lat:g}, "
        rf"lon {lon:g}\)"
    )
    refused(store, recipe, InputFormatError, match)


def test_negative_emissions(store, tmp_path, edgar):
    cells = [(200, 150), (210, 160), (220, 170)]
    write_variant(edgar, tmp_path / "sink.nc", lambda ds: with_flux(ds, cells, -1e-8))
    recipe = inventory_recipe(tmp_path, "sink.nc")
    match = r"sink\.nc:flux: 3 cells hold negative emission .* has no sinks"
    refused(store, recipe, InputFormatError, match)


def test_nan_cells_are_no_data_not_an_error(tmp_path, edgar):
    """Documented: NaN (or _FillValue) in an inventory marks cells it does not cover;
    their canonical cells are NaN and the rest keep the file's total."""
    row, col = 200, 150
    write_variant(
        edgar, tmp_path / "holes.nc", lambda ds: with_flux(ds, [(row, col)], np.nan)
    )
    spec = load_recipe(inventory_recipe(tmp_path, "holes.nc")).inventories[0]

    field_t = read_recipe_inventory(spec)

    lat, lon = float(edgar["lat"][row]), float(edgar["lon"][col])
    hole = field_t.sel(lat=lat, lon=lon, method="nearest")
    neighbour = field_t.sel(lat=lat, lon=lon + 0.5, method="nearest")
    assert np.isnan(float(hole)) and np.isfinite(float(neighbour))
    assert field_t.attrs["total_t"] == pytest.approx(field_t.attrs["source_total_t"])


def test_duplicated_period(store, tmp_path, edgar):
    write_variant(
        edgar, tmp_path / "twice.nc", lambda ds: xr.concat([ds, ds], dim="time")
    )
    recipe = inventory_recipe(tmp_path, "twice.nc", time=0)
    match = (
        r"twice\.nc:flux: time steps 0 and 1 \(2019-01-01, 2019-01-01\) are the same"
    )
    refused(store, recipe, InputFormatError, match)


def test_overlapping_periods(store, tmp_path, edgar):
    def overlapping(ds):
        later = ds.assign_coords(time=[181])
        both = xr.concat([ds, later], dim="time")
        both["time_bnds"] = (("time", "nv"), np.array([[0, 365], [181, 546]]))
        both["time"].attrs["bounds"] = "time_bnds"
        return both

    write_variant(edgar, tmp_path / "overlap.nc", overlapping)
    recipe = inventory_recipe(tmp_path, "overlap.nc", time="2019-01-01")
    match = r"overlap\.nc:flux: time steps 2019-01-01 and 2019-07-01 overlap"
    refused(store, recipe, InputFormatError, match)


def test_activity_csv_in_the_wrong_encoding(store, tmp_path):
    (tmp_path / "gas.csv").write_bytes(CSV_TEXT.encode("cp1252"))
    offset = len(b"country,iso3,year,gas_production_bcm\nC")
    recipe = activity_recipe(tmp_path, "gas.csv")
    match = rf"gas\.csv is not valid utf-8 at byte offset {offset} \(line 2\)"
    refused(store, recipe, InputFormatError, match)


def test_activity_csv_with_wrong_columns(store, tmp_path):
    wrong = CSV_TEXT.replace("iso3,year", "iso,yr")
    (tmp_path / "gas.csv").write_text(wrong)
    recipe = activity_recipe(tmp_path, "gas.csv")
    match = r"gas\.csv: missing columns \['iso3', 'year'\]"
    refused(store, recipe, InputFormatError, match)


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (
            "Curaçao,CUW,2022,inf\n",
            r"column 'gas_production_bcm' rows \[4\] hold 'inf'",
        ),
        ("Curaçao,CUW,2022,-1\n", r"column 'gas_production_bcm' rows \[4\] hold '-1'"),
        ("Curaçao,CUW,2022,1.2.3\n", r"column '\w+' rows \[4\] hold '1\.2\.3'"),
        ("Curaçao,CUW,2022,0.5\n", r"rows \[3, 4\] give CUW 2022 more than once"),
    ],
)
def test_activity_csv_with_bad_values_or_a_duplicated_year(
    store, tmp_path, row, problem
):
    (tmp_path / "gas.csv").write_text(CSV_TEXT + row)
    recipe = activity_recipe(tmp_path, "gas.csv")
    refused(store, recipe, InputFormatError, rf"gas\.csv: {problem}")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", r"not a CSV table: No columns to parse from file"),
        (CSV_TEXT + 'Chad,TCD,2022,"0.1\n', r"not a CSV table: .*EOF inside string"),
        # cut off in its last row: "2022,0.3" lost all but "20"
        (CSV_TEXT + "Chad,TCD,20", r"rows \[4\] need a 3-letter iso3 and a four-digit"),
    ],
    ids=["empty", "unterminated-quote", "cut-in-the-last-row"],
)
def test_activity_csv_that_is_empty_or_cut_off(store, tmp_path, text, problem):
    (tmp_path / "gas.csv").write_text(text)
    recipe = activity_recipe(tmp_path, "gas.csv")
    refused(store, recipe, InputFormatError, rf"gas\.csv: {problem}")


def test_truncated_geotiff(store, tmp_path, data_mirror):
    [tif] = (data_mirror / "gfei_v2_china_tif").glob("*.tif")
    data = tif.read_bytes()
    (tmp_path / "cut.tif").write_bytes(data[: len(data) // 2])
    recipe = inventory_recipe(tmp_path, "cut.tif")
    match = r"cut\.tif cannot be read as a GeoTIFF: .*TIFFReadDirectory"
    refused(store, recipe, InputFormatError, match)


def test_the_command_line_says_one_line_and_exits_1(store, tmp_path, data_mirror):
    data = (data_mirror / EDGAR_EUROPE).read_bytes()
    (tmp_path / "cut.nc").write_bytes(data[:4096])
    recipe = inventory_recipe(tmp_path, "cut.nc")

    done = subprocess.run(
        [*CLI, "update", "--store", store[0], "--recipe", str(recipe)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "METHANEMAP_DATA_MIRROR": str(data_mirror)},
    )

    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "cut.nc cannot be read as netCDF" in errors[0]
    assert "Traceback" not in done.stderr
    assert_unchanged(store)


@pytest.mark.parametrize(
    "table",
    [
        'input = "edgar7_europe_2019"\npath = "edgar.nc"\n',
        'name = "neither"\n',
    ],
)
def test_an_inventory_names_either_an_input_or_a_path(tmp_path, table):
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(
        f'years = [2022]\n[[inventories]]\n{table}region = ["FRA"]\nsectors = ["gas"]\n'
    )
    with pytest.raises(RecipeError, match="either `input` or `path`, not both"):
        load_recipe(recipe)


def test_a_missing_own_file_is_named(store, tmp_path):
    recipe = inventory_recipe(tmp_path, "absent.nc")
    refused(store, recipe, MissingInputError, r"inventory file .*absent\.nc does not")


def test_the_provenance_checksums_the_recipes_own_files(tmp_path):
    (tmp_path / "gas.csv").write_text(CSV_TEXT)
    recipe = load_recipe(activity_recipe(tmp_path, "gas.csv"))

    inputs = json.loads(provenance(recipe, datetime.now(UTC))["methanemap_inputs"])

    entry = inputs[f"file:{tmp_path / 'gas.csv'}"]
    assert entry["sha256"] == hashlib.sha256(CSV_TEXT.encode()).hexdigest()
    assert entry["url"] == (tmp_path / "gas.csv").as_uri()
    assert "iea_methane_tracker" in inputs
