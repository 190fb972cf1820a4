"""FC-10: NaN, inf and out-of-range numbers in requests, and missing values in answers.

Every number a request carries, in a query parameter, a path segment, a bbox, a WKT
point or polygon, or a GeoJSON body, is a 422 naming the parameter when it is NaN,
infinite, beyond float range or out of its range; the list of numeric query
parameters comes from the service's own OpenAPI document, so a new one is covered
too. Missing periods answer null with a flag, and every JSON answer is strict JSON.
"""

import json

import pytest
from fc_cubes import MISSING, REGIONAL_T

pytestmark = pytest.mark.e2e

BAD_NUMBERS = ["NaN", "nan", "inf", "-Infinity", "1e309", "", "4O"]
#: A valid value of each required parameter, so that only the one tried is bad.
VALID = {"lat": "45", "lon": "10", "bbox": "0,40,1,41", "coords": "POINT(10 45)"}


def strict_json(text: str):
    """Parse refusing the NaN and Infinity tokens that are not JSON."""

    def refuse(token):
        raise ValueError(f"not JSON: {token}")

    return json.loads(text, parse_constant=refuse)


def assert_names(answer, parameter):
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = strict_json(answer.text)
    assert problem["parameter"] == parameter, problem


@pytest.mark.parametrize(
    "query",
    [
        "lat=NaN&lon=10",
        "lat=nan&lon=10",
        "lat=inf&lon=10",
        "lat=-Infinity&lon=10",
        "lat=1e309&lon=10",
        "lat=91&lon=10",
        "lat=-90.5&lon=10",
        "lat=45&lon=180.5",
        "lat=&lon=10",
        "lat=4O&lon=10",
    ],
)
@pytest.mark.parametrize("route", ["/cells", "/cells/history"])
def test_the_field_case_requests_are_422_naming_the_parameter(regional, route, query):
    bad = query.split("&")[0] if not query.startswith("lat=45") else "lon=180.5"
    assert_names(regional.get(f"{route}?{query}"), bad.split("=")[0])


def numeric_query_parameters(regional):
    """(path, parameter) of every numeric query parameter of every GET route."""
    found = []
    for path, operations in regional.get("/openapi.json").json()["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            schema = parameter["schema"]
            kinds = {schema.get("type")} | {
                s.get("type") for s in schema.get("anyOf", [])
            }
            if parameter["in"] == "query" and kinds & {"number", "integer"}:
                found.append((path, parameter["name"]))
    return found


def test_every_numeric_query_parameter_refuses_bad_numbers(regional):
    params = numeric_query_parameters(regional)
    assert ("/cells", "lat") in params and (
        "/tiles/{z}/{x}/{y}.{format}",
        "vmin",
    ) in params
    fill = {
        "{z}": "0",
        "{x}": "0",
        "{y}": "0",
        "{format}": "png",
        "{collectionId}": "total",
    }
    fill |= {"{dataType}": "map", "{tileMatrixSetId}": "WebMercatorQuad"}
    fill |= {"{tileMatrix}": "0", "{tileRow}": "0", "{tileCol}": "0", "{iso3}": "FRA"}

    for path, name in params:
        url = path
        for key, value in fill.items():
            url = url.replace(key, value)
        for bad in BAD_NUMBERS:
            query = {k: v for k, v in VALID.items() if k != name} | {name: bad}
            answer = regional.get(url, params=query)
            assert answer.status_code == 422, (url, name, bad, answer.text)
            assert strict_json(answer.text)["parameter"] == name


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/areas?bbox=NaN,0,1,1", "bbox"),
        ("/areas?bbox=0,0,inf,1", "bbox"),
        ("/areas?bbox=0,0,1e309,1", "bbox"),
        ("/areas?bbox=0,-91,1,1", "bbox"),
        ("/subsets?bbox=0,0,nan,1", "bbox"),
        ("/edr/collections/emissions/cube?bbox=0,0,nan,1", "bbox"),
        ("/edr/collections/emissions/position?coords=POINT(nan 10)", "lon"),
        ("/edr/collections/emissions/position?coords=POINT(1e309 10)", "lon"),
        ("/edr/collections/emissions/position?coords=POINT(10 91)", "lat"),
        (
            "/edr/collections/emissions/area?coords=POLYGON((0 0,inf 0,1 1,0 0))",
            "coords",
        ),
        ("/tiles/nan/0/0.png", "z"),
        ("/tiles/0/inf/0.png", "x"),
        ("/ogc/collections/total/map/tiles/WebMercatorQuad/0/0/1e309", "tileCol"),
    ],
)
def test_numbers_inside_other_parameters_are_422(regional, url, parameter):
    assert_names(regional.get(url), parameter)


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e309"])
def test_a_geojson_body_with_a_bad_number_is_422(regional, token):
    body = f'{{"type":"Polygon","coordinates":[[[0,0],[{token},0],[1,1],[0,0]]]}}'
    answer = regional.post(
        "/areas", content=body, headers={"content-type": "application/geo+json"}
    )
    assert answer.status_code == 422, answer.text
    assert "Traceback" not in answer.text


def test_missing_periods_are_null_with_a_flag_in_strict_json(regional):
    answer = regional.get("/cells/history?lat=45&lon=10")

    assert answer.status_code == 200
    body = strict_json(answer.text)
    periods = [p["id"] for p in body["periods"]]
    gas = dict(zip(periods, body["values"]["gas"]["values"], strict=True))
    assert gas == {
        "2022-P01": REGIONAL_T,
        "2022-P02": None,
        "2022-P03": None,
        "2022-P04": REGIONAL_T,
    }
    assert body["missing"] == list(MISSING)


def test_missing_periods_in_csv_are_empty_not_nan(regional):
    answer = regional.get("/cells/history?lat=45&lon=10&format=csv")

    assert answer.status_code == 200
    rows = [r for r in answer.text.splitlines() if not r.startswith("#")]
    header = rows[0].split(",")
    by_period = {r.split(",")[1]: r.split(",") for r in rows[1:]}
    assert by_period["2022-P02"][header.index("gas")] == ""
    assert float(by_period["2022-P01"][header.index("gas")]) == REGIONAL_T
    assert "nan" not in answer.text.lower()


@pytest.mark.parametrize("period", ["2022-P02", "2022-P03"])
def test_an_area_in_a_missing_period_is_null_and_valid_json(regional, period):
    answer = regional.get(f"/areas?bbox=0,40,1,41&period={period}")

    assert answer.status_code == 200
    body = strict_json(answer.text)
    assert body["sectors"]["gas"]["values"] == [None]
    assert body["sectors"]["total"]["sum"]["value"] is None


def test_an_area_over_all_periods_keeps_the_present_ones(regional):
    answer = regional.get("/areas?bbox=0,40,1,41&start=2022-P01&end=2022-P04")

    body = strict_json(answer.text)
    cells = 10 * 10  # 1 x 1 degree of 0.1 degree cells
    assert body["sectors"]["gas"]["values"] == [
        pytest.approx(cells * REGIONAL_T),
        None,
        None,
        pytest.approx(cells * REGIONAL_T),
    ]
