"""Build the named HTS product lists in ``src/tariffscope/data/default/product_lists/``.

Each list is a CSV ``hts_prefix,effective_date,note`` (prefix of 2, 4, 6, 8 or 10 digits without dots;
``effective_date`` empty unless the row joined the list after the measure started) that policy files
name under ``products.lists``. A sidecar ``SOURCES.md`` in the same folder, written by this script,
names the source of every list (shared file, or US note and heading of HTSUS chapter 99).

Sources (the ``../shared/data/hts`` folder, never copied wholesale):

- product files compiled by the Yale Budget Lab tariff-rate-tracker (MIT) from the CBP/USITC annexes:
  ``s232_auto_parts.txt``, ``s232_mhd_parts.txt``, ``s232_copper_products.csv``,
  ``s232_derivative_products.csv``, ``s232_semi_products.csv``, ``ieepa_exempt_products.csv``,
  ``s122_exempt_products.csv``, ``floor_exempt_products.csv``;
- the legal text ``chapter99_2026_rev6.txt`` (HTSUS 2026 Revision 6, chapter 99, text extracted from the
  PDF) for the scopes that have no file: steel and aluminum articles and derivatives, the 2026 metal
  annexes, autos, medium/heavy-duty vehicles and buses, timber and wood products, Japanese civil aircraft.

The text is read as Latin-1 and split on ``\\n`` only (the PDF extraction leaves ``\\x85``, ``\\x0c`` and
similar bytes that ``str.splitlines`` would treat as line breaks). Lists are cut out between anchor lines
(the subdivision headings of each note); page furniture (running heads, page numbers) is skipped. Every
parsed list is checked against what the note says it holds (chapter ranges, known sizes, the shared
files it must agree with); the build stops when a check fails, so a changed text cannot slip through.

Usage::

    .venv/bin/python scripts/build_product_lists.py [--shared DIR] [--out DIR] [--verbose]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = ROOT.parent / "shared" / "data" / "hts"
DEFAULT_OUT = ROOT / "src" / "tariffscope" / "data" / "default" / "product_lists"
LEGAL_TEXT = "chapter99_2026_rev6.txt"
VALID_LENGTHS = (2, 4, 6, 8, 10)

#: Steel derivatives added by BIS effective 2025-06-23 (90 FR 25208, FR doc. 2025-11067, revising
#: Annex I to Proclamation 10896: household appliances and welded wire racks). The HTSUS 2026 Rev. 6
#: text carries them in note 16(c)(vii) without a date; this table restores the join date.
STEEL_DERIVATIVES_2025_06_23: dict[str, str] = {
    "84181000": "combined refrigerator-freezers",
    "84183000": "chest freezers",
    "84184000": "upright freezers",
    "84221100": "dishwashers, household",
    "84501100": "washing machines, fully automatic",
    "84502000": "washing machines, > 10 kg",
    "84512100": "dryers, <= 10 kg",
    "84512900": "dryers, other",
    "85098020": "food waste disposers",
    "85166040": "cooking stoves, ranges and ovens",
    "9403999020": "welded wire racks",
}

#: Aluminum derivatives added by BIS effective 2025-04-04 (revision of Annex I to Proclamation 10895;
#: CBP CSMS #64639013): beer and empty aluminum cans. Rev. 6 lists them in note 19(k) and 19(j).
ALUMINUM_DERIVATIVES_2025_04_04: dict[str, str] = {"22030000": "beer", "76129010": "empty aluminum cans"}

#: Steel derivatives in force since 2020 (Proclamation 9980; 9903.81.89/.90 in 2025): nails, tacks,
#: staples and similar (7317), bumper and body stampings of steel (8708.10.30, 8708.29.21).
STEEL_DERIVATIVES_2020 = ("73170030", "73170055", "73170065", "87081030", "87082921")

_CODE = re.compile(r"(?<![\d.])(\d{4}(?:\.\d{2}(?:\.\d{2}(?:\d{2})?)?)?)(?!\d)(?!\.\d)")
_FURNITURE = re.compile(
    r"Harmonized Tariff Schedule of the United States|Annotated for Statistical Reporting|^\s*XXII\s*$"
    r"|99\s*-\s*III\s*-\s*\d+"
)


class BuildError(RuntimeError):
    """The sources do not look as this script expects; the message says what and where."""


# --------------------------------------------------------------------------------------------------
# Rows and lists
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One row of a product list."""

    prefix: str
    effective_date: str = ""
    note: str = ""


