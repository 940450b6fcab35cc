"""Reference tests of the SMART-style partial-equilibrium model (tariffscope.economics.pe).

Sources of the formulas checked here:

- Jammes, O. and Olarreaga, M. (2005), "Explaining SMART and GSIM", World Bank: trade creation
  ``TC = eps m dt/(1+t)`` and two-group trade diversion
  ``TD = sigma m_c m_rest/(m_c + m_rest) x d(p_rest/p_c)/(p_rest/p_c)`` with infinite export supply (section 1),
  and the finite export-supply extension (section 2).
- Laird, S. and Yeats, A. (1986), "The UNCTAD Trade Policy Simulation Model", UNCTAD DP 19, annex I:
  trade creation with finite export supply ``TC = M eps dt/((1+t)(1 - eps/omega))``.
- WITS online help, SMART chapters: trade diversion sums to zero on the market side; default elasticities
  (substitution 1.5, export supply 99 = infinite).

No worked example *with published numbers* could be retrieved for SMART (the stored copies of Jammes and
Olarreaga and of the WITS help give formulas, not a numerical table). So the tests compare the model with
(a) SMART's first-order formulas for small tariff changes, where the model must agree to O(dt^2);
(b) a hand-computed two-origin example in exact rational arithmetic (``fractions.Fraction``);
(c) an independent plain-Python implementation of the finite-change closed form;
(d) scipy root finding and quadrature for the finite-supply equilibrium and the consumer surplus;
(e) the model's identities. Tolerances are stated in each test.
"""

from __future__ import annotations

import dataclasses
import doctest
import json
import math
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, optimize

from tariffscope.economics import pe
from tariffscope.economics.pe import RESULT_COLUMNS, PEModel, PEResult
from tariffscope.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
DOCS = ROOT / "docs" / "pe_japan_cars.md"
CROSSWALK = ROOT.parent / "shared" / "data" / "weights" / "hs10_gtap_crosswalk.csv"


def market(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["product", "origin", "value", "tariff"])


def changes(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["product", "origin", "new_tariff"])


