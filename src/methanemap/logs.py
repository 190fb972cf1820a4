"""Logging set-up for the command line and the service; library modules only get loggers."""

import logging

from rich.logging import RichHandler


def configure(level: str = "INFO") -> None:
    """Send methanemap's log records to the terminal through rich."""
    handler = RichHandler(show_path=False, rich_tracebacks=False)
    logging.basicConfig(level=level, format="%(message)s", handlers=[handler])
    logging.getLogger("methanemap").setLevel(level)
