"""The world trade data bundled for general-equilibrium runs, and the link from US tariff rates to GE.

The bundled data are the 194-country flows and GDP of Ignatenko, Lashkaripour, Macedoni & Simonovska
(2025) (CEPII flows, thousands of USD; built by ``scripts/build_world_trade.py``), with domestic
spending imputed from GDP as the paper does (:meth:`TradeMatrix.with_domestic_from_gdp`).

:func:`us_tariff_equilibrium` turns the US tariff on each partner (e.g. trade-weighted effective rates
from the rule engine, before and after a policy) into a GE counterfactual.

>>> trade = load_world_trade()
>>> len(trade), "JPN" in trade.countries
(194, True)
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tariffscope.economics.ge import GEModel, GEResult
from tariffscope.economics.trade_data import TradeMatrix
from tariffscope.errors import InputError


def _default_dir() -> Path:
    return Path(str(resources.files("tariffscope"))) / "data" / "default"


@functools.lru_cache(maxsize=1)
def load_world_trade() -> TradeMatrix:
    """The bundled 194-country trade matrix with domestic flows imputed from GDP (cached)."""
    import polars as pl

    flows = pl.read_parquet(_default_dir() / "world_trade.parquet").to_pandas()
    gdp = pd.read_csv(_default_dir() / "world_gdp.csv", comment="#")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GMB and MHL export more than their GDP: floored, as in the paper
        return TradeMatrix.from_long(flows, gdp=gdp, gdp_scale=1e-3, unit="thousand USD")


def us_tariff_equilibrium(
    new_rates: Mapping[str, float],
    baseline_rates: Mapping[str, float] | None = None,
    *,
    trade: TradeMatrix | None = None,
    trade_elasticity: float = 4.0,
    deficits: str = "additive",
    importer: str = "USA",
    label: str | None = None,
    start: Any = None,
) -> GEResult:
    """GE effects of moving the US tariff on each exporter from ``baseline_rates`` to ``new_rates``.

    Countries of the trade data missing from a mapping keep the other mapping's rate (or zero). Only the
    importer's column of tariffs changes; every other country's tariffs stay as in the baseline (zero).
    """
    data = trade if trade is not None else load_world_trade()
    if importer not in data.countries:
        raise InputError(f"importer '{importer}' is not in the trade data")
    countries = data.countries
    base = dict(baseline_rates or {})
    new = dict(new_rates)
    n = len(countries)
    j = countries.index(importer)
    t0 = np.zeros((n, n))
    t1 = np.zeros((n, n))
    for i, c in enumerate(countries):
        if c == importer:
            continue
        b = base.get(c, new.get(c, 0.0))
        t0[i, j] = b
        t1[i, j] = new.get(c, b)
    model = GEModel(data, trade_elasticity=trade_elasticity, deficits=deficits,  # type: ignore[arg-type]
                    baseline_tariffs=t0)
    return model.solve(tariffs=t1, label=label, start=start)
