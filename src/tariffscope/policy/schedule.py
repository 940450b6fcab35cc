"""The rule engine: the duty on any US entry, layer by layer, on any date.

:class:`Schedule` joins an HTS schedule (MFN column 1 rates) with a :class:`Policy` (Chapter 99
measures). One vectorised core evaluates every measure over arrays of entry lines; the single-line
:meth:`Schedule.rate` runs the same core on one line and explains each layer, so the two can never
disagree.

Stacking (the law, `../shared/policy/us-measures-2025-2026.md` and HTSUS ch. 99):

* MFN always applies; additional duties add ``rate x basis`` ("duty in the subheading + X%");
* a floor measure adds ``max(0, floor - MFN ad valorem equivalent)`` on its basis ("all-in 15%",
  EO 14345 for Japan);
* a measure does not apply while any measure in its ``excluded_by`` list applies (US note 2(v): no
  reciprocal duty on goods under the Section 232 autos, parts, trucks, copper, timber, semiconductor
  headings);
* a ``metal_content`` measure is charged on the metal share of customs value, and ``metal_remainder``
  measures (reciprocal, Section 122) on the rest (Procl. 10947, 2025-06-04 to 2026-04-05);
* with at least 20% US content, IEEPA duties are charged on the non-US share only (EO 14257 sec. 3(d)).

>>> import datetime as dt
>>> s = Schedule.default()
>>> r = s.rate("8703.23.0190", "JPN", dt.date(2025, 6, 1))
>>> round(r.total_rate, 4)
0.275
>>> [l.heading for l in r.layers if l.applies]
['8703.23.01', '9903.94.01']
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from tariffscope.errors import DateOutOfRangeError, InputError, UnknownHTSCodeError
from tariffscope.policy.collection import Policy
from tariffscope.policy.measure import US_CONTENT_THRESHOLD, Measure
from tariffscope.policy.scope import (
    ALWAYS,
    NEVER,
    day_number,
    origin_mask,
    prefix_table,
    product_scope_days,
)

MetalShareDefault = Literal["full", "bea"]

#: Compiled product scopes by HTS table and scope value, shared by the schedules of one table (scenario
#: branches); entries go when their table does.
_SCOPE_CACHE: weakref.WeakKeyDictionary[Any, dict[Any, tuple[np.ndarray, np.ndarray]]] = weakref.WeakKeyDictionary()

#: The first entry date the bundled schedule covers (HTS 2025 Basic Edition, effective 2025-01-01).
FIRST_DATE = dt.date(2025, 1, 1)

_AUTHORITY_COLUMNS = {
    "Section 232": "rate_section_232",
    "IEEPA": "rate_ieepa",
    "Section 122": "rate_section_122",
    "Section 301": "rate_section_301",
    "Section 201": "rate_section_201",
    "Other": "rate_other",
}


def format_hts(code: str) -> str:
    """Dotted form of an HTS code: ``'8703230190'`` -> ``'8703.23.01.90'`` (see
    :func:`tariffscope.data.hts.format_hts_code`).

    >>> format_hts("87032301")
    '8703.23.01'
    """
    from tariffscope.data.hts import format_hts_code

    return format_hts_code(code)


@dataclass(frozen=True)
class Layer:
    """One layer of an applied rate: MFN or one Chapter 99 measure, with why it does or does not apply.

    ``rate`` is the layer's contribution to the total, as a fraction of customs value (a floor that adds
    nothing contributes 0; a metal-content duty of 50% on a 40% metal share contributes 0.20)."""

    heading: str
    authority: str
    rate: float
    applies: bool
    reason: str
    measure_id: str = "mfn"
    title: str = ""
    citation: str = ""
    nominal_rate: float = 0.0
    basis_share: float = 1.0
    duty: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "heading": self.heading,
            "authority": self.authority,
            "rate": self.rate,
            "applies": self.applies,
            "reason": self.reason,
            "measure_id": self.measure_id,
            "title": self.title,
            "citation": self.citation,
            "nominal_rate": self.nominal_rate,
            "basis_share": self.basis_share,
            "duty": self.duty,
        }


@dataclass(frozen=True)
class AppliedRate:
    """The total duty rate of one product, origin and entry date, with the layers that make it."""

    hts: str
    origin: str
    entry_date: dt.date
    total_rate: float
    mfn_rate: float
    layers: tuple[Layer, ...]
    load_date: dt.date | None = None
    customs_value: float | None = None
    duty: float | None = None
    description: str = ""
    notes: tuple[str, ...] = ()

    @property
    def additional_rate(self) -> float:
        """Everything above MFN."""
        return self.total_rate - self.mfn_rate

    def to_dict(self) -> dict[str, Any]:
        return {
            "hts": self.hts,
            "origin": self.origin,
            "entry_date": self.entry_date.isoformat(),
            "load_date": self.load_date.isoformat() if self.load_date else None,
            "total_rate": self.total_rate,
            "mfn_rate": self.mfn_rate,
            "additional_rate": self.additional_rate,
            "customs_value": self.customs_value,
            "duty": self.duty,
            "description": self.description,
            "layers": [layer.to_dict() for layer in self.layers],
            "notes": list(self.notes),
        }

    def summary(self) -> str:
        """A few lines of text: the total and each layer."""
        lines = [
            f"{format_hts(self.hts)} from {self.origin} entered {self.entry_date}: "
            f"total {100 * self.total_rate:.2f}%"
        ]
        for layer in self.layers:
            mark = "+" if layer.applies else "-"
            lines.append(f"  {mark} {layer.heading:<11} {layer.authority:<12} {100 * layer.rate:6.2f}%  {layer.reason}")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)


@dataclass(frozen=True)
class _Compiled:
    """Arrays of the HTS and country universes and of every measure, for the vectorised core."""

    codes: np.ndarray  # sorted HTS10 codes
    code_index: pd.Index
    adval: np.ndarray
    specific: np.ndarray
    specific_count: np.ndarray
    countries: np.ndarray  # sorted ISO3
    country_index: pd.Index
    measures: tuple[Measure, ...]
    inc: tuple[np.ndarray, ...]  # first covered day per code, include side
    exc: tuple[np.ndarray, ...]  # first covered day per code, exclude side
    origin_ok: tuple[np.ndarray, ...]
    excluders: tuple[tuple[int, ...], ...]
    inc_static: tuple[np.ndarray | None, ...]  # covered from the start (no dated list rows), else None
    exc_static: tuple[np.ndarray | None, ...]
    exc_any: tuple[bool, ...]
    metal_shares: dict[str, np.ndarray] = field(default_factory=dict)


_MISSING_DAY = np.iinfo(np.int64).min


def _day_numbers(series: Any, name: str, allow_missing: bool = False) -> np.ndarray:
    """A polars column of dates (Date, Datetime or ISO text) as int64 day numbers.

    Missing values raise, unless ``allow_missing`` (then they become a sentinel below every date)."""
    import polars as pl

    if series.dtype == pl.Date:
        dates = series
    elif isinstance(series.dtype, pl.Datetime):
        dates = series.dt.date()
    else:
        text = series.cast(pl.Utf8)
        dates = text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
        bad = dates.is_null() & text.is_not_null()
        if bad.any():
            raise InputError(f"{name} '{text.filter(bad)[0]}' is not a date; write YYYY-MM-DD")
    if dates.null_count():
        if not allow_missing:
            raise InputError(f"column '{name}' has an empty date; every line needs one (YYYY-MM-DD)")
        return dates.cast(pl.Int64).fill_null(_MISSING_DAY).to_numpy()
    return dates.cast(pl.Int64).to_numpy()


def normalize_hts(code: Any) -> str:
    """An HTS code without dots or spaces, validated: 2, 4, 6, 8 or 10 digits (see
    :func:`tariffscope.data.hts.normalize_hts_code`; numbers are accepted too, as text).

    >>> normalize_hts("8703.23.01.90")
    '8703230190'
    """
    from tariffscope.data.hts import normalize_hts_code

    return normalize_hts_code(str(code).strip())


class Schedule:
    """The US tariff schedule on any date: MFN rates from the HTS plus the measures of a policy.

    Parameters
    ----------
    policy
        The measures; the built-in timeline by default.
    hts
        An :class:`~tariffscope.data.hts.HTSTable`; the bundled 2025 Basic Edition by default.
    metal_share_default
        What a metal-content measure is charged on when no metal share is given: ``'full'`` (the full
        customs value, CBP's rule when the content is not declared; the default) or ``'bea'`` (the
        BEA input-output estimate of the product's metal content, for estimates of effective rates).
    first_date
        Entry dates before this raise :class:`~tariffscope.errors.DateOutOfRangeError`.
    """

    def __init__(
        self,
        policy: Policy | None = None,
        hts: Any = None,
        metal_share_default: MetalShareDefault = "full",
        first_date: dt.date = FIRST_DATE,
    ) -> None:
        if metal_share_default not in ("full", "bea"):
            raise InputError(f"metal_share_default must be 'full' or 'bea'; got {metal_share_default!r}")
        from tariffscope.data.hts import load_default_hts

        self.policy = policy if policy is not None else Policy.builtin()
        self.hts = hts if hts is not None else load_default_hts()
        self.metal_share_default: MetalShareDefault = metal_share_default
        self.first_date = first_date
        self._gtap_cache: Any = None  # set by tariffscope.policy.effective

    @classmethod
    def default(cls) -> Schedule:
        """The bundled HTS with the built-in policy (cached)."""
        return _default_schedule()

    def with_policy(self, policy: Policy) -> Schedule:
        """The same HTS under another policy (e.g. a scenario)."""
        return Schedule(policy, self.hts, self.metal_share_default, self.first_date)

    # -- compilation -------------------------------------------------------------------------------
    @functools.cached_property
    def _c(self) -> _Compiled:
        from tariffscope.data.countries import all_countries

        lines = self.hts.lines
        frame = lines.select(
            ["hts10", "mfn_ad_valorem", "mfn_specific", "mfn_specific_count"]
        ).to_pandas().sort_values("hts10", kind="stable")
        codes = frame["hts10"].to_numpy(dtype="U10")
        table = prefix_table(codes)
        measures = self.policy.measures
        # Product scopes are shared across schedules of the same HTS table (scenario branches).
        cache = _SCOPE_CACHE.setdefault(self.hts, {})
        inc: list[np.ndarray] = []
        exc: list[np.ndarray] = []
        for m in measures:
            if m.products not in cache:
                i, e = product_scope_days(m.products, codes, table)
                cache[m.products] = (i.astype(np.int64), e.astype(np.int64))
            i, e = cache[m.products]
            inc.append(i)
            exc.append(e)
        countries = np.array(sorted(c.iso3 for c in all_countries()), dtype=object)
        origin_ok = tuple(origin_mask(m.origins, countries) for m in measures)
        pos = {m.id: k for k, m in enumerate(measures)}
        excl_ids = self.policy.excluders()
        excluders = tuple(tuple(pos[e] for e in excl_ids[m.id]) for m in measures)
        def static(arrays: list[np.ndarray]) -> tuple[np.ndarray | None, ...]:
            out: list[np.ndarray | None] = []
            for a in arrays:
                dated = bool(((a > ALWAYS) & (a < NEVER)).any())
                out.append(None if dated else (a == ALWAYS))
            return tuple(out)

        exc_static = static(exc)
        return _Compiled(
            codes=codes,
            code_index=pd.Index(codes),
            adval=frame["mfn_ad_valorem"].to_numpy(dtype=np.float64),
            specific=frame["mfn_specific"].fillna(0.0).to_numpy(dtype=np.float64),
            specific_count=frame["mfn_specific_count"].to_numpy(dtype=np.int64),
            countries=countries,
            country_index=pd.Index(countries),
            measures=measures,
            inc=tuple(inc),
            exc=tuple(exc),
            origin_ok=origin_ok,
            excluders=excluders,
            inc_static=static(inc),
            exc_static=exc_static,
            exc_any=tuple(bool(e.any()) if e is not None else True for e in exc_static),
        )

    def _metal_default(self, metal: str, hidx: np.ndarray) -> np.ndarray:
        if self.metal_share_default == "full":
            return np.ones(len(hidx))
        c = self._c
        if metal not in c.metal_shares:
            from tariffscope.data.metal_shares import metal_share_array

            c.metal_shares[metal] = metal_share_array(c.codes, metal)
        return c.metal_shares[metal][hidx]

    # -- lookups -----------------------------------------------------------------------------------
    def hts_index(self, codes: Sequence[str] | np.ndarray) -> np.ndarray:
        """Positions of HTS10 codes in the schedule; unknown codes raise naming the first few."""
        c = self._c
        arr = np.asarray(codes, dtype="U10")
        idx = c.code_index.get_indexer(pd.Index(arr))
        if (idx < 0).any():
            bad = pd.unique(arr[idx < 0])
            shown = ", ".join(format_hts(b) for b in bad[:5])
            more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
            raise UnknownHTSCodeError(
                f"HTS code(s) not in the schedule ({self.hts.edition}): {shown}{more}; "
                "check the code with `tariffscope measures` or give a 10-digit statistical line"
            )
        return idx

    def country_index(self, iso3: Sequence[str] | np.ndarray) -> np.ndarray:
        """Positions of ISO3 codes in the country universe (codes must already be normalised)."""
        c = self._c
        idx = c.country_index.get_indexer(pd.Index(np.asarray(iso3, dtype=object)))
        if (idx < 0).any():
            from tariffscope.data.countries import normalize_country

            bad = np.asarray(iso3, dtype=object)[idx < 0][0]
            normalize_country(str(bad))  # raises UnknownCountryError with suggestions
            raise InputError(f"country '{bad}' is not in the schedule's country list")
        return idx

    # -- the vectorised core -----------------------------------------------------------------------
    def _evaluate(
        self,
        hidx: np.ndarray,
        oidx: np.ndarray,
        day: np.ndarray,
        load_day: np.ndarray | None = None,
        claims: Mapping[str, np.ndarray] | None = None,
    ) -> list[np.ndarray | None]:
        """For each measure (canonical order), the sorted row positions where it applies.

        ``None`` stands for "applies to no line". Work is restricted to the rows of the origins a
        measure covers, and date tests are skipped when every date of the input passes them, so the
        cost follows the rows a measure can touch rather than rows x measures."""
        c = self._c
        n = len(hidx)
        applies: list[np.ndarray | None] = []
        if n == 0:
            return [None] * len(c.measures)
        present = np.unique(oidx)
        dmin, dmax = int(day.min()), int(day.max())
        rows_by_origin: dict[int, np.ndarray] | None = None
        mark = np.zeros(n, dtype=bool)  # scratch for exclusions
        for k, m in enumerate(c.measures):
            if m.status != "in_force" or (m.requires_claim and not (claims and m.requires_claim in claims)):
                applies.append(None)
                continue
            start = day_number(m.start)
            end = day_number(m.end) if m.end is not None else NEVER
            if end < dmin or start > dmax:
                applies.append(None)
                continue
            if any(
                day_number(w.start) <= dmin and (w.end is None or day_number(w.end) >= dmax) for w in m.suspended
            ):
                applies.append(None)
                continue
            covered = present[c.origin_ok[k][present]]
            if covered.size == 0:
                applies.append(None)
                continue
            subset: np.ndarray | None = None
            if covered.size < present.size:
                if rows_by_origin is None:
                    order = np.argsort(oidx, kind="stable")
                    bounds = np.searchsorted(oidx[order], present)
                    ends = np.append(bounds[1:], n)
                    rows_by_origin = {int(o): order[b:e] for o, b, e in zip(present, bounds, ends, strict=True)}
                parts = [rows_by_origin[int(o)] for o in covered]
                subset = np.sort(np.concatenate(parts)) if len(parts) > 1 else parts[0]
            h = hidx if subset is None else hidx[subset]
            d = day if subset is None else day[subset]
            inc_static = c.inc_static[k]
            ok = inc_static[h] if inc_static is not None else c.inc[k][h] <= d
            exc_static = c.exc_static[k]
            if exc_static is not None:
                if c.exc_any[k]:
                    ok &= ~exc_static[h]
            else:
                ok &= ~(c.exc[k][h] <= d)
            if start > dmin:
                ok &= d >= start
            if end < dmax:
                ok &= d <= end
            for w in m.suspended:
                ws = day_number(w.start)
                we = day_number(w.end) if w.end is not None else NEVER
                if we < dmin or ws > dmax:
                    continue
                ok &= ~((d >= ws) & (d <= we))
            if m.in_transit is not None:
                lb = day_number(m.in_transit.loaded_before)
                eb = day_number(m.in_transit.entered_before)
                if dmin < eb:
                    ld = d if load_day is None else (load_day if subset is None else load_day[subset])
                    ld = np.where(ld == _MISSING_DAY, d, ld)
                    ok &= ~((ld < lb) & (d < eb))
            if m.requires_claim and claims is not None:
                cl = claims[m.requires_claim]
                ok &= cl if subset is None else cl[subset]
            rows = np.flatnonzero(ok) if subset is None else subset[ok]
            for e in c.excluders[k]:
                ex = applies[e]
                if ex is None or rows.size == 0:
                    continue
                mark[ex] = True
                rows = rows[~mark[rows]]
                mark[ex] = False
            applies.append(rows if rows.size else None)
        return applies

    def _stack(
        self,
        hidx: np.ndarray,
        applies: list[np.ndarray | None],
        customs_value: np.ndarray | None,
        quantity: np.ndarray | None,
        metal_share: np.ndarray | None,
        us_content: np.ndarray | None,
    ) -> dict[str, Any]:
        """The arithmetic of stacking: MFN ad valorem equivalent plus each applying measure's share.

        ``contributions[k]`` and ``bases[k]`` are aligned with the rows ``applies[k]``."""
        c = self._c
        n = len(hidx)
        mfn = c.adval[hidx].copy()
        if customs_value is not None and quantity is not None:
            spec = c.specific[hidx]
            with np.errstate(divide="ignore", invalid="ignore"):
                add = np.where(
                    (customs_value > 0) & np.isfinite(quantity), spec * quantity / customs_value, 0.0
                )
            mfn += np.nan_to_num(add)
        # Metal content: each applying metal measure's share, and the remainder for the others.
        shares: dict[int, np.ndarray] = {}
        metal_total: np.ndarray | None = None
        for k, m in enumerate(c.measures):
            rows = applies[k]
            if rows is None or m.basis != "metal_content":
                continue
            share = self._metal_default(m.metal, hidx[rows])
            if metal_share is not None:
                given = metal_share[rows]
                share = np.where(np.isnan(given), share, given)
            share = np.clip(share, 0.0, 1.0)
            shares[k] = share
            if metal_total is None:
                metal_total = np.zeros(n)
            metal_total[rows] += share
        remainder = None if metal_total is None else 1.0 - np.clip(metal_total, 0.0, 1.0)
        carve = None
        if us_content is not None:
            u = np.nan_to_num(us_content)
            carve = np.where(u >= US_CONTENT_THRESHOLD, 1.0 - np.clip(u, 0.0, 1.0), 1.0)
        contributions: list[np.ndarray | None] = []
        bases: list[np.ndarray | None] = []
        total = mfn.copy()
        by_authority: dict[str, np.ndarray] = {}
        for k, m in enumerate(c.measures):
            rows = applies[k]
            if rows is None:
                contributions.append(None)
                bases.append(None)
                continue
            if m.basis == "metal_content":
                basis = shares[k]
            elif m.metal_remainder and remainder is not None:
                basis = remainder[rows]
            else:
                basis = np.ones(rows.size)
            if m.us_content_carveout and carve is not None:
                basis = basis * carve[rows]
            per = np.maximum(0.0, m.rate - mfn[rows]) if m.stacking == "floor" else m.rate
            contrib = per * basis
            contributions.append(contrib)
            bases.append(basis)
            total[rows] += contrib
            col = _AUTHORITY_COLUMNS.get(m.authority, "rate_other")
            if col not in by_authority:
                by_authority[col] = np.zeros(n)
            by_authority[col][rows] += contrib
        return {
            "mfn": mfn,
            "total": total,
            "contributions": contributions,
            "bases": bases,
            "by_authority": by_authority,
        }

    # -- public API --------------------------------------------------------------------------------
    def rate(
        self,
        hts: str,
        origin: str,
        entry_date: dt.date | str,
        load_date: dt.date | str | None = None,
        customs_value: float | None = None,
        quantity: float | None = None,
        metal_share: float | None = None,
        us_content_share: float | None = None,
        show: Literal["relevant", "all"] = "relevant",
        claims: Sequence[str] = (),
    ) -> AppliedRate:
        """The applied rate of one entry line, with every layer and why it applies or not.

        Parameters
        ----------
        hts
            An HTS code with or without dots: a 10-digit statistical line, or an 8-digit subheading
            whose statistical lines all pay the same.
        origin
            Country of origin: ISO3, ISO2, Census code or name.
        entry_date, load_date
            Date of entry for consumption; date the goods were loaded (for in-transit clauses; taken as
            the entry date when not given).
        customs_value, quantity
            Needed for the ad valorem equivalent of specific MFN duties (quantity in the unit of the
            specific rate) and for the duty in dollars.
        metal_share, us_content_share
            Share of customs value that is steel/aluminum/copper content (metal-content measures) and
            that is US-originating (IEEPA carve-out at 20% or more).
        show
            ``'relevant'``: layers that apply or are in force but blocked (suspended, excluded, in
            transit); ``'all'``: also measures covering the product and origin on other dates.
        claims
            Claim-based treatments the entry declares, e.g. ``("civil-aircraft",)`` for goods certified
            for use in civil aircraft (heading 9903.96.02).

        Examples
        --------
        >>> s = Schedule.default()
        >>> round(s.rate("8703230190", "JPN", "2025-09-20").total_rate, 4)
        0.15
        """
        from tariffscope.data.countries import normalize_country

        code = normalize_hts(hts)
        iso3 = normalize_country(origin)
        day = _to_date(entry_date, "entry_date")
        load = _to_date(load_date, "load_date") if load_date is not None else None
        self._check_date(day)
        _check_fraction(metal_share, "metal_share")
        _check_fraction(us_content_share, "us_content_share")
        if customs_value is not None and (not math.isfinite(customs_value) or customs_value < 0):
            raise InputError(f"customs_value must be a non-negative number of dollars; got {customs_value}")
        if quantity is not None and (not math.isfinite(quantity) or quantity < 0):
            raise InputError(f"quantity must be a non-negative number; got {quantity}")
        codes = self._resolve_code(code)
        results = [
            self._rate_one(c10, iso3, day, load, customs_value, quantity, metal_share, us_content_share, show,
                           tuple(claims))
            for c10 in codes
        ]
        first = results[0]
        if len(results) > 1:
            totals = {round(r.total_rate, 10) for r in results}
            if len(totals) > 1:
                listing = ", ".join(f"{format_hts(r.hts)} {100 * r.total_rate:.2f}%" for r in results[:8])
                raise InputError(
                    f"HTS {format_hts(code)} covers statistical lines with different rates ({listing}); "
                    "give the 10-digit code"
                )
            first = AppliedRate(
                **{**first.__dict__, "hts": code,
                   "notes": (*first.notes, f"same rate for all {len(results)} statistical lines of {format_hts(code)}")}
            )
        return first

    def _resolve_code(self, code: str) -> list[str]:
        c = self._c
        if len(code) == 10:
            if c.code_index.get_indexer(pd.Index([code]))[0] < 0:
                self.hts.line(code)  # raises UnknownHTSCodeError with suggestions
                raise UnknownHTSCodeError(f"HTS code {format_hts(code)} is not in the schedule")
            return [code]
        lo = np.searchsorted(c.codes, code)
        hi = np.searchsorted(c.codes, code + "~")
        found = [str(x) for x in c.codes[lo:hi]]
        if not found:
            raise UnknownHTSCodeError(
                f"HTS code {format_hts(code)} matches no line of the schedule ({self.hts.edition}); "
                "check the code"
            )
        if len(found) > 50:
            raise InputError(
                f"HTS {format_hts(code)} covers {len(found)} statistical lines; give an 8- or 10-digit code"
            )
        return found

    def _rate_one(
        self,
        code: str,
        iso3: str,
        day: dt.date,
        load: dt.date | None,
        customs_value: float | None,
        quantity: float | None,
        metal_share: float | None,
        us_content: float | None,
        show: str,
        claims: tuple[str, ...] = (),
    ) -> AppliedRate:
        c = self._c
        hidx = self.hts_index([code])
        oidx = self.country_index([iso3])
        dnum = np.array([day_number(day)], dtype=np.int64)
        lnum = np.array([day_number(load)], dtype=np.int64) if load else None
        applies = self._evaluate(hidx, oidx, dnum, lnum, {k: np.array([True]) for k in claims})

        def arr(x: float | None) -> np.ndarray | None:
            return None if x is None else np.array([float(x)])

        st = self._stack(hidx, applies, arr(customs_value), arr(quantity), arr(metal_share), arr(us_content))
        line = self.hts.line(code)
        mfn = float(st["mfn"][0])
        notes: list[str] = []
        general = line.general
        mfn_reason = f"column 1 General: {general.text or 'n/a'}"
        if general.specific:
            if customs_value and quantity is not None:
                mfn_reason += f" = {100 * mfn:.2f}% ad valorem equivalent at the given value and quantity"
            else:
                notes.append(
                    "MFN has a specific duty; give customs_value and quantity for its ad valorem "
                    "equivalent (only the ad valorem part is counted)"
                )
        layers = [
            Layer(
                heading=format_hts(code[:8]),
                authority="MFN",
                rate=mfn,
                applies=True,
                reason=mfn_reason,
                measure_id="mfn",
                title="Column 1 General (MFN)",
                citation=f"HTSUS {self.hts.edition}",
                nominal_rate=mfn,
                duty=_cents(mfn * customs_value) if customs_value is not None else None,
            )
        ]
        h = int(hidx[0])
        o = int(oidx[0])
        d = int(dnum[0])
        for k, m in enumerate(c.measures):
            if not c.origin_ok[k][o] or c.inc[k][h] == NEVER or c.exc[k][h] == ALWAYS:
                continue
            a = applies[k]
            ok = a is not None
            reasons: list[str] = []
            if ok:
                contrib = float(st["contributions"][k][0])
                basis = float(st["bases"][k][0])
                heading = m.heading
                if m.stacking == "floor":
                    if contrib <= 0:
                        heading = m.alt_heading or m.heading
                        reasons.append(
                            f"MFN {100 * mfn:.2f}% is at or above the {100 * m.rate:g}% floor: nothing added"
                        )
                    else:
                        reasons.append(f"floor: {100 * m.rate:g}% all-in minus MFN {100 * mfn:.2f}%")
                else:
                    reasons.append(f"+{100 * m.rate:g}%")
                if basis < 1.0 and m.basis == "metal_content":
                    reasons.append(f"on the metal content ({100 * basis:.1f}% of value)")
                elif basis < 1.0:
                    reasons.append(f"on {100 * basis:.1f}% of value (non-metal and/or non-US share)")
                reasons.append(m.citation)
                layers.append(
                    Layer(
                        heading=heading,
                        authority=m.authority,
                        rate=contrib,
                        applies=True,
                        reason="; ".join(reasons),
                        measure_id=m.id,
                        title=m.title,
                        citation=m.citation,
                        nominal_rate=m.rate,
                        basis_share=basis,
                        duty=_cents(contrib * customs_value) if customs_value is not None else None,
                    )
                )
                continue
            in_window = m.in_window(day)
            if m.requires_claim and m.requires_claim not in claims:
                reasons.append(f"applies only when the entry claims '{m.requires_claim}'")
            if m.status != "in_force":
                reasons.append(f"status '{m.status}': never applied")
            if not in_window:
                if day < m.start:
                    reasons.append(f"not yet in force (from {m.start})")
                else:
                    reasons.append(f"no longer in force (ended {m.end})")
            w = m.suspension_on(day)
            if w is not None:
                end = w.end.isoformat() if w.end else "further notice"
                reasons.append(f"suspended {w.start} to {end}" + (f" ({w.citation})" if w.citation else ""))
            if c.inc[k][h] > d:
                reasons.append(f"product joins the scope on {_day_str(int(c.inc[k][h]))}")
            if c.exc[k][h] <= d:
                reasons.append("product excluded from the measure's scope")
            if m.in_transit is not None and m.in_window(day) and m.in_transit.exempts(load, day):
                reasons.append(
                    f"in transit: loaded before {m.in_transit.loaded_before} and entered before "
                    f"{m.in_transit.entered_before} keeps the earlier treatment"
                )
            blockers = [c.measures[e] for e in c.excluders[k] if applies[e] is not None]
            if blockers:
                names = ", ".join(f"{b.heading} ({b.title})" for b in blockers)
                why = f"excluded: {names} applies"
                if m.exclusion_note:
                    why += f"; {m.exclusion_note}"
                reasons.append(why)
            relevant = m.status == "in_force" and in_window
            if show == "all" or relevant:
                layers.append(
                    Layer(
                        heading=m.heading,
                        authority=m.authority,
                        rate=0.0,
                        applies=False,
                        reason="; ".join(reasons) or "does not apply",
                        measure_id=m.id,
                        title=m.title,
                        citation=m.citation,
                        nominal_rate=m.rate,
                        basis_share=0.0,
                        duty=0.0 if customs_value is not None else None,
                    )
                )
        total = float(st["total"][0])
        duty = None
        if customs_value is not None:
            duty = round(sum(layer.duty or 0.0 for layer in layers if layer.applies), 2)
        return AppliedRate(
            hts=code,
            origin=iso3,
            entry_date=day,
            total_rate=total,
            mfn_rate=mfn,
            layers=tuple(layers),
            load_date=load,
            customs_value=customs_value,
            duty=duty,
            description=line.description,
            notes=tuple(notes),
        )

    def _check_date(self, day: dt.date) -> None:
        if day < self.first_date:
            raise DateOutOfRangeError(
                f"entry date {day} is before the schedule's first date {self.first_date} "
                f"({self.hts.edition}); give a date on or after it"
            )

    def rates(
        self,
        table: Any,
        *,
        hts_column: str = "hts",
        origin_column: str = "origin",
        date_column: str = "entry_date",
    ) -> Any:
        """Rates for many entry lines at once (vectorised), returned in the input's frame type.

        ``table`` is a polars or pandas DataFrame, or a path to a CSV or Parquet file, with columns
        ``hts``, ``origin`` and ``entry_date``, and optionally ``load_date``, ``customs_value``,
        ``quantity``, ``metal_share``, ``us_content_share`` and ``claims`` (``;``-separated claim names
        such as ``civil-aircraft``). Added columns: ``hts10``,
        ``mfn_rate``, ``additional_rate``, ``total_rate``, ``rate_section_232``, ``rate_ieepa``,
        ``rate_section_122`` (and other authorities when present), ``headings`` (the Chapter 99
        headings that apply, ``;``-separated) and, with ``customs_value``, ``mfn_duty`` and ``duty``
        (dollars, each layer rounded to the cent as on CBP Form 7501).

        Examples
        --------
        >>> import polars as pl
        >>> out = Schedule.default().rates(pl.DataFrame({"hts": ["8703.23.01.90"], "origin": ["JPN"],
        ...                                               "entry_date": ["2025-06-01"]}))
        >>> out["total_rate"].round(4).to_list()
        [0.275]
        """
        import polars as pl

        from tariffscope.data.countries import normalize_country

        frame, kind = _to_polars(table)
        for col in (hts_column, origin_column, date_column):
            if col not in frame.columns:
                raise InputError(
                    f"entry table needs a column '{col}'; it has {', '.join(frame.columns)}"
                )
        n = frame.height
        # HTS: normalise unique values once.
        hts_raw = frame[hts_column].cast(pl.Utf8)
        uniq_hts = hts_raw.unique()
        norm = {}
        for v in uniq_hts.to_list():
            if v is None:
                raise InputError(f"column '{hts_column}' has an empty HTS code; every line needs one")
            code = normalize_hts(v)
            if len(code) == 8:
                kids = self._resolve_code(code)
                code = kids[0] if len(kids) == 1 else code
            if len(code) != 10:
                raise InputError(
                    f"HTS code '{v}' in column '{hts_column}' must be a 10-digit statistical line "
                    "(or an 8-digit subheading with a single line)"
                )
            norm[v] = code
        hts10 = hts_raw.replace_strict(norm, return_dtype=pl.Utf8)
        # Positions are looked up once per distinct code and spread with a polars map (no per-row hashing
        # of Python strings).
        uniq_keys = list(norm.keys())
        uniq_pos = self.hts_index([norm[k] for k in uniq_keys])
        hidx = hts_raw.replace_strict(dict(zip(uniq_keys, uniq_pos.tolist(), strict=True)),
                                      return_dtype=pl.Int64).to_numpy()
        org_raw = frame[origin_column].cast(pl.Utf8)
        onorm = {}
        for v in org_raw.unique().to_list():
            if v is None:
                raise InputError(f"column '{origin_column}' has an empty origin; every line needs one")
            onorm[v] = normalize_country(v)
        okeys = list(onorm.keys())
        opos = self.country_index([onorm[k] for k in okeys])
        oidx = org_raw.replace_strict(dict(zip(okeys, opos.tolist(), strict=True)), return_dtype=pl.Int64).to_numpy()
        day = _day_numbers(frame[date_column], date_column)
        if n and day.min() < day_number(self.first_date):
            bad = frame[date_column][int(np.argmin(day))]
            raise DateOutOfRangeError(
                f"entry date '{bad}' in column '{date_column}' is before the schedule's first date "
                f"{self.first_date} ({self.hts.edition}); give dates on or after it"
            )
        load = _day_numbers(frame["load_date"], "load_date", allow_missing=True) if "load_date" in frame.columns else None

        def num(col: str) -> np.ndarray | None:
            if col not in frame.columns:
                return None
            try:
                vals = frame[col].cast(pl.Float64).to_numpy()
            except pl.exceptions.InvalidOperationError:
                raise InputError(f"column '{col}' must hold numbers") from None
            if np.nanmin(vals, initial=0.0) < 0:
                raise InputError(f"column '{col}' has negative values; they must be >= 0")
            return vals

        value = num("customs_value")
        qty = num("quantity")
        metal = num("metal_share")
        usc = num("us_content_share")
        for name, v in (("metal_share", metal), ("us_content_share", usc)):
            if v is not None and np.nanmax(v, initial=0.0) > 1:
                raise InputError(f"column '{name}' must hold fractions between 0 and 1 (0.4 for 40%)")
        claims: dict[str, np.ndarray] | None = None
        if "claims" in frame.columns:
            needed = {m.requires_claim for m in self._c.measures if m.requires_claim}
            col = frame["claims"].cast(pl.Utf8).fill_null("")
            claims = {k: col.str.contains(rf"(^|;)\s*{k}\s*(;|$)").to_numpy() for k in needed}
        applies = self._evaluate(hidx, oidx, day, load, claims)
        st = self._stack(hidx, applies, value, qty, metal, usc)
        out = frame.with_columns(
            pl.Series("hts10", hts10.to_numpy()),
            pl.Series("mfn_rate", st["mfn"]),
            pl.Series("additional_rate", st["total"] - st["mfn"]),
            pl.Series("total_rate", st["total"]),
        )
        for col in ("rate_section_232", "rate_ieepa", "rate_section_122"):
            st["by_authority"].setdefault(col, np.zeros(n))
        out = out.with_columns([pl.Series(k, v) for k, v in sorted(st["by_authority"].items())])
        out = out.with_columns(pl.Series("headings", self._headings(applies, st["contributions"], n)))
        if value is not None:
            mfn_duty = _cents(st["mfn"] * value)
            duty = mfn_duty.copy()
            for rows, contrib in zip(applies, st["contributions"], strict=True):
                if rows is not None and contrib is not None:
                    duty[rows] += _cents(contrib * value[rows])
            out = out.with_columns(pl.Series("mfn_duty", mfn_duty), pl.Series("duty", np.round(duty, 2)))
        return out if kind == "polars" else out.to_pandas()

    def panel(
        self,
        entry_date: dt.date | str,
        origins: Sequence[str] | None = None,
        codes: Sequence[str] | None = None,
        headings: bool = True,
    ) -> Any:
        """Every HTS10 line (or ``codes``) x every origin (or ``origins``) on one entry date.

        Returns a polars DataFrame with ``hts10``, ``origin``, ``mfn_rate``, ``total_rate``, the
        ``rate_*`` columns by authority and (optionally) ``headings``. Specific MFN duties count only
        their ad valorem part here (no values or quantities).

        Examples
        --------
        >>> p = Schedule.default().panel("2025-06-01", origins=["JPN"], codes=["8703230190"])
        >>> p["total_rate"].round(4).to_list()
        [0.275]
        """
        import polars as pl

        from tariffscope.data.countries import normalize_country

        day = _to_date(entry_date, "entry_date")
        self._check_date(day)
        c = self._c
        iso = (
            np.array(sorted({normalize_country(o) for o in origins}), dtype=object)
            if origins is not None
            else c.countries[c.countries != "USA"]
        )
        hsel = self.hts_index([normalize_hts(x) for x in codes]) if codes is not None else np.arange(len(c.codes))
        osel = self.country_index(iso)
        hidx = np.tile(hsel, len(osel))
        oidx = np.repeat(osel, len(hsel))
        dnum = np.full(len(hidx), day_number(day), dtype=np.int64)
        applies = self._evaluate(hidx, oidx, dnum)
        st = self._stack(hidx, applies, None, None, None, None)
        n = len(hidx)
        cols = {
            "hts10": c.codes[hidx],
            "origin": c.countries[oidx].astype(str),
            "mfn_rate": st["mfn"],
            "total_rate": st["total"],
        }
        for col in ("rate_section_232", "rate_ieepa", "rate_section_122"):
            st["by_authority"].setdefault(col, np.zeros(n))
        cols.update(sorted(st["by_authority"].items()))
        out = pl.DataFrame(cols)
        if headings:
            out = out.with_columns(pl.Series("headings", self._headings(applies, st["contributions"], n)))
        return out

    def _headings(self, applies: list[np.ndarray | None], contributions: list[np.ndarray | None], n: int) -> np.ndarray:
        """The applying headings of each line as text, built once per distinct combination.

        A floor that adds nothing reports its alternative heading (e.g. 9903.02.72 instead of .73)."""
        c = self._c
        active = [k for k, a in enumerate(applies) if a is not None]
        if not active:
            return np.full(n, "", dtype=object)
        rng = np.random.default_rng(12345)
        weights = rng.integers(1, 2**61, size=(len(active), 2), dtype=np.int64)
        key = np.zeros(n, dtype=np.int64)
        for (w, w_alt), k in zip(weights, active, strict=True):
            rows = applies[k]
            contrib = contributions[k]
            assert rows is not None and contrib is not None
            if c.measures[k].stacking == "floor":
                zero = contrib <= 0
                key[rows[~zero]] += w
                key[rows[zero]] += w_alt
            else:
                key[rows] += w
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        labels = []
        for row in first:
            hs = []
            for k in active:
                rows = applies[k]
                contrib = contributions[k]
                assert rows is not None and contrib is not None
                pos = np.searchsorted(rows, row)
                if pos < rows.size and rows[pos] == row:
                    m = c.measures[k]
                    hs.append(m.alt_heading or m.heading if m.stacking == "floor" and contrib[pos] <= 0 else m.heading)
            labels.append(";".join(hs))
        return np.array(labels, dtype=object)[inverse.ravel()]


def _cents(x: Any) -> Any:
    """Round half up to the cent, as duty is computed on each line of an entry summary."""
    return np.floor(np.asarray(x, dtype=float) * 100 + 0.5 + 1e-9) / 100 if not isinstance(x, float) else math.floor(x * 100 + 0.5 + 1e-9) / 100


def _day_str(n: int) -> str:
    from tariffscope.policy.scope import day_from_number

    return day_from_number(n).isoformat()


def _to_date(value: dt.date | str | None, name: str) -> dt.date:
    """A date from a date or ISO text, or one clear error naming ``name`` (parsing as in policy files)."""
    from tariffscope.policy.io import _as_date

    day = _as_date(value, name, [])
    if day is None:
        raise InputError(f"{name} '{value}' is not a date; write YYYY-MM-DD (e.g. 2025-06-01)")
    return day


def _check_fraction(x: float | None, name: str) -> None:
    if x is None:
        return
    if not (0.0 <= x <= 1.0):
        hint = f" (did you mean {x / 100:g}?)" if 1 < x <= 100 else ""
        raise InputError(f"{name} must be a fraction between 0 and 1; got {x}{hint}")


def _to_polars(table: Any) -> tuple[Any, str]:
    from pathlib import Path

    import polars as pl

    if isinstance(table, pl.DataFrame):
        return table, "polars"
    if isinstance(table, pd.DataFrame):
        return pl.from_pandas(table), "pandas"
    if isinstance(table, Mapping):
        return pl.DataFrame(dict(table)), "polars"
    if isinstance(table, (str, Path)):
        from tariffscope.data.entries import read_entries

        return read_entries(table), "polars"
    raise InputError(f"rates() takes a polars/pandas DataFrame or a CSV/Parquet path; got {type(table).__name__}")


@functools.lru_cache(maxsize=1)
def _default_schedule() -> Schedule:
    return Schedule()
