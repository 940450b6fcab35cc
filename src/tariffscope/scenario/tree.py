"""Scenario trees: branches with probabilities hung on deadlines, each branch an overlay on the timeline.

A scenario file (YAML) names the question (origin, date of interest, products to follow) and either a
single ``overlay`` or a tree of ``nodes``: each node is a deadline with branches whose probabilities sum
to 1; a branch may lead to a further node (``next``). A leaf is a path from the root; its probability is
the product along the path and its policy is the built-in timeline with the scenario's ``overlay``, then
each branch's overlay from the root down (the documented order of composition).

>>> s = load_scenario("us-japan-2025")
>>> [leaf.name for leaf in s.leaves()]
['snapback', 'deal', 'rollback', 'escalation']
>>> round(sum(leaf.probability for leaf in s.leaves()), 12)
1.0
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from tariffscope.errors import InputError, PolicyValidationError, Problem
from tariffscope.policy.collection import Policy
from tariffscope.scenario.overlay import Operation, apply_overlay, check_references, parse_operation

#: Dates in scenario files must fall in this range (the span the schedule and timeline cover).
TIMELINE_START = dt.date(2025, 1, 1)
TIMELINE_END = dt.date(2030, 12, 31)
PROBABILITY_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Branch:
    """One outcome at a deadline: a probability, an overlay, and optionally the next deadline."""

    name: str
    probability: float
    overlay: tuple[Operation, ...] = ()
    next: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Node:
    """A deadline with its branches."""

    id: str
    deadline: dt.date
    branches: tuple[Branch, ...]
    description: str = ""


@dataclass(frozen=True)
class Leaf:
    """A full path through the tree: its name, probability and operations in order of application."""

    name: str
    probability: float
    path: tuple[str, ...]
    operations: tuple[Operation, ...]


@dataclass(frozen=True)
class Scenario:
    """A scenario: the question it answers and its tree (or single overlay)."""

    name: str
    title: str = ""
    description: str = ""
    origin: str = "JPN"
    date: dt.date = dt.date(2025, 10, 1)
    baseline_date: dt.date = dt.date(2025, 1, 1)
    products: tuple[str, ...] = ()
    start: dt.date = TIMELINE_START
    end: dt.date = dt.date(2026, 12, 31)
    overlay: tuple[Operation, ...] = ()
    nodes: tuple[Node, ...] = ()
    root: str | None = None
    source: str = field(default="", compare=False)
    text: str = field(default="", compare=False)

    def node(self, node_id: str) -> Node:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise InputError(f"scenario '{self.name}' has no node '{node_id}'")

    def leaves(self) -> list[Leaf]:
        """Every path from the root, with its probability and operations."""
        if self.root is None:
            return [Leaf("base", 1.0, (), self.overlay)]
        out: list[Leaf] = []

        def walk(node_id: str, prob: float, path: tuple[str, ...], ops: tuple[Operation, ...]) -> None:
            for b in self.node(node_id).branches:
                p, pth, o = prob * b.probability, (*path, b.name), (*ops, *b.overlay)
                if b.next:
                    walk(b.next, p, pth, o)
                else:
                    out.append(Leaf("/".join(pth), p, pth, o))

        walk(self.root, 1.0, (), self.overlay)
        return out

    def leaf(self, name: str) -> Leaf:
        """A leaf by its full name (``deal/cars``) or its last branch name when unique."""
        leaves = self.leaves()
        for leaf in leaves:
            if leaf.name == name:
                return leaf
        tail = [leaf for leaf in leaves if leaf.path and leaf.path[-1] == name]
        if len(tail) == 1:
            return tail[0]
        names = ", ".join(leaf.name for leaf in leaves)
        raise InputError(f"scenario '{self.name}' has no branch '{name}'; its branches: {names}")

    def policy(self, leaf: Leaf | str, base: Policy | None = None) -> Policy:
        """The policy of a leaf: the base timeline (built-in by default) with the leaf's overlays."""
        lf = self.leaf(leaf) if isinstance(leaf, str) else leaf
        return apply_overlay(base if base is not None else Policy.builtin(), lf.operations)

    def content_hash(self) -> str:
        """A hash of the scenario's content (its file text, or its parsed form)."""
        payload = self.text or json.dumps(self.to_dict(), sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "origin": self.origin,
            "date": self.date.isoformat(),
            "baseline_date": self.baseline_date.isoformat(),
            "products": list(self.products),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "overlay": [o.to_dict() for o in self.overlay],
            "root": self.root,
            "nodes": [
                {"id": n.id, "deadline": n.deadline.isoformat(), "description": n.description,
                 "branches": [{"name": b.name, "probability": b.probability, "next": b.next,
                               "description": b.description, "overlay": [o.to_dict() for o in b.overlay]}
                              for b in n.branches]}
                for n in self.nodes
            ],
        }


