"""Reading and writing tables of entry lines (CSV or Parquet) for the vectorised engine.

Writes are atomic: the file is written beside its destination and renamed into place, so an
interrupted run never leaves a half-written file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from tariffscope.errors import DataFileError


def read_entries(path: str | Path) -> Any:
    """A polars DataFrame from a CSV or Parquet file of entry lines (HTS codes are kept as text)."""
    import polars as pl

    p = Path(path)
    if not p.is_file():
        raise DataFileError(f"entry file '{p}' not found; check the path")
    suffix = p.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return pl.read_parquet(p)
        if suffix in (".csv", ".txt", ".gz"):
            return pl.read_csv(
                p,
                schema_overrides={"hts": pl.Utf8, "hts10": pl.Utf8, "origin": pl.Utf8, "country": pl.Utf8},
                infer_schema_length=10000,
            )
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise DataFileError(f"cannot read entry file '{p}': {str(exc).splitlines()[0]}") from None
    raise DataFileError(f"entry file '{p}' must be .csv or .parquet; got '{suffix or 'no extension'}'")


def write_table(frame: Any, path: str | Path) -> Path:
    """Write a polars DataFrame to CSV or Parquet (by extension), atomically."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        raise DataFileError(f"output file '{p}' must end in .csv or .parquet")
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".part", dir=p.parent)
    os.close(fd)
    try:
        if suffix == ".csv":
            frame.write_csv(tmp)
        else:
            frame.write_parquet(tmp)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p
