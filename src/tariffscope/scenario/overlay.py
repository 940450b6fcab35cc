"""Overlays: changes laid over a policy timeline from a date (add, remove, suspend, resume, change, exempt).

An overlay is a list of operations applied in order to a :class:`~tariffscope.policy.collection.Policy`,
giving a new policy; a scenario branch applies its ancestors' overlays first, then its own. Operations
are data (frozen dataclasses) and never special cases: "the 24% snaps back when the pause ends on
2025-07-09" is ``resume`` of the suspended measure on that date, and every product follows from the law.

Operations (``measures`` takes ids or ``tag:NAME``):

* ``add``: a new measure (a full measure mapping); an existing id is replaced.
* ``remove``: the measures stop applying from ``from`` (their last day becomes the day before); without
  ``from`` they are removed entirely.
* ``suspend``: a suspension window ``from`` .. ``to`` (``to`` open when omitted).
* ``resume``: suspensions end the day before ``on``; later suspension windows are dropped.
* ``change``: ``set`` fields (``rate``, ``stacking``, ``status``, ``start``, ``end``, ``heading``,
  ``alt_heading``) from ``from``: the measure ends the day before and a copy with the changes, id
  ``<id>@<date>``, starts that day and takes its place in every ``excluded_by``; without ``from`` the
  measure is changed in place.
* ``exempt``: from ``from``, the measures no longer cover ``origins`` (a changed copy as above).

>>> from tariffscope.policy.collection import Policy
>>> ops = [Operation(op="resume", measures=("ieepa-recip-jpn-p1",), on=dt.date(2025, 7, 9))]
>>> p = apply_overlay(Policy.builtin(), ops)
>>> p.get("ieepa-recip-jpn-p1").suspended[0].end
datetime.date(2025, 7, 8)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from tariffscope.errors import InputError
from tariffscope.policy.collection import Policy, resolve_reference
from tariffscope.policy.measure import Measure, OriginScope, Window

OpName = Literal["add", "remove", "suspend", "resume", "change", "exempt"]
OPS: tuple[str, ...] = ("add", "remove", "suspend", "resume", "change", "exempt")
CHANGEABLE = ("rate", "stacking", "status", "start", "end", "heading", "alt_heading", "title", "citation")
_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Operation:
    """One overlay operation (see the module docstring)."""

    op: str
    measures: tuple[str, ...] = ()
    measure: Measure | None = None
    from_date: dt.date | None = None
    to_date: dt.date | None = None
    on: dt.date | None = None
    set: tuple[tuple[str, Any], ...] = ()
    origins: tuple[str, ...] = ()
    citation: str = ""
    line: int | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"op": self.op}
        if self.measures:
            d["measures"] = list(self.measures)
        if self.measure is not None:
            d["measure"] = self.measure.to_dict()
        for key, val in (("from", self.from_date), ("to", self.to_date), ("on", self.on)):
            if val is not None:
                d[key] = val.isoformat()
        if self.set:
            d["set"] = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in self.set}
        if self.origins:
            d["origins"] = list(self.origins)
        if self.citation:
            d["citation"] = self.citation
        return d


def _targets(policy: Policy, refs: Sequence[str], op: Operation) -> list[Measure]:
    out: list[Measure] = []
    for ref in refs:
        found = resolve_reference(ref, policy.measures)
        if not found:
            if ref.startswith("tag:"):
                raise InputError(f"overlay {op.op}: no measure carries tag '{ref[4:]}'")
            policy.get(ref)  # raises with close matches
        out.extend(found)
    return out


def _split(policy: Policy, m: Measure, day: dt.date, **changes: Any) -> tuple[list[Measure], dict[str, str]]:
    """End ``m`` the day before ``day`` and start a changed copy on ``day``; returns new measures and
    the id mapping for references."""
    if day <= m.start:
        return [m.replace(**changes)], {}
    if m.end is not None and day > m.end:
        return [m], {}  # the measure ended before the change: nothing to do
    new_id = f"{m.id}@{day.isoformat()}"
    old = m.replace(end=day - _DAY)
    suspended = tuple(w for w in m.suspended if w.end is None or w.end >= day)
    suspended = tuple(Window(max(w.start, day), w.end, w.citation) for w in suspended)
    new = m.replace(id=new_id, start=day, suspended=suspended, **changes)
    return [old, new], {m.id: new_id}


def _apply_one(policy: Policy, op: Operation) -> Policy:
    if op.op == "add":
        assert op.measure is not None
        return policy.with_measures([op.measure])
    targets = _targets(policy, op.measures, op)
    replaced: list[Measure] = []
    removed: set[str] = set()
    id_map: dict[str, str] = {}
    for m in targets:
        if op.op == "remove":
            if op.from_date is None or op.from_date <= m.start:
                removed.add(m.id)
            elif m.end is None or op.from_date <= m.end:
                replaced.append(m.replace(end=op.from_date - _DAY))
        elif op.op == "suspend":
            assert op.from_date is not None
            replaced.append(m.replace(suspended=(*m.suspended, Window(op.from_date, op.to_date, op.citation))))
        elif op.op == "resume":
            assert op.on is not None
            windows: list[Window] = []
            for w in m.suspended:
                if w.start >= op.on:
                    continue
                if w.end is None or w.end >= op.on:
                    windows.append(Window(w.start, op.on - _DAY, w.citation))
                else:
                    windows.append(w)
            replaced.append(m.replace(suspended=tuple(windows)))
        elif op.op in ("change", "exempt"):
            changes = dict(op.set)
            if op.op == "exempt":
                changes["origins"] = OriginScope(m.origins.include, (*m.origins.exclude, *op.origins))
            if op.from_date is None:
                replaced.append(m.replace(**changes))
            else:
                ms, mapping = _split(policy, m, op.from_date, **changes)
                replaced.extend(ms)
                id_map.update(mapping)
        else:  # pragma: no cover - validated when parsed
            raise InputError(f"unknown overlay operation '{op.op}'; use one of {', '.join(OPS)}")
    new_policy = policy.without(removed) if removed else policy
    new_policy = new_policy.with_measures(replaced) if replaced else new_policy
    if id_map:
        # A copy takes the place of its original in every exclusion list.
        fixed = []
        for m in new_policy.measures:
            extra = tuple(id_map[r] for r in m.excluded_by if r in id_map and id_map[r] != m.id)
            if extra:
                fixed.append(m.replace(excluded_by=(*m.excluded_by, *extra)))
        if fixed:
            new_policy = new_policy.with_measures(fixed)
    return new_policy


def apply_overlay(policy: Policy, operations: Iterable[Operation]) -> Policy:
    """A new policy: ``operations`` applied to ``policy`` in order."""
    for op in operations:
        policy = _apply_one(policy, op)
    return policy


def parse_operation(raw: dict[str, Any], file: str, known_lists: set[str]) -> tuple[Operation | None, list[str]]:
    """One operation from its YAML mapping; returns (operation, problems)."""
    from tariffscope.policy.io import _as_date, _measure_from_mapping

    msgs: list[str] = []
    name = raw.get("op")
    if name not in OPS:
        return None, [f"overlay op '{name}' is not one of {', '.join(OPS)}"]
    allowed = {"op", "measures", "measure", "from", "to", "on", "set", "origins", "citation"}
    for key in sorted(set(raw) - allowed):
        msgs.append(f"overlay {name}: unknown key '{key}'")
    measures = raw.get("measures") or []
    if isinstance(measures, str):
        measures = [measures]
    measure = None
    if name == "add":
        body = raw.get("measure")
        if not isinstance(body, dict):
            msgs.append("overlay add: needs a 'measure' mapping in the policy-file schema")
        else:
            measure, probs = _measure_from_mapping(body, file, known_lists)  # type: ignore[arg-type]
            msgs.extend(p.message for p in probs)
    elif not measures:
        msgs.append(f"overlay {name}: needs 'measures' (ids or tag:NAME)")
    from_date = _as_date(raw.get("from"), f"overlay {name} from", msgs)
    to_date = _as_date(raw.get("to"), f"overlay {name} to", msgs)
    on = _as_date(raw.get("on"), f"overlay {name} on", msgs)
    if name == "suspend" and from_date is None:
        msgs.append("overlay suspend: needs 'from' (first suspended entry date)")
    if name == "resume" and on is None:
        msgs.append("overlay resume: needs 'on' (first entry date the measure applies again)")
    if from_date and to_date and to_date < from_date:
        msgs.append(f"overlay {name}: 'to' {to_date} is before 'from' {from_date}")
    sets: dict[str, Any] = raw.get("set") or {}
    if name == "change":
        if not isinstance(sets, dict) or not sets:
            msgs.append("overlay change: needs 'set' with fields to change")
            sets = {}
        for key in sets:
            if key not in CHANGEABLE:
                msgs.append(f"overlay change: field '{key}' cannot be changed (allowed: {', '.join(CHANGEABLE)})")
        if "rate" in sets:
            r = sets["rate"]
            if not isinstance(r, (int, float)) or r < 0 or r > 5:
                msgs.append(f"overlay change: rate {r!r} must be a fraction >= 0 (0.25 for 25%)")
        for key in ("start", "end"):
            if key in sets and sets[key] is not None:
                sets[key] = _as_date(sets[key], f"overlay change {key}", msgs)
    origins = raw.get("origins") or []
    if isinstance(origins, str):
        origins = [origins]
    if name == "exempt":
        if not origins:
            msgs.append("overlay exempt: needs 'origins'")
        from tariffscope.data.countries import expand_origins

        for o in origins:
            try:
                expand_origins([o])
            except InputError as exc:
                msgs.append(str(exc))
    if msgs:
        return None, msgs
    return Operation(
        op=name,
        measures=tuple(str(m) for m in measures),
        measure=measure,
        from_date=from_date,
        to_date=to_date,
        on=on,
        set=tuple(sorted(sets.items())),
        origins=tuple(str(o) for o in origins),
        citation=str(raw.get("citation", "") or ""),
        line=getattr(raw, "line", None),
    ), []


def check_references(policy: Policy, operations: Sequence[Operation]) -> list[str]:
    """Problems of operations against a policy: unknown measure ids/tags (applied in order)."""
    problems: list[str] = []
    current = policy
    for op in operations:
        try:
            current = _apply_one(current, op)
        except InputError as exc:
            where = f" (line {op.line})" if op.line else ""
            problems.append(f"{exc}{where}")
    return problems

