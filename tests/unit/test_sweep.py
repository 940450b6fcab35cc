"""Monte Carlo sweeps (tariffscope.scenario.sweep): fixed inputs reproduce the deterministic run, results
depend only on the seed (not on chunking or workers), interrupted sweeps resume from the store, bad
specifications are rejected with the value and the fix."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tariffscope.errors import InputError
from tariffscope.scenario import sweep as sweep_module
from tariffscope.scenario.run import ScenarioRun, _pe_summary, run_scenario
from tariffscope.scenario.sweep import (
    METRICS,
    PARAMETERS,
    Fixed,
    LogNormal,
    Normal,
    SweepInterrupted,
    SweepSpec,
    Uniform,
    distribution_from,
    export_supply_for_pass_through,
    pass_through,
    run_sweep,
)
from tariffscope.scenario.tree import Scenario, load_scenario
from tariffscope.store.duck import Store


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario("us-japan-2025")


@pytest.fixture(scope="module")
def full_run(scenario: Scenario) -> ScenarioRun:
    """Every branch with rates, PE and GE at the default options (trade elasticity 4, SMART's PE)."""
    return run_scenario(scenario)


@pytest.fixture(scope="module")
def rates_run(scenario: Scenario) -> ScenarioRun:
    return run_scenario(scenario, with_pe=False, with_ge=False)


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own store (TARIFFSCOPE_HOME)."""
    monkeypatch.setenv("TARIFFSCOPE_HOME", str(tmp_path))
    return tmp_path


def _fixed_spec(draws: int, chunk_size: int) -> SweepSpec:
    """Every input fixed at the deterministic run's value (RunOptions defaults)."""
    return SweepSpec(draws=draws, chunk_size=chunk_size, trade_elasticity=Fixed(4.0),
                     substitution_elasticity=Fixed(1.5), import_demand_elasticity=Fixed(-1.25),
                     export_supply_elasticity=Fixed(math.inf), probability_concentration=None)


# ------------------------------------------------------------------------------------------------ results


def test_fixed_inputs_reproduce_the_deterministic_run(scenario: Scenario, full_run: ScenarioRun) -> None:
    result = run_sweep(scenario, _fixed_spec(12, 5), base_run=full_run)
    assert result.chunks_done == result.chunks_total == 3
    assert set(result.metrics) == set(METRICS)
    origin = scenario.origin

    def close(a: float, b: float) -> bool:
        return abs(a - b) <= 1e-8 * max(abs(b), 1e-12)

    for b in full_run.branches:
        ge, us = b.ge_for(origin), b.ge_for("USA")
        expected = {
            "etr": b.etr,
            "real_gdp_change": ge["real_gdp_change"],
            "welfare_change": ge["welfare_change"],
            "exports_change": ge["exports_change"],
            "usa_welfare_change": us["welfare_change"],
            "usa_real_gdp_change": us["real_gdp_change"],
            "pe_us_imports_from_origin_change": _pe_summary(b.pe)["us_imports_from_origin_change"],  # type: ignore[arg-type]
            **{f"us_imports_change:{r}": v for r, v in b.diversion.items()},
        }
        for metric, value in expected.items():
            drawn = result.values_of(metric, b.name)
            assert close(float(drawn.mean()), value), (b.name, metric, float(drawn.mean()), value)
            assert float(drawn.std()) <= 1e-12 * max(abs(value), 1e-12)
    e = full_run.expected()
    ge_e = next(r for r in e["ge"] if r["country"] == origin)
    us_e = next(r for r in e["ge"] if r["country"] == "USA")
    reference = {
        "etr": e["etr"],
        "real_gdp_change": ge_e["real_gdp_change"],
        "welfare_change": ge_e["welfare_change"],
        "usa_welfare_change": us_e["welfare_change"],
        "pe_us_imports_from_origin_change": e["pe_us_imports_from_origin_change"],
        **{f"us_imports_change:{r}": v for r, v in e["us_imports_change"].items()},
    }
    for metric, value in reference.items():
        assert close(float(result.values_of(metric).mean()), value), (metric, value)
    np.testing.assert_array_equal(result.probabilities, np.tile(result.base_probabilities, (12, 1)))


def test_same_seed_same_numbers_whatever_the_chunking_or_workers(scenario: Scenario, full_run: ScenarioRun) -> None:
    """Draw i uses its own stream, so chunk size, worker processes and order do not matter (bit for bit,
    here with finite export supply so that the PE solver iterates)."""

    def spec(chunk_size: int, seed: int = 3) -> SweepSpec:
        return SweepSpec(draws=24, seed=seed, chunk_size=chunk_size, export_supply_elasticity=Uniform(1, 10))

    one = run_sweep(scenario, spec(24), base_run=full_run)
    small = run_sweep(scenario, spec(5), base_run=full_run)
    parallel = run_sweep(scenario, spec(6), base_run=full_run, workers=2)
    again = run_sweep(scenario, spec(24), base_run=full_run, resume=False)
    for other in (small, parallel, again):
        np.testing.assert_array_equal(other.values, one.values)
        np.testing.assert_array_equal(other.probabilities, one.probabilities)
        np.testing.assert_array_equal(other.parameter_values, one.parameter_values)
    assert small.chunks_total == 5 and parallel.chunks_total == 4
    other_seed = run_sweep(scenario, spec(24, seed=4), base_run=full_run)
    assert not np.allclose(other_seed.values_of("real_gdp_change", "deal"), one.values_of("real_gdp_change", "deal"))
    # the draws vary and stay in their supports; GE responds to the trade elasticity
    theta = one.parameter_values[:, 0]
    assert theta.min() >= 3 and theta.max() <= 6 and theta.std() > 0.5
    gdp = one.values_of("real_gdp_change", "snapback")
    assert np.corrcoef(theta, gdp)[0, 1] ** 2 > 0.9


def test_resume_computes_only_the_missing_chunks(scenario: Scenario, full_run: ScenarioRun,
                                                 monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    spec = SweepSpec(draws=25, chunk_size=5, seed=11)
    computed: list[int] = []
    real = sweep_module._compute_chunk

    def counting(payload: Any, start: int, stop: int) -> Any:
        computed.append(start)
        return real(payload, start, stop)

    monkeypatch.setattr(sweep_module, "_compute_chunk", counting)
    calls: list[int] = []

    def interrupt_after_two(n: int) -> None:
        calls.append(n)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with pytest.raises(SweepInterrupted) as caught:
        run_sweep(scenario, spec, base_run=full_run, progress=interrupt_after_two)
    partial = caught.value.partial
    assert partial is not None and partial.chunks_done == 2 and partial.chunks_total == 5
    assert partial.draws == 10 and not partial.complete
    assert computed == [0, 5]
    stored = [e["name"] for e in Store().list(kind="sweep-chunk")]
    assert sorted(stored) == [f"sweep:{partial.sweep_id}:chunk:{k}" for k in (0, 1)]
    assert Store().meta(f"sweep:{partial.sweep_id}")["meta"]["status"] == "interrupted"

    computed.clear()
    progressed: list[int] = []
    resumed = run_sweep(scenario, spec, base_run=full_run, progress=progressed.append)
    assert computed == [10, 15, 20]  # only the missing chunks
    assert resumed.chunks_loaded == 2 and resumed.chunks_done == 5 and resumed.complete
    assert progressed == [2, 1, 1, 1] and sum(progressed) == spec.n_chunks
    assert Store().meta(f"sweep:{resumed.sweep_id}")["meta"]["status"] == "complete"
    np.testing.assert_array_equal(resumed.values[:10], partial.values)

    # the same sweep from scratch in another store gives the same numbers
    monkeypatch.setenv("TARIFFSCOPE_HOME", str(home / "fresh"))
    computed.clear()
    fresh = run_sweep(scenario, spec, base_run=full_run)
    assert computed == [0, 5, 10, 15, 20]
    np.testing.assert_array_equal(fresh.values, resumed.values)
    # resume=False recomputes everything
    computed.clear()
    run_sweep(scenario, spec, base_run=full_run, resume=False)
    assert len(computed) == 5


def test_an_error_in_the_progress_callback_keeps_finished_chunks(scenario: Scenario, rates_run: ScenarioRun) -> None:
    spec = SweepSpec(draws=30, chunk_size=10)

    def fail(n: int) -> None:
        raise RuntimeError("display closed")

    with pytest.raises(RuntimeError, match="display closed"):
        run_sweep(scenario, spec, base_run=rates_run, progress=fail)
    assert len(Store().list(kind="sweep-chunk")) == 1
    result = run_sweep(scenario, spec, base_run=rates_run)
    assert result.chunks_loaded == 1


def test_probabilities_only_sweep_and_the_dirichlet_draw(scenario: Scenario, rates_run: ScenarioRun) -> None:
    """Without PE and GE the sweep still gives the expected effective rate under uncertain probabilities."""
    spec = SweepSpec(draws=400, chunk_size=400, probability_concentration=20)
    result = run_sweep(scenario, spec, base_run=rates_run)
    assert result.metrics == ("etr",)
    probs = result.probabilities
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-12)
    base = result.base_probabilities
    # Dirichlet(c p): mean p, variance p (1 - p) / (c + 1)
    assert np.all(np.abs(probs.mean(axis=0) - base) < 4 * np.sqrt(base * (1 - base) / 21 / 400))
    np.testing.assert_allclose(probs.var(axis=0), base * (1 - base) / 21, rtol=0.25)
    expected_etr = result.values_of("etr")
    np.testing.assert_allclose(expected_etr, probs @ [b.etr for b in rates_run.branches], rtol=1e-12)
    assert expected_etr.mean() == pytest.approx(rates_run.expected()["etr"], abs=2e-3)
    fixed = run_sweep(scenario, SweepSpec(draws=5, probability_concentration=None), base_run=rates_run)
    np.testing.assert_allclose(fixed.values_of("etr"), rates_run.expected()["etr"], rtol=1e-12)


def test_result_tables_dict_and_figure(scenario: Scenario, full_run: ScenarioRun) -> None:
    result = run_sweep(scenario, SweepSpec(draws=8, chunk_size=4, seed=1), base_run=full_run)
    frame = result.to_frame()
    assert frame.columns == ["draw", "branch", "metric", "value"]
    n_branches = len(full_run.branches)
    assert frame.height == 8 * ((n_branches + 1) * len(result.metrics) + n_branches)
    assert set(frame["branch"].unique()) == {*(b.name for b in full_run.branches), "expected"}
    pct = result.percentiles()
    assert {"branch", "metric", "mean", "sd", "p5", "p25", "p50", "p75", "p95"} <= set(pct.columns)
    row = pct.filter((pct["branch"] == "expected") & (pct["metric"] == "real_gdp_change")).row(0, named=True)
    x = result.values_of("real_gdp_change")
    assert row["p50"] == pytest.approx(float(np.median(x)))
    assert row["p5"] <= row["p50"] <= row["p95"]
    d = result.to_dict()
    assert {"draws", "seed", "sweep_id", "branches", "expected"} <= set(d)
    assert d["draws"] == 8 and d["seed"] == 1 and d["sweep_id"] == result.sweep_id
    assert [b["name"] for b in d["branches"]] == [b.name for b in full_run.branches]
    stats = d["expected"]["real_gdp_change"]
    assert {"mean", "sd", "p5", "p50", "p95", "deterministic"} <= set(stats)
    json.dumps(d, allow_nan=False)  # JSON-ready
    assert SweepSpec.from_dict(d["spec"]) == result.spec
    fig = result.figure()
    assert len(fig.data) == n_branches + 1
    text = result.summary()
    assert all(b.name in text for b in full_run.branches) and "expected" in text
    assert set(result.parameters.columns) == {"draw", *PARAMETERS}
    with pytest.raises(InputError, match="unknown metric"):
        result.values_of("gdp")


def test_base_run_of_another_scenario_is_rejected(full_run: ScenarioRun) -> None:
    other = load_scenario("us-japan-2025")
    other = type(other)(**{**other.__dict__, "name": "copy", "text": other.text + "\n# changed"})
    with pytest.raises(InputError, match="not of 'copy'"):
        run_sweep(other, SweepSpec(draws=2), base_run=full_run)


# ------------------------------------------------------------------------------------------- the spec


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"draws": -5}, r"draws must be a whole number >= 1; got -5 \(the number of Monte Carlo draws"),
        ({"draws": 0}, r"draws .* got 0"),
        ({"draws": 10, "seed": -1}, r"seed .* got -1"),
        ({"draws": 10, "chunk_size": 0}, r"chunk_size .* got 0"),
        ({"draws": 10, "probability_concentration": 0}, r"probability_concentration must be a positive .*got 0"),
        ({"draws": 10, "probability_concentration": -3}, r"None keeps them fixed\); got -3"),
        ({"draws": 10, "trade_elasticity": Normal(4, 1)}, r"trade_elasticity: Normal\(4, 1\) can take values in "
                                                           r"\[-inf, inf\].*give low= and high= inside it"),
        ({"draws": 10, "import_demand_elasticity": Uniform(-2, 0.5)}, r"outside the valid range \[-50, 0\)"),
        ({"draws": 10, "trade_elasticity": Fixed(50)}, r"Fixed\(50\).*\[0.1, 30\]"),
    ],
)
def test_bad_specs_name_the_value_and_the_fix(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        SweepSpec(**kwargs)


def test_bad_distributions() -> None:
    with pytest.raises(InputError, match=r"low must not exceed high; got low=6 > high=3 \(swap them: Uniform\(3, 6\)\)"):
        Uniform(6, 3)
    with pytest.raises(InputError, match="sd must be a positive number; got 0"):
        Normal(4, 0)
    with pytest.raises(InputError, match="no mass"):
        Normal(0, 1, low=50, high=60)
    with pytest.raises(InputError, match="median must be a positive"):
        LogNormal(-1, 0.2)
    with pytest.raises(InputError, match="must be a number; got 'abc'"):
        Fixed("abc")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="'dist' must be one of fixed, uniform, normal, lognormal"):
        distribution_from({"dist": "beta", "a": 1})
    with pytest.raises(InputError, match="unknown: hi"):
        distribution_from({"dist": "uniform", "low": 1, "hi": 2})


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(InputError) as caught:
        SweepSpec(draws=-1, chunk_size=0, probability_concentration=0, substitution_elasticity=Fixed(-1))
    text = str(caught.value)
    assert text.startswith("4 problem(s)")
    for part in ("draws", "chunk_size", "probability_concentration", "substitution_elasticity"):
        assert part in text


