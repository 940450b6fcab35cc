"""Countries of origin: ISO 3166 codes, Census codes, names and named groups.

Every origin in tariffscope is an ISO 3166-1 alpha-3 code (``"JPN"``). Inputs are normalised once, at the
boundary, by :func:`normalize_country`, which accepts an ISO3 or ISO2 code, a US Census Schedule C country
code (``"5880"``) or an English name, with common aliases (``"UK"``, ``"South Korea"``, ``"Türkiye"``).
Policy files name origins by code or by group (``ALL``, ``EU``, ``USMCA``...); :func:`expand_origins`
turns such a list into a set of ISO3 codes.

The country table is bundled as ``tariffscope/data/default/countries.csv`` (240 Census countries, built by
``scripts/build_countries.py``). Entities without an ISO code carry pseudo-codes from the ISO user-assigned
range: Kosovo ``XKX``, Gaza Strip ``XGZ``, West Bank ``XWB``.

>>> from tariffscope.data.countries import country, expand_origins, normalize_country
>>> normalize_country("5880"), normalize_country("south korea"), normalize_country("GB")
('JPN', 'KOR', 'GBR')
>>> country("VNM").census_code
'5520'
>>> sorted(expand_origins(["USMCA", "Japan"]))
['CAN', 'JPN', 'MEX']
"""

from __future__ import annotations

import csv
import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

from tariffscope.errors import DataFileError, UnknownCountryError

__all__ = [
    "GROUPS",
    "PSEUDO_CODES",
    "Country",
    "all_countries",
    "country",
    "expand_origins",
    "normalize_country",
]

_CSV_NAME = "countries.csv"
_COLUMNS = ("iso3", "iso2", "name", "census_code")

#: Pseudo ISO3 codes for entities that have no ISO 3166-1 code (user-assigned range, see the module doc).
PSEUDO_CODES: frozenset[str] = frozenset({"XKX", "XGZ", "XWB"})


@dataclass(frozen=True)
class Country:
    """One country (or customs territory) of origin.

    Attributes
    ----------
    iso3, iso2
        ISO 3166-1 alpha-3 and alpha-2 codes (pseudo-codes ``X..`` where ISO has none).
    name
        Short English name (the Census name without its parenthetical qualifier).
    census_code
        US Census Bureau Schedule C country code, four digits (``"5880"`` for Japan).

    Examples
    --------
    >>> c = country("JPN")
    >>> c.iso2, c.name, c.census_code
    ('JP', 'Japan', '5880')
    """

    iso3: str
    iso2: str
    name: str
    census_code: str


@functools.cache
def all_countries() -> tuple[Country, ...]:
    """Every known country, in Census code order (the United States, 1000, first).

    Returns
    -------
    tuple of Country
        Loaded once from the bundled ``countries.csv`` and cached.

    Raises
    ------
    DataFileError
        When the bundled file is missing or not of the layout ``iso3,iso2,name,census_code``.

    Examples
    --------
    >>> len(all_countries()) >= 240
    True
    >>> all_countries()[0].iso3
    'USA'
    """
    path = resources.files("tariffscope").joinpath("data", "default", _CSV_NAME)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:  # pragma: no cover - a broken installation
        raise DataFileError(
            f"bundled country table '{_CSV_NAME}' is missing; reinstall tariffscope or run "
            "scripts/build_countries.py"
        ) from exc
    reader = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    if tuple(reader.fieldnames or ()) != _COLUMNS:
        raise DataFileError(
            f"{_CSV_NAME}: header must be {','.join(_COLUMNS)}; got {','.join(reader.fieldnames or ())}"
        )
    out = []
    for lineno, row in enumerate(reader, start=2):
        values = [(row.get(col) or "").strip() for col in _COLUMNS]
        if not all(values):
            raise DataFileError(f"{_CSV_NAME}:{lineno}: every column must be filled; got {row}")
        out.append(Country(*values))
    return tuple(out)


