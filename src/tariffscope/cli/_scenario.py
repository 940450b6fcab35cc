"""The ``scenario`` commands: list, show, validate, run, compare, sweep."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from tariffscope.cli._common import JSON_OPTION, console, emit_json, pct, progress
from tariffscope.errors import InputError

METRICS = ("etr", "welfare", "real_gdp", "exports", "imports", "rate", "us_imports")


def register(app: typer.Typer) -> None:
    """Add the ``scenario`` command group to ``app``."""
    sc_app = typer.Typer(help="Scenarios: overlays on the policy timeline, trees of outcomes, runs, sweeps.",
                         no_args_is_help=True)
    app.add_typer(sc_app, name="scenario")

    @sc_app.command("list")
    def list_command(as_json: bool = JSON_OPTION) -> None:
        """The built-in scenarios and their branches."""
        from tariffscope.scenario.tree import builtin_scenarios, load_scenario

        out: list[dict[str, Any]] = []
        for name in builtin_scenarios():
            sc = load_scenario(name)
            out.append({"name": name, "title": sc.title,
                        "branches": [{"name": leaf.name, "probability": leaf.probability} for leaf in sc.leaves()]})
        if as_json:
            emit_json(out)
            return
        for entry in out:
            console.print(f"[bold]{entry['name']}[/]: {entry['title']}")
            for b in entry["branches"]:
                console.print(f"  {b['name']:<16} p={b['probability']:.2f}")

    @sc_app.command("show")
    def show_command(name: str = typer.Argument(..., help="Built-in name or YAML file."),
                     as_json: bool = JSON_OPTION) -> None:
        """A scenario's tree, branches and overlays."""
        from tariffscope.scenario.tree import load_scenario

        s = load_scenario(name)
        if as_json:
            emit_json(s.to_dict())
            return
        console.print(f"[bold]{s.name}[/]: {s.title}\n{s.description}")
        console.print(f"origin {s.origin}, date {s.date}, baseline {s.baseline_date}, products {', '.join(s.products)}")
        for node in s.nodes:
            console.print(f"\n[bold]{node.id}[/] deadline {node.deadline}: {node.description}")
            for b in node.branches:
                console.print(f"  [bold]{b.name}[/] p={b.probability:.2f}{' → ' + b.next if b.next else ''}: {b.description}")
                for op in b.overlay:
                    console.print(f"    - {op.to_dict()}")

    @sc_app.command("validate")
    def validate_command(file: Path = typer.Argument(..., help="A scenario YAML file."),
                         as_json: bool = JSON_OPTION) -> None:
        """Check a scenario file: every problem at once, with file and line."""
        from tariffscope.scenario.tree import load_scenario

        s = load_scenario(str(file))
        names = [leaf.name for leaf in s.leaves()]
        if as_json:
            emit_json({"valid": True, "name": s.name, "branches": names})
        else:
            console.print(f"valid: {s.name} with {len(names)} branch(es)")

    @sc_app.command("run")
    def run_command(
        name: str = typer.Argument(..., help="Built-in scenario name or YAML file."),
        branch: list[str] = typer.Option(None, "--branch", "-b", help="Only these branches; repeatable."),
        trade_elasticity: float = typer.Option(4.0, "--trade-elasticity", help="GE trade elasticity (theta)."),
        deficits: str = typer.Option("additive", "--deficits", help="GE deficits: additive or multiplicative."),
        no_ge: bool = typer.Option(False, "--no-ge", help="Skip general equilibrium."),
        no_pe: bool = typer.Option(False, "--no-pe", help="Skip partial equilibrium."),
        save: bool = typer.Option(True, "--save/--no-save", help="Store the run in the DuckDB store."),
        plot: Path = typer.Option(None, "--plot", help="Write the effective-rate paths as an HTML chart."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Every branch: rate paths, the partner's effective rate, PE and GE impacts, and the expectation."""
        from tariffscope.scenario.run import RunOptions, run_scenario, save_run
        from tariffscope.scenario.tree import load_scenario

        if deficits not in ("additive", "multiplicative"):
            raise InputError(f"--deficits must be additive or multiplicative; got '{deficits}'")
        s = load_scenario(name)
        n = len(branch) if branch else len(s.leaves())
        opts = RunOptions(trade_elasticity=trade_elasticity, deficits=deficits, with_ge=not no_ge, with_pe=not no_pe)
        with progress(f"running {n} branch(es) of {s.name}", total=n, enabled=not as_json) as advance:
            run = run_scenario(s, branch or None, opts, progress=advance)
        stored = save_run(run) if save else None
        if plot is not None:
            from tariffscope.cli._rates import _write_figure

            _write_figure(run.figure(), plot)
        if as_json:
            d = run.to_dict()
            d["stored_as"] = stored
            emit_json(d)
            return
        _print_run(run)
        if stored:
            console.print(f"[dim]stored as {stored}[/]")

    @sc_app.command("compare")
    def compare_command(
        branches: list[str] = typer.Argument(..., help="Branch names (or NAME:BRANCH) to put side by side."),
        metric: str = typer.Option("etr", "--metric", help=f"One of {', '.join(METRICS)}."),
        origin: str = typer.Option(None, "--origin", "-o", help="Country (default: the scenario's origin)."),
        scenario: str = typer.Option("us-japan-2025", "--scenario", help="Scenario of bare branch names."),
        hts: str = typer.Option(None, "--hts", help="Product for --metric rate."),
        date: str = typer.Option(None, "--date", "-d", help="Date (default: the scenario's date)."),
        plot: Path = typer.Option(None, "--plot", help="Write a figure (HTML)."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Branches side by side on one metric, as a table and a figure."""
        _compare(branches, metric, origin, scenario, hts, date, plot, as_json)

    @sc_app.command("runs")
    def runs_command(as_json: bool = JSON_OPTION) -> None:
        """Stored scenario runs (newest first), with their content hash and version."""
        from tariffscope.store.duck import Store

        entries = Store().list(kind="scenario-run")
        rows = [{"name": e["name"], "created": e["created"], "version": e["version"],
                 "content_hash": e["meta"].get("content_hash"),
                 "options": e["meta"].get("inputs", {}).get("options")} for e in entries]
        if as_json:
            emit_json(rows)
            return
        t = Table(title="Stored scenario runs")
        for c in ("name", "created", "version", "options"):
            t.add_column(c, overflow="fold")
        for r in rows:
            opts = r["options"] or {}
            t.add_row(r["name"], r["created"][:19], r["version"],
                      f"theta {opts.get('trade_elasticity')}, {opts.get('deficits')}")
        console.print(t)

    @sc_app.command("diff")
    def diff_command(
        first: str = typer.Argument(..., help="A stored run (see `scenario runs`)."),
        second: str = typer.Argument(..., help="Another stored run."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Two stored runs side by side: each branch's effective rate and GE results for the origin."""
        from tariffscope.store.duck import Store

        store = Store()
        results = []
        for name in (first, second):
            meta = store.meta(name)
            if meta["kind"] != "scenario-run":
                raise InputError(f"'{name}' is a {meta['kind']}, not a scenario run")
            results.append(meta["meta"]["result"])
        a, b = results
        origin = a["origin"]
        rows = []
        for ba in a["branches"]:
            bb = next((x for x in b["branches"] if x["name"] == ba["name"]), None)
            row: dict[str, Any] = {"branch": ba["name"], "etr_first": ba["etr"], "etr_second": bb["etr"] if bb else None}
            for key in ("real_gdp_change", "welfare_change"):
                ga = next((r[key] for r in ba.get("ge", []) if r["country"] == origin), None)
                gb = next((r[key] for r in bb.get("ge", []) if r["country"] == origin), None) if bb else None
                row[f"{key}_first"], row[f"{key}_second"] = ga, gb
            rows.append(row)
        out = {"first": first, "second": second, "origin": origin,
               "same_inputs": a["content_hash"] == b["content_hash"], "branches": rows}
        if as_json:
            emit_json(out)
            return
        t = Table(title=f"{first} vs {second} ({origin}; same inputs: {out['same_inputs']})")
        for c in ("branch", "ETR 1", "ETR 2", "real GDP 1", "real GDP 2", "welfare 1", "welfare 2"):
            t.add_column(c, justify="left" if c == "branch" else "right")
        for r in rows:
            t.add_row(r["branch"], pct(r["etr_first"], 1), pct(r["etr_second"], 1), pct(r["real_gdp_change_first"], 3),
                      pct(r["real_gdp_change_second"], 3), pct(r["welfare_change_first"], 3),
                      pct(r["welfare_change_second"], 3))
        console.print(t)

    @sc_app.command("sweep")
    def sweep_command(
        name: str = typer.Argument(..., help="Built-in scenario name or YAML file."),
        draws: int = typer.Option(1000, "--draws", help="Monte Carlo draws."),
        seed: int = typer.Option(0, "--seed", help="Random seed (results are reproducible from it)."),
        workers: int = typer.Option(1, "--workers", help="Local worker processes."),
        scheduler: str = typer.Option(None, "--scheduler", help="Dask scheduler address, e.g. tcp://host:8786."),
        spec_file: Path = typer.Option(None, "--spec", help="YAML with the distributions (see docs/scenarios.md)."),
        resume: bool = typer.Option(True, "--resume/--restart", help="Reuse finished chunks of the same sweep."),
        timeout: float = typer.Option(10.0, "--timeout", help="Seconds to wait for the scheduler."),
        plot: Path = typer.Option(None, "--plot", help="Write the distributions as an HTML chart."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Monte Carlo over elasticities, branch probabilities and pass-through: distributions of every output."""
        import yaml

        from tariffscope.scenario.sweep import SweepSpec, run_sweep
        from tariffscope.scenario.tree import load_scenario

        if draws <= 0:
            raise InputError(f"--draws must be a positive number of draws; got {draws}")
        if workers <= 0:
            raise InputError(f"--workers must be at least 1; got {workers}")
        s = load_scenario(name)
        raw: dict[str, Any] = {}
        if spec_file is not None:
            if not spec_file.is_file():
                raise InputError(f"--spec file '{spec_file}' not found")
            raw = yaml.safe_load(spec_file.read_text()) or {}
        spec = SweepSpec.from_dict({**raw, "draws": draws, "seed": seed})
        total = -(-draws // spec.chunk_size)
        with progress(f"sweeping {draws} draws of {s.name}", total=total, enabled=not as_json) as advance:
            result = run_sweep(s, spec, scheduler=scheduler, workers=workers, resume=resume, progress=advance,
                               timeout=timeout)
        if plot is not None:
            from tariffscope.cli._rates import _write_figure

            _write_figure(result.figure(), plot)
        if as_json:
            emit_json(result.to_dict())
            return
        console.print(result.summary())


def _print_run(run: Any) -> None:
    origin = run.origin
    t = Table(title=f"{run.scenario.name}: {origin} on {run.scenario.date} (GE: real GDP and welfare of {origin}; "
                    f"US imports by source)")
    cols = ["branch", "p", "ETR", "ETR base"]
    has_ge = all(b.ge is not None for b in run.branches)
    if has_ge:
        cols += ["real GDP", "welfare", f"US imp. {origin}", "US imp. MEX", "US imp. ASEAN", "US welfare"]
    for c in cols:
        t.add_column(c, justify="right" if c not in ("branch",) else "left")
    for b in run.branches:
        row = [b.name, f"{b.probability:.2f}", pct(b.etr, 1), pct(b.etr_baseline, 1)]
        if has_ge:
            g = b.ge_for(origin)
            us = b.ge_for("USA")
            row += [pct(g["real_gdp_change"], 3), pct(g["welfare_change"], 3), pct(b.diversion.get("Japan"), 1),
                    pct(b.diversion.get("Mexico"), 1), pct(b.diversion.get("ASEAN"), 1), pct(us["welfare_change"], 3)]
        t.add_row(*row)
    e = run.expected()
    row = ["expected", "1.00", pct(e["etr"], 1), ""]
    if has_ge:
        g = next(r for r in e["ge"] if r["country"] == origin)
        us = next(r for r in e["ge"] if r["country"] == "USA")
        row += [pct(g["real_gdp_change"], 3), pct(g["welfare_change"], 3), pct(e["us_imports_change"]["Japan"], 1),
                pct(e["us_imports_change"]["Mexico"], 1), pct(e["us_imports_change"]["ASEAN"], 1),
                pct(us["welfare_change"], 3)]
    t.add_row(*row, style="bold")
    console.print(t)
    if run.scenario.products:
        pt = Table(title=f"Rates on {run.scenario.date} of the scenario's products from {origin}")
        pt.add_column("HTS")
        for b in run.branches:
            pt.add_column(b.name, justify="right")
        for code in run.branches[0].products:
            pt.add_row(code, *[pct(b.products[code]["rate_on_date"], 1) for b in run.branches])
        console.print(pt)


def _compare(branches: list[str], metric: str, origin: str | None, scenario: str, hts: str | None,
             date: str | None, plot: Path | None, as_json: bool) -> None:
    import plotly.graph_objects as go

    from tariffscope.data.countries import normalize_country
    from tariffscope.policy.effective import effective_rates
    from tariffscope.policy.schedule import Schedule
    from tariffscope.policy.timeline import rate_timeline
    from tariffscope.scenario.run import RunOptions, run_leaf
    from tariffscope.scenario.tree import load_scenario

    if metric not in METRICS:
        raise InputError(f"--metric '{metric}' is not one of {', '.join(METRICS)}")
    if metric == "rate" and not hts:
        raise InputError("--metric rate needs --hts CODE")
    default = load_scenario(scenario)
    chosen = []
    for spec in branches:
        if ":" in spec:
            name, _, br = spec.partition(":")
            sc = load_scenario(name)
            chosen.append((sc, sc.leaf(br)))
        else:
            chosen.append((default, default.leaf(spec)))
    iso = normalize_country(origin) if origin else default.origin
    day = dt.date.fromisoformat(date) if date else default.date
    base = Schedule(metal_share_default="bea")
    rows: list[dict[str, Any]] = []
    fig = go.Figure()
    for sc, leaf in chosen:
        sched = Schedule(sc.policy(leaf, base.policy), base.hts, "bea")
        label = leaf.name if sc is default else f"{sc.name}:{leaf.name}"
        row: dict[str, Any] = {"branch": label, "probability": leaf.probability, "origin": iso, "date": day.isoformat()}
        if metric == "etr":
            months = [dt.date(sc.start.year + (sc.start.month - 1 + k) // 12, (sc.start.month - 1 + k) % 12 + 1, 1)
                      for k in range(((sc.end.year - sc.start.year) * 12 + sc.end.month - sc.start.month) + 1)]
            path = [(d, effective_rates(sched, d, origins=[iso]).rows[0].etr) for d in months]
            row["value"] = effective_rates(sched, day, origins=[iso]).rows[0].etr
            row["path"] = [{"date": d.isoformat(), "etr": v} for d, v in path]
            fig.add_scatter(x=[d for d, _ in path], y=[100 * v for _, v in path], name=label, line_shape="hv")
        elif metric == "rate":
            tl = rate_timeline(sched, hts or "", iso, sc.start, sc.end)
            row["value"] = tl.rate_on(day)
            row["path"] = [s.to_dict() for s in tl.segments]
            xs, ys = [], []
            for s in tl.segments:
                xs += [s.start, s.end]
                ys += [100 * s.total_rate] * 2
            fig.add_scatter(x=xs, y=ys, name=label)
        else:
            res = run_leaf(sc, leaf, RunOptions(with_pe=False), base)
            if metric == "us_imports":
                row["value"] = res.diversion.get("Japan" if iso == "JPN" else iso)
                row["us_imports_change"] = res.diversion
            else:
                g = res.ge_for(iso)
                row["value"] = g[f"{metric}_change"]
        rows.append(row)
    if metric not in ("etr", "rate"):
        fig.add_bar(x=[r["branch"] for r in rows], y=[100 * (r["value"] or 0) for r in rows], name=metric)
    fig.update_layout(title=f"{metric} for {iso}: {', '.join(r['branch'] for r in rows)}", yaxis_title="%")
    if plot is not None:
        from tariffscope.cli._rates import _write_figure

        _write_figure(fig, plot)
    if as_json:
        emit_json({"metric": metric, "origin": iso, "date": day.isoformat(), "branches": rows})
        return
    t = Table(title=f"{metric} of {iso} on {day}")
    t.add_column("branch")
    t.add_column("probability", justify="right")
    t.add_column(metric, justify="right")
    for r in rows:
        t.add_row(r["branch"], f"{r['probability']:.2f}", pct(r["value"], 3 if metric not in ("etr", "rate") else 1))
    console.print(t)
    if plot is not None:
        console.print(f"figure written to {plot}")
