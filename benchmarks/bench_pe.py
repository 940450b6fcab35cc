"""Benchmark of the partial-equilibrium model: 5,000 products x 50 origins (250,000 flows).

Times model construction (validation) and ``solve`` with infinite export supply (closed form), a finite
supply elasticity common to all origins, and finite elasticities that differ by origin (several Newton
iterations). Prints a markdown table and writes it to ``benchmarks/RESULTS_pe.md`` with the machine.

    .venv/bin/python benchmarks/bench_pe.py [--products 5000] [--origins 50] [--repeat 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from _machine import cpu_model  # benchmarks/_machine.py (scripts run from this folder)

from tariffscope.economics.pe import PEModel


def data(n_products: int, n_origins: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    products = np.repeat([f"{i:06d}" for i in range(n_products)], n_origins)
    origins = np.tile([f"O{j:02d}" for j in range(n_origins)], n_products)
    n = n_products * n_origins
    imports = pd.DataFrame(
        {
            "product": products,
            "origin": origins,
            "value": rng.lognormal(10, 2, n),
            "tariff": rng.choice([0.0, 0.025, 0.05, 0.1], n),
        }
    )
    # a reciprocal-tariff-like change: every origin gets its own new rate on every product
    changes = pd.DataFrame(
        {
            "product": products,
            "origin": origins,
            "new_tariff": imports["tariff"] + rng.choice([0.1, 0.15, 0.25, 0.5], n),
        }
    )
    return imports, changes


def best_of(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=5000)
    parser.add_argument("--origins", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--output", type=Path, default=Path(__file__).with_name("RESULTS_pe.md"))
    args = parser.parse_args()

    imports, changes = data(args.products, args.origins)
    hetero = imports.assign(
        export_supply_elasticity=np.tile(np.linspace(0.5, 20.0, args.origins), args.products)
    )
    rows = []
    warnings.simplefilter("ignore", UserWarning)

    build = best_of(lambda: PEModel(imports), args.repeat)
    rows.append(("build PEModel (validation, indexing)", "-", *build, "-"))
    base = PEModel(imports)
    rules = best_of(lambda: base.new_tariffs(changes), args.repeat)
    rows.append((f"apply the tariff change ({len(changes):,} rules -> flows)", "-", *rules, "-"))
    cases = [
        ("solve, infinite export supply (closed form)", base),
        ("solve, export supply 5 for all origins", PEModel(imports, export_supply_elasticity=5.0)),
        ("solve, export supply 0.5-20 by origin", PEModel(hetero)),
    ]
    for label, model in cases:
        result = model.solve(changes)
        timing = best_of(lambda model=model: model.solve(changes), args.repeat)
        rows.append((label, str(result.iterations), *timing, f"{result.max_residual:.1e}"))

    n = len(imports)
    lines = [
        f"# Partial-equilibrium model benchmark ({dt.date.today().isoformat()})",
        "",
        f"{args.products:,} products x {args.origins} origins = {n:,} flows; every flow's tariff changes.",
        f"Machine: {cpu_model()}, nproc {os.cpu_count()}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, pandas {pd.__version__}. Best and median of {args.repeat} runs.",
        "`solve` includes applying the tariff change (matching change rows to flows), the equilibrium, the 12-node consumer-surplus "
        "integral and building the immutable result.",
        "",
        "| step | Newton iterations | best (s) | median (s) | market-clearing residual |",
        "|---|---:|---:|---:|---:|",
        *(f"| {label} | {it} | {best:.3f} | {median:.3f} | {res} |" for label, it, best, median, res in rows),
        "",
        "Regenerate: `.venv/bin/python benchmarks/bench_pe.py`.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    args.output.write_text(text)


if __name__ == "__main__":
    main()
