"""Placeholder for the rate commands (being written)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the rate commands to ``app``."""
