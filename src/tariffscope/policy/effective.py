"""Trade-weighted effective tariff rates of a partner, and of all imports, on a date.

The effective rate of origin ``o`` on date ``d`` is the import-weighted mean of the applied rates of its
products (Yale Budget Lab, "State of U.S. Tariffs", methodology; Fajgelbaum et al. 2020):

.. math:: \\tau_o(d) = \\frac{\\sum_h v_{h,o}\\, \\tau_{h,o}(d)}{\\sum_h v_{h,o}}

with fixed (pre-tariff) import weights ``v``, so the rate measures policy, not the response of trade.

Two weightings:

* ``hts10``: values by HTS10 x country (a Census API download or a CSV ``hts10,country,value``);
* ``gtap`` (the bundled default, offline): GTAP sector weights by partner group
  (:func:`tariffscope.data.weights.gtap_weights`), within a sector every HTS10 line weighted equally
  (a simple mean), and for the ``row``/``ftrow`` groups every member country weighted equally. This is
  an approximation, documented as such; give HTS10 weights for exact figures.

Metal-content duties are estimated on BEA metal shares (``metal_share_default='bea'``).

>>> import datetime as dt
>>> from tariffscope.policy.schedule import Schedule
>>> r = effective_rates(Schedule.default(), dt.date(2025, 6, 1), origins=["JPN"])
>>> 0.05 < r.rows[0].etr < 0.30
True
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import polars as pl

from tariffscope.errors import InputError

Method = Literal["hts10", "gtap"]
_PARTS = ("mfn_rate", "rate_section_232", "rate_ieepa", "rate_section_122")


@dataclass(frozen=True)
class EffectiveRate:
    """The effective rate of one origin (or ``ALL``) with its parts by authority."""

    origin: str
    etr: float
    mfn: float
    section_232: float
    ieepa: float
    section_122: float
    value: float
    lines: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "etr": self.etr,
            "mfn": self.mfn,
            "section_232": self.section_232,
            "ieepa": self.ieepa,
            "section_122": self.section_122,
            "value": self.value,
            "lines": self.lines,
        }


@dataclass(frozen=True)
class EffectiveRates:
    """Effective rates on one date for several origins, and for all imports when asked."""

    entry_date: dt.date
    method: str
    rows: tuple[EffectiveRate, ...]
    total: EffectiveRate | None = None
    sectors: pl.DataFrame | None = field(default=None, compare=False)
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pl.DataFrame:
        """One row per origin (and ``ALL``): tidy."""
        rows = [r.to_dict() for r in self.rows] + ([self.total.to_dict()] if self.total else [])
        return pl.DataFrame(rows).with_columns(pl.lit(self.entry_date).alias("entry_date"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "entry_date": self.entry_date.isoformat(),
            "method": self.method,
            "origins": [r.to_dict() for r in self.rows],
            "total": self.total.to_dict() if self.total else None,
            "notes": list(self.notes),
        }

    def summary(self) -> str:
        lines = [f"Effective tariff rates on {self.entry_date} ({self.method} weights)"]
        for r in (*self.rows, *([self.total] if self.total else [])):
            lines.append(
                f"  {r.origin:<4} {100 * r.etr:6.2f}%  (MFN {100 * r.mfn:.2f}, 232 {100 * r.section_232:.2f}, "
                f"IEEPA {100 * r.ieepa:.2f}, s122 {100 * r.section_122:.2f})"
            )
        return "\n".join(lines)

    def figure(self) -> Any:
        """A stacked bar chart of each origin's effective rate by authority (plotly)."""
        import plotly.graph_objects as go

        rows = [*self.rows, *([self.total] if self.total else [])]
        fig = go.Figure()
        for attr, name in (("mfn", "MFN"), ("section_232", "Section 232"), ("ieepa", "IEEPA"),
                           ("section_122", "Section 122")):
            fig.add_bar(x=[r.origin for r in rows], y=[100 * getattr(r, attr) for r in rows], name=name)
        fig.update_layout(barmode="stack", title=f"Effective US tariff rate on {self.entry_date}",
                          yaxis_title="% of import value")
        return fig


def _weighted(frame: pl.DataFrame, origin: str) -> EffectiveRate:
    v = frame["value"].cast(pl.Float64).to_numpy()
    total = float(v.sum())
    if total <= 0:
        raise InputError(f"no import value for origin {origin} in the weights; cannot weight its rates")

    def w(col: str) -> float:
        return float((frame[col].cast(pl.Float64).to_numpy() * v).sum()) / total if col in frame.columns else 0.0

    return EffectiveRate(
        origin=origin,
        etr=w("total_rate"),
        mfn=w("mfn_rate"),
        section_232=w("rate_section_232"),
        ieepa=w("rate_ieepa"),
        section_122=w("rate_section_122"),
        value=total,
        lines=frame.height,
    )


