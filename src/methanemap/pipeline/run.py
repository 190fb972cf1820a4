"""The ingest job: recipe in, allocation and lazy cube out (`publish` writes them)."""

import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import xarray as xr

from methanemap import __version__
from methanemap.grid import CANONICAL
from methanemap.pipeline.activity import (
    FloatArray,
    monthly_shape,
    period_weights,
    unit_factors,
)
from methanemap.pipeline.allocate import allocate
from methanemap.pipeline.attribution import (
    attribution_dataset,
    countries_dataset,
    provisional_flags,
    relative_uncertainty,
)
from methanemap.pipeline.countries import country_coverage
from methanemap.pipeline.cube import build_cube, sector_patterns
from methanemap.pipeline.hierarchy import read_recipe_inventory, regional_pattern
from methanemap.pipeline.periods import Period, periods_of_years
from methanemap.pipeline.pipelines import lng_points, pipeline_points
from methanemap.pipeline.proxies import (
    BLENDS,
    FIELDS,
    coal_points,
    field_points,
    flare_points,
)
from methanemap.pipeline.recipe import (
    Recipe,
    RegionalInventory,
    read_activity_files,
    recipe_files,
)
from methanemap.sources import climatetrace, countries, eia, gem, iea, viirs
from methanemap.sources.registry import fetch, file_sha256, get_input
from methanemap.store.metadata import cube_attrs

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Allocation:
    """Everything the cube is built from, kept for checks and reports."""

    units: pd.DataFrame
    pattern: pd.DataFrame
    factors: pd.DataFrame
    periods: list[Period]
    weights: pd.DataFrame
    coverage: pd.DataFrame
    boundaries: gpd.GeoDataFrame


def prepare(recipe: Recipe, progress: Progress = lambda _: None) -> Allocation:
    """Read the recipe's inputs and allocate its national totals (no cube yet)."""
    names = recipe.inputs
    # The recipe's own files are read first, so a bad one stops the run at once.
    own_files = "read the recipe's gridded inventories and activity files"
    with _step(own_files, progress) as sizes:
        inventories = [read_recipe_inventory(spec) for spec in recipe.inventories]
        own_activity = read_activity_files(recipe)
        sizes.update(inventories=len(inventories), activity_series=len(own_activity))
    with _step("read national totals and boundaries", progress) as sizes:
        totals = iea.read_national_totals(fetch(names.national_totals))
        boundaries = countries.read_boundaries(fetch(names.boundaries))
        units = allocation_units(totals)
        sizes.update(rows=len(totals), units=len(units), countries=len(boundaries))
    with _step("read infrastructure proxies", progress) as sizes:
        points = read_proxies(recipe, boundaries)
        sizes.update({f"points_{kind}": len(frame) for kind, frame in points.items()})
    with _step("allocate national totals on the 0.1 degree grid", progress) as sizes:
        coverage = country_coverage(boundaries)
        pattern = allocate(units, points, coverage, blends=BLENDS)
        sizes.update(_pattern_sizes(pattern))
    for spec, field_t in zip(recipe.inventories, inventories, strict=True):
        place = f"place {'/'.join(spec.sectors)} by {spec.label}"
        with _step(place, progress) as sizes:
            pattern = apply_inventory(pattern, spec, field_t, units, coverage)
            sizes.update(_pattern_sizes(pattern))
    with _step("read activity series and scale by year", progress) as sizes:
        coal = climatetrace.read_country_series(fetch(names.coal_activity))
        oil_gas = climatetrace.read_country_series(fetch(names.oil_gas_activity))
        series = {
            "coal": coal.rename(columns={"emission_t": "value"}),
            "oil": oil_gas.rename(columns={"emission_t": "value"}),
            "gas": oil_gas.rename(columns={"emission_t": "value"}),
            **own_activity,
        }
        factors = unit_factors(units, series, recipe.base_year, recipe.years)
        periods = periods_of_years(recipe.years)
        weights = period_weights(factors, periods, read_shapes(recipe, periods))
        sizes.update(rows=len(factors), years=len(recipe.years), periods=len(periods))
    return Allocation(units, pattern, factors, periods, weights, coverage, boundaries)


