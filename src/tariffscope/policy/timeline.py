"""The rate path of one product and origin over a range of entry dates, with its change points.

Rates only change on dates where some measure starts, ends, is suspended or resumed, or where a product
list gains rows; the path is evaluated on those dates (vectorised) and equal neighbours are merged.

>>> import datetime as dt
>>> from tariffscope.policy.schedule import Schedule
>>> t = rate_timeline(Schedule.default(), "8703230190", "JPN", dt.date(2025, 1, 1), dt.date(2025, 12, 31))
>>> [(s.start.isoformat(), round(s.total_rate, 4)) for s in t.segments]
[('2025-01-01', 0.025), ('2025-04-03', 0.275), ('2025-09-16', 0.15)]
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from tariffscope.errors import InputError


@dataclass(frozen=True)
class Segment:
    """A run of entry dates with the same rate and the same applying headings."""

    start: dt.date
    end: dt.date
    total_rate: float
    mfn_rate: float
    section_232: float
    ieepa: float
    section_122: float
    headings: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "total_rate": self.total_rate,
            "mfn_rate": self.mfn_rate,
            "section_232": self.section_232,
            "ieepa": self.ieepa,
            "section_122": self.section_122,
            "headings": self.headings.split(";") if self.headings else [],
        }


@dataclass(frozen=True)
class Timeline:
    """The rate path of a product and origin: segments between change points."""

    hts: str
    origin: str
    start: dt.date
    end: dt.date
    segments: tuple[Segment, ...]

    @property
    def change_points(self) -> list[dt.date]:
        """Dates on which the rate or the applying headings change (after the first)."""
        return [s.start for s in self.segments[1:]]

    def rate_on(self, day: dt.date) -> float:
        """The total rate on ``day`` (inside the timeline's range)."""
        for s in self.segments:
            if s.start <= day <= s.end:
                return s.total_rate
        raise InputError(f"{day} is outside the timeline {self.start} to {self.end}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "hts": self.hts,
            "origin": self.origin,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "segments": [s.to_dict() for s in self.segments],
            "change_points": [d.isoformat() for d in self.change_points],
        }

    def to_frame(self) -> pl.DataFrame:
        return pl.DataFrame([s.to_dict() for s in self.segments])

    def summary(self) -> str:
        lines = [f"Rate path of {self.hts} from {self.origin}, {self.start} to {self.end}"]
        for s in self.segments:
            lines.append(f"  {s.start} to {s.end}: {100 * s.total_rate:6.2f}%  {s.headings}")
        return "\n".join(lines)

    def figure(self) -> Any:
        """A step chart of the total rate over time (plotly)."""
        import plotly.graph_objects as go

        xs: list[dt.date] = []
        ys: list[float] = []
        for s in self.segments:
            xs += [s.start, s.end]
            ys += [100 * s.total_rate] * 2
        fig = go.Figure(go.Scatter(x=xs, y=ys, mode="lines", line_shape="hv", name="total rate"))
        fig.update_layout(title=f"US duty on {self.hts} from {self.origin}", yaxis_title="% ad valorem")
        return fig


def rate_timeline(
    schedule: Any,
    hts: str,
    origin: str,
    start: dt.date | str,
    end: dt.date | str,
    load_date: dt.date | str | None = None,
    customs_value: float | None = None,
    quantity: float | None = None,
    metal_share: float | None = None,
    us_content_share: float | None = None,
) -> Timeline:
    """The rate path of ``hts`` from ``origin`` for entry dates ``start`` to ``end`` (inclusive).

    ``load_date`` (optional) is taken as fixed: the path of goods loaded on that date and entered on
    each date of the range."""
    from tariffscope.data.countries import normalize_country
    from tariffscope.policy.schedule import _to_date, normalize_hts

    d0 = _to_date(start, "start")
    d1 = _to_date(end, "end")
    if d1 < d0:
        raise InputError(f"timeline end {d1} is before its start {d0}; swap them")
    code = normalize_hts(hts)
    resolved = schedule._resolve_code(code)
    if len(resolved) > 1:
        raise InputError(f"HTS {hts} covers {len(resolved)} statistical lines; give the 10-digit code")
    iso = normalize_country(origin)
    schedule._check_date(d0)
    days = sorted({d0, *(d for d in schedule.policy.change_dates() if d0 < d <= d1)})
    table: dict[str, Any] = {
        "hts": [resolved[0]] * len(days),
        "origin": [iso] * len(days),
        "entry_date": days,
    }
    if load_date is not None:
        table["load_date"] = [_to_date(load_date, "load_date")] * len(days)
    for name, val in (("customs_value", customs_value), ("quantity", quantity), ("metal_share", metal_share),
                      ("us_content_share", us_content_share)):
        if val is not None:
            table[name] = [float(val)] * len(days)
    rated = schedule.rates(pl.DataFrame(table))
    segments: list[Segment] = []
    for i, row in enumerate(rated.iter_rows(named=True)):
        seg_end = days[i + 1] - dt.timedelta(days=1) if i + 1 < len(days) else d1
        seg = Segment(
            start=days[i],
            end=seg_end,
            total_rate=float(row["total_rate"]),
            mfn_rate=float(row["mfn_rate"]),
            section_232=float(row.get("rate_section_232", 0.0)),
            ieepa=float(row.get("rate_ieepa", 0.0)),
            section_122=float(row.get("rate_section_122", 0.0)),
            headings=str(row["headings"]),
        )
        if segments and abs(segments[-1].total_rate - seg.total_rate) < 1e-12 and segments[-1].headings == seg.headings:
            prev = segments[-1]
            segments[-1] = Segment(prev.start, seg.end, prev.total_rate, prev.mfn_rate, prev.section_232,
                                   prev.ieepa, prev.section_122, prev.headings)
        else:
            segments.append(seg)
    return Timeline(resolved[0], iso, d0, d1, tuple(segments))
