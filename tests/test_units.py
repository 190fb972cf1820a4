"""The units registry: CF spellings, a 365-day year, CH4 moles, refusals (FC-16)."""

import pytest

from methanemap.errors import UnitsError
from methanemap.units import (
    CH4_MOLAR_MASS,
    SECONDS_PER_YEAR,
    Quantity,
    parse_emission_units,
    parse_quantity,
)


def test_a_year_is_365_days():
    assert SECONDS_PER_YEAR == 31_536_000
    for spelling in ("a", "yr", "year", "annum"):
        assert Quantity(1, spelling).to("day").magnitude == pytest.approx(365)


def test_kg_m2_s_in_gfei_units():
    factor = parse_emission_units("Mg km-2 a-1", "test").factor
    assert 1 / factor == pytest.approx(3.1536e10, rel=1e-12)


def test_molecules_and_moles_of_ch4():
    assert CH4_MOLAR_MASS.to("g/mol").magnitude == 16.04
    molecules = parse_emission_units("molecules cm-2 s-1", "test")
    assert 1e11 * molecules.factor == pytest.approx(2.6635e-11, rel=1e-4)
    assert molecules.via_molar_mass and not molecules.per_cell
    assert parse_emission_units("mol m-2 s-1", "test").factor == pytest.approx(0.01604)


@pytest.mark.parametrize(
    "spelling",
    ["kg m-2 s-1", "kg/m2/s", "kg m**-2 s**-1", "kg CH4 m-2 s-1", "kg(CH4)/m^2/s"],
)
def test_flux_spellings(spelling):
    assert parse_emission_units(spelling, "test").factor == pytest.approx(1.0)


@pytest.mark.parametrize("spelling", ["kg/cell/yr", "kg per cell per year", "t a-1"])
def test_mass_per_cell(spelling):
    parsed = parse_emission_units(spelling, "test")
    assert parsed.per_cell
    scale = 1000 if spelling == "t a-1" else 1
    assert parsed.factor * SECONDS_PER_YEAR == pytest.approx(scale)


@pytest.mark.parametrize(
    ("spelling", "message"),
    [
        ("ppb", "not an emission flux unit"),
        ("kg m-2", "not an emission flux unit"),
        ("kg/m2/month", "per month, which has no fixed length"),
        ("bananas m-2 s-1", "not understood"),
    ],
)
def test_refused(spelling, message):
    with pytest.raises(
        UnitsError, match=f"grid.nc:flux: units '{spelling}'.*{message}"
    ):
        parse_emission_units(spelling, "grid.nc:flux")


def test_quantities_with_exponents_in_the_number():
    assert parse_quantity("   3.65667e+011 kg/year").to(
        "Tg/a"
    ).magnitude == pytest.approx(365.667)
    with pytest.raises(UnitsError, match="cannot read 'kg' as a quantity"):
        parse_quantity("kg")
