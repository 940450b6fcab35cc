"""Evaluating product and origin scopes, vectorised over the whole HTS and every country.

A product scope becomes, for each HTS10 code, the first entry day on which the code is covered
(``ALWAYS`` when covered from the beginning, ``NEVER`` when not covered), because product lists can gain
rows on later dates (e.g. the 2025-08-18 derivative inclusions). Days count from 1970-01-01.

>>> import numpy as np
>>> from tariffscope.policy.measure import ProductScope
>>> inc, exc = product_scope_days(ProductScope(include=("8703",), exclude=("87032401",)),
...                               np.array(["8703230190", "8703240150", "7208510030"]))
>>> (inc == ALWAYS).tolist(), (exc == ALWAYS).tolist()
([True, True, False], [False, True, False])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from tariffscope.policy.measure import Measure, OriginScope, ProductScope

ALWAYS = int(np.iinfo(np.int32).min)
NEVER = int(np.iinfo(np.int32).max)
_EPOCH = dt.date(1970, 1, 1)
PREFIX_LENGTHS = (2, 4, 6, 8, 10)


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01 (the engine's integer date)."""
    return (day - _EPOCH).days


def day_from_number(n: int) -> dt.date:
    """Inverse of :func:`day_number`."""
    return _EPOCH + dt.timedelta(days=int(n))


def prefix_table(codes: np.ndarray) -> dict[int, np.ndarray]:
    """For each prefix length, the codes truncated to that length (computed once per HTS universe)."""
    arr = np.asarray(codes, dtype="U10")
    return {n: arr.astype(f"U{n}") for n in PREFIX_LENGTHS}


def _entries(prefixes: Iterable[str], lists: Iterable[str]) -> dict[str, int]:
    """prefix -> first day it is covered, from plain prefixes (always) and product lists."""
    from tariffscope.data.product_lists import load_list

    out: dict[str, int] = {}
    for p in prefixes:
        out[p] = ALWAYS
    for name in lists:
        for prefix, eff in load_list(name):
            day = ALWAYS if eff is None else day_number(eff)
            if day < out.get(prefix, NEVER):
                out[prefix] = day
    return out


def _first_day(entries: dict[str, int], table: dict[int, np.ndarray], n: int) -> np.ndarray:
    result = np.full(n, NEVER, dtype=np.int64)
    if "*" in entries:
        result[:] = entries["*"]
    by_len: dict[int, dict[str, int]] = {}
    for p, d in entries.items():
        if p != "*":
            by_len.setdefault(len(p), {})[p] = d
    for length, mapping in by_len.items():
        if length not in table:
            continue
        keys = pd.Index(list(mapping.keys()))
        vals = np.fromiter(mapping.values(), dtype=np.int64, count=len(mapping))
        idx = keys.get_indexer(pd.Index(table[length]))
        hit = idx >= 0
        result[hit] = np.minimum(result[hit], vals[idx[hit]])
    return result


def product_scope_days(scope: ProductScope, codes: np.ndarray, table: dict[int, np.ndarray] | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """First covered day of each code by the include side and by the exclude side of ``scope``.

    A code is in scope on day ``d`` when ``inc[i] <= d`` and not ``exc[i] <= d``.
    """
    table = table if table is not None else prefix_table(codes)
    n = len(codes)
    inc = _first_day(_entries(scope.include, scope.lists), table, n)
    exc = _first_day(_entries(scope.exclude, scope.exclude_lists), table, n)
    return inc, exc


def origin_mask(scope: OriginScope, countries: np.ndarray) -> np.ndarray:
    """Boolean mask over ``countries`` (ISO3) of the origins the scope covers."""
    from tariffscope.data.countries import expand_origins

    inc = expand_origins(scope.include)
    exc = expand_origins(scope.exclude) if scope.exclude else frozenset()
    covered = inc - exc
    return np.isin(np.asarray(countries), np.array(sorted(covered), dtype=object))


def origins_overlap(a: Measure, b: Measure) -> bool:
    """True when two measures cover at least one common origin."""
    from tariffscope.data.countries import expand_origins

    sa = expand_origins(a.origins.include) - expand_origins(a.origins.exclude)
    sb = expand_origins(b.origins.include) - expand_origins(b.origins.exclude)
    return bool(sa & sb)


def _prefixes(scope: ProductScope) -> set[str]:
    from tariffscope.data.product_lists import load_list

    out = set(scope.include)
    for name in scope.lists:
        out |= {p for p, _ in load_list(name)}
    return out


def products_overlap(a: Measure, b: Measure) -> bool:
    """True when some include prefix of one measure is a prefix of (or equal to) one of the other's.

    Exclusions are ignored: the test is for a possible overlap, used to flag contradictions."""
    pa, pb = _prefixes(a.products), _prefixes(b.products)
    if "*" in pa or "*" in pb:
        return bool(pa and pb)
    for p in pa:
        for q in pb:
            if p.startswith(q) or q.startswith(p):
                return True
    return False
