"""Logging set-up for the command line and the service; library modules only log."""

import json
import logging
import os
import sys
import warnings

from rich.logging import RichHandler

from methanemap.errors import MethanemapWarning

#: Format of log lines that go to a file or a pipe (a container's log, say).
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

#: ``METHANEMAP_LOG_FORMAT`` when unset: rich on a terminal, else plain.
DEFAULT_FORMAT = "auto"


def configure(level: str = "INFO", fmt: str | None = None) -> None:
    """Send methanemap's log records to stderr.

    `fmt` (default: the ``METHANEMAP_LOG_FORMAT`` variable, else "auto") is "rich"
    (a terminal), "plain" (a file or pipe), "json" (one object a line, for containers
    and log collectors, with the request id, route and duration as fields) or "auto":
    rich on a terminal, else plain. Rich lays out every line as a table, which costs
    about a millisecond a line; a server logging each request to a pipe would spend
    more on that than on most tiles.
    """
    fmt = fmt or os.environ.get("METHANEMAP_LOG_FORMAT", DEFAULT_FORMAT)
    if fmt == "auto":
        fmt = "rich" if sys.stderr.isatty() else "plain"
    handler: logging.Handler
    if fmt == "rich":
        handler = RichHandler(show_path=False, rich_tracebacks=False)
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(
            JsonFormatter() if fmt == "json" else logging.Formatter(PLAIN_FORMAT)
        )
    logging.basicConfig(level=level, handlers=[handler])
    logging.getLogger("methanemap").setLevel(level)
    # Input quirks are warnings; on the command line they read best as log lines.
    warnings.showwarning = _log_warning
    warnings.simplefilter("default", MethanemapWarning)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message and the extra fields."""

    _STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(
            (key, value)
            for key, value in vars(record).items()
            if key not in self._STANDARD and not key.startswith("_")
        )
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


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
