"""Reference: Stata ``ge_gravity`` (Zylkin 2019) EU-enlargement example, additive and multiplicative deficits.

Source: Baier, Yotov & Zylkin (2019), "On the widely differing effects of free trade agreements", J. Int.
Econ. 116, and the example shipped with Stata's ``ge_gravity`` (help file, "Examples"): 44 countries, WIOD,
2000-2014. Published numbers: ``../shared/reference/ge_gravity_eu_enlargement.md`` (PPML coefficient on
``eu_enlargement`` 0.224249), ``ge_gravity_eu_enlargement_welfare_2000.csv`` (welfare ratios ``w_eu``,
``w_mult``) and ``data/gravity/zylkin_eu_2000/ge_gravity_reference_results.csv`` (new flows ``X_eu``,
``X_mult``). Stata stored these as 4-byte floats (7 significant digits), hence the tolerance of 1e-6
(absolute on welfare ratios, relative on flows).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tariffscope.economics.estimation import PPMLGravity
from tariffscope.economics.ge import GEModel
from tariffscope.economics.trade_data import TradeMatrix

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
DATA = SHARED / "data" / "gravity" / "zylkin_eu_2000"
pytestmark = pytest.mark.shared


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"reference data absent: {path} (../shared is not beside the repository)")
    return path


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return pd.read_csv(_require(DATA / "ge_gravity_example_data.csv"))


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    frame = pd.read_csv(_require(DATA / "ge_gravity_reference_results.csv"))
    return frame[frame.year == 2000].sort_values(["exporter", "importer"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def coefficient(panel: pd.DataFrame) -> float:
    international = panel[panel.exporter != panel.importer]
    result = PPMLGravity(
        international,
        trade="trade",
        regressors=("eu_enlargement", "other_fta"),
        fixed_effects=(("exporter", "year"), ("importer", "year"), ("exporter", "importer")),
        cluster=("exporter", "importer"),
    ).fit()
    return result.coef("eu_enlargement")


def test_ppml_coefficient_matches_ppmlhdfe(coefficient: float) -> None:
    assert coefficient == pytest.approx(0.224249, abs=1e-6)


@pytest.fixture(scope="module")
def model_inputs(panel: pd.DataFrame, coefficient: float) -> tuple[TradeMatrix, pd.DataFrame]:
    ordered = panel.sort_values(["exporter", "importer", "year"])
    first = ordered.groupby(["exporter", "importer"]).eu_enlargement.first()
    last = ordered.groupby(["exporter", "importer"]).eu_enlargement.last()
    effect = (coefficient * (last - first)).rename("beta").reset_index()
    year = panel[panel.year == 2000]
    trade = TradeMatrix.from_long(year, value="trade")
    return trade, effect


@pytest.mark.parametrize(
    ("deficits", "welfare", "flows"), [("additive", "w_eu", "X_eu"), ("multiplicative", "w_mult", "X_mult")]
)
def test_every_country_welfare_and_flow(
    model_inputs: tuple[TradeMatrix, pd.DataFrame],
    reference: pd.DataFrame,
    deficits: str,
    welfare: str,
    flows: str,
) -> None:
    trade, effect = model_inputs
    result = GEModel(trade, trade_elasticity=4.0, deficits=deficits).solve(partial_effect=effect)  # type: ignore[arg-type]

    published = reference.groupby("exporter")[welfare].first()
    ours = 1.0 + result.welfare_change
    assert list(ours.index) == list(published.index)
    np.testing.assert_allclose(ours.to_numpy(), published.to_numpy(), rtol=0, atol=1e-6)

    new = result.flows_frame().set_index(["exporter", "importer"])["new"]
    expected = reference.set_index(["exporter", "importer"])[flows]
    np.testing.assert_allclose(new.loc[expected.index].to_numpy(), expected.to_numpy(), rtol=1e-6)


def test_published_examples_in_the_help_file(model_inputs: tuple[TradeMatrix, pd.DataFrame]) -> None:
    """MLT +1.535 %, HUN +1.404 %, SVN +1.180 %, RUS -0.020 % (additive deficits)."""
    trade, effect = model_inputs
    welfare = GEModel(trade, 4.0).solve(partial_effect=effect).welfare_change
    assert welfare["MLT"] == pytest.approx(0.01535, abs=5e-6)
    assert welfare["HUN"] == pytest.approx(0.01404, abs=5e-6)
    assert welfare["SVN"] == pytest.approx(0.01180, abs=5e-6)
    assert welfare["RUS"] == pytest.approx(-0.00020, abs=5e-6)
    assert welfare.idxmin() == "RUS"


def test_welfare_file_agrees(model_inputs: tuple[TradeMatrix, pd.DataFrame]) -> None:
    table = pd.read_csv(
        _require(SHARED / "reference" / "ge_gravity_eu_enlargement_welfare_2000.csv")
    ).set_index("exporter")
    trade, effect = model_inputs
    for deficits, column in (("additive", "w_eu"), ("multiplicative", "w_mult")):
        welfare = GEModel(trade, 4.0, deficits).solve(partial_effect=effect).welfare_change  # type: ignore[arg-type]
        np.testing.assert_allclose(
            (1 + welfare).loc[table.index].to_numpy(), table[column].to_numpy(), atol=1e-6
        )