def effective_rates(
    schedule: Any,
    entry_date: dt.date | str,
    origins: list[str] | None = None,
    weights: pl.DataFrame | None = None,
    include_total: bool = False,
    by_sector: bool = False,
) -> EffectiveRates:
    """Trade-weighted effective rates on ``entry_date`` (see the module docstring for the method).

    Parameters
    ----------
    schedule
        A :class:`~tariffscope.policy.schedule.Schedule`; metal-content duties are estimated on BEA
        shares whatever its setting.
    origins
        Countries to report; with HTS10 weights, every country in the weights when ``None``.
    weights
        ``hts10, origin, value`` (from :mod:`tariffscope.data.weights`); ``None`` uses the bundled GTAP
        sector weights.
    include_total
        Also report the rate on all imports (``origin='ALL'``).
    by_sector
        With GTAP weights, keep the per-sector rates in ``result.sectors``.
    """
    from tariffscope.data.countries import normalize_country
    from tariffscope.policy.schedule import Schedule, _to_date

    day = _to_date(entry_date, "entry_date")
    sched = schedule if schedule.metal_share_default == "bea" else Schedule(
        schedule.policy, schedule.hts, "bea", schedule.first_date
    )
    isos = [normalize_country(o) for o in origins] if origins else None
    if weights is not None:
        return _from_hts10(sched, day, isos, weights, include_total)
    if not isos and not include_total:
        raise InputError("give at least one origin (e.g. --origin JPN) or ask for all imports (--all)")
    return _from_gtap(sched, day, isos or [], include_total, by_sector)


def _from_hts10(sched: Any, day: dt.date, isos: list[str] | None, weights: pl.DataFrame,
                include_total: bool) -> EffectiveRates:
    w = weights
    if isos:
        w = w.filter(pl.col("origin").is_in(isos))
        missing = sorted(set(isos) - set(w["origin"].unique().to_list()))
        if missing:
            raise InputError(f"no import weights for {', '.join(missing)}; the weights cover "
                             f"{w['origin'].n_unique()} countries")
    known = set(sched._c.codes.tolist())
    keep = w["hts10"].is_in(list(known))
    notes: list[str] = []
    dropped = w.filter(~keep)
    if dropped.height:
        share = float(dropped["value"].cast(pl.Float64).sum()) / max(float(w["value"].cast(pl.Float64).sum()), 1e-300)
        notes.append(f"{dropped.height} weight rows ({100 * share:.2f}% of value) have HTS10 codes not in "
                     f"the schedule ({sched.hts.edition}) and were left out")
    w = w.filter(keep)
    table = w.with_columns(pl.lit(day).alias("entry_date")).rename({"hts10": "hts"})
    rated = sched.rates(table)
    rows = tuple(
        _weighted(rated.filter(pl.col("origin") == o), o) for o in sorted(rated["origin"].unique().to_list())
    )
    total = _weighted(rated, "ALL") if include_total else None
    return EffectiveRates(day, "hts10", rows, total, None, tuple(notes))


#: Sector rates by (HTS table, metal-share setting, date, the measures that can touch an origin).
#: Origins whose in-force measures are the same values share their rates, within a policy and across
#: scenario branches, so each distinct set is computed once.
_SECTOR_CACHE: dict[tuple[Any, ...], pl.DataFrame] = {}
_SECTOR_CACHE_MAX = 4096


def _signature(sched: Any, day: dt.date, iso: str) -> frozenset[Any]:
    c = sched._c
    o = int(sched.country_index([iso])[0])
    return frozenset(
        m for k, m in enumerate(c.measures) if c.origin_ok[k][o] and m.status == "in_force" and m.in_window(day)
    )


