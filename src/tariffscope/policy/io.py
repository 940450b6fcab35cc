"""Reading policy files (YAML) into :class:`~tariffscope.policy.measure.Measure` values.

A file is validated whole, the way pandera validates a frame: every problem is collected with its file
and line, and one :class:`~tariffscope.errors.PolicyValidationError` lists them all. The schema is in
``docs/policy-files.md``.

>>> from tariffscope.policy.io import parse_policy_text
>>> text = '''
... measures:
...   - id: demo-10
...     title: Demo 10%
...     authority: IEEPA
...     citation: EO 14257
...     heading: "9903.01.25"
...     products: {include: ["*"]}
...     origins: {include: [ALL]}
...     rate: 0.10
...     start: 2025-04-05
... '''
>>> [m.id for m in parse_policy_text(text, "demo.yaml")]
['demo-10']
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from tariffscope.errors import InputError, PolicyValidationError, Problem
from tariffscope.policy.measure import (
    AUTHORITIES,
    BASES,
    METALS,
    STACKINGS,
    STATUSES,
    InTransit,
    Measure,
    OriginScope,
    ProductScope,
    Window,
)

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_HEADING_RE = re.compile(r"^\d{4}\.\d{2}(\.\d{2})?(\.\d{2})?$")
_KEYS = {
    "id", "title", "authority", "citation", "heading", "alt_heading", "products", "origins", "stacking",
    "rate", "start", "end", "suspended", "in_transit", "status", "excluded_by", "tags", "basis", "metal",
    "metal_remainder", "us_content_carveout", "notes", "exclusion_note", "requires_claim", "source",
}  # fmt: skip
_REQUIRED = ("id", "title", "authority", "citation", "heading", "products", "origins", "rate", "start")


class _LineDict(dict):  # type: ignore[type-arg]
    """A dict that remembers the line it started on in its YAML file."""

    line: int = 0


class _LineLoader(yaml.SafeLoader):
    """A safe YAML loader whose mappings carry their line number (1-based)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    loader.flatten_mapping(node)
    d = _LineDict(loader.construct_pairs(node, deep=True))
    d.line = node.start_mark.line + 1
    return d


def _construct_timestamp(loader: _LineLoader, node: yaml.ScalarNode) -> Any:
    # An impossible date such as 2025-13-01 stays text, so validation can report it with its line.
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# YAML 1.2 booleans: only true/false. Under YAML 1.1 `on`, `off`, `yes` and `no` are booleans, which
# would turn the overlay key `on:` into True.
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LineLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def builtin_dir() -> Path:
    """The folder of the policy files shipped with tariffscope."""
    return Path(str(resources.files("tariffscope"))) / "policy" / "builtin"


def builtin_files() -> list[Path]:
    """The built-in policy files, in name order."""
    return sorted(builtin_dir().glob("*.yaml"))


def normalize_prefix(value: Any) -> str:
    """An HTS prefix without dots or spaces; ``'*'`` stays ``'*'``.

    >>> normalize_prefix("8703.23.01")
    '87032301'
    """
    s = str(value).strip()
    if s == "*":
        return s
    return s.replace(".", "").replace(" ", "")


def _as_date(value: Any, what: str, problems: list[str]) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems.append(f"{what} '{value}' is not a date; write YYYY-MM-DD")
        return None


