"""Build ``src/tariffscope/policy/builtin/ieepa_reciprocal_partners.yaml`` from the HTSUS Chapter 99 text.

Source: HTSUS (2026 Revision 6), Chapter 99, subchapter III, as text extracted from the USITC PDF
(``../shared/data/hts/chapter99_2026_rev6.txt``). The script reads, for every trading partner other than
Japan (encoded elsewhere) and China (left out, see ``docs/reciprocal-partners.md``):

- phase 1, EO 14257 as first issued: headings 9903.01.43–9903.01.76 (one heading per rate, listing the
  countries at that rate), cross-checked against the country list of U.S. note 2(v)(xviii);
- phase 2, EO 14326: headings 9903.02.02–9903.02.71 (one per country), with the EU's all-in 15% floor
  9903.02.19/.20, and the compiler's notes that terminate a heading early;
- the later floor headings of South Korea (9903.02.79/.80), Switzerland (9903.02.82/.83) and
  Liechtenstein (9903.02.87/.88);
- two country-specific IEEPA add-ons that the text states in full: Brazil, EO 14323, heading 9903.01.77
  (+40%, with the product exclusions of U.S. note 2(x)(iii)(a)); India, EO 14329, heading 9903.01.84 (+25%).

Dates the text does not state are taken from the named public sources in ``PUBLIC_SOURCES`` below. Every
IEEPA duty ends on 2026-02-23 (Supreme Court, *Learning Resources, Inc. v. Trump*, decided 2026-02-20; CBP
stopped collecting from 2026-02-24).

Run (no third-party dependency beyond PyYAML and tariffscope itself)::

    .venv/bin/python scripts/build_reciprocal_partners.py [--text PATH] [--out PATH]

The build fails when the text cannot be read as expected (a heading missing, a rate that disagrees with
U.S. note 2(v)(xviii), a country that does not map to an ISO3 code, a termination without a date).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tariffscope.data.countries import country, normalize_country

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TEXT = ROOT.parent / "shared" / "data" / "hts" / "chapter99_2026_rev6.txt"
DEFAULT_OUT = ROOT / "src" / "tariffscope" / "policy" / "builtin" / "ieepa_reciprocal_partners.yaml"

IEEPA_END = dt.date(2026, 2, 23)
PHASE1_SUSPENDED = (dt.date(2025, 4, 10), dt.date(2025, 8, 6))
PHASE1_END = dt.date(2025, 8, 6)  # U.S. note 2(v)(xviii): headings terminated as of 2025-08-07
SKIP_COUNTRIES = {"JPN"}  # encoded in the Japan policy file by a colleague
SKIP_PHASE1_HEADINGS = {"9903.01.63"}  # China: see docs/reciprocal-partners.md

#: U.S. note 2(v)(vi)-(xvi): reciprocal duties do not apply to Section 232 goods (derivatives: metal_remainder);
#: civil-aircraft-exempt is the tag of the civil-aircraft exemption measures (today Japan's 9903.96.02).
EXCLUDED_BY_232 = ["tag:s232-nonmetal", "tag:s232-metal-full", "tag:civil-aircraft-exempt"]
#: Brazil's and India's add-ons exclude Section 232 goods in full, derivatives included (notes 2(x), 2(z)).
EXCLUDED_BY_232_FULL = ["tag:s232-nonmetal", "tag:s232-metal-full", "tag:s232-metal-content"]

#: Facts the Chapter 99 text does not state, with the public source each comes from.
PUBLIC_SOURCES: dict[str, tuple[dt.date, str]] = {
    # Compiler's note "provision terminated. See 90 Fed. Reg. 59281" on the Swiss and Liechtenstein
    # phase-2 headings: the notice applies the 15% floor to entries from 12:01 a.m. ET 2025-11-14.
    "90 Fed. Reg. 59281": (
        dt.date(2025, 11, 14),
        "USTR and Commerce notice implementing the US-Switzerland-Liechtenstein framework, 90 FR 59281 "
        "(2025-12-18), effective retroactively for entries on or after 2025-11-14",
    ),
}

#: The EU floor's product exemptions (headings 9903.02.74-.77, U.S. note 2(v)(xx)-(xxiii)) are not dated in
#: the text; they apply from 2025-09-01 (public source below), so the EU floor is two measures.
EU_EXEMPTIONS_START = dt.date(2025, 9, 1)
EU_EXEMPTIONS_SOURCE = (
    "Commerce/USTR notice implementing the US-EU framework (published 2025-09-25; CBP CSMS #66336270): "
    "exemptions of 9903.02.74-.77 apply to entries on or after 2025-09-01"
)
#: Product lists (src/tariffscope/data/default/product_lists) of each floor's exemption headings. Civil
#: aircraft (General Note 6 criteria) and pharmaceuticals (non-patented only) are conditional exemptions;
#: excluding the whole HTS list is an approximation that over-exempts the goods failing the condition.
FLOOR_EXEMPT_LISTS: dict[str, list[str]] = {
    "EU": [
        "floor_exempt_eu_ptaap",
        "floor_exempt_eu_particular",
        "floor_exempt_eu_civil_aircraft",
        "floor_exempt_eu_pharma",
    ],
    "KOR": ["floor_exempt_kor_civil_aircraft"],
    "CHE": ["floor_exempt_che_ptaap", "floor_exempt_che_civil_aircraft", "floor_exempt_che_pharma"],
    "LIE": ["floor_exempt_che_ptaap", "floor_exempt_che_civil_aircraft", "floor_exempt_che_pharma"],
}

PHASE1_CITATION = "EO 14257 (Annex I), 90 FR 15041"
PHASE1_SUSPENSION_CITATION = "EO 14266 (pause to 2025-07-09); EO 14316 (to 2025-07-31); EO 14326 (replaced)"
PHASE2_CITATION = "EO 14326, 90 FR 37963"
_MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}

_NOISE = re.compile(
    r"Harmonized Tariff Schedule|Annotated for Statistical|^\s*XXII\s*$|99 - III -|Heading/ Stat|"
    r"Subheading Suf|Article Description|^\s*fix\s*$|General\s+Special|^\s*Quantity|See chapter 99 statistical"
)
_HEADING_LINE = re.compile(r"^(9903\.\d{2}\.\d{2}) 1/ ")


@dataclass
class Block:
    """The text of one Chapter 99 heading, split into its description and its rate columns."""

    heading: str
    line: int
    description: str
    columns: str
    raw: list[str] = field(default_factory=list)


def _date(text: str) -> dt.date:
    m = re.fullmatch(r"\s*([A-Za-z]+)\s+(\d{1,2}),\s*(\d{4})\s*", text)
    if not m or m.group(1).lower() not in _MONTHS:
        raise ValueError(f"not a date: {text!r}")
    return dt.date(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2)))


def read_blocks(text: str) -> dict[str, Block]:
    """Every heading of the tariff part of the text (``9903.xx.yy 1/ ...``), first occurrence wins."""
    lines = text.split("\n")  # not splitlines(): the PDF text has form feeds, which must not count as lines
    starts = [(i, m.group(1)) for i, line in enumerate(lines) if (m := _HEADING_LINE.match(line))]
    blocks: dict[str, Block] = {}
    for k, (i, heading) in enumerate(starts):
        j = starts[k + 1][0] if k + 1 < len(starts) else len(lines)
        desc: list[str] = []
        cols: list[str] = []
        for line in lines[i:j]:
            if not line.strip() or _NOISE.search(line):
                continue
            indent = len(line) - len(line.lstrip())
            body = line.strip()
            if indent > 60:  # a line of the rate columns only
                cols.append(body)
                continue
            parts = re.split(r"\s{3,}", body, maxsplit=1)
            desc.append(parts[0])
            if len(parts) > 1:
                cols.append(parts[1])
        description = " ".join(desc)
        description = re.sub(r"^9903\.\d{2}\.\d{2} 1/ ", "", description)
        description = re.sub(r"\.{4,}\s*1/\s*", " ", description)
        description = re.sub(r"\s+", " ", description).strip()
        if heading not in blocks:
            blocks[heading] = Block(heading, i + 1, description, " ".join(cols), lines[i:j])
    return blocks


def additive_rate(block: Block) -> float:
    """The ``+ X%`` of a heading's rate columns, as a fraction; all mentions must agree."""
    found = {float(x) for x in re.findall(r"\+\s*(\d+(?:\.\d+)?)\s*%", block.columns)}
    if len(found) != 1:
        raise ValueError(
            f"{block.heading} (line {block.line}): expected one '+ X%' rate, got {sorted(found)}"
        )
    return round(found.pop() / 100, 4)


