"""End-to-end tests of ``tariffscope pe``: the command run in a subprocess on small CSV files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tariffscope.cli.main", "pe", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        env={**os.environ, "COLUMNS": "140", "PYTHONIOENCODING": "utf-8"},
    )


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    imports = tmp_path / "imports.csv"
    imports.write_text(
        "product,origin,value,tariff\n"
        "870323,JPN,100,0.025\n"
        "870323,DEU,50,0.025\n"
        "940350,JPN,10,0\n"
        "010121,MEX,5,0\n"
    )
    changes = tmp_path / "changes.csv"
    changes.write_text("product,origin,new_tariff\n870323,JPN,0.275\n940350,*,0.15\n")
    return imports, changes


def test_json_records_and_totals(files: tuple[Path, Path]) -> None:
    imports, changes = files
    proc = run("--imports", imports, "--tariff-change", changes, "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["parameters"] == {
        "import_demand_elasticity": -1.25,
        "substitution_elasticity": 1.5,
        "export_supply_elasticity": "inf",
    }
    records = {(r["product"], r["origin"]): r for r in data["records"]}
    assert set(records) == {("870323", "JPN"), ("870323", "DEU"), ("940350", "JPN"), ("010121", "MEX")}
    jpn = records[("870323", "JPN")]
    assert jpn["new_tariff"] == 0.275
    assert jpn["trade_creation"] == pytest.approx(-23.876789, abs=1e-6)  # the module doctest's numbers
    assert jpn["trade_diversion"] == pytest.approx(-10.13293, abs=1e-5)
    assert records[("870323", "DEU")]["trade_diversion"] == pytest.approx(10.13293, abs=1e-5)
    assert records[("010121", "MEX")]["trade_change"] == 0.0
    assert records[("010121", "MEX")]["pass_through"] is None  # unchanged tariff: NaN -> null
    totals = data["totals"]
    assert totals["trade_change"] == pytest.approx(sum(r["trade_change"] for r in data["records"]))
    assert abs(totals["trade_diversion"]) < 1e-9
    assert "groups" not in data


@pytest.mark.parametrize(
    ("by", "key", "n"), [("origin", "origin", 3), ("chapter", "chapter", 3), ("product", "product", 3)]
)
def test_json_groups(files: tuple[Path, Path], by: str, key: str, n: int) -> None:
    imports, changes = files
    proc = run("--imports", imports, "--tariff-change", changes, "--by", by, "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["by"] == by and len(data["groups"]) == n
    assert sum(g["import_value"] for g in data["groups"]) == pytest.approx(165.0)
    assert all(key in g for g in data["groups"])


def test_elasticity_options_and_finite_supply(files: tuple[Path, Path]) -> None:
    imports, changes = files
    proc = run(
        "--imports", imports, "--tariff-change", changes, "--json",
        "--import-demand-elasticity", "-2", "--substitution-elasticity", "3", "--export-supply-elasticity", "4",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["parameters"]["export_supply_elasticity"] == 4.0
    jpn = next(r for r in data["records"] if r["product"] == "870323" and r["origin"] == "JPN")
    assert 0 < jpn["pass_through"] < 1 and jpn["world_price_change"] < 0
    assert data["solver"]["max_residual"] < 1e-10


def test_gtap_groups_with_a_crosswalk(tmp_path: Path, files: tuple[Path, Path]) -> None:
    imports, changes = files
    crosswalk = write(
        tmp_path / "crosswalk.csv",
        "hs10,hs6_code,gtap_code,description\n"
        "8703230110,870323,MVH,cars\n9403500000,940350,OMF,furniture\n0101210010,010121,CTL,horses\n",
    )
    proc = run(
        "--imports", imports, "--tariff-change", changes, "--by", "gtap", "--crosswalk", crosswalk, "--json"
    )
    assert proc.returncode == 0, proc.stderr
    groups = {g["gtap_code"]: g for g in json.loads(proc.stdout)["groups"]}
    assert set(groups) == {"MVH", "OMF", "CTL"} and groups["MVH"]["import_value"] == 150.0


def test_table_output(files: tuple[Path, Path]) -> None:
    imports, changes = files
    proc = run("--imports", imports, "--tariff-change", changes, "--by", "origin")
    assert proc.returncode == 0, proc.stderr
    assert "Partial-equilibrium effects by origin" in proc.stdout
    assert "JPN" in proc.stdout and "total" in proc.stdout
    assert "net welfare change" in proc.stdout


def test_japan_example_files() -> None:
    proc = run(
        "--imports", EXAMPLES / "japan_cars_imports.csv", "--tariff-change", EXAMPLES / "japan_cars_changes.csv", "--json"
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["totals"]["trade_change"] == pytest.approx(-33.14, abs=0.005)  # docs/pe_japan_cars.md
    jpn = next(r for r in data["records"] if r["origin"] == "JPN")
    assert jpn["new_tariff"] == 0.15 and jpn["trade_change"] == pytest.approx(-3.43, abs=0.005)


def test_wildcard_origin_applies_to_all(tmp_path: Path, files: tuple[Path, Path]) -> None:
    imports, _ = files
    changes = tmp_path / "all.csv"
    changes.write_text("product,origin,new_tariff\n870323,*,0.275\n")
    data = json.loads(run("--imports", imports, "--tariff-change", changes, "--json").stdout)
    rates = {(r["product"], r["origin"]): r["new_tariff"] for r in data["records"]}
    assert rates[("870323", "JPN")] == rates[("870323", "DEU")] == 0.275
    assert rates[("940350", "JPN")] == 0.0


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("imports_text", "changes_text", "extra", "message"),
    [
        ("product,origin,value,tariff\n870323,JPN,100,24\n", None, [], "did you mean 0.24?"),
        (None, "product,origin,new_tariff\n870323,JPN,27.5\n", [], "did you mean 0.275?"),
        ("product,origin,value\n870323,JPN,100\n", None, [], "missing column(s) tariff"),
        ("product,origin,value,tariff\n870323,JPN,-5,0\n", None, [], "value must be >= 0"),
        ("product,origin,value,tariff\n870323,JPN,abc,0\n", None, [], "must be numeric"),
        (None, "product,origin\n870323,JPN\n", [], "missing column(s) new_tariff"),
        (None, None, ["--import-demand-elasticity", "1.25"], "did you mean -1.25?"),
        (None, None, ["--substitution-elasticity", "-1"], "valid range [0, 50]"),
        (None, None, ["--export-supply-elasticity", "-3"], "valid range [0, inf]"),
        (None, None, ["--by", "sector"], "--by must be one of"),
        (None, None, ["--by", "gtap"], "--crosswalk"),
        ("", None, [], "is empty"),
    ],
)
def test_bad_input_is_one_clear_line(
    tmp_path: Path,
    files: tuple[Path, Path],
    imports_text: str | None,
    changes_text: str | None,
    extra: list[str],
    message: str,
) -> None:
    imports, changes = files
    if imports_text is not None:
        imports = write(tmp_path / "bad_imports.csv", imports_text)
    if changes_text is not None:
        changes = write(tmp_path / "bad_changes.csv", changes_text)
    proc = run("--imports", imports, "--tariff-change", changes, *extra)
    assert proc.returncode != 0
    assert proc.stdout == ""
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_missing_file(tmp_path: Path, files: tuple[Path, Path]) -> None:
    _, changes = files
    proc = run("--imports", tmp_path / "nope.csv", "--tariff-change", changes)
    assert proc.returncode != 0
    assert "does not exist" in proc.stderr and "Traceback" not in proc.stderr


def test_unmatched_change_warns_but_runs(tmp_path: Path, files: tuple[Path, Path]) -> None:
    imports, _ = files
    changes = write(tmp_path / "c.csv", "product,origin,new_tariff\n999999,JPN,0.1\n")
    proc = run("--imports", imports, "--tariff-change", changes, "--json")
    assert proc.returncode == 0
    assert "warning:" in proc.stderr and "match no import flow" in proc.stderr
    assert json.loads(proc.stdout)["totals"]["trade_change"] == 0.0