def _as_str_list(value: Any, what: str, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        problems.append(f"{what} must be a list of strings; got {value!r}")
        return ()
    return tuple(str(v) for v in value)


def _measure_from_mapping(raw: _LineDict, file: str, list_names: set[str]) -> tuple[Measure | None, list[Problem]]:
    """Build one measure, collecting every problem instead of stopping at the first."""
    line = getattr(raw, "line", None)
    msgs: list[str] = []
    mid = str(raw.get("id", "?"))

    for key in sorted(set(raw) - _KEYS):
        msgs.append(f"unknown key '{key}' (known keys: {', '.join(sorted(_KEYS))})")
    for key in _REQUIRED:
        if key not in raw or raw[key] is None:
            msgs.append(f"missing required key '{key}'")
    if "id" in raw and not _ID_RE.match(str(raw["id"])):
        msgs.append(f"id '{raw['id']}' must be lowercase letters, digits and '-'")

    def choice(key: str, allowed: Sequence[str], default: str) -> str:
        v = raw.get(key, default)
        if v is None:
            v = default
        if v not in allowed:
            msgs.append(f"{key} '{v}' is not one of {', '.join(allowed)}")
        return str(v)

    authority = choice("authority", AUTHORITIES, "Other")
    stacking = choice("stacking", STACKINGS, "additive")
    status = choice("status", STATUSES, "in_force")
    basis = choice("basis", BASES, "full")
    metal = choice("metal", METALS, "any")

    heading = str(raw.get("heading", "") or "")
    if heading and not _HEADING_RE.match(heading):
        msgs.append(f"heading '{heading}' must look like 9903.94.01")
    alt_heading = raw.get("alt_heading")
    if alt_heading is not None and not _HEADING_RE.match(str(alt_heading)):
        msgs.append(f"alt_heading '{alt_heading}' must look like 9903.94.40")

    rate_raw = raw.get("rate")
    rate = 0.0
    if rate_raw is not None:
        if isinstance(rate_raw, bool) or not isinstance(rate_raw, (int, float)):
            msgs.append(f"rate must be a number (a fraction: 0.25 for 25%); got {rate_raw!r}")
        else:
            rate = float(rate_raw)
            if rate < 0:
                msgs.append(f"rate {rate} is negative; rates are fractions >= 0")
            elif rate > 5:
                msgs.append(f"rate {rate} looks like a percentage; write it as a fraction ({rate / 100:g})")

    start = _as_date(raw.get("start"), "start", msgs)
    end = _as_date(raw.get("end"), "end", msgs)
    if start and end and end < start:
        msgs.append(f"end {end} is before start {start}")

    # products
    prod = raw.get("products") or {}
    products = ProductScope()
    if not isinstance(prod, dict):
        msgs.append("products must be a mapping with include/exclude/lists/exclude_lists")
    else:
        for key in sorted(set(prod) - {"include", "exclude", "lists", "exclude_lists"}):
            msgs.append(f"unknown key 'products.{key}'")
        inc = tuple(normalize_prefix(p) for p in _as_str_list(prod.get("include"), "products.include", msgs))
        exc = tuple(normalize_prefix(p) for p in _as_str_list(prod.get("exclude"), "products.exclude", msgs))
        lists = _as_str_list(prod.get("lists"), "products.lists", msgs)
        exc_lists = _as_str_list(prod.get("exclude_lists"), "products.exclude_lists", msgs)
        for p in (*inc, *exc):
            if p != "*" and (not p.isdigit() or len(p) not in (2, 4, 6, 8, 10)):
                msgs.append(f"HTS prefix '{p}' must have 2, 4, 6, 8 or 10 digits")
        for name in (*lists, *exc_lists):
            if name not in list_names:
                msgs.append(f"unknown product list '{name}'")
        if not inc and not lists:
            msgs.append("products must include at least one prefix, '*' or a list")
        products = ProductScope(include=inc, exclude=exc, lists=lists, exclude_lists=exc_lists)

    # origins
    org = raw.get("origins") or {}
    origins = OriginScope()
    if not isinstance(org, dict):
        msgs.append("origins must be a mapping with include/exclude")
    else:
        for key in sorted(set(org) - {"include", "exclude"}):
            msgs.append(f"unknown key 'origins.{key}'")
        o_inc = _as_str_list(org.get("include"), "origins.include", msgs)
        o_exc = _as_str_list(org.get("exclude"), "origins.exclude", msgs)
        from tariffscope.data.countries import expand_origins

        for item in (*o_inc, *o_exc):
            try:
                expand_origins([item])
            except InputError as exc:
                msgs.append(str(exc))
        if not o_inc:
            msgs.append("origins.include must name at least one country or group (ALL for every country)")
        origins = OriginScope(include=o_inc, exclude=o_exc)

    # suspensions
    windows: list[Window] = []
    susp = raw.get("suspended") or []
    if not isinstance(susp, list):
        msgs.append("suspended must be a list of {start, end, citation}")
        susp = []
    for w in susp:
        if not isinstance(w, dict):
            msgs.append(f"suspended entry {w!r} must be a mapping {{start, end}}")
            continue
        ws = _as_date(w.get("start"), "suspended.start", msgs)
        we = _as_date(w.get("end"), "suspended.end", msgs)
        if ws is None:
            msgs.append("suspended entry needs a start date")
            continue
        if we is not None and we < ws:
            msgs.append(f"suspension end {we} is before its start {ws}")
        windows.append(Window(ws, we, str(w.get("citation", ""))))

    in_transit = None
    it = raw.get("in_transit")
    if it is not None:
        if not isinstance(it, dict) or "loaded_before" not in it or "entered_before" not in it:
            msgs.append("in_transit must be a mapping {loaded_before, entered_before}")
        else:
            lb = _as_date(it["loaded_before"], "in_transit.loaded_before", msgs)
            eb = _as_date(it["entered_before"], "in_transit.entered_before", msgs)
            if lb and eb:
                if eb < lb:
                    msgs.append(f"in_transit.entered_before {eb} is before loaded_before {lb}")
                in_transit = InTransit(lb, eb)

    def flag(key: str) -> bool:
        v = raw.get(key, False)
        if not isinstance(v, bool):
            msgs.append(f"{key} must be true or false; got {v!r}")
            return False
        return v

    metal_remainder = flag("metal_remainder")
    carveout = flag("us_content_carveout")
    if basis == "metal_content" and metal_remainder:
        msgs.append("a metal_content measure cannot also be metal_remainder")
    if stacking == "floor" and rate > 1:
        msgs.append(f"floor {rate} above 100% looks wrong; floors are all-in rates as fractions")

    excluded_by = _as_str_list(raw.get("excluded_by"), "excluded_by", msgs)
    tags = _as_str_list(raw.get("tags"), "tags", msgs)

    problems = [Problem(file, line, f"measure '{mid}': {m}") for m in msgs]
    if problems or start is None:
        return None, problems
    measure = Measure(
        id=str(raw["id"]),
        title=str(raw["title"]),
        authority=authority,
        citation=str(raw["citation"]),
        heading=heading,
        alt_heading=str(alt_heading) if alt_heading is not None else None,
        products=products,
        origins=origins,
        stacking=stacking,
        rate=rate,
        start=start,
        end=end,
        suspended=tuple(windows),
        in_transit=in_transit,
        status=status,
        excluded_by=excluded_by,
        tags=tags,
        basis=basis,
        metal=metal,
        metal_remainder=metal_remainder,
        us_content_carveout=carveout,
        notes=str(raw.get("notes", "") or ""),
        exclusion_note=str(raw.get("exclusion_note", "") or ""),
        requires_claim=str(raw["requires_claim"]) if raw.get("requires_claim") else None,
        source_file=file,
        source_line=line,
    )
    return measure, []


def _parse_documents(text: str, file: str) -> tuple[list[_LineDict], list[Problem]]:
    try:
        doc = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return [], [Problem(file, line, f"not valid YAML: {getattr(exc, 'problem', exc)}")]
    if doc is None:
        return [], [Problem(file, None, "empty policy file; expected a mapping with a 'measures' list")]
    if not isinstance(doc, dict) or "measures" not in doc:
        return [], [Problem(file, getattr(doc, "line", 1), "a policy file is a mapping with a 'measures' list")]
    items = doc["measures"]
    if not isinstance(items, list):
        return [], [Problem(file, getattr(doc, "line", 1), "'measures' must be a list")]
    out: list[_LineDict] = []
    problems: list[Problem] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append(Problem(file, getattr(doc, "line", None), f"measures[{i}] must be a mapping"))
        else:
            out.append(item)  # type: ignore[arg-type]
    return out, problems


def parse_policy_text(text: str, file: str = "<text>") -> list[Measure]:
    """Parse and validate the YAML text of one policy file; raise with every problem at once."""
    measures, problems = _parse_collect(text, file)
    if problems:
        raise PolicyValidationError(problems)
    return measures


def _parse_collect(text: str, file: str) -> tuple[list[Measure], list[Problem]]:
    from tariffscope.data.product_lists import available_lists

    names = set(available_lists())
    raws, problems = _parse_documents(text, file)
    measures: list[Measure] = []
    for raw in raws:
        m, probs = _measure_from_mapping(raw, file, names)
        problems.extend(probs)
        if m is not None:
            measures.append(m)
    return measures, problems


def load_policy_files(paths: Iterable[str | Path]) -> list[Measure]:
    """Read and validate several policy files together.

    Cross-file rules are checked too: ids unique across files, every ``excluded_by`` reference names a
    known id or tag, and exclusions form no cycle. All problems of all files are raised at once.
    """
    from tariffscope.policy.collection import cross_check

    measures: list[Measure] = []
    problems: list[Problem] = []
    for path in paths:
        p = Path(path)
        if not p.is_file():
            problems.append(Problem(str(p), None, "policy file not found; check the path"))
            continue
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(str(p), None, f"cannot read policy file: {exc}"))
            continue
        ms, probs = _parse_collect(text, str(p))
        measures.extend(ms)
        problems.extend(probs)
    problems.extend(cross_check(measures))
    if problems:
        raise PolicyValidationError(problems)
    return measures


def load_builtin_measures() -> list[Measure]:
    """Every measure in the built-in policy files."""
    return load_policy_files(builtin_files())


def dump_measures(measures: Iterable[Measure]) -> str:
    """YAML text of ``measures`` in the policy-file schema (round-trips through the loader)."""
    docs = []
    for m in measures:
        d = m.to_dict()
        d["start"] = m.start
        d["end"] = m.end
        docs.append({k: v for k, v in d.items() if v not in (None, [], "", False) or k in ("rate",)})
    return yaml.safe_dump({"measures": docs}, sort_keys=False, allow_unicode=True)
