"""A user's own activity series as CSV: one row per country and year.

Columns ``iso3`` and ``year`` and one value column (named in the recipe), optionally a
``country`` name. The file must be UTF-8 (a byte-order mark is allowed) unless the
recipe declares another encoding; a file that is not valid in its declared encoding is
refused with the byte offset and line of the first bad byte, never read with guessed
characters. Header names are trimmed; CRLF line ends are fine. Rows join on ``iso3``.
Values are finite and not negative (an empty cell means "not estimated"), and each
country and year has one row.
"""

import io
from pathlib import Path

import numpy as np
import pandas as pd

from methanemap.errors import InputFormatError

REQUIRED = ("iso3", "year")


def read_activity_csv(path: Path, value: str, encoding: str = "utf-8") -> pd.DataFrame:
    """Read an activity CSV into ``iso3, year, value`` (and ``country`` if present)."""
    text = _decode(path, encoding)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str)
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
        raise InputFormatError(f"{path}: not a CSV table: {exc}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in (*REQUIRED, value) if c not in frame.columns]
    if missing:
        raise InputFormatError(
            f"{path}: missing columns {missing}; found {list(frame.columns)}"
        )

    out = pd.DataFrame(
        {
            "iso3": frame["iso3"].str.strip().str.upper(),
            "year": pd.to_numeric(frame["year"], errors="coerce"),
            "value": _values(frame[value], value, path),
        }
    )
    if "country" in frame.columns:
        out["country"] = frame["country"].str.strip()
    # A year of fewer than four digits is most often a file cut off in its last row.
    year = out["year"]
    bad = out[
        ~year.between(1000, 9999) | (year % 1 != 0) | (out["iso3"].str.len() != 3)
    ]
    if not bad.empty:
        raise InputFormatError(
            f"{path}: rows {[int(i) + 2 for i in bad.index[:5]]} need a 3-letter iso3 "
            "and a four-digit year (a file cut off in its last row looks like this)"
        )
    out = out.astype({"year": int})
    twice = out[out.duplicated(["iso3", "year"], keep=False)]
    if not twice.empty:
        raise InputFormatError(
            f"{path}: rows {[int(i) + 2 for i in twice.index[:5]]} give "
            f"{twice['iso3'].iloc[0]} {twice['year'].iloc[0]} more than once; each "
            "country and year must have one row"
        )
    return out


def _values(column: pd.Series, name: str, path: Path) -> pd.Series:
    """Activity values: finite and not negative; an empty cell is "not estimated"."""
    values = pd.to_numeric(column, errors="coerce")
    blank = column.isna() | (column.astype(str).str.strip() == "")
    unreadable = values.isna() & ~blank
    bad = unreadable | np.isinf(values) | (values < 0)
    if bad.any():
        rows = [int(i) + 2 for i in values.index[bad][:5]]
        shown = str(column[bad].iloc[0]).strip()
        raise InputFormatError(
            f"{path}: column {name!r} rows {rows} hold {shown!r}; "
            "activity must be a finite number of zero or more (leave a cell empty "
            "when there is no estimate)"
        )
    return values


def _decode(path: Path, encoding: str) -> str:
    """The file's text; UTF-8 may carry a byte-order mark, which is dropped."""
    data = path.read_bytes()
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") == "utf-8" else encoding
    try:
        return data.decode(codec)
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise InputFormatError(
            f"{path} is not valid {encoding} at byte offset {err.start} (line {line}); "
            'declare its encoding in the recipe (for example encoding = "cp1252")'
        ) from None
