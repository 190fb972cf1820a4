"""Things derived once per cube version (indexes of its attribution and countries) and
kept while the process runs; a version never changes once published.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable

from methanemap.store import CubeSnapshot


class VersionCache[T]:
    """The last `keep` values built from cube versions, one per (location, version).

    Builds run one at a time, so that concurrent first requests build once.
    """

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self._values: OrderedDict[tuple[str, str], T] = OrderedDict()
        self._lock = threading.Lock()
        self._building = threading.Lock()

    def get(self, snapshot: CubeSnapshot, build: Callable[[CubeSnapshot], T]) -> T:
        """The value for `snapshot`, built by `build` on first use."""
        key = (snapshot.location, snapshot.version)
        with self._building:
            with self._lock:
                if key in self._values:
                    self._values.move_to_end(key)
                    return self._values[key]
            value = build(snapshot)
            with self._lock:
                self._values[key] = value
                while len(self._values) > self.keep:
                    self._values.popitem(last=False)
        return value
