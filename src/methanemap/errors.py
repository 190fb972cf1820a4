"""The error tree of methanemap: one root, each subclass also the builtin it resembles.

The service maps these classes to HTTP statuses in one table
(`methanemap.service.errors`).
"""


class MethanemapError(Exception):
    """Root of every error methanemap raises on purpose."""


class InputError(MethanemapError):
    """An input file is missing, corrupt or malformed."""


class MissingInputError(InputError, FileNotFoundError):
    """An input file is not where the registry says it should be."""


class CorruptInputError(InputError, ValueError):
    """An input file's checksum differs from the registry's."""


class InputFormatError(InputError, ValueError):
    """An input file's content does not have the shape its reader expects."""


class UnitsError(MethanemapError, ValueError):
    """Units are missing, unknown or not convertible to what is asked."""


class RecipeError(MethanemapError, ValueError):
    """A pipeline recipe or its options are invalid."""


class StoreError(MethanemapError):
    """The cube store cannot be opened or written."""


class CubeNotFoundError(StoreError, FileNotFoundError):
    """No cube exists at the configured store location."""


class ValidationError(StoreError, ValueError):
    """A new cube version failed validation and was not published.

    ``check`` names the check that failed (``time axis``, ``metadata``, ``mass
    balance`` or ``layouts``).
    """

    def __init__(self, message: str, *, check: str) -> None:
        super().__init__(f"{check}: {message}")
        self.check = check
        self.detail = message


class QueryError(MethanemapError, ValueError):
    """A request names a value the cube does not allow (bad parameter)."""

    def __init__(self, message: str, *, parameter: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter


class NotInCubeError(QueryError, LookupError):
    """A request asks for something outside the cube (a period, a sector, a version)."""


class TooLargeError(QueryError):
    """A request would read more than the configured limit."""


class MethanemapWarning(UserWarning):
    """Root of warnings about data that methanemap changed or skipped."""


class InputQuirkWarning(MethanemapWarning):
    """An input row was fixed, dropped or reinterpreted; the message names the rows."""
