"""A :class:`Policy` is an immutable, validated set of measures in a canonical evaluation order.

The order is a topological sort of the ``excluded_by`` graph (a measure comes after every measure that
can exclude it), ties broken by id, so results never depend on the order of measures in files.

>>> from tariffscope.policy.collection import Policy
>>> p = Policy.builtin()
>>> "s232-autos" in p
True
"""

from __future__ import annotations

import datetime as dt
import functools
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tariffscope.errors import InputError, PolicyConflictWarning, PolicyValidationError, Problem
from tariffscope.policy.measure import Measure

#: Tags whose members must never stack on the same line: two of them in force together for the same
#: product and origin, with neither excluding the other, is a contradiction in the policy data.
EXCLUSIVE_TAGS = frozenset({"ieepa-country-rate"})


def resolve_reference(ref: str, measures: Sequence[Measure]) -> list[Measure]:
    """The measures a reference names: an id, or ``tag:NAME`` for every measure with that tag."""
    if ref.startswith("tag:"):
        tag = ref[4:]
        return [m for m in measures if tag in m.tags]
    return [m for m in measures if m.id == ref]


def _excluders(measures: Sequence[Measure]) -> dict[str, list[str]]:
    by_id = {m.id: m for m in measures}
    tag_index: dict[str, list[str]] = {}
    for m in measures:
        for t in m.tags:
            tag_index.setdefault(t, []).append(m.id)
    out: dict[str, list[str]] = {}
    for m in measures:
        ids: list[str] = []
        for ref in m.excluded_by:
            if ref.startswith("tag:"):
                ids.extend(tag_index.get(ref[4:], []))
            elif ref in by_id:
                ids.append(ref)
        out[m.id] = sorted(set(ids) - {m.id})
    return out


def cross_check(measures: Sequence[Measure]) -> list[Problem]:
    """Problems that span measures: duplicate ids, dangling references, exclusion cycles."""
    problems: list[Problem] = []
    seen: dict[str, Measure] = {}
    for m in measures:
        if m.id in seen:
            first = seen[m.id]
            problems.append(
                Problem(
                    m.source_file or "<policy>",
                    m.source_line,
                    f"duplicate measure id '{m.id}' (first defined at {first.source_file}:{first.source_line})",
                )
            )
        else:
            seen[m.id] = m
    tags = {t for m in measures for t in m.tags}
    for m in measures:
        for ref in m.excluded_by:
            known = ref[4:] in tags if ref.startswith("tag:") else ref in seen
            if not known:
                problems.append(
                    Problem(
                        m.source_file or "<policy>",
                        m.source_line,
                        f"measure '{m.id}': excluded_by '{ref}' names no known measure id or tag",
                    )
                )
    if not problems:
        try:
            _topological_order(measures)
        except InputError as exc:
            problems.append(Problem("<policy>", None, str(exc)))
    return problems


def _topological_order(measures: Sequence[Measure]) -> list[Measure]:
    by_id = {m.id: m for m in measures}
    excl = _excluders(measures)
    indeg = {mid: len(excl[mid]) for mid in by_id}
    dependents: dict[str, list[str]] = {mid: [] for mid in by_id}
    for mid, deps in excl.items():
        for d in deps:
            dependents[d].append(mid)
    ready = sorted(mid for mid, n in indeg.items() if n == 0)
    order: list[str] = []
    import heapq

    heapq.heapify(ready)
    while ready:
        mid = heapq.heappop(ready)
        order.append(mid)
        for dep in dependents[mid]:
            indeg[dep] -= 1
            if indeg[dep] == 0:
                heapq.heappush(ready, dep)
    if len(order) != len(by_id):
        cyc = sorted(set(by_id) - set(order))
        raise InputError(
            f"excluded_by references form a cycle among measures {', '.join(cyc)}; "
            "a measure cannot (indirectly) exclude itself"
        )
    return [by_id[mid] for mid in order]