def random_market(seed: int, n_products: int = 6, n_origins: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    rows, new = [], []
    for g in range(n_products):
        for c in range(n_origins):
            t0 = float(rng.choice([0.0, 0.025, 0.1, rng.uniform(0, 0.5)]))
            rows.append((f"{10 + g:02d}0{g}00", f"C{c}", float(rng.uniform(0.5, 100)), t0))
            new.append((f"{10 + g:02d}0{g}00", f"C{c}", float(rng.uniform(0, 1.0))))
    return market(rows), changes(new)


# ---------------------------------------------------------------------------------------------------------
# (a) SMART's first-order formulas
# ---------------------------------------------------------------------------------------------------------


def test_trade_creation_matches_smart_first_order() -> None:
    """TC = eps m dt/(1+t0) (Jammes and Olarreaga 2005, section 1) for a small change: relative error < 1e-5."""
    m, t0, dt, eps = 250.0, 0.08, 1e-7, -1.7
    model = PEModel(
        market([("100100", "A", m, t0), ("100100", "B", 80.0, 0.0)]), import_demand_elasticity=eps
    )
    frame = model.solve(changes([("100100", "A", t0 + dt)])).to_frame()
    smart = eps * m * dt / (1 + t0)
    assert frame["trade_creation"].iloc[0] == pytest.approx(smart, rel=1e-5)
    assert frame["trade_creation"].iloc[1] == 0.0  # SMART: creation only where the price changes


def test_two_group_trade_diversion_matches_smart_formula() -> None:
    """TD_c = sigma m_c m_rest/(m_c+m_rest) x d(p_rest/p_c)/(p_rest/p_c) (J&O 2005), small cut: rel. err < 1e-5."""
    m_c, m_rest, t0, dt, sigma = 60.0, 140.0, 0.12, -2e-7, 2.5
    model = PEModel(
        market([("200200", "FTA", m_c, t0), ("200200", "ROW1", 90.0, t0), ("200200", "ROW2", 50.0, t0)]),
        substitution_elasticity=sigma,
    )
    frame = model.solve(changes([("200200", "FTA", t0 + dt)])).to_frame().set_index("origin")
    relative = (1 + t0) / (1 + t0 + dt) - 1  # d(p_rest/p_c)/(p_rest/p_c)
    smart_td = sigma * m_c * m_rest / (m_c + m_rest) * relative
    assert frame.loc["FTA", "trade_diversion"] == pytest.approx(smart_td, rel=1e-5)
    rest = frame.loc[["ROW1", "ROW2"], "trade_diversion"]
    assert rest.sum() == pytest.approx(-smart_td, rel=1e-5)
    # the losers lose in proportion to their trade
    assert rest["ROW1"] / rest["ROW2"] == pytest.approx(90.0 / 50.0, rel=1e-5)


def test_multi_origin_first_order_decomposition() -> None:
    """TC_c = eps m_c x_c and TD_c = sigma m_c sum_k s_k (x_k - x_c), x = dt/(1+t0): error O(dt^2)."""
    imports, _ = random_market(3, n_products=3, n_origins=4)
    h = 1e-6
    rng = np.random.default_rng(4)
    new = changes(
        [
            (p, o, t + h * rng.uniform(-1, 1))
            for p, o, t in zip(imports["product"], imports["origin"], imports["tariff"], strict=True)
        ]
    )
    model = PEModel(imports, import_demand_elasticity=-2.2, substitution_elasticity=3.3)
    frame = model.solve(new).to_frame()
    x = (frame["new_tariff"] - frame["tariff"]) / (1 + frame["tariff"])
    m = frame["import_value"]
    share = m / m.groupby(frame["product"]).transform("sum")
    mean_x = (share * x).groupby(frame["product"]).transform("sum")
    tc = -2.2 * m * x
    td = 3.3 * m * (mean_x - x)
    scale = float(np.max(np.abs(m))) * h
    assert np.max(np.abs(frame["trade_creation"] - tc)) < 1e-4 * scale
    assert np.max(np.abs(frame["trade_diversion"] - td)) < 1e-4 * scale


def test_laird_yeats_finite_supply_first_order() -> None:
    """TC = M eps dt/((1+t)(1-eps/omega)) (Laird and Yeats 1986) for a uniform small change; pass-through
    omega/(omega-eps). Relative error < 1e-5."""
    eps, omega, t0, dt = -1.25, 3.0, 0.05, 1e-7
    imports = market([("300300", "A", 10.0, t0), ("300300", "B", 30.0, t0), ("300300", "C", 60.0, t0)])
    result = PEModel(imports, import_demand_elasticity=eps, export_supply_elasticity=omega).solve(
        changes([("300300", "*", t0 + dt)])
    )
    frame = result.to_frame()
    expected = 100.0 * eps * dt / ((1 + t0) * (1 - eps / omega))
    assert frame["trade_change"].sum() == pytest.approx(expected, rel=1e-5)
    np.testing.assert_allclose(frame["pass_through"], omega / (omega - eps), rtol=1e-5)
    assert np.max(np.abs(frame["trade_diversion"])) < 1e-9  # a uniform change diverts nothing


# ---------------------------------------------------------------------------------------------------------
# (b) a hand-computed example in exact arithmetic
# ---------------------------------------------------------------------------------------------------------


def test_hand_computed_two_origin_example() -> None:
    """Preferential cut, infinite supply, eps = -2, sigma = 3 (integers, so the example is exact).

    Origin A: m = 100, tariff 10% -> 0%; origin B: m = 300, tariff 10% unchanged. With p_hat_A = 1/1.1:
    creation m_A p_hat_A**eps - m_A = 100 x 1.21 - 100 = 21 (SMART's first order: -2 x 100 x -0.1/1.1 = 18.18);
    product total after creation 421; reallocation weights 121 x 1.1**3 = 161.051 and 300, so
    m1_A = 421 x 161.051/461.051 = 147.06067..., diversion to A = 26.06067... = -(diversion from B);
    tariff revenue 40 -> 0.1 x m1_B.
    """
    F = Fraction
    ratio = F(11, 10)
    created_a = 100 * ratio**2
    weight_a = created_a * ratio**3
    total = created_a + 300
    m1_a = total * weight_a / (weight_a + 300)
    m1_b = total * 300 / (weight_a + 300)
    assert created_a == 121 and weight_a == F(161051, 1000)
    model = PEModel(
        market([("400400", "A", 100.0, 0.1), ("400400", "B", 300.0, 0.1)]),
        import_demand_elasticity=-2.0,
        substitution_elasticity=3.0,
    )
    frame = model.solve(changes([("400400", "A", 0.0)])).to_frame().set_index("origin")
    assert frame.loc["A", "trade_creation"] == pytest.approx(21.0, abs=1e-12)
    assert frame.loc["B", "trade_creation"] == 0.0
    assert frame.loc["A", "trade_diversion"] == pytest.approx(float(m1_a - created_a), abs=1e-12)
    assert frame.loc["B", "trade_diversion"] == pytest.approx(float(m1_b - 300), abs=1e-12)
    assert frame.loc["A", "new_import_value"] == pytest.approx(float(m1_a), abs=1e-12)
    assert float(m1_a) == pytest.approx(147.060674, abs=1e-6)
    revenue = frame["tariff_revenue_change"].sum()
    assert revenue == pytest.approx(float(F(1, 10) * m1_b - 40), abs=1e-12)
    assert frame.loc["A", "domestic_price_change"] == pytest.approx(1 / 1.1 - 1, abs=1e-15)
    assert frame.loc["A", "pass_through"] == pytest.approx(1.0, abs=1e-12)


# ---------------------------------------------------------------------------------------------------------
# (c) an independent implementation of the closed form
# ---------------------------------------------------------------------------------------------------------


def closed_form(
    imports: pd.DataFrame, new: pd.DataFrame, eps: float, sigma: float
) -> dict[tuple[str, str], dict[str, float]]:
    """Plain-Python loops over products, written from the equations of PEModel's Notes (infinite supply)."""
    new_rate = {(p, o): t for p, o, t in new.itertuples(index=False)}
    out: dict[tuple[str, str], dict[str, float]] = {}
    for product, group in imports.groupby("product"):
        flows = []
        for _, r in group.iterrows():
            t1 = new_rate.get((product, r["origin"]), r["tariff"])
            p_hat = (1 + t1) / (1 + r["tariff"])
            flows.append((r["origin"], r["value"], r["tariff"], t1, p_hat))
        created = {o: m * p**eps for o, m, _, _, p in flows}
        total = sum(created.values())
        weights = {o: created[o] * p ** (-sigma) for o, _, _, _, p in flows}
        norm = sum(weights.values())
        for o, m, t0, t1, p in flows:
            m1 = total * weights[o] / norm
            out[(str(product), o)] = {
                "trade_creation": created[o] - m,
                "trade_diversion": m1 - created[o],
                "new_import_value": m1,
                "tariff_revenue_change": t1 * m1 - t0 * m,
                "domestic_price_change": p - 1,
            }
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_infinite_supply_equals_independent_closed_form(seed: int) -> None:
    imports, new = random_market(seed)
    eps, sigma = -0.8 - seed, 0.5 + 2 * seed
    frame = (
        PEModel(imports, import_demand_elasticity=eps, substitution_elasticity=sigma).solve(new).to_frame()
    )
    expected = closed_form(imports, new, eps, sigma)
    for _, row in frame.iterrows():
        for column, value in expected[(row["product"], row["origin"])].items():
            assert row[column] == pytest.approx(value, rel=1e-12, abs=1e-10), column


def common_omega_closed_form(
    m: np.ndarray, ell: np.ndarray, eps: float, sigma: float, omega: float
) -> np.ndarray:
    """ln pi with a common export supply elasticity: C = (A0 - B0)/(1 - sigma kappa) (derivation in Notes)."""
    kappa = 1 / (omega + sigma - eps)
    z0 = kappa * omega * ell  # log domestic price change at C = 0
    a0 = math.log(float(np.sum(m * np.exp(eps * z0))))
    b0 = math.log(float(np.sum(m * np.exp((eps - sigma) * z0))))
    c = (a0 - b0) / (1 - sigma * kappa)
    return kappa * (c + (eps - sigma) * ell)


def test_finite_supply_common_omega_equals_closed_form() -> None:
    imports, new = random_market(7, n_products=1, n_origins=6)
    eps, sigma, omega = -1.4, 2.0, 4.0
    frame = PEModel(imports, eps, sigma, omega).solve(new).to_frame()
    ell = np.log1p(frame["new_tariff"].to_numpy()) - np.log1p(frame["tariff"].to_numpy())
    log_pi = common_omega_closed_form(frame["import_value"].to_numpy(), ell, eps, sigma, omega)
    np.testing.assert_allclose(np.log1p(frame["world_price_change"]), log_pi, rtol=0, atol=1e-13)


# ---------------------------------------------------------------------------------------------------------
# (d) scipy: finite-supply equilibrium, consumer surplus
# ---------------------------------------------------------------------------------------------------------


def test_finite_supply_matches_scipy_root() -> None:
    """Origins with different supply elasticities (incl. inf and 0): Newton vs scipy.optimize.root, 1e-10."""
    imports = market(
        [
            ("870323", "JPN", 40.0, 0.025),
            ("870323", "DEU", 25.0, 0.025),
            ("870323", "MEX", 48.0, 0.0),
            ("870323", "KOR", 36.0, 0.0),
            ("870323", "GBR", 9.0, 0.025),
        ]
    )
    imports["export_supply_elasticity"] = [2.0, 10.0, np.inf, 0.5, 0.0]
    new = changes([("870323", "*", 0.275), ("870323", "JPN", 0.15)])
    eps, sigma = -1.25, 1.5
    result = PEModel(imports, eps, sigma).solve(new)
    frame = result.to_frame()
    assert result.iterations > 1 and result.max_residual < 1e-12
    m = frame["import_value"].to_numpy()
    t0, t1 = frame["tariff"].to_numpy(), frame["new_tariff"].to_numpy()
    omega = imports["export_supply_elasticity"].to_numpy()
    finite = np.isfinite(omega)

    def excess(y_finite: np.ndarray) -> np.ndarray:
        y = np.zeros(len(m))
        y[finite] = y_finite
        p_hat = np.exp(y) * (1 + t1) / (1 + t0)
        created = m * p_hat**eps
        demand = created.sum() * created * p_hat**-sigma / np.sum(created * p_hat**-sigma)
        return (np.log(demand) - np.log(m) - np.where(finite, omega, 0.0) * y)[finite]

    sol = optimize.root(excess, np.zeros(int(finite.sum())), tol=1e-13)
    assert np.max(np.abs(excess(sol.x))) < 1e-12
    np.testing.assert_allclose(np.log1p(frame["world_price_change"])[finite], sol.x, atol=1e-10)
    # omega = 0: the exported quantity is fixed; its price is whatever clears the market
    assert frame.set_index("origin").loc["GBR", "trade_change"] == pytest.approx(0.0, abs=1e-9)


def test_infinite_supply_limit_of_the_finite_solver() -> None:
    """omega = 1e10 (Newton path) equals omega = inf (closed form) to 1e-8 relative to the flows."""
    imports, new = random_market(11)
    exact = PEModel(imports, -2.0, 3.0, math.inf).solve(new).to_frame()
    limit = PEModel(imports, -2.0, 3.0, 1e10).solve(new).to_frame()
    scale = float(exact["import_value"].max())
    for column in (
        "trade_creation",
        "trade_diversion",
        "new_import_value",
        "tariff_revenue_change",
        "consumer_surplus_change",
    ):
        assert np.max(np.abs(exact[column] - limit[column])) < 1e-8 * scale, column
    assert np.max(np.abs(limit["world_price_change"])) < 1e-8


def test_partial_pass_through_with_finite_supply() -> None:
    imports = market([("500500", "A", 70.0, 0.0), ("500500", "B", 30.0, 0.0)])
    frame = PEModel(imports, export_supply_elasticity=2.0).solve(changes([("500500", "A", 0.25)])).to_frame()
    a = frame.set_index("origin").loc["A"]
    assert 0.0 < a["pass_through"] < 1.0
    assert a["world_price_change"] < 0.0  # the exporter bears part of the tariff
    assert a["exporter_surplus_change"] < 0.0
    infinite = (
        PEModel(imports).solve(changes([("500500", "A", 0.25)])).to_frame().set_index("origin").loc["A"]
    )
    assert abs(a["trade_change"]) < abs(infinite["trade_change"])


def test_consumer_surplus_single_origin_is_the_exact_integral() -> None:
    """One origin, constant elasticity: -m0 p0 (p_hat**(eps+1) - 1)/(eps+1), to 1e-10 relative."""
    m0, t0, t1, eps = 80.0, 0.025, 0.275, -1.25
    frame = (
        PEModel(market([("870323", "JPN", m0, t0)]), eps).solve(changes([("870323", "JPN", t1)])).to_frame()
    )
    p0, p_hat = 1 + t0, (1 + t1) / (1 + t0)
    exact = -m0 * p0 * (p_hat ** (eps + 1) - 1) / (eps + 1)
    assert frame["consumer_surplus_change"].iloc[0] == pytest.approx(exact, rel=1e-10)
    # net welfare = CS + revenue; a tariff increase with fixed world prices costs the importer
    assert frame["net_welfare_change"].iloc[0] == pytest.approx(
        exact + frame["tariff_revenue_change"].iloc[0]
    )
    assert frame["net_welfare_change"].iloc[0] < 0


def test_consumer_surplus_two_origins_matches_scipy_quad() -> None:
    eps, sigma = -2.0, 3.0
    imports = market([("400400", "A", 100.0, 0.1), ("400400", "B", 300.0, 0.1)])
    frame = PEModel(imports, eps, sigma).solve(changes([("400400", "A", 0.4)])).to_frame()

    def demand_a(p: float) -> float:
        q = p / 1.1
        created_a = 100 * q**eps
        total = created_a + 300
        return total * created_a * q**-sigma / (created_a * q**-sigma + 300)

    area, _ = integrate.quad(demand_a, 1.1, 1.4, epsabs=1e-13, epsrel=1e-13)
    assert frame["consumer_surplus_change"].iloc[0] == pytest.approx(-area, rel=1e-10)
    assert frame["consumer_surplus_change"].iloc[1] == 0.0


# ---------------------------------------------------------------------------------------------------------
# (e) identities
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("omega", [math.inf, 3.0])
def test_identities(omega: float) -> None:
    imports, new = random_market(21)
    frame = PEModel(imports, export_supply_elasticity=omega).solve(new).to_frame()
    by_product = frame.groupby("product")["trade_diversion"].sum()
    assert np.max(np.abs(by_product)) < 1e-10
    np.testing.assert_allclose(
        frame["trade_change"], frame["trade_creation"] + frame["trade_diversion"], atol=1e-12
    )
    np.testing.assert_allclose(
        frame["import_value_change"], frame["trade_change"] + frame["world_price_effect"], atol=1e-12
    )
    np.testing.assert_allclose(
        frame["new_import_value"], frame["import_value"] + frame["import_value_change"], atol=1e-12
    )
    np.testing.assert_allclose(
        frame["net_welfare_change"],
        frame["consumer_surplus_change"] + frame["tariff_revenue_change"],
        atol=1e-12,
    )


# ---------------------------------------------------------------------------------------------------------
# The documented example: US passenger-car imports and the Japan deal (docs/pe_japan_cars.md)
# ---------------------------------------------------------------------------------------------------------


def read_example() -> tuple[pd.DataFrame, pd.DataFrame]:
    imports = pd.read_csv(EXAMPLES / "japan_cars_imports.csv", comment="#", dtype={"product": str})
    deal = pd.read_csv(EXAMPLES / "japan_cars_changes.csv", comment="#", dtype={"product": str})
    return imports, deal


JAPAN_DEAL = {  # origin: (trade creation, trade diversion, trade change, tariff revenue change), US$ billion
    "JPN": (-5.32, 1.88, -3.43, 4.45),
    "MEX": (-6.57, 2.09, -4.48, 5.44),
    "KOR": (-8.91, -2.85, -11.76, 6.21),
    "CAN": (-4.27, 1.36, -2.91, 3.54),
    "DEU": (-5.92, -1.82, -7.74, 4.07),
    "GBR": (-2.15, -0.66, -2.81, 1.48),
}


def test_japan_cars_example_numbers() -> None:
    """The numbers printed in docs/pe_japan_cars.md (rounded to $0.01B)."""
    imports, deal = read_example()
    result = PEModel(imports).solve(deal, name="Japan deal")
    frame = result.to_frame().set_index("origin")
    for origin, numbers in JAPAN_DEAL.items():
        got = frame.loc[
            origin, ["trade_creation", "trade_diversion", "trade_change", "tariff_revenue_change"]
        ]
        np.testing.assert_allclose(got.to_numpy(dtype=float), numbers, atol=0.005, err_msg=origin)
    totals = result.totals
    assert totals["trade_change"] == pytest.approx(-33.14, abs=0.005)
    assert totals["tariff_revenue_change"] == pytest.approx(25.18, abs=0.005)
    assert totals["consumer_surplus_change"] == pytest.approx(-28.73, abs=0.005)
    assert totals["net_welfare_change"] == pytest.approx(-3.55, abs=0.005)
    # the section 232 phase (27.5% on Japan) and Japan alone
    s232 = PEModel(imports).solve(
        changes([("8703", "*", 0.275), ("8703", "KOR", 0.25), ("8703", "MEX", 0.125), ("8703", "CAN", 0.125)])
    )
    assert s232.to_frame().set_index("origin").loc["JPN", "trade_change"] == pytest.approx(-11.50, abs=0.005)
    alone = PEModel(imports).solve(changes([("8703", "JPN", 0.275)])).to_frame().set_index("origin")
    assert alone.loc["JPN", "trade_change"] == pytest.approx(-16.84, abs=0.005)
    text = DOCS.read_text(encoding="utf-8")
    for value in ("-3.43", "-33.14", "25.18", "-11.50", "-16.84"):
        assert value in text, f"{value} missing from {DOCS.name}"


def test_module_doctest() -> None:
    failures, tried = doctest.testmod(pe, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried > 0 and failures == 0


# ---------------------------------------------------------------------------------------------------------
# Input validation (InputError, with the fix in the message)
# ---------------------------------------------------------------------------------------------------------

BASE = market([("870323", "JPN", 39.7, 0.025), ("870323", "DEU", 24.8, 0.025)])


def test_percentage_tariff_is_rejected_with_the_fraction() -> None:
    with pytest.raises(InputError, match=r"did you mean 0\.24\?"):
        PEModel(market([("870323", "JPN", 39.7, 24.0)]))
    with pytest.raises(InputError, match=r"did you mean 0\.275\?"):
        PEModel(BASE).solve(changes([("870323", "JPN", 27.5)]))


def test_high_but_plausible_tariff_warns() -> None:
    with pytest.warns(UserWarning, match="145%"):
        PEModel(market([("850440", "CHN", 10.0, 1.45)]))


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"import_demand_elasticity": 1.25}, r"valid range \[-50, 0\).*did you mean -1\.25"),
        ({"import_demand_elasticity": -80.0}, r"valid range \[-50, 0\)"),
        ({"substitution_elasticity": -1.0}, r"valid range \[0, 50\]"),
        ({"export_supply_elasticity": -2.0}, r"valid range \[0, inf\]"),
        (
            {"elasticities_by_product": {"8703": {"substitution_elasticity": 99.0}}},
            r"for product 8703.*\[0, 50\]",
        ),
    ],
)
def test_elasticity_out_of_range(kwargs: dict[str, object], pattern: str) -> None:
    with pytest.raises(InputError, match=pattern):
        PEModel(BASE, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("frame", "pattern"),
    [
        (BASE.drop(columns="tariff"), r"missing column\(s\) tariff"),
        (BASE.assign(value=[-1.0, 2.0]), r"value must be >= 0"),
        (BASE.assign(tariff=[-0.1, 0.0]), r"tariff must be >= 0"),
        (BASE.assign(value=[np.nan, 1.0]), r"finite number"),
        (BASE.assign(value=["x", 1.0]), r"must be numeric"),
        (BASE.assign(origin=["JPN", "JPN"]), r"duplicate product × origin"),
        (BASE.assign(product=[870323, 870324]), r"must be text"),
        (BASE.iloc[:0], r"no rows"),
    ],
)
def test_bad_imports(frame: pd.DataFrame, pattern: str) -> None:
    with pytest.raises(InputError, match=pattern):
        PEModel(frame)


