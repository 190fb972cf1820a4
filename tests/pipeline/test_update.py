"""`methanemap update` on the real inputs: a year added before the cube's first while
readers read, nothing published when nothing changed, and one year's changed activity
rewriting only that year's periods."""

import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from methanemap.pipeline.publish import update
from methanemap.pipeline.recipe import default_recipe, with_years
from methanemap.sources import climatetrace
from methanemap.store import list_versions, open_cube
from methanemap.store.transaction import PAUSE_VARIABLE

pytestmark = pytest.mark.e2e

YEAR_2021 = [f"2021-P{n:02d}" for n in range(1, 47)]


def methanemap(*args, log, env=None):
    """The command line in a new process, its output going to the file `log`."""
    command = [sys.executable, "-m", "methanemap", *args]
    return subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )


def totals(location, version=None):
    """Per period id, the global total (t) of each emission variable."""
    cube = open_cube(location, version)
    table = cube.periods.to_dataframe().drop(columns="fingerprint").sort_index(axis=1)
    return table.set_axis(
        [f"{t.year}-P{(t.day_of_year - 1) // 8 + 1:02d}" for t in table.index]
    )


def reading(location):
    """What a reader sees: version, periods, and the grid mass of 2022-P01 (t)."""
    cube = open_cube(location)
    index = int(
        np.flatnonzero(cube.ds.indexes["time"] == pd.Timestamp("2022-01-01"))[0]
    )
    mass = cube.ds["emission_total"][index].to_numpy().sum(dtype=np.float64)
    return cube.version, cube.ds.sizes["time"], round(float(mass), 3)


@pytest.fixture(scope="module")
def store(real_store, tmp_path_factory):
    """A copy of the session's cube of 2022, built by the real command line."""
    location = tmp_path_factory.mktemp("update") / "cube"
    shutil.copytree(real_store, location)
    return str(location)


@pytest.fixture(scope="module")
def prepended(store, tmp_path_factory):
    """`update --years 2021-2022` in another process while this one reads in a loop;
    the states seen before, during and after."""
    before = reading(store)
    published_before = len(list_versions(store))
    log = tmp_path_factory.mktemp("logs") / "update.log"
    with log.open("w") as output:
        writer = methanemap(
            "update",
            "--store",
            store,
            "--years",
            "2021-2022",
            "--tag",
            "r2021",
            log=output,
            env={PAUSE_VARIABLE: "publish", "METHANEMAP_PAUSE_SECONDS": "2"},
        )
        seen = []
        while writer.poll() is None:
            seen.append(reading(store))
            time.sleep(0.2)  # leave the writer most of the two cores
    assert writer.returncode == 0, log.read_text()[-3000:]
    return before, seen, reading(store), published_before


def test_readers_during_an_update_see_the_old_or_the_new_cube(prepended):
    """FC-24 on the real cube: a reader never sees a half-written update."""
    before, seen, after, _ = prepended

    assert after[1] == 92 and after[0] != before[0]
    assert set(seen) <= {before, after}
    assert before in seen and seen[0] == before
    switched = [s == after for s in seen]
    assert switched == sorted(switched)


def test_a_year_before_the_cube_is_added_and_the_rest_kept(store, prepended):
    versions = list_versions(store)

    assert len(versions) == prepended[3] + 1 and versions[0].tags == ("r2021",)
    assert versions[0].metadata["added"] == YEAR_2021
    assert versions[0].metadata["revised"] == []
    assert "added 2021-P01..2021-P46" in versions[0].message
    now, then = totals(store), totals(store, versions[1].id)
    pd.testing.assert_frame_equal(now.loc[then.index], then)
    assert prepended[0][2] == prepended[2][2]  # 2022-P01's grid, moved, unchanged


def test_the_same_inputs_again_publish_nothing(store, prepended):
    outcome = update(with_years(default_recipe(), [2021, 2022]), store)

    assert not outcome.published
    assert outcome.version == list_versions(store)[0].id
    assert len(list_versions(store)) == prepended[3] + 1


def test_a_changed_year_of_activity_rewrites_only_that_year(
    store, prepended, monkeypatch
):
    read = climatetrace.read_country_series

    def revised_2021(path):
        series = read(path)
        in_2021 = series["year"] == 2021
        return series.assign(
            emission_t=series["emission_t"].where(~in_2021, series["emission_t"] * 1.1)
        )

    monkeypatch.setattr(climatetrace, "read_country_series", revised_2021)
    before = totals(store)
    outcome = update(default_recipe(), store)
    after = totals(store)

    assert outcome.published
    assert [p.id for p in outcome.plan.revised] == YEAR_2021
    assert outcome.plan.added == [] and outcome.plan.removed == []
    assert "revised 2021-P01..2021-P46" in outcome.message
    pd.testing.assert_frame_equal(after.iloc[46:], before.iloc[46:])
    ratio = (
        after["global_emission_coal"].iloc[:46]
        / before["global_emission_coal"].iloc[:46]
    )
    assert np.allclose(ratio, 1.1, rtol=1e-3)