def test_spec_from_dict_yaml_forms_and_round_trip() -> None:
    import yaml

    text = """
    draws: 1000
    seed: 5
    trade_elasticity: {dist: lognormal, median: 4.5, sigma: 0.2, low: 2, high: 10}
    substitution_elasticity: 2
    export_supply_elasticity: inf
    probability_concentration: null
    """
    spec = SweepSpec.from_dict(yaml.safe_load(text))
    assert spec.trade_elasticity == LogNormal(4.5, 0.2, low=2, high=10)
    assert spec.substitution_elasticity == Fixed(2.0)
    assert spec.export_supply_elasticity == Fixed(math.inf)
    assert spec.probability_concentration is None
    assert SweepSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    with pytest.raises(InputError, match=r"unknown sweep specification key.*trade_elasticty"):
        SweepSpec.from_dict({"draws": 10, "trade_elasticty": 4})
    with pytest.raises(InputError, match="needs draws"):
        SweepSpec.from_dict({"seed": 1})


def test_draws_do_not_depend_on_the_range_asked_for() -> None:
    spec = SweepSpec(draws=50, seed=9, export_supply_elasticity=LogNormal(5, 0.5))
    params, probs = spec.sample(0, 50, [0.2, 0.5, 0.1, 0.2])
    part, part_probs = spec.sample(17, 31, [0.2, 0.5, 0.1, 0.2])
    np.testing.assert_array_equal(part, params[17:31])
    np.testing.assert_array_equal(part_probs, probs[17:31])
    # changing one distribution leaves the other parameters' draws unchanged
    other = SweepSpec(draws=50, seed=9, trade_elasticity=Uniform(2, 8), export_supply_elasticity=LogNormal(5, 0.5))
    np.testing.assert_array_equal(other.parameters()[:, 1:], params[:, 1:])
    np.testing.assert_allclose((other.parameters()[:, 0] - 2) / 6, (params[:, 0] - 3) / 3, rtol=1e-12)


