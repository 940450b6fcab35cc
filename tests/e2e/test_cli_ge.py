"""End-to-end: ``tariffscope ge`` run as a subprocess on the Liberation Day data and on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
DATA = SHARED / "data" / "gravity" / "liberation_day_2025"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tariffscope.cli.main", "ge", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def liberation_day() -> Path:
    if not DATA.is_dir():
        pytest.skip(f"reference data absent: {DATA} (../shared is not beside the repository)")
    return DATA


@pytest.mark.shared
def test_square_matrix_with_labels_json(liberation_day: Path) -> None:
    done = _run(
        "--trade", str(liberation_day / "trade_cepii.csv"),
        "--labels", str(liberation_day / "country_labels.csv"),
        "--gdp", str(liberation_day / "gdp.csv"), "--gdp-scale", "0.001",
        "--missing-as-zero",
        "--tariffs", str(liberation_day / "tariffs.csv"), "--tariff-importer", "USA", "--tariff-floor", "0.1",
        "--trade-elasticity", "4", "--deficits", "additive", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    rows = {row["country"]: row for row in payload["countries"]}
    assert len(rows) == 194
    for key in ("welfare_change", "real_gdp_change", "exports_change", "imports_change", "tariff_revenue"):
        assert key in rows["USA"]
    assert rows["USA"]["welfare_change"] == pytest.approx(0.003587, abs=1e-5)
    assert rows["USA"]["tariff_revenue"] > 0
    assert any("GMB" in note for note in payload["notes"])


@pytest.mark.shared
def test_long_csv_input_and_table(liberation_day: Path, tmp_path: Path) -> None:
    labels = pd.read_csv(liberation_day / "country_labels.csv").iso3.tolist()
    matrix = pd.read_csv(liberation_day / "trade_cepii.csv").to_numpy()
    long = pd.DataFrame(
        [
            {"exporter": e, "importer": i, "value": matrix[a, b]}
            for a, e in enumerate(labels)
            for b, i in enumerate(labels)
            if a != b and matrix[a, b] == matrix[a, b]
        ]
    )
    long.to_csv(tmp_path / "trade.csv", index=False)
    gdp = pd.read_csv(liberation_day / "gdp.csv")
    pd.DataFrame({"country": labels, "gdp": gdp.gdp / 1000}).to_csv(tmp_path / "gdp.csv", index=False)
    rates = pd.read_csv(liberation_day / "tariffs.csv").applied_tariff.clip(lower=0.1)
    pd.DataFrame({"exporter": labels, "importer": "USA", "tariff": rates}).query("exporter != 'USA'").to_csv(
        tmp_path / "tariffs.csv", index=False
    )
    common = [
        "--trade",
        str(tmp_path / "trade.csv"),
        "--gdp",
        str(tmp_path / "gdp.csv"),
        "--tariffs",
        str(tmp_path / "tariffs.csv"),
    ]
    done = _run(*common, "--json")
    assert done.returncode == 0, done.stderr
    rows = {row["country"]: row for row in json.loads(done.stdout)["countries"]}
    assert rows["USA"]["welfare_change"] == pytest.approx(0.003587, abs=1e-5)

    table = _run(*common, "--deficits", "multiplicative", "--rows", "3")
    assert table.returncode == 0, table.stderr
    assert "welfare" in table.stdout and "USA" in table.stdout


def _small_inputs(tmp_path: Path, tariff: float, domestic: bool = True) -> list[str]:
    flows = [("A", "A", 50.0), ("A", "B", 5.0), ("B", "A", 4.0), ("B", "B", 40.0)]
    pd.DataFrame(
        [f for f in flows if domestic or f[0] != f[1]], columns=["exporter", "importer", "value"]
    ).to_csv(tmp_path / "trade.csv", index=False)
    pd.DataFrame({"exporter": ["A"], "importer": ["B"], "tariff": [tariff]}).to_csv(
        tmp_path / "tariffs.csv", index=False
    )
    return ["--trade", str(tmp_path / "trade.csv"), "--tariffs", str(tmp_path / "tariffs.csv")]


def test_small_case_runs(tmp_path: Path) -> None:
    done = _run(*_small_inputs(tmp_path, 0.25), "--json")
    assert done.returncode == 0, done.stderr
    rows = {r["country"]: r for r in json.loads(done.stdout)["countries"]}
    assert rows["B"]["tariff_revenue"] > 0


@pytest.mark.parametrize(
    ("tariff", "domestic", "extra", "message"),
    [
        (24.0, True, [], "tariffs must be fractions: got 24, did you mean 0.24?"),
        (0.2, False, [], "domestic (own) flows are missing"),
        (0.2, True, ["--trade-elasticity", "-4"], "trade elasticity must be positive"),
        (0.2, True, ["--deficits", "fixed"], "--deficits must be 'additive' or 'multiplicative'"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(
    tmp_path: Path, tariff: float, domestic: bool, extra: list[str], message: str
) -> None:
    done = _run(*_small_inputs(tmp_path, tariff, domestic), *extra)
    assert done.returncode != 0
    assert message in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr


def test_missing_file(tmp_path: Path) -> None:
    done = _run("--trade", str(tmp_path / "nope.csv"), "--tariffs", str(tmp_path / "nope.csv"))
    assert done.returncode != 0
    assert "does not exist" in done.stderr
