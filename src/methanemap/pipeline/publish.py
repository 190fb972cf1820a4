"""Publishing the cube: `ingest` lays it out afresh, `update` brings it up to date.

Both read the recipe's inputs (`prepare`), fingerprint every period, write only what
changed on a work branch as one commit, read that commit back to validate it, and only
then publish it (`methanemap.store.transaction`). A run that finds nothing to change
commits nothing.
"""

import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import xarray as xr

from methanemap import __version__
from methanemap.errors import CubeNotFoundError
from methanemap.pipeline.fingerprint import expected_totals, period_fingerprints
from methanemap.pipeline.plan import (
    Plan,
    plan_change,
    ranges,
    years_to_build,
)
from methanemap.pipeline.recipe import Recipe, with_years
from methanemap.pipeline.run import Progress, build, prepare
from methanemap.store import CubeSnapshot, open_cube
from methanemap.store.change import Change, apply_change
from methanemap.store.layout import LAYOUT_ATTR, LAYOUT_VERSION, gridded
from methanemap.store.transaction import tag_release

log = logging.getLogger(__name__)

#: Attributes that change with every write and so say nothing about the data.
VOLATILE_ATTRS = ("date_created", "date_modified", "history")


@dataclass(frozen=True)
class Outcome:
    """What one run of `ingest` or `update` did.

    Attributes
    ----------
    version
        The published version after the run (the same as before if nothing changed).
    published
        Whether the run published a new version.
    plan
        The periods added, revised and removed.
    message
        The commit message (what a new version says about itself).
    seconds
        How long the run took.
    """

    version: str
    published: bool
    plan: Plan
    message: str
    seconds: float


def ingest(
    recipe: Recipe,
    store: str,
    progress: Progress = lambda _: None,
    tag: str | None = None,
) -> Outcome:
    """Build the cube of `recipe`'s years afresh and publish it at `store`."""
    return _change(recipe, store, progress, replace=True, tag=tag)


def update(
    recipe: Recipe,
    store: str,
    progress: Progress = lambda _: None,
    tag: str | None = None,
) -> Outcome:
    """Bring the cube at `store` up to date with `recipe`'s inputs.

    Adds the recipe's years the cube lacks (before or after its own), rewrites the
    periods whose fingerprint changed, and publishes the result as one new version;
    with nothing to change, publishes nothing. `tag` names the resulting version.

    Raises
    ------
    RecipeError
        If the years would leave a gap in the time axis.
    ValidationError
        If the new version fails a check (nothing is published).
    """
    return _change(recipe, store, progress, replace=False, tag=tag)


def _change(
    recipe: Recipe, store: str, progress: Progress, *, replace: bool, tag: str | None
) -> Outcome:
    started, now = time.perf_counter(), datetime.now(UTC)
    cube = _published(store)
    years = years_to_build(recipe.years, cube, replace)
    recipe = with_years(recipe, years)
    allocation = prepare(recipe, progress)

    planning, periods = time.perf_counter(), allocation.periods
    fingerprints = period_fingerprints(allocation, periods)
    built = build(recipe, allocation, now)
    new = built.cube.assign_attrs(_dates(built.cube.attrs, cube, replace, now))
    plan = plan_change(cube, new, periods, fingerprints, replace)
    _log_plan(plan, new, time.perf_counter() - planning)
    others = changed_others(cube, new) if cube and not plan.changes_data else []
    message = describe(recipe.name, plan, others, cube, new.attrs, replace)

    if cube is not None and not (plan.changes_data or others or _new_attrs(cube, new)):
        log.info("cube %s at %s is up to date", cube.version, store)
        version, published = cube.version, False
    else:
        new.attrs["history"] = _history(
            cube, replace, f"{now:%Y-%m-%dT%H:%M:%SZ} {message}"
        )
        change = Change(
            cube=new,
            rewritten=plan.rewritten,
            shift=plan.shift,
            rebuild=bool(plan.rebuild),
            fingerprints=fingerprints,
            expected=expected_totals(allocation.units, allocation.weights, periods),
            message=message,
            metadata=_commit_metadata(plan),
            groups=built.groups(),
        )
        version, published = apply_change(store, cube, change, progress), True
    if tag:
        tag_release(store, tag, version)
    seconds = time.perf_counter() - started
    log.info(
        "%s of %s done in %.1f s: version %s, %s",
        "ingest" if replace else "update",
        store,
        seconds,
        version,
        "published" if published else "nothing published",
        extra={
            "duration_s": round(seconds, 3),
            "version": version,
            "published": published,
        },
    )
    return Outcome(version, published, plan, message, seconds)


