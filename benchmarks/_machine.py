"""What machine a benchmark ran on, for the tables in RESULTS.md (shared by the bench scripts)."""

from __future__ import annotations

from pathlib import Path


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo, or 'unknown CPU'."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"