def read_shapes(
    recipe: Recipe, periods: list[Period]
) -> dict[tuple[str, str], FloatArray]:
    """Within-year shapes of the units with monthly activity (US oil)."""
    monthly = eia.read_monthly(fetch(recipe.inputs.us_oil_monthly))
    return {("USA", "oil"): monthly_shape(monthly, periods)}


@dataclass(frozen=True)
class Built:
    """A lazy cube and the attribution it was built from, ready to publish."""

    cube: xr.Dataset
    attribution: xr.Dataset
    countries: xr.Dataset

    def groups(self) -> dict[str, xr.Dataset]:
        """The groups stored beside the cube, by name."""
        return {"attribution": self.attribution, "countries": self.countries}


def build(recipe: Recipe, allocation: Allocation, started: datetime) -> Built:
    """The lazy cube of an allocation, with uncertainty, status and provenance."""
    periods = allocation.periods
    patterns = sector_patterns(
        allocation.pattern, allocation.weights, len(periods), CANONICAL
    )
    attrs = cube_attrs(recipe, periods, provenance(recipe, started))
    cube = build_cube(patterns, periods, attrs=attrs)

    for sector, field in relative_uncertainty(patterns).items():
        cube[f"relative_uncertainty_{sector}"] = (("lat", "lon"), field, _REL_ATTRS)
    flags = provisional_flags(
        periods, allocation.factors, allocation.units, started.date()
    )
    cube["provisional"] = ("time", flags, _PROVISIONAL_ATTRS)
    attribution = attribution_dataset(patterns, allocation.units, periods)
    countries_ = countries_dataset(allocation.coverage, allocation.boundaries)
    return Built(cube=cube, attribution=attribution, countries=countries_)


_REL_ATTRS = {
    "long_name": "relative 1-sigma uncertainty of the cell's emission",
    "units": "1",
    "comment": "rule and correlation assumption: methanemap.uncertainty",
}
_PROVISIONAL_ATTRS = {
    "long_name": "whether the period is provisional",
    "flag_values": np.array([0, 1], dtype=np.int8),
    "flag_meanings": "final provisional",
    "comment": "rule: methanemap.pipeline.attribution.provisional_flags",
}


WORLD_RESIDUAL = "World residual"
UNIT_COLUMNS = ["unit", "members", "sector", "subsector", "emission_t"]


def read_proxies(
    recipe: Recipe, boundaries: gpd.GeoDataFrame
) -> dict[str, pd.DataFrame]:
    """Proxy points of every sub-sector (see `methanemap.pipeline.proxies`)."""
    names = recipe.inputs
    fields = gem.read_oil_gas_fields(fetch(names.oil_gas_fields))
    infrastructure = gem.read_gas_infrastructure(fetch(names.gas_infrastructure))
    coal = coal_points(
        climatetrace.read_coal_assets(fetch(names.coal_assets)),
        gem.read_coal_mines(fetch(names.coal_mines)),
    )
    oil = [
        field_points(fields, "oil_mbbl", FIELDS),
        flare_points(viirs.read_flares(fetch(names.flares))),
    ]
    transport = [
        pipeline_points(infrastructure, boundaries),
        lng_points(infrastructure),
    ]
    return {
        "coal": coal,
        "oil": pd.concat(oil, ignore_index=True),
        "gas_production": field_points(fields, "gas_mm3", FIELDS),
        "gas_transport": pd.concat(transport, ignore_index=True),
    }


def apply_inventory(
    pattern: pd.DataFrame,
    spec: RegionalInventory,
    field_t: xr.DataArray,
    units: pd.DataFrame,
    coverage: pd.DataFrame,
) -> pd.DataFrame:
    """`pattern` with a regional gridded inventory (`field_t`, as
    `read_recipe_inventory` gives it) placing its sectors in its region."""
    members = dict(zip(units["unit"], units["members"], strict=True))
    for sector in spec.sectors:
        pattern = regional_pattern(
            pattern, field_t, set(spec.region), coverage, sector, members=members
        )
    return pattern