def builtin_scenario_dir() -> Path:
    return Path(str(resources.files("tariffscope"))) / "scenario" / "builtin"


def builtin_scenarios() -> list[str]:
    """Names of the scenarios shipped with tariffscope."""
    return sorted(p.stem for p in builtin_scenario_dir().glob("*.yaml"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A built-in scenario by name, or a scenario YAML file, validated whole."""
    p = Path(name_or_path)
    if not p.suffix and not p.exists():
        candidate = builtin_scenario_dir() / f"{name_or_path}.yaml"
        if not candidate.is_file():
            raise InputError(
                f"unknown scenario '{name_or_path}'; built-in scenarios: {', '.join(builtin_scenarios())}, "
                "or give the path of a YAML file"
            )
        p = candidate
    if not p.is_file():
        raise InputError(f"scenario file '{p}' not found; check the path")
    return parse_scenario(p.read_text(encoding="utf-8"), str(p))


def parse_scenario(text: str, file: str = "<scenario>") -> Scenario:
    """Parse and validate a scenario; every problem is reported at once with file and line."""
    from tariffscope.data.product_lists import available_lists
    from tariffscope.policy.io import _as_date, _LineLoader

    problems: list[Problem] = []
    try:
        doc = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise PolicyValidationError(
            [Problem(file, mark.line + 1 if mark else None, f"not valid YAML: {getattr(exc, 'problem', exc)}")]
        ) from None
    if not isinstance(doc, dict):
        raise PolicyValidationError([Problem(file, 1, "a scenario file is a mapping (name, overlay or nodes)")])
    lists = set(available_lists())

    def here(obj: Any) -> int | None:
        return getattr(obj, "line", None)

    def add(obj: Any, msgs: list[str]) -> None:
        problems.extend(Problem(file, here(obj), m) for m in msgs)

    top_keys = {"name", "title", "description", "origin", "date", "baseline_date", "products", "start", "end",
                "overlay", "nodes", "root", "source"}
    add(doc, [f"unknown key '{k}' (known: {', '.join(sorted(top_keys))})" for k in sorted(set(doc) - top_keys)])
    msgs: list[str] = []
    name = str(doc.get("name") or Path(file).stem)

    def date_in_range(value: Any, what: str, default: dt.date | None, sink: list[str]) -> dt.date | None:
        d = _as_date(value, what, sink) if value is not None else default
        if d is not None and not (TIMELINE_START <= d <= TIMELINE_END):
            sink.append(f"{what} {d} is outside the timeline {TIMELINE_START} to {TIMELINE_END}")
        return d

    date = date_in_range(doc.get("date"), "date", dt.date(2025, 10, 1), msgs)
    baseline_date = date_in_range(doc.get("baseline_date"), "baseline_date", TIMELINE_START, msgs)
    start = date_in_range(doc.get("start"), "start", TIMELINE_START, msgs)
    end = date_in_range(doc.get("end"), "end", dt.date(2026, 12, 31), msgs)
    origin = str(doc.get("origin") or "JPN")
    try:
        from tariffscope.data.countries import normalize_country

        origin = normalize_country(origin)
    except InputError as exc:
        msgs.append(str(exc))
    products = tuple(str(p).replace(".", "") for p in (doc.get("products") or []))
    add(doc, msgs)

    def ops_of(raw_list: Any, where: Any) -> tuple[Operation, ...]:
        if raw_list is None:
            return ()
        if not isinstance(raw_list, list):
            add(where, ["overlay must be a list of operations"])
            return ()
        out = []
        for raw in raw_list:
            if not isinstance(raw, dict):
                add(where, [f"overlay entry {raw!r} must be a mapping with 'op'"])
                continue
            op, m = parse_operation(raw, file, lists)
            dates = [d for d in (op.from_date, op.to_date, op.on) if d is not None] if op else []
            m += [f"overlay {raw.get('op')}: date {d} is outside the timeline {TIMELINE_START} to {TIMELINE_END}"
                  for d in dates if not (TIMELINE_START <= d <= TIMELINE_END)]
            add(raw, m)
            if op is not None and not m:
                out.append(op)
        return tuple(out)

    overlay = ops_of(doc.get("overlay"), doc)
    nodes: list[Node] = []
    for raw_node in doc.get("nodes") or []:
        nm: list[str] = []
        nid = str(raw_node.get("id", "")) if isinstance(raw_node, dict) else ""
        if not nid:
            add(raw_node, ["a node needs an 'id'"])
            continue
        deadline = date_in_range(raw_node.get("deadline"), f"node '{nid}' deadline", None, nm)
        if deadline is None and not nm:
            nm.append(f"node '{nid}' needs a 'deadline' (YYYY-MM-DD)")
        branches: list[Branch] = []
        for raw_b in raw_node.get("branches") or []:
            bm: list[str] = []
            bname = str(raw_b.get("name", ""))
            if not bname or "/" in bname or ":" in bname:
                bm.append(f"branch name '{bname}' must be non-empty, without '/' or ':'")
            prob = raw_b.get("probability")
            if isinstance(prob, bool) or not isinstance(prob, (int, float)) or not 0 <= prob <= 1:
                bm.append(f"branch '{bname}': probability {prob!r} must be a number between 0 and 1")
                prob = 0.0
            add(raw_b, bm)
            branches.append(Branch(bname, float(prob), ops_of(raw_b.get("overlay"), raw_b),
                                   str(raw_b["next"]) if raw_b.get("next") else None,
                                   str(raw_b.get("description", "") or "")))
        if not branches:
            nm.append(f"node '{nid}' has no branches")
        total = sum(b.probability for b in branches)
        if branches and abs(total - 1.0) > PROBABILITY_TOLERANCE:
            nm.append(f"node '{nid}': branch probabilities sum to {total:.6g}, not 1 "
                      f"({', '.join(f'{b.name} {b.probability:g}' for b in branches)})")
        names = [b.name for b in branches]
        if len(set(names)) != len(names):
            nm.append(f"node '{nid}': branch names must be unique")
        add(raw_node, nm)
        nodes.append(Node(nid, deadline or TIMELINE_START, tuple(branches), str(raw_node.get("description", "") or "")))
    ids = [n.id for n in nodes]
    if len(set(ids)) != len(ids):
        add(doc, ["node ids must be unique"])
    root = doc.get("root") or (ids[0] if ids else None)
    if root is not None and root not in ids:
        add(doc, [f"root '{root}' names no node"])
    for n in nodes:
        for b in n.branches:
            if b.next is not None and b.next not in ids:
                add(doc, [f"branch '{n.id}/{b.name}': next '{b.next}' names no node"])
    # Cycles: a node reachable from itself.
    graph = {n.id: [b.next for b in n.branches if b.next] for n in nodes}

    def has_cycle(start: str) -> bool:
        stack, seen = [*graph.get(start, [])], set()
        while stack:
            cur = stack.pop()
            if cur == start:
                return True
            if cur in seen:
                continue
            seen.add(cur)
            stack.extend(graph.get(cur, []))
        return False

    cyclic = sorted(nid for nid in graph if has_cycle(nid))
    if cyclic:
        add(doc, [f"the tree has a cycle through nodes {', '.join(cyclic)}; a branch cannot lead back"])
    if problems:
        raise PolicyValidationError(problems)
    scenario = Scenario(
        name=name, title=str(doc.get("title", "") or ""), description=str(doc.get("description", "") or ""),
        origin=origin, date=date or dt.date(2025, 10, 1), baseline_date=baseline_date or TIMELINE_START,
        products=products, start=start or TIMELINE_START, end=end or dt.date(2026, 12, 31), overlay=overlay,
        nodes=tuple(nodes), root=str(root) if root else None, source=file, text=text,
    )
    # References to measures are checked against the built-in timeline, leaf by leaf.
    base = Policy.builtin()
    ref_problems: list[Problem] = []
    for leaf in scenario.leaves():
        for msg in check_references(base, leaf.operations):
            p = Problem(file, None, f"branch '{leaf.name}': {msg}")
            if p not in ref_problems:
                ref_problems.append(p)
    if ref_problems:
        raise PolicyValidationError(ref_problems)
    return scenario


def resolve(spec: str) -> tuple[Scenario, Leaf]:
    """``NAME[:BRANCH]`` (a built-in name or a YAML path) -> the scenario and one leaf.

    Without a branch the scenario must have a single leaf."""
    name, _, branch = spec.partition(":") if not Path(spec).exists() else (spec, "", "")
    scenario = load_scenario(name)
    leaves = scenario.leaves()
    if branch:
        return scenario, scenario.leaf(branch)
    if len(leaves) == 1:
        return scenario, leaves[0]
    raise InputError(
        f"scenario '{scenario.name}' has {len(leaves)} branches; pick one with --scenario "
        f"{scenario.name}:BRANCH ({', '.join(leaf.name for leaf in leaves)})"
    )
