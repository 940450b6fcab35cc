"""Tariff measures as frozen values: what a measure is, not how it is evaluated.

A :class:`Measure` is the data of one Chapter 99 heading (or one MFN column): who imposed it, on which
products and origins, at what rate, when, and how it stacks with the others. The rule engine in
:mod:`tariffscope.policy.schedule` evaluates measures; nothing here computes a rate.

>>> import datetime as dt
>>> m = Measure(id="demo", title="Demo +10%", authority="IEEPA", citation="EO 14257", heading="9903.01.25",
...             products=ProductScope(include=("*",)), origins=OriginScope(include=("ALL",)),
...             rate=0.10, start=dt.date(2025, 4, 5))
>>> m.in_window(dt.date(2025, 4, 4)), m.in_window(dt.date(2025, 4, 5))
(False, True)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

Authority = Literal["MFN", "Section 232", "IEEPA", "Section 122", "Section 301", "Section 201", "Other"]
Stacking = Literal["additive", "floor"]
Status = Literal["in_force", "suspended", "announced", "void"]
Basis = Literal["full", "metal_content"]
Metal = Literal["steel", "aluminum", "copper", "any"]

AUTHORITIES: tuple[str, ...] = get_args(Authority)
STACKINGS: tuple[str, ...] = get_args(Stacking)
STATUSES: tuple[str, ...] = get_args(Status)
BASES: tuple[str, ...] = get_args(Basis)
METALS: tuple[str, ...] = get_args(Metal)

#: US content share at or above which IEEPA duties apply to the non-US share only (EO 14257 sec. 3(d)).
US_CONTENT_THRESHOLD = 0.20


@dataclass(frozen=True)
class Window:
    """A closed interval of entry dates, ``start <= d <= end``; ``end=None`` is open-ended."""

    start: dt.date
    end: dt.date | None = None
    citation: str = ""

    def contains(self, day: dt.date) -> bool:
        """True when ``day`` lies in the window."""
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class InTransit:
    """An in-transit clause: goods loaded before ``loaded_before`` and entered before ``entered_before``
    keep the old treatment, so the measure that carries the clause does not apply to them."""

    loaded_before: dt.date
    entered_before: dt.date

    def exempts(self, load_date: dt.date | None, entry_date: dt.date) -> bool:
        """True when a shipment loaded on ``load_date`` and entered on ``entry_date`` is exempt.

        Without a load date the goods are taken as loaded on the entry date (no relief)."""
        loaded = load_date if load_date is not None else entry_date
        return loaded < self.loaded_before and entry_date < self.entered_before


@dataclass(frozen=True)
class ProductScope:
    """HTS prefixes (2–10 digits, no dots) and named product lists that a measure covers.

    ``"*"`` in ``include`` covers every product. A product is covered when it matches an include prefix
    or list (from that list row's effective date) and matches no exclude prefix or list."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    exclude_lists: tuple[str, ...] = ()

    @property
    def covers_all(self) -> bool:
        return "*" in self.include


@dataclass(frozen=True)
class OriginScope:
    """Countries of origin (ISO3 codes or named groups such as ``ALL``, ``EU``, ``USMCA``)."""

    include: tuple[str, ...] = ("ALL",)
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Measure:
    """One tariff measure: scope, rate, time window and stacking rule, with its legal citation.

    Parameters
    ----------
    id
        Unique identifier (``[a-z0-9-]+``), used by ``excluded_by`` and scenario overlays.
    authority
        The legal authority: MFN, Section 232, IEEPA, Section 122, Section 301, Section 201, Other.
    heading, alt_heading
        The Chapter 99 heading reported when the measure adds duty; ``alt_heading`` when a floor adds
        nothing (e.g. 9903.02.72 for Japanese goods whose MFN rate is already 15% or more).
    stacking
        ``additive``: adds ``rate`` on its basis. ``floor``: adds ``max(0, rate - MFN ad valorem
        equivalent)`` on its basis, so that the total is at least ``rate`` ("all-in 15%").
    start, end, suspended, status
        In force for entry dates ``start <= d <= end`` outside every suspension window, and only when
        ``status == 'in_force'``.
    excluded_by
        Measure ids, or ``tag:NAME`` for every measure with that tag: when any of them applies to a
        line, this one does not (e.g. reciprocal duties and Section 232 goods, Ch. 99 US note 2(v)).
    basis, metal
        ``metal_content``: the duty is charged on the share of value that is ``metal`` content.
    metal_remainder
        When a metal-content measure applies to the line, this measure is charged only on the rest.
    us_content_carveout
        With at least 20% US content, this measure is charged on the non-US share only.
    requires_claim
        The measure applies only to entries that claim it (e.g. ``civil-aircraft``: goods certified for
        use in civil aircraft), given as ``claims`` to the engine.
    exclusion_note
        The legal reason shown when another measure excludes this one (e.g. "Ch. 99 US note 2(v)").
    """

    id: str
    title: str
    authority: str
    citation: str
    heading: str
    products: ProductScope
    origins: OriginScope
    rate: float
    start: dt.date
    end: dt.date | None = None
    stacking: str = "additive"
    alt_heading: str | None = None
    suspended: tuple[Window, ...] = ()
    in_transit: InTransit | None = None
    status: str = "in_force"
    excluded_by: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    basis: str = "full"
    metal: str = "any"
    metal_remainder: bool = False
    us_content_carveout: bool = False
    notes: str = ""
    exclusion_note: str = ""
    requires_claim: str | None = None
    source_file: str = field(default="", compare=False)
    source_line: int | None = field(default=None, compare=False)

    # -- time -------------------------------------------------------------------------------------
    def in_window(self, day: dt.date) -> bool:
        """True when ``day`` lies between ``start`` and ``end`` (suspensions not considered)."""
        return self.start <= day and (self.end is None or day <= self.end)

    def suspension_on(self, day: dt.date) -> Window | None:
        """The suspension window containing ``day``, if any."""
        for w in self.suspended:
            if w.contains(day):
                return w
        return None

    def in_force(self, day: dt.date) -> bool:
        """True when the measure is in force on ``day``: active status, in window, not suspended."""
        return self.status == "in_force" and self.in_window(day) and self.suspension_on(day) is None

    def change_dates(self) -> set[dt.date]:
        """Entry dates on which this measure's own in-force state may change."""
        out = {self.start}
        if self.end is not None:
            out.add(self.end + dt.timedelta(days=1))
        for w in self.suspended:
            out.add(w.start)
            if w.end is not None:
                out.add(w.end + dt.timedelta(days=1))
        if self.in_transit is not None:
            out.add(self.in_transit.entered_before)
        return out

    def replace(self, **changes: Any) -> Measure:
        """A copy with ``changes`` applied (measures are immutable)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form, the same keys as the YAML schema."""
        d: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "authority": self.authority,
            "citation": self.citation,
            "heading": self.heading,
            "alt_heading": self.alt_heading,
            "products": {
                "include": list(self.products.include),
                "exclude": list(self.products.exclude),
                "lists": list(self.products.lists),
                "exclude_lists": list(self.products.exclude_lists),
            },
            "origins": {"include": list(self.origins.include), "exclude": list(self.origins.exclude)},
            "stacking": self.stacking,
            "rate": self.rate,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "suspended": [
                {"start": w.start.isoformat(), "end": w.end.isoformat() if w.end else None, "citation": w.citation}
                for w in self.suspended
            ],
            "in_transit": (
                {
                    "loaded_before": self.in_transit.loaded_before.isoformat(),
                    "entered_before": self.in_transit.entered_before.isoformat(),
                }
                if self.in_transit
                else None
            ),
            "status": self.status,
            "excluded_by": list(self.excluded_by),
            "tags": list(self.tags),
            "basis": self.basis,
            "metal": self.metal,
            "metal_remainder": self.metal_remainder,
            "us_content_carveout": self.us_content_carveout,
            "notes": self.notes,
            "exclusion_note": self.exclusion_note,
            "requires_claim": self.requires_claim,
        }
        return d
