"""The ``tariffscope ge`` command: general-equilibrium effects of tariffs on every country."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import typer

from tariffscope.cli._common import JSON_OPTION, console, emit_json, fail, pct
from tariffscope.errors import TariffscopeError


def _load(
    trade: Path,
    tariffs: Path,
    gdp: Path | None,
    labels: Path | None,
    gdp_scale: float,
    missing_as_zero: bool,
    tariff_importer: str | None,
    tariff_floor: float | None,
) -> tuple[Any, Any]:
    import pandas as pd

    from tariffscope.economics.trade_data import Tariffs, TradeMatrix

    if labels is not None:
        matrix = TradeMatrix.from_square(
            trade, labels, gdp=gdp, gdp_scale=gdp_scale, missing="zero" if missing_as_zero else "error"
        )
    else:
        matrix = TradeMatrix.from_long(trade, gdp=gdp, gdp_scale=gdp_scale)
    if not tariffs.exists():
        fail(f"tariffs file '{tariffs}' does not exist")
    header = {str(c).lower() for c in pd.read_csv(tariffs, nrows=0).columns}
    if {"exporter", "importer"} <= header:
        if tariff_floor is not None:
            fail(
                "--tariff-floor applies to a tariff vector (with --tariff-importer), not to a long tariff table"
            )
        rates = Tariffs.from_long(tariffs, matrix.countries)
    elif tariff_importer is not None:
        rates = Tariffs.from_importer_vector(tariffs, tariff_importer, matrix.countries, minimum=tariff_floor)
    else:
        fail(
            f"tariffs file '{tariffs}' has no exporter,importer columns; give a long table "
            "'exporter,importer,tariff' or name the country levying a tariff vector with --tariff-importer"
        )
    return matrix, rates


def ge_command(
    trade: Path = typer.Option(
        ...,
        "--trade",
        help="Trade flows: long CSV 'exporter,importer,value', or a square matrix CSV with --labels.",
    ),
    tariffs: Path = typer.Option(
        ...,
        "--tariffs",
        help="New tariffs as fractions: long CSV 'exporter,importer,tariff', or a vector with --tariff-importer.",
    ),
    gdp: Path | None = typer.Option(
        None, "--gdp", help="CSV 'country,gdp' (or one 'gdp' column in label order) to impute domestic flows."
    ),
    labels: Path | None = typer.Option(
        None, "--labels", help="Country labels of a square trade matrix (CSV with an iso3/country column)."
    ),
    trade_elasticity: float = typer.Option(
        4.0, "--trade-elasticity", help="Trade elasticity theta (X_ij ~ tau_ij^-theta)."
    ),
    deficits: str = typer.Option(
        "additive", "--deficits", help="Trade deficits held fixed: 'additive' or 'multiplicative'."
    ),
    gdp_scale: float = typer.Option(
        1.0,
        "--gdp-scale",
        help="Multiply GDP by this to express it in trade units (0.001 for USD vs thousand USD).",
    ),
    missing_as_zero: bool = typer.Option(
        False, "--missing-as-zero", help="Treat blank cells of a square matrix as zero trade."
    ),
    tariff_importer: str | None = typer.Option(
        None, "--tariff-importer", help="Country levying a tariff vector 'country,tariff'."
    ),
    tariff_floor: float | None = typer.Option(
        None, "--tariff-floor", help="Minimum rate for a tariff vector (e.g. 0.10)."
    ),
    rows: int = typer.Option(15, "--rows", help="Rows of the table shown for the largest gains and losses."),
    as_json: bool = JSON_OPTION,
) -> None:
    """General-equilibrium welfare, real GDP and trade effects of new tariffs (exact hat algebra)."""
    from tariffscope.economics.ge import GEModel

    if deficits not in ("additive", "multiplicative"):
        fail(f"--deficits must be 'additive' or 'multiplicative'; got {deficits!r}")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            matrix, rates = _load(
                trade, tariffs, gdp, labels, gdp_scale, missing_as_zero, tariff_importer, tariff_floor
            )
            model = GEModel(matrix, trade_elasticity=trade_elasticity, deficits=deficits)  # type: ignore[arg-type]
            result = model.solve(tariffs=rates, label=tariffs.stem)
    except TariffscopeError as exc:
        fail(str(exc))
    notes = [str(w.message) for w in caught]
    if as_json:
        payload = result.to_dict()
        payload["notes"] = notes
        emit_json(payload)
        return
    _print_table(result, rows, notes)


def _print_table(result: Any, rows: int, notes: list[str]) -> None:
    from rich.table import Table

    frame = result.to_frame().sort_values("welfare_change", ascending=False)
    if len(frame) > 2 * rows:
        frame = frame.iloc[list(range(rows)) + list(range(len(frame) - rows, len(frame)))]
    table = Table(
        title=f"General equilibrium: theta={result.trade_elasticity:g}, {result.deficits} deficits, "
        f"{len(result.countries)} countries ({result.iterations} iterations)"
    )
    for name in ("country", "welfare", "real GDP", "exports", "imports", "prices", "tariff revenue"):
        table.add_column(name, justify="left" if name == "country" else "right")
    for row in frame.itertuples():
        table.add_row(
            row.country,
            pct(row.welfare_change),
            pct(row.real_gdp_change),
            pct(row.exports_change),
            pct(row.imports_change),
            pct(row.price_index_change),
            f"{row.tariff_revenue:,.6g}",
        )
    console.print(table)
    for note in notes:
        console.print(f"[yellow]note:[/] {note}")


def register(app: typer.Typer) -> None:
    """Add the ``ge`` command to ``app``."""
    app.command("ge")(ge_command)
