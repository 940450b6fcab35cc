"""Benchmarks of the general-equilibrium solver and PPML estimation; prints a markdown table.

Run: ``.venv/bin/python benchmarks/bench_ge.py``. Needs ``../shared`` for the Liberation Day and Advanced
Guide data. The comparison with USITC's ``gegravity`` runs when a separate virtual environment with it
exists (``GEGRAVITY_PYTHON``, default ``/tmp/gegravity-venv/bin/python``; create it with
``python -m venv /tmp/gegravity-venv && /tmp/gegravity-venv/bin/pip install gegravity``); it is never a
dependency of tariffscope. The same balanced 194-country problem is solved by gegravity as released and
with its full-GE system evaluated at price-dependent output and expenditure shares (the same equations as
ours); the second must agree with tariffscope to ``SAME_ANSWER_PP`` (RESULTS_ge.md explains why the first
cannot).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from _machine import cpu_model  # benchmarks/_machine.py (scripts run from this folder)

from tariffscope.economics._hat_algebra import HatProblem, _Operators
from tariffscope.economics.estimation import PPMLGravity
from tariffscope.economics.ge import GEModel, GEResult
from tariffscope.economics.trade_data import Tariffs, TradeMatrix

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
LIBERATION_DAY = SHARED / "data" / "gravity" / "liberation_day_2025"
AGTPA = SHARED / "data" / "gravity" / "agtpa"
GEGRAVITY_PYTHON = Path(os.environ.get("GEGRAVITY_PYTHON", "/tmp/gegravity-venv/bin/python"))

# Runs inside the gegravity virtual environment (its own numpy/pandas/scipy), reads the problem from CSV and
# writes per-country results and timings as JSON. gegravity 0.3's full-GE system (OneSectorGE._full_ge) keeps
# the *baseline* output shares Y_i/Y and expenditure shares E_j/E in all three blocks of equations, so its
# multilateral resistances stay at their conditional values and its prices are one update p_i = Pi_i/Pi'_i
# (the first step of the Advanced Guide's iterative procedure) rather than the full-endowment equilibrium.
# The runner solves the counterfactual twice from the same calibrated model: with gegravity as released, and
# with _full_ge re-evaluated at output and expenditure shares that move with the unknown prices,
# Y'_i/Y' = p_i Y_i / sum_k p_k Y_k and E'_j/Y' = p_j E_j / sum_k p_k Y_k (E = Y for the world), i.e. the
# Larch & Yotov (2016) system. Everything else (calibration, reference-importer normalisation, scipy root
# 'hybr' and its tolerance 1e-8) is gegravity's own.
GEGRAVITY_RUNNER = textwrap.dedent(
    """
    import copy, json, sys, time, warnings
    import numpy as np
    import pandas as pd
    warnings.simplefilter("ignore")
    import gegravity as ge
    module = sys.modules["gegravity.OneSectorGE"]  # the package re-exports the class under the module's name
    problem, theta, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    frame = pd.read_csv(problem, dtype={"year": str})
    start = time.perf_counter()
    base = ge.BaselineData(frame, imp_var_name="importer", exp_var_name="exporter", year_var_name="year",
                           trade_var_name="trade", expend_var_name="E", output_var_name="Y")
    coeffs = pd.DataFrame([{"var": "ln_cost", "coeff": 1.0, "ste": 0.0},
                           {"var": "ln_tariff", "coeff": -theta, "ste": 0.0}])
    cost = ge.CostCoeffs(estimates=coeffs, identifier_col="var", coeff_col="coeff", stderr_col="ste")
    model = ge.OneSectorGE(base, year="2024", reference_importer="DEU", sigma=theta + 1,
                           cost_variables=["ln_cost", "ln_tariff"], cost_coeff_values=cost, quiet=True)
    model.build_baseline()
    experiment = model.baseline_data.copy()
    experiment["ln_tariff"] = experiment["new_ln_tariff"]
    model.define_experiment(experiment)
    setup = time.perf_counter() - start
    released, root = module._full_ge, module.root
    root_seconds = []

    def timed_root(*args, **kwargs):  # scipy.optimize.root as gegravity calls it, timed
        start = time.perf_counter()
        result = root(*args, **kwargs)
        root_seconds.append(time.perf_counter() - start)
        return result

    module.root = timed_root

    def full_ge_moving_shares(x, params):
        n = params["number_of_countries"]
        prices = x[2 * n - 1:]
        baseline = np.asarray(params["output_shr"])
        ratio = prices / np.dot(baseline, prices)  # new share / baseline share, exporter i or importer j
        return released(x, dict(params, output_shr=baseline * ratio,
                                cost_out_shr=params["cost_out_shr"] * ratio[:, None],
                                cost_exp_shr=params["cost_exp_shr"] * ratio[None, :]))

    report = {"setup_seconds": setup}
    for name, system in (("released", released), ("moving_shares", full_ge_moving_shares)):
        run = copy.deepcopy(model)
        module._full_ge = system
        start = time.perf_counter()
        run.simulate()
        seconds = time.perf_counter() - start
        labels, solver = run.labels, run.solver_diagnostics["full_GE"]
        results = run.country_results
        shipments = run.aggregate_trade_results[labels.experiment_exports]
        output = run.outputs_expenditures[labels.experiment_output].loc[shipments.index]
        report[name] = {
            "seconds": seconds,
            "full_ge_root_seconds": root_seconds[-1],  # the last root call of simulate is the full-GE system
            "converged": bool(solver.success),
            "message": str(solver.message),
            "evaluations": int(solver.nfev),
            # gegravity's own goods-market clearing: its counterfactual shipments against its output
            "clearing_gap": float(np.max(np.abs(np.log(shipments / output)))),
            "country": list(results.index),
            "gdp_change": results[labels.gdp_change].tolist(),
            "welfare_statistic": results[labels.welfare_stat].tolist(),
            "price_change": results[labels.factory_price_change].tolist(),
        }
    module._full_ge, module.root = released, root
    with open(out, "w") as handle:
        json.dump(report, handle)
    """
)


def _median_time(function: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def machine() -> str:
    cpu = cpu_model()
    return (
        f"{os.cpu_count()} cores (nproc), {cpu}, Python {platform.python_version()}, numpy {np.__version__}"
    )


def liberation_day() -> tuple[TradeMatrix, Tariffs]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trade = TradeMatrix.from_square(
            LIBERATION_DAY / "trade_cepii.csv",
            LIBERATION_DAY / "country_labels.csv",
            gdp=LIBERATION_DAY / "gdp.csv",
            gdp_scale=1e-3,
            missing="zero",
        )
    tariffs = Tariffs.from_importer_vector(
        LIBERATION_DAY / "tariffs.csv", "USA", trade.countries, minimum=0.10
    )
    return trade, tariffs


def synthetic(n: int, seed: int = 0) -> tuple[TradeMatrix, np.ndarray]:
    rng = np.random.default_rng(seed)
    size = np.exp(rng.normal(0.0, 1.5, n))
    distance = np.exp(rng.uniform(0.0, 3.0, (n, n)))
    flows = np.outer(size, size) * distance**-1.0
    np.fill_diagonal(flows, flows.sum(axis=1) * rng.uniform(1.0, 10.0, n))
    tariffs = rng.uniform(0.0, 0.3, (n, n)) * (rng.uniform(size=(n, n)) < 0.3)
    np.fill_diagonal(tariffs, 0.0)
    return TradeMatrix(tuple(f"C{k:04d}" for k in range(n)), flows), tariffs


def bench_ge() -> list[tuple[str, str, str]]:
    rows = []
    trade, tariffs = liberation_day()
    model = GEModel(trade, 4.0)
    result = model.solve(tariffs=tariffs)
    seconds = _median_time(lambda: model.solve(tariffs=tariffs), 20)
    rows.append(
        (
            "GE solve, Liberation Day, 194 countries (US tariffs, additive deficits)",
            f"{seconds * 1000:.1f} ms ({result.iterations} iterations)",
            "< 100 ms",
        )
    )
    plain = model.solve(tariffs=tariffs, acceleration="none")
    seconds_plain = _median_time(lambda: model.solve(tariffs=tariffs, acceleration="none"), 5)
    rows.append(
        (
            "  same, plain ge_gravity iteration (no acceleration)",
            f"{seconds_plain * 1000:.1f} ms ({plain.iterations} iterations)",
            "",
        )
    )
    big, rates = synthetic(1000)
    big_model = GEModel(big, 5.0)
    big_result = big_model.solve(tariffs=rates)
    seconds = _median_time(lambda: big_model.solve(tariffs=rates), 3)
    rows.append(
        (
            "GE solve, 1,000 synthetic countries (random tariffs)",
            f"{seconds:.2f} s ({big_result.iterations} iterations)",
            "< 2 s",
        )
    )
    return rows


def bench_ppml() -> list[tuple[str, str, str]]:
    panel = pd.read_csv(AGTPA / "chapter2_application2.csv.gz")
    panel = panel[panel.year.isin([1986, 1990, 1994, 1998, 2002, 2006])]
    rows = []
    for pair, note in (
        (("exporter", "importer"), "directional pair FE"),
        ("pair_id", "symmetric pair_id FE (the Guide's)"),
    ):
        estimator = PPMLGravity(
            panel,
            regressors=("RTA",),
            fixed_effects=(("exporter", "year"), ("importer", "year"), pair),
            cluster=pair,
        )
        estimate = estimator.fit()  # warm-up (imports, compiled kernels)
        seconds = _median_time(estimator.fit, 3)
        rows.append(
            (
                f"PPML, Advanced Guide panel ({len(panel):,} rows), exporter-year + importer-year + {note}",
                f"{seconds:.2f} s (RTA {estimate.coef('RTA'):.3f}, {estimate.n_obs:,} obs.)",
                "< 1 s",
            )
        )
    return rows


def _gegravity_problem() -> tuple[TradeMatrix, np.ndarray, pd.DataFrame]:
    """The Liberation Day matrix made balanced, US tariffs as iceberg costs, in gegravity's long format."""
    trade, tariffs = liberation_day()
    n, countries = len(trade), trade.countries
    # gegravity needs positive costs everywhere and, to compare like with like, balanced trade (its deficits
    # are multiplicative, E_i = phi_i Y_i, and the closures differ otherwise): symmetrise the flows, so that
    # output equals spending for every country to rounding (2e-16).
    flows = np.maximum(trade.values, trade.values.sum() * 1e-15)
    flows = (flows + flows.T) / 2
    output, spending = flows.sum(axis=1), flows.sum(axis=0)
    frame = pd.DataFrame(
        {
            "exporter": np.repeat(countries, n),
            "importer": np.tile(countries, n),
            "year": "2024",
            "trade": flows.ravel(),
            "Y": np.repeat(output, n),
            "E": np.tile(spending, n),
            # t_ij^(1-sigma) = X_ij Y / (Y_i E_j): every baseline multilateral resistance is then exactly 1
            # and gegravity's calibrated baseline reproduces the data flows.
            "ln_cost": np.log(flows / np.outer(output, spending) * output.sum()).ravel(),
            "ln_tariff": 0.0,
            # coefficient -theta = 1 - sigma on ln(1 + t): t'^(1-sigma) = t^(1-sigma) (1 + t)^-theta
            "new_ln_tariff": np.log1p(tariffs.rates).ravel(),
        }
    )
    return TradeMatrix(countries, flows), 1.0 + tariffs.rates, frame


