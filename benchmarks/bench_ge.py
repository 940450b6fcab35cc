"""Benchmarks of the general-equilibrium solver and PPML estimation; prints a markdown table.

Run: ``.venv/bin/python benchmarks/bench_ge.py``. Needs ``../shared`` for the Liberation Day and Advanced
Guide data. The comparison with USITC's ``gegravity`` runs when a separate virtual environment with it
exists (``GEGRAVITY_PYTHON``, default ``/tmp/gegravity-venv/bin/python``; create it with
``python -m venv /tmp/gegravity-venv && /tmp/gegravity-venv/bin/pip install gegravity``); it is never a
dependency of tariffscope.
"""

from __future__ import annotations

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
from tariffscope.economics.ge import GEModel
from tariffscope.economics.trade_data import Tariffs, TradeMatrix

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
LIBERATION_DAY = SHARED / "data" / "gravity" / "liberation_day_2025"
AGTPA = SHARED / "data" / "gravity" / "agtpa"
GEGRAVITY_PYTHON = Path(os.environ.get("GEGRAVITY_PYTHON", "/tmp/gegravity-venv/bin/python"))

# Runs inside the gegravity virtual environment (its own numpy/pandas/scipy), reads the problem from CSV.
GEGRAVITY_RUNNER = textwrap.dedent(
    """
    import sys, time, warnings
    import pandas as pd
    warnings.simplefilter("ignore")
    import gegravity as ge
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
    model.simulate()
    seconds = time.perf_counter() - start
    model.country_results.reset_index().to_csv(out, index=False)
    print(seconds)
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


def bench_gegravity() -> list[tuple[str, str, str]]:
    label = "USITC gegravity 0.3 (scipy root, levels), same 194-country problem"
    if not GEGRAVITY_PYTHON.exists():
        return [(label, f"not run: no gegravity environment at {GEGRAVITY_PYTHON}", "")]
    trade, tariffs = liberation_day()
    n = len(trade)
    # gegravity needs positive costs everywhere and, to compare like with like, balanced trade (its
    # solver and ours close the multiplicative-deficit model differently otherwise): symmetrise flows.
    flows = np.maximum(trade.values, trade.values.sum() * 1e-15)
    flows = (flows + flows.T) / 2
    output, spending = flows.sum(axis=1), flows.sum(axis=0)
    countries = trade.countries
    frame = pd.DataFrame(
        {
            "exporter": np.repeat(countries, n),
            "importer": np.tile(countries, n),
            "year": "2024",
            "trade": flows.ravel(),
            "Y": np.repeat(output, n),
            "E": np.tile(spending, n),
            # t_ij^(1-sigma) reproducing the data exactly once multilateral resistances are solved
            "ln_cost": np.log(flows / np.outer(output, spending) * output.sum()).ravel(),
            "ln_tariff": 0.0,
            "new_ln_tariff": np.log1p(tariffs.rates).ravel(),
        }
    )
    shock = np.exp(np.log1p(tariffs.rates))  # US tariffs as iceberg costs: gegravity has no tariff revenue
    balanced = TradeMatrix(countries, flows)
    model = GEModel(balanced, 4.0, "multiplicative")
    ours = model.solve(trade_cost_change=shock)
    seconds_ours = _median_time(lambda: model.solve(trade_cost_change=shock), 20)
    with tempfile.TemporaryDirectory() as tmp:
        problem, runner, out = Path(tmp, "problem.csv"), Path(tmp, "runner.py"), Path(tmp, "result.csv")
        frame.to_csv(problem, index=False)
        runner.write_text(GEGRAVITY_RUNNER)
        done = subprocess.run(
            [str(GEGRAVITY_PYTHON), str(runner), str(problem), "4", str(out)],
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
        if done.returncode != 0:
            return [(label, f"failed: {done.stderr.strip().splitlines()[-1]}", "")]
        seconds_theirs = float(done.stdout.strip().splitlines()[-1])
        theirs = pd.read_csv(out).set_index("country").loc[list(countries)]
    gap = (100 * ours.real_gdp_change - theirs["GDP change (percent)"]).abs()
    # Market-clearing residual of gegravity's factory-gate prices in our equations.
    problem_arrays = HatProblem(
        flows / spending, output, spending - output, shock**-4.0, np.zeros((n, n)), 4.0, True
    )
    ops = _Operators(problem_arrays)
    prices = 1 + theirs["factory gate price change (percent)"].to_numpy() / 100
    residual_theirs = float(np.max(np.abs(ops.residual(ops.normalise(np.log(prices))))))
    return [
        (
            "tariffscope on the gegravity problem (balanced, iceberg shock, multiplicative)",
            f"{seconds_ours * 1000:.1f} ms, residual {ours.residual:.0e}",
            "",
        ),
        (
            label,
            f"{seconds_theirs:.1f} s, market-clearing residual {residual_theirs:.1e}; real GDP gap median "
            f"{gap.median():.3f} pp, max {gap.max():.2f} pp ({gap.idxmax()})",
            "same answer",
        ),
    ]


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
