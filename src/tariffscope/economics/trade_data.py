"""Inputs of the general-equilibrium model: a labelled square trade matrix and bilateral tariffs.

Everything is normalised once here, at the boundary, so that :mod:`tariffscope.economics.ge` works on
validated arrays: exporters are rows (``i``), importers are columns (``j``), the diagonal holds domestic
(own) flows :math:`X_{ii}`, tariffs are fractions (0.24 means 24 %).

>>> import pandas as pd
>>> flows = pd.DataFrame({"exporter": ["A", "A", "B", "B"], "importer": ["A", "B", "A", "B"],
...                       "value": [10.0, 2.0, 3.0, 20.0]})
>>> trade = TradeMatrix.from_long(flows)
>>> trade.countries
('A', 'B')
>>> trade.exports.tolist(), trade.imports.tolist()
([2.0, 3.0], [3.0, 2.0])
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tariffscope.errors import DataFileError, InputError, UnknownCountryError

FloatArray = NDArray[np.float64]

#: A tariff above this (150 %) at the country-pair level is taken for a percentage typed as a number.
MAX_PLAUSIBLE_TARIFF = 1.5

TableLike = pd.DataFrame | str | Path
BilateralLike = Any  # ndarray, labelled square DataFrame, long DataFrame, mapping {(i, j): v}, Tariffs


def _read_table(source: Any, what: str) -> pd.DataFrame:
    """Return ``source`` as a pandas DataFrame, reading CSV (optionally gzipped) or Parquet files."""
    if isinstance(source, pd.DataFrame):
        return source
    if hasattr(source, "to_pandas") and callable(source.to_pandas):  # polars
        return source.to_pandas()  # type: ignore[no-any-return]
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise DataFileError(f"{what} file '{path}' does not exist")
        try:
            if path.suffix == ".parquet":
                return pd.read_parquet(path)
            return pd.read_csv(path)
        except (ValueError, OSError) as exc:  # pandas parser errors derive from ValueError
            raise DataFileError(f"cannot read {what} file '{path}': {exc}") from exc
    raise InputError(f"{what} must be a DataFrame or a path to a CSV file; got {type(source).__name__}")


def _column(frame: pd.DataFrame, wanted: str, what: str, alternatives: Sequence[str] = ()) -> str:
    """Find column ``wanted`` (or one of ``alternatives``), case-insensitively."""
    lower = {str(c).lower(): str(c) for c in frame.columns}
    for name in (wanted, *alternatives):
        if name.lower() in lower:
            return lower[name.lower()]
    raise DataFileError(
        f"{what} needs a column '{wanted}'; found columns {', '.join(map(str, frame.columns))}"
    )


def _numeric(values: Any, what: str) -> FloatArray:
    try:
        return np.asarray(pd.to_numeric(pd.Series(np.ravel(values)), errors="raise"), dtype=np.float64)
    except (ValueError, TypeError) as exc:
        raise InputError(f"{what} must be numbers: {exc}") from exc


def read_labels(labels: Any) -> tuple[str, ...]:
    """Country labels from a sequence, a Series, a DataFrame or a file.

    A table uses the column ``iso3``, ``country``, ``label`` or ``code`` if it has one, else its first
    column; a ``.txt`` file has one label per line.
    """
    if isinstance(labels, (str, Path)) and Path(labels).suffix == ".txt":
        path = Path(labels)
        if not path.exists():
            raise DataFileError(f"labels file '{path}' does not exist")
        out = tuple(line.strip() for line in path.read_text().splitlines() if line.strip())
    elif isinstance(labels, (str, Path, pd.DataFrame)):
        frame = _read_table(labels, "labels")
        name = next(
            (str(c) for c in frame.columns if str(c).lower() in ("iso3", "country", "label", "code")),
            str(frame.columns[0]),
        )
        out = tuple(str(v).strip() for v in frame[name])
    else:
        out = tuple(str(v).strip() for v in labels)
    if not out:
        raise InputError("country labels are empty")
    return out


def _check_labels(countries: tuple[str, ...]) -> None:
    if any(not c or c.lower() == "nan" for c in countries):
        raise InputError("every country needs a non-empty label; found an empty or missing one")
    seen: set[str] = set()
    dupes = sorted({c for c in countries if c in seen or seen.add(c)})  # type: ignore[func-returns-value]
    if dupes:
        raise InputError(f"country labels must be unique; duplicated: {', '.join(dupes[:10])}")


def read_gdp(gdp: Any, countries: Sequence[str], scale: float = 1.0) -> FloatArray:
    """GDP per country aligned with ``countries``, multiplied by ``scale`` (to express it in trade units).

    ``gdp`` is a mapping, a Series indexed by country, a sequence in the order of ``countries``, or a
    table/file with columns ``country,gdp`` (or only ``gdp``, in the order of ``countries``).
    """
    if isinstance(gdp, Mapping):
        series = pd.Series(gdp, dtype=np.float64)
    elif isinstance(gdp, pd.Series):
        series = gdp.astype(np.float64)
    elif isinstance(gdp, (str, Path, pd.DataFrame)) or hasattr(gdp, "to_pandas"):
        frame = _read_table(gdp, "gdp")
        value = _column(frame, "gdp", "gdp table", ("value", "y"))
        keys = [str(c) for c in frame.columns if str(c).lower() in ("country", "iso3", "exporter", "code")]
        if keys:
            series = pd.Series(_numeric(frame[value], "gdp"), index=frame[keys[0]].astype(str).str.strip())
        else:
            if len(frame) != len(countries):
                raise DataFileError(
                    f"gdp table without a 'country' column must have one row per country in label "
                    f"order: {len(countries)} expected, got {len(frame)}"
                )
            series = pd.Series(_numeric(frame[value], "gdp"), index=list(countries))
    else:
        values = _numeric(gdp, "gdp")
        if len(values) != len(countries):
            raise InputError(f"gdp has {len(values)} values for {len(countries)} countries")
        series = pd.Series(values, index=list(countries))
    missing = [c for c in countries if c not in series.index]
    if missing:
        raise UnknownCountryError(f"gdp is missing for {len(missing)} countries: {', '.join(missing[:10])}")
    out = np.array(series.reindex(list(countries)).to_numpy(dtype=np.float64), dtype=np.float64) * float(
        scale
    )
    bad = [c for c, v in zip(countries, out, strict=True) if not np.isfinite(v) or v <= 0]
    if bad:
        raise InputError(f"gdp must be positive and finite; check {', '.join(bad[:10])}")
    return out


@dataclass(frozen=True, eq=False)
class TradeMatrix:
    """A square matrix of trade flows with its country labels, domestic flows on the diagonal.

    Parameters
    ----------
    countries
        Country labels, in the order of rows and columns.
    values
        ``values[i, j]`` is the value of goods from exporter ``i`` bought by importer ``j`` (at
        pre-tariff prices); ``values[i, i]`` is domestic (own) spending on domestic goods.
    unit
        Free text, e.g. ``"thousand USD"``; carried into results.

    Raises
    ------
    InputError
        When the matrix is not square, labels are missing or duplicated, flows are negative or not
        finite, or a country has no output or no spending at all.
    """

    countries: tuple[str, ...]
    values: FloatArray
    unit: str | None = None
    domestic_imputed: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        countries = tuple(str(c) for c in self.countries)
        object.__setattr__(self, "countries", countries)
        values = np.array(self.values, dtype=np.float64)
        if values.ndim != 2 or values.shape[0] != values.shape[1]:
            raise InputError(f"trade matrix must be square (exporters x importers); got shape {values.shape}")
        if values.shape[0] != len(countries):
            raise InputError(
                f"trade matrix has {values.shape[0]} rows but {len(countries)} country labels; "
                "label every row/column"
            )
        _check_labels(countries)
        if not np.all(np.isfinite(values)):
            i, j = np.argwhere(~np.isfinite(values))[0]
            raise InputError(
                f"trade flows must be finite numbers; {countries[i]}->{countries[j]} is {values[i, j]} "
                "(use missing='zero' when a blank means no trade)"
            )
        if np.any(values < 0):
            i, j = np.argwhere(values < 0)[0]
            raise InputError(
                f"trade flows must be non-negative; {countries[i]}->{countries[j]} is {values[i, j]}"
            )
        if not np.any(np.diag(values) > 0):
            raise InputError(
                "domestic (own) flows X_ii are all zero: the general-equilibrium model needs them; "
                "supply them in the data or pass gdp to impute them"
            )
        for what, sums in (
            ("output (row sum)", values.sum(axis=1)),
            ("spending (column sum)", values.sum(axis=0)),
        ):
            bad = [c for c, s in zip(countries, sums, strict=True) if s <= 0]
            if bad:
                raise InputError(f"every country needs positive {what}; zero for {', '.join(bad[:10])}")
        values.setflags(write=False)
        object.__setattr__(self, "values", values)

    # ----------------------------------------------------------------- constructors
    @classmethod
    def from_long(
        cls,
        data: TableLike | Any,
        *,
        exporter: str = "exporter",
        importer: str = "importer",
        value: str = "value",
        gdp: Any = None,
        gdp_scale: float = 1.0,
        unit: str | None = None,
    ) -> TradeMatrix:
        """Build from a long table ``exporter,importer,value`` (a DataFrame or a CSV path).

        Pairs absent from the table are zero trade; duplicated pairs and explicit missing values are
        errors. Domestic flows must be present for every country unless ``gdp`` is given, in which case
        missing ones are imputed with :meth:`with_domestic_from_gdp`.
        """
        frame = _read_table(data, "trade")
        ex = _column(frame, exporter, "trade table", ("origin", "exp", "reporter"))
        im = _column(frame, importer, "trade table", ("destination", "imp", "partner"))
        va = _column(frame, value, "trade table", ("trade", "flow", "flows", "value"))
        origin = frame[ex].astype(str).str.strip()
        destination = frame[im].astype(str).str.strip()
        amounts = pd.to_numeric(frame[va], errors="coerce")
        if amounts.isna().any():
            row = int(np.flatnonzero(amounts.isna().to_numpy())[0])
            raise InputError(
                f"trade value is missing or not a number for {origin.iloc[row]}->{destination.iloc[row]} "
                f"(row {row + 2}); drop the row if there is no trade"
            )
        keys = pd.DataFrame({"e": origin, "i": destination})
        dup = keys.duplicated()
        if dup.any():
            row = int(np.flatnonzero(dup.to_numpy())[0])
            raise InputError(
                f"pair {origin.iloc[row]}->{destination.iloc[row]} appears more than once; sum duplicates first"
            )
        countries = tuple(sorted(set(origin) | set(destination)))
        index = {c: k for k, c in enumerate(countries)}
        n = len(countries)
        values = np.zeros((n, n))
        rows = origin.map(index).to_numpy()
        cols = destination.map(index).to_numpy()
        values[rows, cols] = amounts.to_numpy(dtype=np.float64)
        present = np.zeros(n, dtype=bool)
        own = rows == cols
        present[rows[own]] = True
        return cls._with_domestic(countries, values, present, gdp, gdp_scale, unit)

    @classmethod
    def from_square(
        cls,
        matrix: TableLike | NDArray[Any],
        labels: Any,
        *,
        gdp: Any = None,
        gdp_scale: float = 1.0,
        missing: Literal["error", "zero"] = "error",
        unit: str | None = None,
    ) -> TradeMatrix:
        """Build from a square matrix (rows exporters, columns importers) and its labels.

        ``matrix`` is an array, a DataFrame or a CSV file (a header row is ignored; a first column of
        labels is dropped). ``labels`` is a sequence or a file (see :func:`read_labels`). Off-diagonal
        blanks are errors unless ``missing='zero'``; blank or zero diagonal cells are imputed from
        ``gdp`` when given.
        """
        if missing not in ("error", "zero"):
            raise InputError(f"missing must be 'error' or 'zero'; got {missing!r}")
        countries = read_labels(labels)
        n = len(countries)
        if isinstance(matrix, np.ndarray):
            values = np.array(matrix, dtype=np.float64)
        else:
            frame = _read_table(matrix, "trade matrix")
            if frame.shape[1] == n + 1 and not pd.api.types.is_numeric_dtype(frame.iloc[:, 0]):
                frame = frame.iloc[:, 1:]
            values = np.array(frame.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64))
        if values.ndim != 2 or values.shape != (n, n):
            raise InputError(f"trade matrix must be {n}x{n} to match {n} labels; got shape {values.shape}")
        diagonal = np.diag(values).copy()
        present = np.isfinite(diagonal) & (diagonal > 0) if gdp is not None else np.isfinite(diagonal)
        off = ~np.eye(n, dtype=bool)
        if np.any(~np.isfinite(values[off])):
            if missing == "error":
                i, j = np.argwhere(~np.isfinite(values) & off)[0]
                raise InputError(
                    f"trade flow {countries[i]}->{countries[j]} is missing (blank or NaN); pass "
                    "missing='zero' (CLI: --missing-as-zero) if a blank means no trade"
                )
            values[off] = np.where(np.isfinite(values[off]), values[off], 0.0)
        values[np.diag_indices(n)] = np.where(np.isfinite(diagonal), diagonal, 0.0)
        return cls._with_domestic(countries, values, present, gdp, gdp_scale, unit)

    @classmethod
    def _with_domestic(
        cls,
        countries: tuple[str, ...],
        values: FloatArray,
        present: NDArray[np.bool_],
        gdp: Any,
        gdp_scale: float,
        unit: str | None,
    ) -> TradeMatrix:
        _check_labels(countries)
        if np.any(values < 0):
            i, j = np.argwhere(values < 0)[0]
            raise InputError(
                f"trade flows must be non-negative; {countries[i]}->{countries[j]} is {values[i, j]}"
            )
        if gdp is None:
            if not present.all():
                absent = [c for c, p in zip(countries, present, strict=True) if not p]
                raise InputError(
                    f"domestic (own) flows are missing for {len(absent)} of {len(countries)} countries "
                    f"({', '.join(absent[:8])}{'...' if len(absent) > 8 else ''}); the model needs X_ii: "
                    "add them or pass gdp (CLI: --gdp) to impute them"
                )
            return cls(countries, values, unit=unit)
        gdp_values = read_gdp(gdp, countries, gdp_scale)
        return _impute_domestic(countries, values, ~present, gdp_values, unit)

    def with_domestic_from_gdp(self, gdp: Any, *, scale: float = 1.0, replace: bool = True) -> TradeMatrix:
        """Return a copy whose domestic flows are imputed from GDP.

        Parameters
        ----------
        gdp
            GDP per country (see :func:`read_gdp`).
        scale
            Factor that expresses GDP in the unit of the trade flows (``0.001`` for GDP in USD and
            trade in thousand USD).
        replace
            Replace every domestic flow (default) or only those that are zero.

        Notes
        -----
        Spending is GDP plus the trade deficit, :math:`E_i = GDP_i + (M_i - X_i)`, and domestic spending
        on own goods is what is not imported:

        .. math::

            X_{ii} = E_i - M_i = GDP_i - X_i = GDP_i - \\sum_{j \\neq i} X_{ij}, \\qquad
            X_{ii} \\leftarrow \\max(X_{ii}, 0)

        This is the convention of Ignatenko, Lashkaripour, Macedoni & Simonovska (2025), replication
        code ``main_baseline.m`` with no foreign ownership of income (:math:`\\nu = 0`, their
        Eaton-Kortum variant); countries whose exports exceed GDP (re-export hubs) are floored at zero
        and listed in :attr:`domestic_imputed` with a warning. After flooring, output is re-read as the
        row sum, so those countries' output is their exports.
        """
        gdp_values = read_gdp(gdp, self.countries, scale)
        which = np.ones(len(self.countries), dtype=bool) if replace else np.diag(self.values) <= 0
        return _impute_domestic(self.countries, np.array(self.values), which, gdp_values, self.unit)

    # ----------------------------------------------------------------- views
    def __len__(self) -> int:
        return len(self.countries)

    def index(self, country: str) -> int:
        """Position of ``country``; raises :class:`UnknownCountryError` when absent."""
        try:
            return self.countries.index(country)
        except ValueError:
            raise UnknownCountryError(
                f"country '{country}' is not in the trade data ({len(self.countries)} countries, "
                f"e.g. {', '.join(self.countries[:5])})"
            ) from None

    @property
    def domestic(self) -> FloatArray:
        """Domestic flows :math:`X_{ii}`."""
        return np.diag(self.values).copy()

    @property
    def output(self) -> FloatArray:
        """Output (sales to all destinations including home), :math:`Y_i = \\sum_j X_{ij}`."""
        return self.values.sum(axis=1)

    @property
    def spending(self) -> FloatArray:
        """Spending at pre-tariff prices, :math:`E_j = \\sum_i X_{ij}`."""
        return self.values.sum(axis=0)

    @property
    def exports(self) -> FloatArray:
        """International exports :math:`\\sum_{j \\neq i} X_{ij}`."""
        return self.output - self.domestic

    @property
    def imports(self) -> FloatArray:
        """International imports :math:`\\sum_{i \\neq j} X_{ij}`."""
        return self.spending - self.domestic

    @property
    def deficit(self) -> FloatArray:
        """Trade deficit, imports minus exports."""
        return self.imports - self.exports

    def to_frame(self) -> pd.DataFrame:
        """Long table ``exporter, importer, value`` (every pair, zeros included)."""
        n = len(self.countries)
        return pd.DataFrame(
            {
                "exporter": np.repeat(self.countries, n),
                "importer": np.tile(self.countries, n),
                "value": self.values.ravel(),
            }
        )

    def to_matrix_frame(self) -> pd.DataFrame:
        """The matrix as a labelled DataFrame (index exporters, columns importers)."""
        return pd.DataFrame(self.values, index=list(self.countries), columns=list(self.countries))

    def __repr__(self) -> str:
        unit = f", unit={self.unit!r}" if self.unit else ""
        return f"TradeMatrix({len(self.countries)} countries, total={self.values.sum():.6g}{unit})"


def _impute_domestic(
    countries: tuple[str, ...],
    values: FloatArray,
    which: NDArray[np.bool_],
    gdp: FloatArray,
    unit: str | None,
) -> TradeMatrix:
    values = np.array(values, dtype=np.float64)
    n = len(countries)
    off = values.copy()
    off[np.diag_indices(n)] = 0.0
    exports = off.sum(axis=1)
    domestic = gdp - exports
    floored = tuple(c for c, d, w in zip(countries, domestic, which, strict=True) if w and d < 0)
    if floored:
        warnings.warn(
            f"exports exceed GDP for {', '.join(floored)}: their domestic flows are set to zero",
            UserWarning,
            stacklevel=3,
        )
    diag = np.diag(values).copy()
    diag[which] = np.maximum(domestic[which], 0.0)
    values[np.diag_indices(n)] = diag
    return TradeMatrix(countries, values, unit=unit, domestic_imputed=floored)


# --------------------------------------------------------------------- tariffs and bilateral shocks
def _check_tariff_values(rates: FloatArray, countries: Sequence[str], what: str = "tariffs") -> None:
    n = len(countries)
    if not np.all(np.isfinite(rates)):
        i, j = np.argwhere(~np.isfinite(rates))[0]
        raise InputError(f"{what} must be numbers; {countries[i]}->{countries[j]} is missing")
    high = rates > MAX_PLAUSIBLE_TARIFF
    if np.any(high):
        i, j = np.argwhere(high)[0]
        got = rates[i, j]
        raise InputError(
            f"tariffs must be fractions: got {got:g}, did you mean {got / 100:g}? "
            f"({countries[i]}->{countries[j]}; 0.24 means 24 %)"
        )
    if np.any(rates <= -1):
        i, j = np.argwhere(rates <= -1)[0]
        raise InputError(
            f"a tariff must be above -1 (a subsidy below 100 %); {countries[i]}->{countries[j]} is {rates[i, j]:g}"
        )
    diag = np.diag(rates)
    if np.any(diag != 0) and n:
        k = int(np.flatnonzero(diag != 0)[0])
        raise InputError(
            f"a country cannot levy a tariff on its own goods; {countries[k]}->{countries[k]} is {diag[k]:g}"
        )


@dataclass(frozen=True, eq=False)
class Tariffs:
    """Ad valorem tariffs :math:`t_{ij}` levied by importer ``j`` on goods from exporter ``i``.

    Rates are fractions (0.24 = 24 %) in a square matrix labelled like a :class:`TradeMatrix`.
    A rate above 1.5 is rejected as a percentage typed as a number, the diagonal must be zero.
    """

    countries: tuple[str, ...]
    rates: FloatArray

    def __post_init__(self) -> None:
        countries = tuple(str(c) for c in self.countries)
        object.__setattr__(self, "countries", countries)
        rates = np.array(self.rates, dtype=np.float64)
        if rates.shape != (len(countries), len(countries)):
            raise InputError(f"tariff matrix must be {len(countries)}x{len(countries)}; got {rates.shape}")
        _check_labels(countries)
        _check_tariff_values(rates, countries)
        rates.setflags(write=False)
        object.__setattr__(self, "rates", rates)

    @classmethod
    def zeros(cls, countries: Sequence[str]) -> Tariffs:
        """No tariffs anywhere."""
        n = len(countries)
        return cls(tuple(countries), np.zeros((n, n)))

    @classmethod
    def from_long(
        cls,
        data: TableLike | Any,
        countries: Sequence[str],
        *,
        exporter: str = "exporter",
        importer: str = "importer",
        tariff: str = "tariff",
    ) -> Tariffs:
        """Build from a long table ``exporter,importer,tariff`` (fractions); absent pairs are zero."""
        frame = _read_table(data, "tariffs")
        ex = _column(frame, exporter, "tariff table", ("origin", "exp"))
        im = _column(frame, importer, "tariff table", ("destination", "imp"))
        ta = _column(frame, tariff, "tariff table", ("rate", "ad_valorem_rate", "value", "applied_tariff"))
        countries = tuple(countries)
        index = {c: k for k, c in enumerate(countries)}
        n = len(countries)
        rates = np.zeros((n, n))
        values = _numeric(frame[ta], "tariffs")
        for e, i, v in zip(
            frame[ex].astype(str).str.strip(), frame[im].astype(str).str.strip(), values, strict=True
        ):
            for c in (e, i):
                if c not in index:
                    raise UnknownCountryError(f"tariff for unknown country '{c}' (not in the trade data)")
            if not np.isfinite(v):
                raise InputError(f"tariff {e}->{i} is missing; use 0 for no tariff")
            rates[index[e], index[i]] = v
        return cls(countries, rates)

    @classmethod
    def from_importer_vector(
        cls,
        rates: Any,
        importer: str,
        countries: Sequence[str],
        *,
        minimum: float | None = None,
    ) -> Tariffs:
        """Tariffs of one importer on each exporter's goods; every other pair is zero.

        Parameters
        ----------
        rates
            A mapping or Series ``exporter -> rate``, a sequence in the order of ``countries``, or a
            table/file with columns ``country,tariff`` (or a single rate column in label order).
        importer
            The country that levies the tariffs (its own entry is set to zero).
        countries
            Labels of the trade data.
        minimum
            Optional floor, e.g. ``0.10`` for the 10 % baseline of the April 2025 US tariffs.
        """
        countries = tuple(countries)
        if importer not in countries:
            raise UnknownCountryError(f"importer '{importer}' is not in the trade data")
        if isinstance(rates, Mapping):
            series = pd.Series(rates, dtype=np.float64)
        elif isinstance(rates, pd.Series):
            series = rates.astype(np.float64)
        elif isinstance(rates, (str, Path, pd.DataFrame)) or hasattr(rates, "to_pandas"):
            frame = _read_table(rates, "tariffs")
            keys = [
                str(c) for c in frame.columns if str(c).lower() in ("country", "exporter", "iso3", "origin")
            ]
            numeric = [str(c) for c in frame.columns if str(c) not in keys]
            if not numeric:
                raise DataFileError("tariff table needs a column of rates")
            value = next(
                (c for c in numeric if c.lower() in ("tariff", "rate", "applied_tariff")), numeric[0]
            )
            vals = _numeric(frame[value].replace(".", np.nan), "tariffs")
            if keys:
                series = pd.Series(vals, index=frame[keys[0]].astype(str).str.strip())
            elif len(vals) == len(countries):
                series = pd.Series(vals, index=list(countries))
            else:
                raise DataFileError(
                    f"tariff vector without a 'country' column must have {len(countries)} rows in label order; "
                    f"got {len(vals)}"
                )
        else:
            vals = _numeric(rates, "tariffs")
            if len(vals) != len(countries):
                raise InputError(f"tariff vector has {len(vals)} values for {len(countries)} countries")
            series = pd.Series(vals, index=list(countries))
        unknown = [c for c in series.index if c not in countries]
        if unknown:
            raise UnknownCountryError(f"tariffs for unknown countries: {', '.join(map(str, unknown[:10]))}")
        column = np.array(series.reindex(list(countries)).fillna(0.0).to_numpy(dtype=np.float64))
        if minimum is not None:
            column = np.maximum(column, minimum)
        j = countries.index(importer)
        column[j] = 0.0
        matrix = np.zeros((len(countries), len(countries)))
        high = column > MAX_PLAUSIBLE_TARIFF
        if np.any(high):
            k = int(np.flatnonzero(high)[0])
            raise InputError(
                f"tariffs must be fractions: got {column[k]:g}, did you mean {column[k] / 100:g}? "
                f"({countries[k]}->{importer}; 0.24 means 24 %)"
            )
        matrix[:, j] = column
        return cls(countries, matrix)

    def aligned(self, countries: Sequence[str]) -> FloatArray:
        """The rates reordered to ``countries`` (which must be the same set)."""
        countries = tuple(countries)
        if set(countries) != set(self.countries):
            extra = sorted(set(self.countries) - set(countries))
            lacking = sorted(set(countries) - set(self.countries))
            raise InputError(
                f"tariffs and trade data cover different countries (only in tariffs: {extra[:5]}, "
                f"only in trade: {lacking[:5]})"
            )
        order = [self.countries.index(c) for c in countries]
        return self.rates[np.ix_(order, order)]

    def to_frame(self, *, nonzero: bool = True) -> pd.DataFrame:
        """Long table ``exporter, importer, tariff``."""
        n = len(self.countries)
        frame = pd.DataFrame(
            {
                "exporter": np.repeat(self.countries, n),
                "importer": np.tile(self.countries, n),
                "tariff": self.rates.ravel(),
            }
        )
        return frame[frame.tariff != 0].reset_index(drop=True) if nonzero else frame


def bilateral_matrix(
    values: BilateralLike, countries: Sequence[str], what: str, *, default: float
) -> FloatArray:
    """Normalise a bilateral input to an ``N x N`` array ordered like ``countries``.

    Accepts ``None`` (filled with ``default``), a scalar (off-diagonal pairs; the diagonal keeps
    ``default``), an ``N x N`` array in the order of ``countries``, a square DataFrame labelled by
    index (exporters) and columns (importers), a long DataFrame ``exporter, importer, <value>``, a
    mapping ``{(exporter, importer): value}`` or a :class:`Tariffs`. Pairs not given take ``default``.
    """
    countries = tuple(countries)
    n = len(countries)
    index = {c: k for k, c in enumerate(countries)}
    out = np.full((n, n), float(default))
    if values is None:
        return out
    if isinstance(values, Tariffs):
        return np.array(values.aligned(countries))
    if isinstance(values, (int, float, np.floating, np.integer)):
        out[~np.eye(n, dtype=bool)] = float(values)
        return out
    if isinstance(values, Mapping):
        for key, v in values.items():
            if not (isinstance(key, tuple) and len(key) == 2):
                raise InputError(f"{what} mapping keys must be (exporter, importer) pairs; got {key!r}")
            e, i = (str(k) for k in key)
            for c in (e, i):
                if c not in index:
                    raise UnknownCountryError(f"{what} for unknown country '{c}'")
            out[index[e], index[i]] = float(v)
        return out
    if hasattr(values, "to_pandas") and not isinstance(values, pd.DataFrame):
        values = values.to_pandas()
    if isinstance(values, pd.DataFrame):
        cols = {str(c).lower(): c for c in values.columns}
        if "exporter" in cols and "importer" in cols:
            rest = [c for c in values.columns if str(c).lower() not in ("exporter", "importer")]
            if len(rest) != 1:
                raise InputError(
                    f"long {what} table needs exactly one value column besides exporter, importer"
                )
            nums = _numeric(values[rest[0]], what)
            for e, i, v in zip(
                values[cols["exporter"]].astype(str), values[cols["importer"]].astype(str), nums, strict=True
            ):
                for c in (e, i):
                    if c not in index:
                        raise UnknownCountryError(f"{what} for unknown country '{c}'")
                out[index[e], index[i]] = v
            return out
        labels_r = [str(c) for c in values.index]
        labels_c = [str(c) for c in values.columns]
        if set(labels_r) != set(countries) or set(labels_c) != set(countries):
            raise InputError(
                f"square {what} DataFrame must be labelled by the trade data's countries on index and columns"
            )
        return np.array(values.loc[list(countries), list(countries)].to_numpy(dtype=np.float64))  # type: ignore[index]
    array = np.asarray(values, dtype=np.float64)
    if array.shape != (n, n):
        raise InputError(f"{what} must be {n}x{n} (exporters x importers); got shape {array.shape}")
    return np.array(array)
