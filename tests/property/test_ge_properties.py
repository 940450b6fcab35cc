"""Properties of the general-equilibrium solver (hypothesis): invariances every correct solution has."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tariffscope.economics.ge import GEModel
from tariffscope.economics.trade_data import TradeMatrix

SETTINGS = settings(max_examples=40, deadline=None)


@st.composite
def economies(draw: st.DrawFn) -> tuple[TradeMatrix, np.random.Generator]:
    n = draw(st.integers(min_value=2, max_value=9))
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    rng = np.random.default_rng(seed)
    flows = np.exp(rng.uniform(-3.0, 3.0, size=(n, n)))
    np.fill_diagonal(flows, 0.0)
    # Domestic flows of one to twenty times exports: every country is a sizeable producer and buyer.
    np.fill_diagonal(flows, flows.sum(axis=1) * rng.uniform(1.0, 20.0, size=n))
    return TradeMatrix(tuple(f"C{k}" for k in range(n)), flows), rng


def _tariffs(rng: np.random.Generator, n: int, high: float = 0.5) -> np.ndarray:
    rates = rng.uniform(0.0, high, size=(n, n)) * (rng.uniform(size=(n, n)) < 0.6)
    np.fill_diagonal(rates, 0.0)
    return rates


deficit_options = st.sampled_from(["additive", "multiplicative"])
elasticities = st.floats(min_value=1.5, max_value=12.0)


@SETTINGS
@given(economies(), deficit_options, elasticities)
def test_no_change_means_no_welfare_change(
    economy: tuple[TradeMatrix, np.random.Generator], deficits: str, theta: float
) -> None:
    trade, rng = economy
    baseline = _tariffs(rng, len(trade))
    model = GEModel(trade, theta, deficits, baseline_tariffs=baseline)  # type: ignore[arg-type]
    result = model.solve(tariff_change=np.zeros((len(trade), len(trade))))
    np.testing.assert_allclose(result.welfare_change.to_numpy(), 0.0, atol=1e-10)
    np.testing.assert_allclose(result.new_flows, trade.values, rtol=1e-9)
    np.testing.assert_allclose(
        result.tariff_revenue.to_numpy(), (trade.values * baseline).sum(axis=0), rtol=1e-9
    )


@SETTINGS
@given(economies(), deficit_options, elasticities)
def test_solution_does_not_depend_on_the_starting_point(
    economy: tuple[TradeMatrix, np.random.Generator], deficits: str, theta: float
) -> None:
    trade, rng = economy
    n = len(trade)
    model = GEModel(trade, theta, deficits)  # type: ignore[arg-type]
    shock = {"tariffs": _tariffs(rng, n), "partial_effect": rng.normal(0.0, 0.3, size=(n, n))}
    reference = model.solve(**shock)
    for start in (rng.uniform(0.2, 5.0, size=n), np.full(n, 1e-3), np.exp(rng.normal(0.0, 3.0, size=n))):
        other = model.solve(**shock, start=start)
        np.testing.assert_allclose(
            other.welfare_change.to_numpy(), reference.welfare_change.to_numpy(), atol=1e-9
        )
        np.testing.assert_allclose(other.wage_hat, reference.wage_hat, rtol=1e-9)
    plain = model.solve(**shock, acceleration="none")
    np.testing.assert_allclose(plain.wage_hat, reference.wage_hat, rtol=1e-9)


@SETTINGS
@given(economies(), deficit_options, elasticities)
def test_tariff_revenue_is_non_negative_and_markets_clear(
    economy: tuple[TradeMatrix, np.random.Generator], deficits: str, theta: float
) -> None:
    trade, rng = economy
    n = len(trade)
    result = GEModel(trade, theta, deficits).solve(tariffs=_tariffs(rng, n, high=1.2))  # type: ignore[arg-type]
    assert np.all(result.tariff_revenue.to_numpy() >= 0)
    output = trade.output * result.wage_hat
    assert np.isclose(np.sum(output), np.sum(trade.output), rtol=1e-12)  # world output is the numeraire
    sales = result.new_flows.sum(axis=1)
    ratio = sales / output  # one common factor (exactly one with additive deficits)
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-9)
    if deficits == "additive":
        np.testing.assert_allclose(ratio, 1.0, rtol=1e-9)


@SETTINGS
@given(economies(), elasticities)
def test_acr_formula_with_balanced_trade(
    economy: tuple[TradeMatrix, np.random.Generator], theta: float
) -> None:
    """Balanced trade, no tariffs: welfare change is the ACR formula (lambda_jj'/lambda_jj)^(-1/theta)."""
    trade, rng = economy
    flows = trade.values + trade.values.T  # symmetric, hence balanced
    balanced = TradeMatrix(trade.countries, flows)
    n = len(trade)
    result = GEModel(balanced, theta).solve(
        partial_effect=rng.normal(0.0, 0.5, size=(n, n)) * (1 - np.eye(n))
    )
    old_share = np.diag(flows) / flows.sum(axis=0)
    new_share = np.diag(result.new_flows) / result.new_flows.sum(axis=0)
    np.testing.assert_allclose(
        1 + result.welfare_change.to_numpy(), (new_share / old_share) ** (-1 / theta), rtol=1e-9
    )
