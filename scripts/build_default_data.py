"""Build the small data sets that tariffscope bundles so it runs offline on a fresh clone.

Sources (read from ``../shared`` beside the repository root, or ``--shared``):

* ``hts_mfn_2025.parquet``: USITC, Harmonized Tariff Schedule of the United States, 2025 Basic
  Edition, CSV export (``data/hts/hts_2025_basic_edition.csv``). One row per 10-digit statistical
  line of chapters 01-97 with its column 1 General (MFN) rate of duty parsed into numbers; chapters 98
  and 99 are left out. Descriptions are cut to 120 characters.

Run ``make default-data`` (or ``python scripts/build_default_data.py``) after the shared files change.
Each builder is a function ``build_<name>(shared_dir, out_dir) -> Path`` called from :func:`main`.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from tariffscope.data.hts import HTSTable, load_hts_csv

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = REPO_ROOT.parent / "shared"
DEFAULT_OUT = REPO_ROOT / "src" / "tariffscope" / "data" / "default"

HTS_SOURCE_FILE = Path("data") / "hts" / "hts_2025_basic_edition.csv"
HTS_OUT_FILE = "hts_mfn_2025.parquet"
HTS_SOURCE = (
    "USITC, Harmonized Tariff Schedule of the United States (HTSUS), 2025 Basic Edition, CSV export "
    "(hts.usitc.gov); chapters 01-97, column 1 General rates parsed by tariffscope.data.duty_rates"
)
#: The columns the duty engine needs; `units` is kept so a specific rate can find its quantity unit.
HTS_COLUMNS: tuple[str, ...] = (
    "hts10",
    "hts8",
    "description",
    "unit",
    "units",
    "general_text",
    "mfn_kind",
    "mfn_ad_valorem",
    "mfn_specific",
    "mfn_specific_unit",
    "mfn_specific_count",
    "jp_special",
    "synthetic_stat_suffix",
    "edition",
)
DESCRIPTION_CHARS = 120


def build_hts(shared_dir: Path, out_dir: Path) -> Path:
    """Build the compact MFN table ``hts_mfn_2025.parquet`` from the 2025 Basic Edition CSV.

    Parameters
    ----------
    shared_dir : pathlib.Path
        The shared reference folder (holding ``data/hts/hts_2025_basic_edition.csv``).
    out_dir : pathlib.Path
        Where to write the parquet file.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    table = load_hts_csv(Path(shared_dir) / HTS_SOURCE_FILE)
    compact = table.lines.with_columns(pl.col("description").str.slice(0, DESCRIPTION_CHARS))
    return HTSTable(lines=compact, edition=table.edition).to_parquet(
        Path(out_dir) / HTS_OUT_FILE, columns=HTS_COLUMNS, source=HTS_SOURCE
    )


BUILDERS = {"hts": build_hts}


def main(argv: Sequence[str] | None = None) -> None:
    """Run every builder (or those named with ``--only``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared reference folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the bundled files")
    parser.add_argument("--only", choices=sorted(BUILDERS), action="append", help="run only these builders")
    args = parser.parse_args(argv)
    if not args.shared.is_dir():
        parser.error(f"shared folder {str(args.shared)!r} not found; pass --shared PATH")
    for name in args.only or BUILDERS:
        start = time.perf_counter()
        path = BUILDERS[name](args.shared, args.out)
        size = path.stat().st_size / 1024
        print(f"{name}: wrote {path} ({size:.0f} KiB) in {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