@dataclass(frozen=True)
class Policy:
    """An immutable, validated collection of measures in canonical evaluation order."""

    measures: tuple[Measure, ...]

    def __post_init__(self) -> None:
        problems = cross_check(self.measures)
        if problems:
            raise PolicyValidationError(problems)
        object.__setattr__(self, "measures", tuple(_topological_order(self.measures)))

    # -- construction ----------------------------------------------------------------------------
    @classmethod
    def builtin(cls) -> Policy:
        """The built-in policy timeline shipped with tariffscope (cached)."""
        return _builtin_policy()

    @classmethod
    def from_files(cls, paths: Iterable[str], include_builtin: bool = True) -> Policy:
        """The built-in measures (optionally) plus those of user policy files."""
        from tariffscope.policy.io import builtin_files, load_policy_files

        given = [Path(p) for p in paths]
        seen = {p.resolve() for p in given if p.exists()}
        builtin = [f for f in builtin_files() if f.resolve() not in seen] if include_builtin else []
        files: list[str | Path] = [*builtin, *given]
        return cls(tuple(load_policy_files(files)))

    # -- access ----------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Measure]:
        return iter(self.measures)

    def __len__(self) -> int:
        return len(self.measures)

    def __contains__(self, measure_id: object) -> bool:
        return any(m.id == measure_id for m in self.measures)

    def get(self, measure_id: str) -> Measure:
        """The measure with id ``measure_id``; :class:`InputError` naming close ids when unknown."""
        for m in self.measures:
            if m.id == measure_id:
                return m
        import difflib

        close = difflib.get_close_matches(measure_id, [m.id for m in self.measures], n=4)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `tariffscope measures list` lists them"
        raise InputError(f"unknown measure id '{measure_id}'{hint}")

    def excluders(self) -> dict[str, list[str]]:
        """For each measure id, the ids of the measures whose application excludes it."""
        return _excluders(self.measures)

    def change_dates(self) -> list[dt.date]:
        """Every entry date on which some measure's in-force state may change, sorted."""
        from tariffscope.data.product_lists import load_list

        days: set[dt.date] = set()
        for m in self.measures:
            days |= m.change_dates()
            for name in (*m.products.lists, *m.products.exclude_lists):
                days |= {d for _, d in load_list(name) if d is not None}
        return sorted(days)

    def with_measures(self, measures: Iterable[Measure]) -> Policy:
        """A new policy with ``measures`` added or replacing those with the same id."""
        new = {m.id: m for m in measures}
        kept = [m for m in self.measures if m.id not in new]
        return Policy((*kept, *new.values()))

    def without(self, ids: Iterable[str]) -> Policy:
        """A new policy without the measures ``ids``; references to them, and to tags no remaining
        measure carries, are dropped too."""
        drop = set(ids)
        for mid in drop:
            self.get(mid)
        remaining = [m for m in self.measures if m.id not in drop]
        tags = {t for m in remaining for t in m.tags}

        def keep(ref: str) -> bool:
            return ref[4:] in tags if ref.startswith("tag:") else ref not in drop

        kept = [m.replace(excluded_by=tuple(r for r in m.excluded_by if keep(r))) for m in remaining]
        return Policy(tuple(kept))

    def conflicts(self) -> list[tuple[Measure, Measure, str]]:
        """Pairs of measures that overlap in time, origin and products and contradict each other.

        Two measures contradict when both are floors, or share a Chapter 99 heading, or share an
        exclusive tag (e.g. two country-specific reciprocal rates), while neither excludes the other.
        """
        from tariffscope.policy.scope import origins_overlap, products_overlap

        excl = self.excluders()
        out: list[tuple[Measure, Measure, str]] = []
        ms = [m for m in self.measures if m.status == "in_force"]
        for i, a in enumerate(ms):
            for b in ms[i + 1 :]:
                if b.id in excl[a.id] or a.id in excl[b.id]:
                    continue
                why = ""
                if a.stacking == "floor" and b.stacking == "floor":
                    why = "both set a floor"
                elif a.heading == b.heading and a.rate != b.rate:
                    why = f"same heading {a.heading} with different rates"
                elif set(a.tags) & set(b.tags) & EXCLUSIVE_TAGS:
                    why = f"both carry exclusive tag {sorted(set(a.tags) & set(b.tags) & EXCLUSIVE_TAGS)[0]}"
                if not why:
                    continue
                if not _windows_overlap(a, b) or not origins_overlap(a, b) or not products_overlap(a, b):
                    continue
                out.append((a, b, why))
        return out

    def warn_conflicts(self) -> None:
        """Emit a :class:`PolicyConflictWarning` naming both measures of each contradiction."""
        for a, b, why in self.conflicts():
            warnings.warn(
                f"measures '{a.id}' ({a.source_file}:{a.source_line}) and '{b.id}' "
                f"({b.source_file}:{b.source_line}) overlap and contradict: {why}; "
                f"add one to the other's excluded_by",
                PolicyConflictWarning,
                stacklevel=2,
            )


def _windows_overlap(a: Measure, b: Measure) -> bool:
    a_end = a.end or dt.date.max
    b_end = b.end or dt.date.max
    return a.start <= b_end and b.start <= a_end


@functools.lru_cache(maxsize=1)
def _builtin_policy() -> Policy:
    from tariffscope.policy.io import load_builtin_measures

    return Policy(tuple(load_builtin_measures()))