def describe(
    name: str,
    plan: Plan,
    others: list[str],
    cube: CubeSnapshot | None,
    attrs: dict[str, object],
    replace: bool,
) -> str:
    """The commit message of a change: its periods and the inputs that changed."""
    parts = [
        f"{what} {ranges(periods)}"
        for what, periods in (
            ("added", plan.added),
            ("revised", plan.revised),
            ("removed", plan.removed),
        )
        if periods
    ]
    if others:
        parts.append(f"updated {', '.join(others)}")
    changed = changed_inputs(cube.ds.attrs if cube else {}, attrs)
    inputs = ", ".join(changed) if changed else "unchanged"
    verb = "ingest" if replace else "update"
    body = "; ".join(parts) if parts else "metadata only"
    rebuilt = f" (laid out afresh: {plan.rebuild})" if plan.rebuild else ""
    return f"{verb} {name}: {body}{rebuilt}; inputs {inputs}"


def changed_others(cube: CubeSnapshot, new: xr.Dataset) -> list[str]:
    """Variables other than the gridded ones (flags, static fields) whose values
    differ between the published cube and the new one."""
    names = [n for n in map(str, new.data_vars) if n not in gridded(new)]
    return [
        n
        for n in names
        if n not in cube.ds
        or not np.array_equal(cube.ds[n].values, new[n].values, equal_nan=True)
    ]


def changed_inputs(old: dict[str, object], new: dict[str, object]) -> list[str]:
    """Inputs whose checksum differs between two cubes' attributes, as
    ``name (sha256 prefix)``; every input when `old` names none."""
    before = json.loads(str(old.get("methanemap_inputs", "{}")))
    after = json.loads(str(new.get("methanemap_inputs", "{}")))
    return [
        f"{name} ({entry['sha256'][:8]})"
        for name, entry in sorted(after.items())
        if before.get(name, {}).get("sha256") != entry["sha256"]
    ]


def _dates(
    attrs: dict[str, object], cube: CubeSnapshot | None, replace: bool, now: datetime
) -> dict[str, object]:
    """`attrs` with the cube's creation date kept and this run's as modification
    date, and the layout version."""
    out = dict(attrs)
    if cube is not None and not replace and "date_created" in cube.ds.attrs:
        out["date_created"] = cube.ds.attrs["date_created"]
    out["date_modified"] = now.isoformat(timespec="seconds")
    out[LAYOUT_ATTR] = LAYOUT_VERSION
    return out


def _history(cube: CubeSnapshot | None, replace: bool, line: str) -> str:
    """The CF ``history`` of the new version: the old one and a line for this run."""
    if cube is None or replace or not cube.ds.attrs.get("history"):
        return line
    return f"{cube.ds.attrs['history']}\n{line}"


def _new_attrs(cube: CubeSnapshot, new: xr.Dataset) -> bool:
    """Whether the attributes differ in anything but their dates and history."""

    def strip(attrs: dict[str, object]) -> dict[str, str]:
        return {k: str(v) for k, v in attrs.items() if k not in VOLATILE_ATTRS}

    return strip(dict(cube.ds.attrs)) != strip(dict(new.attrs))


def _log_plan(plan: Plan, new: xr.Dataset, seconds: float) -> None:
    """Log what the change will write: periods, cells and uncompressed bytes."""
    cells = new.sizes["lat"] * new.sizes["lon"]
    names = gridded(new)
    nbytes = sum(new[n].dtype.itemsize for n in names) * cells * len(plan.rewritten)
    log.info(
        "built the lazy cube and planned in %.1f s: %d periods added, %d revised, "
        "%d removed; %d of %d periods to write (%d variables of %s cells, %.0f MB "
        "uncompressed)%s",
        seconds,
        len(plan.added),
        len(plan.revised),
        len(plan.removed),
        len(plan.rewritten),
        len(plan.periods),
        len(names),
        f"{cells:,}",
        nbytes / 1e6,
        f"; laid out afresh: {plan.rebuild}" if plan.rebuild else "",
        extra={
            "step": "plan",
            "duration_s": round(seconds, 3),
            "periods_added": len(plan.added),
            "periods_revised": len(plan.revised),
            "periods_removed": len(plan.removed),
            "periods_to_write": len(plan.rewritten),
            "periods": len(plan.periods),
            "cells": cells,
            "bytes_uncompressed": nbytes,
        },
    )


def _commit_metadata(plan: Plan) -> dict[str, object]:
    return {
        "added": [p.id for p in plan.added],
        "revised": [p.id for p in plan.revised],
        "removed": [p.id for p in plan.removed],
        "rebuild": plan.rebuild,
        "methanemap_version": __version__,
    }


def _published(store: str) -> CubeSnapshot | None:
    try:
        return open_cube(store)
    except CubeNotFoundError:
        return None
