"""Scenario overlays and trees: composition, the baseline reproduced, the snapback counterfactual from the
law as written, and validation of bad files."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from tariffscope.errors import InputError, PolicyValidationError
from tariffscope.policy.collection import Policy
from tariffscope.policy.io import dump_measures
from tariffscope.policy.schedule import Schedule
from tariffscope.scenario.overlay import Operation, apply_overlay
from tariffscope.scenario.tree import load_scenario, parse_scenario, resolve

BASE = Schedule.default()
SC = load_scenario("us-japan-2025")


def _frame(codes: list[str], origin: str, days: list[str]) -> pl.DataFrame:
    return pl.DataFrame({"hts": [c for c in codes for _ in days], "origin": origin,
                         "entry_date": [d for _ in codes for d in days]})


@pytest.fixture(scope="module")
def sample_codes() -> list[str]:
    rng = np.random.default_rng(11)
    return list(rng.choice(BASE.hts.lines["hts10"].to_numpy(), 400, replace=False))


def test_repeating_the_timeline_reproduces_the_baseline(sample_codes: list[str]) -> None:
    """An overlay that adds every built-in measure again (same ids, same values) changes nothing."""
    ops = [Operation(op="add", measure=m) for m in Policy.builtin().measures]
    same = apply_overlay(Policy.builtin(), ops)
    assert set(same.measures) == set(Policy.builtin().measures)
    frame = _frame(sample_codes, "JPN", ["2025-04-09", "2025-08-20", "2025-10-01", "2026-03-01", "2026-05-01"])
    a = BASE.rates(frame)
    b = BASE.with_policy(same).rates(frame)
    assert a["total_rate"].to_list() == b["total_rate"].to_list()
    assert a["headings"].to_list() == b["headings"].to_list()
    # The "deal" branch is the built-in timeline itself.
    assert set(SC.policy("deal").measures) == set(Policy.builtin().measures)


def test_yaml_round_trip_of_measures() -> None:
    text = dump_measures(Policy.builtin().measures)
    from tariffscope.policy.io import parse_policy_text

    again = parse_policy_text(text, "roundtrip.yaml")
    assert {m.id: m for m in again} == {m.id: m for m in Policy.builtin().measures}


def test_snapback_is_the_law_as_written_for_every_product(sample_codes: list[str]) -> None:
    """Snapback: the suspended 24% (9903.01.53) resumes on 2025-07-09. For every product that no
    Section 232 list touches, the reciprocal layer then equals that of 2025-04-09, the one day it applied."""
    from tariffscope.data.product_lists import load_list
    from tariffscope.policy.collection import resolve_reference

    lists = {name for m in resolve_reference("tag:s232-metals", BASE.policy.measures) for name in m.products.lists}
    lists |= {n for t in ("s232-nonmetal", "s232-metal-full", "s232-metal-content")
              for m in resolve_reference(f"tag:{t}", BASE.policy.measures) for n in m.products.lists}
    prefixes = tuple(p for name in lists for p, _ in load_list(name))
    codes = [c for c in sample_codes if not c.startswith(prefixes)]
    assert len(codes) > 300
    snap = BASE.with_policy(SC.policy("snapback"))
    on_day = BASE.rates(_frame(codes, "JPN", ["2025-04-09"]))["rate_ieepa"].to_numpy()
    for day in ("2025-07-09", "2025-10-01", "2026-02-23"):
        after = snap.rates(_frame(codes, "JPN", [day]))["rate_ieepa"].to_numpy()
        np.testing.assert_allclose(after, on_day, atol=1e-12)
    assert snap.rate("9503000073", "JPN", "2025-07-08").total_rate == pytest.approx(0.10)  # still paused
    assert snap.rate("9503000073", "JPN", "2026-02-24").total_rate == pytest.approx(0.10)  # IEEPA void; s122


def test_overlays_compose_in_order() -> None:
    p = Policy.builtin()
    suspend = Operation(op="suspend", measures=("s232-autos",), from_date=dt.date(2025, 5, 1),
                        to_date=dt.date(2025, 5, 31))
    change = Operation(op="change", measures=("s232-autos",), from_date=dt.date(2025, 6, 1),
                       set=(("rate", 0.10),))
    s1 = BASE.with_policy(apply_overlay(p, [suspend, change]))
    # Suspended 232: the car is no longer a 232 good, so the 10% reciprocal baseline applies (note 2(v)).
    assert s1.rate("8703230190", "DEU", "2025-05-15").total_rate == pytest.approx(0.025 + 0.10)
    assert s1.rate("8703230190", "DEU", "2025-06-15").total_rate == pytest.approx(0.125)
    assert s1.rate("8703230190", "DEU", "2025-04-15").total_rate == pytest.approx(0.275)
    # The other order: the suspension applies to the original, which ends on 2025-05-31, so the same.
    s2 = BASE.with_policy(apply_overlay(p, [change, suspend]))
    assert s2.rate("8703230190", "DEU", "2025-06-15").total_rate == pytest.approx(0.125)
    # Japan's floor still excludes the changed copy from 2025-09-16 (the copy took the original's place).
    assert s1.rate("8703230190", "JPN", "2025-10-01").total_rate == pytest.approx(0.15)
    # remove from a date; exempt an origin from a date
    rm = BASE.with_policy(apply_overlay(p, [Operation(op="remove", measures=("s232-autos",),
                                                      from_date=dt.date(2025, 7, 1))]))
    assert rm.rate("8703230190", "DEU", "2025-06-30").total_rate == pytest.approx(0.275)
    assert rm.rate("8703230190", "DEU", "2025-07-01").total_rate == pytest.approx(0.025 + 0.10)
    ex = BASE.with_policy(apply_overlay(p, [Operation(op="exempt", measures=("tag:s232-autos",), origins=("DEU",),
                                                      from_date=dt.date(2025, 7, 1))]))
    assert ex.rate("8703230190", "FRA", "2025-07-15").total_rate == pytest.approx(0.275)


def test_branch_results() -> None:
    cases = {"snapback": 0.24, "deal": 0.15, "rollback": 0.0, "escalation": 0.25}
    for name, toy in cases.items():
        s = BASE.with_policy(SC.policy(name))
        assert s.rate("9503000073", "JPN", "2025-10-01").total_rate == pytest.approx(toy), name
    assert sum(leaf.probability for leaf in SC.leaves()) == pytest.approx(1.0)


def test_resolve() -> None:
    _sc, leaf = resolve("us-japan-2025:deal")
    assert leaf.name == "deal"
    with pytest.raises(InputError, match="pick one"):
        resolve("us-japan-2025")
    with pytest.raises(InputError, match="no branch 'bogus'"):
        resolve("us-japan-2025:bogus")
    with pytest.raises(InputError, match="unknown scenario"):
        resolve("no-such-scenario")


BAD = """
name: bad
date: 2031-01-01
root: a
nodes:
  - id: a
    deadline: 2025-07-09
    branches:
      - {name: x, probability: 0.5, next: b}
      - name: y
        probability: 0.3
        overlay:
          - {op: resume, measures: [no-such-measure], on: 2025-07-09}
          - {op: suspend, measures: [s232-autos], from: 2024-01-01}
          - {op: explode, measures: [s232-autos]}
  - id: b
    deadline: 2025-08-01
    branches:
      - {name: back, probability: 1.0, next: a}
"""


def test_bad_scenario_reports_every_problem() -> None:
    with pytest.raises(PolicyValidationError) as info:
        parse_scenario(BAD, "bad.yaml")
    text = str(info.value)
    for fragment in ("2031-01-01", "sum to 0.8", "explode", "2024-01-01", "cycle"):
        assert fragment in text, fragment
    assert "bad.yaml:" in text


def test_unknown_measure_in_overlay() -> None:
    text = """
name: t
overlay:
  - {op: resume, measures: [no-such-measure], on: 2025-07-09}
"""
    with pytest.raises(PolicyValidationError, match="no-such-measure"):
        parse_scenario(text, "t.yaml")
