"""Input checks and result objects of the general-equilibrium model (no shared data needed)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tariffscope.economics.ge import GEModel, compare
from tariffscope.economics.trade_data import Tariffs, TradeMatrix, bilateral_matrix
from tariffscope.errors import ConvergenceError, InputError, UnknownCountryError

COUNTRIES = ("AAA", "BBB", "CCC")
FLOWS = np.array([[60.0, 10.0, 5.0], [8.0, 50.0, 6.0], [4.0, 9.0, 40.0]])


def _long(values: np.ndarray = FLOWS, domestic: bool = True) -> pd.DataFrame:
    rows = [
        {"exporter": e, "importer": i, "value": values[a, b]}
        for a, e in enumerate(COUNTRIES)
        for b, i in enumerate(COUNTRIES)
        if domestic or a != b
    ]
    return pd.DataFrame(rows)


def test_long_and_square_agree(tmp_path) -> None:  # type: ignore[no-untyped-def]
    long = TradeMatrix.from_long(_long())
    labels = tmp_path / "labels.csv"
    pd.DataFrame({"iso3": COUNTRIES}).to_csv(labels, index=False)
    square = TradeMatrix.from_square(pd.DataFrame(FLOWS), labels)
    assert long.countries == square.countries == COUNTRIES
    np.testing.assert_array_equal(long.values, square.values)
    assert long.deficit.sum() == pytest.approx(0.0)


def test_missing_domestic_flows_are_named() -> None:
    with pytest.raises(InputError, match=r"domestic \(own\) flows are missing for 3 of 3 countries.*gdp"):
        TradeMatrix.from_long(_long(domestic=False))


def test_gdp_imputes_domestic_flows_and_floors_at_zero() -> None:
    gdp = pd.DataFrame({"country": COUNTRIES, "gdp": [100.0, 10.0, 60.0]})
    with pytest.warns(UserWarning, match="BBB"):
        trade = TradeMatrix.from_long(_long(domestic=False), gdp=gdp)
    exports = FLOWS.sum(axis=1) - np.diag(FLOWS)
    assert trade.domestic.tolist() == [100.0 - exports[0], 0.0, 60.0 - exports[2]]
    assert trade.domestic_imputed == ("BBB",)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (np.array([[1.0, -2.0], [3.0, 4.0]]), "non-negative"),
        (np.array([[1.0, np.nan], [3.0, 4.0]]), "finite"),
        (np.ones((2, 3)), "square"),
    ],
)
def test_bad_matrices(values: np.ndarray, message: str) -> None:
    with pytest.raises(InputError, match=message):
        TradeMatrix(("A", "B"), values)


def test_unlabeled_or_duplicated_labels() -> None:
    with pytest.raises(InputError, match="labels"):
        TradeMatrix(("A",), np.ones((2, 2)))
    with pytest.raises(InputError, match="unique"):
        TradeMatrix(("A", "A"), np.ones((2, 2)))


def test_percentages_are_refused_with_a_hint() -> None:
    with pytest.raises(InputError, match=r"tariffs must be fractions: got 24, did you mean 0.24\?"):
        Tariffs.from_importer_vector({"AAA": 24.0}, "BBB", COUNTRIES)
    model = GEModel(TradeMatrix(COUNTRIES, FLOWS))
    with pytest.raises(InputError, match=r"did you mean 0\.24"):
        model.solve(tariffs={("AAA", "BBB"): 24})
    with pytest.raises(InputError, match="own goods"):
        Tariffs(COUNTRIES, np.eye(3) * 0.1)


@pytest.mark.parametrize("theta", [-4.0, 0.0, 100.0, float("nan")])
def test_trade_elasticity_out_of_range(theta: float) -> None:
    with pytest.raises(InputError, match="trade elasticity"):
        GEModel(TradeMatrix(COUNTRIES, FLOWS), trade_elasticity=theta)


def test_bad_options() -> None:
    trade = TradeMatrix(COUNTRIES, FLOWS)
    with pytest.raises(InputError, match="deficits"):
        GEModel(trade, deficits="fixed")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="not both"):
        GEModel(trade).solve(tariffs=0.1, tariff_change=0.1)
    with pytest.raises(UnknownCountryError):
        bilateral_matrix({("AAA", "ZZZ"): 0.1}, COUNTRIES, "tariffs", default=0.0)


def test_convergence_error_carries_the_residual() -> None:
    model = GEModel(TradeMatrix(COUNTRIES, FLOWS))
    with pytest.raises(ConvergenceError) as info:
        model.solve(tariffs=0.3, max_iterations=2)
    assert info.value.residual is not None and info.value.residual > 0
    assert info.value.iterations == 2


def test_result_object() -> None:
    model = GEModel(TradeMatrix(COUNTRIES, FLOWS, unit="USD"), trade_elasticity=5.0)
    low = model.solve(
        tariffs=Tariffs.from_importer_vector({"AAA": 0.1, "CCC": 0.1}, "BBB", COUNTRIES), label="low"
    )
    high = model.solve(tariff_change={("AAA", "BBB"): 0.3, ("CCC", "BBB"): 0.3}, label="high")
    frame = low.to_frame()
    for column in (
        "country",
        "welfare_change",
        "real_gdp_change",
        "exports_change",
        "imports_change",
        "tariff_revenue",
    ):
        assert column in frame.columns
    assert frame.set_index("country").loc["BBB", "tariff_revenue"] > 0
    payload = json.loads(json.dumps(low.to_dict()))
    assert [c["country"] for c in payload["countries"]] == list(COUNTRIES)
    table = low.compare(high)
    assert list(table.columns) == ["low", "high"]
    assert table.loc["BBB", "high"] != table.loc["BBB", "low"]
    assert compare([low, high], measure="price_index_change").shape == (3, 2)
    assert "welfare" in low.summary()
    assert low.figure().data[0].orientation == "h"
    with pytest.raises(ValueError):
        low.new_flows[0, 0] = 1.0  # immutable


def test_anderson_stagnation_falls_back_to_the_damped_iteration() -> None:
    """Regression (found by hypothesis): a small country with a deficit ten times its output, tariffs of
    120% and additive deficits made Anderson cycle; the damped iteration converges from its best point."""
    import numpy as np

    from tariffscope.economics.ge import GEModel
    from tariffscope.economics.trade_data import TradeMatrix

    v = np.array([[3.35033174e01, 4.71824836e00, 2.37440272e-01],
                  [1.68438608e-01, 2.25612054e02, 1.13279272e01],
                  [9.49050127e-02, 3.46133524e-01, 8.03904389e-01]])
    trade = TradeMatrix(countries=("C0", "C1", "C2"), values=v)
    tariffs = np.full((3, 3), 1.2) - np.diag([1.2] * 3)
    fast = GEModel(trade, 2.0, "additive").solve(tariffs=tariffs)
    plain = GEModel(trade, 2.0, "additive").solve(tariffs=tariffs, acceleration="none", max_iterations=200_000)
    np.testing.assert_allclose(fast.welfare_change.to_numpy(), plain.welfare_change.to_numpy(), atol=1e-9)
