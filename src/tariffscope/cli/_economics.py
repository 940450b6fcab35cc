"""Placeholder: the `ge` and `pe` commands are added by the economics work (issue 3)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the economics commands to ``app``."""
    try:
        from tariffscope.cli import _ge  # type: ignore[attr-defined,unused-ignore]

        _ge.register(app)
    except ImportError:
        pass
    try:
        from tariffscope.cli import _pe  # type: ignore[attr-defined,unused-ignore]

        _pe.register(app)
    except ImportError:
        pass
