"""How much one query may ask for: checked before any read, so that a request past a
limit costs nothing but its answer (413 over HTTP).
"""

from dataclasses import dataclass

from methanemap.config import Settings
from methanemap.errors import TooLargeError


@dataclass(frozen=True)
class Limits:
    """The limits of queries; the defaults are those of `Settings`.

    Attributes
    ----------
    max_polygon_vertices
        Most vertices (positions of all rings) of an area query's polygon.
    max_read_values
        Most grid values (cells x periods) one query may read from the cube.
    max_subset_bytes
        Largest download subset, in bytes of float32 values before compression.
    max_coverage_values
        Most values in one CoverageJSON answer (cells x periods x parameters).
    """

    max_polygon_vertices: int = 100_000
    max_read_values: int = 50_000_000
    max_subset_bytes: int = 200_000_000
    max_coverage_values: int = 2_000_000

    @classmethod
    def from_settings(cls, settings: Settings) -> "Limits":
        """The limits a service runs with."""
        return cls(
            max_polygon_vertices=settings.max_polygon_vertices,
            max_read_values=settings.max_read_values,
            max_subset_bytes=settings.max_subset_bytes,
            max_coverage_values=settings.max_coverage_values,
        )


def check_read(values: int, limits: Limits, parameter: str) -> None:
    """Raise TooLargeError if a query would read more than ``max_read_values``.

    Parameters
    ----------
    values
        Grid values (cells x periods) the query would read.
    limits
        The limits in force.
    parameter
        The request parameter that sets the size, named in the error.
    """
    if values > limits.max_read_values:
        raise TooLargeError(
            f"the query would read {values:,} grid values (cells x periods), more "
            f"than the limit of {limits.max_read_values:,}; ask for a smaller area or "
            "fewer periods",
            parameter=parameter,
        )
