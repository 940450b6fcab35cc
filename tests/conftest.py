"""Fixtures shared by the whole test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DIR = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ``../shared`` reference folder beside the repository root; skips the test when it is absent."""
    if not SHARED_DIR.is_dir():
        pytest.skip("../shared not found: reference data absent")
    return SHARED_DIR
