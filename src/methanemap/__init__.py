"""methanemap: near-real-time fossil methane emissions on a global 0.1 degree grid."""

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "open_dataset"]


def __getattr__(name: str) -> Any:
    # `methanemap.open_dataset` for notebooks, imported on first use so that importing
    # the package (the CLI, every test) does not load xarray, zarr and icechunk.
    if name == "open_dataset":
        from methanemap.store.remote import open_dataset

        return open_dataset
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
