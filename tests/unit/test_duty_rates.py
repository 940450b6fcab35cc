"""Tests of the HTSUS rate-of-duty parser (tariffscope.data.duty_rates)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tariffscope.data.duty_rates import DutyRate, SpecificComponent, parse_duty_rate, parse_special_rates
from tariffscope.errors import InputError

S = SpecificComponent


@pytest.mark.parametrize(
    ("text", "kind", "ad_valorem", "specific"),
    [
        ("Free", "free", 0.0, ()),
        ("free", "free", 0.0, ()),
        ("2.5%", "ad_valorem", 0.025, ()),
        ("0%", "ad_valorem", 0.0, ()),
        ("26.4%", "ad_valorem", 0.264, ()),
        ("25% 1/", "ad_valorem", 0.25, ()),
        ("6.25%", "ad_valorem", 0.0625, ()),
        ("33 1/3%", "ad_valorem", 1 / 3, ()),
        ("4.4¢/kg", "specific", 0.0, (S(0.044, "kg"),)),
        ("0.05¢/kg", "specific", 0.0, (S(0.0005, "kg"),)),
        ("3.6606¢/kg of total sugars", "specific", 0.0, (S(0.036606, "kg", "of total sugars"),)),
        ("$1.035/kg", "specific", 0.0, (S(1.035, "kg"),)),
        ("$1.13/m3", "specific", 0.0, (S(1.13, "m3"),)),
        ("$4.95/t", "specific", 0.0, (S(4.95, "t"),)),
        ("10.5¢/bbl", "specific", 0.0, (S(0.105, "bbl"),)),
        ("3.2¢/liter", "specific", 0.0, (S(0.032, "liter"),)),
        ("4.5¢/ liter", "specific", 0.0, (S(0.045, "liter"),)),
        ("23.7¢/pf.liter", "specific", 0.0, (S(0.237, "pf.liter"),)),
        ("2.8¢/doz.", "specific", 0.0, (S(0.028, "doz."),)),
        ("14.5¢/m2", "specific", 0.0, (S(0.145, "m2"),)),
        ("0.9¢ each", "specific", 0.0, (S(0.009, "No."),)),
        ("$1.80 each", "specific", 0.0, (S(1.8, "No."),)),
        ("68¢/head", "specific", 0.0, (S(0.68, "No."),)),
        ("38.4¢/1000", "specific", 0.0, (S(0.384, "thousand"),)),
        ("6.5¢/gross", "specific", 0.0, (S(0.065, "gross"),)),
        ("18.7¢/clean kg", "specific", 0.0, (S(0.187, "kg", "clean kg"),)),
        ("37.5¢/kg on drained weight", "specific", 0.0, (S(0.375, "kg", "on drained weight"),)),
        ("5¢/kg on contents and container", "specific", 0.0, (S(0.05, "kg", "on contents and container"),)),
        ("1.7¢/kg on lead content", "specific", 0.0, (S(0.017, "kg", "on lead content"),)),
        (
            "0.7¢/kg on copper content + 0.7¢/kg on lead content",
            "specific",
            0.0,
            (S(0.007, "kg", "on copper content"), S(0.007, "kg", "on lead content")),
        ),
        (
            "4.4¢/liter + 31.4¢/pf. liter",
            "specific",
            0.0,
            (S(0.044, "liter"), S(0.314, "pf.liter")),
        ),
        ("1.1¢/kg + 2.5%", "compound", 0.025, (S(0.011, "kg"),)),
        ("5.1¢/kg + 7.5%", "compound", 0.075, (S(0.051, "kg"),)),
        ("$1.035/kg + 14.9%", "compound", 0.149, (S(1.035, "kg"),)),
        ("$1.035/kg +13.6%", "compound", 0.136, (S(1.035, "kg"),)),
        ("$9.92/kg+ 25%", "compound", 0.25, (S(9.92, "kg"),)),
        ("90¢/pr. + 37.5%", "compound", 0.375, (S(0.9, "pr."),)),
        ("96¢/doz. + 1.4%", "compound", 0.014, (S(0.96, "doz."),)),
        ("5.7¢/kg on drained weight +8%", "compound", 0.08, (S(0.057, "kg", "on drained weight"),)),
        ("0.3¢/line/ gross + 4.6%", "compound", 0.046, (S(0.003, "gr.lines"),)),
        ("10¢/1,000 pins + 3.5%", "compound", 0.035, (S(0.1, "thousand", "pins"),)),
        ("20¢/thousand + 3.5%", "compound", 0.035, (S(0.2, "thousand"),)),
        ("$2.50/thou- sand + 40%", "compound", 0.4, (S(2.5, "thousand"),)),
        ("36¢ each + 5.6% + 2¢/jewel", "compound", 0.056, (S(0.36, "No."), S(0.02, "jewel"))),
        (
            "43¢ each + 2.8¢/jewel over 7 + 3.7% on the case",
            "compound",
            0.037,
            (S(0.43, "No."), S(0.028, "jewel", "over 7")),
        ),
        ("13.5¢/kg + 6.3% + 1.9¢/article", "compound", 0.063, (S(0.135, "kg"), S(0.019, "No."))),
        ("", "none", 0.0, ()),
        ("   ", "none", 0.0, ()),
        ("The rate applicable to the natural juice in heading 2009", "other", 0.0, ()),
        ("The duty provided in the applicable subheading + 25%", "other", 0.0, ()),
        ("See additional U.S. note 1", "other", 0.0, ()),
        ("No change", "other", 0.0, ()),
    ],
)
def test_parse_duty_rate(
    text: str, kind: str, ad_valorem: float, specific: tuple[SpecificComponent, ...]
) -> None:
    rate = parse_duty_rate(text)
    assert rate.text == text
    assert rate.kind == kind
    assert rate.ad_valorem == pytest.approx(ad_valorem, abs=1e-15)
    assert len(rate.specific) == len(specific)
    for got, want in zip(rate.specific, specific, strict=True):
        assert got.amount == pytest.approx(want.amount, abs=1e-15)
        assert (got.unit, got.basis) == (want.unit, want.basis)


def test_amounts_are_exact_decimals() -> None:
    # Decimal arithmetic: 4.4¢ is 0.044 exactly as a float literal, not 0.044000000000000004.
    assert parse_duty_rate("4.4¢/kg").specific[0].amount == 0.044
    assert parse_duty_rate("2.3%").ad_valorem == 0.023


@pytest.mark.parametrize(
    ("text", "note_part"),
    [
        ("Free (A*,AU,BH,CL)", "special programs: A*,AU,BH,CL"),
        ("Free (A+,AU, BH, CL)", "special programs: A+,AU,BH,CL"),
        ("Free, under bond, as prescribed in U.S. note 1 to this subchapter", "under bond"),
        ("2.5% on the value of the lead content", "on the value of the lead content"),
        ("3.9% on the movement and case + 5.3% on the battery", "ad_valorem holds the first"),
        ("0.3¢/kg, including weight of container", "including weight of container"),
        ("The rate applicable to the complete, assembled movement", "unparsed"),
    ],
)
def test_notes_keep_what_numbers_leave_out(text: str, note_part: str) -> None:
    note = parse_duty_rate(text).note
    assert note is not None and note_part in note


def test_free_with_program_list_is_free() -> None:
    rate = parse_duty_rate("Free (A+,AU,BH,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG)")
    assert rate.kind == "free" and rate.ad_valorem == 0.0


def test_sugar_sliding_scale_keeps_top_rate_and_qualifier() -> None:
    text = (
        "3.6606¢/kg less 0.020668¢/kg for each degree under 100 degrees (and fractions of a degree in "
        "proportion) but not less than 3.143854¢/kg"
    )
    rate = parse_duty_rate(text)
    assert rate.kind == "specific"
    assert rate.specific == (SpecificComponent(0.036606, "kg"),)
    assert rate.note is not None and rate.note.startswith("top of a sliding scale, less 0.020668¢/kg")


def test_watch_rate_with_parts_on_different_bases() -> None:
    rate = parse_duty_rate(
        "44¢ each + 6% on the case + 14% on the strap, band or bracelet + 5.3% on the battery"
    )
    assert rate.kind == "compound"
    assert rate.ad_valorem == 0.06
    assert rate.specific == (SpecificComponent(0.44, "No."),)
    assert rate.note is not None and "14% on the strap, band or bracelet" in rate.note


def test_watch_movement_with_cap() -> None:
    rate = parse_duty_rate(
        "4.3% + 1.7¢/jewel + 0.2¢ for each other piece or part, but if consisting in part of a plate or a "
        "set of plates the total duty shall not exceed the duty for the complete movement"
    )
    assert rate.kind == "compound"
    assert [c.unit for c in rate.specific] == ["jewel", "piece"]
    assert rate.note is not None and rate.note.startswith("but if consisting")


def test_other_has_zero_ad_valorem_and_unparsed_note() -> None:
    rate = parse_duty_rate("The rate applicable to each garment in the ensemble if separately entered")
    assert rate.kind == "other"
    assert rate.ad_valorem == 0.0 and not math.isnan(rate.ad_valorem)
    assert rate.specific == ()
    assert rate.note is not None and "unparsed" in rate.note
    assert not rate.is_computable


def test_none_for_missing_text() -> None:
    assert parse_duty_rate(None).kind == "none"
    assert parse_duty_rate("").note is None


def test_strict_raises_input_error_naming_the_text() -> None:
    with pytest.raises(InputError, match="The rate applicable"):
        parse_duty_rate("The rate applicable to the article of which it is an accessory", strict=True)
    with pytest.raises(ValueError):  # InputError is also a ValueError
        parse_duty_rate("No change", strict=True)


def test_strict_accepts_rates_and_blanks() -> None:
    assert parse_duty_rate("1.1¢/kg + 2.5%", strict=True).kind == "compound"
    assert parse_duty_rate("", strict=True).kind == "none"


def test_parse_is_cached_and_rates_are_hashable() -> None:
    assert parse_duty_rate("2.5%") is parse_duty_rate("2.5%")
    assert len({parse_duty_rate("2.5%"), parse_duty_rate("Free")}) == 2


# --- ad valorem equivalent and duty -------------------------------------------------------------


def test_ave_example_from_the_law() -> None:
    # 50¢/kg on goods worth $10/kg: 0.50 USD/kg × 1 kg / 10 USD = 5%.
    rate = parse_duty_rate("50¢/kg")
    assert rate.ad_valorem_equivalent(customs_value=10.0, quantity=1.0) == pytest.approx(0.05)
    assert rate.ad_valorem_equivalent(customs_value=1000.0, quantity=100.0) == pytest.approx(0.05)


def test_ave_of_compound_rate() -> None:
    rate = parse_duty_rate("1.1¢/kg + 2.5%")
    # (0.025 × 1000 + 0.011 × 100) / 1000 = 0.0261
    assert rate.ad_valorem_equivalent(1000.0, 100.0) == pytest.approx(0.0261)


@pytest.mark.parametrize(
    ("text", "value", "quantity", "expected"),
    [
        ("Free", None, None, 0.0),
        ("2.5%", None, None, 0.025),
        ("2.5%", 100.0, None, 0.025),
        ("4.4¢/kg", None, 10.0, None),
        ("4.4¢/kg", 100.0, None, None),
        ("4.4¢/kg", 0.0, 10.0, None),
        ("1.1¢/kg + 2.5%", 100.0, None, None),
        ("The rate applicable to the complete, assembled movement", 100.0, 1.0, None),
        ("", 100.0, 1.0, None),
    ],
)
def test_ave_needs_value_and_quantity_only_for_specific_parts(
    text: str, value: float | None, quantity: float | None, expected: float | None
) -> None:
    assert parse_duty_rate(text).ad_valorem_equivalent(value, quantity) == expected


def test_ave_with_quantity_per_unit() -> None:
    rate = parse_duty_rate("36¢ each + 5.6% + 2¢/jewel")
    ave = rate.ad_valorem_equivalent(100.0, {"No.": 10, "jewel": 170})
    assert ave == pytest.approx((5.6 + 3.6 + 3.4) / 100)
    assert rate.ad_valorem_equivalent(100.0, {"No.": 10}) is None


@pytest.mark.parametrize(
    ("text", "value", "quantity", "expected"),
    [
        ("Free", 1000.0, None, 0.0),
        ("2.5%", 40_000.0, None, 1000.0),
        ("4.4¢/kg", 500.0, 1000.0, 44.0),
        ("1.1¢/kg + 2.5%", 1000.0, 100.0, 26.1),
        ("90¢/pr. + 20%", 100.0, 10.0, 29.0),
    ],
)
def test_duty(text: str, value: float, quantity: float | None, expected: float) -> None:
    assert parse_duty_rate(text).duty(value, quantity) == pytest.approx(expected)


def test_duty_without_quantity_for_specific_rate_raises() -> None:
    with pytest.raises(InputError, match="pass quantity= in kg"):
        parse_duty_rate("4.4¢/kg").duty(100.0)


def test_duty_of_unparsed_rate_raises() -> None:
    with pytest.raises(InputError, match="does not state a duty in numbers"):
        parse_duty_rate("The rate applicable to the natural juice in heading 2009").duty(100.0)
    with pytest.raises(InputError):
        parse_duty_rate("").duty(100.0)


@pytest.mark.parametrize(("value", "quantity"), [(-1.0, 1.0), (1.0, -1.0), (math.nan, 1.0)])
def test_negative_or_nan_inputs_raise(value: float, quantity: float) -> None:
    rate = parse_duty_rate("1.1¢/kg + 2.5%")
    with pytest.raises(InputError, match="must be a finite number >= 0"):
        rate.duty(value, quantity)
    with pytest.raises(InputError):
        rate.ad_valorem_equivalent(value, quantity)


# --- the Special column -------------------------------------------------------------------------


def test_parse_special_rates() -> None:
    rates = parse_special_rates("Free (A,AU,BH,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG) 3.2% (JP)")
    assert rates["AU"].kind == "free"
    assert rates["JP"] == parse_duty_rate("3.2%")
    assert parse_special_rates("Free (A+,AU, BH, CL,CO,D,E,IL,JO,JP,KR)")["JP"].kind == "free"
    assert parse_special_rates("") == {}
    assert parse_special_rates(None) == {}


# --- properties -----------------------------------------------------------------------------------

percent = st.decimals(min_value=0, max_value=500, places=2)
cents = st.decimals(min_value=0, max_value=5000, places=3)
unit = st.sampled_from(["kg", "liter", "doz.", "pr.", "m2", "t"])
positive = st.floats(min_value=1e-3, max_value=1e9, allow_nan=False, allow_infinity=False)
non_negative = st.floats(min_value=0.0, max_value=1e9, allow_nan=False, allow_infinity=False)


@given(percent)
def test_property_ave_of_pure_ad_valorem_is_the_rate(p: object) -> None:
    rate = parse_duty_rate(f"{p}%")
    assert rate.kind == "ad_valorem"
    assert rate.ad_valorem_equivalent() == pytest.approx(float(str(p)) / 100)
    assert rate.ad_valorem_equivalent(123.0, 4.0) == rate.ad_valorem


@given(percent, cents, unit, positive, non_negative)
def test_property_ave_is_non_negative_and_consistent_with_duty(
    p: object, c: object, u: str, value: float, quantity: float
) -> None:
    rate = parse_duty_rate(f"{c}¢/{u} + {p}%")
    assert rate.kind == "compound"
    ave = rate.ad_valorem_equivalent(value, quantity)
    assert ave is not None and ave >= 0
    assert rate.duty(value, quantity) == pytest.approx(ave * value, rel=1e-9, abs=1e-9)
    assert ave >= rate.ad_valorem - 1e-12


@given(st.text(max_size=60))
def test_property_parser_never_crashes(text: str) -> None:
    rate = parse_duty_rate(text)
    assert isinstance(rate, DutyRate)
    assert rate.ad_valorem >= 0 and not math.isnan(rate.ad_valorem)
    assert all(c.amount >= 0 for c in rate.specific)
