"""The ``tariffscope`` command: a typer app whose command groups live in private modules.

Errors from the library (:class:`~tariffscope.errors.TariffscopeError`) become one clear line on
standard error and exit code 2, never a traceback.
"""

from __future__ import annotations

import os
import sys

import typer

from tariffscope.cli._common import err_console
from tariffscope.errors import TariffscopeError

app = typer.Typer(
    name="tariffscope",
    help="Tariff policy turned into numbers: duty by layer, effective rates, scenarios, trade impacts.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.command("version")
def version_command(as_json: bool = typer.Option(False, "--json", help="Print the result as JSON.")) -> None:
    """Print the tariffscope version."""
    from tariffscope import __version__

    if as_json:
        from tariffscope.cli._common import emit_json

        emit_json({"version": __version__})
    else:
        typer.echo(__version__)


def _register() -> None:
    # Each module adds its commands to ``app``; imported here so ``--help`` lists all of them.
    from tariffscope.cli import _economics, _rates, _scenario

    _rates.register(app)
    _economics.register(app)
    _scenario.register(app)


_register()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code (used by the console script and tests)."""
    try:
        app(args=argv, standalone_mode=True)
    except SystemExit as exc:  # typer/click exit
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    except TariffscopeError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt as exc:
        # A sweep interrupted by Ctrl-C says how many chunks it kept and how to resume.
        err_console.print(f"[bold red]interrupted[/]{': ' + str(exc) if str(exc) else ''}", highlight=False)
        return 130
    except Exception as exc:  # a bug, not bad input: one line, with a way to see the traceback
        if os.environ.get("TARIFFSCOPE_DEBUG"):
            raise
        err_console.print(
            f"[bold red]internal error:[/] {type(exc).__name__}: {exc} "
            "(a bug in tariffscope; rerun with TARIFFSCOPE_DEBUG=1 for the traceback and report it)",
            highlight=False, soft_wrap=True,
        )
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