#: Tolerance for "same answer": welfare, real GDP and relative factory-gate price changes, percentage points.
SAME_ANSWER_PP = 1e-4


def bench_gegravity() -> list[tuple[str, str, str]]:
    label = "USITC gegravity 0.3 (scipy root 'hybr' on levels), same 194-country problem"
    if not GEGRAVITY_PYTHON.exists():
        return [(label, f"not run: no gegravity environment at {GEGRAVITY_PYTHON}", "")]
    theta = 4.0
    balanced, shock, frame = _gegravity_problem()
    countries, flows = balanced.countries, balanced.values

    def ours_end_to_end() -> GEResult:
        return GEModel(balanced, theta, "multiplicative").solve(trade_cost_change=shock)

    ours = ours_end_to_end()
    seconds_ours = _median_time(ours_end_to_end, 20)
    with tempfile.TemporaryDirectory() as tmp:
        problem, runner, out = Path(tmp, "problem.csv"), Path(tmp, "runner.py"), Path(tmp, "result.json")
        frame.to_csv(problem, index=False)
        runner.write_text(GEGRAVITY_RUNNER)
        done = subprocess.run(
            [str(GEGRAVITY_PYTHON), str(runner), str(problem), str(theta), str(out)],
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
        if done.returncode != 0:
            return [(label, f"failed: {done.stderr.strip().splitlines()[-1]}", "")]
        report = json.loads(out.read_text())
    output = flows.sum(axis=1)
    weights = output / output.sum()
    ops = _Operators(
        HatProblem(
            flows / flows.sum(axis=0),
            output,
            np.zeros(len(countries)),
            shock**-theta,
            np.zeros_like(flows),
            theta,
            True,
        )
    )
    ours_pp = {
        "welfare": 100 * ours.welfare_change.to_numpy(),
        "real GDP": 100 * ours.real_gdp_change.to_numpy(),
        "relative factory-gate price": 100 * (ours.wage_hat - 1),  # ours: sum_i Y_i w_hat_i = sum_i Y_i
    }
    rows = [
        (
            "tariffscope on the gegravity problem (balanced, iceberg shock; GEModel + solve, median of 20)",
            f"{seconds_ours * 1000:.1f} ms ({ours.iterations} iterations, residual {ours.residual:.0e})",
            "",
        )
    ]
    for key, name in (
        ("released", "gegravity as released (full-GE system keeps baseline output/expenditure shares)"),
        ("moving_shares", "gegravity with shares moving with its prices (same equations as ours)"),
    ):
        run = report[key]
        theirs = pd.DataFrame(run, index=run["country"]).loc[list(countries)]
        prices = 1 + theirs["price_change"].to_numpy() / 100
        theirs_pp = {
            "welfare": 100 * (1 / theirs["welfare_statistic"].to_numpy() - 1),  # statistic is W / W'
            "real GDP": theirs["gdp_change"].to_numpy(),
            "relative factory-gate price": 100 * (prices / np.dot(weights, prices) - 1),  # same numeraire
        }
        gaps = {m: np.abs(ours_pp[m] - theirs_pp[m]) for m in ours_pp}
        worst = {m: f"{g.max():.1e} pp ({countries[int(np.argmax(g))]})" for m, g in gaps.items()}
        agree = max(g.max() for g in gaps.values()) <= SAME_ANSWER_PP
        residual = float(np.max(np.abs(ops.residual(ops.normalise(np.log(prices))))))
        total = report["setup_seconds"] + run["seconds"]
        rows.append(
            (
                name,
                f"{total:.1f} s ({report['setup_seconds']:.1f} s data and baseline + {run['seconds']:.1f} s "
                f"simulate; {run['evaluations']} evaluations, converged: {run['converged']}) = "
                f"{total / seconds_ours:,.0f}x ours ({run['seconds'] / seconds_ours:,.0f}x for simulate "
                f"alone, {run['full_ge_root_seconds'] / seconds_ours:,.0f}x for its full-GE scipy root call "
                f"alone, {run['full_ge_root_seconds']:.1f} s); largest gaps: welfare {worst['welfare']}, real GDP {worst['real GDP']}, relative "
                f"factory-gate price {worst['relative factory-gate price']}; market-clearing residual in "
                f"our equations {residual:.1e}, in gegravity's own flows {run['clearing_gap']:.1e}; "
                f"same answer to {SAME_ANSWER_PP:g} pp: {'yes' if agree else 'no'}",
                f">= 100x, same answer (<= {SAME_ANSWER_PP:g} pp)",
            )
        )
    return rows


def main() -> None:
    if not SHARED.is_dir():
        sys.exit(f"../shared not found at {SHARED}: the benchmarks need its data")
    rows = bench_ge() + bench_ppml() + bench_gegravity()
    print(f"Machine: {machine()}\n")
    print("| benchmark | measured | target |")
    print("| --- | --- | --- |")
    for name, value, target in rows:
        print(f"| {name} | {value} | {target} |")


if __name__ == "__main__":
    main()
