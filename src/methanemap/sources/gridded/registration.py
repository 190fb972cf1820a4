"""Grid registration: whether a file's coordinates are cell centres or cell corners.

The answer comes, in this order, from CF bounds variables (they win), from the recipe's
``registration`` ("centre" or "corner": the south-west corner of each cell), from a
"centre of cell" note on the coordinate, and otherwise the coordinates are centres,
unless they look like corners: a latitude axis that runs from one pole to one step
short of the other cannot be centres, and is refused rather than guessed (FC-05).
"""

from collections.abc import Hashable, Mapping

import numpy as np
import xarray as xr

from methanemap.errors import InputFormatError, RecipeError
from methanemap.sources.gridded.axes import (
    TOLERANCE_DEG,
    Axis,
    FloatArray,
    exact_values,
)
from methanemap.sources.gridded.cells import cell_edges

REGISTRATIONS = ("centre", "corner")
_CENTRE_NOTES = ("comment", "notes", "note", "description", "long_name")


def centres(
    axis: Axis,
    kind: str,
    variables: Mapping[Hashable, xr.DataArray],
    registration: str | None,
    where: str,
) -> tuple[FloatArray, str]:
    """Cell-centre values of `axis` and how they were known.

    Parameters
    ----------
    axis
        The latitude or longitude axis as stored.
    kind
        "lat" or "lon".
    variables
        The file's variables, searched for the axis's CF bounds.
    registration
        "centre", "corner" (south-west corners) or None (decide from the file).
    """
    if registration is not None and registration not in REGISTRATIONS:
        raise RecipeError(
            f"registration {registration!r} is not one of {REGISTRATIONS} ({where})"
        )

    bounds = _bounds(axis, variables)
    if bounds is not None:
        found, how = _from_bounds(axis, bounds, where), "bounds"
    elif registration == "corner":
        found, how = axis.values + _step(axis, where) / 2, "corner"
    elif registration == "centre" or _noted_centre(axis):
        found, how = axis.values, "centre"
    else:
        if kind == "lat" and _corner_like(axis.values):
            raise InputFormatError(_ambiguous(axis, where))
        found, how = axis.values, "centre (assumed)"

    if kind == "lat":
        _check_latitudes(found, axis, where)
    return found, how


def _bounds(
    axis: Axis, variables: Mapping[Hashable, xr.DataArray]
) -> FloatArray | None:
    """The (n, 2) CF bounds of `axis`, by its ``bounds`` attribute or usual names."""
    named = axis.attrs.get("bounds")
    guesses = [named] if named else []
    guesses += [f"{axis.name}_bnds", f"{axis.name}_bounds", f"bounds_{axis.name}"]
    for name in guesses:
        var = variables.get(str(name))
        if var is not None and var.ndim == 2 and var.shape == (len(axis.values), 2):
            return exact_values(var)
    return None


def _from_bounds(axis: Axis, bounds: FloatArray, where: str) -> FloatArray:
    lower, upper = bounds.min(axis=1), bounds.max(axis=1)
    inside = (axis.values >= lower - TOLERANCE_DEG) & (
        axis.values <= upper + TOLERANCE_DEG
    )
    if not inside.all():
        raise InputFormatError(
            f"{where}: {axis.name!r} values lie outside their own bounds at "
            f"{int((~inside).sum())} cells; the bounds variable does not belong to them"
        )

    found: FloatArray = (lower + upper) / 2
    order = np.argsort(found)
    edges = np.append(lower[order], upper[order][-1])
    if not np.allclose(cell_edges(found[order]), edges, rtol=0, atol=1e-6):
        raise NotImplementedError(
            f"{where}: the cells of {axis.name!r} are not contiguous or their bounds "
            "are not midway between neighbouring centres (irregular cells with "
            "explicit bounds); methanemap regrids cells whose edges follow from centres"
        )
    return found


def _step(axis: Axis, where: str) -> float:
    steps = np.abs(np.diff(axis.values))
    if len(steps) == 0 or np.ptp(steps) > TOLERANCE_DEG * 10:
        raise InputFormatError(
            f"{where}: registration 'corner' needs a regular {axis.name!r} axis, "
            "but its "
            f"steps run from {steps.min():g} to {steps.max():g} degrees"
        )
    return float(np.median(steps))


def _noted_centre(axis: Axis) -> bool:
    notes = " ".join(str(axis.attrs.get(key, "")) for key in _CENTRE_NOTES).lower()
    return "centre" in notes or "center" in notes


def _corner_like(lat: FloatArray) -> bool:
    """Latitudes from one pole to one regular step short of the other."""
    steps = np.abs(np.diff(lat))
    if len(steps) == 0 or np.ptp(steps) > TOLERANCE_DEG * 10:
        return False

    low, high, step = lat.min(), lat.max(), float(np.median(steps))
    from_south = abs(low + 90) < TOLERANCE_DEG and abs(high - (90 - step)) < 1e-4
    from_north = abs(high - 90) < TOLERANCE_DEG and abs(low - (step - 90)) < 1e-4
    return bool(from_south or from_north)


def _ambiguous(axis: Axis, where: str) -> str:
    values = axis.values
    return (
        f"{where}: cannot tell centres from corners: {axis.name!r} runs "
        f"{values.min():g}..{values.max():g} in steps of "
        f"{abs(values[1] - values[0]):g} "
        "with no bounds variable, which cannot be cell centres; set registration="
        "'corner' (south-west corners) or 'centre' for this input in the recipe"
    )


def _check_latitudes(found: FloatArray, axis: Axis, where: str) -> None:
    if np.any(np.abs(found) > 90 + TOLERANCE_DEG):
        raise InputFormatError(
            f"{where}: cell-centre latitudes reach {np.abs(found).max():g}, beyond the "
            "poles; check the registration of this input"
        )
    if np.any(np.abs(found) > 90 - TOLERANCE_DEG):
        raise NotImplementedError(
            f"{where}: latitude {axis.name!r} has cells centred on a pole (half-size "
            "polar cells, GEOS-Chem or CESM style); methanemap does not read them yet"
        )
