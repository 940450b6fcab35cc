"""Benchmarks of the rule engine (issue 2), printed as a markdown table.

1. ``Schedule.rates`` on 1,000,000 entry lines: random HTS10 x 20 origins x entry dates across 2025-26
   (target: under 2 s on a 2-core machine);
2. the baseline, ``Schedule.rate`` called line by line on a random sample of the same lines, scaled to the
   same count (target: the vectorised path at least 50x faster), measured in the same run;
3. the full panel, every HTS10 line x every origin (239) on one date (target: under 10 s).

Run: ``.venv/bin/python benchmarks/bench_engine.py [--lines 1000000] [--sample 2000]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import time

import numpy as np
import polars as pl
from _machine import cpu_model  # benchmarks/_machine.py (scripts run from this folder)


def machine() -> str:
    cpu = cpu_model()
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--sample", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from tariffscope.policy.schedule import Schedule

    t0 = time.perf_counter()
    s = Schedule.default()
    _ = s._c  # compile the measures once
    compile_s = time.perf_counter() - t0

    rng = np.random.default_rng(2025)
    codes = s.hts.lines["hts10"].to_numpy()
    origins = np.array(["JPN", "CHN", "DEU", "VNM", "MEX", "CAN", "KOR", "GBR", "IND", "BRA", "CHE", "TWN",
                        "THA", "ITA", "FRA", "IRL", "MYS", "SGP", "AUS", "ZAF"])
    start = np.datetime64("2025-01-01")
    n = args.lines
    frame = pl.DataFrame({
        "hts": rng.choice(codes, n),
        "origin": rng.choice(origins, n),
        "entry_date": (start + rng.integers(0, 730, n).astype("timedelta64[D]")).astype("datetime64[D]"),
        "customs_value": rng.uniform(100, 100_000, n).round(2),
    })
    vec_times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        out = s.rates(frame)
        vec_times.append(time.perf_counter() - t0)
    vec = min(vec_times)

    idx = rng.choice(n, args.sample, replace=False)
    sample = frame[idx.tolist()]
    t0 = time.perf_counter()
    totals = []
    for row in sample.iter_rows(named=True):
        r = s.rate(row["hts"], row["origin"], row["entry_date"], customs_value=row["customs_value"])
        totals.append(r.total_rate)
    loop = time.perf_counter() - t0
    per_line = loop / args.sample
    loop_scaled = per_line * n
    agree = np.allclose(np.array(totals), out["total_rate"].to_numpy()[idx], atol=1e-12)

    panel_times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        panel = s.panel(dt.date(2025, 9, 20))
        panel_times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    s.panel(dt.date(2025, 9, 20), headings=False)
    panel_plain = time.perf_counter() - t0

    print(f"Machine: {machine()}")
    print(f"Date: {dt.date.today()}; schedule compile (first use): {compile_s:.2f} s\n")
    print("| benchmark | result | target |")
    print("|---|---|---|")
    print(f"| `Schedule.rates`, {n:,} lines (best of {args.repeat}) | {vec:.2f} s ({n / vec / 1e6:.2f} M lines/s) | < 2 s |")
    print(f"| `Schedule.rate` line by line, {args.sample:,} sampled lines | {per_line * 1e3:.2f} ms/line; "
          f"{loop_scaled:,.0f} s for {n:,} lines | baseline |")
    print(f"| speed-up, vectorised vs line by line | {loop_scaled / vec:,.0f}x (same answers: {agree}) | >= 50x |")
    print(f"| full panel, {panel.height:,} lines ({panel['origin'].n_unique()} origins x "
          f"{panel['hts10'].n_unique():,} HTS10), with headings (best of {args.repeat}) | {min(panel_times):.2f} s | < 10 s |")
    print(f"| full panel without the headings column | {panel_plain:.2f} s | |")


if __name__ == "__main__":
    main()
