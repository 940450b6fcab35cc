"""Reference: Ignatenko, Lashkaripour, Macedoni & Simonovska (2025), "Making America Great Again? The
Economic Impacts of Liberation Day Tariffs", Table 1, case 1 (USTR tariffs, no retaliation, trade
elasticity 4): US welfare +1.13 %, non-US (spending-weighted) average -0.58 %
(``../shared/reference/liberation_day_2025_table1.csv``), on their 194-country data
(``../shared/data/gravity/liberation_day_2025``).

Our model is the one-sector Armington/Eaton-Kortum model with fixed deficits, fixed labour supply and
tariff revenue rebated lump sum; the paper's adds endogenous deficits, elastic labour supply with tariff
revenue cutting income taxes, scale economies and partial tariff pass-through (see
``docs/liberation_day.md``). We follow the paper's data conventions (GDP in USD over trade in thousand USD,
domestic flows GDP minus exports floored at zero, a 10 % floor on the US tariff vector, non-US averages
weighted by baseline spending) and assert the numbers *our* model gives, to 1e-5 (solver tolerance is
1e-12; the margin covers floating-point differences across BLAS builds). Measured:

============================  ========  ===============  =========
                              paper     additive (ours)  multipl.
============================  ========  ===============  =========
US welfare                    +1.13 %   +0.359 %         +0.760 %
non-US average welfare        -0.58 %   -0.296 %         -0.205 %
============================  ========  ===============  =========
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tariffscope.economics.ge import GEModel, GEResult
from tariffscope.economics.trade_data import Tariffs, TradeMatrix

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
DATA = SHARED / "data" / "gravity" / "liberation_day_2025"
pytestmark = pytest.mark.shared

#: What our model gives (fractions), see the module docstring.
MEASURED = {
    "additive": {"us_welfare": 0.003587, "non_us_welfare": -0.002957},
    "multiplicative": {"us_welfare": 0.007597, "non_us_welfare": -0.002050},
}


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"reference data absent: {path} (../shared is not beside the repository)")
    return path


@pytest.fixture(scope="module")
def trade() -> TradeMatrix:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GMB and MHL export more than their GDP: floored, as in the paper
        return TradeMatrix.from_square(
            _require(DATA / "trade_cepii.csv"),
            _require(DATA / "country_labels.csv"),
            gdp=_require(DATA / "gdp.csv"),
            gdp_scale=1e-3,
            missing="zero",
            unit="thousand USD",
        )


@pytest.fixture(scope="module")
def tariffs(trade: TradeMatrix) -> Tariffs:
    return Tariffs.from_importer_vector(_require(DATA / "tariffs.csv"), "USA", trade.countries, minimum=0.10)


def _non_us_average(result: GEResult) -> float:
    frame = result.to_frame()
    weights = result.baseline_expenditure
    mask = frame.country.to_numpy() != "USA"
    return float(np.average(frame.welfare_change.to_numpy()[mask], weights=weights[mask]))


def test_data_conventions(trade: TradeMatrix, tariffs: Tariffs) -> None:
    assert len(trade) == 194
    assert trade.domestic_imputed == ("GMB", "MHL")
    us = trade.index("USA")
    assert tariffs.rates[:, us].min() == 0.0  # the US itself
    assert tariffs.rates[trade.index("RUS"), us] == pytest.approx(0.10)  # raised to the 10 % floor
    assert tariffs.rates[trade.index("CHN"), us] == pytest.approx(0.54)
    assert np.count_nonzero(tariffs.rates[:, :us]) == 0


@pytest.mark.parametrize("deficits", ["additive", "multiplicative"])
def test_table1_case1(trade: TradeMatrix, tariffs: Tariffs, deficits: str) -> None:
    table = pd.read_csv(
        _require(SHARED / "reference" / "liberation_day_2025_table1.csv"), comment="#"
    ).set_index("region")
    paper_us, paper_rest = table.loc["USA", "welfare"] / 100, table.loc["non-US average", "welfare"] / 100
    assert (paper_us, paper_rest) == (0.0113, -0.0058)

    result = GEModel(trade, trade_elasticity=4.0, deficits=deficits).solve(tariffs=tariffs)  # type: ignore[arg-type]
    us = float(result.welfare_change["USA"])
    rest = _non_us_average(result)
    assert us == pytest.approx(MEASURED[deficits]["us_welfare"], abs=1e-5)
    assert rest == pytest.approx(MEASURED[deficits]["non_us_welfare"], abs=1e-5)
    # Same qualitative finding as the paper: the US gains (terms of trade), the rest of the world loses,
    # and the one-sector model without endogenous deficits and labour-supply effects gains less.
    assert 0 < us < paper_us
    assert paper_rest < rest < 0
    assert float(result.price_index_change["USA"]) == pytest.approx(
        0.1136 if deficits == "additive" else 0.1171, abs=1e-3
    )
    assert float(result.tariff_revenue["USA"]) > 0
