"""`methanemap versions` and `stac` on a small cube; `update` refuses gaps."""

import json

import pytest
from stac_pydantic import Collection
from typer.testing import CliRunner

from methanemap.cli import app
from methanemap.store.transaction import tag_release
from small_cube import small_update


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    location = str(tmp_path_factory.mktemp("cli") / "cube")
    first = small_update(location, [2022])
    tag_release(location, "v1", first)
    small_update(location, [2021])
    return location


def test_versions_lists_ids_tags_and_changes(store):
    result = CliRunner().invoke(app, ["versions", "--store", store])

    assert result.exit_code == 0, result.output
    assert "v1" in result.output and "added 2021-P01..2021-P46" in result.output


def test_stac_writes_a_valid_collection(store, tmp_path):
    output = tmp_path / "collection.json"
    result = CliRunner().invoke(
        app, ["stac", "--store", store, "--output", str(output), "--version", "v1"]
    )

    assert result.exit_code == 0, result.output
    collection = json.loads(output.read_text())
    Collection.model_validate(collection)
    assert collection["extent"]["temporal"]["interval"][0][0].startswith("2022-01-01")


def test_update_refuses_years_that_leave_a_gap(store):
    result = CliRunner().invoke(app, ["update", "--store", store, "--years", "2019"])

    assert result.exit_code != 0
    assert "gap ([2020])" in str(result.exception)