def test_bad_tariff_change() -> None:
    model = PEModel(BASE)
    with pytest.raises(InputError, match=r"missing column\(s\) new_tariff"):
        model.solve(pd.DataFrame({"product": ["870323"], "origin": ["JPN"]}))
    with pytest.raises(InputError, match="more than once"):
        model.solve(changes([("870323", "JPN", 0.1), ("870323", "JPN", 0.2)]))
    with pytest.raises(InputError, match=r"\(product, origin\) pairs"):
        model.solve({"870323": 0.1})
    with pytest.warns(UserWarning, match="match no import flow"):
        model.solve(changes([("999999", "JPN", 0.1)]))
    with pytest.raises(InputError, match="unknown column"):
        PEModel(BASE, elasticities_by_product=pd.DataFrame({"product": ["8703"], "sigma": [2.0]}))


def test_errors_are_value_errors() -> None:
    with pytest.raises(ValueError):
        PEModel(BASE, substitution_elasticity=-3)


# ---------------------------------------------------------------------------------------------------------
# Rules, overrides and the result object
# ---------------------------------------------------------------------------------------------------------


def test_most_specific_change_wins() -> None:
    imports = market(
        [
            ("870323", "JPN", 1.0, 0.025),
            ("870324", "JPN", 1.0, 0.025),
            ("870323", "DEU", 1.0, 0.025),
            ("940350", "JPN", 1.0, 0.0),
        ]
    )
    rules = changes(
        [("*", "JPN", 0.15), ("8703*", "*", 0.275), ("8703.23", "JPN", 0.10), ("870324", "*", 0.30)]
    )
    new = PEModel(imports).new_tariffs(rules)
    np.testing.assert_allclose(new, [0.10, 0.30, 0.275, 0.15])