@dataclass
class ProductList:
    """A named list, its source (for ``SOURCES.md``) and its rows."""

    name: str
    source: str
    rows: list[Row] = field(default_factory=list)
    caveat: str = ""

    def add(self, prefixes: Iterable[str], note: str, effective_date: str = "") -> None:
        for p in prefixes:
            self.rows.append(Row(normalise(p), effective_date, note))

    def finalised(self) -> list[Row]:
        """Rows sorted by prefix; an exact duplicate keeps its earliest date (empty = from the start)."""
        best: dict[str, Row] = {}
        for r in self.rows:
            old = best.get(r.prefix)
            if old is None or _date_key(r.effective_date) < _date_key(old.effective_date):
                best[r.prefix] = r
        return [best[p] for p in sorted(best)]


def _date_key(d: str) -> str:
    return d or "0000-00-00"


def normalise(code: str) -> str:
    """HTS code without dots; 12-digit codes ending in ``00`` (a data slip in one shared file) cut to 10."""
    digits = code.strip().strip('"').replace(".", "")
    if len(digits) == 12 and digits.endswith("00"):
        digits = digits[:10]
    if not digits.isdigit() or len(digits) not in VALID_LENGTHS:
        raise BuildError(f"HTS code {code!r} must have 2, 4, 6, 8 or 10 digits")
    return digits


def covered(code: str, prefixes: Iterable[str]) -> bool:
    """True when ``code`` and one of ``prefixes`` nest (either is a prefix of the other)."""
    return any(code.startswith(p) or p.startswith(code) for p in prefixes)


# --------------------------------------------------------------------------------------------------
# The legal text
# --------------------------------------------------------------------------------------------------


