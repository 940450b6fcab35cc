"""Estimated metal content of each HTS10 product (BEA input-output shares).

Used only when a metal-content duty must be estimated without a declared metal share (effective
rates, panels); the engine's default for a single entry is CBP's rule, the full value. Bundled file
built by ``scripts/build_metal_shares.py`` from the Yale Budget Lab's compilation of BEA tables.

>>> import numpy as np
>>> shares = metal_share_array(np.array(["7326908688", "0000000000"]), "steel")
>>> bool(0 < shares[0] <= 1), float(shares[1])
(True, 1.0)
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

_COLUMNS = {"steel": "steel", "aluminum": "aluminum", "copper": "copper", "any": "metal"}


@functools.lru_cache(maxsize=1)
def _table() -> pd.DataFrame:
    import polars as pl

    path = Path(str(resources.files("tariffscope"))) / "data" / "default" / "metal_shares_bea.parquet"
    return pl.read_parquet(path).to_pandas().set_index("hts10")


def metal_share_array(codes: np.ndarray, metal: str, missing: float = 1.0) -> np.ndarray:
    """The share of ``metal`` ('steel', 'aluminum', 'copper' or 'any') in each code's value.

    Codes absent from the table get ``missing`` (1.0: the full value, the conservative reading)."""
    table = _table()
    col = _COLUMNS.get(metal, "metal")
    idx = table.index.get_indexer(pd.Index(np.asarray(codes, dtype=object)))
    vals = table[col].to_numpy(dtype=np.float64)
    out = np.where(idx >= 0, vals[np.maximum(idx, 0)], missing)
    return np.clip(np.nan_to_num(out, nan=missing), 0.0, 1.0)