def _gtap_map(sched: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions in the schedule of the HTS10 lines with a GTAP sector, their sector index, and the
    sector codes (cached on the schedule)."""
    cached = getattr(sched, "_gtap_cache", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    from tariffscope.data.weights import hts10_gtap

    cross = hts10_gtap()
    codes = sched._c.codes
    pos = sched._c.code_index.get_indexer(pd.Index(cross["hts10"].to_numpy()))
    keep = pos >= 0
    sectors, sector_idx = np.unique(cross["gtap_code"].to_numpy()[keep], return_inverse=True)
    out = (pos[keep].astype(np.int64), sector_idx.astype(np.int64), sectors)
    assert len(codes) >= len(out[0])
    sched._gtap_cache = out
    return out


def _sector_means(sched: Any, day: dt.date, isos: list[str]) -> list[pl.DataFrame]:
    """Per origin, the mean of each rate part over the HTS10 lines of each GTAP sector (numpy, no
    string columns)."""
    from tariffscope.policy.scope import day_number

    hpos, sidx, sectors = _gtap_map(sched)
    osel = sched.country_index(isos)
    n_h, n_o, n_s = len(hpos), len(osel), len(sectors)
    hidx = np.tile(hpos, n_o)
    oidx = np.repeat(osel, n_h)
    dnum = np.full(len(hidx), day_number(day), dtype=np.int64)
    applies = sched._evaluate(hidx, oidx, dnum)
    st = sched._stack(hidx, applies, None, None, None, None)
    counts = np.bincount(sidx, minlength=n_s).astype(float)
    cols = {"mfn_rate": st["mfn"], "total_rate": st["total"]}
    for part in ("rate_section_232", "rate_ieepa", "rate_section_122"):
        cols[part] = st["by_authority"].get(part, np.zeros(len(hidx)))
    key = (np.arange(n_o).repeat(n_h) * n_s + np.tile(sidx, n_o))
    means = {name: np.bincount(key, weights=v, minlength=n_o * n_s).reshape(n_o, n_s) / counts
             for name, v in cols.items()}
    return [
        pl.DataFrame({"gtap_code": sectors, **{name: m[i] for name, m in means.items()}})
        for i in range(n_o)
    ]


def _sector_rates(sched: Any, day: dt.date, isos: list[str]) -> pl.DataFrame:
    """Mean applied rates by GTAP sector for each origin (simple means over HTS10 lines)."""

    keys = {iso: (sched.hts, sched.metal_share_default, day, _signature(sched, day, iso)) for iso in isos}
    todo: dict[tuple[Any, ...], str] = {}
    for iso, key in keys.items():
        if key not in _SECTOR_CACHE and key not in todo:
            todo[key] = iso
    if todo:
        if len(_SECTOR_CACHE) + len(todo) > _SECTOR_CACHE_MAX:
            _SECTOR_CACHE.clear()
        for key, frame in zip(todo, _sector_means(sched, day, list(todo.values())), strict=True):
            _SECTOR_CACHE[key] = frame
    return pl.concat(
        [_SECTOR_CACHE[keys[iso]].with_columns(pl.lit(iso).alias("origin")) for iso in isos]
    ).select(["origin", "gtap_code", *_PARTS, "total_rate"])


def _from_gtap(sched: Any, day: dt.date, isos: list[str], include_total: bool, by_sector: bool) -> EffectiveRates:
    from tariffscope.data.countries import all_countries
    from tariffscope.data.weights import gtap_weights, partner_group

    weights = gtap_weights()
    notes = [
        "GTAP sector weights by partner group (model values, shares only); HTS10 lines within a sector "
        "weighted equally; give HTS10 weights (--weights) for exact trade-weighted rates"
    ]
    needed = set(isos)
    group_members: dict[str, list[str]] = {}
    if include_total:
        for c in all_countries():
            if c.iso3 == "USA":
                continue
            group_members.setdefault(partner_group(c.iso3), []).append(c.iso3)
        needed |= {m for ms in group_members.values() for m in ms}
    sectors = _sector_rates(sched, day, sorted(needed))

    def rate_for(members: list[str], group: str, label: str) -> EffectiveRate:
        sub = sectors.filter(pl.col("origin").is_in(members)).group_by("gtap_code").agg(
            [pl.col(c).mean() for c in (*_PARTS, "total_rate")]
        )
        wg = weights.filter(pl.col("partner_group") == group).select("gtap_code", "value")
        joined = sub.join(wg, on="gtap_code", how="inner")
        if joined.height == 0 or float(joined["value"].sum()) <= 0:
            raise InputError(f"no GTAP weights for partner group '{group}' ({label})")
        return _weighted(joined, label)  # lines = sectors weighted

    rows = tuple(rate_for([o], partner_group(o), o) for o in isos)
    total = None
    if include_total:
        parts = []
        for group, members in sorted(group_members.items()):
            r = rate_for(members, group, group)
            parts.append(r)
        gv = np.array([p.value for p in parts])
        total = EffectiveRate(
            origin="ALL",
            etr=float(np.dot([p.etr for p in parts], gv) / gv.sum()),
            mfn=float(np.dot([p.mfn for p in parts], gv) / gv.sum()),
            section_232=float(np.dot([p.section_232 for p in parts], gv) / gv.sum()),
            ieepa=float(np.dot([p.ieepa for p in parts], gv) / gv.sum()),
            section_122=float(np.dot([p.section_122 for p in parts], gv) / gv.sum()),
            value=float(gv.sum()),
            lines=sum(p.lines for p in parts),
        )
        notes.append("all imports: rest-of-world and FTA-partner groups average their member countries equally")
    return EffectiveRates(day, "gtap", rows, total, sectors if by_sector else None, tuple(notes))

