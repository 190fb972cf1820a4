"""Apply one change to a cube: write it on the work branch, validate it, publish it.

The pipeline decides what a change holds (`Change`: the lazy cube on its new time axis,
the periods to write, their fingerprints and expected totals); `apply_change` writes it
as one commit and publishes it only once the committed version passes every check.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from methanemap.errors import ValidationError
from methanemap.store.layout import extensive, global_total
from methanemap.store.open import CubeSnapshot
from methanemap.store.transaction import WORK_BRANCH, Transaction, begin
from methanemap.store.validate import validate_version
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
        If the committed version fails a check; nothing is published.
    StoreError
        If another version was published since `base`; nothing is published.
    """
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
    log.info("wrote %d periods in %.1f s", len(totals), time.perf_counter() - started)
    table = _all_totals(base, change, totals)
    writer.write_table(period_table(change.cube, change.fingerprints, table))
    for name, group in change.groups.items():
        writer.write_group(name, group)
    writer.write_attrs(dict(change.cube.attrs))
    snapshot = transaction.commit(change.message, metadata=change.metadata)

    progress("validate the new version")
    _validate(transaction, snapshot, change)
    transaction.publish(snapshot)
    log.info("published cube version %s at %s: %s", snapshot, location, change.message)
    return snapshot


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