def allocation_units(totals: pd.DataFrame) -> pd.DataFrame:
    """Countries and remainder groups of a national table, each with its members.

    The table's World row exceeds the sum of its country and remainder rows (by 1.5 %
    for coal in the IEA 2022 table). That residual becomes one more unit, placed on
    the countries no row names, like the table's own "Other" group, so that the cube's
    world total is the table's and every listed country keeps its own figure.
    """
    listed = set(totals.loc[totals["kind"] == "country", "iso3"])
    countries_ = totals[totals["kind"] == "country"].assign(
        unit=lambda f: f["iso3"], members=lambda f: [(iso,) for iso in f["iso3"]]
    )
    groups = totals[totals["kind"] == "remainder"].assign(
        unit=lambda f: f["entity"],
        members=lambda f: [
            tuple(iea.remainder_members(e, listed)) for e in f["entity"]
        ],
    )
    units = pd.concat([countries_, groups], ignore_index=True)
    units = pd.concat(
        [units, _world_residual(totals, units, listed)], ignore_index=True
    )
    return units[UNIT_COLUMNS]


def _world_residual(
    totals: pd.DataFrame, units: pd.DataFrame, listed: set[str]
) -> pd.DataFrame:
    keys = ["sector", "subsector"]
    world = totals[totals["kind"] == "world"].groupby(keys)["emission_t"].sum()
    residual = world - units.groupby(keys)["emission_t"].sum()
    members = tuple(iea.remainder_members("Other", listed))
    rows = [
        {
            "unit": WORLD_RESIDUAL,
            "members": members,
            "sector": sector,
            "subsector": subsector,
            "emission_t": tonnes,
        }
        for (sector, subsector), tonnes in residual.items()
        if tonnes > 0
    ]
    return pd.DataFrame(rows, columns=UNIT_COLUMNS)


def provenance(recipe: Recipe, started: datetime) -> dict[str, str]:
    """What the cube was made from: inputs with checksums, activity vintages, code."""
    names = recipe.inputs
    registered = [i.input for i in recipe.inventories if i.input]
    read = [*names.model_dump().values(), *registered]
    used = {
        name: {"sha256": get_input(name).sha256, "url": get_input(name).url}
        for name in read
    }
    for name, path in recipe_files(recipe).items():
        used[name] = {"sha256": file_sha256(path), "url": path.resolve().as_uri()}
    activity = (names.coal_activity, names.oil_gas_activity, names.us_oil_monthly)
    vintages = {name: get_input(name).publisher for name in activity}
    return {
        "methanemap_version": __version__,
        "methanemap_recipe": recipe.model_dump_json(),
        "methanemap_inputs": json.dumps(used, sort_keys=True),
        "methanemap_activity_vintages": json.dumps(vintages, sort_keys=True),
        "date_created": started.isoformat(timespec="seconds"),
        "history": f"{started:%Y-%m-%d} methanemap {__version__} ingest {recipe.name}",
    }


def _pattern_sizes(pattern: pd.DataFrame) -> dict[str, int]:
    """Rows of an allocation pattern and the grid cells they touch."""
    cells = pattern[["row", "col"]].drop_duplicates()
    return {"rows": len(pattern), "cells": len(cells)}


@contextmanager
def _step(name: str, progress: Progress) -> Iterator[dict[str, int]]:
    """Time one ingest step and log it once, with the sizes the step puts in the
    dict it is given (rows read, cells, periods...)."""
    progress(name)
    sizes: dict[str, int] = {}
    started = time.perf_counter()
    yield sizes
    seconds = time.perf_counter() - started
    log.info(
        "%s: %.1f s, %s",
        name,
        seconds,
        ", ".join(f"{key} {value:,}" for key, value in sizes.items()) or "no sizes",
        extra={"step": name, "duration_s": round(seconds, 3), **sizes},
    )
