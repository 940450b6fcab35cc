"""Invariants of the rule engine (hypothesis): no negative rates; a measure outside its window changes
nothing; results do not depend on the order of measures; the vectorised and single-line paths agree."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tariffscope.policy.collection import Policy
from tariffscope.policy.schedule import Schedule

SCHEDULE = Schedule.default()
CODES = SCHEDULE.hts.lines["hts10"].to_list()
ORIGINS = ["JPN", "CHN", "DEU", "VNM", "MEX", "CAN", "KOR", "GBR", "IND", "BRA", "CHE", "AUS", "ZAF"]
START, END = dt.date(2025, 1, 1), dt.date(2026, 12, 31)

codes = st.sampled_from(CODES)
origins = st.sampled_from(ORIGINS)
days = st.dates(min_value=START, max_value=END)
shares = st.one_of(st.none(), st.floats(min_value=0.0, max_value=1.0))
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(code=codes, origin=origins, day=days, metal=shares, us=shares,
       load_offset=st.one_of(st.none(), st.integers(min_value=0, max_value=120)))
def test_no_negative_rates(code: str, origin: str, day: dt.date, metal: float | None, us: float | None,
                           load_offset: int | None) -> None:
    load = day - dt.timedelta(days=load_offset) if load_offset is not None else None
    r = SCHEDULE.rate(code, origin, day, load_date=load, metal_share=metal, us_content_share=us)
    assert r.total_rate >= 0
    assert all(layer.rate >= 0 for layer in r.layers)
    assert r.total_rate == pytest.approx(sum(la.rate for la in r.layers if la.applies))


@SETTINGS
@given(code=codes, origin=origins, day=days, metal=shares, us=shares)
def test_single_line_equals_vectorised(code: str, origin: str, day: dt.date, metal: float | None,
                                       us: float | None) -> None:
    r = SCHEDULE.rate(code, origin, day, metal_share=metal, us_content_share=us)
    frame = pl.DataFrame({"hts": [code], "origin": [origin], "entry_date": [day],
                          "metal_share": [metal], "us_content_share": [us]},
                         schema_overrides={"metal_share": pl.Float64, "us_content_share": pl.Float64})
    out = SCHEDULE.rates(frame)
    assert out["total_rate"][0] == pytest.approx(r.total_rate, abs=1e-12)
    applied = [la.heading for la in r.layers if la.applies and la.authority != "MFN"]
    assert (out["headings"][0] or "") == ";".join(applied)


@pytest.fixture(scope="module")
def sample() -> pl.DataFrame:
    rng = np.random.default_rng(7)
    n = 3000
    return pl.DataFrame({
        "hts": rng.choice(CODES, n),
        "origin": rng.choice(ORIGINS, n),
        "entry_date": [START + dt.timedelta(days=int(x)) for x in rng.integers(0, (END - START).days, n)],
    })


def test_measure_outside_window_changes_nothing(sample: pl.DataFrame) -> None:
    """Removing a measure changes no line whose date lies outside that measure's window (every measure)."""
    base = SCHEDULE.rates(sample)["total_rate"].to_numpy()
    policy = SCHEDULE.policy
    days = sample["entry_date"].to_list()
    rng = random.Random(3)
    for m in rng.sample(list(policy.measures), 25):
        outside = np.array([not m.in_window(d) for d in days])
        if not outside.any():
            continue
        without = Schedule(policy.without([m.id]), SCHEDULE.hts).rates(sample)["total_rate"].to_numpy()
        np.testing.assert_allclose(without[outside], base[outside], atol=1e-12, err_msg=m.id)


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_order_of_measures_does_not_matter(seed: int) -> None:
    measures = list(SCHEDULE.policy.measures)
    random.Random(seed).shuffle(measures)
    shuffled = Schedule(Policy(tuple(measures)), SCHEDULE.hts)
    frame = pl.DataFrame({"hts": ["8703230190", "9503000073", "7326200010", "6401100000"] * 3,
                          "origin": ["JPN"] * 4 + ["VNM"] * 4 + ["DEU"] * 4,
                          "entry_date": ["2025-06-01"] * 4 + ["2025-08-20"] * 4 + ["2026-03-01"] * 4})
    a = SCHEDULE.rates(frame)
    b = shuffled.rates(frame)
    assert a["total_rate"].to_list() == b["total_rate"].to_list()
    assert a["headings"].to_list() == b["headings"].to_list()


@SETTINGS
@given(code=codes, origin=origins, day=days)
def test_suspended_measure_never_applies(code: str, origin: str, day: dt.date) -> None:
    r = SCHEDULE.rate(code, origin, day)
    for layer in r.layers:
        if layer.applies and layer.measure_id != "mfn":
            m = SCHEDULE.policy.get(layer.measure_id)
            assert m.in_force(day)
