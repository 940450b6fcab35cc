"""Build the bundled GTAP import weights and the HTS10 -> GTAP sector crosswalk.

Sources: ../shared/data/weights/gtap_import_weights.csv (US imports by GTAP sector and partner group,
$M, model values: used for shares only) and ../shared/data/weights/hs10_gtap_crosswalk.csv (HTS10 ->
HS6 -> GTAP sector). Outputs: data/default/gtap_import_weights.csv (long: gtap_code, partner_group,
value) and data/default/hts10_gtap.parquet (hts10, gtap_code).

Run: .venv/bin/python scripts/build_gtap_weights.py [SHARED_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "src" / "tariffscope" / "data" / "default"


def build(shared: Path) -> None:
    weights = pl.read_csv(shared / "data" / "weights" / "gtap_import_weights.csv", encoding="utf8-lossy")
    weights = weights.rename({weights.columns[0]: "gtap_code"})
    long = weights.unpivot(index="gtap_code", variable_name="partner_group", value_name="value").with_columns(
        pl.col("gtap_code").str.strip_chars("\ufeff").str.to_lowercase()
    ).sort(["gtap_code", "partner_group"])
    tmp = OUT_DIR / "gtap_import_weights.csv.tmp"
    with tmp.open("w") as fh:
        fh.write("# Source: shared/data/weights/gtap_import_weights.csv (US imports by GTAP sector and "
                 "partner group, $M, model values; use for shares). Built by scripts/build_gtap_weights.py\n")
        long.write_csv(fh)
    tmp.replace(OUT_DIR / "gtap_import_weights.csv")
    cross = pl.read_csv(shared / "data" / "weights" / "hs10_gtap_crosswalk.csv",
                        schema_overrides={"hs10": pl.Utf8, "hs6_code": pl.Utf8})
    cross = cross.select(
        pl.col("hs10").str.zfill(10).alias("hts10"), pl.col("gtap_code").str.to_lowercase()
    ).unique("hts10", keep="first").sort("hts10")
    tmp2 = OUT_DIR / "hts10_gtap.parquet.tmp"
    cross.write_parquet(tmp2, compression="zstd", compression_level=19)
    tmp2.replace(OUT_DIR / "hts10_gtap.parquet")
    print(f"weights: {long.height} rows; crosswalk: {cross.height} rows")


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared")
