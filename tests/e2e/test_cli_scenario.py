"""The scenario commands as a user runs them (real process, JSON, exit codes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(args: list[str], home: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TARIFFSCOPE_HOME": str(home), "COLUMNS": "200"}
    proc = subprocess.run([sys.executable, "-m", "tariffscope.cli.main", *args], capture_output=True, text=True,
                          env=env, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def test_scenario_run_json(tmp_path: Path) -> None:
    out = json.loads(run(["scenario", "run", "us-japan-2025", "--json"], tmp_path).stdout)
    names = [b["name"] for b in out["branches"]]
    assert names == ["snapback", "deal", "rollback", "escalation"]
    for b in out["branches"]:
        assert {"name", "probability", "etr", "ge"} <= set(b)
        countries = {r["country"]: r for r in b["ge"]}
        assert len(countries) == 194
        for key in ("welfare_change", "real_gdp_change", "exports_change", "imports_change", "tariff_revenue"):
            assert key in countries["JPN"]
    by = {b["name"]: b for b in out["branches"]}
    assert by["snapback"]["etr"] > by["deal"]["etr"] > by["rollback"]["etr"]
    jp = {b["name"]: next(r for r in b["ge"] if r["country"] == "JPN") for b in out["branches"]}
    assert jp["snapback"]["real_gdp_change"] < jp["deal"]["real_gdp_change"] < 0 < jp["rollback"]["real_gdp_change"]
    exp = out["expected"]
    probs = [b["probability"] for b in out["branches"]]
    assert exp["etr"] == pytest.approx(sum(p * b["etr"] for p, b in zip(probs, out["branches"], strict=True)))
    assert out["stored_as"].startswith("run:us-japan-2025:")
    listing = json.loads(run(["data", "list", "--json"], tmp_path).stdout)
    entry = next(e for e in listing["entries"] if e["name"] == out["stored_as"])
    assert entry["kind"] == "scenario-run" and entry["meta"]["content_hash"] == out["content_hash"]
    assert entry["meta"]["version"] == out["version"]


def test_scenario_compare_and_rate_in_a_branch(tmp_path: Path) -> None:
    out = json.loads(run(["scenario", "compare", "snapback", "deal", "rollback", "--metric", "etr", "--origin", "JPN",
                          "--plot", str(tmp_path / "c.html"), "--json"], tmp_path).stdout)
    values = {b["branch"]: b["value"] for b in out["branches"]}
    assert values["snapback"] > values["deal"] > values["rollback"]
    assert (tmp_path / "c.html").is_file()
    rate = json.loads(run(["rate", "9503000073", "-o", "JPN", "-d", "2025-10-01", "--scenario",
                           "us-japan-2025:snapback", "--json"], tmp_path).stdout)
    assert rate["total_rate"] == pytest.approx(0.24)
    tl = json.loads(run(["timeline", "9503000073", "-o", "JPN", "--scenario", "us-japan-2025:escalation",
                         "--to", "2025-12-31", "--json"], tmp_path).stdout)
    assert [round(s["total_rate"], 2) for s in tl["segments"]][-1] == 0.25


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("name: p\nroot: a\nnodes:\n  - id: a\n    deadline: 2025-07-09\n    branches:\n"
         "      - {name: x, probability: 0.6}\n      - {name: y, probability: 0.6}\n", "sum to 1.2"),
        ("name: c\nroot: a\nnodes:\n  - id: a\n    deadline: 2025-07-09\n    branches:\n"
         "      - {name: x, probability: 1.0, next: b}\n  - id: b\n    deadline: 2025-08-01\n    branches:\n"
         "      - {name: y, probability: 1.0, next: a}\n", "cycle"),
        ("name: u\noverlay:\n  - {op: remove, measures: [s232-autoz]}\n", "s232-autoz"),
        ("name: d\noverlay:\n  - {op: suspend, measures: [s232-autos], from: 1999-01-01}\n", "outside the timeline"),
    ],
)
def test_bad_scenario_files(tmp_path: Path, content: str, fragment: str) -> None:
    f = tmp_path / "s.yaml"
    f.write_text(content)
    for args in (["scenario", "validate", str(f)], ["scenario", "run", str(f), "--no-ge"]):
        proc = run(args, tmp_path, check=False)
        assert proc.returncode == 2, proc.stderr
        assert fragment in proc.stderr and "Traceback" not in proc.stderr


def test_pe_with_tariffs_from_the_rule_engine(tmp_path: Path) -> None:
    imports = tmp_path / "cars.csv"
    imports.write_text("product,origin,value\n8703.23.0190,JPN,39700\n8703.23.0190,MEX,20000\n")
    out = json.loads(run(["pe", "--imports", str(imports), "--from-date", "2025-01-01", "--to-date", "2025-10-01",
                          "--scenario", "us-japan-2025:snapback", "--json"], tmp_path).stdout)
    text = json.dumps(out)
    assert "0.275" in text and "0.025" in text
    proc = run(["pe", "--imports", str(imports), "--from-date", "2025-01-01"], tmp_path, check=False)
    assert proc.returncode == 2 and "--to-date" in proc.stderr


def test_stored_runs_can_be_listed_and_compared(tmp_path: Path) -> None:
    a = json.loads(run(["scenario", "run", "us-japan-2025", "--no-pe", "--json"], tmp_path).stdout)["stored_as"]
    b = json.loads(run(["scenario", "run", "us-japan-2025", "--no-pe", "--trade-elasticity", "6", "--json"],
                       tmp_path).stdout)["stored_as"]
    again = json.loads(run(["scenario", "run", "us-japan-2025", "--no-pe", "--json"], tmp_path).stdout)["stored_as"]
    assert again == a  # same inputs, same content hash
    runs = json.loads(run(["scenario", "runs", "--json"], tmp_path).stdout)
    assert {a, b} <= {r["name"] for r in runs}
    diff = json.loads(run(["scenario", "diff", a, b, "--json"], tmp_path).stdout)
    assert not diff["same_inputs"]
    deal = next(r for r in diff["branches"] if r["branch"] == "deal")
    assert deal["etr_first"] == pytest.approx(deal["etr_second"])
    assert deal["real_gdp_change_first"] != pytest.approx(deal["real_gdp_change_second"], abs=1e-6)
