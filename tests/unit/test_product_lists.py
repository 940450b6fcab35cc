"""The bundled product lists (``tariffscope/data/default/product_lists/NAME.csv``).

Built by ``scripts/build_product_lists.py``; these tests read the committed files only, except the
regeneration check, which needs ``../shared`` and skips without it.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import sys
from importlib import resources
from pathlib import Path

import pytest

LIST_DIR = Path(str(resources.files("tariffscope"))) / "data" / "default" / "product_lists"
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build_product_lists.py"

EXPECTED_LISTS = {
    "s232_steel_articles",
    "s232_steel_derivatives",
    "s232_aluminum_articles",
    "s232_aluminum_derivatives",
    "s232_metals_2026_tier50",
    "s232_metals_2026_tier25",
    "s232_metals_2026_tier15",
    "s232_copper",
    "s232_autos_vehicles",
    "s232_auto_parts",
    "s232_mhd_trucks",
    "s232_mhd_buses",
    "s232_mhd_parts",
    "s232_timber_lumber",
    "s232_wood_products",
    "s232_semiconductors",
    "civil_aircraft",
    "ieepa_exempt",
    "s122_exempt",
    "floor_exempt_jpn_civil_aircraft",
    "floor_exempt_eu_civil_aircraft",
    "floor_exempt_kor_civil_aircraft",
    "floor_exempt_che_civil_aircraft",
}


def _files() -> list[Path]:
    return sorted(LIST_DIR.glob("*.csv"))


def _rows(name: str) -> list[dict[str, str]]:
    with (LIST_DIR / f"{name}.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _member(name: str, code: str, on: dt.date | None = None) -> bool:
    """True when an HTS code (dots allowed) falls under a row of list ``name`` in force on ``on``."""
    digits = code.replace(".", "")
    for r in _rows(name):
        if not digits.startswith(r["hts_prefix"]):
            continue
        eff = r["effective_date"]
        if on is None or not eff or dt.date.fromisoformat(eff) <= on:
            return True
    return False


def test_expected_lists_exist() -> None:
    names = {p.stem for p in _files()}
    assert names >= EXPECTED_LISTS, sorted(EXPECTED_LISTS - names)


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.stem)
def test_list_file_is_well_formed(path: Path) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = list(reader)
    assert header == ["hts_prefix", "effective_date", "note"]
    assert rows, "empty list"
    prefixes = []
    for lineno, row in enumerate(rows, start=2):
        assert len(row) == 3, f"line {lineno}: {row}"
        prefix, eff, _note = row
        assert prefix.isdigit() and len(prefix) in (2, 4, 6, 8, 10), f"line {lineno}: {prefix!r}"
        if eff:
            assert dt.date.fromisoformat(eff).isoformat() == eff, f"line {lineno}: {eff!r}"
            assert dt.date(2025, 1, 1) <= dt.date.fromisoformat(eff) <= dt.date(2027, 1, 1)
        prefixes.append(prefix)
    assert len(prefixes) == len(set(prefixes)), "duplicate prefixes"
    assert prefixes == sorted(prefixes), "rows are not sorted"


def test_sources_md_names_every_list() -> None:
    text = (LIST_DIR / "SOURCES.md").read_text(encoding="utf-8")
    for path in _files():
        assert f"`{path.stem}`" in text, path.stem


def test_known_members() -> None:
    assert _member("s232_autos_vehicles", "8703.23.01")
    assert _member("s232_autos_vehicles", "8704.21.01")
    assert not _member("s232_autos_vehicles", "8704.22.11")  # a medium/heavy truck, note 38(b)
    assert _member("s232_mhd_trucks", "8704.22.11")
    assert _member("s232_steel_articles", "7208.51.00")
    assert _member("s232_steel_articles", "7306.30.50")
    assert not _member("s232_steel_articles", "7216.61.00")  # derivative, not an article of steel
    assert _member("s232_auto_parts", "4011.10.10")  # a row of ../shared s232_auto_parts.txt
    assert _member("s232_auto_parts", "8708.29.51.60")
    assert _member("s232_aluminum_articles", "7606.12.30")
    assert _member("s232_copper", "7408.11.60")
    assert _member("s232_timber_lumber", "4407.11.00")
    assert _member("s232_wood_products", "9401.61.40.11")
    assert _member("civil_aircraft", "8802.40.01")
    assert _member("s232_metals_2026_tier50", "7208.51.00")
    assert _member("s232_metals_2026_tier15", "8207.20.00.70")


def test_effective_dates_of_inclusions() -> None:
    # Steel derivative inclusions: household appliances from 2025-06-23 (90 FR 25208).
    assert not _member("s232_steel_derivatives", "8418.10.00", on=dt.date(2025, 6, 22))
    assert _member("s232_steel_derivatives", "8418.10.00", on=dt.date(2025, 6, 23))
    # FR 2025-15819 inclusions from 2025-08-18.
    assert not _member("s232_steel_derivatives", "8482.10.50", on=dt.date(2025, 8, 17))
    assert _member("s232_steel_derivatives", "8482.10.50", on=dt.date(2025, 8, 18))
    # Chapter 73 derivatives from the start (2025-03-12).
    assert _member("s232_steel_derivatives", "7318.15.20", on=dt.date(2025, 3, 12))
    # Aluminum: beer from 2025-04-04; 8708.10.30 bumper stampings from the start.
    assert not _member("s232_aluminum_derivatives", "2203.00.00", on=dt.date(2025, 4, 3))
    assert _member("s232_aluminum_derivatives", "2203.00.00", on=dt.date(2025, 4, 4))
    assert _member("s232_aluminum_derivatives", "8708.10.30", on=dt.date(2025, 3, 12))


def test_tiers_of_2026_do_not_overlap_for_articles() -> None:
    tier50 = {r["hts_prefix"] for r in _rows("s232_metals_2026_tier50")}
    tier25 = {r["hts_prefix"] for r in _rows("s232_metals_2026_tier25")}
    tier15 = {r["hts_prefix"] for r in _rows("s232_metals_2026_tier15")}
    # Articles of steel (chapter 72) and of copper (chapter 74) sit in the 50% tier only.
    for code in tier25 | tier15:
        assert not code.startswith(("72", "74")), code
    assert {"7601", "7206"} <= tier50


@pytest.mark.shared
def test_shared_auto_parts_are_all_in_the_list(shared_dir: Path) -> None:
    codes = (shared_dir / "data" / "hts" / "s232_auto_parts.txt").read_text().split()
    listed = {r["hts_prefix"] for r in _rows("s232_auto_parts")}
    assert {c.strip() for c in codes} == listed


def _load_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("build_product_lists", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


@pytest.mark.shared
def test_committed_lists_match_the_build_script(shared_dir: Path, tmp_path: Path) -> None:
    build = _load_script()
    lists = build.build(shared_dir / "data" / "hts")
    build.write(lists, tmp_path)
    for path in sorted(tmp_path.iterdir()):
        committed = LIST_DIR / path.name
        assert committed.is_file(), f"{path.name} is built but not committed; rerun the script"
        assert committed.read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), (
            f"{path.name} differs from the script's output; rerun scripts/build_product_lists.py"
        )


def test_script_normalise_rejects_bad_codes() -> None:
    build = _load_script()
    assert build.normalise("8703.23.01") == "87032301"
    assert build.normalise("850511007000") == "8505110070"
    with pytest.raises(build.BuildError):
        build.normalise("8703.2")
