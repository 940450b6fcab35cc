"""Build the bundled metal-content shares by HTS10 used for estimates of metal-content duties.

Source: ../shared/data/hts/metal_content_shares_bea_hs10.csv, BEA input-output based shares of steel,
aluminum, copper and other metal in each HTS10 product, compiled by the Yale Budget Lab's
tariff-rate-tracker (MIT licence) from BEA detail tables. Output: a compact zstd Parquet file with
columns hts10, steel, aluminum, copper, metal (total).

Run: .venv/bin/python scripts/build_metal_shares.py [SHARED_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "tariffscope" / "data" / "default" / "metal_shares_bea.parquet"


def build(shared: Path) -> Path:
    src = shared / "data" / "hts" / "metal_content_shares_bea_hs10.csv"
    frame = pl.read_csv(src, schema_overrides={"hs10": pl.Utf8})
    out = frame.select(
        pl.col("hs10").str.zfill(10).alias("hts10"),
        pl.col("steel_share").cast(pl.Float32).alias("steel"),
        pl.col("aluminum_share").cast(pl.Float32).alias("aluminum"),
        pl.col("copper_share").cast(pl.Float32).alias("copper"),
        pl.col("metal_share").cast(pl.Float32).alias("metal"),
    ).unique("hts10", keep="first").sort("hts10")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUT.with_suffix(".tmp")
    out.write_parquet(tmp, compression="zstd", compression_level=19)
    tmp.replace(OUT)
    print(f"wrote {OUT} ({out.height} rows, {OUT.stat().st_size / 1024:.0f} KiB)")
    return OUT


if __name__ == "__main__":
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared"
    build(shared)