def product_of(block: Block) -> list[str]:
    """The countries named after 'articles the product of', as written."""
    m = re.search(
        r"articles\s+the\s+product\s+of\s+(.*?),?\s+(?:as\s+provided|with\s+an\s+ad\s+valorem)",
        block.description,
    )
    if not m:
        raise ValueError(f"{block.heading} (line {block.line}): no 'articles the product of' clause")
    names = re.split(r",\s*or\s+|,\s*|\s+or\s+", m.group(1))
    return [n.strip() for n in names if n.strip()]


def origin_code(name: str) -> str:
    """ISO3 code (or ``EU``) for a country name as the Chapter 99 text writes it."""
    clean = name.replace("\ufffd", "o").replace("`", "'").strip()
    clean = re.sub(r"^the\s+", "", clean)
    if clean.lower() == "european union":
        return "EU"
    return normalize_country(clean)


def display(origin: str) -> str:
    """A readable name for an origin code (``EU`` or ISO3)."""
    return "European Union" if origin == "EU" else country(origin).name


def compiler_note(block: Block) -> str:
    m = re.search(r"\[Compiler's note:(.*?)\]", block.description)
    return re.sub(r"\s+", " ", m.group(1)).strip() if m else ""


def in_transit(block: Block) -> tuple[dt.date, dt.date | None]:
    """``(loaded_before, entered_before)`` of an 'Except for goods loaded ...' clause."""
    date = r"([A-Z][a-z]+ \d{1,2},\s*\d{4})"
    m = re.search(
        r"in transit on the final mode of transit before 12:01 a\.m\. eastern daylight time on " + date,
        block.description,
    )
    if not m:
        raise ValueError(f"{block.heading} (line {block.line}): no in-transit clause")
    loaded = _date(m.group(1))
    m2 = re.search(
        r"and entered for consumption or withdrawn from warehouse for consumption before 12:01 a\.m\. "
        r"eastern daylight time on " + date,
        block.description,
    )
    return loaded, (_date(m2.group(1)) if m2 else None)


