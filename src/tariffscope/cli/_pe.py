"""The ``tariffscope pe`` command: the SMART-style partial-equilibrium model on two CSV files.

``imports.csv`` has ``product,origin,value,tariff`` (initial tariff as a fraction; an optional
``export_supply_elasticity`` column sets it per flow); ``changes.csv`` has ``product,origin,new_tariff``, where
``origin`` may be ``*`` (all origins) and ``product`` may be ``*`` or a prefix such as ``8703*``.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import typer
from rich.table import Table

from tariffscope.cli._common import JSON_OPTION, console, emit_json, err_console, fail, pct

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from tariffscope.economics.pe import AggregateBy, PEResult

_BY = ("product", "origin", "chapter", "gtap")
_MAX_TABLE_ROWS = 40


def _read_csv(path: Path, what: str, dtype: Any = None) -> pd.DataFrame:
    import pandas as pd

    if not path.is_file():
        fail(f"{what} file {path} does not exist")
    try:
        frame = pd.read_csv(
            path, dtype=dtype or {"product": str, "origin": str}, skipinitialspace=True, comment="#"
        )
    except pd.errors.EmptyDataError:
        fail(f"{what} file {path} is empty")
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        fail(f"cannot read {what} file {path}: {first}")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _number(value: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    text = f"{value:,.0f}" if abs(value) >= 1e3 else f"{value:,.2f}"
    return text[1:] if text.lstrip("-0.,") == "" and text.startswith("-") else text  # no "-0.00"


def _tariffs(before: float, after: float) -> str:
    return f"{100 * before:.1f}→{pct(after, 1)}"


def _inf_as_text(value: Any) -> Any:
    return "inf" if isinstance(value, float) and math.isinf(value) else value


def _payload(result: PEResult, groups: pd.DataFrame | None, by: str | None) -> dict[str, Any]:
    data = result.to_dict(records=True)
    # JSON has no infinity; an infinite export supply elasticity is written "inf" rather than null.
    data["parameters"] = {k: _inf_as_text(v) for k, v in data["parameters"].items()}
    for record in data["records"]:
        record["export_supply_elasticity"] = _inf_as_text(record["export_supply_elasticity"])
    if groups is not None:
        data["by"] = by
        data["groups"] = groups.to_dict(orient="records")
    return data


def _table(result: PEResult, groups: pd.DataFrame | None, by: str | None) -> Table:
    totals = result.totals
    if groups is not None:
        frame = groups
        key = str(groups.columns[0])
        labels = frame[key].astype(str)
        title = f"Partial-equilibrium effects by {by}: {result.name}"
    else:
        frame = result.to_frame()
        key = "product origin"
        labels = frame["product"].astype(str) + " " + frame["origin"].astype(str)
        title = f"Partial-equilibrium effects by product × origin: {result.name}"
    order = frame["trade_change"].abs().sort_values(ascending=False).index[:_MAX_TABLE_ROWS]
    table = Table(title=title, show_footer=True, header_style="bold", pad_edge=False)
    table.add_column(key, footer="total")
    columns = [
        ("base", "import_value"),
        ("creation", "trade_creation"),
        ("diversion", "trade_diversion"),
        ("change", "trade_change"),
        ("revenue Δ", "tariff_revenue_change"),
        ("CS Δ", "consumer_surplus_change"),
    ]
    for label, column in columns:
        table.add_column(label, justify="right", footer=_number(totals[column]))
    table.add_column("change %", justify="right", footer=pct(totals["trade_change_pct"], 1))
    table.add_column("tariff", justify="right", footer=_tariffs(totals["tariff"], totals["new_tariff"]))
    for i in order:
        row = frame.loc[i]
        base = float(row["import_value"])
        change_pct = float(row["trade_change"]) / base if base > 0 else math.nan
        table.add_row(
            labels.loc[i],
            *(_number(float(row[c])) for _, c in columns),
            pct(change_pct, 1),
            _tariffs(float(row["tariff"]), float(row["new_tariff"])),
        )
    if len(frame) > len(order):
        table.caption = f"CS = consumer surplus. {len(order)} of {len(frame)} rows (largest |change|); use --by or --json for all"
    return table


def register(app: typer.Typer) -> None:
    """Add the ``pe`` command to ``app``."""

    @app.command("pe")
    def pe_command(
        imports: Path = typer.Option(
            ..., "--imports", help="CSV with product,origin,value,tariff (tariff = initial, fraction)."
        ),
        tariff_change: Path | None = typer.Option(
            None,
            "--tariff-change",
            help="CSV with product,origin,new_tariff; origin '*' = all origins, product '*' or '8703*' = prefix.",
        ),
        import_demand_elasticity: float | None = typer.Option(
            None, "--import-demand-elasticity", help="Import demand elasticity, in [-50, 0). Default -1.25."
        ),
        substitution_elasticity: float | None = typer.Option(
            None,
            "--substitution-elasticity",
            help="Substitution elasticity between origins, in [0, 50]. Default 1.5.",
        ),
        export_supply_elasticity: float | None = typer.Option(
            None,
            "--export-supply-elasticity",
            help="Export supply elasticity, in [0, inf]; 'inf' (default) keeps world prices fixed.",
        ),
        by: str | None = typer.Option(
            None, "--by", help="Also aggregate by product, origin, chapter or gtap (gtap needs --crosswalk)."
        ),
        crosswalk: Path | None = typer.Option(
            None, "--crosswalk", help="HS→GTAP crosswalk CSV (hs10,hs6_code,gtap_code,...) for --by gtap."
        ),
        name: str | None = typer.Option(None, "--name", help="Scenario name shown in the output."),
        date_from: str | None = typer.Option(
            None, "--from-date", help="Take initial tariffs from the rule engine on this date (imports: HTS10 products)."
        ),
        date_to: str | None = typer.Option(None, "--to-date", help="Take new tariffs from the rule engine on this date."),
        scenario: str | None = typer.Option(
            None, "--scenario", help="New tariffs in a scenario's world, NAME:BRANCH (with --to-date)."
        ),
        json_output: bool = JSON_OPTION,
    ) -> None:
        """Partial-equilibrium (SMART-style) trade effects of a tariff change: creation, diversion, revenue."""
        if by is not None and by not in _BY:
            fail(f"--by must be one of {', '.join(_BY)}; got {by!r}")
        if by == "gtap" and crosswalk is None:
            fail("--by gtap needs --crosswalk FILE (columns hs10 and/or hs6_code, gtap_code)")

        from tariffscope.economics.pe import PEModel
        from tariffscope.errors import TariffscopeError

        changes_frame: Any
        imports_frame = _read_csv(imports, "imports")
        if (date_from is None) != (date_to is None):
            fail("give both --from-date and --to-date to take tariffs from the rule engine")
        if date_from is not None and date_to is not None:
            if tariff_change is not None:
                fail("give either --tariff-change or --from-date/--to-date, not both")
            from tariffscope.cli._rates import build_schedule
            from tariffscope.economics.link import pe_tables_from_schedule

            try:
                imports_frame, changes_frame = pe_tables_from_schedule(
                    imports_frame, build_schedule(), date_from, date_to,
                    build_schedule(scenario=scenario) if scenario else None,
                )
            except TariffscopeError as exc:
                fail(str(exc))
        elif tariff_change is None:
            fail("give --tariff-change FILE, or --from-date and --to-date to take tariffs from the rule engine")
        else:
            changes_frame = _read_csv(tariff_change, "tariff change")
        crosswalk_frame = _read_csv(crosswalk, "crosswalk", dtype=str) if crosswalk is not None else None
        options = {
            "import_demand_elasticity": import_demand_elasticity,
            "substitution_elasticity": substitution_elasticity,
            "export_supply_elasticity": export_supply_elasticity,
        }
        kwargs = {k: v for k, v in options.items() if v is not None}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                model = PEModel(imports_frame, **kwargs)
                result = model.solve(changes_frame, name=name or (tariff_change.stem if tariff_change else str(date_to)))
                groups = result.aggregate(cast("AggregateBy", by), crosswalk_frame) if by else None
            except TariffscopeError as exc:
                fail(str(exc))
        for warning in caught:
            err_console.print(f"[yellow]warning:[/] {warning.message}", highlight=False, soft_wrap=True)

        if json_output:
            emit_json(_payload(result, groups, by))
            return
        p = result.parameters
        console.print(
            f"elasticities: import demand {p['import_demand_elasticity']:g}, substitution "
            f"{p['substitution_elasticity']:g}, export supply {p['export_supply_elasticity']:g}; "
            f"{model.n_products} products, {model.n_flows} flows; "
            f"solver {result.iterations} iteration(s), residual {result.max_residual:.1e}",
            highlight=False,
            soft_wrap=True,
        )
        console.print(_table(result, groups, by))
        t = result.totals
        console.print(
            f"net welfare change (consumer surplus + tariff revenue): {_number(t['net_welfare_change'])}; "
            f"exporters' surplus change: {_number(t['exporter_surplus_change'])}",
            highlight=False,
            soft_wrap=True,
        )
