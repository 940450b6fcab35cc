"""Links from the rule engine to the trade models: a product's rate change feeds the PE model.

:func:`pe_tables_from_schedule` takes imports by HTS10 product and origin and fills the initial tariff
(the applied rate on ``date_from``) and the new tariff (on ``date_to``, possibly under another policy,
e.g. a scenario branch) from :class:`~tariffscope.policy.schedule.Schedule`. Partner-level effective rates
feed the GE model through :func:`tariffscope.economics.world.us_tariff_equilibrium`.

>>> import pandas as pd
>>> from tariffscope.policy.schedule import Schedule
>>> imports = pd.DataFrame({"product": ["8703230190", "8703230190"], "origin": ["JPN", "MEX"],
...                         "value": [39.7, 10.0]})
>>> table, changes = pe_tables_from_schedule(imports, Schedule.default(), "2025-01-01", "2025-06-01")
>>> table["tariff"].round(3).tolist(), changes["new_tariff"].round(3).tolist()
([0.025, 0.025], [0.275, 0.275])
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import polars as pl

from tariffscope.errors import InputError


def pe_tables_from_schedule(
    imports: pd.DataFrame,
    schedule: Any,
    date_from: dt.date | str,
    date_to: dt.date | str,
    schedule_to: Any = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """PE inputs with tariffs from the rule engine: ``(product, origin, value, tariff)`` and
    ``(product, origin, new_tariff)``. ``product`` must be HTS10 codes (dots allowed)."""
    missing = {"product", "origin", "value"} - set(imports.columns)
    if missing:
        raise InputError(f"imports need columns product, origin, value; missing {', '.join(sorted(missing))}")
    frame = pl.DataFrame({"hts": imports["product"].astype(str).tolist(), "origin": imports["origin"].astype(str).tolist()})
    r0 = schedule.rates(frame.with_columns(pl.lit(str(date_from)).alias("entry_date")))
    r1 = (schedule_to or schedule).rates(frame.with_columns(pl.lit(str(date_to)).alias("entry_date")))
    table = pd.DataFrame({"product": imports["product"].astype(str).to_numpy(), "origin": imports["origin"].to_numpy(),
                          "value": imports["value"].to_numpy(), "tariff": r0["total_rate"].to_numpy()})
    changes = pd.DataFrame({"product": table["product"], "origin": table["origin"],
                            "new_tariff": r1["total_rate"].to_numpy()})
    return table, changes
