"""The Harmonized Tariff Schedule of the United States (HTSUS) as a table of statistical lines.

:func:`load_hts_csv` reads the USITC CSV export (one row per printed line of the schedule) and
returns an :class:`HTSTable` with one row per 10-digit statistical line and its column 1 General
(MFN) rate of duty, parsed into numbers by :func:`tariffscope.data.duty_rates.parse_duty_rate`.

How the CSV export is read
--------------------------
* The rate of duty is printed once, on the 8-digit tariff line; its 10-digit statistical lines leave
  the rate columns blank and inherit the General, Special and Column 2 rates from it. When an 8-digit
  line has a single statistical suffix the export merges the two into one 10-digit row that carries
  the rates itself.
* A row with a blank General rate whose 8-digit line is absent or blank inherits from its nearest
  ancestor in the indent chain that has one. In the 2025 Basic Edition every 8-digit line outside
  chapters 98 and 99 has its own General rate, so this fallback is never used there; it is kept for
  other editions. A row with no rate anywhere above it gets kind ``'none'``.
* 8-digit lines without statistical lines (the 95 watch lines of chapter 91 in 2025) become a row
  with ``hts10 = hts8 + '00'`` and ``synthetic_stat_suffix = True``.
* Chapters 98 and 99 are left out: chapter 98 holds special classification provisions and chapter 99
  the temporary and additional duties (sections 201, 232, 301, IEEPA), which are layers on top of
  the MFN rate and not MFN rates.

>>> from tariffscope.data.hts import normalize_hts_code
>>> normalize_hts_code("8703.23.01.90")
'8703230190'
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from tariffscope.data.duty_rates import DutyRate, parse_duty_rate
from tariffscope.errors import DataFileError, InvalidHTSCodeError, UnknownHTSCodeError

__all__ = [
    "HTS_CSV_COLUMNS",
    "HTSLine",
    "HTSTable",
    "format_hts_code",
    "load_default_hts",
    "load_hts_csv",
    "load_hts_parquet",
    "normalize_hts_code",
]

#: Columns of the USITC CSV export, in order.
HTS_CSV_COLUMNS: tuple[str, ...] = (
    "HTS Number",
    "Indent",
    "Description",
    "Unit of Quantity",
    "General Rate of Duty",
    "Special Rate of Duty",
    "Column 2 Rate of Duty",
    "Quota Quantity",
    "Additional Duties",
)

#: Columns every :class:`HTSTable` has; loaders fill the optional ones with nulls when a file lacks them.
REQUIRED_COLUMNS: tuple[str, ...] = (
    "hts10",
    "hts8",
    "description",
    "unit",
    "general_text",
    "mfn_kind",
    "mfn_ad_valorem",
    "mfn_specific",
    "mfn_specific_unit",
    "mfn_specific_count",
    "jp_special",
    "edition",
)
OPTIONAL_COLUMNS: dict[str, pl.DataType] = {
    "full_description": pl.String(),
    "special_text": pl.String(),
    "column2_text": pl.String(),
    "synthetic_stat_suffix": pl.Boolean(),
    "units": pl.List(pl.String()),
    "rate_line": pl.String(),
    "mfn_note": pl.String(),
}

#: Chapters left out of the MFN table: special provisions (98) and additional duties (99).
EXCLUDED_CHAPTERS: frozenset[str] = frozenset({"98", "99"})

_VALID_LENGTHS = (2, 4, 6, 8, 10)
_DEFAULT_FILE = "hts_mfn_2025.parquet"
_META_EDITION = "tariffscope.edition"
_META_SOURCE = "tariffscope.source"


# --- codes ---------------------------------------------------------------------------------------


def normalize_hts_code(code: str) -> str:
    """Return an HTS code as bare digits, checking its form.

    Parameters
    ----------
    code : str
        A code with or without dots and spaces: ``'8703.23.01.90'``, ``'8703 23 01 90'``,
        ``'87032301'``, ``'8703'``.

    Returns
    -------
    str
        The digits, 2, 4, 6, 8 or 10 of them.

    Raises
    ------
    InvalidHTSCodeError
        If the code is not a string, holds anything but digits, dots and spaces, or has another
        number of digits.

    Examples
    --------
    >>> normalize_hts_code(" 7208.51.00.30 ")
    '7208510030'
    >>> normalize_hts_code("8703.2")
    Traceback (most recent call last):
    ...
    tariffscope.errors.InvalidHTSCodeError: HTS code '8703.2' must have 2, 4, 6, 8 or 10 digits; got 5; write it like '8703.23' or '8703.23.01.90'
    """
    if not isinstance(code, str):
        raise InvalidHTSCodeError(
            f"HTS code must be a string (leading zeros matter); got {code!r} of type "
            f"{type(code).__name__}; write it like '0201.10.10.10'"
        )
    digits = re.sub(r"[.\s]", "", code)
    bad = re.sub(r"\d", "", digits)
    if bad:
        raise InvalidHTSCodeError(
            f"HTS code {code!r} must hold only digits, dots and spaces; got {bad[:10]!r}; "
            "write it like '8703.23.01.90'"
        )
    if len(digits) not in _VALID_LENGTHS:
        raise InvalidHTSCodeError(
            f"HTS code {code!r} must have 2, 4, 6, 8 or 10 digits; got {len(digits)}; "
            "write it like '8703.23' or '8703.23.01.90'"
        )
    return digits


def format_hts_code(code: str) -> str:
    """Write bare HTS digits the way the schedule prints them.

    Examples
    --------
    >>> format_hts_code("8703230190")
    '8703.23.01.90'
    >>> format_hts_code("870323")
    '8703.23'
    """
    parts = [code[:4]] + [code[i : i + 2] for i in range(4, len(code), 2)]
    return ".".join(p for p in parts if p)


# --- the table -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HTSLine:
    """One statistical line of the schedule with its parsed MFN rate.

    Attributes mirror the columns of :attr:`HTSTable.lines`; columns a table does not carry (the
    compact bundled table has no full description, Special or Column 2 text) are ``None``.
    `general` is the General rate parsed by :func:`~tariffscope.data.duty_rates.parse_duty_rate`.
    """

    hts10: str
    hts8: str
    description: str
    full_description: str | None
    unit: str | None
    units: tuple[str, ...]
    general_text: str
    mfn_kind: str
    mfn_ad_valorem: float
    mfn_specific: float
    mfn_specific_unit: str | None
    mfn_specific_count: int
    special_text: str | None
    column2_text: str | None
    jp_special: bool
    edition: str
    synthetic_stat_suffix: bool
    rate_line: str | None
    general: DutyRate

    @property
    def code(self) -> str:
        """The 10-digit code as printed, e.g. ``'8703.23.01.90'``."""
        return format_hts_code(self.hts10)


@dataclass(frozen=True, eq=False)
class HTSTable:
    """The MFN schedule: one row per 10-digit statistical line.

    Parameters
    ----------
    lines : polars.DataFrame
        One row per statistical line, sorted by ``hts10``. Columns:

        ========================  ====================================================================
        ``hts10``                 10-digit code, digits only
        ``hts8``                  8-digit tariff line (the legal rate line)
        ``description``           the line's own description
        ``full_description``      descriptions of the indent chain joined by ': ', ending with its own
        ``unit``                  first unit of quantity ('No.', 'kg', ...), null if none is given
        ``units``                 all units of quantity, in order
        ``general_text``          column 1 General rate as written (own or inherited)
        ``mfn_kind``              'free', 'ad_valorem', 'specific', 'compound', 'other' or 'none'
        ``mfn_ad_valorem``        ad valorem part as a fraction (0.025 for 2.5%)
        ``mfn_specific``          USD per unit of the first specific part, 0.0 if none
        ``mfn_specific_unit``     unit of the first specific part, null if none
        ``mfn_specific_count``    number of specific parts
        ``mfn_note``              what the numbers leave out (see ``DutyRate.note``)
        ``special_text``          Special rate of duty as written (own or inherited)
        ``column2_text``          Column 2 rate of duty as written (own or inherited)
        ``jp_special``            the Special column lists indicator 'JP' (US–Japan Trade Agreement)
        ``synthetic_stat_suffix`` True for an 8-digit line without statistical lines (hts8 + '00')
        ``rate_line``             the printed line the rates were read from, e.g. '0101.21.00'
        ``edition``               the schedule edition, e.g. '2025 Basic Edition'
        ========================  ====================================================================
    edition : str
        The schedule edition.

    Examples
    --------
    >>> table = load_default_hts()
    >>> table.line("8703.23.01.90").mfn_ad_valorem
    0.025
    >>> "7208" in table
    True
    """

    lines: pl.DataFrame
    edition: str
    _codes: np.ndarray = field(init=False, repr=False)
    _row_of: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        missing = [c for c in REQUIRED_COLUMNS if c not in self.lines.columns]
        if missing:
            raise DataFileError(
                f"An HTS table needs the columns {', '.join(REQUIRED_COLUMNS)}; missing {', '.join(missing)}; "
                "build it with load_hts_csv()"
            )
        lines = self.lines
        absent = {name: dtype for name, dtype in OPTIONAL_COLUMNS.items() if name not in lines.columns}
        if absent:
            lines = lines.with_columns(
                pl.lit(None, dtype=dtype).alias(name) for name, dtype in absent.items()
            )
        if not lines["hts10"].is_sorted():
            lines = lines.sort("hts10")
        object.__setattr__(self, "lines", lines)
        codes = lines["hts10"].to_numpy().astype("U10")
        object.__setattr__(self, "_codes", codes)
        object.__setattr__(self, "_row_of", {code: i for i, code in enumerate(codes.tolist())})

    def __repr__(self) -> str:
        return f"HTSTable(edition={self.edition!r}, lines={len(self)})"

    def __len__(self) -> int:
        return self.lines.height

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.contains(code)

    @staticmethod
    def normalize(code: str) -> str:
        """Return `code` as bare digits; see :func:`normalize_hts_code`."""
        return normalize_hts_code(code)

    def hts10_codes(self) -> np.ndarray:
        """All 10-digit codes, sorted, as a numpy array of strings (for vectorised lookups)."""
        return self._codes.copy()

    def _range(self, prefix: str) -> tuple[int, int]:
        start = int(np.searchsorted(self._codes, prefix, side="left"))
        stop = int(np.searchsorted(self._codes, prefix + "A", side="left"))
        return start, stop

    def children(self, prefix: str) -> list[str]:
        """The 10-digit statistical lines under a heading, subheading or tariff line.

        Parameters
        ----------
        prefix : str
            An HTS code of 2, 4, 6, 8 or 10 digits, with or without dots.

        Returns
        -------
        list of str
            Sorted 10-digit codes that start with `prefix` (empty if none).
        """
        start, stop = self._range(self.normalize(prefix))
        return self._codes[start:stop].tolist()

    def contains(self, prefix: str) -> bool:
        """Whether any statistical line starts with `prefix` (2 to 10 digits)."""
        start, stop = self._range(self.normalize(prefix))
        return stop > start

    def line(self, hts: str) -> HTSLine:
        """The statistical line for a code.

        Parameters
        ----------
        hts : str
            A 10-digit code, or a shorter code that covers exactly one statistical line.

        Returns
        -------
        HTSLine

        Raises
        ------
        InvalidHTSCodeError
            If the code is malformed.
        UnknownHTSCodeError
            If no line has the code, or a shorter code covers several lines; the message lists
            candidate codes.
        """
        code = self.normalize(hts)
        row = self._row_of.get(code)
        if row is None and len(code) < 10:
            matches = self.children(code)
            if len(matches) == 1:
                row = self._row_of[matches[0]]
            elif matches:
                shown = ", ".join(format_hts_code(c) for c in matches[:5])
                more = f" and {len(matches) - 5} more" if len(matches) > 5 else ""
                raise UnknownHTSCodeError(
                    f"HTS code {hts!r} covers {len(matches)} statistical lines, so it does not name one line; "
                    f"give the 10-digit code: {shown}{more}"
                )
        if row is None:
            raise UnknownHTSCodeError(self._unknown_message(hts, code))
        values = self.lines.row(row, named=True)
        return _line_from_row(values)

    def _unknown_message(self, hts: str, code: str) -> str:
        where = f"the {self.edition} MFN schedule"
        if code[:2] in EXCLUDED_CHAPTERS:
            return (
                f"HTS code {hts!r} is in chapter {code[:2]}, which is left out of {where}: chapter 98 holds "
                "special provisions and chapter 99 additional duties, not MFN rates; give the code of the "
                "goods in chapters 01-97"
            )
        for digits, name in ((6, "subheading"), (4, "heading"), (2, "chapter")):
            start, stop = self._range(code[:digits])
            if stop > start:
                nearby = self._codes[start:stop]
                distance = np.abs(nearby.astype(np.int64) - int(code.ljust(10, "0")))
                nearest = nearby[np.argsort(distance, kind="stable")[:5]]
                shown = ", ".join(format_hts_code(c) for c in sorted(nearest.tolist()))
                return (
                    f"HTS code {hts!r} is not in {where}; nearest codes under {name} "
                    f"{format_hts_code(code[:digits])}: {shown}; check the code or the edition"
                )
        return f"HTS code {hts!r} is not in {where}, nor is any code of its chapter; check the code or the edition"

    def to_parquet(
        self,
        path: str | os.PathLike[str],
        *,
        columns: Sequence[str] | None = None,
        source: str | None = None,
    ) -> Path:
        """Write the table to a zstd-compressed parquet file that :func:`load_hts_parquet` reads back.

        Parameters
        ----------
        path : path-like
            Destination file; written atomically (temporary file and rename).
        columns : sequence of str, optional
            Write only these columns (they must include the required ones to be read back);
            by default all.
        source : str, optional
            Where the data came from, stored in the file's metadata.

        Returns
        -------
        pathlib.Path
        """
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        metadata = {_META_EDITION: self.edition}
        if source:
            metadata[_META_SOURCE] = source
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        lines = self.lines if columns is None else self.lines.select(columns)
        try:
            lines.write_parquet(temporary, compression="zstd", compression_level=19, metadata=metadata)
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
        return target


def _line_from_row(values: dict[str, Any]) -> HTSLine:
    units = values.get("units")
    return HTSLine(
        hts10=values["hts10"],
        hts8=values["hts8"],
        description=values["description"],
        full_description=values.get("full_description"),
        unit=values["unit"],
        units=tuple(units) if units is not None else (() if values["unit"] is None else (values["unit"],)),
        general_text=values["general_text"],
        mfn_kind=values["mfn_kind"],
        mfn_ad_valorem=values["mfn_ad_valorem"],
        mfn_specific=values["mfn_specific"],
        mfn_specific_unit=values["mfn_specific_unit"],
        mfn_specific_count=values["mfn_specific_count"],
        special_text=values.get("special_text"),
        column2_text=values.get("column2_text"),
        jp_special=bool(values["jp_special"]),
        edition=values["edition"],
        synthetic_stat_suffix=bool(values.get("synthetic_stat_suffix") or False),
        rate_line=values.get("rate_line"),
        general=parse_duty_rate(values["general_text"]),
    )


# --- reading the USITC CSV export ----------------------------------------------------------------


def _edition_from_name(path: Path) -> str:
    """'hts_2025_basic_edition.csv' -> '2025 Basic Edition'; 'hts_2025_revision_6_csv' -> '2025 Revision 6'."""
    name = path.stem.lower()
    year = re.search(r"(?<!\d)(20\d\d)(?!\d)", name)
    if year:
        if "basic" in name:
            return f"{year[1]} Basic Edition"
        revision = re.search(r"rev(?:ision)?[_\- ]*(\d+)", name)
        if revision:
            return f"{year[1]} Revision {revision[1]}"
    return path.stem


def _check_header(path: Path) -> None:
    try:
        with path.open(encoding="utf-8-sig") as handle:
            header = handle.readline()
    except FileNotFoundError:
        raise DataFileError(
            f"HTS file {str(path)!r} does not exist; give the path of a USITC HTS CSV export "
            "(tariffscope.data.fetch.fetch_hts downloads one)"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise DataFileError(f"HTS file {str(path)!r} cannot be read as UTF-8 text: {error}") from None
    columns = [c.strip().strip('"') for c in header.rstrip("\r\n").split(",")]
    missing = [c for c in HTS_CSV_COLUMNS if c not in columns]
    if missing:
        raise DataFileError(
            f"HTS file {str(path)!r} must have the USITC CSV export columns ({', '.join(HTS_CSV_COLUMNS)}); "
            f"missing {', '.join(missing)}; export the schedule from hts.usitc.gov as CSV"
        )


def _clean_text(column: str) -> pl.Expr:
    return pl.col(column).fill_null("").str.replace_all(r"\s+", " ").str.strip_chars()


def _read_export(path: Path) -> pl.DataFrame:
    _check_header(path)
    raw = pl.read_csv(path, infer_schema=False, encoding="utf8")
    raw = raw.rename({c: c.lstrip("\ufeff").strip() for c in raw.columns})
    frame = raw.select(
        code=_clean_text("HTS Number").str.replace_all(r"[.\s]", ""),
        indent=pl.col("Indent").fill_null("0").str.strip_chars().cast(pl.Int32, strict=False),
        description=_clean_text("Description"),
        units=pl.col("Unit of Quantity")
        .fill_null("")
        .str.replace_all(r"\\n", "")
        .str.extract_all(r'"[^"]*"')
        .list.eval(
            pl.element()
            .str.strip_chars('" ')
            .str.replace_all("²", "2")
            .str.replace_all("³", "3")
            .str.replace(r"^No$", "No.")
        )
        .list.eval(pl.element().filter(pl.element() != "")),
        general_text=_clean_text("General Rate of Duty"),
        special_text=_clean_text("Special Rate of Duty"),
        column2_text=_clean_text("Column 2 Rate of Duty"),
    )
    bad = frame.filter(~pl.col("code").str.contains(r"^(\d{2}|\d{4}|\d{6}|\d{8}|\d{10})?$"))
    if bad.height:
        raise DataFileError(
            f"HTS file {str(path)!r} has malformed HTS numbers (must be 4, 6, 8 or 10 digits): "
            f"{', '.join(bad['code'].head(5).to_list())}; re-export the file from hts.usitc.gov"
        )
    if frame["indent"].null_count():
        raise DataFileError(f"HTS file {str(path)!r} has non-numeric values in the Indent column")
    # Rows without an HTS number (indent-only captions) belong to the chapter of the row above.
    return frame.with_columns(
        chapter=pl.when(pl.col("code") != "").then(pl.col("code").str.slice(0, 2)).forward_fill()
    ).filter(~pl.col("chapter").is_in(list(EXCLUDED_CHAPTERS)) & pl.col("chapter").is_not_null())


def _walk_indent_chain(
    codes: Sequence[str],
    indents: Sequence[int],
    descriptions: Sequence[str],
    generals: Sequence[str],
) -> tuple[list[str], list[int]]:
    """Full descriptions and the row whose rates each row uses, from the indent chain.

    A row's parents are the nearest rows above it with a smaller indent. Its rates come from itself
    when its General rate is not blank, else from its 8-digit tariff line, else from its nearest
    ancestor with a rate (-1 if none).
    """
    full: list[str] = []
    source: list[int] = []
    stack: list[tuple[int, str, int]] = []  # (indent, full description, rate source)
    tariff_line: dict[str, int] = {}
    for i, (code, indent, description, general) in enumerate(
        zip(codes, indents, descriptions, generals, strict=True)
    ):
        while stack and stack[-1][0] >= indent:
            stack.pop()
        own = description.rstrip(": ").strip()
        text = f"{stack[-1][1]}: {own}" if stack and own else (stack[-1][1] if stack else own)
        if general:
            rate_source = i
        elif len(code) == 10 and code[:8] in tariff_line:
            rate_source = tariff_line[code[:8]]
        else:
            rate_source = stack[-1][2] if stack else -1
        if len(code) == 8 and general:
            tariff_line[code] = i
        full.append(text)
        source.append(rate_source)
        stack.append((indent, text, rate_source))
    return full, source


def _rate_columns(texts: pl.Series) -> pl.DataFrame:
    """Parse each distinct rate text once; the result is joined back on ``general_text``."""
    rows = []
    for text in texts.unique().to_list():
        rate = parse_duty_rate(text)
        first = rate.specific[0] if rate.specific else None
        rows.append(
            {
                "general_text": text,
                "mfn_kind": rate.kind,
                "mfn_ad_valorem": rate.ad_valorem,
                "mfn_specific": first.amount if first else 0.0,
                "mfn_specific_unit": first.unit if first else None,
                "mfn_specific_count": len(rate.specific),
                "mfn_note": rate.note,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "general_text": pl.String,
            "mfn_kind": pl.String,
            "mfn_ad_valorem": pl.Float64,
            "mfn_specific": pl.Float64,
            "mfn_specific_unit": pl.String,
            "mfn_specific_count": pl.Int32,
            "mfn_note": pl.String,
        },
    )


def load_hts_csv(path: str | os.PathLike[str], *, edition: str | None = None) -> HTSTable:
    """Read the USITC HTS CSV export into an MFN table of statistical lines.

    Parameters
    ----------
    path : path-like
        A CSV export of the schedule from hts.usitc.gov (columns ``HTS Number, Indent, Description,
        Unit of Quantity, General Rate of Duty, Special Rate of Duty, Column 2 Rate of Duty, Quota
        Quantity, Additional Duties``; a UTF-8 byte-order mark is allowed).
    edition : str, optional
        Name of the edition; by default read from the file name ('hts_2025_basic_edition.csv' gives
        '2025 Basic Edition').

    Returns
    -------
    HTSTable
        One row per 10-digit statistical line of chapters 01-97 (see the module notes for how rates
        are inherited and which lines are left out).

    Raises
    ------
    DataFileError
        If the file is missing, is not UTF-8 text, lacks a column or has malformed HTS numbers.
    """
    source_path = Path(path)
    frame = _read_export(source_path)
    full, source = _walk_indent_chain(
        frame["code"].to_list(),
        frame["indent"].to_list(),
        frame["description"].to_list(),
        frame["general_text"].to_list(),
    )
    frame = frame.with_columns(
        full_description=pl.Series(full, dtype=pl.String),
        source=pl.Series(source, dtype=pl.Int64),
    )
    # Every row takes the three rate columns of its source row; the source is itself when its
    # General rate is not blank.
    rates = frame.select(
        pl.col("general_text").gather(pl.col("source").clip(0)).alias("inherited_general"),
        pl.col("special_text").gather(pl.col("source").clip(0)).alias("inherited_special"),
        pl.col("column2_text").gather(pl.col("source").clip(0)).alias("inherited_column2"),
        pl.col("code").gather(pl.col("source").clip(0)).alias("rate_code"),
    )
    frame = pl.concat([frame, rates], how="horizontal")
    has_source = pl.col("source") >= 0
    own_general = pl.col("general_text") != ""

    def pick(own: str, inherited: str) -> pl.Expr:
        return (
            pl.when(own_general | (pl.col(own) != ""))
            .then(pl.col(own))
            .when(has_source)
            .then(pl.col(inherited))
            .otherwise(pl.lit(""))
        )

    stat_parents = frame.filter(pl.col("code").str.len_chars() == 10)["code"].str.slice(0, 8).unique()
    is_stat = pl.col("code").str.len_chars() == 10
    is_bare_tariff_line = (pl.col("code").str.len_chars() == 8) & ~pl.col("code").is_in(
        stat_parents.implode()
    )
    name = edition or _edition_from_name(source_path)
    lines = (
        frame.filter(is_stat | is_bare_tariff_line)
        .select(
            hts10=pl.when(is_stat).then(pl.col("code")).otherwise(pl.col("code") + "00"),
            hts8=pl.col("code").str.slice(0, 8),
            description=pl.col("description"),
            full_description=pl.col("full_description"),
            unit=pl.col("units").list.first(),
            units=pl.col("units"),
            general_text=pick("general_text", "inherited_general"),
            special_text=pick("special_text", "inherited_special"),
            column2_text=pick("column2_text", "inherited_column2"),
            synthetic_stat_suffix=~is_stat,
            rate_line=pl.when(has_source)
            .then(pl.col("rate_code").map_batches(_format_codes, return_dtype=pl.String))
            .otherwise(None),
        )
        .with_columns(jp_special=pl.col("special_text").str.contains(r"\(\s*(?:[^)]*[,\s])?JP\s*[,)]"))
    )
    lines = lines.join(
        _rate_columns(lines["general_text"]), on="general_text", how="left", maintain_order="left"
    )
    lines = lines.with_columns(edition=pl.lit(name)).select(
        "hts10",
        "hts8",
        "description",
        "full_description",
        "unit",
        "units",
        "general_text",
        "mfn_kind",
        "mfn_ad_valorem",
        "mfn_specific",
        "mfn_specific_unit",
        "mfn_specific_count",
        "mfn_note",
        "special_text",
        "column2_text",
        "jp_special",
        "synthetic_stat_suffix",
        "rate_line",
        "edition",
    )
    duplicated = lines.filter(pl.col("hts10").is_duplicated())["hts10"].unique()
    if duplicated.len():
        raise DataFileError(
            f"HTS file {str(source_path)!r} lists statistical lines more than once: "
            f"{', '.join(format_hts_code(c) for c in duplicated.head(5).to_list())}; re-export the file"
        )
    return HTSTable(lines=lines.sort("hts10"), edition=name)


def _format_codes(codes: pl.Series) -> pl.Series:
    """Vectorised :func:`format_hts_code`: empty groups leave trailing dots, which are stripped."""
    pieces = [codes.str.slice(0, 4), *(codes.str.slice(i, 2) for i in (4, 6, 8))]
    joined = pieces[0] + "." + pieces[1] + "." + pieces[2] + "." + pieces[3]
    return joined.str.strip_chars_end(".")


# --- parquet cache and the bundled table ---------------------------------------------------------


def load_hts_parquet(path: str | os.PathLike[str]) -> HTSTable:
    """Read a table written by :meth:`HTSTable.to_parquet` (or the bundled compact table).

    Raises
    ------
    DataFileError
        If the file is missing or lacks a required column.
    """
    source = Path(path)
    if not source.is_file():
        raise DataFileError(
            f"HTS parquet file {str(source)!r} does not exist; write one with HTSTable.to_parquet() "
            "or rebuild the bundled table with `make default-data`"
        )
    lines = pl.read_parquet(source)
    metadata = pl.read_parquet_metadata(source)
    edition = metadata.get(_META_EDITION)
    if edition is None:
        editions = lines["edition"].unique().to_list() if "edition" in lines.columns else []
        edition = editions[0] if len(editions) == 1 else source.stem
    return HTSTable(lines=lines, edition=edition)


@lru_cache(maxsize=1)
def load_default_hts() -> HTSTable:
    """The bundled MFN table (USITC HTS 2025 Basic Edition, chapters 01-97), loaded once.

    It is built by ``scripts/build_default_data.py`` and holds the columns the duty engine needs;
    ``full_description``, ``special_text`` and ``column2_text`` are null in it.

    Examples
    --------
    >>> load_default_hts().line("7208.51.00.30").mfn_kind
    'free'
    """
    resource = resources.files("tariffscope.data").joinpath("default", _DEFAULT_FILE)
    with resources.as_file(resource) as path:
        return load_hts_parquet(path)
