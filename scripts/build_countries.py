"""Build ``src/tariffscope/data/default/countries.csv`` from the Census Schedule C country codes.

Source: US Census Bureau, Schedule C (country codes used in US import statistics), as shipped in
``../shared/data/hts/census_codes.csv`` (240 rows, ``Code,Name``, including the United States, 1000).
Each Census row is matched to its ISO 3166-1 alpha-3 and alpha-2 code.

Build-time dependency only: this script needs ``pycountry`` (ISO 3166 tables), which is NOT a runtime
dependency of tariffscope; the product reads the generated CSV. Install it into the venv to run this::

    .venv/bin/pip install pycountry
    .venv/bin/python scripts/build_countries.py [--census PATH] [--out PATH]

Matching: the Census name is looked up in pycountry (names, official names, common names); Census names
that pycountry does not know (or would match wrongly) go through the explicit ``OVERRIDES`` table below.
Entities without an ISO 3166-1 code get a pseudo-code from the ISO user-assigned range ``X..``:

- Kosovo (Census 4803): ``XKX`` / ``XK``, the code the European Commission, IMF and World Bank use;
- Gaza Strip administered by Israel (5082): ``XGZ`` / ``XG``;
- West Bank administered by Israel (5083): ``XWB`` / ``XW``.

(ISO 3166 codes both Palestinian territories together as PSE/PS; the Census keeps them apart, so do we.)

The build fails when any Census row does not map, or when two rows map to the same ISO code.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CENSUS = ROOT.parent / "shared" / "data" / "hts" / "census_codes.csv"
DEFAULT_OUT = ROOT / "src" / "tariffscope" / "data" / "default" / "countries.csv"

#: Census name -> (ISO3, display name). Used before any pycountry lookup.
OVERRIDES: dict[str, tuple[str, str]] = {
    "United States of America": ("USA", "United States"),
    "Sint Maarten": ("SXM", "Sint Maarten"),
    "Curacao": ("CUW", "Curacao"),
    "Falkland Islands (Islas Malvinas)": ("FLK", "Falkland Islands"),
    "Denmark, except Greenland": ("DNK", "Denmark"),
    "Germany (Federal Republic of Germany)": ("DEU", "Germany"),
    "Russia": ("RUS", "Russia"),
    "Moldova (Republic of Moldova)": ("MDA", "Moldova"),
    "Holy See (Vatican City)": ("VAT", "Holy See"),
    "Turkey": ("TUR", "Turkey"),
    "North Macedonia": ("MKD", "North Macedonia"),
    "Syria (Syrian Arab Republic)": ("SYR", "Syria"),
    "Iran": ("IRN", "Iran"),
    "Yemen (Republic of Yemen)": ("YEM", "Yemen"),
    "Burma (Myanmar)": ("MMR", "Burma"),
    "Vietnam": ("VNM", "Vietnam"),
    "Laos (Lao People's Democratic Republic)": ("LAO", "Laos"),
    "Brunei": ("BRN", "Brunei"),
    "Macao": ("MAC", "Macao"),
    "North Korea (Democratic People's Republic of Korea)": ("PRK", "North Korea"),
    "South Korea (Republic of Korea)": ("KOR", "South Korea"),
    "Taiwan": ("TWN", "Taiwan"),
    "Christmas Island (in the Indian Ocean)": ("CXR", "Christmas Island"),
    "Samoa (Western Samoa)": ("WSM", "Samoa"),
    "Pitcairn Islands": ("PCN", "Pitcairn Islands"),
    "Micronesia, Federated States of": ("FSM", "Micronesia"),
    "Cote d'Ivoire": ("CIV", "Cote d'Ivoire"),
    "Saint Helena": ("SHN", "Saint Helena"),
    "Congo, Republic of the Congo": ("COG", "Congo (Brazzaville)"),
    "Congo, Democratic Republic of the Congo (formerly Za": ("COD", "Congo (Kinshasa)"),
    "Tanzania (United Republic of Tanzania)": ("TZA", "Tanzania"),
    "Reunion": ("REU", "Reunion"),
    "French Southern and Antarctic Lands": ("ATF", "French Southern and Antarctic Lands"),
    "Bolivia": ("BOL", "Bolivia"),
    "Venezuela": ("VEN", "Venezuela"),
    "Czech Republic": ("CZE", "Czech Republic"),
    "Eswatini": ("SWZ", "Eswatini"),
    "Cabo Verde": ("CPV", "Cabo Verde"),
    "Timor-Leste": ("TLS", "Timor-Leste"),
    "Svalbard and Jan Mayen": ("SJM", "Svalbard and Jan Mayen"),
    "Heard Island and McDonald Islands": ("HMD", "Heard Island and McDonald Islands"),
    "Virgin Islands of the United States": ("VIR", "US Virgin Islands"),
    "British Virgin Islands": ("VGB", "British Virgin Islands"),
}

#: Census name -> (pseudo ISO3, pseudo ISO2, display name) for entities without an ISO 3166-1 code.
PSEUDO_CODES: dict[str, tuple[str, str, str]] = {
    "Kosovo": ("XKX", "XK", "Kosovo"),
    "Gaza Strip administered by Israel": ("XGZ", "XG", "Gaza Strip"),
    "West Bank administered by Israel": ("XWB", "XW", "West Bank"),
}


def _iso_record(iso3: str) -> tuple[str, str]:
    import pycountry

    c = pycountry.countries.get(alpha_3=iso3)
    if c is None:
        raise KeyError(iso3)
    return c.alpha_3, c.alpha_2


def map_census_row(name: str) -> tuple[str, str, str] | None:
    """``(iso3, iso2, display name)`` for one Census country name, or None when it does not map."""
    import pycountry

    if name in PSEUDO_CODES:
        return PSEUDO_CODES[name]
    if name in OVERRIDES:
        iso3, display = OVERRIDES[name]
        a3, a2 = _iso_record(iso3)
        return a3, a2, display
    try:
        c = pycountry.countries.lookup(name)
    except LookupError:
        return None
    return c.alpha_3, c.alpha_2, name


def build(census_path: Path) -> list[dict[str, str]]:
    """The rows of countries.csv, in Census code order; raises SystemExit listing every failure."""
    with census_path.open(newline="", encoding="utf-8") as fh:
        census = list(csv.DictReader(fh))
    rows: list[dict[str, str]] = []
    failures: list[str] = []
    for rec in census:
        code, name = rec["Code"].strip(), rec["Name"].strip()
        mapped = map_census_row(name)
        if mapped is None:
            failures.append(f"Census {code} '{name}' has no ISO 3166 match; add it to OVERRIDES")
            continue
        iso3, iso2, display = mapped
        rows.append({"iso3": iso3, "iso2": iso2, "name": display, "census_code": code})
    for key in ("iso3", "iso2", "census_code"):
        seen: dict[str, str] = {}
        for r in rows:
            if r[key] in seen:
                failures.append(f"duplicate {key} {r[key]}: '{seen[r[key]]}' and '{r['name']}'")
            seen[r[key]] = r["name"]
    if failures:
        raise SystemExit("countries.csv not built:\n  " + "\n  ".join(failures))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--census", type=Path, default=DEFAULT_CENSUS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    try:
        import pycountry  # noqa: F401
    except ImportError:
        print("this build script needs pycountry: .venv/bin/pip install pycountry", file=sys.stderr)
        return 2
    rows = build(args.census)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["iso3", "iso2", "name", "census_code"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    pseudo = sum(1 for r in rows if r["iso3"] in {v[0] for v in PSEUDO_CODES.values()})
    print(f"wrote {args.out} ({len(rows)} countries, {pseudo} pseudo-codes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
