"""Country codes, names, Census codes and groups (tariffscope.data.countries)."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pytest

from tariffscope.data.countries import (
    GROUPS,
    PSEUDO_CODES,
    Country,
    all_countries,
    country,
    expand_origins,
    normalize_country,
)
from tariffscope.errors import InputError, TariffscopeError, UnknownCountryError

SHARED = Path(__file__).resolve().parents[3] / "shared"
CENSUS_CSV = SHARED / "data" / "hts" / "census_codes.csv"


def test_table_is_complete_and_unique() -> None:
    countries = all_countries()
    assert len(countries) == 240
    for attr in ("iso3", "iso2", "census_code"):
        values = [getattr(c, attr) for c in countries]
        assert len(values) == len(set(values)), attr
    assert all(len(c.iso3) == 3 and c.iso3.isupper() for c in countries)
    assert all(len(c.iso2) == 2 and c.iso2.isupper() for c in countries)
    assert all(len(c.census_code) == 4 and c.census_code.isdigit() for c in countries)


def test_all_countries_is_cached() -> None:
    assert all_countries() is all_countries()


def test_country_is_frozen() -> None:
    c = country("JPN")
    assert c == Country("JPN", "JP", "Japan", "5880")
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.name = "Nippon"  # type: ignore[misc]


def test_pseudo_codes_are_documented_entities() -> None:
    assert {c.iso3 for c in all_countries() if c.iso3 in PSEUDO_CODES} == {"XKX", "XGZ", "XWB"}
    assert country("5082").iso3 == "XGZ"
    assert country("5083").iso3 == "XWB"
    assert country("Kosovo").iso2 == "XK"


@pytest.mark.parametrize(
    ("value", "iso3"),
    [
        ("JPN", "JPN"),
        ("jpn", "JPN"),
        ("JP", "JPN"),
        ("5880", "JPN"),
        ("Japan", "JPN"),
        ("  japan ", "JPN"),
        ("South Korea", "KOR"),
        ("Korea, South", "KOR"),
        ("Republic of Korea", "KOR"),
        ("North Korea", "PRK"),
        ("UK", "GBR"),
        ("United Kingdom", "GBR"),
        ("GB", "GBR"),
        ("Great Britain", "GBR"),
        ("Vietnam", "VNM"),
        ("Viet Nam", "VNM"),
        ("Russia", "RUS"),
        ("Russian Federation", "RUS"),
        ("Taiwan", "TWN"),
        ("Turkey", "TUR"),
        ("Türkiye", "TUR"),
        ("Turkiye", "TUR"),
        ("Burma", "MMR"),
        ("Myanmar", "MMR"),
        ("Macedonia", "MKD"),
        ("North Macedonia", "MKD"),
        ("Côte d'Ivoire", "CIV"),
        ("Ivory Coast", "CIV"),
        ("Democratic Republic of the Congo", "COD"),
        ("Germany", "DEU"),
        ("4280", "DEU"),
        ("Czechia", "CZE"),
        ("Hong Kong", "HKG"),
        ("Macau", "MAC"),
        ("Laos", "LAO"),
        ("the Philippines", "PHL"),
        ("Switzerland", "CHE"),
        ("United States", "USA"),
        ("1000", "USA"),
        ("Falkland Islands", "FLK"),
        ("West Bank", "XWB"),
    ],
)
def test_normalize_country(value: str, iso3: str) -> None:
    assert normalize_country(value) == iso3


def test_unknown_country_message_names_value_and_suggests() -> None:
    with pytest.raises(UnknownCountryError) as info:
        normalize_country("Japn")
    message = str(info.value)
    assert "'Japn'" in message
    assert "Japan (JPN)" in message
    assert "ISO 3166" in message  # the fix: what forms are accepted


def test_unknown_country_error_is_an_input_error() -> None:
    with pytest.raises(ValueError):
        normalize_country("Atlantis")
    assert issubclass(UnknownCountryError, InputError)
    assert issubclass(UnknownCountryError, TariffscopeError)


@pytest.mark.parametrize("value", ["", "   ", "ZZZ", "ZZ", "9999", "Narnia"])
def test_unknown_values_raise(value: str) -> None:
    with pytest.raises(UnknownCountryError):
        normalize_country(value)


def test_group_name_is_not_a_country() -> None:
    with pytest.raises(UnknownCountryError, match="expand_origins"):
        normalize_country("EU")


def test_non_string_raises() -> None:
    with pytest.raises(UnknownCountryError):
        normalize_country(5880)  # type: ignore[arg-type]


def test_country_lookup_by_any_form() -> None:
    assert country("5520").name == "Vietnam"
    assert country("VN").census_code == "5520"
    with pytest.raises(UnknownCountryError):
        country("XXX")


def test_groups() -> None:
    every = {c.iso3 for c in all_countries()}
    assert GROUPS["ALL"] == every - {"USA"}
    assert len(GROUPS["EU"]) == 27
    assert {"DEU", "FRA", "IRL", "HRV"} <= GROUPS["EU"]
    assert "GBR" not in GROUPS["EU"]
    assert GROUPS["USMCA"] == {"CAN", "MEX"}
    assert len(GROUPS["ASEAN"]) == 10
    assert GROUPS["EFTA"] == {"ISL", "LIE", "NOR", "CHE"}
    assert "GBR" in GROUPS["CPTPP"] and len(GROUPS["CPTPP"]) == 12
    assert GROUPS["G7"] == {"CAN", "FRA", "DEU", "ITA", "JPN", "GBR", "USA"}
    for name, members in GROUPS.items():
        assert name == name.upper()
        assert members <= every, name


def test_groups_are_read_only() -> None:
    with pytest.raises(TypeError):
        GROUPS["NEW"] = frozenset()  # type: ignore[index]


def test_expand_origins() -> None:
    assert expand_origins(["USMCA", "Japan", "KOR"]) == {"CAN", "MEX", "JPN", "KOR"}
    assert expand_origins(["eu"]) == GROUPS["EU"]
    assert expand_origins("JPN") == {"JPN"}  # a single string is one item, not three letters
    assert expand_origins([]) == frozenset()
    assert "USA" not in expand_origins(["ALL"])


def test_expand_origins_names_the_unknown_item() -> None:
    with pytest.raises(UnknownCountryError, match="'Narnia'"):
        expand_origins(["EU", "Narnia"])


@pytest.mark.shared
@pytest.mark.skipif(not CENSUS_CSV.exists(), reason="../shared/data/hts/census_codes.csv not present")
def test_every_census_row_is_in_the_table() -> None:
    with CENSUS_CSV.open(newline="", encoding="utf-8") as fh:
        census = {row["Code"].strip(): row["Name"] for row in csv.DictReader(fh)}
    assert set(census) == {c.census_code for c in all_countries()}
    for code in census:
        assert country(code).census_code == code
