"""What a methanemap cube holds: sectors, variable names, units and CF attributes.

Each sector is one variable ``emission_<sector>`` of dims ``(time, lat, lon)``: the CH4
mass emitted in the grid cell during the 8-day period, in tonnes, stored as float32.
``emission_total`` is the sum of the sectors.
"""

SECTORS: tuple[str, ...] = ("coal", "oil", "gas")
TOTAL = "total"
EMISSION_UNITS = "t"
DIMS = ("time", "lat", "lon")

SECTOR_NAMES = {
    "coal": "coal mining (steam and coking coal)",
    "oil": "oil production (onshore and offshore)",
    "gas": "gas production, pipelines and LNG facilities",
    TOTAL: "coal, oil and gas together",
}


def variable(sector: str) -> str:
    """Name of the cube variable holding `sector`'s emissions."""
    return f"emission_{sector}"


def all_sectors() -> tuple[str, ...]:
    """The sectors and the total, in the order they are stored."""
    return (*SECTORS, TOTAL)


def variable_attrs(sector: str) -> dict[str, str]:
    """CF attributes of the emission variable of `sector`."""
    return {
        "units": EMISSION_UNITS,
        "long_name": f"CH4 emitted by {SECTOR_NAMES[sector]} in the cell during the "
        "8-day period",
        "cell_methods": "time: sum area: sum",
        "coverage_content_type": "modelResult",
        "sector": sector,
    }


COORD_ATTRS = {
    "lat": {
        "standard_name": "latitude",
        "long_name": "latitude of the cell centre",
        "units": "degrees_north",
        "axis": "Y",
    },
    "lon": {
        "standard_name": "longitude",
        "long_name": "longitude of the cell centre",
        "units": "degrees_east",
        "axis": "X",
    },
    "time": {
        "standard_name": "time",
        "long_name": "start of the 8-day period",
        "axis": "T",
        "bounds": "time_bnds",
    },
}