class LegalText:
    """Chapter 99 text as lines, with anchor search and code extraction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines = path.read_bytes().decode("latin-1").replace("\r", "").split("\n")

    def find(self, pattern: str, start: int = 0, end: int | None = None) -> int:
        """Index of the first line at or after ``start`` matching ``pattern`` (regex)."""
        rx = re.compile(pattern)
        stop = len(self.lines) if end is None else end
        for i in range(start, stop):
            if rx.search(self.lines[i]):
                return i
        raise BuildError(f"{self.path.name}: no line matching /{pattern}/ after line {start + 1}")

    def codes(self, start: int, end: int, *, headings: bool = False) -> list[str]:
        """HTS codes on lines ``start``..``end - 1``, skipping page furniture and chapter 99 references.

        Four-digit tokens (headings) are kept only when ``headings`` is true, and never when they
        read as a year (1900-2099) on a line of prose, so that dates are not taken for codes.
        """
        out: list[str] = []
        for line in self.lines[start:end]:
            if _FURNITURE.search(line):
                continue
            text = line.replace("U.S. Notes (con.)", "")
            prose = re.search(r"[a-z]{3}", text) is not None
            for m in _CODE.finditer(text):
                tok = m.group(1)
                if tok.startswith("9903"):
                    continue
                if len(tok) == 4 and (not headings or (prose and 1900 <= int(tok) <= 2099)):
                    continue
                out.append(normalise(tok))
        return out


@dataclass
class Note16:
    """US note 16 to subchapter III as it stands from 2026-04-06 (subdivision (c) lists)."""

    c: dict[str, list[str]]


def parse_note16(t: LegalText) -> Note16:
    """Cut the lists (c)(i)-(x) of US note 16 (headings 9903.82.02-.19).

    Subdivisions (iii), (iv) and (v) share one page whose columns the PDF extraction interleaves:
    the codes before that page break are (iii) articles of steel; after it, chapter 74 codes are
    (v) articles of copper and every other code is (iv) derivative steel.
    """
    n16 = t.find(r"^16\.\s+\(a\)\s+Except as provided in headings 9903\.85\.67")
    marks = {
        "i": t.find(r"\(i\) Articles of aluminum:", n16),
        "ii": t.find(r"\(ii\) Derivative aluminum articles:", n16),
        "iii": t.find(r"\(iii\) Articles of steel:", n16),
        "vi": t.find(r"\(vi\) Derivative aluminum articles:", n16),
        "vii": t.find(r"\(vii\) Derivative steel articles:", n16),
        "viii": t.find(r"\(viii\) Articles of copper:", n16),
        "ix": t.find(r"\(ix\) Derivative aluminum articles:", n16),
        "x": t.find(r"\(x\) Derivative steel articles:", n16),
        "d": t.find(r"^\(d\) Headings 9903\.82\.04 and 9903\.82\.05", n16),
    }
    c: dict[str, list[str]] = {
        "i": t.codes(marks["i"], marks["ii"], headings=True),
        "ii": t.codes(marks["ii"], marks["iii"], headings=True),
        "vi": t.codes(marks["vi"], marks["vii"], headings=True),
        "vii": t.codes(marks["vii"], marks["viii"], headings=True),
        "viii": t.codes(marks["viii"], marks["ix"], headings=True),
        "ix": t.codes(marks["ix"], marks["x"], headings=True),
        "x": t.codes(marks["x"], marks["d"], headings=True),
    }
    page_break = t.find(r"Harmonized Tariff Schedule of the United States", marks["iii"], marks["vi"])
    c["iii"] = t.codes(marks["iii"], page_break, headings=True)
    mixed = t.codes(page_break, marks["vi"], headings=True)
    c["v"] = [x for x in mixed if x.startswith("74")]
    c["iv"] = [x for x in mixed if not x.startswith("74")]

    # What the note says each list holds.
    _expect(all(x.startswith("76") for x in c["i"]), "16(c)(i) articles of aluminum: chapter 76 only")
    _expect(
        all(x.startswith("72") or x[:4] in {"7301", "7302", "7304", "7305", "7306"} for x in c["iii"]),
        "16(c)(iii) articles of steel: chapter 72 and 7301-7306 only",
    )
    _expect(len(c["iii"]) == 39, f"16(c)(iii) should hold 39 provisions, got {len(c['iii'])}")
    _expect(not any(x.startswith("74") for x in c["iv"]), "16(c)(iv) derivative steel: no chapter 74")
    _expect(all(x.startswith("7") for x in c["iv"]), "16(c)(iv) derivative steel: chapters 72-76 only")
    _expect(all(x.startswith("74") for x in c["v"]), "16(c)(v) articles of copper: chapter 74 only")
    _expect(all(x.startswith("8544") for x in c["viii"]), "16(c)(viii) articles of copper: 8544 only")
    for k, v in c.items():
        _expect(len(v) == len(set(v)), f"16(c)({k}) has repeated codes: the cut is wrong")
        _expect(len(v) > 0, f"16(c)({k}) is empty: the cut is wrong")
    return Note16(c)


def parse_note19(t: LegalText) -> dict[str, list[str]]:
    """Note 19 (aluminum, entries from 2025-03-12): (g) articles; (i), (j), (k) derivatives."""
    n19 = t.find(r"^19\.\s+\(a\)\s+This note and the tariff provisions")
    g = t.find(r"^\(g\) The rates of duty set forth in heading 9903\.85\.02", n19)
    h = t.find(r"^\(h\) Except as provided in heading 9903\.96\.02", g)
    i = t.find(r"^\(i\) The rates of duty set forth in heading 9903\.85\.04", h)
    j = t.find(r"^\(j\) The rates of duty set forth in heading 9903\.85\.07", i)
    k = t.find(r"^\(k\) The rates of duty in heading 9903\.85\.08", j)
    ell = t.find(r"^\(l\) Any importer entering the aluminum products", k)
    out = {
        "g": t.codes(g, h, headings=True),
        "i": t.codes(i, j),
        "j": t.codes(j, k),
        "k": t.codes(k, ell),
    }
    want_g = {"7601", "7604", "7605", "7606", "7607", "7608", "7609", "76169951"}
    _expect(set(out["g"]) == want_g, f"19(g) should list {sorted(want_g)}, got {sorted(set(out['g']))}")
    want_i = {"76141050", "76149020", "76149040", "76149050", "87081030", "87082921"}
    _expect(set(out["i"]) == want_i, f"19(i) should list {sorted(want_i)}, got {out['i']}")
    _expect(all(x.startswith("76") for x in out["j"]), "19(j) derivatives: chapter 76 only")
    _expect(len(out["k"]) > 150, f"19(k) looks truncated ({len(out['k'])} codes)")
    return out


def parse_note33(t: LegalText) -> dict[str, list[str]]:
    """Note 33 (autos): (b) passenger vehicles and light trucks; (g) parts (for cross-checks)."""
    n33 = t.find(r"^33\.\s+\(a\)\s+Except as provided for in headings 9903\.94\.02")
    b = t.find(r"^\(b\) The rates of duty set forth in headings 9903\.94\.01", n33)
    c = t.find(r"^\(c\) Heading 9903\.94\.02 applies to:", b)
    g = t.find(r"^\(g\) Subject to a manufacturer's import adjustment offset", c)
    h = t.find(r"^\(h\) Heading 9903\.94\.06 applies", g)
    out = {"b": t.codes(b, c), "g": t.codes(g, h, headings=True)}
    _expect(
        all(x[:4] in {"8703", "8704"} for x in out["b"]) and len(out["b"]) == 17,
        f"33(b) should list 17 subheadings of 8703/8704, got {out['b']}",
    )
    return out


def parse_note37(t: LegalText) -> dict[str, list[str]]:
    """Note 37 (wood): (b) softwood timber and lumber; (d) upholstered; (f) cabinets and vanities."""
    n37 = t.find(r"^\(a\) Heading 9903\.76\.01 provides the ordinary customs duty treatment of softwood")
    b = t.find(r"^\(b\) The rates of duty set forth in heading 9903\.76\.01", n37)
    c = t.find(r"^\(c\) Heading 9903\.76\.02 provides", b)
    d = t.find(r"^\(d\) The rates of duty set forth in headings 9903\.76\.02", c)
    e = t.find(r"^\(e\) Except for as provided by 9903\.76\.04", d)
    f = t.find(r"^\(f\) Except for as provided by 9903\.76\.04, the rates of duty", e)
    g = t.find(r"^\(g\) Heading 9903\.76\.04 applies", f)
    out = {"b": t.codes(b, c), "d": t.codes(d, e), "f": t.codes(f, g)}
    _expect(all(x[:4] in {"4403", "4406", "4407"} for x in out["b"]), "37(b): 4403/4406/4407 only")
    _expect(all(x.startswith("9401") for x in out["d"]), "37(d): 9401 only")
    _expect(all(x.startswith("9403") for x in out["f"]), "37(f): 9403 only")
    return out


def parse_note38(t: LegalText) -> dict[str, list[str]]:
    """Note 38 (medium/heavy-duty vehicles): (b) vehicles, (c) buses, (i) parts (for cross-checks)."""
    n38 = t.find(r"\(a\) Except as provided for in headings 9903\.74\.03, 9903\.74\.05")
    b = t.find(r"\(b\) The rate of duty set forth in heading 9903\.74\.01", n38)
    c = t.find(r"\(c\) Heading 9903\.74\.02 applies to buses", b)
    d = t.find(r"^\(d\) Heading 9903\.74\.03 applies", c)
    i = t.find(r"^\(i\) The rates of duty set forth in heading 9903\.74\.08", d)
    j = t.find(r"^\(j\) Heading 9903\.74\.09 applies", i)
    out = {"b": t.codes(b, c), "c": t.codes(c, d), "i": t.codes(i, j)}
    _expect(all(x[:4] in {"8701", "8704", "8705", "8706", "8709"} for x in out["b"]), "38(b) chapters")
    _expect(all(x.startswith("8702") for x in out["c"]), "38(c): 8702 only")
    return out


def parse_note35b(t: LegalText) -> list[str]:
    """Note 35(b): civil aircraft, engines, parts of Japan (heading 9903.96.02)."""
    b = t.find(r"\(b\) As provided in heading 9903\.96\.02, the additional duties")
    end = t.find(r"^36\.\s+\[Note deleted", b)
    out = t.codes(b, end)
    _expect(len(out) > 500, f"35(b) looks truncated ({len(out)} codes)")
    _expect(len(out) == len(set(out)), "35(b) has repeated codes: the cut is wrong")
    return out


def _expect(ok: bool, message: str) -> None:
    if not ok:
        raise BuildError(message)


# --------------------------------------------------------------------------------------------------
# The shared files
# --------------------------------------------------------------------------------------------------


def read_column(path: Path, column: str | None = None) -> list[str]:
    """Codes from a one-code-per-line text file or from ``column`` of a CSV."""
    if column is None:
        return [normalise(x) for x in path.read_text().split() if x.strip()]
    with path.open(newline="") as fh:
        return [normalise(r[column]) for r in csv.DictReader(fh)]


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


# --------------------------------------------------------------------------------------------------
# Building the lists
# --------------------------------------------------------------------------------------------------


def build(shared: Path, verbose: bool = False) -> list[ProductList]:
    t = LegalText(shared / LEGAL_TEXT)
    n16 = parse_note16(t).c
    n19 = parse_note19(t)
    n33 = parse_note33(t)
    n37 = parse_note37(t)
    n38 = parse_note38(t)
    n35b = parse_note35b(t)
    deriv = read_rows(shared / "s232_derivative_products.csv")
    lists: list[ProductList] = []
    diag: list[str] = []

    # Steel articles (9903.80.01 to 2025-03-11; 9903.81.87 from 2025-03-12; 9903.82.02 from 2026-04-06).
    sa = ProductList(
        "s232_steel_articles",
        "HTSUS ch. 99 2026 Rev. 6, US note 16(c)(iii) 'Articles of steel' (the Proclamation 9705 definition: "
        "7206.10-7216.50, 7216.99-7301.10, 7302.10, 7302.40-7302.90, 7304.10-7306.90). Headings "
        "9903.80.01 (to 2025-03-11), 9903.81.87 (2025-03-12 to 2026-04-05), 9903.82.02 (from 2026-04-06).",
        caveat="Rev. 6 prints only the 2026 note 16; the 2025 note 16(j) list is the same product "
        "definition, so the 2026 subdivision stands in for it.",
    )
    sa.add(n16["iii"], "note 16(c)(iii) articles of steel")
    lists.append(sa)

    # Steel derivatives of the 2025 regime (9903.81.89/.90/.91).
    shared_steel = [r for r in deriv if r["derivative_type"] == "steel"]
    shared_steel_codes = [normalise(r["hts_prefix"]) for r in shared_steel]
    sd = ProductList(
        "s232_steel_derivatives",
        "2025 steel derivatives (9903.81.89 2020 derivatives, 9903.81.90 chapter 73, 9903.81.91 others "
        "on steel content). Rows: US note 16(c)(iv), (vii) and (x) of HTSUS ch. 99 2026 Rev. 6 (the "
        "derivative steel provisions carried into the 2026 annexes) plus every steel row of "
        "s232_derivative_products.csv (FR 2025-15819 inclusions, effective 2025-08-18). Dates: "
        "2025-08-18 for the shared-file rows, 2025-06-23 for the BIS household-appliance inclusions "
        "(90 FR 25208), empty for the rest.",
        caveat="Rev. 6 no longer prints the 2025 note 16(l)-(n) lists. Text rows that are in neither the "
        "2025-08-18 nor the 2025-06-23 inclusions are taken to date from 2025-03-12 when they are in "
        "chapter 73 (Annex I to Proclamation 10896: chapter 73 codes at full value) or chapters 84/94 "
        "(the dozen Annex I codes taxed on steel content); this is an inference. The shared file "
        "truncates the 2025-08-18 inclusions to 8 digits, which can over-include. Shared rows not in any "
        "2026 list (mostly chapters 28-39) left the steel scope on 2026-04-06.",
    )
    sd.add(
        shared_steel_codes,
        "FR 2025-15819 inclusion; shared s232_derivative_products.csv (9903.81.91)",
        "2025-08-18",
    )
    only_2026: list[str] = []
    text_steel = {code: sub for sub in ("iv", "vii", "x") for code in n16[sub]}
    _expect(
        set(STEEL_DERIVATIVES_2025_06_23) <= set(text_steel),
        "a 2025-06-23 steel inclusion is missing from note 16(c)(iv)/(vii)/(x)",
    )
    for code, sub in text_steel.items():
        if code in STEEL_DERIVATIVES_2025_06_23:
            # Kept even where a broader 2025-08-18 row of the shared file also covers it.
            sd.add(
                [code],
                f"note 16(c)({sub}); BIS 90 FR 25208 inclusion: {STEEL_DERIVATIVES_2025_06_23[code]}",
                "2025-06-23",
            )
            continue
        if code[:8] in STEEL_DERIVATIVES_2020:
            sd.add([code], f"note 16(c)({sub}); 2020 derivative (Procl. 9980), 9903.81.89/.90")
        elif covered(code, shared_steel_codes):
            continue
        elif sub == "iv" or code[:2] in {"73", "84", "94"}:
            # Annex I to Procl. 10896 (2025-03-12): chapter 73 codes at full value, and a dozen
            # chapter 84 and 94 codes on steel content.
            sd.add([code], f"note 16(c)({sub}); in scope from 2025-03-12 (inferred)")
        else:
            only_2026.append(code)
    sd.caveat += (
        " Left out as not evidenced before 2026-04-06 (in note 16(c)(vii)/(x) only, outside chapters "
        f"73/84/94 and in no dated inclusion): {', '.join(sorted(only_2026))}."
    )
    lists.append(sd)

    # Aluminum articles and derivatives (note 19, entries from 2025-03-12).
    aa = ProductList(
        "s232_aluminum_articles",
        "HTSUS ch. 99 2026 Rev. 6, US note 19(g) (heading 9903.85.02, 2025-03-12 to 2026-04-05): "
        "headings 7601, 7604-7609 and subheading 7616.99.51 (castings and forgings).",
    )
    aa.add(n19["g"], "note 19(g), heading 9903.85.02")
    lists.append(aa)

    shared_al = {normalise(r["hts_prefix"]): r for r in deriv if r["derivative_type"] == "aluminum"}
    ad = ProductList(
        "s232_aluminum_derivatives",
        "HTSUS ch. 99 2026 Rev. 6, US note 19(i) (9903.85.04: 7614.10.50, 7614.90.20/.40/.50, "
        "8708.10.30, 8708.29.21), 19(j) (9903.85.07, chapter 76) and 19(k) (9903.85.08, outside "
        "chapter 76), plus the aluminum rows of s232_derivative_products.csv; join dates from that "
        "file (2025-08-18 for the FR 2025-15819 inclusions) and 2025-04-04 for beer and empty cans "
        "(BIS, CSMS #64639013).",
    )
    heading_of = {"i": "9903.85.04", "j": "9903.85.07", "k": "9903.85.08"}
    for sub in ("i", "j", "k"):
        for code in n19[sub]:
            match = [s for s in shared_al if code.startswith(s) or s.startswith(code)]
            dates = {shared_al[s]["effective_date"] for s in match}
            date = "" if (not match or "" in dates) else min(dates)
            note = f"note 19({sub}), heading {heading_of[sub]}"
            if code in ALUMINUM_DERIVATIVES_2025_04_04:
                date = "2025-04-04"
                note += f"; BIS inclusion: {ALUMINUM_DERIVATIVES_2025_04_04[code]}"
            ad.add([code], note, date)
    text_al = n19["i"] + n19["j"] + n19["k"]
    for code, r in shared_al.items():
        if not covered(code, text_al):
            ad.add(
                [code], f"shared s232_derivative_products.csv only ({r['ch99_code']})", r["effective_date"]
            )
            diag.append(f"aluminum derivative {code} is in the shared file but not in note 19(i)-(k)")
    lists.append(ad)

    # The 2026 metal annexes (note 16(c), headings 9903.82.02-.19), by tier.
    for name, subs, what in (
        (
            "s232_metals_2026_tier50",
            ("i", "ii", "iii", "iv", "v"),
            "+50% (9903.82.02; UK +25% under 9903.82.04 for (i)-(iv))",
        ),
        (
            "s232_metals_2026_tier25",
            ("vi", "vii", "viii"),
            "+25% (9903.82.09; UK +15% under 9903.82.05 for (vi)-(vii))",
        ),
        ("s232_metals_2026_tier15", ("ix", "x"), "floor: column 1 + additional = 15% (9903.82.10/.11)"),
    ):
        pl = ProductList(
            name,
            f"HTSUS ch. 99 2026 Rev. 6, US note 16(c)({'), ('.join(subs)}): {what}; from 2026-04-06, "
            "on full customs value; outside chapters 72, 73, 74, 76 only when the listed metal is at "
            "least 15% of the article's weight (9903.82.03).",
        )
        for sub in subs:
            pl.add(n16[sub], f"note 16(c)({sub})")
        lists.append(pl)

    # Copper (9903.78.01 from 2025-08-01; note 16(c)(v) and (viii) from 2026-04-06).
    copper = read_column(shared / "s232_copper_products.csv", "hts10")
    text_cu = n16["v"] + n16["viii"]
    _expect(sorted(copper) == sorted(text_cu), "s232_copper_products.csv and note 16(c)(v)+(viii) disagree")
    cu = ProductList(
        "s232_copper",
        "s232_copper_products.csv (heading 9903.78.01, semi-finished copper and intensive copper "
        "derivatives, Proclamation 10962); identical to US note 16(c)(v) and (viii) of Rev. 6.",
    )
    cu.add(copper, "shared s232_copper_products.csv, 9903.78.01")
    lists.append(cu)

    # Autos, parts, medium/heavy-duty vehicles, buses, parts.
    av = ProductList(
        "s232_autos_vehicles",
        "HTSUS ch. 99 2026 Rev. 6, US note 33(b): passenger vehicles and light trucks (headings "
        "9903.94.01-.04, Japan 9903.94.40/.41).",
    )
    av.add(n33["b"], "note 33(b)")
    lists.append(av)

    parts = read_column(shared / "s232_auto_parts.txt")
    ap = ProductList(
        "s232_auto_parts",
        "s232_auto_parts.txt (US note 33(g), heading 9903.94.05; Japan 9903.94.42/.43).",
    )
    ap.add(parts, "shared s232_auto_parts.txt, note 33(g)")
    lists.append(ap)
    for code in n33["g"]:
        if not covered(code, parts):
            diag.append(f"auto part {code} of note 33(g) is not in s232_auto_parts.txt")
    for code in parts:
        if not covered(code, n33["g"]):
            diag.append(f"auto part {code} of s232_auto_parts.txt is not in note 33(g)")

    mt = ProductList(
        "s232_mhd_trucks",
        "HTSUS ch. 99 2026 Rev. 6, US note 38(b): medium- and heavy-duty vehicles, heading 9903.74.01 "
        "(+25%, Proclamation 10984, from 2025-11-01). Buses (note 38(c), 9903.74.02, +10%) are the "
        "separate list s232_mhd_buses.",
    )
    mt.add(n38["b"], "note 38(b), heading 9903.74.01")
    lists.append(mt)
    mb = ProductList(
        "s232_mhd_buses",
        "HTSUS ch. 99 2026 Rev. 6, US note 38(c): buses and other vehicles of heading 8702, heading "
        "9903.74.02 (+10%).",
    )
    mb.add(n38["c"], "note 38(c), heading 9903.74.02")
    lists.append(mb)

    mhd_parts = read_column(shared / "s232_mhd_parts.txt")
    mp = ProductList(
        "s232_mhd_parts",
        "s232_mhd_parts.txt (US note 38(i), heading 9903.74.08, +25%).",
    )
    mp.add(mhd_parts, "shared s232_mhd_parts.txt, note 38(i)")
    lists.append(mp)
    for code in n38["i"]:
        if not covered(code, mhd_parts):
            diag.append(f"MHD part {code} of note 38(i) is not in s232_mhd_parts.txt")

    # Wood.
    tl = ProductList(
        "s232_timber_lumber",
        "HTSUS ch. 99 2026 Rev. 6, US note 37(b): softwood timber and lumber, heading 9903.76.01 (+10%).",
    )
    tl.add(n37["b"], "note 37(b), heading 9903.76.01")
    lists.append(tl)
    wp = ProductList(
        "s232_wood_products",
        "HTSUS ch. 99 2026 Rev. 6, US note 37(d) upholstered wooden furniture (9903.76.02, +25%) and "
        "37(f) kitchen cabinets and vanities (9903.76.03, +25%); Japan: 9903.76.21, 15% total.",
        caveat="37(f) products that are not wooden cabinets or vanities fall under 9903.76.04 (no 232).",
    )
    wp.add(n37["d"], "note 37(d) upholstered wooden furniture, 9903.76.02")
    wp.add(n37["f"], "note 37(f) kitchen cabinets and vanities, 9903.76.03")
    lists.append(wp)

    # Semiconductors.
    semi = read_column(shared / "s232_semi_products.csv", "hts10")
    sm = ProductList(
        "s232_semiconductors",
        "s232_semi_products.csv (US note 39(b): 8471.50, 8471.80, 8473.30; heading 9903.79.01, +25%).",
        caveat="Only articles meeting the note 39(b) performance parameters pay; the rest of these "
        "lines enter under 9903.79.02 (no 232). The list is the HTS scope, not the technical test.",
    )
    sm.add(semi, "shared s232_semi_products.csv, 9903.79.01")
    lists.append(sm)

    # Civil aircraft of Japan (9903.96.02).
    ca = ProductList(
        "civil_aircraft",
        "HTSUS ch. 99 2026 Rev. 6, US note 35(b) (heading 9903.96.02): civil aircraft, engines, parts "
        "and components and ground flight simulators of Japan; exempt from 9903.02.72/.73 and "
        "9903.82.02/.04-.17.",
        caveat="Built from the legal text, not from floor_exempt_products.csv, whose 8 Japan rows do not "
        "match note 35(b); see floor_exempt_jpn_civil_aircraft.",
    )
    ca.add(n35b, "note 35(b), heading 9903.96.02")
    lists.append(ca)
    korea_aircraft = {
        normalise(r["hts8"])
        for r in read_rows(shared / "floor_exempt_products.csv")
        if r["category"] == "civil_aircraft" and r["country_group"] == "korea"
    }
    if set(n35b) != korea_aircraft:
        diag.append(
            "note 35(b) (Japan) and the Korea civil-aircraft rows of floor_exempt_products.csv "
            f"differ: {sorted(set(n35b) ^ korea_aircraft)}"
        )

    # Exemption files.
    ie = ProductList(
        "ieepa_exempt",
        "ieepa_exempt_products.csv (Annex II of EO 14257 as amended; US note 2(v)(iii)(a), heading "
        "9903.01.32), 10-digit; the one 12-digit row is cut to its 10-digit duplicate.",
        caveat="The shared file covers about 2,250 8-digit subheadings, twice the 1,089 that note "
        "2(v)(iii)(a) of Rev. 6 lists: it is a union over the amendments of Annex II, without dates. "
        "A row exempt at one date may not be exempt at another. Rows that are steel or aluminum "
        "derivatives (s232_steel_derivatives, s232_aluminum_derivatives) are left out: Annex II lists "
        "them because they are Section 232 goods, and US note 2(v)(vi)-(ix) charges the reciprocal duty "
        "on their non-metal content, which the engine does through the measures' metal_remainder rule.",
    )
    derivative_prefixes = [r.prefix for r in (*sd.rows, *ad.rows)]
    ie.add(
        [c for c in read_column(shared / "ieepa_exempt_products.csv", "hts10")
         if not covered(normalise(c), derivative_prefixes)],
        "",
    )
    lists.append(ie)
    se = ProductList(
        "s122_exempt",
        "s122_exempt_products.csv: US note 2(aa)(ii) (9903.03.03), (iii) particular articles "
        "(9903.03.04) and (iv) civil aircraft of any country (9903.03.05); equal to those three text "
        "lists plus 9031.49.70.",
    )
    se.add(read_column(shared / "s122_exempt_products.csv", "hts8"), "")
    lists.append(se)

    groups = {"japan": "jpn", "eu": "eu", "korea": "kor", "swiss": "che"}
    by_name: dict[str, ProductList] = {}
    for r in read_rows(shared / "floor_exempt_products.csv"):
        name = f"floor_exempt_{groups[r['country_group']]}_{r['category']}"
        if name not in by_name:
            caveat = ""
            if name == "floor_exempt_jpn_civil_aircraft":
                caveat = (
                    "The shared file holds only 8 Japan rows (7216.61, 7216.69, 7216.91, 7301.10, "
                    "7302.10, 7302.40, 7302.90, 9802.00.60), which do not match note 35(b) (about "
                    "550 provisions); use civil_aircraft for heading 9903.96.02."
                )
            by_name[name] = ProductList(
                name,
                f"floor_exempt_products.csv rows category={r['category']}, "
                f"country_group={r['country_group']} (heading {r['ch99_code']}).",
                caveat=caveat,
            )
        by_name[name].add([r["hts8"]], "")
    lists.extend(by_name[k] for k in sorted(by_name))

    if verbose:
        for line in diag:
            print(f"note: {line}", file=sys.stderr)
    return lists


# --------------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------------


def write(lists: Sequence[ProductList], out: Path) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    names = {pl.name for pl in lists}
    for other in sorted(out.glob("*.csv")):
        if other.stem not in names:
            print(f"note: {other.name} is not built by this script; left as it is", file=sys.stderr)
    counts: dict[str, int] = {}
    for pl in lists:
        rows = pl.finalised()
        with (out / f"{pl.name}.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["hts_prefix", "effective_date", "note"])
            for r in rows:
                w.writerow([r.prefix, r.effective_date, r.note])
        counts[pl.name] = len(rows)
    (out / "SOURCES.md").write_text(sources_md(lists, counts), encoding="utf-8")
    return counts


def sources_md(lists: Sequence[ProductList], counts: dict[str, int]) -> str:
    lines = [
        "# Product lists: sources",
        "",
        "Written by `scripts/build_product_lists.py` from `../shared/data/hts/` (Yale Budget Lab "
        "tariff-rate-tracker files, MIT, compiled from CBP/USITC annexes) and the legal text "
        "`chapter99_2026_rev6.txt` (HTSUS 2026 Revision 6, chapter 99). Do not edit by hand: rerun the "
        "script. Format: `hts_prefix,effective_date,note`; a prefix matches every HTS code that starts "
        "with it; `effective_date` is empty unless the row joined the list after the measure started. "
        "See `docs/law-notes.md` for how the measures use these lists.",
        "",
        "| list | rows | source |",
        "|---|---:|---|",
    ]
    for pl in lists:
        lines.append(f"| `{pl.name}` | {counts[pl.name]} | {pl.source} |")
    caveats = [pl for pl in lists if pl.caveat]
    if caveats:
        lines += ["", "## Caveats", ""]
        lines += [f"- `{pl.name}`: {pl.caveat}" for pl in caveats]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="folder with the shared HTS files")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder for NAME.csv files")
    ap.add_argument("--verbose", action="store_true", help="print cross-check notes")
    args = ap.parse_args(argv)
    if not (args.shared / LEGAL_TEXT).is_file():
        print(f"error: {args.shared / LEGAL_TEXT} not found; pass --shared", file=sys.stderr)
        return 2
    try:
        lists = build(args.shared, verbose=args.verbose)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    counts = write(lists, args.out)
    width = max(len(n) for n in counts)
    for name, n in counts.items():
        print(f"{name:<{width}}  {n:>5}")
    print(f"{len(counts)} lists written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
