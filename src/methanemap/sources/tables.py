"""The contract all readers in `methanemap.sources` share: checked reads, warnings.

A reader raises `InputFormatError` when a file is not the one it expects, and warns with
`InputQuirkWarning`, naming the rows, whenever it fixes, drops or reinterprets a row.
"""

import warnings
import zipfile
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from methanemap.errors import InputFormatError, InputQuirkWarning

FloatArray = npt.NDArray[np.float64]


def read_csv_checked(
    path: Path, columns: Collection[str], **options: Any
) -> pd.DataFrame:
    """Read a CSV file that must hold `columns`, or raise `InputFormatError`.

    Parameters
    ----------
    path
        The CSV file.
    columns
        Column names the file must have (others are kept).
    **options
        Passed to `pandas.read_csv` (``encoding``, ``index_col`` ...).
    """
    try:
        frame = pd.read_csv(path, **options)
    except (UnicodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        encoding = options.get("encoding", "utf-8")
        raise InputFormatError(
            f"cannot read {path} as a CSV file in {encoding}: {err}; check that it is "
            "the registered file and not a re-saved copy"
        ) from err

    require_columns(frame, columns, path)
    return frame


def read_sheets(
    path: Path, sheets: Mapping[str, Collection[str]]
) -> dict[str, pd.DataFrame]:
    """Read the named sheets of an xlsx workbook, each with its required columns.

    Parameters
    ----------
    path
        The workbook.
    sheets
        Sheet names, each with the column names it must have.
    """
    try:
        frames: dict[str, pd.DataFrame] = pd.read_excel(
            path, sheet_name=list(sheets), engine="openpyxl"
        )
    except (ValueError, KeyError, OSError, zipfile.BadZipFile) as err:
        raise InputFormatError(
            f"cannot read sheets {list(sheets)} of {path} as an xlsx workbook: {err}; "
            "check that it is the registered file"
        ) from err

    for name, columns in sheets.items():
        require_columns(frames[name], columns, path)
    return frames


def require_columns(frame: pd.DataFrame, columns: Collection[str], path: Path) -> None:
    """Raise `InputFormatError` naming the `columns` that `frame` from `path` lacks."""
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise InputFormatError(
            f"{path} lacks the columns {missing}; it has {list(frame.columns)}; "
            "expected the registered file (see methanemap/sources/inputs.toml)"
        )


def warn_quirk(message: str, stacklevel: int = 3) -> None:
    """Warn that a reader changed what the caller gets (`InputQuirkWarning`)."""
    warnings.warn(message, InputQuirkWarning, stacklevel=stacklevel)


def name_rows(ids: Iterable[object], limit: int = 12) -> str:
    """Up to `limit` row identifiers joined for a message, with a count of the rest."""
    names = [str(name) for name in ids]
    shown = ", ".join(names[:limit])
    rest = len(names) - limit
    return shown if rest <= 0 else f"{shown} and {rest} more"


def to_numbers(frame: pd.DataFrame, columns: Iterable[str], ids: str) -> pd.DataFrame:
    """`frame` with `columns` as floats; text in them becomes NaN, with a warning.

    Parameters
    ----------
    frame
        The table as read.
    columns
        Columns that must be numeric.
    ids
        Column naming each row in the warning.
    """
    frame = frame.copy()
    for column in columns:
        numbers = pd.to_numeric(frame[column], errors="coerce")
        text = numbers.isna() & frame[column].notna()
        if text.any():
            values = name_rows(frame.loc[text, column].astype(str).unique(), limit=5)
            rows = name_rows(frame.loc[text, ids])
            message = (
                f"{text.sum()} rows have text in the numeric column {column!r} "
                f"({values}); read as missing (NaN) in rows {rows}"
            )
            warn_quirk(message, stacklevel=4)
        frame[column] = numbers.astype(np.float64)
    return frame


def drop_exact_duplicates(frame: pd.DataFrame, ids: str, path: Path) -> pd.DataFrame:
    """`frame` without rows that repeat an earlier row in every column; warns."""
    repeated = frame.duplicated(keep="first")
    if repeated.any():
        rows = name_rows(frame.loc[repeated, ids])
        message = (
            f"{path.name}: dropped {repeated.sum()} rows that repeat an earlier row "
            f"exactly: {ids} {rows}"
        )
        warn_quirk(message, stacklevel=4)
    return frame[~repeated]


def points_from_wkt(text: pd.Series, path: Path) -> tuple[FloatArray, FloatArray]:
    """Longitudes and latitudes (degrees) of WKT ``POINT (lon lat)`` strings."""
    if text.isna().any():
        raise InputFormatError(f"{path}: {text.isna().sum()} rows have no WKT point")
    try:
        points = shapely.from_wkt(text.to_numpy(dtype=object), on_invalid="raise")
    except shapely.errors.GEOSException as err:
        raise InputFormatError(
            f"{path} holds a WKT point that does not parse: {err}"
        ) from err

    kinds = shapely.get_type_id(points)
    if (kinds != shapely.GeometryType.POINT).any():
        bad = name_rows(text[kinds != shapely.GeometryType.POINT], limit=3)
        raise InputFormatError(f"{path}: expected WKT POINT geometries, found {bad}")
    return shapely.get_x(points), shapely.get_y(points)


def object_column(values: Iterable[object], index: pd.Index) -> pd.Series:
    """A column of Python objects on `index`: codes stay str, missing stays None.

    pandas 3 would store a list of str and None as its ``str`` dtype, turning None into
    NaN; the readers promise None for a missing code.
    """
    return pd.Series(list(values), index=index, dtype=object)
