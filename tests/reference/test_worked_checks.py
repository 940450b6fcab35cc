"""Worked checks of the law, Japanese origin.

Source: ``shared/policy/us-measures-2025-2026.md``, table "Worked checks (Japanese origin)", compiled
from EO 14257, EO 14345 (90 FR 44638), Proclamations 10908, 10947 and the Section 122 proclamation, and
HTSUS ch. 99 (2026 Rev. 6) headings 9903.01.25, 9903.02.72/.73, 9903.94.01/.40/.41, 9903.81.87, 9903.03.01.
Tolerance: exact to 1e-9 (ad valorem arithmetic).

| Good | MFN | 2025-04-05 -> 2025-08-06 | from 2025-08-07 | from 2025-09-16 | from 2026-02-24 |
| Passenger car 8703.23.01 | 2.5% | 27.5% (from 2025-04-03) | 27.5% | 15% | 15% |
| Duty-free good, not exempt, not 232 | 0% | 10% | 15% | 15% | 10% |
| Steel plate, chapter 72 | 0% | 25%, 50% from 2025-06-04 | 50% | 50% | 50% |
"""

from __future__ import annotations

import pytest

from tariffscope.policy.schedule import Schedule

CAR = "8703.23.0190"  # passenger car, 1,500-3,000 cc, MFN 2.5%
TOY = "9503.00.0073"  # toys, MFN Free, not in Annex II, not under any Section 232 heading
STEEL_PLATE = "7208.51.0030"  # hot-rolled flat steel plate, MFN Free, chapter 72

# (hts, entry date, expected total rate); dates on both sides of every change in the table.
CASES = [
    (CAR, "2025-03-31", 0.025),
    (CAR, "2025-04-03", 0.275),
    (CAR, "2025-04-05", 0.275),
    (CAR, "2025-06-01", 0.275),
    (CAR, "2025-08-06", 0.275),
    (CAR, "2025-08-07", 0.275),
    (CAR, "2025-09-15", 0.275),
    (CAR, "2025-09-16", 0.15),
    (CAR, "2025-09-20", 0.15),
    (CAR, "2026-02-24", 0.15),
    (CAR, "2026-06-01", 0.15),
    (TOY, "2025-04-04", 0.0),
    (TOY, "2025-04-05", 0.10),
    (TOY, "2025-04-10", 0.10),
    (TOY, "2025-08-06", 0.10),
    (TOY, "2025-08-07", 0.15),
    (TOY, "2025-09-16", 0.15),
    (TOY, "2026-02-23", 0.15),
    (TOY, "2026-02-24", 0.10),
    (TOY, "2026-07-23", 0.10),
    (TOY, "2026-07-24", 0.0),
    (STEEL_PLATE, "2025-03-11", 0.0),
    (STEEL_PLATE, "2025-03-12", 0.25),
    (STEEL_PLATE, "2025-04-05", 0.25),
    (STEEL_PLATE, "2025-06-03", 0.25),
    (STEEL_PLATE, "2025-06-04", 0.50),
    (STEEL_PLATE, "2025-08-07", 0.50),
    (STEEL_PLATE, "2025-09-16", 0.50),
    (STEEL_PLATE, "2026-02-24", 0.50),
]


@pytest.fixture(scope="module")
def schedule() -> Schedule:
    return Schedule.default()


@pytest.mark.parametrize(("hts", "day", "expected"), CASES)
def test_worked_check(schedule: Schedule, hts: str, day: str, expected: float) -> None:
    assert schedule.rate(hts, "JPN", day).total_rate == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(("hts", "day", "expected"), CASES)
def test_worked_check_vectorised(schedule: Schedule, hts: str, day: str, expected: float) -> None:
    import polars as pl

    out = schedule.rates(pl.DataFrame({"hts": [hts], "origin": ["Japan"], "entry_date": [day]}))
    assert out["total_rate"][0] == pytest.approx(expected, abs=1e-9)


def test_issue_example_layers(schedule: Schedule) -> None:
    """The issue's example: 27.5% = MFN 2.5% (8703.23.01) + 25% (9903.94.01); reciprocal excluded (note 2(v))."""
    r = schedule.rate("8703.23.0190", "JPN", "2025-06-01")
    applied = {layer.heading: layer.rate for layer in r.layers if layer.applies}
    assert applied == {"8703.23.01": pytest.approx(0.025), "9903.94.01": pytest.approx(0.25)}
    baseline = next(layer for layer in r.layers if layer.heading == "9903.01.25")
    assert not baseline.applies and "2(v)" in baseline.reason
    later = schedule.rate("8703.23.0190", "JPN", "2025-09-20")
    assert [la.heading for la in later.layers if la.applies] == ["8703.23.01", "9903.94.41"]
    assert later.total_rate == pytest.approx(0.15)


def test_light_truck_mfn_above_floor(schedule: Schedule) -> None:
    """US note 33(k),(m): MFN 25% >= 15%, so no 232 duty from 2025-09-16; heading 9903.94.40."""
    r = schedule.rate("8704.21.0100", "JPN", "2025-09-20")
    assert r.total_rate == pytest.approx(0.25)
    assert "9903.94.40" in [la.heading for la in r.layers if la.applies]
    assert schedule.rate("8704.21.0100", "JPN", "2025-06-01").total_rate == pytest.approx(0.50)


def test_reciprocal_floor_mfn_above_15(schedule: Schedule) -> None:
    """9903.02.72: Japanese goods with MFN >= 15% pay no reciprocal duty from 2025-08-07."""
    r = schedule.rate("6401.10.0000", "JPN", "2025-08-20")  # rubber footwear, MFN 37.5%
    assert r.total_rate == pytest.approx(0.375)
    assert "9903.02.72" in [la.heading for la in r.layers if la.applies]
    # Before the deal the same shoes paid the 10% baseline on top.
    assert schedule.rate("6401.10.0000", "JPN", "2025-06-01").total_rate == pytest.approx(0.475)


def test_reciprocal_floor_mfn_below_15(schedule: Schedule) -> None:
    """9903.02.73: MFN < 15% -> reciprocal = 15% - MFN, total 15%."""
    r = schedule.rate("7326.11.0000", "JPN", "2025-08-20", metal_share=0.0)  # MFN Free; steel derivative
    assert r.total_rate == pytest.approx(0.15)


@pytest.mark.parametrize(
    ("origin", "day", "expected"),
    [
        # HTSUS ch. 99 (2026 Rev. 6) US note 33(n), headings 9903.94.50/.51: EU vehicles all-in 15%.
        ("DEU", "2025-07-31", 0.275), ("DEU", "2025-08-01", 0.15), ("FRA", "2025-10-01", 0.15),
        # US note 33(s), headings 9903.94.60/.61: Korean vehicles all-in 15%.
        ("KOR", "2025-10-31", 0.275), ("KOR", "2025-11-01", 0.15),
        # No deal: Mexican vehicles (USMCA content not modelled) pay MFN + 25%.
        ("MEX", "2025-11-01", 0.275),
    ],
)
def test_other_partners_cars(schedule: Schedule, origin: str, day: str, expected: float) -> None:
    assert schedule.rate(CAR, origin, day).total_rate == pytest.approx(expected, abs=1e-9)
