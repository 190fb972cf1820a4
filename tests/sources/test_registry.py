"""The registry refuses a mirror that lacks a file or holds a changed one."""

import hashlib
import shutil

import pytest

from methanemap.errors import CorruptInputError, MissingInputError
from methanemap.sources.registry import fetch, get_input


def test_missing_file_names_the_file_and_the_mirror(tmp_path):
    with pytest.raises(MissingInputError) as caught:
        fetch("iea_methane_tracker", mirror=tmp_path)
    message = str(caught.value)
    assert "iea_methane_tracker_2022/Methane_final.csv" in message
    assert str(tmp_path) in message


def test_altered_copy_names_both_checksums(registered, tmp_path):
    entry = get_input("iea_methane_tracker")
    copy = tmp_path / entry.path
    copy.parent.mkdir(parents=True)
    shutil.copyfile(registered("iea_methane_tracker"), copy)
    with copy.open("r+b") as file:
        file.seek(1_000)
        file.write(b"#")

    actual = hashlib.sha256(copy.read_bytes()).hexdigest()

    with pytest.raises(
        CorruptInputError, match=f"sha256 {actual}, expected {entry.sha256}"
    ):
        fetch("iea_methane_tracker", mirror=tmp_path)


def test_unchanged_copy_is_accepted(registered, tmp_path):
    entry = get_input("naturalearth_110m")
    copy = tmp_path / entry.path
    copy.parent.mkdir(parents=True)
    shutil.copyfile(registered("naturalearth_110m"), copy)
    assert fetch("naturalearth_110m", mirror=tmp_path) == copy