def termination(block: Block) -> tuple[dt.date, str] | None:
    """``(first day no longer in force, source)`` from a 'provision terminated' compiler's note."""
    note = compiler_note(block)
    if "terminated" not in note:
        return None
    m = re.search(r"terminated (?:on|as of) ([A-Z][a-z]+ \d{1,2}, \d{4})", note)
    fr = re.search(r"(\d+) Fed\. Reg\. (\d+)", note)
    fr_cite = f"{fr.group(1)} Fed. Reg. {fr.group(2)}" if fr else ""
    if m:
        return _date(m.group(1)), f"HTSUS compiler's note: {note}"
    if fr_cite in PUBLIC_SOURCES:
        day, source = PUBLIC_SOURCES[fr_cite]
        return day, source
    raise ValueError(f"{block.heading} (line {block.line}): terminated ({note}) without a known date")


def note_xviii_rates(text: str) -> dict[str, float]:
    """Country -> phase-1 rate from the list in U.S. note 2(v)(xviii)."""
    start = text.index("(xviii) [Compiler's note: Subdivisions")
    end = text.index("(xix) As provided in headings 9903.02.19", start)
    out: dict[str, float] = {}
    for name, rate in re.findall(
        r"\(\d+\)\s+(.+?), subject to an additional duty of (\d+)%", text[start:end]
    ):
        if name.startswith("China"):
            continue
        out[origin_code(name)] = round(int(rate) / 100, 4)
    return out


