"""Commands of the rule engine: rate, duty, timeline, etr, measures, data, demo."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from tariffscope.cli._common import JSON_OPTION, console, emit_json, err_console, pct, progress
from tariffscope.errors import InputError

POLICY_OPTION = typer.Option(
    None, "--policy", help="Extra policy file(s) (YAML) laid over the built-in measures; repeatable."
)
HTS_FILE_OPTION = typer.Option(
    None,
    "--hts-file",
    help="A local HTS schedule (USITC CSV export or Parquet) instead of the bundled 2025 Basic Edition. "
    "Default from $TARIFFSCOPE_HTS_FILE.",
)
SCENARIO_OPTION = typer.Option(
    None, "--scenario", help="Answer in a scenario's world: NAME[:BRANCH] (a built-in name or a YAML file)."
)
HTS_EDITION_OPTION = typer.Option(
    None, "--hts-edition", help="A schedule stored by `tariffscope data fetch hts` (see `data list`)."
)


def _load_hts(hts_file: Path | None, hts_edition: str | None) -> Any:
    from tariffscope.data import hts as hts_mod

    if hts_file is None and os.environ.get("TARIFFSCOPE_HTS_FILE"):
        hts_file = Path(os.environ["TARIFFSCOPE_HTS_FILE"])
    if hts_file is not None and hts_edition is not None:
        raise InputError("give either --hts-file or --hts-edition, not both")
    if hts_edition is not None:
        from tariffscope.store.duck import Store

        frame = Store().load_frame(f"hts:{hts_edition}")
        return hts_mod.HTSTable(lines=frame, edition=hts_edition)
    if hts_file is None:
        return None
    if not hts_file.is_file():
        raise InputError(f"HTS file '{hts_file}' not found; check the path or drop --hts-file")
    if hts_file.suffix.lower() in (".parquet", ".pq"):
        return hts_mod.load_hts_parquet(hts_file)
    return hts_mod.load_hts_csv(hts_file)


def build_schedule(
    policy: list[Path] | None = None,
    hts_file: Path | None = None,
    hts_edition: str | None = None,
    metal_share_default: str = "full",
    scenario: str | None = None,
) -> Any:
    """The schedule a command works on: built-in or extra policy files, a scenario branch laid over
    them, bundled or given HTS."""
    from tariffscope.policy.collection import Policy
    from tariffscope.policy.schedule import Schedule

    hts = _load_hts(hts_file, hts_edition)
    pol = Policy.from_files([str(p) for p in policy]) if policy else None
    if pol is not None:
        pol.warn_conflicts()
    if scenario:
        from tariffscope.scenario.tree import resolve

        sc, leaf = resolve(scenario)
        pol = sc.policy(leaf, pol)
    if pol is None and hts is None and metal_share_default == "full":
        return Schedule.default()
    if pol is None and hts is None:
        return Schedule(None, None, metal_share_default)  # type: ignore[arg-type]
    return Schedule(pol, hts, metal_share_default)  # type: ignore[arg-type]


def _parse_date(value: str | None, name: str, default: dt.date | None = None) -> dt.date:
    if value is None:
        if default is None:
            raise InputError(f"--{name} is required (YYYY-MM-DD)")
        return default
    from tariffscope.policy.schedule import _to_date

    return _to_date(value, f"--{name}")


def register(app: typer.Typer) -> None:
    """Add the rule-engine commands to ``app``."""

    @app.command("rate")
    def rate_command(
        hts: str = typer.Argument(..., help="HTS code, with or without dots (e.g. 8703.23.0190)."),
        origin: str = typer.Option(..., "--origin", "-o", help="Country of origin: ISO3, ISO2, Census code or name."),
        date: str = typer.Option(None, "--date", "-d", help="Entry date YYYY-MM-DD (default: today)."),
        load_date: str = typer.Option(None, "--load-date", help="Date loaded for export (in-transit clauses)."),
        value: float = typer.Option(None, "--value", help="Customs value in USD (duty in dollars; specific MFN)."),
        quantity: float = typer.Option(None, "--quantity", help="Quantity in the unit of a specific MFN rate."),
        metal_share: float = typer.Option(None, "--metal-share", help="Metal content share of value (0-1)."),
        us_content: float = typer.Option(None, "--us-content", help="US-origin content share of value (0-1)."),
        all_layers: bool = typer.Option(False, "--all", help="Also list measures not in force on the date."),
        claim: list[str] = typer.Option(None, "--claim", help="A claimed treatment, e.g. civil-aircraft; repeatable."),
        scenario: str = SCENARIO_OPTION,
        policy: list[Path] = POLICY_OPTION,
        hts_file: Path = HTS_FILE_OPTION,
        hts_edition: str = HTS_EDITION_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """The duty rate of a product from a country on an entry date, layer by layer, and why."""
        schedule = build_schedule(policy, hts_file, hts_edition, scenario=scenario)
        day = _parse_date(date, "date", dt.date.today())
        load = _parse_date(load_date, "load-date") if load_date else None
        res = schedule.rate(hts, origin, day, load, value, quantity, metal_share, us_content,
                            show="all" if all_layers else "relevant", claims=claim or ())
        if as_json:
            emit_json(res)
            return
        from tariffscope.policy.schedule import format_hts

        console.print(
            f"[bold]{format_hts(res.hts)}[/] {res.description[:70]}\n"
            f"origin [bold]{res.origin}[/], entered {res.entry_date}"
            + (f", loaded {res.load_date}" if res.load_date else "")
        )
        table = Table(show_lines=False)
        for col in ("", "heading", "authority", "rate", "why"):
            table.add_column(col, overflow="fold", no_wrap=col in ("heading", "rate"))
        if value is not None:
            table.add_column("duty $", justify="right")
        for layer in res.layers:
            row = ["[green]✓[/]" if layer.applies else "[dim]·[/]", layer.heading, layer.authority,
                   pct(layer.rate) if layer.applies else f"[dim]({pct(layer.nominal_rate)})[/]", layer.reason]
            if value is not None:
                row.append(f"{layer.duty:,.2f}" if layer.duty is not None else "")
            table.add_row(*row, style=None if layer.applies else "dim")
        console.print(table)
        line = f"[bold]total {pct(res.total_rate)}[/]"
        if res.duty is not None:
            line += f"  duty ${res.duty:,.2f} on ${value:,.2f}"
        console.print(line)
        for note in res.notes:
            console.print(f"[yellow]note:[/] {note}")

    @app.command("duty")
    def duty_command(
        file: Path = typer.Argument(..., help="CSV or Parquet of entry lines: hts, origin, entry_date, customs_value, ..."),
        out: Path = typer.Option(None, "--out", help="Write the lines with rate and duty columns (CSV/Parquet)."),
        scenario: str = SCENARIO_OPTION,
        policy: list[Path] = POLICY_OPTION,
        hts_file: Path = HTS_FILE_OPTION,
        hts_edition: str = HTS_EDITION_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Duty on every line of an entry file, to the cent, like a CBP Form 7501, with totals."""
        from tariffscope.data.entries import read_entries, write_table

        _check_table_path(out)
        schedule = build_schedule(policy, hts_file, hts_edition, scenario=scenario)
        frame = read_entries(file)
        if "customs_value" not in frame.columns:
            raise InputError(f"entry file '{file}' needs a 'customs_value' column (USD) to compute duty")
        empty = frame["customs_value"].is_null()
        if empty.any():
            first = int(empty.arg_max() or 0) + 2  # file line: header is line 1
            raise InputError(f"entry file '{file}' line {first}: customs_value is empty; every line needs one")
        with progress("rating entry lines", enabled=frame.height > 200_000 and not as_json):
            rated = schedule.rates(frame)
        summary = _duty_summary(rated)
        if out is not None:
            write_table(rated, out)
            summary["output"] = str(out)
        if as_json:
            if rated.height <= 1000:
                summary["lines"] = rated.to_dicts()
            emit_json(summary)
            return
        if rated.height <= 50:
            table = Table(title=f"Entry summary: {file.name}")
            for col in ("line", "HTS", "origin", "entered", "value $", "headings", "rate", "duty $"):
                table.add_column(col, justify="right" if col in ("value $", "rate", "duty $", "line") else "left",
                                 no_wrap=col != "headings", overflow="fold")
            for i, r in enumerate(rated.iter_rows(named=True), start=1):
                table.add_row(str(i), r["hts10"], str(r["origin"]), str(r["entry_date"])[:10],
                              f"{r['customs_value']:,.2f}", (r["headings"] or "").replace(";", " "),
                              pct(r["total_rate"]), f"{r['duty']:,.2f}")
            console.print(table)
        console.print(
            f"{summary['line_count']} lines, customs value ${summary['customs_value']:,.2f}, "
            f"[bold]duty ${summary['duty']:,.2f}[/] (MFN ${summary['mfn_duty']:,.2f}; "
            + ", ".join(f"{k} ${v:,.2f}" for k, v in summary["duty_by_authority"].items())
            + ")"
            + (f"; written to {out}" if out else "")
        )

    @app.command("timeline")
    def timeline_command(
        hts: str = typer.Argument(..., help="HTS code (10 digits, dots optional)."),
        origin: str = typer.Option(..., "--origin", "-o"),
        start: str = typer.Option("2025-01-01", "--from", help="First entry date."),
        end: str = typer.Option(None, "--to", help="Last entry date (default: 2026-12-31)."),
        load_date: str = typer.Option(None, "--load-date"),
        metal_share: float = typer.Option(None, "--metal-share"),
        us_content: float = typer.Option(None, "--us-content"),
        plot: Path = typer.Option(None, "--plot", help="Write a step chart (HTML)."),
        scenario: str = SCENARIO_OPTION,
        policy: list[Path] = POLICY_OPTION,
        hts_file: Path = HTS_FILE_OPTION,
        hts_edition: str = HTS_EDITION_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """The rate path of a product and origin over a date range, with its change points."""
        from tariffscope.policy.timeline import rate_timeline

        schedule = build_schedule(policy, hts_file, hts_edition, scenario=scenario)
        d0 = _parse_date(start, "from")
        d1 = _parse_date(end, "to", dt.date(2026, 12, 31))
        t = rate_timeline(schedule, hts, origin, d0, d1, load_date=load_date, metal_share=metal_share,
                          us_content_share=us_content)
        if plot is not None:
            _write_figure(t.figure(), plot)
        if as_json:
            emit_json(t)
            return
        table = Table(title=f"{t.hts} from {t.origin}")
        for col in ("from", "to", "total", "MFN", "232", "IEEPA", "s122", "headings"):
            table.add_column(col, no_wrap=col != "headings", overflow="fold")
        for s in t.segments:
            table.add_row(str(s.start), str(s.end), f"[bold]{pct(s.total_rate)}[/]", pct(s.mfn_rate),
                          pct(s.section_232), pct(s.ieepa), pct(s.section_122), s.headings.replace(";", " "))
        console.print(table)
        if plot is not None:
            console.print(f"chart written to {plot}")

    @app.command("etr")
    def etr_command(
        origin: list[str] = typer.Option(None, "--origin", "-o", help="Partner(s); repeatable."),
        date: str = typer.Option(None, "--date", "-d", help="Entry date (default: today)."),
        all_imports: bool = typer.Option(False, "--all", help="Also the rate on all US imports."),
        weights: Path = typer.Option(None, "--weights", help="CSV hts10,country,value of import weights."),
        census_json: Path = typer.Option(None, "--census-json", help="A saved Census API response as weights."),
        by_sector: bool = typer.Option(False, "--by-sector", help="Show GTAP sector rates (GTAP weights)."),
        save: str = typer.Option(None, "--save", help="Store the result in the DuckDB store under this name."),
        scenario: str = SCENARIO_OPTION,
        policy: list[Path] = POLICY_OPTION,
        hts_file: Path = HTS_FILE_OPTION,
        hts_edition: str = HTS_EDITION_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Trade-weighted effective tariff rate of partners (and of all imports) on a date."""
        from tariffscope.data.weights import load_census_json, load_weights_csv
        from tariffscope.policy.effective import effective_rates

        if weights is not None and census_json is not None:
            raise InputError("give either --weights or --census-json, not both")
        schedule = build_schedule(policy, hts_file, hts_edition, metal_share_default="bea", scenario=scenario)
        day = _parse_date(date, "date", dt.date.today())
        w = None
        notes: list[str] = []
        if weights is not None:
            w = load_weights_csv(weights)
        elif census_json is not None:
            w, notes = load_census_json(census_json)
        with progress("computing effective rates", enabled=all_imports and not as_json):
            res = effective_rates(schedule, day, origin or None, w, include_total=all_imports, by_sector=by_sector)
        if save:
            from tariffscope.store.duck import Store

            Store().save_frame(f"etr:{save}", res.to_frame(), kind="etr", meta=res.to_dict())
        if as_json:
            d = res.to_dict()
            d["notes"] = [*d["notes"], *notes]
            if by_sector and res.sectors is not None:
                d["sectors"] = res.sectors.sort(["origin", "gtap_code"]).to_dicts()
            emit_json(d)
            return
        table = Table(title=f"Effective US tariff rate, entries on {res.entry_date} ({res.method} weights)")
        for col in ("origin", "effective rate", "MFN", "Sec. 232", "IEEPA", "Sec. 122"):
            table.add_column(col, justify="right" if col != "origin" else "left")
        for r in (*res.rows, *([res.total] if res.total else [])):
            table.add_row(r.origin, f"[bold]{pct(r.etr)}[/]", pct(r.mfn), pct(r.section_232), pct(r.ieepa),
                          pct(r.section_122))
        console.print(table)
        if by_sector and res.sectors is not None:
            st = Table(title="By GTAP sector (simple mean over HTS10 lines)")
            for col in ("origin", "sector", "mean rate"):
                st.add_column(col)
            for r in res.sectors.sort(["origin", "total_rate"], descending=[False, True]).iter_rows(named=True):
                st.add_row(r["origin"], r["gtap_code"], pct(r["total_rate"]))
            console.print(st)
        for n in (*res.notes, *notes):
            console.print(f"[dim]note: {n}[/]")

    measures_app = typer.Typer(help="List, explain and validate tariff measures.", no_args_is_help=True)
    app.add_typer(measures_app, name="measures")

    @measures_app.command("list")
    def measures_list(
        origin: str = typer.Option(None, "--origin", "-o", help="Only measures covering this origin."),
        authority: str = typer.Option(None, "--authority", help="Only this authority (e.g. 'Section 232')."),
        date: str = typer.Option(None, "--date", "-d", help="Only measures in force on this date."),
        policy: list[Path] = POLICY_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """The measures of the policy timeline."""
        from tariffscope.data.countries import expand_origins, normalize_country
        from tariffscope.policy.collection import Policy

        pol = Policy.from_files([str(p) for p in policy]) if policy else Policy.builtin()
        ms = list(pol)
        if origin:
            iso = normalize_country(origin)
            ms = [m for m in ms if iso in expand_origins(m.origins.include) - expand_origins(m.origins.exclude)]
        if authority:
            ms = [m for m in ms if m.authority.lower() == authority.lower()]
        if date:
            day = _parse_date(date, "date")
            ms = [m for m in ms if m.in_force(day)]
        ms.sort(key=lambda m: (m.start, m.heading, m.id))
        if as_json:
            emit_json([m.to_dict() for m in ms])
            return
        table = Table(title=f"{len(ms)} measures")
        for col in ("id", "heading", "authority", "rate", "stacking", "from", "to", "status", "origins"):
            table.add_column(col, overflow="fold")
        for m in ms:
            table.add_row(m.id, m.heading, m.authority, pct(m.rate, 1), m.stacking, str(m.start),
                          str(m.end or "open"), m.status, ",".join(m.origins.include)[:30])
        console.print(table)

    @measures_app.command("explain")
    def measures_explain(
        measure_id: str = typer.Argument(..., help="A measure id (see `measures list`)."),
        policy: list[Path] = POLICY_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Everything about one measure: scope, dates, stacking, legal citation."""
        from tariffscope.policy.collection import Policy

        pol = Policy.from_files([str(p) for p in policy]) if policy else Policy.builtin()
        m = pol.get(measure_id)
        excluded_by = pol.excluders()[m.id]
        if as_json:
            d = m.to_dict()
            d["excluded_by_measures"] = excluded_by
            d["source_file"] = Path(m.source_file).name
            emit_json(d)
            return
        console.print(f"[bold]{m.id}[/]: {m.title}")
        console.print(f"  {m.authority}, {m.citation}, heading {m.heading}"
                      + (f" (or {m.alt_heading} when nothing is added)" if m.alt_heading else ""))
        rate = f"{pct(m.rate, 1)} all-in floor" if m.stacking == "floor" else f"+{pct(m.rate, 1)}"
        basis = " on the metal content" if m.basis == "metal_content" else ""
        console.print(f"  rate {rate}{basis}; in force {m.start} to {m.end or 'further notice'}; status {m.status}")
        for w in m.suspended:
            console.print(f"  suspended {w.start} to {w.end or 'further notice'} {w.citation}")
        if m.in_transit:
            console.print(f"  in transit: loaded before {m.in_transit.loaded_before} and entered before "
                          f"{m.in_transit.entered_before} keep the earlier treatment")
        p = m.products
        console.print(f"  products: include {', '.join(p.include) or '-'}; lists {', '.join(p.lists) or '-'}; "
                      f"exclude {', '.join(p.exclude) or '-'}; exclude lists {', '.join(p.exclude_lists) or '-'}")
        console.print(f"  origins: {', '.join(m.origins.include)}"
                      + (f" except {', '.join(m.origins.exclude)}" if m.origins.exclude else ""))
        if excluded_by:
            console.print(f"  does not apply when any of these applies: {', '.join(excluded_by)}")
        if m.metal_remainder:
            console.print("  on the non-metal share when a metal-content duty applies")
        if m.us_content_carveout:
            console.print("  on the non-US share when US content is 20% or more")
        if m.notes:
            console.print(f"  [dim]{m.notes}[/]")
        console.print(f"  [dim]defined in {Path(m.source_file).name}:{m.source_line}[/]")

    @measures_app.command("validate")
    def measures_validate(
        files: list[Path] = typer.Argument(..., help="Policy files to check (with the built-in ones)."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Check policy files: every problem at once with file and line; conflicts as warnings."""
        import warnings

        from tariffscope.errors import PolicyValidationError
        from tariffscope.policy.collection import Policy

        try:
            pol = Policy.from_files([str(f) for f in files])
        except PolicyValidationError as exc:
            if as_json:
                emit_json({"valid": False, "problems": [str(p) for p in exc.problems]})
                raise typer.Exit(2) from None
            raise
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pol.warn_conflicts()
        msgs = [str(w.message) for w in caught]
        if as_json:
            emit_json({"valid": True, "measures": len(pol), "warnings": msgs})
            return
        for m in msgs:
            err_console.print(f"[yellow]warning:[/] {m}")
        console.print(f"valid: {len(pol)} measures ({len(msgs)} warning(s))")

    data_app = typer.Typer(help="Download and inspect data (HTS schedules, Census trade data).", no_args_is_help=True)
    app.add_typer(data_app, name="data")
    fetch_app = typer.Typer(help="Download data into the local store.", no_args_is_help=True)
    data_app.add_typer(fetch_app, name="fetch")

    @fetch_app.command("hts")
    def fetch_hts_command(
        url: str = typer.Option(None, "--url", help="Override the USITC export URL."),
        edition: str = typer.Option(None, "--edition", help="Name to store it under (default: current-YYYY-MM-DD)."),
        timeout: float = typer.Option(120.0, "--timeout", help="Seconds before the download gives up."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Download the current HTS from USITC, validate it, and store it for --hts-edition."""
        from tariffscope.data import fetch as fetch_mod
        from tariffscope.data.hts import load_hts_csv
        from tariffscope.store.duck import Store, data_dir

        dest = data_dir() / "downloads"
        kwargs: dict[str, Any] = {"timeout": timeout}
        if url:
            kwargs["url"] = url
        with progress("downloading the HTS from USITC", enabled=not as_json):
            path = fetch_mod.fetch_hts(dest, **kwargs)
        name = edition or f"current-{dt.date.today().isoformat()}"
        table = load_hts_csv(path, edition=name)
        h = Store().save_frame(f"hts:{name}", table.lines, kind="hts", meta={"source": url or "usitc", "file": str(path)})
        info = {"edition": name, "file": str(path), "lines": len(table), "content_hash": h}
        if as_json:
            emit_json(info)
        else:
            console.print(f"stored HTS edition '{name}' ({len(table)} lines) from {path}; use --hts-edition {name}")

    @fetch_app.command("census")
    def fetch_census_command(
        period: str = typer.Option(..., "--period", help="Month YYYY-MM (Census API 'time')."),
        country: str = typer.Option(None, "--country", help="One partner (default: all)."),
        out: Path = typer.Option(None, "--out", help="Where to save the JSON (default: the data folder)."),
        timeout: float = typer.Option(120.0, "--timeout"),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Download HS10 import values by country from the Census API (weights for `etr --census-json`)."""
        from tariffscope.data.weights import fetch_census, load_census_json
        from tariffscope.store.duck import data_dir

        dest = out or data_dir() / "downloads" / f"census-imports-{period}{'-' + country if country else ''}.json"
        with progress("downloading Census trade data", enabled=not as_json):
            path = fetch_census(period, dest, country=country, timeout=timeout, api_key=os.environ.get("CENSUS_API_KEY"))
        frame, notes = load_census_json(path)
        info = {"file": str(path), "rows": frame.height, "value": float(frame["value"].sum()), "notes": notes}
        if as_json:
            emit_json(info)
        else:
            console.print(f"saved {frame.height} HS10 x country rows to {path}")

    @data_app.command("list")
    def data_list(as_json: bool = JSON_OPTION) -> None:
        """What the local store holds (schedules, panels, results)."""
        from tariffscope.store.duck import Store

        store = Store()
        entries = store.list()
        if as_json:
            emit_json({"store": str(store.path), "entries": entries})
            return
        table = Table(title=f"store {store.path}")
        for col in ("name", "kind", "rows", "created", "version"):
            table.add_column(col)
        for e in entries:
            table.add_row(e["name"], e["kind"], str(e["rows"]), e["created"][:19], e["version"])
        console.print(table)

    @app.command("panel")
    def panel_command(
        date: str = typer.Option(..., "--date", "-d"),
        origin: list[str] = typer.Option(None, "--origin", "-o", help="Origins (default: all 239)."),
        out: Path = typer.Option(None, "--out", help="Write the panel (CSV/Parquet)."),
        save: str = typer.Option(None, "--save", help="Store the panel in the DuckDB store under this name."),
        scenario: str = SCENARIO_OPTION,
        policy: list[Path] = POLICY_OPTION,
        hts_file: Path = HTS_FILE_OPTION,
        hts_edition: str = HTS_EDITION_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Every HTS10 line x origin on one date: the full rate panel."""
        from tariffscope.data.entries import write_table

        _check_table_path(out)
        schedule = build_schedule(policy, hts_file, hts_edition, scenario=scenario)
        day = _parse_date(date, "date")
        with progress("computing the rate panel", enabled=not as_json):
            frame = schedule.panel(day, origins=origin or None)
        if out:
            write_table(frame, out)
        if save:
            from tariffscope.store.duck import Store

            Store().save_frame(f"panel:{save}", frame, kind="panel", meta={"date": day.isoformat()})
        info = {"date": day.isoformat(), "rows": frame.height, "origins": frame["origin"].n_unique(),
                "mean_total_rate": float(frame["total_rate"].mean()), "output": str(out) if out else None}
        if as_json:
            emit_json(info)
        else:
            console.print(f"panel of {frame.height:,} lines ({info['origins']} origins) on {day}; "
                          f"mean rate {pct(info['mean_total_rate'])}" + (f"; written to {out}" if out else ""))

    @app.command("demo")
    def demo_command(
        out: Path = typer.Option(Path("demo-output"), "--out", help="Folder for the report and charts."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """The main job on bundled data: the US-Japan case, from the law to rates, scenarios and GE impacts."""
        from tariffscope.report.demo import run_demo

        result = run_demo(out, quiet=as_json)
        if as_json:
            emit_json(result)


def _check_table_path(out: Path | None) -> None:
    """Refuse an output file the table writer cannot write, before any work is done."""
    if out is not None and out.suffix.lower() not in (".csv", ".parquet", ".pq"):
        raise InputError(f"--out '{out}' must end in .csv or .parquet")


def _duty_summary(rated: Any) -> dict[str, Any]:
    import polars as pl

    by_auth: dict[str, float] = {}
    value = rated["customs_value"].cast(pl.Float64).to_numpy()
    from tariffscope.policy.schedule import _cents

    for col in rated.columns:
        if col.startswith("rate_"):
            by_auth[col.removeprefix("rate_")] = float(_cents(rated[col].to_numpy() * value).sum())
    return {
        "line_count": rated.height,
        "customs_value": float(value.sum()),
        "mfn_duty": float(rated["mfn_duty"].sum()),
        "duty": round(float(rated["duty"].sum()), 2),
        "duty_by_authority": {k: round(v, 2) for k, v in by_auth.items() if v},
    }


def _write_figure(fig: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".html":
        tmp = path.with_suffix(".html.part")
        fig.write_html(str(tmp), include_plotlyjs=True)
        tmp.replace(path)
    else:
        raise InputError(f"--plot '{path}' must end in .html")
