"""The cube versions the service answers from, opened here and swapped only here.

Every route gets its snapshot from `CubeHolder.current` (the latest published version)
or `CubeHolder.at` (a version a request names), so a request sees one version from
start to end. `CubeHolder.refresh` is the one place that replaces the latest version;
`watch` calls it every ``reload_interval`` seconds, so a running service picks up a
newly published version without a restart. Caches keyed by the version id (fields,
ETags) therefore never serve an old version's data as the new one's.
"""

import asyncio
import logging
import threading
from collections import OrderedDict

from starlette.concurrency import run_in_threadpool

from methanemap.errors import CubeNotFoundError, MethanemapError, StoreError
from methanemap.service import metrics
from methanemap.store import CubeSnapshot, latest_version, open_cube
from methanemap.store.versions import resolve

log = logging.getLogger(__name__)

#: Older versions kept open for requests that name one (each holds lazy arrays only).
MAX_OPEN_VERSIONS = 8


class CubeHolder:
    """Holds the open versions of the cube at `location` for the service.

    Parameters
    ----------
    location
        The store setting: a local path or an object-store URL.
    keep
        How many versions named by requests to keep open.
    """

    def __init__(self, location: str, keep: int = MAX_OPEN_VERSIONS) -> None:
        self.location = location
        self.keep = keep
        self._snapshot: CubeSnapshot | None = None
        self._named: OrderedDict[str, CubeSnapshot] = OrderedDict()
        self._lock = threading.Lock()
        self._problem = "nothing opened yet"  # why the last open found no cube

    def open(self) -> CubeSnapshot | None:
        """Open the latest version; None (and a warning) if there is no cube yet."""
        try:
            snapshot = open_cube(self.location)
        except CubeNotFoundError as error:
            log.warning("no cube to serve yet: %s", error)
            self._problem = str(error)
            return None
        except StoreError as error:  # refused credentials, unreachable endpoint...
            log.error("cannot open the cube: %s", error)
            self._problem = str(error)
            return None

        with self._lock:
            self._snapshot = snapshot
        log.info("serving cube version %s from %s", snapshot.version, self.location)
        metrics.serving(snapshot.version)
        return snapshot

    @property
    def serving(self) -> str | None:
        """The id of the latest version opened; None before the first."""
        snapshot = self._snapshot
        return None if snapshot is None else snapshot.version

    def current(self) -> CubeSnapshot:
        """The version to answer from; tries to open the cube if none is open yet.

        Raises
        ------
        CubeNotFoundError
            If there is no cube at the location (the service answers 503).
        """
        snapshot = self._snapshot or self.open()
        if snapshot is None:
            raise CubeNotFoundError(
                f"no methanemap cube can be read at {self.location!r} yet "
                f"({self._problem}); the service answers once one can"
            )
        return snapshot

    def at(self, version: str | None) -> CubeSnapshot:
        """The version a request names (id, tag or date); the latest when None.

        Names are resolved on every call (a tag or a date may come to name another
        version); the versions they name are kept open by id.

        Raises
        ------
        NotInCubeError
            If no published version has that name (the service answers 404).
        """
        latest = self.current()
        if version is None or version == latest.version:
            return latest
        snapshot = self._kept(version)
        if snapshot is not None:
            return snapshot

        snapshot_id = resolve(self.location, version)
        if snapshot_id == latest.version:
            return latest
        snapshot = self._kept(snapshot_id) or open_cube(self.location, snapshot_id)
        with self._lock:
            self._named[snapshot_id] = snapshot
            self._named.move_to_end(snapshot_id)
            while len(self._named) > self.keep:
                self._named.popitem(last=False)
        return snapshot

    def _kept(self, snapshot_id: str) -> CubeSnapshot | None:
        with self._lock:
            snapshot = self._named.get(snapshot_id)
            if snapshot is not None:
                self._named.move_to_end(snapshot_id)
        return snapshot

    def refresh(self) -> CubeSnapshot | None:
        """Switch to the latest published version if it changed; the version served.

        Requests already running keep the snapshot they started with.
        """
        if self._snapshot is None:
            return self.open()
        try:
            latest = latest_version(self.location)
        except MethanemapError as error:
            log.warning("could not check for a new cube version: %s", error)
            return self._snapshot
        if latest == self._snapshot.version:
            return self._snapshot
        return self.open()


async def watch(holder: CubeHolder, interval: float) -> None:
    """Refresh `holder` every `interval` seconds, forever (until cancelled)."""
    while True:
        await asyncio.sleep(interval)
        try:
            await run_in_threadpool(holder.refresh)
        except Exception:  # a failed check must not stop the watch; log and go on
            log.exception("checking for a new cube version failed")
