"""The query routes over HTTP on the synthetic cube: areas, cells as CSV, subsets, EDR;
bad input of every kind is a 4xx problem naming the field, never a 5xx; the OpenAPI
document describes every parameter with examples.
"""

import csv
import io

import numpy as np
import orjson
import pytest
import xarray as xr

from synthetic_cube import NE_CELL, NW_CELL, PERMIAN, SE_CELL, SHANXI, SW_CELL

pytestmark = pytest.mark.anyio

CORNER_BOX = "9.95,39.95,10.05,40.05"
CORNER_GAS = 0.25 * sum(
    c.values["gas"][0] for c in (NE_CELL, NW_CELL, SE_CELL, SW_CELL)
)
QUERY_PATHS = (
    "/cells",
    "/cells/history",
    "/areas",
    "/countries",
    "/countries/{iso3}",
    "/countries/{iso3}/reconciliation",
    "/reconciliation",
    "/rankings/countries",
    "/rankings/cells",
    "/subsets",
    "/edr/collections/{collectionId}/position",
    "/edr/collections/{collectionId}/area",
    "/edr/collections/{collectionId}/cube",
)


def square(west, south, east, north):
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


async def test_a_bbox_total_counts_cell_shares_and_names_its_version(client):
    response = await client.get(
        "/areas", params={"bbox": CORNER_BOX, "sector": "gas", "period": "2022-P01"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["sectors"]["gas"]["sum"]["value"] == pytest.approx(CORNER_GAS)
    assert body["version"] == response.headers["x-methanemap-version"]
    assert body["provenance"]["version"] == body["version"]
    assert body["method"] == "grid"


async def test_a_posted_polygon_gives_the_bbox_total(client):
    west, south, east, north = (float(v) for v in CORNER_BOX.split(","))
    response = await client.post(
        "/areas",
        params={"sector": "gas", "period": "2022-P01"},
        json={
            "type": "Feature",
            "properties": {},
            "geometry": square(west, south, east, north),
        },
    )
    assert response.status_code == 200
    assert response.json()["sectors"]["gas"]["sum"]["value"] == pytest.approx(
        CORNER_GAS
    )


async def test_a_range_sums_its_periods_and_units_convert(client):
    params = {"bbox": "-102.1,31.9,-102,32", "sector": "gas", "start": "2022-P01"}
    body = (await client.get("/areas", params=params)).json()
    assert body["sectors"]["gas"]["values"] == pytest.approx([10.0, 20.0, 30.0])
    assert body["sectors"]["gas"]["sum"]["value"] == pytest.approx(60.0)
    kg = (await client.get("/areas", params={**params, "units": "kg"})).json()
    assert kg["sectors"]["gas"]["sum"]["value"] == pytest.approx(60_000.0)


async def test_a_cell_answers_as_csv_with_its_provenance_first(client):
    response = await client.get(
        "/cells/history",
        params={"lat": PERMIAN.lat, "lon": PERMIAN.lon, "format": "csv"},
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0].startswith("# methanemap cube version ")
    rows = list(csv.DictReader(line for line in lines if not line.startswith("#")))
    assert [r["period"] for r in rows] == ["2022-P01", "2022-P02", "2022-P03"]
    assert [r["gas"] for r in rows] == ["10.0", "20.0", "30.0"]
    assert rows[1]["oil"] == ""  # missing data is an empty field
    single = await client.get(
        "/cells", params={"lat": SHANXI.lat, "lon": SHANXI.lon, "format": "csv"}
    )
    last = single.text.splitlines()[-1].split(",")
    assert "140.0" in last


async def test_a_cell_history_takes_a_range_and_a_flux(client):
    params = {
        "lat": SHANXI.lat,
        "lon": SHANXI.lon,
        "start": "2022-P02",
        "units": "t km-2 yr-1",
    }
    body = (await client.get("/cells/history", params=params)).json()
    area_km2 = 111.32 * 0.1 * np.cos(np.deg2rad(SHANXI.lat)) * 111.2 * 0.1
    expected = 130.25 / area_km2 * 365 / 8
    assert body["values"]["coal"]["values"][0] == pytest.approx(expected, rel=5e-3)
    assert body["values"]["coal"]["units"] == "t km-2 yr-1"


async def test_a_subset_downloads_as_netcdf(client, tmp_path):
    response = await client.get(
        "/subsets",
        params={"bbox": "112,37,113,38", "sector": "coal", "start": "2022-P01"},
    )

    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    path = tmp_path / "subset.nc"
    path.write_bytes(response.content)
    with xr.open_dataset(path) as ds:
        assert float(ds["emission_coal"].sum()) == pytest.approx(120.5 + 130.25 + 140.0)
        assert (
            ds.attrs["methanemap_cube_version"]
            == response.headers["x-methanemap-version"]
        )


async def test_a_subset_past_the_cap_is_a_413_problem(client_for, cube):
    async with client_for(store=cube, max_subset_bytes=1000) as client:
        response = await client.get("/subsets", params={"bbox": "0,0,10,10"})
    assert response.status_code == 413
    assert response.json()["parameter"] == "bbox"
    assert "limit of 1,000" in response.json()["detail"]


async def test_edr_position_and_cube_give_the_cube_values(client):
    base = "/edr/collections/emissions"
    position = await client.get(
        f"{base}/position",
        params={
            "coords": f"POINT({SHANXI.lon} {SHANXI.lat})",
            "parameter-name": "emission_coal",
        },
    )
    assert position.status_code == 200
    assert position.headers["content-type"] == "application/prs.coverage+json"
    coverage = position.json()
    assert coverage["domain"]["domainType"] == "PointSeries"
    assert coverage["ranges"]["emission_coal"]["values"] == [120.5, 130.25, 140.0]

    cube = await client.get(
        f"{base}/cube",
        params={
            "bbox": "112.5,37.8,112.7,37.9",
            "datetime": "2022-01-09",
            "parameter-name": "coal",
        },
    )
    grid = cube.json()
    assert grid["ranges"]["emission_coal"]["shape"] == [1, 1, 2]
    assert grid["ranges"]["emission_coal"]["values"] == [130.25, 0.0]
    for path in ("/edr", "/edr/conformance", "/edr/collections", base):
        assert (await client.get(path)).status_code == 200


async def test_edr_area_leaves_cells_outside_the_polygon_null(client):
    triangle = "POLYGON((112.5 37.8, 112.7 37.8, 112.5 37.9, 112.5 37.8))"
    response = await client.get(
        "/edr/collections/emissions/area",
        params={
            "coords": triangle,
            "datetime": "2022-01-01",
            "parameter-name": "emission_coal",
        },
    )
    assert response.status_code == 200
    values = response.json()["ranges"]["emission_coal"]["values"]
    assert values == [120.5, 0.0]  # both cells touched


BAD_REQUESTS = [
    ("GET", "/cells", {"lat": 91, "lon": 0}, None, 422, "lat"),
    ("GET", "/cells", {"lat": 0, "lon": "abc"}, None, 422, "lon"),
    ("GET", "/cells", {"lat": "NaN", "lon": 0}, None, 422, "lat"),
    ("GET", "/cells", {"lat": "1e309", "lon": 0}, None, 422, "lat"),
    ("GET", "/cells", {"lat": 0, "lon": 0, "units": "ppb"}, None, 422, "units"),
    ("GET", "/cells", {"lat": 0, "lon": 0, "format": "xml"}, None, 422, "format"),
    (
        "GET",
        "/cells/history",
        {"lat": 0, "lon": 0, "start": "2022-P03", "end": "2022-P01"},
        None,
        422,
        "end",
    ),
    (
        "GET",
        "/cells/history",
        {"lat": 0, "lon": 0, "datetime": "../.."},
        None,
        422,
        "datetime",
    ),
    (
        "GET",
        "/cells/history",
        {"lat": 0, "lon": 0, "start": "2031-01-01"},
        None,
        404,
        "start",
    ),
    ("GET", "/areas", {"bbox": "abc"}, None, 422, "bbox"),
    ("GET", "/areas", {"bbox": "0,0,0,1"}, None, 422, "bbox"),
    ("GET", "/areas", {"bbox": "0,10,1,5"}, None, 422, "bbox"),
    ("GET", "/areas", {"bbox": "0,0,1,1", "sector": "peat"}, None, 422, "sector"),
    ("GET", "/areas", {"bbox": "0,0,1,1", "period": "2022-P47"}, None, 422, "period"),
    ("GET", "/areas", {}, None, 422, "bbox"),
    ("POST", "/areas", {}, {"type": "Polygon", "coordinates": []}, 422, "geometry"),
    ("POST", "/areas", {}, square(0, 0, 0, 0), 422, "geometry"),
    (
        "POST",
        "/areas",
        {},
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
        422,
        "geometry",
    ),
    (
        "POST",
        "/areas",
        {},
        {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
        422,
        "geometry",
    ),
    ("POST", "/areas", {}, [1, 2, 3], 422, "geometry"),
    ("GET", "/countries/ZZZ", {}, None, 501, None),
    ("GET", "/countries/1A", {}, None, 422, "iso3"),
    ("GET", "/rankings/cells", {"limit": 0}, None, 422, "limit"),
    ("GET", "/rankings/cells", {"sector": "x"}, None, 422, "sector"),
    ("GET", "/subsets", {"bbox": "0,0,1,1", "format": "tiff"}, None, 422, "format"),
    (
        "GET",
        "/edr/collections/other/cube",
        {"bbox": "0,0,1,1"},
        None,
        404,
        "collectionId",
    ),
    (
        "GET",
        "/edr/collections/emissions/position",
        {"coords": "POINT(abc)"},
        None,
        422,
        "coords",
    ),
    (
        "GET",
        "/edr/collections/emissions/position",
        {"coords": "POINT(0 95)"},
        None,
        422,
        "lat",
    ),
    (
        "GET",
        "/edr/collections/emissions/area",
        {"coords": "POINT(0 0)"},
        None,
        422,
        "coords",
    ),
    (
        "GET",
        "/edr/collections/emissions/cube",
        {"bbox": "0,0,1,1", "f": "GeoTIFF"},
        None,
        422,
        "f",
    ),
    (
        "GET",
        "/edr/collections/emissions/cube",
        {"bbox": "0,0,1,1", "parameter-name": "x"},
        None,
        422,
        "parameter-name",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "params", "body", "status", "field"),
    BAD_REQUESTS,
    ids=[f"{m} {p} {sorted(q.items())}" for m, p, q, *_ in BAD_REQUESTS],
)
async def test_bad_input_is_a_4xx_problem_naming_the_field(
    client, method, path, params, body, status, field
):
    content = None if body is None else orjson.dumps(body)
    response = await client.request(method, path, params=params, content=content)

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    if field is not None:
        assert response.json()["parameter"] == field


async def test_a_million_vertex_polygon_is_refused_before_parsing(client):
    ring = np.zeros((1_000_001, 2))
    body = orjson.dumps({"type": "Polygon", "coordinates": [ring.tolist()]})
    response = await client.post("/areas", content=body)
    assert response.status_code == 413
    assert response.json()["parameter"] == "geometry"


async def test_the_vertex_limit_is_a_setting(client_for, cube):
    ring = [[np.cos(a), np.sin(a)] for a in np.linspace(0, 6.28, 50)] + [[1.0, 0.0]]
    ring[0] = [1.0, 0.0]
    async with client_for(store=cube, max_polygon_vertices=10) as client:
        response = await client.post(
            "/areas", json={"type": "Polygon", "coordinates": [ring]}
        )
    assert response.status_code == 413
    assert "limit of 10" in response.json()["detail"]


async def test_every_query_parameter_is_described_with_examples(client):
    document = (await client.get("/openapi.json")).json()
    for path in QUERY_PATHS:
        operation = (
            document["paths"][path].get("get") or document["paths"][path]["post"]
        )
        for parameter in operation.get("parameters", []):
            name = parameter["name"]
            assert parameter.get("description"), (path, name)
            if name == "version":
                continue  # the versions routes' shared parameter
            schema = parameter.get("schema", {})
            has_example = "examples" in parameter or "examples" in schema
            enum = "enum" in schema or any("enum" in s for s in schema.get("anyOf", []))
            assert has_example or enum, (path, name)
    body = document["paths"]["/areas"]["post"]["requestBody"]["content"]
    assert body["application/geo+json"]["examples"]


async def test_csv_cells_read_back_in_pandas_style(client):
    response = await client.get(
        "/cells",
        params={
            "lat": SHANXI.lat,
            "lon": SHANXI.lon,
            "period": "2022-P02",
            "format": "csv",
        },
    )
    rows = list(csv.reader(io.StringIO(response.text)))
    header = next(r for r in rows if not r[0].startswith("#"))
    values = dict(zip(header, rows[-1], strict=True))
    assert values["coal"] == "130.25" and values["units"] == "t"


async def test_top_cells_of_a_cube_without_attribution_read_the_grid(client):
    response = await client.get(
        "/rankings/cells", params={"sector": "coal", "start": "2022-P01", "limit": 2}
    )

    assert response.status_code == 200
    body = response.json()
    best = body["cells"][0]
    assert (best["cell"]["row"], best["cell"]["col"]) == (SHANXI.row, SHANXI.col)
    assert best["value"] == pytest.approx(120.5 + 130.25 + 140.0)
    assert body["method"] == "grid" and best["lower"] is None
