"""Which periods a query names: one, a range, an OGC interval; never backwards."""

import pytest

from methanemap.errors import NotInCubeError, QueryError
from methanemap.serve.timespan import select_span


def test_no_time_parameter_is_the_latest_period_or_all(snapshot):
    assert [p.id for p in select_span(snapshot).periods] == ["2022-P03"]
    every = select_span(snapshot, default="all")
    assert (every.first, every.last, every.count) == (0, 2, 3)


@pytest.mark.parametrize(
    ("kwargs", "ids"),
    [
        ({"period": "2022-P02"}, ["2022-P02"]),
        ({"period": "2022-01-10"}, ["2022-P02"]),
        ({"start": "2022-P02"}, ["2022-P02", "2022-P03"]),
        ({"end": "2022-01-09"}, ["2022-P01", "2022-P02"]),
        (
            {"start": "2022-01-01", "end": "2022-01-24"},
            ["2022-P01", "2022-P02", "2022-P03"],
        ),
        ({"datetime": "2022-01-09"}, ["2022-P02"]),
        ({"datetime": "2022-01-01/2022-01-09"}, ["2022-P01", "2022-P02"]),
        ({"datetime": "../2022-01-01T12:00:00Z"}, ["2022-P01"]),
        ({"datetime": "2022-01-17/.."}, ["2022-P03"]),
    ],
)
def test_ranges_include_both_ends(snapshot, kwargs, ids):
    span = select_span(snapshot, **kwargs)
    assert [p.id for p in span.periods] == ids
    assert span.seconds().tolist() == [8 * 86400.0] * len(ids)


def test_a_backwards_range_names_its_end(snapshot):
    with pytest.raises(QueryError, match="runs backwards") as error:
        select_span(snapshot, start="2022-P03", end="2022-P01")
    assert error.value.parameter == "end"
    with pytest.raises(QueryError, match="runs backwards") as error:
        select_span(snapshot, datetime="2022-01-20/2022-01-02")
    assert error.value.parameter == "datetime"


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"start": "yesterday"}, "start"),
        ({"end": "2022-P47"}, "end"),
        ({"datetime": "../.."}, "datetime"),
        ({"datetime": "a/b/c"}, "datetime"),
        ({"period": "2022-P01", "start": "2022-P01"}, "period"),
        ({"period": "2022-P01", "datetime": "2022-01-01"}, "datetime"),
    ],
)
def test_malformed_or_mixed_times_name_the_parameter(snapshot, kwargs, parameter):
    with pytest.raises(QueryError) as error:
        select_span(snapshot, **kwargs)
    assert error.value.parameter == parameter


@pytest.mark.parametrize(
    "kwargs",
    [
        {"start": "2030-01-01"},
        {"end": "2021-12-31"},
        {"start": "2020-P01", "end": "2021-P46"},
        {"datetime": "2030-01-01/.."},
    ],
)
def test_a_range_holding_no_period_is_not_in_the_cube(snapshot, kwargs):
    with pytest.raises(NotInCubeError, match=r"holds none of the cube's periods"):
        select_span(snapshot, **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"start": "2000-01-01", "end": "2030-12-31"},
        {"start": "2021-P40"},
        {"datetime": "1999-06-01/2022-01-20"},
    ],
)
def test_a_range_reaching_past_the_cube_selects_the_periods_it_holds(snapshot, kwargs):
    span = select_span(snapshot, **kwargs)
    expected = ["2022-P01", "2022-P02", "2022-P03"]
    assert [p.id for p in span.periods] == expected
    assert (span.first, span.last) == (0, 2)


def test_one_period_outside_the_cube_is_not_in_the_cube(snapshot):
    with pytest.raises(NotInCubeError, match=r"period '2030-01-01' .* not in the cube"):
        select_span(snapshot, period="2030-01-01")
    with pytest.raises(
        NotInCubeError, match=r"datetime '2021-06-01' .* not in the cube"
    ):
        select_span(snapshot, datetime="2021-06-01")
