"""FC-28: activity CSVs in UTF-8, with a BOM, in Windows-1252, with CRLF and spaces."""

import pytest

from methanemap.errors import InputFormatError
from methanemap.sources.activity import read_activity_csv

ROWS = "Côte d\u2019Ivoire,CIV,2020,1.9\nCuraçao,CUW,2020,0.0\n"
HEADER = "country,iso3,year,gas_production_bcm\n"


@pytest.fixture
def files(tmp_path):
    made = {
        "utf8": (HEADER + ROWS).encode("utf-8"),
        "bom": (HEADER + ROWS).encode("utf-8-sig"),
        "crlf": (
            "country , iso3 ,year, gas_production_bcm \r\n" + ROWS.replace("\n", "\r\n")
        ).encode("utf-8"),
        "cp1252": (HEADER + ROWS).encode("cp1252"),
    }
    for name, data in made.items():
        (tmp_path / f"{name}.csv").write_bytes(data)
    return tmp_path


@pytest.mark.parametrize("name", ["utf8", "bom", "crlf"])
def test_utf8_bom_and_crlf_read_identically(files, name):
    frame = read_activity_csv(files / f"{name}.csv", "gas_production_bcm")
    assert list(frame["iso3"]) == ["CIV", "CUW"]
    assert list(frame["country"]) == ["Côte d\u2019Ivoire", "Curaçao"]
    assert frame["value"].tolist() == [1.9, 0.0]
    assert frame["year"].tolist() == [2020, 2020]


def test_windows_1252_is_refused_unless_declared(files):
    path = files / "cp1252.csv"
    first_bad = len((HEADER + "C").encode("utf-8"))  # the byte of "ô"
    with pytest.raises(
        InputFormatError,
        match=f"not valid utf-8 at byte offset {first_bad} \\(line 2\\)",
    ):
        read_activity_csv(path, "gas_production_bcm")
    frame = read_activity_csv(path, "gas_production_bcm", encoding="cp1252")
    assert frame["country"].iloc[0] == "Côte d\u2019Ivoire"


def test_missing_value_column_names_the_file_and_columns(files):
    with pytest.raises(InputFormatError, match=r"utf8\.csv: missing columns \['oil'\]"):
        read_activity_csv(files / "utf8.csv", "oil")
