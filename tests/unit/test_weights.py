"""Import weights (CSV, Census API JSON, GTAP) and effective rates computed from them."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import polars as pl
import pytest

from tariffscope.data.weights import (
    CENSUS_URL,
    fetch_census,
    gtap_weights,
    hts10_gtap,
    load_weights_csv,
    parse_census_json,
    partner_group,
)
from tariffscope.errors import DataFileError, NetworkError, UnknownCountryError
from tariffscope.policy.effective import effective_rates
from tariffscope.policy.schedule import Schedule

# The layout of api.census.gov/data/timeseries/intltrade/imports/hs (a header row, then rows of text).
CENSUS_ROWS = [
    ["I_COMMODITY", "CTY_CODE", "GEN_VAL_MO", "time", "COMM_LVL"],
    ["8703230190", "5880", "2500000000", "2024-12", "HS10"],
    ["9503000073", "5880", "50000000", "2024-12", "HS10"],
    ["8703230190", "4280", "900000000", "2024-12", "HS10"],
    ["8703230190", "-", "9000000000", "2024-12", "HS10"],  # world total
    ["8703230190", "0003", "1000000000", "2024-12", "HS10"],  # a group code
    ["870323", "5880", "1", "2024-12", "HS6"],
]


def test_parse_census_json_maps_codes_and_drops_aggregates() -> None:
    frame, notes = parse_census_json(json.dumps(CENSUS_ROWS))
    assert sorted(frame["origin"].unique().to_list()) == ["DEU", "JPN"]
    jp = frame.filter(pl.col("origin") == "JPN")
    assert jp["value"].sum() == pytest.approx(2.55e9)
    assert any("aggregate" in n for n in notes) and any("shorter than 10" in n for n in notes)


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [("not json", "not valid JSON"), (json.dumps({"a": 1}), "Census API layout"),
     (json.dumps([["X", "Y"]]), "I_COMMODITY"), (json.dumps([["I_COMMODITY", "CTY_CODE"]]), "value column")],
)
def test_parse_census_json_bad_input(payload: str, fragment: str) -> None:
    with pytest.raises(DataFileError, match=fragment):
        parse_census_json(payload)


def test_fetch_census_writes_atomically(tmp_path: Path) -> None:
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["url"] = str(request.url)
        return httpx.Response(200, text=json.dumps(CENSUS_ROWS))

    dest = tmp_path / "census.json"
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        fetch_census("2024-12", dest, country="Japan", client=client)
    assert dest.is_file() and json.loads(dest.read_text())[0][0] == "I_COMMODITY"
    assert seen["url"].startswith(CENSUS_URL) and "CTY_CODE=5880" in seen["url"] and "time=2024-12" in seen["url"]
    assert not list(tmp_path.glob(".*part"))


def test_fetch_census_failure_keeps_old_file(tmp_path: Path) -> None:
    dest = tmp_path / "census.json"
    dest.write_text("old")
    with (httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(503))) as client,
          pytest.raises(NetworkError, match="Census")):
        fetch_census("2024-12", dest, client=client)
    with (httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, text="<html>"))) as client,
          pytest.raises(DataFileError)):
        fetch_census("2024-12", dest, client=client)
    assert dest.read_text() == "old"
    assert not list(tmp_path.glob(".*part"))


def test_weights_csv(tmp_path: Path) -> None:
    p = tmp_path / "w.csv"
    p.write_text("hts10,country,value\n8703.23.0190,Japan,10\n8703230190,JPN,5\n9503000073,5880,1\n")
    w = load_weights_csv(p)
    assert w.filter(pl.col("hts10") == "8703230190")["value"].to_list() == [15.0]
    bad = tmp_path / "bad.csv"
    bad.write_text("hts10,country,value\n8703230190,Nowhere,10\n")
    with pytest.raises(UnknownCountryError, match="Nowhere"):
        load_weights_csv(bad)
    neg = tmp_path / "neg.csv"
    neg.write_text("hts10,country,value\n8703230190,JPN,-1\n")
    with pytest.raises(DataFileError, match="non-negative"):
        load_weights_csv(neg)
    cols = tmp_path / "cols.csv"
    cols.write_text("code,value\n1,2\n")
    with pytest.raises(DataFileError, match="hts10,country,value"):
        load_weights_csv(cols)


def test_partner_groups() -> None:
    assert [partner_group(c) for c in ("CHN", "CAN", "MEX", "JPN", "GBR", "FRA", "SGP", "THA")] == [
        "china", "canada", "mexico", "japan", "uk", "eu", "ftrow", "row"]
    assert set(gtap_weights()["partner_group"].unique()) == {
        "china", "row", "canada", "mexico", "ftrow", "japan", "eu", "uk"}


def test_gtap_effective_rate_matches_an_independent_computation() -> None:
    """The GTAP-weighted ETR equals sum_s w_s * mean_h rate_h / sum_s w_s, computed here with pandas."""
    s = Schedule(metal_share_default="bea")
    res = effective_rates(s, "2025-09-20", origins=["JPN"])
    panel = s.panel("2025-09-20", origins=["JPN"], headings=False).to_pandas()
    cross = hts10_gtap().to_pandas()
    merged = panel.merge(cross, on="hts10")
    sector = merged.groupby("gtap_code")["total_rate"].mean()
    w = gtap_weights().filter(pl.col("partner_group") == "japan").to_pandas().set_index("gtap_code")["value"]
    common = sector.index.intersection(w.index)
    expected = float((sector[common] * w[common]).sum() / w[common].sum())
    assert res.rows[0].etr == pytest.approx(expected, rel=1e-12)
    parts = res.rows[0]
    assert parts.etr == pytest.approx(parts.mfn + parts.section_232 + parts.ieepa + parts.section_122)


def test_effective_rate_needs_an_origin() -> None:
    from tariffscope.errors import InputError

    with pytest.raises(InputError, match="origin"):
        effective_rates(Schedule.default(), "2025-06-01")


@pytest.mark.parametrize("period", ["2024-13", "2024", "24-12", "2024-1"])
def test_fetch_census_checks_the_period_before_any_download(tmp_path: Path, period: str) -> None:
    from tariffscope.errors import InputError

    def handler(request: httpx.Request) -> httpx.Response:  # pragma: no cover - must not be called
        raise AssertionError("no request expected")

    with httpx.Client(transport=httpx.MockTransport(handler)) as client, pytest.raises(InputError, match="YYYY-MM"):
        fetch_census(period, tmp_path / "c.json", client=client)