def test_distributions_sample_their_law() -> None:
    rng = np.random.default_rng(0)
    n = 20_000
    x = Normal(4.5, 1.0, low=3, high=6).sample(rng, n)
    assert x.min() >= 3 and x.max() <= 6
    assert x.mean() == pytest.approx(4.5, abs=0.02)
    assert x.std() == pytest.approx(0.7373, abs=0.01)  # sd of N(0,1) truncated to [-1.5, 1.5], times 1
    tail = Normal(0, 1, low=3).sample(rng, n)  # the right tail (mirrored internally)
    assert tail.min() >= 3 and tail.mean() == pytest.approx(3.2831, abs=0.01)  # phi(3)/(1-Phi(3))
    y = LogNormal(4.0, 0.25).sample(rng, n)
    assert np.median(y) == pytest.approx(4.0, rel=0.01)
    assert np.log(y).std() == pytest.approx(0.25, rel=0.02)
    u = Uniform(-2, -0.5).sample(rng, n)
    assert u.min() >= -2 and u.max() <= -0.5 and u.mean() == pytest.approx(-1.25, abs=0.01)


def test_pass_through_and_its_inverse() -> None:
    assert pass_through(math.inf, 1.5, -1.25) == 1.0
    assert pass_through(0.0, 1.5, -1.25) == 0.0
    omega = export_supply_for_pass_through(0.8, 1.5, -1.25)
    assert pass_through(omega, 1.5, -1.25) == pytest.approx(0.8)
    assert export_supply_for_pass_through(1.0, 1.5, -1.25) == math.inf
    with pytest.raises(InputError):
        export_supply_for_pass_through(1.2, 1.5, -1.25)


def test_finite_export_supply_lowers_the_pe_import_response(scenario: Scenario, full_run: ScenarioRun) -> None:
    """Less pass-through (exporters absorb part of the tariff) means a smaller fall in US imports from Japan
    in the PE branches where the tariff rises."""
    base = dict(draws=4, chunk_size=4, substitution_elasticity=Fixed(1.5), import_demand_elasticity=Fixed(-1.25),
                trade_elasticity=Fixed(4.0), probability_concentration=None)
    full = run_sweep(scenario, SweepSpec(**base), base_run=full_run)  # type: ignore[arg-type]
    low = run_sweep(scenario, SweepSpec(**base, export_supply_elasticity=Fixed(1.0)), base_run=full_run)  # type: ignore[arg-type]
    full_change = full.values_of("pe_us_imports_from_origin_change", "snapback")
    low_change = low.values_of("pe_us_imports_from_origin_change", "snapback")
    assert np.all(full_change < low_change) and np.all(low_change < 0)
