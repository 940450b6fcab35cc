"""Named product lists (HTS prefixes with optional effective dates) that policy files refer to.

The bundled lists live in ``tariffscope/data/default/product_lists/NAME.csv`` (header
``hts_prefix,effective_date,note``) and are built by ``scripts/build_product_lists.py`` from the
CBP/USITC annexes; users can add directories of their own with :func:`register_list_dir`.

>>> from tariffscope.data.product_lists import load_list
>>> rows = load_list("s232_auto_parts")
>>> all(len(p) in (2, 4, 6, 8, 10) for p, _ in rows)
True
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from importlib import resources
from pathlib import Path

from tariffscope.errors import DataFileError, InputError

_EXTRA_DIRS: list[Path] = []
_VALID_LENGTHS = (2, 4, 6, 8, 10)


def _bundled_dir() -> Path:
    return Path(str(resources.files("tariffscope"))) / "data" / "default" / "product_lists"


def register_list_dir(path: str | Path) -> None:
    """Add a directory of user product lists (``NAME.csv``); they shadow bundled lists of the same name."""
    p = Path(path)
    if not p.is_dir():
        raise InputError(f"product-list directory '{p}' does not exist; give an existing folder")
    _EXTRA_DIRS.insert(0, p)
    load_list.cache_clear()


def available_lists() -> list[str]:
    """Names of every product list that can be referenced from a policy file."""
    names: set[str] = set()
    for d in [*_EXTRA_DIRS, _bundled_dir()]:
        if d.is_dir():
            names.update(p.stem for p in d.glob("*.csv"))
    return sorted(names)


def _find(name: str) -> Path:
    for d in [*_EXTRA_DIRS, _bundled_dir()]:
        p = d / f"{name}.csv"
        if p.is_file():
            return p
    raise InputError(
        f"unknown product list '{name}'; known lists: {', '.join(available_lists()) or '(none)'}"
    )


@functools.cache
def load_list(name: str) -> tuple[tuple[str, dt.date | None], ...]:
    """The rows of product list ``name`` as ``(hts_prefix, effective_date or None)`` pairs.

    Raises
    ------
    InputError
        When the list is unknown; :class:`DataFileError` when a row is malformed (file and line named).
    """
    path = _find(name)
    out: list[tuple[str, dt.date | None]] = []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(line for line in fh if not line.startswith("#"))
        if reader.fieldnames is None or "hts_prefix" not in reader.fieldnames:
            raise DataFileError(f"{path}: product list needs a header 'hts_prefix,effective_date,note'")
        for lineno, row in enumerate(reader, start=2):
            prefix = (row.get("hts_prefix") or "").replace(".", "").strip()
            if not prefix:
                continue
            if not prefix.isdigit() or len(prefix) not in _VALID_LENGTHS:
                raise DataFileError(
                    f"{path}:{lineno}: HTS prefix '{prefix}' must be 2, 4, 6, 8 or 10 digits"
                )
            eff = (row.get("effective_date") or "").strip()
            try:
                day = dt.date.fromisoformat(eff) if eff else None
            except ValueError:
                raise DataFileError(f"{path}:{lineno}: effective_date '{eff}' is not YYYY-MM-DD") from None
            out.append((prefix, day))
    return tuple(out)
