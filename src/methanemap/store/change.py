"""Apply one change to a cube: write it on the work branch, validate it, publish it.

The pipeline decides what a change holds (`Change`: the lazy cube on its new time axis,
the periods to write, their fingerprints and expected totals); `apply_change` writes it
as one commit and publishes it only once the committed version passes every check.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from methanemap.errors import ValidationError
from methanemap.store.layout import extensive, global_total
from methanemap.store.open import CubeSnapshot
from methanemap.store.transaction import WORK_BRANCH, Transaction, begin
from methanemap.store.validate import conform_cube, validate_version
from methanemap.store.write import VersionWriter, period_table

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    """Everything one commit writes, and what it must hold.

    Attributes
    ----------
    cube
        The lazy new cube on its whole new time axis, with its attributes.
    rewritten
        Time indices to compute and write (added or revised periods).
    shift
        Periods added before the first period of the published cube.
    rebuild
        Whether to lay the cube out afresh rather than update it in place.
    fingerprints
        The fingerprint of every period of the new axis (uint64, non-zero).
    expected
        Expected total (t) of each emission variable in each period (index: period
        start), checked before publishing.
    message
        The commit message.
    metadata
        Recorded with the commit (periods added, revised, removed...).
    groups
        Extra groups written whole (for example ``attribution``).
    """

    cube: xr.Dataset
    rewritten: list[int]
    shift: int
    rebuild: bool
    fingerprints: npt.NDArray[np.uint64]
    expected: pd.DataFrame
    message: str
    metadata: dict[str, object] = field(default_factory=dict)
    groups: dict[str, xr.Dataset] = field(default_factory=dict)


def apply_change(
    location: str,
    base: CubeSnapshot | None,
    change: Change,
    progress: Callable[[str], None] = lambda _: None,
) -> str:
    """Write `change` over `base` (the published version it was planned against),
    validate it and publish it; returns the new version.

    Raises
    ------
    ValidationError
        If the change does not fit the store's schema (nothing is written), or the
        committed version fails a check (nothing is published).
    StoreError
        If another version was published since `base`; nothing is published.
    """
    stored = None if change.rebuild or base is None else base.ds
    change = replace(change, cube=conform_cube(change.cube, stored))
    stored_before = stored_bytes(location)
    transaction = begin(location, base=base.version if base else None)
    writer = VersionWriter(transaction.session)
    if change.rebuild or base is None:
        writer.create(change.cube)
    else:
        writer.resize(change.cube.sizes["time"], change.shift)
        writer.write_other(change.cube)
    writer.write_time_axis(change.cube)

    progress(f"compute and write {len(change.rewritten)} periods")
    started = time.perf_counter()
    totals = writer.write_periods(change.cube, change.rewritten)
    _log_written(change.cube, len(totals), writer.period_bytes(), started)
    table = _all_totals(base, change, totals)
    writer.write_table(period_table(change.cube, change.fingerprints, table))
    for name, group in change.groups.items():
        writer.write_group(name, group)
    writer.write_attrs(dict(change.cube.attrs))
    snapshot = transaction.commit(change.message, metadata=change.metadata)
    _log_stored(snapshot, location, stored_before)

    progress("validate the new version")
    started = time.perf_counter()
    _validate(transaction, snapshot, change)
    seconds = time.perf_counter() - started
    log.info(
        "validated version %s in %.1f s",
        snapshot,
        seconds,
        extra={"step": "validate", "duration_s": round(seconds, 3)},
    )
    transaction.publish(snapshot)
    log.info(
        "published cube version %s at %s: %s",
        snapshot,
        location,
        change.message,
        extra={"step": "publish", "version": snapshot},
    )
    return snapshot


def stored_bytes(location: str) -> int | None:
    """Bytes of every file of a local store (None for object storage or no store)."""
    root = Path(location)
    if "://" in location or not root.is_dir():
        return None
    return sum(f.stat().st_size for f in root.rglob("*") if f.is_file())


def _log_written(
    cube: xr.Dataset, periods: int, period_bytes: int, started: float
) -> None:
    seconds = time.perf_counter() - started
    cells = cube.sizes["lat"] * cube.sizes["lon"]
    log.info(
        "wrote %d periods of %s cells in %.1f s (%.0f MB uncompressed, every layout)",
        periods,
        f"{cells:,}",
        seconds,
        periods * period_bytes / 1e6,
        extra={
            "step": "write",
            "periods": periods,
            "cells": cells,
            "duration_s": round(seconds, 3),
            "bytes_uncompressed": periods * period_bytes,
        },
    )


def _log_stored(snapshot: str, location: str, before: int | None) -> None:
    """Log the commit and, for a local store, the bytes it added on disk."""
    after = stored_bytes(location)
    written = after - (before or 0) if after is not None else None
    log.info(
        "committed version %s to %s: %s",
        snapshot,
        location,
        "size on object storage not measured"
        if written is None
        else f"{written / 1e6:.1f} MB written",
        extra={"step": "commit", "version": snapshot, "bytes_written": written},
    )


def _validate(transaction: Transaction, snapshot: str, change: Change) -> None:
    session = transaction.repo.readonly_session(snapshot_id=snapshot)
    try:
        validate_version(session.store, change.expected, change.rewritten)
    except ValidationError as exc:
        raise ValidationError(
            f"{exc.detail}. Nothing was published; the rejected version {snapshot} "
            f"stays on branch {WORK_BRANCH!r} until the next run",
            check=exc.check,
        ) from exc


def _all_totals(
    base: CubeSnapshot | None, change: Change, written: pd.DataFrame
) -> pd.DataFrame:
    """Global totals of every period: the stored ones, moved by the change's shift,
    with the written periods' new ones over them."""
    names = extensive(change.cube)
    table = pd.DataFrame(np.nan, index=range(change.cube.sizes["time"]), columns=names)
    if base is not None and base.periods is not None and not change.rebuild:
        held = np.column_stack([base.periods[global_total(n)].values for n in names])
        table.iloc[change.shift : change.shift + len(held)] = held
    table.loc[written.index, names] = written[names].to_numpy()
    return table
