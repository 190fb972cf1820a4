"""Dataset attributes of a cube: CF conventions and ACDD discovery metadata."""

from typing import Protocol

from methanemap import __version__
from methanemap.pipeline.periods import Period


class _Titled(Protocol):
    name: str
    title: str


def cube_attrs(
    recipe: _Titled, periods: list[Period], provenance: dict[str, str]
) -> dict[str, str | float]:
    """Global attributes of a cube built by `recipe` over `periods`.

    ``provenance`` adds what the cube was made from (inputs with their checksums,
    recipe, code version) and when (``date_created``, ``date_modified``).
    """
    return {
        "Conventions": "CF-1.11, ACDD-1.3",
        "title": recipe.title,
        "summary": (
            "Fossil-fuel CH4 emissions (coal mining, oil, gas) per 0.1 degree cell "
            "and 8-day period. National totals per sector are placed within each "
            "country on the locations of coal mines and oil and gas fields, and scaled "
            "in time by activity series."
        ),
        "keywords": "methane, CH4, emissions, coal, oil, gas, fossil fuel",
        "license": "CC-BY-4.0 for methanemap's work; each input keeps its own terms",
        "references": (
            "IEA Global Methane Tracker 2023; Global Energy Monitor trackers; "
            "Climate TRACE; Scarpelli et al. 2022, ACP 22, 3235 (GFEI method)"
        ),
        "creator_name": "methanemap",
        "creator_type": "group",
        "publisher_name": "methanemap",
        "institution": "methanemap",
        "product_version": __version__,
        "source": f"methanemap recipe {recipe.name!r}",
        "time_coverage_start": periods[0].start.isoformat(),
        "time_coverage_end": periods[-1].end.isoformat(),
        "time_coverage_duration": f"P{(periods[-1].end - periods[0].start).days}D",
        "time_coverage_resolution": "P8D",
        "geospatial_lat_min": -90.0,
        "geospatial_lat_max": 90.0,
        "geospatial_lon_min": -180.0,
        "geospatial_lon_max": 180.0,
        "geospatial_lat_units": "degrees_north",
        "geospatial_lon_units": "degrees_east",
        "geospatial_lat_resolution": "0.1 degree",
        "geospatial_lon_resolution": "0.1 degree",
        "geospatial_bounds": "POLYGON ((-180 -90, 180 -90, 180 90, -180 90, -180 -90))",
        "geospatial_bounds_crs": "EPSG:4326",
        "cdm_data_type": "Grid",
        "processing_level": "national inventory totals allocated to a grid",
        **provenance,
    }
