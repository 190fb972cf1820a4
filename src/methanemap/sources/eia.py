"""U.S. EIA monthly series (PET.MCRFPUS2.M, U.S. field production of crude oil), the
sub-annual shape of US oil emissions.
"""

from pathlib import Path

import pandas as pd

from methanemap.errors import InputFormatError
from methanemap.sources.tables import read_csv_checked

PREAMBLE_LINES = 4
MONTH = "Month"
COLUMNS = ["month", "value"]


def read_monthly(path: Path) -> pd.DataFrame:
    """A monthly EIA export: four preamble lines, newest month first.

    Returns
    -------
    DataFrame with ``month`` (Timestamp, first day of the month) and ``value`` (the
    series' own unit; for crude oil thousand barrels per day), oldest month first.
    """
    raw = read_csv_checked(path, [MONTH], skiprows=PREAMBLE_LINES)
    if raw.shape[1] != 2:
        raise InputFormatError(
            f"{path}: expected two columns (Month and one series), found {list(raw)}"
        )
    month = pd.to_datetime(raw[MONTH], format="%b %Y", errors="coerce")
    value = pd.to_numeric(raw.iloc[:, 1], errors="coerce")
    bad = raw[month.isna() | value.isna()]
    if not bad.empty:
        raise InputFormatError(
            f"{path}: rows {list(bad.index[:5] + PREAMBLE_LINES + 2)} are not a month "
            "like 'Dec 2021' with a number"
        )
    frame = pd.DataFrame({"month": month, "value": value.astype(float)})
    return frame.sort_values("month", ignore_index=True)
