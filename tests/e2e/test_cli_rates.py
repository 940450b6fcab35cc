"""The rule-engine commands as a user runs them: a real process, real files, exit codes and JSON."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], home: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TARIFFSCOPE_HOME": str(home), "COLUMNS": "200"}
    env.pop("TARIFFSCOPE_HTS_FILE", None)
    proc = subprocess.run(
        [sys.executable, "-m", "tariffscope.cli.main", *args],
        capture_output=True, text=True, env=env, timeout=300,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\nstdout: {proc.stdout}\nstderr: {proc.stderr}")
    return proc


@pytest.fixture()
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def test_rate_json_has_the_documented_keys(home: Path) -> None:
    out = json.loads(run(["rate", "8703.23.0190", "--origin", "JPN", "--date", "2025-06-01", "--json"], home).stdout)
    for key in ("hts", "origin", "entry_date", "total_rate", "layers"):
        assert key in out
    assert out["total_rate"] == pytest.approx(0.275)
    assert out["origin"] == "JPN" and out["entry_date"] == "2025-06-01"
    for layer in out["layers"]:
        assert {"heading", "authority", "rate", "applies", "reason"} <= set(layer)
    applied = [la["heading"] for la in out["layers"] if la["applies"]]
    assert applied == ["8703.23.01", "9903.94.01"]
    recip = [la for la in out["layers"] if la["authority"] == "IEEPA"]
    assert recip and all(not la["applies"] and "2(v)" in la["reason"] for la in recip)
    later = json.loads(run(["rate", "8703230190", "-o", "Japan", "-d", "2025-09-20", "--json"], home).stdout)
    assert later["total_rate"] == pytest.approx(0.15)
    assert "9903.94.41" in [la["heading"] for la in later["layers"] if la["applies"]]


def test_rate_table_output(home: Path) -> None:
    out = run(["rate", "8703.23.0190", "--origin", "JPN", "--date", "2025-06-01", "--value", "30000"], home).stdout
    assert "27.50%" in out and "9903.94.01" in out and "8,250.00" in out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["rate", "8703.2", "--origin", "JPN", "--date", "2025-06-01"], "got 5"),
        (["rate", "8703230190", "--origin", "Atlantis", "--date", "2025-06-01"], "Atlantis"),
        (["rate", "8703230190", "--origin", "JPN", "--date", "2024-06-01"], "before the schedule"),
        (["rate", "8703230190", "--origin", "JPN", "--date", "June 1"], "YYYY-MM-DD"),
        (["rate", "9999999999", "--origin", "JPN", "--date", "2025-06-01"], "9999999999"),
        (["duty", "/nonexistent/entries.csv"], "not found"),
        (["measures", "explain", "s232-auto"], "did you mean"),
        (["timeline", "8703230190", "--origin", "JPN", "--from", "2025-06-01", "--to", "2025-01-01"], "before"),
    ],
)
def test_bad_input_one_line_nonzero_no_traceback(home: Path, args: list[str], fragment: str) -> None:
    proc = run(args, home, check=False)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    assert fragment in proc.stderr
    assert proc.stderr.strip().startswith("error:")


def test_duty_file_in_and_out(home: Path, tmp_path: Path) -> None:
    entries = tmp_path / "entries.csv"
    entries.write_text(
        "hts,origin,entry_date,customs_value,metal_share\n"
        "8703.23.0190,JPN,2025-06-01,30000,\n"
        "9503.00.0073,Japan,2025-08-20,1200.50,\n"
        "7326.20.0010,JPN,2025-08-20,1000,0.4\n"
    )
    out_file = tmp_path / "rated.parquet"
    summary = json.loads(run(["duty", str(entries), "--out", str(out_file), "--json"], home).stdout)
    assert summary["line_count"] == 3
    assert summary["duty"] == pytest.approx(8250.00 + 180.08 + 305.60, abs=0.015)
    assert out_file.is_file()
    import polars as pl

    rated = pl.read_parquet(out_file)
    assert {"total_rate", "duty", "headings"} <= set(rated.columns)
    assert not list(tmp_path.glob("*.part"))


def test_duty_file_with_bad_row(home: Path, tmp_path: Path) -> None:
    entries = tmp_path / "bad.csv"
    entries.write_text("hts,origin,entry_date,customs_value\n8703.23.0190,JPN,2025-06-01,30000\n12345,JPN,2025-06-01,5\n")
    out_file = tmp_path / "never.csv"
    proc = run(["duty", str(entries), "--out", str(out_file)], home, check=False)
    assert proc.returncode == 2 and "12345" in proc.stderr
    assert not out_file.exists()


def test_timeline_json(home: Path) -> None:
    out = json.loads(run(["timeline", "9503.00.0073", "--origin", "JPN", "--to", "2026-12-31", "--json"], home).stdout)
    totals = [round(s["total_rate"], 4) for s in out["segments"]]
    assert totals == [0.0, 0.10, 0.24, 0.10, 0.15, 0.10, 0.0]
    assert out["change_points"][:2] == ["2025-04-05", "2025-04-09"]


def test_etr_json_and_store(home: Path) -> None:
    out = json.loads(run(["etr", "--origin", "JPN", "--date", "2025-06-01", "--save", "jp-june", "--json"], home).stdout)
    jp = out["origins"][0]
    assert jp["origin"] == "JPN" and 0.05 < jp["etr"] < 0.30
    assert jp["etr"] == pytest.approx(jp["mfn"] + jp["section_232"] + jp["ieepa"] + jp["section_122"])
    listing = json.loads(run(["data", "list", "--json"], home).stdout)
    assert "etr:jp-june" in [e["name"] for e in listing["entries"]]


def test_etr_with_hts10_weights(home: Path, tmp_path: Path) -> None:
    weights = tmp_path / "w.csv"
    weights.write_text("hts10,country,value\n8703230190,JPN,300\n9503000073,JPN,100\n8703230190,DEU,100\n")
    out = json.loads(run(["etr", "--weights", str(weights), "--date", "2025-06-01", "--all", "--json"], home).stdout)
    by = {r["origin"]: r["etr"] for r in out["origins"]}
    assert by["JPN"] == pytest.approx((300 * 0.275 + 100 * 0.10) / 400)
    assert by["DEU"] == pytest.approx(0.275)
    assert out["total"]["etr"] == pytest.approx((400 * 0.275 + 100 * 0.10) / 500)


def test_measures_list_and_explain(home: Path) -> None:
    ms = json.loads(run(["measures", "list", "--origin", "JPN", "--date", "2025-09-20", "--json"], home).stdout)
    ids = {m["id"] for m in ms}
    assert {"s232-autos-jpn-floor", "ieepa-recip-jpn-floor", "s232-steel-50"} <= ids
    assert "ieepa-recip-vnm-p2" not in ids
    one = json.loads(run(["measures", "explain", "ieepa-recip-jpn-floor", "--json"], home).stdout)
    assert one["heading"] == "9903.02.73" and one["stacking"] == "floor"


def test_measures_validate_reports_every_problem(home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "measures:\n"
        "  - id: Bad_Id\n"
        "    title: x\n"
        "    authority: Sec 232\n"
        "    citation: c\n"
        "    heading: '9903.94.01'\n"
        "    products: {include: ['87032']}\n"
        "    origins: {include: [ZZZ]}\n"
        "    rate: 25\n"
        "    start: 2025-13-01\n"
        "  - id: ok-one\n"
        "    title: y\n"
        "    authority: IEEPA\n"
        "    citation: c\n"
        "    heading: '9903.01.25'\n"
        "    products: {include: ['*']}\n"
        "    origins: {include: [JPN]}\n"
        "    rate: 0.1\n"
        "    start: 2025-04-05\n"
        "    excluded_by: [no-such-measure]\n"
    )
    proc = run(["measures", "validate", str(bad)], home, check=False)
    assert proc.returncode == 2
    err = proc.stderr
    for fragment in ("bad.yaml:2", "Bad_Id", "Sec 232", "87032", "ZZZ", "percentage", "2025-13-01", "bad.yaml:11",
                     "no-such-measure"):
        assert fragment in err, fragment
    assert "Traceback" not in err


def test_measures_validate_warns_on_conflict(home: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra.yaml"
    extra.write_text(
        "measures:\n"
        "  - id: jpn-extra-rate\n"
        "    title: a second country rate for Japan\n"
        "    authority: IEEPA\n"
        "    citation: test\n"
        "    heading: '9903.02.99'\n"
        "    products: {include: ['*']}\n"
        "    origins: {include: [JPN]}\n"
        "    rate: 0.2\n"
        "    start: 2025-09-01\n"
        "    tags: [ieepa-country-rate]\n"
    )
    out = json.loads(run(["measures", "validate", str(extra), "--json"], home).stdout)
    assert out["valid"] and any("jpn-extra-rate" in w and "ieepa-recip-jpn-floor" in w for w in out["warnings"])


def test_policy_overlay_changes_the_answer(home: Path, tmp_path: Path) -> None:
    extra = tmp_path / "letter.yaml"
    extra.write_text(
        "measures:\n"
        "  - id: jpn-letter-25\n"
        "    title: threat letter rate\n"
        "    authority: IEEPA\n"
        "    citation: letter of 2025-07-07\n"
        "    heading: '9903.02.99'\n"
        "    products: {include: ['*'], exclude_lists: [ieepa_exempt]}\n"
        "    origins: {include: [JPN]}\n"
        "    rate: 0.25\n"
        "    start: 2025-08-01\n"
        "    excluded_by: ['tag:s232-nonmetal']\n"
    )
    out = json.loads(run(["rate", "9503000073", "-o", "JPN", "-d", "2025-08-03", "--policy", str(extra), "--json"], home).stdout)
    assert out["total_rate"] == pytest.approx(0.35)


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # quiet
        pass


def test_data_fetch_hts_from_a_local_server(home: Path, tmp_path: Path) -> None:
    """`data fetch hts` against a real HTTP server on loopback serving a recorded USITC export."""
    served = tmp_path / "srv"
    served.mkdir()
    shutil.copy(ROOT / "tests" / "data" / "hts_sample.csv", served / "export.csv")
    handler = lambda *a, **k: _Handler(*a, directory=str(served), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/export.csv"
        info = json.loads(run(["data", "fetch", "hts", "--url", url, "--edition", "sample", "--json"], home).stdout)
        assert info["edition"] == "sample" and info["lines"] > 10
        out = json.loads(run(["rate", "8703230190", "-o", "JPN", "-d", "2025-06-01", "--hts-edition", "sample",
                              "--json"], home).stdout)
        assert out["total_rate"] == pytest.approx(0.275)
        missing = run(["data", "fetch", "hts", "--url", url.replace("export", "missing")], home, check=False)
        assert missing.returncode != 0 and "Traceback" not in missing.stderr
    finally:
        server.shutdown()


def test_corrupt_store_is_reported_not_overwritten(home: Path) -> None:
    home.mkdir(parents=True)
    store = home / "tariffscope.duckdb"
    store.write_bytes(b"this is not a database" * 100)
    proc = run(["data", "list"], home, check=False)
    assert proc.returncode == 2 and "corrupt" in proc.stderr
    assert store.read_bytes() == b"this is not a database" * 100


def test_demo_writes_report(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    summary = json.loads(run(["demo", "--out", str(out), "--json"], home).stdout)
    assert (out / "report.html").is_file() and (out / "summary.json").is_file()
    assert summary["car"][1]["total_rate"] == pytest.approx(0.275)
