"""Build the bundled world trade data the GE model uses by default (offline).

Source: ../shared/data/gravity/liberation_day_2025/ (Ignatenko, Lashkaripour, Macedoni & Simonovska
2025, "Making America Great Again? The Economic Impacts of Liberation Day Tariffs"): 194x194 trade flows
in thousands of USD (CEPII; rows exporters, columns importers, order of country_labels.csv) and GDP in
USD. Outputs data/default/world_trade.parquet (exporter, importer, value; non-zero flows, thousand USD)
and data/default/world_gdp.csv (country, gdp in USD).

Run: .venv/bin/python scripts/build_world_trade.py [SHARED_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "tariffscope" / "data" / "default"


def build(shared: Path) -> None:
    src = shared / "data" / "gravity" / "liberation_day_2025"
    labels = pd.read_csv(src / "country_labels.csv")["iso3"].tolist()
    matrix = pd.read_csv(src / "trade_cepii.csv").to_numpy(dtype=float)  # header: export_ij1, ...
    if matrix.shape != (len(labels), len(labels)):
        raise SystemExit(f"trade matrix {matrix.shape} does not match {len(labels)} labels")
    gdp = pd.read_csv(src / "gdp.csv")["gdp"].to_numpy(dtype=float)
    ex, im = np.nonzero(np.nan_to_num(matrix) > 0)
    frame = pl.DataFrame({
        "exporter": [labels[i] for i in ex],
        "importer": [labels[j] for j in im],
        "value": matrix[ex, im],
    })
    tmp = OUT / "world_trade.parquet.tmp"
    frame.write_parquet(tmp, compression="zstd", compression_level=19)
    tmp.replace(OUT / "world_trade.parquet")
    tmp = OUT / "world_gdp.csv.tmp"
    with tmp.open("w") as fh:
        fh.write("# Source: shared/data/gravity/liberation_day_2025 (Ignatenko et al. 2025), GDP in USD; "
                 "built by scripts/build_world_trade.py\n")
        pl.DataFrame({"country": labels, "gdp": gdp}).write_csv(fh)
    tmp.replace(OUT / "world_gdp.csv")
    print(f"world trade: {frame.height} flows among {len(labels)} countries; GDP for {len(labels)}")


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared")
