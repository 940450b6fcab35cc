"""The built-in policy file of other partners' IEEPA reciprocal rates (ieepa_reciprocal_partners.yaml).

Known values are checked against the HTSUS Chapter 99 text, 2026 Rev. 6 (headings 9903.01.43-.76 and
U.S. note 2(v)(xviii) for phase 1; 9903.02.02-.71 for phase 2; 9903.02.79-.88 for the later floors).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from tariffscope.data.countries import expand_origins

FILE = Path(str(resources.files("tariffscope"))) / "policy" / "builtin" / "ieepa_reciprocal_partners.yaml"
ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "build_reciprocal_partners.py"
CH99_TEXT = ROOT.parent / "shared" / "data" / "hts" / "chapter99_2026_rev6.txt"
IEEPA_END = dt.date(2026, 2, 23)


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    loaded = yaml.safe_load(FILE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def by_id(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["id"]: m for m in data["measures"]}


def test_file_parses(data: dict[str, Any]) -> None:
    assert data["source"]
    assert isinstance(data["measures"], list)
    assert len(data["measures"]) > 100


def test_ids_unique_and_well_formed(data: dict[str, Any]) -> None:
    ids = [m["id"] for m in data["measures"]]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9-]*", i) for i in ids)


def test_rates_are_fractions(data: dict[str, Any]) -> None:
    for m in data["measures"]:
        assert 0 <= m["rate"] < 1, m["id"]


def test_every_origin_maps(data: dict[str, Any]) -> None:
    for m in data["measures"]:
        assert m["origins"]["include"], m["id"]
        assert expand_origins(m["origins"]["include"]), m["id"]


def test_japan_and_china_are_not_here(data: dict[str, Any]) -> None:
    origins = set().union(*(expand_origins(m["origins"]["include"]) for m in data["measures"]))
    assert "JPN" not in origins
    assert "CHN" not in origins


def test_common_fields(data: dict[str, Any]) -> None:
    for m in data["measures"]:
        assert m["authority"] == "IEEPA"
        assert m["citation"]
        assert re.fullmatch(r"9903\.0[12]\.\d{2}", m["heading"]), m["id"]
        assert "tag:s232-nonmetal" in m["excluded_by"] and "tag:s232-metal-full" in m["excluded_by"]
        assert m["end"] <= IEEPA_END, m["id"]
        assert m["start"] <= m["end"], m["id"]
        if m["id"].startswith("ieepa-recip-"):
            assert m["tags"] == ["ieepa-reciprocal", "ieepa-country-rate"]
            assert m["products"]["include"] == ["*"]
            assert m["products"]["exclude_lists"][0] == "ieepa_exempt"
            if not m["id"].endswith(("-floor", "-framework")):
                assert m["products"]["exclude_lists"] == ["ieepa_exempt"]
            assert m["metal_remainder"] is True and m["us_content_carveout"] is True


def test_excluded_by_ids_exist(by_id: dict[str, dict[str, Any]]) -> None:
    for m in by_id.values():
        for ref in m["excluded_by"]:
            assert ref.startswith("tag:") or ref in by_id, (m["id"], ref)


def test_phase1_shape(by_id: dict[str, dict[str, Any]]) -> None:
    phase1 = [m for i, m in by_id.items() if i.endswith("-p1")]
    assert len(phase1) == 55  # the 57 partners of U.S. note 2(v)(xviii) less China and Japan
    for m in phase1:
        assert m["start"] == dt.date(2025, 4, 9)
        assert m["end"] == dt.date(2025, 8, 6)
        assert m["suspended"][0]["start"] == dt.date(2025, 4, 10)
        assert m["suspended"][0]["end"] == dt.date(2025, 8, 6)
        assert m["in_transit"]["loaded_before"] == dt.date(2025, 4, 9)
        successor = m["id"].replace("-p1", "-p2")
        if successor in by_id:
            assert successor in m["excluded_by"]


def test_phase2_shape(by_id: dict[str, dict[str, Any]]) -> None:
    phase2 = [m for i, m in by_id.items() if i.endswith("-p2")]
    assert len(phase2) == 68
    for m in phase2:
        assert m["start"] == dt.date(2025, 8, 7)
        assert m["in_transit"] == {
            "loaded_before": dt.date(2025, 8, 7),
            "entered_before": dt.date(2025, 10, 5),
        }
        assert m["suspended"] == []


@pytest.mark.parametrize(
    ("mid", "heading", "rate"),
    [
        ("ieepa-recip-vnm-p1", "9903.01.72", 0.46),
        ("ieepa-recip-vnm-p2", "9903.02.69", 0.20),
        ("ieepa-recip-eu-p1", "9903.01.50", 0.20),
        ("ieepa-recip-che-p1", "9903.01.60", 0.31),
        ("ieepa-recip-che-p2", "9903.02.58", 0.39),
        ("ieepa-recip-ind-p1", "9903.01.55", 0.26),
        ("ieepa-recip-ind-p2", "9903.02.26", 0.25),
        ("ieepa-recip-khm-p1", "9903.01.75", 0.49),
        ("ieepa-recip-lso-p1", "9903.01.76", 0.50),
        ("ieepa-recip-twn-p1", "9903.01.61", 0.32),
        ("ieepa-recip-twn-p2", "9903.02.60", 0.20),
        ("ieepa-recip-kor-p1", "9903.01.54", 0.25),
        ("ieepa-recip-kor-p2", "9903.02.56", 0.15),
        ("ieepa-recip-lie-p1", "9903.01.66", 0.37),
        ("ieepa-recip-lie-p2", "9903.02.36", 0.15),
        ("ieepa-recip-bra-p2", "9903.02.09", 0.10),
        ("ieepa-recip-gbr-p2", "9903.02.66", 0.10),
        ("ieepa-recip-syr-p2", "9903.02.59", 0.41),
        ("ieepa-brazil-eo14323", "9903.01.77", 0.40),
        ("ieepa-india-eo14329", "9903.01.84", 0.25),
    ],
)
def test_known_rates(by_id: dict[str, dict[str, Any]], mid: str, heading: str, rate: float) -> None:
    m = by_id[mid]
    assert m["heading"] == heading
    assert m["rate"] == pytest.approx(rate)
    assert m["stacking"] == "additive"


def test_eu_phase2_is_a_floor(by_id: dict[str, dict[str, Any]]) -> None:
    early, later = by_id["ieepa-recip-eu-p2"], by_id["ieepa-recip-eu-p2-framework"]
    for eu in (early, later):
        assert eu["origins"]["include"] == ["EU"]
        key = (eu["stacking"], eu["rate"], eu["heading"], eu["alt_heading"])
        assert key == ("floor", 0.15, "9903.02.20", "9903.02.19")
    # the framework exemptions (9903.02.74-.77) apply from 2025-09-01
    assert (early["start"], early["end"]) == (dt.date(2025, 8, 7), dt.date(2025, 8, 31))
    assert (later["start"], later["end"]) == (dt.date(2025, 9, 1), IEEPA_END)
    assert early["products"]["exclude_lists"] == ["ieepa_exempt"]
    assert "floor_exempt_eu_ptaap" in later["products"]["exclude_lists"]


@pytest.mark.parametrize(
    ("iso", "heading", "alt"),
    [
        ("kor", "9903.02.80", "9903.02.79"),
        ("che", "9903.02.83", "9903.02.82"),
        ("lie", "9903.02.88", "9903.02.87"),
    ],
)
def test_later_floors_follow_phase2(
    by_id: dict[str, dict[str, Any]], iso: str, heading: str, alt: str
) -> None:
    p2, floor = by_id[f"ieepa-recip-{iso}-p2"], by_id[f"ieepa-recip-{iso}-floor"]
    assert p2["end"] == dt.date(2025, 11, 13)
    assert floor["start"] == dt.date(2025, 11, 14)
    assert (floor["stacking"], floor["rate"], floor["heading"], floor["alt_heading"]) == (
        "floor",
        0.15,
        heading,
        alt,
    )
    assert floor["end"] == IEEPA_END
    assert any(name.startswith("floor_exempt_") for name in floor["products"]["exclude_lists"])


def test_country_addons(by_id: dict[str, dict[str, Any]]) -> None:
    bra = by_id["ieepa-brazil-eo14323"]
    assert bra["start"] == dt.date(2025, 8, 6)
    assert bra["in_transit"] == {"loaded_before": dt.date(2025, 8, 6), "entered_before": dt.date(2025, 10, 5)}
    assert len(bra["products"]["exclude"]) > 300  # U.S. note 2(x)(iii)(a)
    ind = by_id["ieepa-india-eo14329"]
    assert (ind["start"], ind["end"]) == (dt.date(2025, 8, 27), dt.date(2026, 2, 6))
    assert ind["in_transit"] == {
        "loaded_before": dt.date(2025, 8, 27),
        "entered_before": dt.date(2025, 9, 17),
    }
    for m in (bra, ind):
        assert "ieepa-country-rate" not in m["tags"]  # an add-on, on top of the reciprocal rate
        assert "tag:s232-metal-content" in m["excluded_by"]  # 232 derivatives excluded in full
        assert m["metal_remainder"] is False


def test_loads_with_the_policy_loader() -> None:
    io = pytest.importorskip("tariffscope.policy.io")
    product_lists = pytest.importorskip("tariffscope.data.product_lists")
    data = yaml.safe_load(FILE.read_text(encoding="utf-8"))
    needed = {name for m in data["measures"] for name in m["products"].get("exclude_lists", [])}
    missing = needed - set(product_lists.available_lists())
    if missing:
        pytest.skip(f"product lists not built yet: {sorted(missing)}")
    measures = io.parse_policy_text(FILE.read_text(encoding="utf-8"), str(FILE))
    assert len(measures) == len(data["measures"])


@pytest.mark.shared
@pytest.mark.skipif(not CH99_TEXT.exists(), reason="../shared/data/hts/chapter99_2026_rev6.txt not present")
def test_file_is_what_the_script_builds(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("build_reciprocal_partners", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the script loads
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    out = tmp_path / "out.yaml"
    assert module.main(["--text", str(CH99_TEXT), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == FILE.read_text(encoding="utf-8")
