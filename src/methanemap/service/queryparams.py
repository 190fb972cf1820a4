"""The parameters the data routes share, each described with examples for the OpenAPI
document, as `Annotated` types and dependencies; and the query limits of the settings.

Parsing and checking stay in `methanemap.serve` (the same for notebooks); these only
declare the parameters, with the cheap bounds FastAPI can check itself.
"""

from dataclasses import asdict, dataclass
from typing import Annotated, Literal, TypedDict, cast

from fastapi import Depends, Path, Query

from methanemap.serve.limits import Limits
from methanemap.serve.outunits import EXAMPLES
from methanemap.service.deps import SettingsDep

TextFormat = Literal["json", "csv"]

Lat = Annotated[
    float,
    Query(
        ge=-90,
        le=90,
        allow_inf_nan=False,
        description="Latitude of the point, degrees north (-90 to 90).",
        examples=[37.85],
    ),
]
Lon = Annotated[
    float,
    Query(
        ge=-180,
        le=180,
        allow_inf_nan=False,
        description="Longitude of the point, degrees east (-180 to 180; 180 is -180).",
        examples=[112.55],
    ),
]
Period = Annotated[
    str | None,
    Query(
        description="One period: an id like 2022-P05, or an ISO date inside it. When "
        "no time parameter is given: the latest period (a cell history: every one).",
        max_length=32,
        examples=["2022-P05", "2022-02-03"],
    ),
]
Start = Annotated[
    str | None,
    Query(
        description="First period of a range (id or ISO date, included); the cube's "
        "first period when only `end` is given.",
        max_length=32,
        examples=["2022-P01", "2022-01-01"],
    ),
]
End = Annotated[
    str | None,
    Query(
        description="Last period of a range (id or ISO date, included); the cube's "
        "last period when only `start` is given. Must not come before `start`.",
        max_length=32,
        examples=["2022-P46", "2022-12-31"],
    ),
]
Datetime = Annotated[
    str | None,
    Query(
        description="OGC API interval instead of period/start/end: an instant, "
        "`start/end`, `../end` or `start/..` (dates; each names its period).",
        max_length=80,
        examples=["2022-01-01/2022-12-31"],
    ),
]
Units = Annotated[
    str | None,
    Query(
        description="Units of the values: a mass per period (t, kg, kt, Mt), a rate "
        "(kt yr-1, kg s-1) or a flux per area (t km-2 yr-1, kg m-2 s-1); converted "
        "with pint, a year being 365 days. Default t.",
        max_length=40,
        examples=list(EXAMPLES),
    ),
]
Sector = Annotated[
    str | None,
    Query(
        description="coal, oil, gas or total; every sector when absent.",
        max_length=16,
        examples=["coal"],
    ),
]
OneSector = Annotated[
    str,
    Query(description="coal, oil, gas or total.", max_length=16, examples=["gas"]),
]
Bbox = Annotated[
    str,
    Query(
        description="west,south,east,north in degrees; west > east crosses the "
        "antimeridian.",
        max_length=120,
        examples=["110,34,115,41", "170,-20,-170,0"],
    ),
]
Format = Annotated[
    TextFormat,
    Query(
        alias="format",
        description="json, or csv (comment lines `# ...` name the cube version and "
        "inputs first).",
    ),
]
Limit = Annotated[
    int,
    Query(ge=1, le=1000, description="How many entries (1 to 1000).", examples=[10]),
]


VersionPath = Annotated[
    str,
    Path(
        description="A version id or release tag from /versions, or an ISO date (the "
        "version published then).",
        max_length=64,
    ),
]


class SpanArgs(TypedDict):
    """The time keywords of the `methanemap.serve` query functions."""

    period: str | None
    start: str | None
    end: str | None
    datetime: str | None


class SelectionArgs(SpanArgs):
    """The time, sector and units keywords of the `methanemap.serve` queries."""

    sector: str | None
    units: str | None


@dataclass(frozen=True)
class TimeSpan:
    """The periods a query names: one period, a start-end range or an OGC datetime."""

    period: str | None = None
    start: str | None = None
    end: str | None = None
    datetime: str | None = None

    def args(self) -> SpanArgs:
        """The keywords to pass to a `methanemap.serve` query function."""
        return cast(SpanArgs, asdict(self))


@dataclass(frozen=True)
class Selection(TimeSpan):
    """What a query reads: some periods of one sector (all when None), in some units."""

    sector: str | None = None
    units: str | None = None

    def args(self) -> SelectionArgs:
        """The keywords to pass to a `methanemap.serve` query function."""
        return cast(SelectionArgs, asdict(self))


async def time_span(
    period: Period = None,
    start: Start = None,
    end: End = None,
    datetime: Datetime = None,
) -> TimeSpan:
    """The time parameters of a request; `methanemap.serve` checks how they combine."""
    return TimeSpan(period, start, end, datetime)


TimeSpanDep = Annotated[TimeSpan, Depends(time_span)]


async def selection(
    span: TimeSpanDep, sector: Sector = None, units: Units = None
) -> Selection:
    """The periods, sector and units of a request that may name any sector."""
    return Selection(**span.args(), sector=sector, units=units)


SelectionDep = Annotated[Selection, Depends(selection)]


async def query_limits(settings: SettingsDep) -> Limits:
    """The query limits of the app's settings."""
    return Limits.from_settings(settings)


LimitsDep = Annotated[Limits, Depends(query_limits)]