def listed_subheadings(text: str, start_marker: str, end_marker: str) -> list[str]:
    """The HTS subheadings (dotted, 8 digits) listed between two markers of the notes."""
    start = text.index(start_marker)
    end = text.index(end_marker, start)
    codes = re.findall(r"\b(\d{4}\.\d{2}\.\d{2})\b", text[start + len(start_marker) : end])
    return sorted(set(codes))


# -- measures ------------------------------------------------------------------------------------------


def _base(mid: str, title: str, citation: str, heading: str, origin: str) -> dict[str, Any]:
    return {
        "id": mid,
        "title": title,
        "authority": "IEEPA",
        "citation": citation,
        "heading": heading,
        "alt_heading": None,
        "products": {"include": ["*"], "exclude_lists": ["ieepa_exempt"]},
        "origins": {"include": [origin]},
    }


def _tail(measure: dict[str, Any], excluded_by: list[str], notes: str) -> dict[str, Any]:
    measure.update(
        {
            "status": "in_force",
            "excluded_by": excluded_by,
            "tags": ["ieepa-reciprocal", "ieepa-country-rate"],
            "basis": "full",
            "metal_remainder": True,
            "us_content_carveout": True,
            "notes": notes,
        }
    )
    return measure


def _slug(origin: str) -> str:
    return origin.lower()


def phase1_measures(blocks: dict[str, Block], text: str) -> list[dict[str, Any]]:
    check = note_xviii_rates(text)
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n in range(43, 77):
        heading = f"9903.01.{n}"
        if heading in SKIP_PHASE1_HEADINGS:
            continue
        block = blocks[heading]
        rate = additive_rate(block)
        loaded, entered = in_transit(block)
        if "terminated" not in compiler_note(block):
            raise ValueError(f"{heading}: expected a 'provision terminated' compiler's note")
        for name in product_of(block):
            origin = origin_code(name)
            if origin in SKIP_COUNTRIES:
                continue
            if check.get(origin) != rate:
                raise ValueError(
                    f"{heading}: {name} at {rate} but U.S. note 2(v)(xviii) says {check.get(origin)}"
                )
            seen.add(origin)
            mid = f"ieepa-recip-{_slug(origin)}-p1"
            m = _base(
                mid,
                f"IEEPA reciprocal, {display(origin)}, phase 1 (+{rate:.0%})",
                PHASE1_CITATION,
                heading,
                origin,
            )
            m.update(
                {
                    "stacking": "additive",
                    "rate": rate,
                    "start": loaded,
                    "end": PHASE1_END,
                    "suspended": [
                        {
                            "start": PHASE1_SUSPENDED[0],
                            "end": PHASE1_SUSPENDED[1],
                            "citation": PHASE1_SUSPENSION_CITATION,
                        }
                    ],
                    # The heading's clause has no entry deadline: entered_before is the day after `end`.
                    "in_transit": {
                        "loaded_before": loaded,
                        "entered_before": entered or PHASE1_END + dt.timedelta(days=1),
                    },
                }
            )
            notes = (
                f"HTSUS {heading} (text line {block.line}): '+{rate:.0%}', goods loaded before {loaded} exempt "
                "(the heading states no entry deadline). In force on 2025-04-09 only: suspended from "
                "2025-04-10 (EO 14266, extended by EO 14316), terminated as of 2025-08-07 (U.S. note "
                "2(v)(xviii)) and replaced by the phase-2 rate of EO 14326."
            )
            out.append(_tail(m, [*EXCLUDED_BY_232, f"ieepa-recip-{_slug(origin)}-p2"], notes))
    missing = set(check) - seen - SKIP_COUNTRIES
    if missing:
        raise ValueError(f"countries of U.S. note 2(v)(xviii) without a phase-1 heading: {sorted(missing)}")
    return out


