"""The cube version the service answers from, opened once and swapped only here.

Every route gets its snapshot from `CubeHolder.current`, so a request sees one
version from start to end. Hot reload of newly published versions belongs in
`CubeHolder.refresh`: it is the one place that replaces the snapshot.
"""

import logging
import threading

from methanemap.errors import CubeNotFoundError
from methanemap.store import CubeSnapshot, open_cube

log = logging.getLogger(__name__)


class CubeHolder:
    """Holds the open version of the cube at `location` for the service.

    Parameters
    ----------
    location
        The store setting: a local path or an object-store URL.
    """

    def __init__(self, location: str) -> None:
        self.location = location
        self._snapshot: CubeSnapshot | None = None
        self._lock = threading.Lock()

    def open(self) -> CubeSnapshot | None:
        """Open the latest version; None (and a warning) if there is no cube yet."""
        try:
            snapshot = open_cube(self.location)
        except CubeNotFoundError as error:
            log.warning("no cube to serve yet: %s", error)
            return None

        with self._lock:
            self._snapshot = snapshot
        log.info("serving cube version %s from %s", snapshot.version, self.location)
        return snapshot

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
                f"no methanemap cube at {self.location!r} yet; the service answers "
                "once one is published there"
            )
        return snapshot

    def refresh(self) -> CubeSnapshot | None:
        """Switch to the latest published version (the seam for hot reload).

        Requests already running keep the snapshot they started with.
        """
        return self.open()
