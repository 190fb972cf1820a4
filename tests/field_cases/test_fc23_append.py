"""FC-23: appending a batch whose schema does not match the store.

A small cube of 2021 (1 degree, every layout) gains 2022 through the store's own
update path (`apply_change`). Batches that lack a variable, repeat a period or leave a
gap are refused before any byte is written: the store's files stay byte-identical.
A float64 batch is stored as float32 after a range check, and batches with latitudes
descending or longitudes 0..360 are put in the store's orientation, each value under
its own coordinates.
"""

import hashlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from methanemap.errors import ValidationError
from methanemap.store import list_versions, open_cube
from methanemap.store.change import apply_change
from small_cube import CELLS, GRID, published, small_change, small_cube, small_update

pytestmark = pytest.mark.e2e

NAMES = ["emission_coal", "emission_oil", "emission_gas", "emission_total"]


@pytest.fixture
def store(tmp_path):
    location = str(tmp_path / "cube")
    small_update(location, [2021])
    return location


def files(location: str) -> dict[str, str]:
    """SHA-256 of every file of a local store, by path."""
    root = Path(location)
    return {
        str(f.relative_to(root)): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in sorted(root.rglob("*"))
        if f.is_file()
    }


def consistent(location: str) -> int:
    """The cube opens and every variable of every layout has one time length."""
    cube = open_cube(location)
    lengths = {cube.ds[n].sizes["time"] for n in NAMES}
    assert cube.history is not None
    lengths |= {cube.history[n].sizes["time"] for n in NAMES}
    lengths |= {
        level[n].sizes["time"] for level in cube.overviews.values() for n in NAMES
    }
    assert len(lengths) == 1
    return lengths.pop()


def refused(store: str, cube: xr.Dataset, match: str, check: str = "schema") -> None:
    base = published(store)
    change = replace(small_change(base, [2021, 2022]), cube=cube)
    before, version = files(store), base.version

    with pytest.raises(ValidationError, match=match) as caught:
        apply_change(store, base, change)

    assert caught.value.check == check
    assert files(store) == before
    assert list_versions(store)[0].id == version
    assert consistent(store) == 46


def accepted(store: str, cube: xr.Dataset) -> xr.Dataset:
    """Apply the batch; the published cube, loaded."""
    base = published(store)
    apply_change(store, base, replace(small_change(base, [2021, 2022]), cube=cube))
    assert consistent(store) == 92
    return open_cube(store).ds[NAMES].load()


def batch(**dtypes: type) -> xr.Dataset:
    """The cube of 2021-2022, some variables in other dtypes."""
    cube = small_cube([2021, 2022])
    for name, dtype in dtypes.items():
        cube[name] = cube[name].astype(dtype)
    return cube


def test_a_batch_without_one_of_the_variables_is_refused(store):
    match = r"^schema: .* missing \['emission_coal'\]"
    refused(store, batch().drop_vars("emission_coal"), match)


def test_a_float64_batch_is_stored_as_float32(store):
    wide = batch(**dict.fromkeys(NAMES, np.float64))
    assert all(wide[n].dtype == np.float64 for n in NAMES)

    stored = accepted(store, wide)

    assert all(stored[n].dtype == np.float32 for n in NAMES)
    xr.testing.assert_allclose(stored, batch()[NAMES], rtol=1e-7)


def test_a_float64_batch_beyond_float32_is_refused(store):
    wide = batch(emission_gas=np.float64)
    wide["emission_gas"][50, 121, 78] = 1e39
    refused(store, wide, r"^schema: emission_gas holds 1e\+39, which float32 cannot")


def test_an_integer_batch_is_refused(store):
    ints = batch(emission_oil=np.int16)
    refused(store, ints, r"^schema: emission_oil is int16; emissions are stored as")


def marker(ds: xr.Dataset, sector: str, time: int) -> float:
    """The value of `sector`'s first known cell in period `time`, by coordinates."""
    row, col = CELLS[sector][0]
    cell = ds[f"emission_{sector}"].isel(time=time)
    return float(cell.sel(lat=GRID.lat[row], lon=GRID.lon[col]))


def test_descending_latitudes_are_put_ascending(store):
    flipped = batch().isel(lat=slice(None, None, -1))

    stored = accepted(store, flipped)

    assert np.all(np.diff(stored["lat"]) > 0)
    xr.testing.assert_equal(stored, batch()[NAMES])
    assert marker(stored, "coal", 60) == marker(batch(), "coal", 60) > 0


def test_longitudes_0_to_360_are_put_in_minus_180_to_180(store):
    east = batch()
    east = east.assign_coords(lon=("lon", east["lon"].to_numpy() % 360)).sortby("lon")
    assert float(east["lon"].min()) >= 0

    stored = accepted(store, east)

    np.testing.assert_array_equal(stored["lon"], GRID.lon)
    xr.testing.assert_equal(stored, batch()[NAMES])
    assert marker(stored, "oil", 60) == marker(batch(), "oil", 60) > 0


def test_a_batch_repeating_a_period_is_refused(store):
    cube = batch()
    times = cube["time"].to_numpy().copy()
    times[46] = times[45]  # 2022-P01 given the date of 2021-P46
    repeated = cube.assign_coords(time=("time", times, cube["time"].attrs))
    refused(store, repeated, r"^time axis: ", check="time axis")


def test_a_batch_leaving_a_gap_is_refused(store):
    gap = small_cube([2021, 2023])
    refused(store, gap, r"^time axis: 2021-P46 is followed by 2023-P01", "time axis")
