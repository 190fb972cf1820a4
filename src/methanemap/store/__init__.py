"""The versioned cube store: the only part of methanemap importing zarr or icechunk."""

import icechunk

from methanemap.store.open import CubeSnapshot, latest_version, open_cube
from methanemap.store.remote import open_dataset
from methanemap.store.versions import VersionInfo, list_versions
from methanemap.store.write import write_cube

__all__ = [
    "CubeSnapshot",
    "VersionInfo",
    "latest_version",
    "list_versions",
    "open_cube",
    "open_dataset",
    "write_cube",
]

# Icechunk's own log lines (for example the note that local disk is not for concurrent
# writers, which our single-writer update respects) would reach every user's terminal.
icechunk.set_logs_filter("error")
