"""Applying a change: one commit holding every layout, published only once valid."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from methanemap.errors import StoreError, ValidationError
from methanemap.store import list_versions, open_cube
from methanemap.store.change import apply_change
from methanemap.store.layout import OVERVIEW_LEVELS, global_total
from methanemap.store.repo import open_repository
from methanemap.store.transaction import WORK_BRANCH, begin
from methanemap.store.write import VersionWriter
from small_cube import (
    ANNUAL_T,
    CELLS,
    published,
    small_change,
    small_cube,
    small_update,
)


def period_totals(ds: xr.Dataset, name: str = "emission_total") -> np.ndarray:
    return ds[name].sum(("lat", "lon"), dtype=np.float64).to_numpy()


def test_a_new_cube_holds_every_layout_with_the_same_mass(tmp_path):
    small_update(str(tmp_path), [2022])
    cube = open_cube(str(tmp_path))

    assert cube.ds.sizes["time"] == 46
    assert sorted(cube.overviews) == list(OVERVIEW_LEVELS)
    shapes = {k: (v.sizes["lat"], v.sizes["lon"]) for k, v in cube.overviews.items()}
    assert shapes == {1: (90, 180), 2: (45, 90), 3: (23, 45), 4: (12, 23), 5: (6, 12)}
    full = period_totals(cube.ds)
    for level in cube.overviews.values():
        np.testing.assert_allclose(period_totals(level), full, rtol=1e-6)
    assert cube.history is not None
    xr.testing.assert_equal(cube.history["emission_coal"], cube.ds["emission_coal"])
    np.testing.assert_allclose(
        cube.periods[global_total("emission_total")].to_numpy(), full, rtol=1e-9
    )


def test_the_history_is_chunked_by_year_and_small_cell_blocks(tmp_path):
    small_update(str(tmp_path), [2021, 2022])
    cube = open_cube(str(tmp_path))

    assert cube.history["emission_gas"].encoding["chunks"] == (46, 60, 60)
    assert cube.ds["emission_gas"].encoding["chunks"] == (1, 180, 360)
    row, col = CELLS["gas"][0]
    series = cube.history["emission_gas"][:, row, col].to_numpy()
    assert series.sum() == pytest.approx(2 * ANNUAL_T["gas"], rel=1e-6)


def test_appending_a_year_writes_only_its_periods(tmp_path):
    first = small_update(str(tmp_path), [2021])
    second = small_update(str(tmp_path), [2022])
    old, new = open_cube(str(tmp_path), first), open_cube(str(tmp_path), second)

    assert new.ds.sizes["time"] == 92
    xr.testing.assert_equal(new.ds["emission_oil"][:46], old.ds["emission_oil"])
    assert list_versions(str(tmp_path))[0].metadata["revised"] == []
    assert new.ds.attrs["time_coverage_start"] == "2021-01-01"
    assert new.ds.attrs["time_coverage_end"] == "2023-01-01"


def test_a_year_before_the_first_moves_the_stored_periods_along(tmp_path):
    small_update(str(tmp_path), [2022], {2022: 2.0})
    before = period_totals(open_cube(str(tmp_path)).ds)
    small_update(str(tmp_path), [2021], {2022: 2.0})
    cube = open_cube(str(tmp_path))

    starts = pd.DatetimeIndex(cube.ds.indexes["time"])
    assert starts[0] == pd.Timestamp("2021-01-01") and starts.is_monotonic_increasing
    np.testing.assert_array_equal(period_totals(cube.ds)[46:], before)
    np.testing.assert_array_equal(period_totals(cube.history)[46:], before)
    np.testing.assert_allclose(period_totals(cube.overviews[5])[46:], before, rtol=1e-6)
    assert period_totals(cube.ds)[0] == pytest.approx(before[0] / 2, rel=1e-6)


def test_a_changed_year_is_rewritten_and_the_others_kept(tmp_path):
    small_update(str(tmp_path), [2021, 2022])
    small_update(str(tmp_path), [2021, 2022], {2021: 1.5})

    revised = list_versions(str(tmp_path))[0].metadata["revised"]
    assert revised == [f"2021-P{n:02d}" for n in range(1, 47)]
    totals = period_totals(open_cube(str(tmp_path)).ds)
    assert totals[0] == pytest.approx(1.5 * totals[46], rel=1e-6)


def test_a_failed_check_publishes_nothing_and_says_which(tmp_path):
    location = str(tmp_path)
    version = small_update(location, [2022])
    base = published(location)
    change = small_change(base, [2022], {2022: 2.0})
    wrong = change.expected * 1.01
    bad = small_change(base, [2022], {2022: 2.0}, expected=wrong)

    with pytest.raises(ValidationError, match=r"^mass balance: 2022-P01") as caught:
        apply_change(location, base, bad)
    assert caught.value.check == "mass balance"
    assert "Nothing was published" in str(caught.value)
    assert open_cube(location).version == version
    assert len(list_versions(location)) == 1

    assert _work_branch_tip(location) not in (version, base.version)


def test_a_gap_in_the_time_axis_is_refused(tmp_path):
    location = str(tmp_path)
    small_update(location, [2022])
    base = published(location)
    change = small_change(base, [2022], {2022: 3.0})
    gap = change.cube["time"].to_numpy().copy()
    gap[10:] = gap[10:] + np.timedelta64(8, "D")
    broken = change.cube.assign_coords(time=("time", gap, change.cube["time"].attrs))

    with pytest.raises(ValidationError, match=r"^time axis: ") as caught:
        apply_change(location, base, _with_cube(change, broken))
    assert caught.value.check == "time axis"


def test_missing_metadata_is_refused(tmp_path):
    location = str(tmp_path)
    small_update(location, [2022])
    base = published(location)
    change = small_change(base, [2022], {2022: 3.0})
    stripped = change.cube.copy()
    stripped.attrs = {k: v for k, v in change.cube.attrs.items() if k != "license"}

    with pytest.raises(ValidationError, match=r"^metadata: .*'license'"):
        apply_change(location, base, _with_cube(change, stripped))


def test_a_change_planned_on_an_older_version_is_not_published(tmp_path):
    location = str(tmp_path)
    small_update(location, [2022])
    base = published(location)
    late = small_change(base, [2022], {2022: 2.0})
    newer = small_update(location, [2022], {2022: 3.0})

    with pytest.raises(StoreError, match=r"moved .* during this change"):
        apply_change(location, base, late)
    assert open_cube(location).version == newer


def test_an_uncommitted_change_is_invisible_to_readers(tmp_path):
    location = str(tmp_path)
    version = small_update(location, [2022])

    transaction = begin(location)
    writer = VersionWriter(transaction.session)
    writer.write_periods(small_cube([2022], {2022: 5.0}), range(46))

    cube = open_cube(location)
    assert cube.version == version
    assert period_totals(cube.ds)[0] == pytest.approx(
        sum(ANNUAL_T[s] * len(c) for s, c in CELLS.items()) * 8 / 365, rel=1e-6
    )


def _with_cube(change, cube):
    return replace(change, cube=cube)


def _work_branch_tip(location):
    return str(open_repository(location).lookup_branch(WORK_BRANCH))
