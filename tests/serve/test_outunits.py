"""Units of answers: masses, rates and fluxes converted by pint (FC-16)."""

import pytest

from methanemap.errors import QueryError
from methanemap.serve.outunits import parse_output_units

YEAR_S = 365 * 86_400.0
KM2 = 1e6


@pytest.mark.parametrize(
    ("units", "one_tonne"),
    [("t", 1.0), ("kg", 1e3), ("kt", 1e-3), ("Mt", 1e-6), ("Gg", 1e-3), ("Mg", 1.0)],
)
def test_masses_scale_tonnes(units, one_tonne):
    output = parse_output_units(units)
    assert output.kind == "mass"
    assert output.convert(2.0) == pytest.approx(2 * one_tonne)


def test_kt_is_the_kilotonne_not_the_knot():
    assert parse_output_units("kt").factor == pytest.approx(1e-3)
    assert parse_output_units("kt yr-1").convert(1e3, seconds=YEAR_S) == pytest.approx(
        1
    )


def test_a_flux_divides_by_area_and_time():
    # 1 t over 1 km2 in a (365-day) year is 1 t km-2 yr-1 = 3.1709792e-11 kg m-2 s-1.
    per_year = parse_output_units("t km-2 yr-1").convert(1.0, KM2, YEAR_S)
    per_second = parse_output_units("kg m-2 s-1").convert(1.0, KM2, YEAR_S)
    assert per_year == pytest.approx(1.0)
    assert per_second == pytest.approx(3.1709792e-11)
    assert parse_output_units("Mg km-2 a-1").convert(1.0, KM2, YEAR_S) == pytest.approx(
        1
    )


def test_moles_go_through_the_molar_mass_of_ch4():
    # FC-16 (d): 1e11 molecules cm-2 s-1 of CH4 is 2.6635e-11 kg m-2 s-1.
    mass_flux = 2.6635e-11 * 1e6 * YEAR_S / 1e3  # t per km2 per year
    molecules = parse_output_units("molecules cm-2 s-1").convert(mass_flux, KM2, YEAR_S)
    assert molecules == pytest.approx(1e11, rel=1e-3)


def test_a_flux_over_no_area_is_nan_not_an_error():
    value = parse_output_units("t km-2 yr-1").convert(1.0, 0.0, YEAR_S)
    assert value != value


@pytest.mark.parametrize("units", ["m", "abc", "kg/m2", "ppb", "", "K"])
def test_other_units_are_refused_naming_the_parameter(units):
    with pytest.raises(QueryError, match="units") as error:
        parse_output_units(units)
    assert error.value.parameter == "units"
