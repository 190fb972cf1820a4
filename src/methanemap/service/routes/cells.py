"""``GET /cells`` and ``GET /cells/history``: emission in the cell under a point, in one
period or period by period, as JSON or CSV.
"""

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from methanemap.serve.catalog import PeriodEntry
from methanemap.serve.cells import CellHistory, CellValues, cell_history, cell_values
from methanemap.service.answers import (
    CUBE_PROBLEMS,
    csv_answer,
    get_and_head,
    json_answer,
)
from methanemap.service.deps import FieldCacheDep, VersionedSnapshotDep
from methanemap.service.queryparams import (
    Format,
    Lat,
    Lon,
    Period,
    TimeSpanDep,
    Units,
)

router = APIRouter(tags=["cells"], responses=CUBE_PROBLEMS)

CSV = {"content": {"text/csv": {}}, "description": "The values, as JSON or CSV."}


@get_and_head(router, "/cells", response_model=CellValues, responses={200: CSV})
async def get_cell(
    snapshot: VersionedSnapshotDep,
    fields: FieldCacheDep,
    lat: Lat,
    lon: Lon,
    period: Period = None,
    units: Units = None,
    answer_format: Format = "json",
) -> Response:
    """Each sector's CH4 emission in the cell containing a point, in one period."""
    answer = await run_in_threadpool(
        cell_values, snapshot, lon, lat, period, units=units, cache=fields
    )
    if answer_format == "json":
        return json_answer(answer)

    sectors = list(answer["values"])
    columns = ["cell_id", "period", "start", "end"]
    row: list[object] = [answer["cell"]["id"], *_period_cells(answer["period"])]
    for sector, value in answer["values"].items():
        columns += [sector, f"{sector}_lower", f"{sector}_upper"]
        row += [value["value"], value.get("lower"), value.get("upper")]
    units_row = [answer["values"][s]["units"] for s in sectors]
    filename = f"cell-{answer['cell']['id']}-{answer['period']['id']}.csv"
    columns.append("units")
    row.append(units_row[0] if units_row else "")
    return csv_answer(answer["provenance"], columns, [row], filename)


@get_and_head(
    router, "/cells/history", response_model=CellHistory, responses={200: CSV}
)
async def get_cell_history(
    snapshot: VersionedSnapshotDep,
    lat: Lat,
    lon: Lon,
    span: TimeSpanDep,
    units: Units = None,
    answer_format: Format = "json",
) -> Response:
    """Each sector's CH4 emission in the cell containing a point, period by period."""
    answer = await run_in_threadpool(
        cell_history,
        snapshot,
        lon,
        lat,
        units=units,
        **span.args(),
    )
    if answer_format == "json":
        return json_answer(answer)
    return _history_csv(answer)


def _history_csv(answer: CellHistory) -> Response:
    series = answer["values"]
    columns = ["cell_id", "period", "start", "end"]
    for sector, one in series.items():
        columns += [sector] + (
            [f"{sector}_lower", f"{sector}_upper"] if "lower" in one else []
        )
    columns.append("units")
    units = next(iter(series.values()))["units"] if series else ""

    rows = []
    for i, period in enumerate(answer["periods"]):
        row: list[object] = [answer["cell"]["id"], *_period_cells(period)]
        for one in series.values():
            row.append(one["values"][i])
            if "lower" in one and "upper" in one:
                row += [one["lower"][i], one["upper"][i]]
        rows.append([*row, units])
    return csv_answer(
        answer["provenance"], columns, rows, f"cell-{answer['cell']['id']}.csv"
    )


def _period_cells(period: PeriodEntry) -> list[object]:
    return [period["id"], period["start"], period["end"]]