def phase2_measures(blocks: dict[str, Block]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for n in range(2, 72):
        heading = f"9903.02.{n:02d}"
        block = blocks[heading]
        names = product_of(block)
        if len(names) != 1:
            raise ValueError(f"{heading}: expected one country, got {names}")
        origin = origin_code(names[0])
        if origin in SKIP_COUNTRIES:
            continue
        loaded, entered = in_transit(block)
        if entered is None:
            raise ValueError(f"{heading}: phase-2 heading without the entered-before date")
        ends = termination(block)
        end, end_note = (ends[0] - dt.timedelta(days=1), ends[1]) if ends else (IEEPA_END, "")
        mid = f"ieepa-recip-{_slug(origin)}-p2"
        if "equal to or greater than 15 percent" in block.description:
            continue  # the no-duty half of a floor pair, reported as alt_heading of the next heading
        if "less than 15 percent" in block.description:
            alt = f"9903.02.{n - 1:02d}"
            if "equal to or greater than 15 percent" not in blocks[alt].description:
                raise ValueError(f"{heading}: floor heading without its >= 15% companion {alt}")
            m = _base(
                mid,
                f"IEEPA reciprocal, {display(origin)}, phase 2 (all-in 15% floor)",
                PHASE2_CITATION,
                heading,
                origin,
            )
            m["alt_heading"] = alt
            m.update({"stacking": "floor", "rate": 0.15})
            desc = (
                f"HTSUS {alt}/{heading} (text lines {blocks[alt].line}/{block.line}): column-1 rate >= 15% "
                f"-> no additional duty ({alt}); < 15% -> total 15% ({heading}). The product exemptions of "
                f"9903.02.74-.77 (U.S. note 2(v)(xx)-(xxiii)) apply from {EU_EXEMPTIONS_START}."
            )
        else:
            rate = additive_rate(block)
            m = _base(
                mid,
                f"IEEPA reciprocal, {display(origin)}, phase 2 (+{rate:.0%})",
                PHASE2_CITATION,
                heading,
                origin,
            )
            m.update({"stacking": "additive", "rate": rate})
            desc = f"HTSUS {heading} (text line {block.line}): '+{rate:.0%}'."
        m.update(
            {
                "start": loaded,
                "end": end,
                "suspended": [],
                "in_transit": {"loaded_before": loaded, "entered_before": entered},
            }
        )
        notes = (
            f"{desc} In force from {loaded} (EO 14326); goods loaded before {loaded} and entered before "
            f"{entered} keep the earlier treatment. "
            + (
                f"Ends {end}: {end_note}."
                if ends
                else f"Ends {IEEPA_END}: IEEPA duties void (Learning Resources v. Trump)."
            )
        )
        if m["stacking"] == "floor" and origin == "EU":
            later = {**m, "id": f"{mid}-framework", "start": EU_EXEMPTIONS_START}
            later["title"] = f"{m['title']}, with the framework exemptions"
            later["products"] = {
                "include": ["*"],
                "exclude_lists": ["ieepa_exempt", *FLOOR_EXEMPT_LISTS[origin]],
            }
            m["end"] = EU_EXEMPTIONS_START - dt.timedelta(days=1)
            notes_early = notes.replace(
                f"Ends {IEEPA_END}: IEEPA duties void (Learning Resources v. Trump).",
                f"Ends {m['end']}; from {EU_EXEMPTIONS_START} see {mid}-framework.",
            )
            out.append(_tail(m, list(EXCLUDED_BY_232), notes_early))
            notes_later = (
                f"{notes} From {EU_EXEMPTIONS_START} ({EU_EXEMPTIONS_SOURCE}) the floor does not apply to the "
                f"lists {', '.join(FLOOR_EXEMPT_LISTS[origin])} (civil aircraft and non-patented pharmaceuticals "
                "are conditional exemptions; the whole HTS list is excluded, an approximation)."
            )
            out.append(_tail(later, list(EXCLUDED_BY_232), notes_later))
            continue
        out.append(_tail(m, list(EXCLUDED_BY_232), notes))
    return out


def later_floor_measures(blocks: dict[str, Block], phase2: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """South Korea, Switzerland and Liechtenstein floors, in force from the day their phase-2 rate ended."""
    p2_end = {m["origins"]["include"][0]: m["end"] for m in phase2}
    out: list[dict[str, Any]] = []
    swiss = PUBLIC_SOURCES["90 Fed. Reg. 59281"][1]
    for ge, lt, name, citation, source in (
        (
            "9903.02.79",
            "9903.02.80",
            "South Korea",
            "EO 14257 as modified under EO 14346; 90 FR 55964",
            "U.S. note 2(v)(xxiv)(a); start: the compiler's note terminating Korea's phase-2 heading on "
            "2025-11-14 (90 FR 55964)",
        ),
        (
            "9903.02.82",
            "9903.02.83",
            "Switzerland",
            "EO 14257 as modified under EO 14346; 90 FR 59281",
            f"U.S. note 2(v)(xxv)(a); start: {swiss}",
        ),
        (
            "9903.02.87",
            "9903.02.88",
            "Liechtenstein",
            "EO 14257 as modified under EO 14346; 90 FR 59281",
            f"U.S. note 2(v)(xxv)(a); start: {swiss}",
        ),
    ):
        b_ge, b_lt = blocks[ge], blocks[lt]
        origin = origin_code(name)
        for b, phrase in ((b_ge, "equal to or greater than 15 percent"), (b_lt, "less than 15 percent")):
            if phrase not in b.description or origin_code(product_of(b)[0]) != origin:
                raise ValueError(f"{b.heading}: expected the {name} floor heading ({phrase})")
        start = p2_end[origin] + dt.timedelta(days=1)
        mid = f"ieepa-recip-{_slug(origin)}-floor"
        m = _base(mid, f"IEEPA reciprocal, {display(origin)}, all-in 15% floor", citation, lt, origin)
        m["alt_heading"] = ge
        m["products"] = {"include": ["*"], "exclude_lists": ["ieepa_exempt", *FLOOR_EXEMPT_LISTS[origin]]}
        m.update(
            {
                "stacking": "floor",
                "rate": 0.15,
                "start": start,
                "end": IEEPA_END,
                "suspended": [],
                "in_transit": None,
            }
        )
        extra = (
            " The floor compares with column 1-General or, where claimed, the KORUS column 1-Special rate "
            "(U.S. note 2(v)(xxiv)(a)); the engine's MFN ad valorem equivalent is column 1-General."
            if origin == "KOR"
            else ""
        )
        notes = (
            f"HTSUS {ge}/{lt} (text lines {b_ge.line}/{b_lt.line}): column-1 rate >= 15% -> no additional duty; "
            f"< 15% -> total 15%. The headings state no date or in-transit clause; in force from {start} "
            f"({source}) to {IEEPA_END}. Product exemptions of the same note are excluded as the lists "
            f"{', '.join(FLOOR_EXEMPT_LISTS[origin])} (taken to start with the floor; civil aircraft and "
            f"non-patented pharmaceuticals are conditional, so excluding the whole list over-exempts).{extra}"
        )
        out.append(_tail(m, list(EXCLUDED_BY_232), notes))
    return out


def addon_measures(blocks: dict[str, Block], text: str) -> list[dict[str, Any]]:
    """Brazil (EO 14323, 9903.01.77) and India (EO 14329, 9903.01.84): country add-ons stated in full."""
    out: list[dict[str, Any]] = []

    bra = blocks["9903.01.77"]
    if origin_code(product_of_brazil(bra)) != "BRA":
        raise ValueError("9903.01.77: expected products of Brazil")
    m = re.search(r"became effective on ([A-Z][a-z]+ \d{1,2}, \d{4})", bra.description)
    if not m:
        raise ValueError("9903.01.77: no effective date in the compiler's note")
    bra_start = _date(m.group(1))
    bra_transit = blocks["9903.01.78"]
    em = re.search(
        r"before 12:01 a\.m\. eastern daylight time on ([A-Z][a-z]+ \d{1,2}, \d{4})", bra_transit.description
    )
    if not em:
        raise ValueError("9903.01.78: no entered-before date")
    bra_exclusions = listed_subheadings(
        text, "(a) As provided in heading 9903.01.81", "(b) As provided in heading 9903.01.90"
    )
    rate = additive_rate(bra)
    b = _base(
        "ieepa-brazil-eo14323",
        f"IEEPA, Brazil, EO 14323 (+{rate:.0%})",
        "EO 14323, 90 FR 37739",
        "9903.01.77",
        "BRA",
    )
    b["products"] = {"include": ["*"], "exclude": bra_exclusions}
    b.update(
        {
            "stacking": "additive",
            "rate": rate,
            "start": bra_start,
            "end": IEEPA_END,
            "suspended": [],
            "in_transit": {"loaded_before": bra_start, "entered_before": _date(em.group(1))},
            "status": "in_force",
            "excluded_by": list(EXCLUDED_BY_232_FULL),
            "tags": ["ieepa-country-addon"],
            "basis": "full",
            "metal_remainder": False,
            "us_content_carveout": False,
            "notes": (
                f"HTSUS 9903.01.77 (text line {bra.line}), U.S. note 2(x): +{rate:.0%} on all products of Brazil "
                f"from {bra_start}, on top of the reciprocal rate; in transit per 9903.01.78. Excludes the "
                f"{len(bra_exclusions)} subheadings of note 2(x)(iii)(a) (heading 9903.01.81) and the Section 232 "
                "goods of note 2(x)(v)-(xv) in full, derivatives included (no metal-remainder rule, unlike the "
                "reciprocal duty). The (a) list is as of Rev. 6 and includes products added in November 2025 (beef, "
                "coffee, fruit...), whose date the text does not give: they are excluded from the start. "
                "Not encoded: the particular articles of note 2(x)(iii)(b) (9903.01.90, a later addition whose "
                "date the text does not give), civil aircraft (9903.01.82, note 2(x)(iv)), donations and "
                "informational materials (9903.01.79/.80). The text states no US-content rule for this heading."
            ),
        }
    )
    out.append(b)

    ind = blocks["9903.01.84"]
    rate = additive_rate(ind)
    m = re.search(
        r"after 12:01 a\.m\. eastern daylight time on ([A-Z][a-z]+\s+\d{1,2},\s*\d{4})", ind.description
    )
    if not m or "India" not in ind.description:
        raise ValueError("9903.01.84: expected products of India and an effective date")
    ind_start = _date(m.group(1))
    ends = termination(ind)
    if ends is None:
        raise ValueError("9903.01.84: expected a termination note")
    it = in_transit_addon(blocks["9903.01.85"])
    i = _base(
        "ieepa-india-eo14329",
        f"IEEPA, India, EO 14329 Russian-oil duty (+{rate:.0%})",
        "EO 14329",
        "9903.01.84",
        "IND",
    )
    i.update(
        {
            "stacking": "additive",
            "rate": rate,
            "start": ind_start,
            "end": ends[0] - dt.timedelta(days=1),
            "suspended": [],
            "in_transit": {"loaded_before": it[0], "entered_before": it[1]},
            "status": "in_force",
            "excluded_by": list(EXCLUDED_BY_232_FULL),
            "tags": ["ieepa-country-addon"],
            "basis": "full",
            "metal_remainder": False,
            "us_content_carveout": False,
            "notes": (
                f"HTSUS 9903.01.84 (text line {ind.line}), U.S. note 2(z): +{rate:.0%} on products of India from "
                f"{ind_start}, on top of the reciprocal rate; in transit per 9903.01.85; excludes the note "
                "2(v)(iii) products (9903.01.86, the ieepa_exempt list) and the Section 232 goods of note "
                "2(z)(iii)-(xiii) in full. "
                f"{ends[1]}. Not encoded: donations and informational materials (9903.01.88/.89)."
            ),
        }
    )
    out.append(i)
    return out


def product_of_brazil(block: Block) -> str:
    m = re.search(r"articles the product of (\w+) that", block.description)
    if not m:
        raise ValueError(f"{block.heading}: no 'articles the product of' clause")
    return m.group(1)


def in_transit_addon(block: Block) -> tuple[dt.date, dt.date]:
    """Dates of an 'Articles ... that (1) were loaded ... before X; and (2) are entered ... before Y' heading."""
    dates = re.findall(
        r"before 12:01 a\.m\. eastern daylight time on ([A-Z][a-z]+\s+\d{1,2},\s*\d{4})", block.description
    )
    if len(dates) != 2:
        raise ValueError(f"{block.heading}: expected two dates, got {dates}")
    return _date(dates[0]), _date(dates[1])


# -- output --------------------------------------------------------------------------------------------

HEADER = """\
# GENERATED by scripts/build_reciprocal_partners.py from the HTSUS Chapter 99 text (2026 Rev. 6);
# do not edit by hand: change the script and rebuild. Schema: docs/policy-files.md.
# Country-specific IEEPA reciprocal rates of every partner except Japan (own file) and China (left out),
# plus Brazil's EO 14323 and India's EO 14329 add-ons. See docs/reciprocal-partners.md.
"""


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # no &id001 anchors: every value written out
        return True


class _Flow(list):  # type: ignore[type-arg]
    """A list written in flow style (``[a, b]``), even when its items are quoted."""


def _flow_repr(dumper: yaml.SafeDumper, value: _Flow) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


def _str_repr(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if re.fullmatch(r"\d{4}\.\d{2}(\.\d{2})*", value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str_repr)
_Dumper.add_representer(_Flow, _flow_repr)


def _flow_lists(value: Any) -> Any:
    """Every list of scalars in ``value`` as a :class:`_Flow` list (lists of mappings stay block style)."""
    if isinstance(value, dict):
        return {k: _flow_lists(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_flow_lists(v) for v in value]
        return _Flow(items) if all(not isinstance(v, (dict, list)) for v in items) else items
    return value


def build(text: str) -> dict[str, Any]:
    blocks = read_blocks(text)
    p1 = phase1_measures(blocks, text)
    p2 = phase2_measures(blocks)
    floors = later_floor_measures(blocks, p2)
    addons = addon_measures(blocks, text)
    measures = [*p1, *p2, *floors, *addons]
    ids = [m["id"] for m in measures]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise ValueError(f"duplicate measure ids: {sorted(dupes)}")
    known = set(ids)
    for m in measures:  # a phase-1 measure names its phase-2 successor; drop it where there is none
        m["excluded_by"] = [e for e in m["excluded_by"] if e.startswith("tag:") or e in known]
    return {
        "source": (
            "HTSUS (2026 Rev. 6) chapter 99 subchapter III, U.S. note 2(v), (x), (z) and headings "
            "9903.01.43-.76, 9903.01.77, 9903.01.84, 9903.02.02-.71, 9903.02.79-.88; EO 14257, EO 14266, "
            "EO 14316, EO 14326, EO 14323, EO 14329; 90 FR 59281 (Switzerland, Liechtenstein); "
            "Learning Resources, Inc. v. Trump (2026-02-20) for the end of IEEPA duties"
        ),
        "measures": measures,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--text", type=Path, default=DEFAULT_TEXT)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    text = args.text.read_bytes().decode("utf-8", errors="replace")
    try:
        data = build(text)
    except ValueError as exc:
        print(f"ieepa_reciprocal_partners.yaml not built: {exc}", file=sys.stderr)
        return 1
    body = yaml.dump(
        _flow_lists(data),
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=None,
        width=110,
        allow_unicode=True,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(HEADER + body, encoding="utf-8")
    counts: dict[str, int] = {}
    for m in data["measures"]:
        kind = m["id"].rsplit("-", 1)[-1]
        counts[kind] = counts.get(kind, 0) + 1
    print(f"wrote {args.out}: {len(data['measures'])} measures {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
