"""Logging set-up for the command line and the service; library modules only log."""

import logging
import warnings

from rich.logging import RichHandler

from methanemap.errors import MethanemapWarning


def configure(level: str = "INFO") -> None:
    """Send methanemap's log records to the terminal through rich."""
    handler = RichHandler(show_path=False, rich_tracebacks=False)
    logging.basicConfig(level=level, format="%(message)s", handlers=[handler])
    logging.getLogger("methanemap").setLevel(level)
    # Input quirks are warnings; on the command line they read best as log lines.
    warnings.showwarning = _log_warning
    warnings.simplefilter("default", MethanemapWarning)


def _log_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: object = None,
    line: str | None = None,
) -> None:
    logging.getLogger("methanemap.warnings").warning(
        "%s: %s", category.__name__, message
    )
