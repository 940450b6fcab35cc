"""The rule engine beyond the worked checks: in-transit clauses, metal content, US content, specific
duties, claims, 8-digit codes, bad input. Expected values are computed by hand from the stacking rules
of shared/policy/us-measures-2025-2026.md and the Chapter 99 headings named in each test."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from tariffscope.errors import (
    DateOutOfRangeError,
    InputError,
    InvalidHTSCodeError,
    UnknownCountryError,
    UnknownHTSCodeError,
)
from tariffscope.policy.schedule import Schedule

TOY = "9503000073"
DERIV = "7326200010"  # steel derivative (note 16(c)(vii)), MFN 3.9%


@pytest.fixture(scope="module")
def s() -> Schedule:
    return Schedule.default()


# -- in-transit clauses ------------------------------------------------------------------------------
def test_in_transit_japan_floor_keeps_baseline(s: Schedule) -> None:
    """9903.02.73: loaded before 2025-08-07 and entered before 2025-10-05 -> the 10% baseline stays."""
    assert s.rate(TOY, "JPN", "2025-08-20", load_date="2025-08-01").total_rate == pytest.approx(0.10)
    r = s.rate(TOY, "JPN", "2025-08-20", load_date="2025-08-01")
    floor = next(la for la in r.layers if la.heading == "9903.02.73")
    assert not floor.applies and "in transit" in floor.reason
    # Entered on 2025-10-05 or later: the clause no longer helps.
    assert s.rate(TOY, "JPN", "2025-10-05", load_date="2025-08-01").total_rate == pytest.approx(0.15)
    # Loaded on the cut-off day: no relief.
    assert s.rate(TOY, "JPN", "2025-08-20", load_date="2025-08-07").total_rate == pytest.approx(0.15)


def test_in_transit_japan_24_percent_day(s: Schedule) -> None:
    """2025-04-09, the one day of the 24% rate (9903.01.53), and its in-transit clause."""
    assert s.rate(TOY, "JPN", "2025-04-09").total_rate == pytest.approx(0.24)
    # Loaded 2025-04-06: exempt from the 24% (loaded before 04-09) but not from the baseline.
    assert s.rate(TOY, "JPN", "2025-04-09", load_date="2025-04-06").total_rate == pytest.approx(0.10)
    # Loaded 2025-04-01: exempt from both (baseline clause: loaded before 04-05, entered before 05-27).
    assert s.rate(TOY, "JPN", "2025-04-09", load_date="2025-04-01").total_rate == pytest.approx(0.0)
    assert s.rate(TOY, "JPN", "2025-05-27", load_date="2025-04-01").total_rate == pytest.approx(0.10)


# -- metal content -----------------------------------------------------------------------------------
def test_metal_content_split(s: Schedule) -> None:
    """Procl. 10947: 50% on the steel content (40%), Japan floor on the rest (60%)."""
    r = s.rate(DERIV, "JPN", "2025-08-20", metal_share=0.4)
    mfn = 0.039
    expected = mfn + 0.5 * 0.4 + 0.6 * (0.15 - mfn)
    assert r.total_rate == pytest.approx(expected)
    steel = next(la for la in r.layers if la.heading == "9903.81.91")
    assert steel.rate == pytest.approx(0.20) and steel.basis_share == pytest.approx(0.4)


def test_metal_content_default_full_value(s: Schedule) -> None:
    """Undeclared steel content: CBP charges the full value; nothing left for the reciprocal duty."""
    assert s.rate(DERIV, "JPN", "2025-08-20").total_rate == pytest.approx(0.039 + 0.5)


def test_metal_content_s122_on_rest(s: Schedule) -> None:
    """Section 122 (2026-02-24): not on the metal-covered share (US note 2(aa))."""
    code = "7307193040"  # cast fittings, a steel derivative that is not in the s122 exemption annex
    r = s.rate(code, "JPN", "2026-03-01", metal_share=0.25)
    assert r.total_rate == pytest.approx(r.mfn_rate + 0.5 * 0.25 + 0.10 * 0.75)
    # A derivative listed in the s122 exemption annex (US note 2(aa)(ii)) pays no surcharge at all.
    exempt = s.rate(DERIV, "JPN", "2026-03-01", metal_share=0.25)
    assert exempt.total_rate == pytest.approx(0.039 + 0.5 * 0.25)


def test_metals_2026_full_value_no_surcharge(s: Schedule) -> None:
    """From 2026-04-06 the metals duty is on the full value, with nothing on top."""
    r = s.rate("7208510030", "JPN", "2026-05-01")
    assert r.total_rate == pytest.approx(0.50)
    assert [la.heading for la in r.layers if la.applies] == ["7208.51.00", "9903.82.02"]


# -- US content --------------------------------------------------------------------------------------
def test_us_content_carveout(s: Schedule) -> None:
    """EO 14257 sec. 3(d): with >= 20% US content, IEEPA duty on the non-US share only."""
    assert s.rate(TOY, "JPN", "2025-06-01", us_content_share=0.30).total_rate == pytest.approx(0.07)
    assert s.rate(TOY, "JPN", "2025-06-01", us_content_share=0.20).total_rate == pytest.approx(0.08)
    assert s.rate(TOY, "JPN", "2025-06-01", us_content_share=0.19).total_rate == pytest.approx(0.10)
    # Not for Section 122 (no such clause).
    assert s.rate(TOY, "JPN", "2026-03-01", us_content_share=0.5).total_rate == pytest.approx(0.10)


# -- specific duties and the floor -------------------------------------------------------------------
def test_specific_mfn_ave_feeds_floor() -> None:
    """Floor arithmetic with a specific MFN: AVE = duty / value (50c/kg on $10/kg = 5%)."""
    import pandas as pd

    s = Schedule.default()
    frame = s.hts.lines.filter(pl.col("mfn_kind") == "specific").select("hts10", "mfn_specific").to_pandas()
    codes = [c for c in frame["hts10"] if c not in _exempt()]
    code = codes[0]
    spec = float(frame.set_index("hts10").loc[code, "mfn_specific"])
    value, qty = 1000.0, 10.0
    ave = spec * qty / value
    r = s.rate(code, "JPN", "2025-08-20", customs_value=value, quantity=qty)
    assert r.mfn_rate == pytest.approx(ave)
    assert r.total_rate == pytest.approx(max(ave, 0.15))
    assert r.duty == pytest.approx(round(max(ave, 0.15) * value, 2), abs=0.011)
    # Without value and quantity only the ad valorem part counts, and the engine says so.
    plain = s.rate(code, "JPN", "2025-08-20")
    assert plain.notes and "specific" in plain.notes[0]
    assert isinstance(pd.__version__, str)


def _exempt() -> set[str]:
    from tariffscope.data.product_lists import load_list

    return {p for p, _ in load_list("ieepa_exempt")}


def test_duty_to_the_cent(s: Schedule) -> None:
    r = s.rate("8703230190", "JPN", "2025-06-01", customs_value=31_337.33)
    # MFN 2.5% = 783.43 (783.43325), 232 25% = 7834.33 (7834.3325) -> 8617.76
    assert r.duty == pytest.approx(8617.76, abs=1e-9)


# -- claims --------------------------------------------------------------------------------------------
def test_civil_aircraft_claim(s: Schedule) -> None:
    """9903.96.02: Japanese civil aircraft parts claimed as such pay no reciprocal duty from 2025-09-16."""
    from tariffscope.data.product_lists import load_list

    listed = tuple(p for p, _ in load_list("civil_aircraft"))
    panel = s.panel("2025-10-01", origins=["JPN"])
    candidates = panel.filter(pl.col("rate_ieepa") > 0)
    code = next(c for c in candidates["hts10"].to_list() if c.startswith(listed))
    plain = s.rate(code, "JPN", "2025-10-01")
    claimed = s.rate(code, "JPN", "2025-10-01", claims=["civil-aircraft"])
    assert plain.total_rate > claimed.total_rate
    assert claimed.total_rate == pytest.approx(claimed.mfn_rate)
    assert "9903.96.02" in [la.heading for la in claimed.layers if la.applies]


# -- codes -------------------------------------------------------------------------------------------
def test_eight_digit_code_with_uniform_lines(s: Schedule) -> None:
    r = s.rate("8703.23.01", "JPN", "2025-06-01")
    assert r.total_rate == pytest.approx(0.275)
    assert any("statistical lines" in n for n in r.notes)


def test_codes_with_or_without_dots(s: Schedule) -> None:
    a = s.rate("8703.23.0190", "JPN", "2025-06-01")
    b = s.rate("8703230190", "jpn", dt.date(2025, 6, 1))
    c = s.rate("8703.23.01.90", "Japan", "2025-06-01")
    assert a.total_rate == b.total_rate == c.total_rate


# -- bad input ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"hts": "8703.2"}, InvalidHTSCodeError, "got 5"),
        ({"hts": "87O3230190"}, InvalidHTSCodeError, "digits"),
        ({"hts": "8703239999"}, UnknownHTSCodeError, "8703239999"),
        ({"origin": "Atlantis"}, UnknownCountryError, "Atlantis"),
        ({"entry_date": "2024-12-31"}, DateOutOfRangeError, "2024-12-31"),
        ({"entry_date": "2025-13-01"}, InputError, "YYYY-MM-DD"),
        ({"metal_share": 40}, InputError, "0.4"),
        ({"us_content_share": -0.1}, InputError, "us_content_share"),
        ({"customs_value": -5.0}, InputError, "customs_value"),
    ],
)
def test_bad_input_is_one_clear_error(s: Schedule, kwargs: dict, error: type, fragment: str) -> None:
    args = {"hts": "8703230190", "origin": "JPN", "entry_date": "2025-06-01", **kwargs}
    with pytest.raises(error) as info:
        s.rate(**args)
    assert fragment in str(info.value)
    assert isinstance(info.value, ValueError)


def test_rates_bad_rows_name_the_value(s: Schedule) -> None:
    frame = pl.DataFrame({"hts": ["8703230190", "12"], "origin": ["JPN", "JPN"], "entry_date": ["2025-06-01"] * 2})
    with pytest.raises(InputError, match="'12'"):
        s.rates(frame)
    frame = pl.DataFrame({"hts": ["8703230190"], "origin": ["Narnia"], "entry_date": ["2025-06-01"]})
    with pytest.raises(UnknownCountryError, match="Narnia"):
        s.rates(frame)
    frame = pl.DataFrame({"hts": ["8703230190"], "origin": ["JPN"], "entry_date": ["2024-06-01"]})
    with pytest.raises(DateOutOfRangeError):
        s.rates(frame)
    with pytest.raises(InputError, match="entry_date"):
        s.rates(pl.DataFrame({"hts": ["8703230190"], "origin": ["JPN"]}))


def test_rates_columns_and_duty(s: Schedule) -> None:
    frame = pl.DataFrame(
        {
            "hts": ["8703.23.0190", "9503.00.0073", "7326.20.0010"],
            "origin": ["JPN", "DEU", "JPN"],
            "entry_date": ["2025-06-01", "2025-06-01", "2025-08-20"],
            "customs_value": [30000.0, 100.0, 1000.0],
            "metal_share": [None, None, 0.4],
        }
    )
    out = s.rates(frame)
    for col in ("hts10", "mfn_rate", "additional_rate", "total_rate", "rate_section_232", "rate_ieepa",
                "rate_section_122", "headings", "mfn_duty", "duty"):
        assert col in out.columns
    assert out["duty"].to_list() == pytest.approx([8250.0, 10.0, 1000 * (0.039 + 0.2 + 0.6 * 0.111)], abs=0.011)
    assert out["headings"][0] == "9903.94.01"
    assert out["headings"][2].split(";") == sorted(["9903.81.91", "9903.02.73"], key=out["headings"][2].index)


def test_rates_accepts_pandas_and_returns_pandas(s: Schedule) -> None:
    import pandas as pd

    out = s.rates(pd.DataFrame({"hts": ["8703230190"], "origin": ["JPN"], "entry_date": ["2025-06-01"]}))
    assert isinstance(out, pd.DataFrame)
    assert out["total_rate"].iloc[0] == pytest.approx(0.275)


@pytest.mark.parametrize(
    ("hts", "day", "expected"),
    [
        # EO 14195 / 14228 / 14357 fentanyl duties (9903.01.20, .24) and the reciprocal 9903.01.63 path
        # (EO 14259: 84% on 2025-04-09; EO 14266: 125% from 2025-04-10; EO 14298: 10% from 2025-05-14).
        ("9503000073", "2025-02-10", 0.10),
        ("9503000073", "2025-03-10", 0.20),
        ("9503000073", "2025-04-05", 0.30),
        ("9503000073", "2025-04-09", 0.20 + 0.84),
        ("9503000073", "2025-04-20", 0.20 + 1.25),
        ("9503000073", "2025-06-01", 0.30),
        ("9503000073", "2025-11-15", 0.20),
        ("9503000073", "2026-03-01", 0.10),  # Section 122 only
        # Fentanyl duties stack on Section 232; reciprocal duties do not (US note 2(v)).
        ("8703230190", "2025-04-20", 0.025 + 0.25 + 0.20),
    ],
)
def test_china_ieepa_layers(s: Schedule, hts: str, day: str, expected: float) -> None:
    assert s.rate(hts, "CHN", day).total_rate == pytest.approx(expected)
