"""Naming versions: every published one stays readable by id, tag or date."""

from datetime import UTC, datetime, timedelta

import pytest

from methanemap.errors import CubeNotFoundError, NotInCubeError, StoreError
from methanemap.store import list_versions, open_cube
from methanemap.store.transaction import begin, tag_release, validate_tag
from methanemap.store.versions import resolve
from methanemap.store.write import VersionWriter
from small_cube import small_update


@pytest.fixture(scope="module")
def three_versions(tmp_path_factory):
    """A small cube published three times, the first tagged v1; (location, ids)."""
    location = str(tmp_path_factory.mktemp("versions") / "cube")
    ids = [
        small_update(location, [2022]),
        small_update(location, [2022], {2022: 2.0}),
        small_update(location, [2021, 2022], {2022: 2.0}),
    ]
    tag_release(location, "v1", ids[0])
    return location, ids


def test_versions_are_listed_newest_first_with_tags_and_messages(three_versions):
    location, ids = three_versions
    versions = list_versions(location)

    assert [v.id for v in versions] == ids[::-1]
    assert versions[-1].tags == ("v1",) and versions[0].tags == ()
    assert versions[0].parent == ids[1] and versions[-1].parent is None
    assert "2021" in versions[0].message
    assert all(v.time.tzinfo is not None for v in versions)


def test_a_version_opens_by_id_tag_or_date(three_versions):
    location, ids = three_versions
    first = list_versions(location)[-1]

    assert open_cube(location, ids[1]).version == ids[1]
    assert open_cube(location, "v1").version == ids[0]
    assert open_cube(location, first.time.isoformat()).version == ids[0]
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert open_cube(location, tomorrow).version == ids[2]
    assert open_cube(location).ds.sizes["time"] == 92
    assert open_cube(location, ids[0]).ds.sizes["time"] == 46


@pytest.mark.parametrize("name", ["ZZZZZZZZZZZZZZZZZZZZ", "no-such-tag", "2001-01-01"])
def test_an_unknown_version_is_not_in_the_cube(three_versions, name):
    location, _ = three_versions
    with pytest.raises(NotInCubeError, match=r"does not exist|no cube version"):
        resolve(location, name)


def test_a_rejected_snapshot_is_not_a_version(three_versions, tmp_path):
    location, ids = three_versions
    transaction = begin(location)
    VersionWriter(transaction.session).write_attrs({"title": "never published"})
    unpublished = transaction.commit("never published")

    with pytest.raises(NotInCubeError, match="does not exist"):
        open_cube(location, unpublished)
    assert open_cube(location).version == ids[2]


def test_tags_never_move_and_cannot_look_like_versions(three_versions):
    location, ids = three_versions
    tag_release(location, "v1", ids[0])  # the same again is fine

    with pytest.raises(StoreError, match="already names version"):
        tag_release(location, "v1", ids[1])
    for bad in ("2024-01-01", ids[0], "-x", "a b"):
        with pytest.raises(StoreError, match="tag"):
            validate_tag(bad)


def test_a_store_with_no_published_version_has_no_cube(tmp_path):
    begin(str(tmp_path))  # creates the repository, publishes nothing

    with pytest.raises(CubeNotFoundError, match="no cube version has been published"):
        open_cube(str(tmp_path))
