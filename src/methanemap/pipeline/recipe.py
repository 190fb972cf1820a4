"""Pipeline recipes: which inputs build a cube, and for which years (ingest/*.toml).

Inputs are registry names; a recipe may also name files of its own (a regional
inventory's ``path``, an ``[[activity]]`` CSV), relative to the recipe file.
"""

import tomllib
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from methanemap.errors import MissingInputError, RecipeError
from methanemap.sources.activity import read_activity_csv
from methanemap.sources.registry import inputs


class RecipeInputs(BaseModel):
    """Registry names of the inputs a recipe reads."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    national_totals: str = "iea_methane_tracker"
    boundaries: str = "naturalearth_50m"
    coal_activity: str = "climatetrace_coal_country"
    oil_gas_activity: str = "climatetrace_oil_gas_country"
    coal_assets: str = "climatetrace_coal_assets"
    coal_mines: str = "gem_coal_mines"
    oil_gas_fields: str = "gem_oil_gas_fields"
    gas_infrastructure: str = "gem_gas_infrastructure"
    flares: str = "viirs_flares_2017"
    us_oil_monthly: str = "eia_us_crude_monthly"

    @model_validator(mode="after")
    def _known(self) -> "RecipeInputs":
        unknown = {v for v in self.model_dump().values() if v not in inputs()}
        if unknown:
            raise ValueError(f"inputs not in the registry: {sorted(unknown)}")
        return self


class RegionalInventory(BaseModel):
    """A gridded inventory that places some sectors inside a region (a hierarchy).

    The file is a registered input (`input`) or a file of the user's own (`path`,
    relative to the recipe file), checksummed into the cube's provenance.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    input: str | None = None
    path: Path | None = None
    name: str | None = None
    units: str | None = None
    region: list[str] = Field(min_length=1)
    sectors: list[Literal["coal", "oil", "gas"]] = Field(min_length=1)
    variable: str | None = None
    time: int | str | None = None
    registration: Literal["centre", "corner"] | None = None
    crs: str | None = None

    @model_validator(mode="after")
    def _known(self) -> "RegionalInventory":
        if (self.input is None) == (self.path is None):
            raise ValueError("give an inventory either `input` or `path`, not both")
        if self.input is not None and self.input not in inputs():
            raise ValueError(f"inventory input {self.input!r} is not in the registry")
        return self

    @property
    def label(self) -> str:
        """The inventory's name in patterns and provenance."""
        return self.name or self.input or Path(str(self.path)).stem


class ActivityFile(BaseModel):
    """A user's own activity series (CSV) that scales one sector from year to year.

    It replaces the recipe's activity input for that sector; see
    `methanemap.sources.activity.read_activity_csv` for the file's form.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    sector: Literal["coal", "oil", "gas"]
    path: Path
    value: str
    encoding: str = "utf-8"


class Recipe(BaseModel):
    """How to build one cube."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "default"
    title: str = "methanemap fossil CH4 emissions"
    years: list[int] = Field(default=[2022], min_length=1)

    @model_validator(mode="after")
    def _sorted_years(self) -> "Recipe":
        if len(set(self.years)) != len(self.years):
            raise ValueError(f"years {self.years} repeat a year")
        return self

    base_year: int = 2022
    inputs: RecipeInputs = RecipeInputs()
    inventories: list[RegionalInventory] = []
    activity: list[ActivityFile] = []

    @model_validator(mode="after")
    def _one_activity_per_sector(self) -> "Recipe":
        sectors = [a.sector for a in self.activity]
        if len(set(sectors)) != len(sectors):
            raise ValueError(f"activity files name a sector twice: {sectors}")
        return self

    @model_validator(mode="after")
    def _years(self) -> "Recipe":
        bad = [y for y in self.years if not 2015 <= y <= 2022]
        if bad:
            raise ValueError(
                f"years {bad} lie outside 2015-2022, the span of the activity series"
            )
        return self


def load_recipe(path: Path) -> Recipe:
    """Read and check a recipe file."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise RecipeError(f"recipe file {path} does not exist") from None
    except OSError as exc:
        raise RecipeError(f"recipe {path} cannot be read: {exc.strerror}") from None
    try:
        recipe = Recipe.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise RecipeError(f"recipe {path} is not valid TOML: {exc}") from None
    except ValidationError as exc:
        raise RecipeError(f"recipe {path} is invalid: {_brief(exc)}") from None
    return _relative_to(recipe, path.resolve().parent)


def _relative_to(recipe: Recipe, folder: Path) -> Recipe:
    """`recipe` with the paths of its own files taken from `folder` when relative."""
    inventories = [
        i if i.path is None else i.model_copy(update={"path": folder / i.path})
        for i in recipe.inventories
    ]
    activity = [a.model_copy(update={"path": folder / a.path}) for a in recipe.activity]
    return recipe.model_copy(update={"inventories": inventories, "activity": activity})


def read_activity_files(recipe: Recipe) -> dict[str, pd.DataFrame]:
    """The recipe's own activity series by sector: columns ``iso3, year, value``."""
    series: dict[str, pd.DataFrame] = {}
    for spec in recipe.activity:
        if not spec.path.is_file():
            raise MissingInputError(f"activity file {spec.path} does not exist")
        series[spec.sector] = read_activity_csv(spec.path, spec.value, spec.encoding)
    return series


def recipe_files(recipe: Recipe) -> dict[str, Path]:
    """The recipe's own (unregistered) files by the name provenance gives them."""
    own = {f"file:{i.path}": Path(i.path) for i in recipe.inventories if i.path}
    own.update({f"file:{a.path}": a.path for a in recipe.activity})
    return own


def with_years(recipe: Recipe, years: list[int]) -> Recipe:
    """`recipe` for other years, checked like a recipe file."""
    try:
        return Recipe.model_validate({**recipe.model_dump(), "years": years})
    except ValidationError as exc:
        raise RecipeError(f"--years {years}: {_brief(exc)}") from None


def _brief(exc: ValidationError) -> str:
    """A pydantic error as one line: each problem with where it is."""
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'recipe'}: "
        + err["msg"].removeprefix("Value error, ")
        for err in exc.errors()
    )


def default_recipe() -> Recipe:
    """The default recipe: ingest/default.toml in a checkout, else the built-in one."""
    path = Path(__file__).resolve().parents[3] / "ingest" / "default.toml"
    return load_recipe(path) if path.is_file() else Recipe()
