"""``/countries``, ``/countries/{iso3}``, ``/countries/{iso3}/reconciliation`` and
``/reconciliation``: country totals, geographic and attributed, beside the national
totals that drove them.
"""

from typing import Annotated

from fastapi import APIRouter, Path, Response
from starlette.concurrency import run_in_threadpool

from methanemap.serve.countries import CountryList, list_countries
from methanemap.serve.national import (
    CountryTotals,
    Reconciliation,
    country_totals,
    reconciliation,
)
from methanemap.serve.nationaltable import ReconciliationTable, reconciliation_table
from methanemap.service.answers import (
    CUBE_PROBLEMS,
    csv_answer,
    json_answer,
    problems,
)
from methanemap.service.deps import VersionedSnapshotDep
from methanemap.service.queryparams import (
    Format,
    OneSector,
    SelectionDep,
    TimeSpanDep,
    Units,
)

# Country answers need the attribution that older cube layouts lack (501).
router = APIRouter(tags=["countries"], responses={**CUBE_PROBLEMS, **problems(501)})

Iso3 = Annotated[
    str,
    Path(
        description="ISO 3166-1 alpha-3 code of the country (any case).",
        max_length=8,
        examples=["CHN", "usa"],
    ),
]
CSV = {"content": {"text/csv": {}}, "description": "The table, as JSON or CSV."}


@router.get("/countries", response_model=CountryList)
async def get_countries(snapshot: VersionedSnapshotDep) -> Response:
    """Every country of the cube's boundaries: code, name, area, allocation units."""
    return json_answer(await run_in_threadpool(list_countries, snapshot))


@router.get("/countries/{iso3}", response_model=CountryTotals)
async def get_country(
    snapshot: VersionedSnapshotDep,
    iso3: Iso3,
    selection: SelectionDep,
) -> Response:
    """A country's CH4 per sector and period, geographic and attributed."""
    answer = await run_in_threadpool(country_totals, snapshot, iso3, **selection.args())
    return json_answer(answer)


@router.get("/countries/{iso3}/reconciliation", response_model=Reconciliation)
async def get_country_reconciliation(
    snapshot: VersionedSnapshotDep,
    iso3: Iso3,
    selection: SelectionDep,
) -> Response:
    """A country's national, attributed and geographic totals and their differences."""
    answer = await run_in_threadpool(reconciliation, snapshot, iso3, **selection.args())
    return json_answer(answer)


@router.get("/reconciliation", response_model=ReconciliationTable, responses={200: CSV})
async def get_reconciliation_table(
    snapshot: VersionedSnapshotDep,
    span: TimeSpanDep,
    sector: OneSector = "total",
    units: Units = None,
    answer_format: Format = "json",
) -> Response:
    """Every country, group, offshore and the world: national beside cube totals."""
    table = await run_in_threadpool(
        reconciliation_table,
        snapshot,
        sector=sector,
        units=units,
        **span.args(),
    )
    if answer_format == "json":
        return json_answer(table)

    columns = list(table["rows"][0]) if table["rows"] else []
    rows = [[row[c] for c in columns] for row in table["rows"]]  # type: ignore[literal-required]
    periods = f"{table['periods'][0]['id']}_{table['periods'][-1]['id']}"
    return csv_answer(
        table["provenance"],
        [*columns, "units"],
        [[*r, table["units"]] for r in rows],
        f"reconciliation-{table['sector']}-{periods}.csv",
    )
