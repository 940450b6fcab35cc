"""Property tests of the SMART-style partial-equilibrium model (tariffscope.economics.pe), with hypothesis.

Markets are drawn at random (1-3 products, 1-6 origins, some zero flows, tariffs 0-150%, elasticities over
their valid ranges, export supply infinite or finite and different by origin) and the model must keep:

- no tariff change -> no effect at all;
- a higher tariff on one origin never increases imports from that origin (against the baseline and against
  the same scenario with a lower tariff on it);
- trade diversion sums to zero over the origins of every product;
- with finite supply, markets clear and a tariff increase on one origin is passed through only in part;
- the vectorised matching of tariff-change rows (exact, prefix and '*' patterns) picks the same rate as a
  naive loop over the documented specificity order.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tariffscope.economics.pe import PEModel

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

tariffs = st.floats(0.0, 1.5, allow_nan=False)
values = st.one_of(st.just(0.0), st.floats(0.01, 1e6, allow_nan=False))
supply = st.one_of(st.just(math.inf), st.floats(0.0, 50.0, allow_nan=False))


@st.composite
def markets(draw: st.DrawFn) -> dict[str, object]:
    n_products = draw(st.integers(1, 3))
    rows = []
    for g in range(n_products):
        for c in range(draw(st.integers(1, 6))):
            rows.append(
                {
                    "product": f"{10 + g}0000",
                    "origin": f"C{c}",
                    "value": draw(values),
                    "tariff": draw(tariffs),
                    "export_supply_elasticity": draw(supply),
                    "new_tariff": draw(tariffs),
                }
            )
    frame = pd.DataFrame(rows)
    return {
        "frame": frame,
        "eps": draw(st.floats(-8.0, -0.05)),
        "sigma": draw(st.floats(0.0, 12.0)),
    }


def build(case: dict[str, object], *, finite: bool = True) -> tuple[PEModel, pd.DataFrame]:
    frame = case["frame"]
    assert isinstance(frame, pd.DataFrame)
    imports = frame[["product", "origin", "value", "tariff", "export_supply_elasticity"]]
    if not finite:
        imports = imports.drop(columns="export_supply_elasticity")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # tariffs >= 100% warn; they are meant here
        model = PEModel(imports, import_demand_elasticity=case["eps"], substitution_elasticity=case["sigma"])  # type: ignore[arg-type]
    return model, frame


def solve(model: PEModel, rules: pd.DataFrame) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return model.solve(rules).to_frame()


@SETTINGS
@given(markets(), st.booleans())
def test_no_change_no_effect(case: dict[str, object], finite: bool) -> None:
    model, frame = build(case, finite=finite)
    same = frame[["product", "origin", "tariff"]].rename(columns={"tariff": "new_tariff"})
    result = solve(model, same)
    for column in (
        "trade_creation",
        "trade_diversion",
        "trade_change",
        "import_value_change",
        "world_price_change",
        "domestic_price_change",
        "tariff_revenue_change",
        "consumer_surplus_change",
        "exporter_surplus_change",
    ):
        scale = max(1.0, float(frame["value"].max()))
        assert np.max(np.abs(result[column])) <= 1e-10 * scale, column
    assert result["pass_through"].isna().all()


@SETTINGS
@given(markets(), st.data())
def test_higher_tariff_never_increases_own_imports(case: dict[str, object], data: st.DataObject) -> None:
    model, frame = build(case)
    i = data.draw(st.integers(0, len(frame) - 1))
    raise_by = data.draw(st.floats(1e-3, 1.0))
    scale = 1e-12 + float(frame.loc[i, "value"])  # tolerances relative to the flow itself
    # against the baseline: only origin i's tariff rises
    only_i = frame.loc[[i], ["product", "origin", "tariff"]].assign(
        new_tariff=lambda d: d["tariff"] + raise_by
    )
    own = solve(model, only_i.drop(columns="tariff")).loc[i]
    assert own["trade_change"] <= 1e-9 * scale
    assert -1e-9 <= own["pass_through"] <= 1 + 1e-9
    # against the same scenario with a lower tariff on i
    scenario = frame[["product", "origin", "new_tariff"]]
    higher = scenario.copy()
    higher.loc[i, "new_tariff"] += raise_by
    low, high = solve(model, scenario), solve(model, higher)
    assert high.loc[i, "new_import_value"] <= low.loc[i, "new_import_value"] + 1e-9 * scale
    assert high.loc[i, "trade_change"] <= low.loc[i, "trade_change"] + 1e-9 * scale


@SETTINGS
@given(markets(), st.booleans())
def test_diversion_sums_to_zero_and_markets_clear(case: dict[str, object], finite: bool) -> None:
    model, frame = build(case, finite=finite)
    result = solve(model, frame[["product", "origin", "new_tariff"]])
    scale = max(1.0, float(frame["value"].max()))
    diversion = result.groupby("product")["trade_diversion"].sum()
    assert np.max(np.abs(diversion)) <= 1e-9 * scale
    np.testing.assert_allclose(
        result["trade_change"], result["trade_creation"] + result["trade_diversion"], atol=1e-9 * scale
    )
    assert (result["new_import_value"] >= 0).all()
    assert ((result["import_value"] > 0) | (result["new_import_value"] == 0)).all()  # no trade from nothing
    if finite:
        omega = result["export_supply_elasticity"].to_numpy()
        m0 = result["import_value"].to_numpy()
        m1 = (result["import_value"] + result["trade_change"]).to_numpy()
        log_pi = np.log1p(result["world_price_change"].to_numpy())
        check = np.isfinite(omega) & (m0 > 0)
        residual = np.log(m1[check] / m0[check]) - omega[check] * log_pi[check]
        assert np.all(np.abs(residual) < 1e-8)


codes = st.text("0123", min_size=2, max_size=6)
origins = st.sampled_from(["JPN", "DEU", "MEX", "CHN"])


@st.composite
def rule_sets(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    flows = draw(st.lists(st.tuples(codes, origins), min_size=1, max_size=12, unique=True))
    imports = pd.DataFrame(
        [(p, o, 1.0, 0.01 * i) for i, (p, o) in enumerate(flows)],
        columns=["product", "origin", "value", "tariff"],
    )
    patterns = st.one_of(codes, codes.map(lambda c: c[: len(c) // 2] + "*"), st.just("*"))
    rules = draw(
        st.lists(st.tuples(patterns, st.one_of(origins, st.just("*"))), max_size=10, unique=True).map(
            lambda rs: pd.DataFrame(
                [(p, o, 0.5 + 0.01 * i) for i, (p, o) in enumerate(rs)],
                columns=["product", "origin", "new_tariff"],
            )
        )
    )
    return imports, rules


def naive_new_tariffs(imports: pd.DataFrame, rules: pd.DataFrame) -> list[float]:
    """The documented rule: the most specific matching row wins (product scope first, then origin)."""
    out = []
    for product, origin, tariff in imports[["product", "origin", "tariff"]].itertuples(index=False):
        best: tuple[int, int] | None = None
        rate = tariff
        for pattern, rule_origin, new in rules.itertuples(index=False):
            if pattern.endswith("*"):
                hit, spec = product.startswith(pattern[:-1]), len(pattern) - 1
            else:
                hit, spec = product == pattern, 10**9
            if not hit or rule_origin not in ("*", origin):
                continue
            key = (spec, int(rule_origin != "*"))
            if best is None or key > best:
                best, rate = key, new
        out.append(rate)
    return out


@SETTINGS
@given(rule_sets())
def test_tariff_change_rules_match_the_naive_reading(case: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    imports, rules = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # rules that match nothing warn
        got = PEModel(imports).new_tariffs(rules)
    np.testing.assert_allclose(got, naive_new_tariffs(imports, rules), rtol=0, atol=0)