def test_rules_for_untraded_origins_or_short_codes_match_nothing() -> None:
    model = PEModel(market([("8703", "JPN", 1.0, 0.025), ("870323", "DEU", 1.0, 0.025)]))
    with pytest.warns(UserWarning, match=r"2 row\(s\) match no import flow: 870323/CHN, 870323\*/JPN"):
        new = model.new_tariffs(
            changes([("870323", "CHN", 0.5), ("870323*", "JPN", 0.5), ("87*", "DEU", 0.3)])
        )
    np.testing.assert_allclose(new, [0.025, 0.3])


def test_polars_input() -> None:
    pl = pytest.importorskip("polars")
    imports = pl.DataFrame({"product": ["870323"], "origin": ["JPN"], "value": [10.0], "tariff": [0.025]})
    rules = pl.DataFrame({"product": ["870323"], "origin": ["*"], "new_tariff": [0.15]})
    frame = PEModel(imports).solve(rules).to_frame()
    assert frame["new_tariff"].tolist() == [0.15]


def test_elasticity_overrides_by_prefix_and_flow() -> None:
    imports = market([("870323", "JPN", 1.0, 0.0), ("870324", "JPN", 1.0, 0.0), ("940350", "JPN", 1.0, 0.0)])
    imports["export_supply_elasticity"] = [np.nan, 7.0, np.nan]
    overrides = pd.DataFrame(
        {
            "product": ["87", "870323"],
            "substitution_elasticity": [5.6, np.nan],
            "import_demand_elasticity": [np.nan, -3.0],
            "export_supply_elasticity": [2.0, np.nan],
        }
    )
    frame = PEModel(imports, elasticities_by_product=overrides).solve(changes([])).to_frame()
    assert frame["substitution_elasticity"].tolist() == [5.6, 5.6, 1.5]
    assert frame["import_demand_elasticity"].tolist() == [-3.0, -1.25, -1.25]
    assert frame["export_supply_elasticity"].tolist() == [2.0, 7.0, math.inf]
    same = PEModel(imports, elasticities_by_product={"87": {"substitution_elasticity": 5.6}}).solve({})
    assert same.to_frame()["substitution_elasticity"].tolist() == [5.6, 5.6, 1.5]


