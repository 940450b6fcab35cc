"""Import weights for effective tariff rates: HTS10 x country values, and GTAP sector x partner group.

Three sources:

* a plain CSV ``hts10,country,value`` (country as ISO3, ISO2, Census code or name);
* the JSON of the Census international-trade API (``/timeseries/intltrade/imports/hs``): a list of
  rows whose first row is the header, with ``I_COMMODITY``, ``CTY_CODE`` and a value column such as
  ``GEN_VAL_MO`` (general imports, monthly) or ``CON_VAL_YR``; :func:`fetch_census` downloads it;
* the bundled GTAP weights (US imports by GTAP sector and partner group, model values, used for shares)
  with the HTS10 -> GTAP crosswalk, built by ``scripts/build_gtap_weights.py``.

>>> w = gtap_weights()
>>> sorted(w["partner_group"].unique().to_list())[:3]
['canada', 'china', 'eu']
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl

from tariffscope.errors import DataFileError, InputError, NetworkError

CENSUS_URL = "https://api.census.gov/data/timeseries/intltrade/imports/hs"
_VALUE_COLUMNS = ("GEN_VAL_MO", "GEN_VAL_YR", "CON_VAL_MO", "CON_VAL_YR", "ALL_VAL_MO", "ALL_VAL_YR")

#: GTAP partner groups of the bundled weights and the countries they stand for.
#: ``ftrow`` is the US free-trade partners other than Canada and Mexico; ``row`` everyone else.
FTA_PARTNERS = frozenset(
    {"AUS", "BHR", "CHL", "COL", "CRI", "DOM", "SLV", "GTM", "HND", "ISR", "JOR", "KOR", "MAR", "NIC",
     "OMN", "PAN", "PER", "SGP"}
)  # fmt: skip


def _default_dir() -> Path:
    return Path(str(resources.files("tariffscope"))) / "data" / "default"


def _normalize_countries(values: list[Any], column: str) -> dict[Any, str]:
    from tariffscope.data.countries import normalize_country

    out: dict[Any, str] = {}
    for v in values:
        if v is None:
            raise InputError(f"column '{column}' has an empty country; every row needs one")
        out[v] = normalize_country(str(v))
    return out


def _finish(frame: pl.DataFrame, source: str) -> pl.DataFrame:
    bad = frame.filter(~pl.col("hts10").str.contains(r"^\d{10}$"))
    if bad.height:
        raise DataFileError(
            f"{source}: HTS code '{bad['hts10'][0]}' must be 10 digits (dots allowed); fix or drop the row"
        )
    if frame["value"].null_count() or (frame["value"] < 0).any():
        raise DataFileError(f"{source}: import values must be non-negative numbers")
    return frame.group_by(["hts10", "origin"]).agg(pl.col("value").sum()).sort(["origin", "hts10"])


def load_weights_csv(path: str | Path) -> pl.DataFrame:
    """Import values from a CSV with columns ``hts10,country,value`` -> ``hts10, origin, value``."""
    p = Path(path)
    if not p.is_file():
        raise DataFileError(f"weights file '{p}' not found; check the path")
    try:
        frame = pl.read_csv(p, schema_overrides={"hts10": pl.Utf8, "country": pl.Utf8}, comment_prefix="#")
    except pl.exceptions.PolarsError as exc:
        raise DataFileError(f"cannot read weights file '{p}': {str(exc).splitlines()[0]}") from None
    missing = {"hts10", "country", "value"} - set(frame.columns)
    if missing:
        raise DataFileError(
            f"weights file '{p}' needs columns hts10,country,value; missing {', '.join(sorted(missing))}"
        )
    mapping = _normalize_countries(frame["country"].unique().to_list(), "country")
    out = frame.select(
        pl.col("hts10").str.replace_all(r"[.\s]", ""),
        pl.col("country").replace_strict(mapping, return_dtype=pl.Utf8).alias("origin"),
        pl.col("value").cast(pl.Float64, strict=False),
    )
    return _finish(out, str(p))


def parse_census_json(data: Any, source: str = "<census json>") -> tuple[pl.DataFrame, list[str]]:
    """Rows of the Census international-trade API -> (``hts10, origin, value``, notes).

    Country codes that are aggregates (world, regions, groups) or unknown are dropped and listed in the
    notes; commodity codes shorter than 10 digits are dropped (ask the API for ``COMM_LVL=HS10``)."""
    from tariffscope.data.countries import all_countries

    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise DataFileError(f"{source}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, list) or len(data) < 1 or not isinstance(data[0], list):
        raise DataFileError(f"{source}: expected the Census API layout, a list of rows with a header row")
    header = [str(h).upper() for h in data[0]]
    try:
        ci = header.index("I_COMMODITY")
        ki = header.index("CTY_CODE")
    except ValueError:
        raise DataFileError(f"{source}: the header needs I_COMMODITY and CTY_CODE; got {', '.join(header)}") from None
    vcol = next((c for c in _VALUE_COLUMNS if c in header), None)
    if vcol is None:
        raise DataFileError(f"{source}: no value column ({', '.join(_VALUE_COLUMNS)}) in the header")
    vi = header.index(vcol)
    by_census = {c.census_code: c.iso3 for c in all_countries() if c.census_code}
    rows: list[tuple[str, str, float]] = []
    dropped: dict[str, int] = {}
    short = 0
    for row in data[1:]:
        code = str(row[ci]).replace(".", "").strip()
        cty = str(row[ki]).strip()
        if len(code) != 10:
            short += 1
            continue
        iso = by_census.get(cty)
        if iso is None:
            dropped[cty] = dropped.get(cty, 0) + 1
            continue
        try:
            value = float(row[vi])
        except (TypeError, ValueError):
            raise DataFileError(f"{source}: value '{row[vi]}' of {code}/{cty} is not a number") from None
        rows.append((code, iso, value))
    notes = []
    if dropped:
        notes.append(f"dropped {sum(dropped.values())} rows of aggregate/unknown country codes "
                     f"({', '.join(sorted(dropped)[:8])})")
    if short:
        notes.append(f"dropped {short} rows with commodity codes shorter than 10 digits")
    frame = pl.DataFrame(rows, schema={"hts10": pl.Utf8, "origin": pl.Utf8, "value": pl.Float64}, orient="row")
    return _finish(frame, source), notes


def load_census_json(path: str | Path) -> tuple[pl.DataFrame, list[str]]:
    """Read a saved Census API response (see :func:`parse_census_json`)."""
    p = Path(path)
    if not p.is_file():
        raise DataFileError(f"Census JSON file '{p}' not found; check the path")
    return parse_census_json(p.read_text(encoding="utf-8"), str(p))


def fetch_census(
    period: str,
    dest: str | Path,
    country: str | None = None,
    value_column: str = "GEN_VAL_MO",
    client: Any = None,
    timeout: float = 120.0,
    api_key: str | None = None,
) -> Path:
    """Download HS10 import values for ``period`` (``YYYY-MM``) from the Census API to ``dest``, atomically.

    The response is validated (:func:`parse_census_json`) before it replaces ``dest``."""
    import os
    import re
    import tempfile

    import httpx

    from tariffscope.data.countries import country as country_info
    from tariffscope.data.countries import normalize_country

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        raise InputError(f"Census period '{period}' must be a month YYYY-MM, e.g. 2024-12")
    if value_column not in _VALUE_COLUMNS:
        raise InputError(f"value column '{value_column}' is not one of {', '.join(_VALUE_COLUMNS)}")
    params = {"get": f"I_COMMODITY,CTY_CODE,{value_column}", "time": period, "COMM_LVL": "HS10"}
    if country:
        params["CTY_CODE"] = country_info(normalize_country(country)).census_code
    if api_key:
        params["key"] = api_key
    own = client is None
    http = client or httpx.Client(timeout=timeout, follow_redirects=True)
    try:
        resp = http.get(CENSUS_URL, params=params)
        resp.raise_for_status()
        text = resp.text
    except httpx.HTTPError as exc:
        raise NetworkError(f"Census download failed ({CENSUS_URL}): {exc}; check the connection or use a saved file") from None
    finally:
        if own:
            http.close()
    parse_census_json(text, CENSUS_URL)
    out = Path(dest)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, out)
    return out


@functools.lru_cache(maxsize=1)
def gtap_weights() -> pl.DataFrame:
    """Bundled US import weights by GTAP sector and partner group (``gtap_code, partner_group, value``)."""
    return pl.read_csv(_default_dir() / "gtap_import_weights.csv", comment_prefix="#")


@functools.lru_cache(maxsize=1)
def hts10_gtap() -> pl.DataFrame:
    """Bundled HTS10 -> GTAP sector crosswalk (``hts10, gtap_code``)."""
    return pl.read_parquet(_default_dir() / "hts10_gtap.parquet")


def partner_group(iso3: str) -> str:
    """The GTAP partner group of a country in the bundled weights.

    >>> partner_group("JPN"), partner_group("DEU"), partner_group("KOR"), partner_group("BRA")
    ('japan', 'eu', 'ftrow', 'row')
    """
    from tariffscope.data.countries import GROUPS

    fixed = {"CHN": "china", "CAN": "canada", "MEX": "mexico", "JPN": "japan", "GBR": "uk"}
    if iso3 in fixed:
        return fixed[iso3]
    if iso3 in GROUPS["EU"]:
        return "eu"
    if iso3 in FTA_PARTNERS:
        return "ftrow"
    return "row"