def _name_key(text: str) -> str:
    """A name reduced for matching: ASCII, lower case, no punctuation, no leading 'the'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    key = ascii_text.lower().replace("&", " and ").replace("'", "").replace("`", "")
    key = re.sub(r"[^a-z0-9]+", " ", key).strip()
    key = re.sub(r"^the ", "", key)
    return re.sub(r"\s+", " ", key)


#: Alternative names and codes people use, mapped to ISO3 (keys are reduced with ``_name_key``).
_ALIASES: dict[str, str] = {
    "united states of america": "USA",
    "us": "USA",
    "u s": "USA",
    "u s a": "USA",
    "america": "USA",
    "uk": "GBR",
    "u k": "GBR",
    "great britain": "GBR",
    "britain": "GBR",
    "england": "GBR",
    "south korea": "KOR",
    "korea": "KOR",
    "korea south": "KOR",
    "republic of korea": "KOR",
    "korea republic of": "KOR",
    "north korea": "PRK",
    "korea north": "PRK",
    "dprk": "PRK",
    "democratic peoples republic of korea": "PRK",
    "viet nam": "VNM",
    "russian federation": "RUS",
    "chinese taipei": "TWN",
    "taiwan province of china": "TWN",
    "republic of china": "TWN",
    "peoples republic of china": "CHN",
    "prc": "CHN",
    "mainland china": "CHN",
    "hong kong sar": "HKG",
    "hong kong china": "HKG",
    "macau": "MAC",
    "macao sar": "MAC",
    "turkiye": "TUR",
    "turkey": "TUR",
    "czechia": "CZE",
    "myanmar": "MMR",
    "burma": "MMR",
    "myanmar burma": "MMR",
    "burma myanmar": "MMR",
    "ivory coast": "CIV",
    "cote divoire": "CIV",
    "lao pdr": "LAO",
    "lao": "LAO",
    "syrian arab republic": "SYR",
    "iran islamic republic of": "IRN",
    "islamic republic of iran": "IRN",
    "republic of moldova": "MDA",
    "moldova republic of": "MDA",
    "macedonia": "MKD",
    "fyrom": "MKD",
    "republic of north macedonia": "MKD",
    "swaziland": "SWZ",
    "cape verde": "CPV",
    "east timor": "TLS",
    "drc": "COD",
    "dr congo": "COD",
    "congo kinshasa": "COD",
    "democratic republic of the congo": "COD",
    "democratic republic of congo": "COD",
    "congo democratic republic of the": "COD",
    "zaire": "COD",
    "congo brazzaville": "COG",
    "republic of the congo": "COG",
    "republic of congo": "COG",
    "congo republic of the": "COG",
    "congo": "COG",
    "vatican": "VAT",
    "vatican city": "VAT",
    "uae": "ARE",
    "emirates": "ARE",
    "brunei darussalam": "BRN",
    "bolivia plurinational state of": "BOL",
    "venezuela bolivarian republic of": "VEN",
    "tanzania united republic of": "TZA",
    "united republic of tanzania": "TZA",
    "micronesia federated states of": "FSM",
    "federated states of micronesia": "FSM",
    "falkland islands malvinas": "FLK",
    "islas malvinas": "FLK",
    "holland": "NLD",
    "the netherlands": "NLD",
    "slovak republic": "SVK",
    "kyrgyz republic": "KGZ",
    "western samoa": "WSM",
    "reunion": "REU",
    "curacao": "CUW",
    "st kitts and nevis": "KNA",
    "saint kitts": "KNA",
    "st lucia": "LCA",
    "st vincent and the grenadines": "VCT",
    "st helena": "SHN",
    "st pierre and miquelon": "SPM",
    "sao tome": "STP",
    "gaza": "XGZ",
    "west bank": "XWB",
    "kosovo": "XKX",
    "u s virgin islands": "VIR",
    "us virgin islands": "VIR",
    "virgin islands us": "VIR",
    "virgin islands u s": "VIR",
    "bvi": "VGB",
    "virgin islands british": "VGB",
    "gambia the": "GMB",
    "bahamas the": "BHS",
}


@dataclass(frozen=True)
class _Index:
    iso3: Mapping[str, Country]
    iso2: Mapping[str, str]
    census: Mapping[str, str]
    names: Mapping[str, str]


@functools.cache
def _index() -> _Index:
    countries = all_countries()
    iso3 = {c.iso3: c for c in countries}
    iso2 = {c.iso2: c.iso3 for c in countries}
    census = {c.census_code: c.iso3 for c in countries}
    names: dict[str, str] = {}
    for c in countries:
        names[_name_key(c.name)] = c.iso3
    for alias, code in _ALIASES.items():
        if code in iso3:  # aliases never shadow a table name
            names.setdefault(_name_key(alias), code)
    return _Index(iso3=iso3, iso2=iso2, census=census, names=names)


def _suggestions(value: str) -> list[str]:
    """Up to three close matches for ``value``, as ``"Name (ISO3)"``."""
    idx = _index()
    key = _name_key(value)
    hits: list[str] = []
    for name_key in difflib.get_close_matches(key, list(idx.names), n=5, cutoff=0.6):
        code = idx.names[name_key]
        label = f"{idx.iso3[code].name} ({code})"
        if label not in hits:
            hits.append(label)
    if len(value.strip()) == 3:
        for code in difflib.get_close_matches(value.strip().upper(), list(idx.iso3), n=3, cutoff=0.6):
            label = f"{idx.iso3[code].name} ({code})"
            if label not in hits:
                hits.append(label)
    return hits[:3]


def normalize_country(value: str) -> str:
    """The ISO 3166-1 alpha-3 code of a country given by code or name.

    Parameters
    ----------
    value
        An ISO3 code (``"JPN"``), an ISO2 code (``"JP"``), a US Census Schedule C code (``"5880"``), or an
        English name or common alias (``"Japan"``, ``"South Korea"``, ``"UK"``, ``"Türkiye"``); codes and
        names are matched case-insensitively, accents and punctuation ignored.

    Returns
    -------
    str
        The ISO3 code (a pseudo-code ``XKX``, ``XGZ`` or ``XWB`` for Kosovo, Gaza Strip, West Bank).

    Raises
    ------
    UnknownCountryError
        When nothing matches; the message names the value and suggests close matches. Group names
        (``EU``, ``ASEAN``...) are rejected with a pointer to :func:`expand_origins`.

    Examples
    --------
    >>> [normalize_country(v) for v in ["JPN", "jp", "5880", "Japan"]]
    ['JPN', 'JPN', 'JPN', 'JPN']
    >>> normalize_country("United Kingdom"), normalize_country("UK"), normalize_country("Türkiye")
    ('GBR', 'GBR', 'TUR')
    >>> normalize_country("Japn")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tariffscope.errors.UnknownCountryError: unknown country 'Japn': ... did you mean Japan (JPN)...
    """
    if not isinstance(value, str):
        raise UnknownCountryError(
            f"country must be given as a string (ISO3/ISO2 code, Census code or name); got {value!r}"
        )
    idx = _index()
    text = value.strip()
    upper = text.upper()
    if len(upper) == 3 and upper in idx.iso3:
        return upper
    if len(upper) == 2 and upper in idx.iso2:
        return idx.iso2[upper]
    if text.isdigit() and text in idx.census:
        return idx.census[text]
    key = _name_key(text)
    if key in idx.names:
        return idx.names[key]
    if upper in GROUPS:
        raise UnknownCountryError(
            f"'{value}' is a group of countries, not a country; use expand_origins(['{upper}']) "
            "to get its members"
        )
    hint = _suggestions(text) if text else []
    did_you_mean = f" did you mean {', '.join(hint)}?" if hint else ""
    raise UnknownCountryError(
        f"unknown country '{value}': expected an ISO 3166 alpha-3 or alpha-2 code, a Census country code "
        f"(e.g. '5880') or an English name;{did_you_mean} Use one of the codes listed by "
        "tariffscope.data.countries.all_countries()."
    )


def country(iso3: str) -> Country:
    """The :class:`Country` with this code (any form :func:`normalize_country` accepts).

    Examples
    --------
    >>> country("KOR").name
    'South Korea'
    >>> country("Deutschland")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tariffscope.errors.UnknownCountryError: unknown country 'Deutschland': ...
    """
    return _index().iso3[normalize_country(iso3)]


# -- groups ---------------------------------------------------------------------------------------

_EU27 = frozenset(
    {
        "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN", "IRL",
        "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP", "SWE",
    }
)  # fmt: skip
_ASEAN10 = frozenset({"BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM"})
_US_TERRITORIES = frozenset({"PRI", "VIR", "GUM", "ASM", "MNP", "UMI"})


def _build_groups() -> Mapping[str, frozenset[str]]:
    every = frozenset(c.iso3 for c in all_countries())
    groups: dict[str, frozenset[str]] = {
        # every Census country except the United States itself (its territories are included)
        "ALL": every - {"USA"},
        # European Union, the 27 member states in 2025
        "EU": _EU27,
        # USMCA partners of the United States
        "USMCA": frozenset({"CAN", "MEX"}),
        # ASEAN, the 10 members before Timor-Leste's accession (October 2025)
        "ASEAN": _ASEAN10,
        # Group of Seven, including the United States
        "G7": frozenset({"CAN", "FRA", "DEU", "ITA", "JPN", "GBR", "USA"}),
        # CPTPP, the 11 original parties and the United Kingdom (in force for it 2024-12-15)
        "CPTPP": frozenset(
            {"AUS", "BRN", "CAN", "CHL", "JPN", "MYS", "MEX", "NZL", "PER", "SGP", "VNM", "GBR"}
        ),
        # European Free Trade Association
        "EFTA": frozenset({"ISL", "LIE", "NOR", "CHE"}),
        # US insular areas with Census codes, for excluding them from ALL where a measure requires it
        "US_TERRITORIES": _US_TERRITORIES,
    }
    for name, members in groups.items():
        unknown = members - every
        if unknown:  # pragma: no cover - guards the table above against typos
            raise DataFileError(f"country group {name} names unknown codes {sorted(unknown)}")
    return MappingProxyType(groups)


#: Named groups of ISO3 codes usable in policy files (``origins: include: [EU]``). Names are uppercase.
GROUPS: Mapping[str, frozenset[str]] = _build_groups()


def expand_origins(items: Iterable[str]) -> frozenset[str]:
    """The set of ISO3 codes named by a list of codes, names and group names.

    Parameters
    ----------
    items
        ISO3 codes, anything else :func:`normalize_country` accepts, and group names from
        :data:`GROUPS` (``ALL``, ``EU``, ``USMCA``, ``ASEAN``, ``G7``, ``CPTPP``, ``EFTA``,
        ``US_TERRITORIES``; matched case-insensitively). A single string is taken as one item.

    Returns
    -------
    frozenset of str
        The union of every item's ISO3 codes.

    Raises
    ------
    UnknownCountryError
        Naming the first item that is neither a group nor a country.

    Examples
    --------
    >>> sorted(expand_origins(["EFTA"]))
    ['CHE', 'ISL', 'LIE', 'NOR']
    >>> len(expand_origins(["EU", "DEU", "Japan"]))
    28
    >>> "USA" in expand_origins(["ALL"])
    False
    >>> expand_origins(["EU", "Atlantis"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tariffscope.errors.UnknownCountryError: unknown country 'Atlantis': ...
    """
    if isinstance(items, str):
        items = [items]
    out: set[str] = set()
    for item in items:
        if not isinstance(item, str):
            raise UnknownCountryError(f"origin must be a code, name or group name; got {item!r}")
        group = GROUPS.get(item.strip().upper())
        if group is not None:
            out |= group
        else:
            out.add(normalize_country(item))
    return frozenset(out)