def test_result_is_immutable_and_complete() -> None:
    result = PEModel(BASE).solve(changes([("870323", "JPN", 0.15)]), name="deal")
    assert isinstance(result, PEResult)
    assert list(result.to_frame().columns) == list(RESULT_COLUMNS)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.name = "other"  # type: ignore[misc]
    with pytest.raises(ValueError):
        result.arrays["trade_change"][0] = 0.0
    with pytest.raises(TypeError):
        result.arrays["trade_change"] = np.zeros(2)  # type: ignore[index]
    frame = result.to_frame()
    frame.loc[0, "trade_change"] = 123.0  # a copy: the result does not change
    assert result.arrays["trade_change"][0] != 123.0
    payload = result.to_dict()
    json.dumps(payload, allow_nan=True)
    assert payload["name"] == "deal" and len(payload["records"]) == 2
    assert "Trade creation" in result.summary() and "deal" in repr(result)


def test_aggregate_compare_and_figure() -> None:
    imports = market(
        [
            ("870323", "JPN", 30.0, 0.025),
            ("870324", "JPN", 10.0, 0.025),
            ("870323", "DEU", 20.0, 0.025),
            ("940350", "JPN", 5.0, 0.0),
        ]
    )
    model = PEModel(imports)
    a = model.solve(changes([("*", "JPN", 0.15)]), name="deal")
    b = model.solve(changes([("*", "*", 0.275)]), name="232")
    chapters = a.aggregate("chapter")
    assert chapters["chapter"].tolist() == ["87", "94"]
    assert chapters["import_value"].tolist() == [60.0, 5.0]
    assert chapters["trade_change"].sum() == pytest.approx(a.totals["trade_change"])
    assert chapters.loc[0, "tariff"] == pytest.approx(0.025)
    origins = a.aggregate("origin")
    assert origins.set_index("origin").loc["JPN", "n_flows"] == 3
    crosswalk = pd.DataFrame(
        {
            "hs10": ["8703230110", "8703240110", "9403500000"],
            "hs6_code": ["870323", "870324", "940350"],
            "gtap_code": ["mvh", "mvh", "omf"],
        }
    )
    assert a.aggregate("gtap", crosswalk)["gtap_code"].tolist() == ["mvh", "omf"]
    with pytest.raises(InputError, match="crosswalk"):
        a.aggregate("gtap")
    with pytest.raises(InputError, match="must be one of"):
        a.aggregate("sector")  # type: ignore[arg-type]
    side = a.compare(b)
    assert list(side.columns) == ["deal", "232"]
    assert side.loc["trade_change", "232"] == pytest.approx(b.totals["trade_change"])
    wide = a.compare(b, by="origin")
    assert wide.loc["JPN", ("trade_change", "deal")] == pytest.approx(
        a.aggregate("origin").set_index("origin").loc["JPN", "trade_change"]
    )
    fig = a.figure()
    assert len(fig.data) == 3


def test_chapter_aggregation_needs_hs_codes() -> None:
    result = PEModel(market([("cars", "JPN", 1.0, 0.0)])).solve({("cars", "JPN"): 0.1})
    with pytest.raises(InputError, match="two digits"):
        result.aggregate("chapter")


@pytest.mark.shared
@pytest.mark.skipif(not CROSSWALK.is_file(), reason="needs ../shared/data/weights/hs10_gtap_crosswalk.csv")
def test_gtap_aggregation_with_the_shared_crosswalk() -> None:
    crosswalk = pd.read_csv(CROSSWALK, dtype=str)
    imports = market(
        [("8703230110", "JPN", 5.0, 0.025), ("870324", "JPN", 5.0, 0.025), ("100630", "THA", 1.0, 0.0)]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        groups = PEModel(imports).solve({("*", "JPN"): 0.15}).aggregate("gtap", crosswalk)
    assert groups.set_index("gtap_code").loc["MVH", "import_value"] == 10.0
    assert len(groups) == 2
