"""Tests of the HTS schedule reader (tariffscope.data.hts).

``tests/data/hts_sample.csv`` holds 82 rows cut verbatim from the USITC HTS 2025 Basic Edition CSV
export (headings 0101, 0201, 0603, 0711, 7208, 8308, 8703, 9101 and three chapter 98/99 lines). Tests
marked ``shared`` read the whole file from ``../shared`` and are skipped when it is absent.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from tariffscope.data.duty_rates import parse_duty_rate
from tariffscope.data.hts import (
    REQUIRED_COLUMNS,
    HTSLine,
    HTSTable,
    format_hts_code,
    load_default_hts,
    load_hts_csv,
    load_hts_parquet,
    normalize_hts_code,
)
from tariffscope.errors import DataFileError, InvalidHTSCodeError, UnknownHTSCodeError

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "hts_sample.csv"
FULL_FILE = Path("data") / "hts" / "hts_2025_basic_edition.csv"

#: The columns the brief for HTSTable.lines asks for.
SPEC_COLUMNS = [
    "hts10",
    "hts8",
    "description",
    "full_description",
    "unit",
    "general_text",
    "mfn_kind",
    "mfn_ad_valorem",
    "mfn_specific",
    "mfn_specific_unit",
    "mfn_specific_count",
    "special_text",
    "column2_text",
    "jp_special",
    "edition",
]


@pytest.fixture(scope="module")
def sample() -> HTSTable:
    return load_hts_csv(SAMPLE, edition="2025 Basic Edition")


# --- codes -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("8703.23.01.90", "8703230190"),
        ("8703230190", "8703230190"),
        (" 8703 23 01 90 ", "8703230190"),
        ("8703.23.01", "87032301"),
        ("8703.23", "870323"),
        ("8703", "8703"),
        ("87", "87"),
        ("0201.10.05", "02011005"),
    ],
)
def test_normalize(code: str, expected: str) -> None:
    assert normalize_hts_code(code) == expected
    assert HTSTable.normalize(code) == expected


def test_normalize_wrong_length_names_rule_value_and_fix() -> None:
    with pytest.raises(InvalidHTSCodeError) as info:
        normalize_hts_code("8703.2")
    message = str(info.value)
    assert "HTS code '8703.2' must have 2, 4, 6, 8 or 10 digits; got 5" in message
    assert "write it like" in message


@pytest.mark.parametrize("code", ["87O3.23", "8703-23", "", "870323019012", "8"])
def test_normalize_rejects_malformed_codes(code: str) -> None:
    with pytest.raises(InvalidHTSCodeError, match=repr(code)):
        normalize_hts_code(code)


def test_normalize_rejects_numbers() -> None:
    with pytest.raises(InvalidHTSCodeError, match="must be a string"):
        normalize_hts_code(201100510)  # type: ignore[arg-type]


def test_format_hts_code() -> None:
    assert format_hts_code("0201100510") == "0201.10.05.10"
    assert format_hts_code("02011005") == "0201.10.05"
    assert format_hts_code("0201") == "0201"


# --- reading the sample CSV ------------------------------------------------------------------------


def test_sample_columns_and_types(sample: HTSTable) -> None:
    lines = sample.lines
    assert set(SPEC_COLUMNS) <= set(lines.columns)
    assert lines.schema["mfn_ad_valorem"] == pl.Float64
    assert lines.schema["mfn_specific"] == pl.Float64
    assert lines.schema["mfn_specific_count"].is_integer()
    assert lines.schema["jp_special"] == pl.Boolean
    assert lines["hts10"].str.contains(r"^\d{10}$").all()
    assert (lines["hts10"].str.slice(0, 8) == lines["hts8"]).all()
    assert lines["hts10"].is_sorted() and lines["hts10"].is_unique().all()
    assert (lines["edition"] == "2025 Basic Edition").all()
    assert sample.edition == "2025 Basic Edition"


def test_sample_row_count(sample: HTSTable) -> None:
    # 39 statistical lines in chapters 01-97 plus 2 watch tariff lines without statistical suffixes.
    assert len(sample) == 41
    assert sample.lines["synthetic_stat_suffix"].sum() == 2


def test_chapters_98_and_99_are_left_out(sample: HTSTable) -> None:
    chapters = set(sample.lines["hts10"].str.slice(0, 2).to_list())
    assert not chapters & {"98", "99"}
    assert not sample.contains("9903")
    with pytest.raises(UnknownHTSCodeError, match="chapter 99 additional duties"):
        sample.line("9903.88.01.00")


def test_statistical_lines_inherit_rates_from_tariff_line(sample: HTSTable) -> None:
    line = sample.line("8703.23.01.90")
    assert line.general_text == "2.5%"
    assert line.mfn_kind == "ad_valorem" and line.mfn_ad_valorem == 0.025
    assert line.special_text is not None and line.special_text.startswith("Free (A+,AU,B,BH")
    assert line.column2_text == "10%"
    assert line.rate_line == "8703.23.01"
    assert line.general == parse_duty_rate("2.5%")


def test_merged_tariff_and_statistical_line_keeps_own_rates(sample: HTSTable) -> None:
    line = sample.line("0101.30.00.00")
    assert line.general_text == "6.8%" and line.column2_text == "15%"
    assert line.rate_line == "0101.30.00.00"


def test_free_steel_plate(sample: HTSTable) -> None:
    line = sample.line("7208.51.00.30")
    assert line.mfn_kind == "free" and line.mfn_ad_valorem == 0.0
    assert line.unit == "kg"


def test_specific_line(sample: HTSTable) -> None:
    line = sample.line("0201.10.05.10")
    assert line.general_text == "4.4¢/kg"
    assert line.mfn_kind == "specific"
    assert line.mfn_specific == pytest.approx(0.044)
    assert line.mfn_specific_unit == "kg" and line.mfn_specific_count == 1
    assert line.general.duty(1000.0, quantity=500.0) == pytest.approx(22.0)


def test_specific_line_with_basis(sample: HTSTable) -> None:
    line = sample.line("0711.20.18.00")
    assert line.general.specific[0].basis == "on drained weight"


def test_compound_line(sample: HTSTable) -> None:
    line = sample.line("8308.10.00.00")
    assert line.general_text == "1.1¢/kg + 2.9%"
    assert line.mfn_kind == "compound"
    assert line.mfn_ad_valorem == pytest.approx(0.029)
    assert line.mfn_specific == pytest.approx(0.011)


def test_tariff_line_without_statistical_lines_gets_synthetic_suffix(sample: HTSTable) -> None:
    line = sample.line("9101.11.40.00")
    assert line.synthetic_stat_suffix
    assert line.hts8 == "91011140"
    assert line.mfn_kind == "compound" and line.mfn_specific == pytest.approx(0.51)
    assert line.mfn_specific_unit == "No."
    assert sample.line("9101.11.40") == line


def test_full_description_joins_the_indent_chain(sample: HTSTable) -> None:
    line = sample.line("8703.23.01.20")
    assert line.description == "Station wagons under 160 cm in height"
    assert line.full_description == (
        "Motor cars and other motor vehicles principally designed for the transport of persons (other than "
        "those of heading 8702), including station wagons and racing cars: Other vehicles, with only "
        "spark-ignition internal combustion piston engines: Of a cylinder capacity exceeding 1,500 cc but "
        "not exceeding 3,000 cc: Other: New: Having engines with not more than 4 cylinders: Station wagons "
        "and passenger vans: Station wagons under 160 cm in height"
    )
    assert sample.line("0101.21.00.10").full_description == (
        "Live horses, asses, mules and hinnies: Horses: Purebred breeding animals: Males"
    )


def test_units(sample: HTSTable) -> None:
    assert sample.line("8703.23.01.90").unit == "No."
    assert sample.line("0101.21.00.10").units == ("No.",)
    assert sample.line("9101.11.40.00").unit is None


def test_jp_special(sample: HTSTable) -> None:
    assert sample.line("0603.12.30.00").jp_special  # "Free (A,...,JO,JP,KR,...)"
    assert sample.line("0603.12.70.00").jp_special  # "Free (A,...) 3.2% (JP)"
    assert sample.line("0603.13.00.50").jp_special  # inherited from 0603.13.00
    assert not sample.line("0603.11.00.30").jp_special
    assert not sample.line("8703.23.01.90").jp_special


# --- lookups ---------------------------------------------------------------------------------------


def test_line_returns_htsline(sample: HTSTable) -> None:
    line = sample.line("8703230190")
    assert isinstance(line, HTSLine)
    assert line.code == "8703.23.01.90"
    assert line.edition == "2025 Basic Edition"


def test_eight_digit_code_with_one_statistical_line_resolves(sample: HTSTable) -> None:
    assert sample.line("8308.10.00").hts10 == "8308100000"


def test_eight_digit_code_with_several_lines_lists_candidates(sample: HTSTable) -> None:
    with pytest.raises(UnknownHTSCodeError) as info:
        sample.line("8703.23.01")
    message = str(info.value)
    assert "covers 7 statistical lines" in message
    assert "8703.23.01.10" in message and "and 2 more" in message


def test_unknown_ten_digit_code_suggests_nearest_in_subheading(sample: HTSTable) -> None:
    with pytest.raises(UnknownHTSCodeError) as info:
        sample.line("8703.23.01.91")
    message = str(info.value)
    assert "'8703.23.01.91' is not in the 2025 Basic Edition MFN schedule" in message
    assert "subheading 8703.23" in message
    assert "8703.23.01.90" in message


def test_unknown_code_in_unknown_subheading_falls_back_to_heading(sample: HTSTable) -> None:
    with pytest.raises(UnknownHTSCodeError, match="heading 7208"):
        sample.line("7208.90.00.00")
    with pytest.raises(UnknownHTSCodeError, match="nor is any code of its chapter"):
        sample.line("5005.00.00.00")


def test_unknown_error_is_a_value_error(sample: HTSTable) -> None:
    with pytest.raises(ValueError):
        sample.line("0101.21.00.99")


def test_children_and_contains(sample: HTSTable) -> None:
    assert sample.children("7208.51") == ["7208510030", "7208510045", "7208510060"]
    assert sample.children("0101.21.00") == ["0101210010", "0101210020"]
    assert sample.children("5005") == []
    assert sample.contains("72") and sample.contains("7208.51.00.60")
    assert not sample.contains("7209")
    assert "8703.23" in sample and "8704" not in sample and 8703 not in sample
    with pytest.raises(InvalidHTSCodeError):
        sample.contains("870")


def test_hts10_codes(sample: HTSTable) -> None:
    codes = sample.hts10_codes()
    assert isinstance(codes, np.ndarray) and len(codes) == len(sample)
    assert np.all(codes[:-1] < codes[1:])
    codes[0] = "tampered"  # a copy: the table is unchanged
    assert sample.hts10_codes()[0] == "0101210010"


def test_table_repr(sample: HTSTable) -> None:
    assert repr(sample) == "HTSTable(edition='2025 Basic Edition', lines=41)"


# --- files ---------------------------------------------------------------------------------------


def test_edition_from_file_name(tmp_path: Path) -> None:
    for name, edition in [
        ("hts_2025_basic_edition.csv", "2025 Basic Edition"),
        ("hts_2026_revision_6_csv.csv", "2026 Revision 6"),
        ("my_hts.csv", "my_hts"),
    ]:
        path = tmp_path / name
        path.write_bytes(SAMPLE.read_bytes())
        assert load_hts_csv(path).edition == edition


def test_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="does not exist"):
        load_hts_csv(tmp_path / "absent.csv")


def test_wrong_header_raises(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("HTS Number,Indent,Description\n0101,0,Horses\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="missing Unit of Quantity"):
        load_hts_csv(path)


def test_malformed_code_raises(tmp_path: Path) -> None:
    text = SAMPLE.read_text(encoding="utf-8-sig").replace('"0101.21.00.10"', '"0101.21.00.1X"')
    path = tmp_path / "bad_code.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match="malformed HTS numbers"):
        load_hts_csv(path)


def test_file_without_bom_reads_the_same(tmp_path: Path, sample: HTSTable) -> None:
    path = tmp_path / "no_bom.csv"
    path.write_text(SAMPLE.read_text(encoding="utf-8-sig"), encoding="utf-8")
    assert load_hts_csv(path, edition=sample.edition).lines.equals(sample.lines)


def test_blank_tariff_line_inherits_from_indent_chain(tmp_path: Path) -> None:
    header = SAMPLE.read_text(encoding="utf-8-sig").splitlines()[0]
    rows = [
        '"0101","0","Horses:","","","","","",""',
        '"0101.21","1","Breeding:","","3%","Free (JP)","20%","",""',
        '"0101.21.00","2","Purebred","","","","","",""',
        '"0101.21.00.10","3","Males","[""No.""]","","","","",""',
        '"0101.29.00","1","Other","","","","","",""',
    ]
    path = tmp_path / "chain.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    table = load_hts_csv(path)
    males = table.line("0101.21.00.10")
    assert males.general_text == "3%" and males.jp_special and males.rate_line == "0101.21"
    other = table.line("0101.29.00.00")
    assert other.synthetic_stat_suffix and other.mfn_kind == "none" and other.rate_line is None


def test_parquet_round_trip(tmp_path: Path, sample: HTSTable) -> None:
    path = sample.to_parquet(tmp_path / "cache" / "hts.parquet", source="test")
    again = load_hts_parquet(path)
    assert again.edition == sample.edition
    assert again.lines.equals(sample.lines)
    assert again.line("0201.10.05.10") == sample.line("0201.10.05.10")
    assert not list(path.parent.glob(".*tmp"))


def test_parquet_with_required_columns_only(tmp_path: Path, sample: HTSTable) -> None:
    path = sample.to_parquet(tmp_path / "compact.parquet", columns=REQUIRED_COLUMNS)
    compact = load_hts_parquet(path)
    assert set(SPEC_COLUMNS) <= set(compact.lines.columns)
    line = compact.line("8703.23.01.90")
    assert line.full_description is None and line.special_text is None
    assert line.mfn_ad_valorem == 0.025


def test_table_without_required_columns_raises(sample: HTSTable) -> None:
    with pytest.raises(DataFileError, match="missing mfn_kind"):
        HTSTable(lines=sample.lines.drop("mfn_kind"), edition="x")


def test_missing_parquet_raises(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="make default-data"):
        load_hts_parquet(tmp_path / "absent.parquet")


# --- the bundled table ---------------------------------------------------------------------------


def test_default_table_is_bundled_and_cached() -> None:
    table = load_default_hts()
    assert table is load_default_hts()
    assert table.edition == "2025 Basic Edition"
    assert len(table) == 19708
    assert table.line("8703.23.01.90").mfn_ad_valorem == 0.025
    assert table.line("7208.51.00.30").mfn_kind == "free"
    # The bundled description is the indent chain, shortened in the middle to 200 characters
    # (DESCRIPTION_CHARS in scripts/build_default_data.py).
    assert table.lines["description"].str.len_chars().max() <= 200  # type: ignore[operator]
    assert table.line("8703230190").description.endswith("Used")
    assert table.line("8703230190").description.startswith("Motor cars")


# --- the full 2025 Basic Edition -----------------------------------------------------------------


@pytest.fixture(scope="module")
def full(shared_dir: Path) -> HTSTable:
    return load_hts_csv(shared_dir / FULL_FILE)


@pytest.mark.shared
def test_full_passenger_car_is_2_5_percent(full: HTSTable) -> None:
    line = full.line("8703.23.01.90")
    assert line.mfn_kind == "ad_valorem" and line.mfn_ad_valorem == 0.025


@pytest.mark.shared
def test_full_steel_plate_is_free(full: HTSTable) -> None:
    assert full.line("7208.51.00.30").mfn_kind == "free"


@pytest.mark.shared
def test_full_specific_and_compound_lines(full: HTSTable) -> None:
    beef = full.line("0201.10.05.10")
    assert (beef.mfn_kind, beef.mfn_specific, beef.mfn_specific_unit) == ("specific", 0.044, "kg")
    wine = full.line("2204.10.00.30")
    assert wine.mfn_kind == "specific" and wine.mfn_specific_unit == "liter"
    hooks = full.line("8308.10.00.00")
    assert hooks.mfn_kind == "compound"
    assert (hooks.mfn_ad_valorem, hooks.mfn_specific) == (0.029, 0.011)


@pytest.mark.shared
def test_full_row_count_and_kinds(full: HTSTable) -> None:
    lines = full.lines
    # 19,613 statistical lines in chapters 01-97 and 95 watch tariff lines without suffixes.
    assert len(full) == 19_708
    assert lines["synthetic_stat_suffix"].sum() == 95
    counts = dict(lines.group_by("mfn_kind").len().iter_rows())
    assert counts == {"free": 7215, "ad_valorem": 10257, "specific": 1446, "compound": 521, "other": 269}
    # The only unparsed rates are references to other provisions (ensembles, sets, notes).
    others = set(lines.filter(pl.col("mfn_kind") == "other")["general_text"].to_list())
    assert len(others) == 14
    assert all(t.startswith(("The rate", "See additional U.S. note")) for t in others)


@pytest.mark.shared
def test_full_no_chapter_98_or_99(full: HTSTable) -> None:
    chapters = full.lines["hts10"].str.slice(0, 2)
    assert not chapters.is_in(["98", "99"]).any()


@pytest.mark.shared
def test_full_every_line_has_a_rate(full: HTSTable) -> None:
    assert (full.lines["general_text"] != "").all()
    assert full.lines["rate_line"].null_count() == 0


@pytest.mark.shared
def test_full_default_table_matches_full_parse(full: HTSTable) -> None:
    columns = ["hts10", "general_text", "mfn_kind", "mfn_ad_valorem", "mfn_specific", "jp_special"]
    assert load_default_hts().lines.select(columns).equals(full.lines.select(columns))
