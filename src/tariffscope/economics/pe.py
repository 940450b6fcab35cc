"""Partial-equilibrium trade model in the style of WITS/UNCTAD SMART: one importing market per product.

Each product (HS6 or finer) is its own market. Imports from different origins are imperfect substitutes
(Armington); the importing country's demand for the product responds to prices with the *import demand
elasticity*, the split between origins with the *substitution elasticity*, and each origin's exports respond
to the price it receives with the *export supply elasticity* (infinite by default, as SMART's value 99 is
meant). A tariff change moves domestic prices, and :meth:`PEModel.solve` returns, for every product ×
origin, trade creation, trade diversion, the new import value, price changes, the tariff revenue change
and the consumer surplus change.

>>> import pandas as pd
>>> from tariffscope.economics.pe import PEModel
>>> imports = pd.DataFrame({
...     "product": ["870323", "870323"], "origin": ["JPN", "DEU"],
...     "value": [100.0, 50.0], "tariff": [0.025, 0.025]})
>>> model = PEModel(imports)          # import demand -1.25, substitution 1.5, export supply infinite
>>> result = model.solve(pd.DataFrame({"product": ["870323"], "origin": ["JPN"], "new_tariff": [0.275]}))
>>> frame = result.to_frame().set_index("origin")
>>> frame["trade_creation"].round(3).to_dict()
{'JPN': -23.877, 'DEU': 0.0}
>>> frame["trade_diversion"].round(3).to_dict()
{'JPN': -10.133, 'DEU': 10.133}
>>> round(result.totals["tariff_revenue_change"], 3), round(result.totals["consumer_surplus_change"], 3)
(15.901, -20.418)

The equations, their sources and the meaning of every output column are in :class:`PEModel` (Notes) and
:data:`RESULT_COLUMNS`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tariffscope.errors import ConvergenceError, InputError

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = [
    "DEFAULT_EXPORT_SUPPLY_ELASTICITY",
    "DEFAULT_IMPORT_DEMAND_ELASTICITY",
    "DEFAULT_SUBSTITUTION_ELASTICITY",
    "RESULT_COLUMNS",
    "PEModel",
    "PEResult",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

#: Import demand elasticity used when none is given for a product. SMART ships product-specific values
#: (Kee, Nicita and Olarreaga 2008); this package bundles none, so a round, moderately elastic value is used.
DEFAULT_IMPORT_DEMAND_ELASTICITY = -1.25
#: Substitution (Armington) elasticity between origins: SMART's default, 1.5 (WITS online help,
#: "SMART > Using SMART > Checking the raw data").
DEFAULT_SUBSTITUTION_ELASTICITY = 1.5
#: Export supply elasticity: infinite (world prices fixed). SMART encodes "infinite" as 99; here 99 is an
#: ordinary finite number and ``math.inf`` means infinite.
DEFAULT_EXPORT_SUPPLY_ELASTICITY = math.inf

#: Valid ranges (documented in error messages). Import demand: [-50, 0); substitution: [0, 50];
#: export supply: [0, inf]. The bounds keep every power p**elasticity well inside float range.
IMPORT_DEMAND_RANGE = (-50.0, 0.0)
SUBSTITUTION_RANGE = (0.0, 50.0)
#: Ad valorem tariffs are fractions; anything above 5 (500%) is taken to be a percentage typed by mistake.
MAX_AD_VALOREM = 5.0

AggregateBy = Literal["product", "origin", "chapter", "gtap"]
_AGGREGATE_BY: tuple[str, ...] = get_args(AggregateBy)
_ELASTICITY_NAMES = ("import_demand_elasticity", "substitution_elasticity", "export_supply_elasticity")
_GL_NODES = 12  # Gauss-Legendre nodes for the consumer-surplus line integral

#: Every output column of :meth:`PEResult.to_frame` and its formula (notation of :class:`PEModel`).
RESULT_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "product": "Product code, as given (HS6 or finer).",
        "origin": "Exporting country, as given.",
        "import_value": "m0: base import value at world prices (SMART's quantity unit; world price = 1).",
        "tariff": "t0: initial ad valorem tariff (fraction).",
        "new_tariff": "t1: new ad valorem tariff (fraction).",
        "import_demand_elasticity": "eps: import demand elasticity of the product (< 0).",
        "substitution_elasticity": "sigma: substitution elasticity between origins of the product.",
        "export_supply_elasticity": "omega: export supply elasticity of this origin (inf = fixed world price).",
        "trade_creation": "TC = m0 (p_hat**eps - 1): imports created (or destroyed) by the change in this "
        "variety's own domestic price; ~ eps m0 dt/(1+t0).",
        "trade_diversion": "TD = m1 - m0 p_hat**eps: imports shifted between origins at a constant product "
        "total; sums to zero over the origins of a product.",
        "trade_change": "TC + TD = m1 - m0: change in import volume, valued at base world prices.",
        "new_import_value": "pi m1: import value after the change, at the new world price.",
        "import_value_change": "pi m1 - m0 = trade_change + world_price_effect.",
        "world_price_effect": "(pi - 1) m1: valuation effect of the world-price change (SMART's 'price "
        "effect'); zero with infinite export supply.",
        "world_price_change": "pi - 1: relative change in the price the exporter receives.",
        "domestic_price_change": "p_hat - 1 = pi (1+t1)/(1+t0) - 1: relative change in the domestic price "
        "of this origin's variety.",
        "pass_through": "(p_hat - 1)/((1+t1)/(1+t0) - 1): share of the tariff change paid by domestic "
        "buyers (1 with infinite supply); NaN where the tariff does not change.",
        "tariff_revenue_change": "t1 pi m1 - t0 m0.",
        "consumer_surplus_change": "-(p1 - p0) * integral_0^1 m(p0 + l (p1 - p0)) dl, p = (1+t) x world "
        "price: area left of the demand curve, on the straight price path.",
        "exporter_surplus_change": "m0 (pi**(omega+1) - 1)/(omega+1): area left of the export supply curve "
        "(zero with infinite supply).",
        "net_welfare_change": "consumer_surplus_change + tariff_revenue_change: importing country's gain.",
    }
)

_SUM_COLUMNS = (
    "import_value",
    "new_import_value",
    "trade_creation",
    "trade_diversion",
    "trade_change",
    "import_value_change",
    "world_price_effect",
    "tariff_revenue_change",
    "consumer_surplus_change",
    "exporter_surplus_change",
    "net_welfare_change",
)
_MEAN_COLUMNS = ("tariff", "new_tariff", "domestic_price_change", "world_price_change")


# ---------------------------------------------------------------------------------------------------------
# Input normalisation and validation
# ---------------------------------------------------------------------------------------------------------


def _as_frame(data: Any, what: str) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    if hasattr(data, "to_pandas") and callable(data.to_pandas):  # polars / pyarrow
        frame = data.to_pandas()
        if isinstance(frame, pd.DataFrame):
            return frame
    try:
        return pd.DataFrame(data)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"{what} must be a table (a pandas or polars DataFrame); got {type(data).__name__}"
        ) from exc


def _require_columns(frame: pd.DataFrame, required: Sequence[str], what: str) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        have = ", ".join(map(str, frame.columns)) or "none"
        raise InputError(
            f"{what} is missing column(s) {', '.join(missing)}; expected {', '.join(required)} (found: {have})"
        )


def _labels(frame: pd.DataFrame, column: str, what: str) -> tuple[IntArray, NDArray[np.object_]]:
    """Codes of each row into the unique, stripped text labels of ``column`` (string work on uniques only)."""
    series = frame[column]
    missing = series.isna().to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise InputError(f"{what} has an empty {column} in row {row + 1}; every row needs one")
    if column == "product" and pd.api.types.is_integer_dtype(series.dtype):
        raise InputError(
            f"{what}: product codes must be text, not integers (leading zeros matter: 10121 vs '010121'); "
            "read the file with dtype={'product': str}"
        )
    raw_codes, raw_uniques = pd.factorize(series, sort=False)
    cleaned = pd.Series(np.asarray(raw_uniques, dtype=object), dtype=object).astype(str).str.strip()
    if (cleaned == "").any():
        empty = int(np.flatnonzero((cleaned == "").to_numpy())[0])
        row = int(np.flatnonzero(raw_codes == empty)[0])
        raise InputError(f"{what} has an empty {column} in row {row + 1}; every row needs one")
    codes, uniques = pd.factorize(cleaned, sort=False)
    return np.asarray(codes, dtype=np.intp)[raw_codes], np.asarray(uniques, dtype=object)


def _numbers(frame: pd.DataFrame, column: str, what: str) -> FloatArray:
    converted = pd.to_numeric(frame[column], errors="coerce")
    bad = converted.isna() & frame[column].notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"{what} column {column} must be numeric; got {frame[column].iloc[row]!r} in row {row + 1}"
        )
    return converted.to_numpy(dtype=np.float64, na_value=np.nan)


def _check_tariffs(values: FloatArray, where: Any, column: str, what: str) -> None:
    """Raise for NaN, negative or percentage-looking tariffs; warn for plausible but very high ones."""
    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{what}: {column} must be a finite number; got {values[i]} for {where(i)}")
    bad = values < 0
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{what}: {column} must be >= 0 (a fraction: 0.025 = 2.5%); got {values[i]:g} for {where(i)}"
        )
    bad = values > MAX_AD_VALOREM
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{what}: {column} {values[i]:g} for {where(i)} looks like a percentage; tariffs are fractions "
            f"(0.24 = 24%, at most {MAX_AD_VALOREM:g}): did you mean {values[i] / 100:g}?"
        )
    high = values >= 1.0
    if high.any():
        i = int(np.flatnonzero(high)[0])
        warnings.warn(
            f"{what}: {column} {values[i]:g} for {where(i)} means {100 * values[i]:g}%; "
            f"if you meant {values[i]:g}%, use {values[i] / 100:g}",
            UserWarning,
            stacklevel=4,
        )


def _check_elasticity(name: str, value: float, context: str = "") -> float:
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name}{context} must be a number; got {value!r}") from exc
    if math.isnan(v):
        raise InputError(f"{name}{context} must be a number; got nan")
    if name == "import_demand_elasticity":
        lo, hi = IMPORT_DEMAND_RANGE
        if not lo <= v < hi:
            hint = f"; did you mean {-v:g}?" if 0 < v <= -lo else ""
            raise InputError(
                f"{name}{context} must be negative, in the valid range [{lo:g}, {hi:g}) "
                f"(imports fall when their price rises); got {v:g}{hint}"
            )
    elif name == "substitution_elasticity":
        lo, hi = SUBSTITUTION_RANGE
        if not lo <= v <= hi:
            raise InputError(f"{name}{context} must be in the valid range [{lo:g}, {hi:g}]; got {v:g}")
    elif name == "export_supply_elasticity":
        if not v >= 0:
            raise InputError(
                f"{name}{context} must be in the valid range [0, inf] "
                f"(0 = fixed export supply, inf = fixed world price; SMART's 99 means inf); got {v:g}"
            )
    else:  # pragma: no cover - internal misuse
        raise InputError(f"unknown elasticity {name!r}; expected one of {', '.join(_ELASTICITY_NAMES)}")
    return v


def _dotless(codes: NDArray[np.object_]) -> pd.Series:
    return pd.Series(codes, dtype=object).str.replace(".", "", regex=False)


def _product_overrides(elasticities_by_product: Any, product_codes: pd.Series) -> dict[str, FloatArray]:
    """Per product (unique codes, dotless) override values, NaN where no override applies.

    Keys match a product exactly or as a prefix (``"8703"`` covers ``"870323"``); the longest key wins.
    """
    if elasticities_by_product is None:
        return {}
    if isinstance(elasticities_by_product, Mapping):
        rows = []
        for key, spec in elasticities_by_product.items():
            if not isinstance(spec, Mapping):
                raise InputError(
                    f"elasticities_by_product[{key!r}] must map elasticity names to numbers; "
                    f"got {type(spec).__name__}"
                )
            rows.append({"product": str(key), **dict(spec)})
        frame = pd.DataFrame(rows, columns=["product", *sorted({k for r in rows for k in r} - {"product"})])
    else:
        frame = _as_frame(elasticities_by_product, "elasticities_by_product")
    _require_columns(frame, ["product"], "elasticities_by_product")
    unknown = [c for c in frame.columns if c != "product" and c not in _ELASTICITY_NAMES]
    if unknown:
        raise InputError(
            f"elasticities_by_product has unknown column(s) {', '.join(map(str, unknown))}; "
            f"valid: product, {', '.join(_ELASTICITY_NAMES)}"
        )
    key_codes, key_labels = _labels(frame, "product", "elasticities_by_product")
    keys = _dotless(key_labels[key_codes]).str.rstrip("*")
    if keys.duplicated().any():
        dup = keys[keys.duplicated()].iloc[0]
        raise InputError(f"elasticities_by_product lists product {dup!r} twice; give each product once")
    lengths = keys.str.len().to_numpy()
    out: dict[str, FloatArray] = {}
    for name in _ELASTICITY_NAMES:
        if name not in frame.columns:
            continue
        column = _numbers(frame, name, "elasticities_by_product")
        for i in np.flatnonzero(~np.isnan(column)):
            _check_elasticity(name, float(column[i]), f" for product {keys.iloc[i]}")
        values = np.full(len(product_codes), np.nan)
        for length in np.unique(lengths):  # shorter prefixes first, so longer (more specific) keys win
            sel = np.flatnonzero((lengths == length) & ~np.isnan(column))
            if len(sel) == 0:
                continue
            prefixes = product_codes.str[: int(length)].where(product_codes.str.len() >= length)
            hit = pd.Index(keys.iloc[sel]).get_indexer(pd.Index(prefixes))
            values = np.where(hit >= 0, column[sel][np.maximum(hit, 0)], values)
        out[name] = values
    return out


# ---------------------------------------------------------------------------------------------------------
# The equilibrium
# ---------------------------------------------------------------------------------------------------------


def _segment_sum(index: IntArray, weights: FloatArray, n: int) -> FloatArray:
    return np.asarray(np.bincount(index, weights=weights, minlength=n), dtype=np.float64)


def _allocate(
    pidx: IntArray, n: int, m: FloatArray, z: FloatArray, eps: FloatArray, sig: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Demand at log domestic price changes ``z``: (own-price volumes m p^eps, final volumes m1)."""
    created = m * np.exp(eps * z)
    weights = created * np.exp(-sig * z)
    total = _segment_sum(pidx, created, n)
    norm = _segment_sum(pidx, weights, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        final = np.where(norm[pidx] > 0, total[pidx] * weights / norm[pidx], 0.0)
    return created, final


def _solve_scalar(
    pidx: IntArray,
    n: int,
    m: FloatArray,
    ell: FloatArray,
    eps: FloatArray,
    sig: FloatArray,
    kappa: FloatArray,
    eps_p: FloatArray,
    sig_p: FloatArray,
    tol: float,
    max_iter: int,
) -> tuple[FloatArray, int, float]:
    """Solve g(C) = C - ln sum m p^eps + ln sum m p^(eps-sigma) = 0 for every product at once.

    Safeguarded Newton (bisection inside a proven bracket) on one scalar per product, vectorised across
    products; returns C, the number of iterations and the largest |g|.
    """
    active = (_segment_sum(pidx, (kappa > 0).astype(np.float64), n) > 0) & (_segment_sum(pidx, m, n) > 0)
    C = np.zeros(n)
    if not active.any():
        return C, 0, 0.0
    es = eps - sig
    # |C*| <= sigma L (sigma - eps)/(-eps) with L = max |ell| in the product (see PEModel Notes).
    L = np.zeros(n)
    np.maximum.at(L, pidx, np.abs(ell))
    bound = sig_p * L * (sig_p - eps_p) / (-eps_p)
    lo, hi = -bound * (1 + 1e-9) - 1e-12, bound * (1 + 1e-9) + 1e-12
    err = math.inf
    for iteration in range(1, max_iter + 1):
        z = kappa * (C[pidx] + es * ell) + ell
        wa = m * np.exp(eps * z)
        wb = m * np.exp(es * z)
        sa = _segment_sum(pidx, wa, n)
        sb = _segment_sum(pidx, wb, n)
        with np.errstate(divide="ignore", invalid="ignore"):
            g = np.where(active, C - np.log(sa) + np.log(sb), 0.0)
            slope = (
                1.0
                - _segment_sum(pidx, wa * eps * kappa, n) / sa
                + _segment_sum(pidx, wb * es * kappa, n) / sb
            )
        err = float(np.max(np.abs(g)))
        if err <= tol:
            return C, iteration - 1, err  # Newton updates made
        lo = np.where(g < 0, np.maximum(lo, C), lo)
        hi = np.where(g > 0, np.minimum(hi, C), hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = C - g / slope
        inside = (newton > lo) & (newton < hi) & np.isfinite(newton)
        C = np.where(active, np.where(inside, newton, 0.5 * (lo + hi)), 0.0)
    raise ConvergenceError(
        f"PE solver did not converge in {max_iter} iterations; largest residual {err:.3g} (log units)",
        residual=err,
        iterations=max_iter,
    )


# ---------------------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------------------


class PEModel:
    r"""SMART-style partial-equilibrium model of one importing market per product.

    Parameters
    ----------
    imports : DataFrame
        One row per product × origin with columns ``product`` (text, HS6 or finer), ``origin``, ``value``
        (base import value at world prices, >= 0, any currency unit) and ``tariff`` (initial ad valorem
        tariff as a fraction: 0.025 = 2.5%). An optional ``export_supply_elasticity`` column sets that
        elasticity per origin (SMART keeps it equal across origins; origins may differ here).
    import_demand_elasticity : float, default -1.25
        Elasticity of the product's total imports to its price, in [-50, 0).
    substitution_elasticity : float, default 1.5
        Elasticity of substitution between origins (SMART's default), in [0, 50].
    export_supply_elasticity : float, default inf
        Elasticity of each origin's export supply to the price it receives, in [0, inf]; ``inf`` keeps world
        prices fixed (SMART's 99), 0 fixes export quantities.
    elasticities_by_product : DataFrame or mapping, optional
        Overrides per product: a table with ``product`` and any of ``import_demand_elasticity``,
        ``substitution_elasticity``, ``export_supply_elasticity`` (NaN = default), or a mapping
        ``{"8703": {"substitution_elasticity": 5.6}}``. A key matches a product exactly or as a prefix
        (``"8703"`` covers ``"870323"``); the longest matching key wins; the ``export_supply_elasticity``
        column of ``imports`` wins over both.

    Raises
    ------
    InputError
        Missing columns, negative or non-numeric values, duplicate product × origin rows, tariffs written as
        percentages (24 for 0.24), elasticities outside their valid range.

    Notes
    -----
    Notation: product :math:`g`, origin :math:`c`; base value :math:`m_{gc}` (SMART normalises world
    prices to 1, so values are quantities); tariffs :math:`t^0, t^1`; elasticities :math:`\varepsilon_g<0`
    (import demand), :math:`\sigma_g\ge 0` (substitution), :math:`\omega_{gc}\ge 0` (export supply).

    *Prices* (Jammes and Olarreaga 2005, eq. 5; Laird and Yeats 1986, annex I, eq. 4). The domestic price
    of a variety is the world price plus the ad valorem duty, :math:`p^d_{gc} = p^w_{gc}(1+t_{gc})`, so with
    :math:`\pi_{gc} = p^{w1}_{gc}/p^{w0}_{gc}` the domestic price relative is

    .. math:: \hat p_{gc} = \pi_{gc}\,\frac{1+t^1_{gc}}{1+t^0_{gc}}.

    *Trade creation* (SMART: Jammes and Olarreaga 2005, section 1; Laird and Yeats 1986, annex I). SMART
    defines creation as the response of imports from :math:`c` to the change in *their own* price with the
    import demand elasticity, :math:`TC_{gc} = \varepsilon_g m_{gc}\, dt_{gc}/(1+t_{gc})`. Integrating that
    constant elasticity over a finite change gives the form used here,

    .. math:: \tilde m_{gc} = m_{gc}\,\hat p_{gc}^{\varepsilon_g}, \qquad TC_{gc} = \tilde m_{gc} - m_{gc},

    which equals SMART's formula to first order in :math:`dt` and never turns imports negative.

    *Trade diversion* (Jammes and Olarreaga 2005, section 1; Laird and Yeats 1986, annex I; Armington
    1969). The product total after creation, :math:`\tilde M_g=\sum_c\tilde m_{gc}`, is reallocated between
    origins according to relative prices with the substitution elasticity:

    .. math:: m^1_{gc} = \tilde M_g\,\frac{\tilde m_{gc}\,\hat p_{gc}^{-\sigma_g}}
              {\sum_k \tilde m_{gk}\,\hat p_{gk}^{-\sigma_g}}, \qquad TD_{gc} = m^1_{gc}-\tilde m_{gc}.

    So :math:`\sum_c TD_{gc}=0` exactly ("market side, trade diversion is equal to zero", WITS help) and
    diversion can never exceed existing trade (SMART's ceiling). To first order
    :math:`TD_{gc}=\sigma_g m_{gc}\sum_k s_{gk}(x_{gk}-x_{gc})` with :math:`x=dp/p` and value shares
    :math:`s`; with two groups (:math:`c` and the rest, :math:`-c`) this is SMART's
    :math:`TD_{gc} = \sigma_g\, \frac{m_{gc}\, m_{g,-c}}{m_{gc}+m_{g,-c}}\,
    \frac{d(p_{g,-c}/p_{gc})}{p_{g,-c}/p_{gc}}`.

    *Export supply* (Jammes and Olarreaga 2005, section 2; Laird and Yeats 1986, annex I, eq. 2). With a
    finite elasticity the world price adjusts until :math:`m^1_{gc} = m_{gc}\,\pi_{gc}^{\omega_{gc}}`. Taking
    logs, with :math:`A_g=\ln\sum_k m_{gk}\hat p_{gk}^{\varepsilon}`,
    :math:`B_g=\ln\sum_k m_{gk}\hat p_{gk}^{\varepsilon-\sigma}` and :math:`\ell_{gc}=\ln\frac{1+t^1}{1+t^0}`,
    every origin's world price depends on one scalar per product, :math:`C_g = A_g - B_g`:

    .. math:: \ln\pi_{gc} = \kappa_{gc}\,\bigl(C_g + (\varepsilon_g-\sigma_g)\,\ell_{gc}\bigr), \qquad
              \kappa_{gc} = \frac{1}{\omega_{gc}+\sigma_g-\varepsilon_g}.

    :math:`C_g` solves :math:`C_g = A_g(C_g) - B_g(C_g)`; the left side minus the right is strictly increasing
    and its root lies in :math:`|C_g| \le \sigma_g L_g(\sigma_g-\varepsilon_g)/(-\varepsilon_g)` with
    :math:`L_g=\max_c|\ell_{gc}|`, so a safeguarded Newton iteration, vectorised over all products, finds
    it (one step when :math:`\omega` is common to a product's origins, since the equation is then linear in
    :math:`C_g`; a few when origins differ). With :math:`\omega=\infty`, :math:`\kappa=0` and the closed form
    above applies directly. For a uniform change and common :math:`\omega`, the first-order result is Laird
    and Yeats' :math:`TC = M\varepsilon\,dt/\bigl((1+t)(1-\varepsilon/\omega)\bigr)`, i.e. a pass-through to
    domestic prices of :math:`\omega/(\omega-\varepsilon) < 1`.

    *Revenue and welfare* (WITS help, "SMART > Presentation"; Harberger 1964). Tariff revenue is
    :math:`t\,p^w m`; the consumer surplus change is minus the area left of the demand curve between the old
    and new domestic prices, :math:`-\int (p^1-p^0)\cdot m(p^0+\lambda(p^1-p^0))\,d\lambda` on the straight
    price path (12-node Gauss-Legendre), attributed to each origin by its own price change; the exporters'
    surplus change is the area left of their supply curves. SMART's own "welfare" report is the
    deadweight-loss triangle, not this consumer surplus.

    Differences from SMART, stated: the finite-change (constant-elasticity) forms above replace SMART's
    linear ones, so results agree with SMART's formulas to first order and stay meaningful for tariffs of
    25-150%; flows with zero base value stay zero (as in SMART); income effects and domestic production are
    absent (partial equilibrium, as in SMART).

    References
    ----------
    Jammes, O. and Olarreaga, M. (2005). "Explaining SMART and GSIM." World Bank, mimeo.
    Laird, S. and Yeats, A. (1986). "The UNCTAD Trade Policy Simulation Model: a note on the methodology,
    data and uses." UNCTAD Discussion Paper 19, annex I.
    Armington, P. (1969). "A theory of demand for products distinguished by place of production." IMF
    Staff Papers 16(1).
    World Bank, WITS online help, "SMART" chapters (2010).
    Kee, H. L., Nicita, A. and Olarreaga, M. (2008). "Import demand elasticities and trade distortions."
    Review of Economics and Statistics 90(4).
    """

    def __init__(
        self,
        imports: Any,
        import_demand_elasticity: float = DEFAULT_IMPORT_DEMAND_ELASTICITY,
        substitution_elasticity: float = DEFAULT_SUBSTITUTION_ELASTICITY,
        export_supply_elasticity: float = DEFAULT_EXPORT_SUPPLY_ELASTICITY,
        elasticities_by_product: Any = None,
    ) -> None:
        what = "imports"
        frame = _as_frame(imports, what)
        _require_columns(frame, ("product", "origin", "value", "tariff"), what)
        if len(frame) == 0:
            raise InputError("imports has no rows; give at least one product × origin flow")
        self._defaults = MappingProxyType(
            {
                "import_demand_elasticity": _check_elasticity(
                    "import_demand_elasticity", import_demand_elasticity
                ),
                "substitution_elasticity": _check_elasticity(
                    "substitution_elasticity", substitution_elasticity
                ),
                "export_supply_elasticity": _check_elasticity(
                    "export_supply_elasticity", export_supply_elasticity
                ),
            }
        )
        product_codes, product_labels = _labels(frame, "product", what)
        origin_codes, origin_labels = _labels(frame, "origin", what)
        product = product_labels[product_codes]
        origin = origin_labels[origin_codes]
        # products are identified by their code without dots: '8703.23' and '870323' are one product
        dotless_codes, dotless_uniques = pd.factorize(_dotless(product_labels), sort=False)
        pidx = np.asarray(dotless_codes, dtype=np.intp)[product_codes]
        unique_codes = pd.Series(np.asarray(dotless_uniques, dtype=object), dtype=object)
        value = _numbers(frame, "value", what)
        tariff = _numbers(frame, "tariff", what)

        def where(i: int) -> str:
            return f"product {product[i]} origin {origin[i]} (row {i + 1})"

        bad = ~np.isfinite(value)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"imports: value must be a finite number; got {value[i]} for {where(i)}")
        bad = value < 0
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"imports: value must be >= 0 (an import value); got {value[i]:g} for {where(i)}"
            )
        _check_tariffs(tariff, where, "tariff", what)
        dup = pd.Series(pidx * len(origin_labels) + origin_codes).duplicated(keep=False).to_numpy()
        if dup.any():
            i = int(np.flatnonzero(dup)[0])
            n_dup = int(dup.sum())
            raise InputError(
                f"imports has duplicate product × origin rows ({n_dup} rows), first: {where(i)}; "
                "aggregate them (sum the values) before building the model"
            )

        n_products = len(unique_codes)
        overrides = _product_overrides(elasticities_by_product, unique_codes)
        eps_p = np.full(n_products, self._defaults["import_demand_elasticity"])
        sig_p = np.full(n_products, self._defaults["substitution_elasticity"])
        omega_p = np.full(n_products, self._defaults["export_supply_elasticity"])
        for name, target in zip(_ELASTICITY_NAMES, (eps_p, sig_p, omega_p), strict=True):
            if name in overrides:
                mask = ~np.isnan(overrides[name])
                target[mask] = overrides[name][mask]
        omega = omega_p[pidx]
        if "export_supply_elasticity" in frame.columns:
            column = _numbers(frame, "export_supply_elasticity", what)
            given = ~np.isnan(column)
            for bad_row in np.flatnonzero(given & ~(column >= 0)):
                _check_elasticity(
                    "export_supply_elasticity", float(column[bad_row]), f" for {where(int(bad_row))}"
                )
            omega = np.where(given, column, omega)

        self._product = product
        self._origin = origin
        self._unique_codes = unique_codes
        self._origin_index = pd.Index(origin_labels)
        self._oidx = origin_codes
        self._pidx = pidx
        self._n_products = n_products
        self._value = value
        self._tariff = tariff
        self._eps_p = eps_p
        self._sig_p = sig_p
        self._omega = omega
        for array in (product, origin, origin_codes, pidx, value, tariff, eps_p, sig_p, omega):
            array.setflags(write=False)

    # -- read-only views -------------------------------------------------------------------------------

    @property
    def n_flows(self) -> int:
        """Number of product × origin flows."""
        return len(self._value)

    @property
    def n_products(self) -> int:
        """Number of products (markets)."""
        return self._n_products

    @property
    def defaults(self) -> Mapping[str, float]:
        """The model-wide elasticities (before per-product overrides)."""
        return self._defaults

    def __repr__(self) -> str:
        d = self._defaults
        return (
            f"PEModel({self.n_products} products, {self.n_flows} flows, "
            f"import_demand_elasticity={d['import_demand_elasticity']:g}, "
            f"substitution_elasticity={d['substitution_elasticity']:g}, "
            f"export_supply_elasticity={d['export_supply_elasticity']:g})"
        )

    # -- the tariff change ------------------------------------------------------------------------------

    def new_tariffs(self, tariff_change: Any) -> FloatArray:
        """The new tariff of every flow after applying ``tariff_change`` (see :meth:`solve`)."""
        new = self._tariff.copy()
        if isinstance(tariff_change, Mapping):
            rows = []
            for key, rate in tariff_change.items():
                if not (isinstance(key, tuple) and len(key) == 2):
                    raise InputError(
                        f"tariff_change keys must be (product, origin) pairs; got {key!r} "
                        "(use '*' as origin for all origins)"
                    )
                rows.append({"product": key[0], "origin": key[1], "new_tariff": rate})
            frame = pd.DataFrame(rows, columns=["product", "origin", "new_tariff"])
        else:
            frame = _as_frame(tariff_change, "tariff_change")
        what = "tariff_change"
        _require_columns(frame, ("product", "origin", "new_tariff"), what)
        if len(frame) == 0:
            return new
        product_codes, product_labels = _labels(frame, "product", what)
        origin_codes, origin_labels = _labels(frame, "origin", what)
        rate = _numbers(frame, "new_tariff", what)

        def where(i: int) -> str:
            return f"product {product_labels[product_codes[i]]} origin {origin_labels[origin_codes[i]]} (row {i + 1})"

        _check_tariffs(rate, where, "new_tariff", what)
        # String work on the unique patterns only; rows are matched on integer codes.
        patterns = _dotless(product_labels)
        pattern_is_prefix = patterns.str.endswith("*").to_numpy()
        pattern_key = patterns.str.rstrip("*")
        exact_spec = 1 << 30
        pattern_spec = np.where(pattern_is_prefix, pattern_key.str.len().to_numpy(), exact_spec)
        pattern_id = np.asarray(pd.factorize(pattern_key + np.where(pattern_is_prefix, "*", ""))[0])
        n_origins = len(origin_labels)
        dup = (
            pd.Series(pattern_id[product_codes] * n_origins + origin_codes).duplicated(keep=False).to_numpy()
        )
        if dup.any():
            i = int(np.flatnonzero(dup)[0])
            raise InputError(
                f"tariff_change gives {where(i)} more than once; keep one row per product × origin"
            )
        product_spec = pattern_spec[product_codes]
        origin_spec = (origin_labels != "*")[origin_codes].astype(np.int64)
        # origin of each rule as an index into the model's origins (-1: not traded, or '*')
        rule_origin = self._origin_index.get_indexer(pd.Index(origin_labels))[origin_codes]
        matched = np.zeros(len(frame), dtype=bool)
        n_model_origins = len(self._origin_index)
        codes = self._unique_codes
        # Apply from the least to the most specific rule (product scope first, then origin), so that the
        # most specific rule wins: '*' < '87*' < '8703*' < '870323'; within each, origin '*' < 'JPN'.
        group_codes = np.unique(product_spec * 2 + origin_spec)  # sorted: product scope, then origin
        groups = [(int(code) // 2, int(code) % 2) for code in group_codes]
        for p_spec, o_spec in groups:
            sel = np.flatnonzero((product_spec == p_spec) & (origin_spec == o_spec))
            if p_spec == exact_spec:
                product_keys = codes
            else:
                product_keys = codes.str[:p_spec].where(codes.str.len() >= p_spec, None)
            rule_keys = pattern_key.to_numpy()[product_codes[sel]]
            # the product each rule names, as an id shared with the model's products (-1: none)
            ids, _ = pd.factorize(np.concatenate([rule_keys, product_keys.to_numpy(dtype=object)]))
            rule_ids = np.asarray(ids[: len(sel)])
            product_ids = np.asarray(ids[len(sel) :])
            if o_spec:
                ok = rule_origin[sel] >= 0
                if not ok.any():  # every rule names an origin the imports do not have
                    continue
                rule_key = rule_ids[ok] * n_model_origins + rule_origin[sel][ok]
                row_key = product_ids[self._pidx] * n_model_origins + self._oidx
                hit = pd.Index(rule_key).get_indexer(pd.Index(row_key))
                rule_of_row = np.where(hit >= 0, sel[ok][np.maximum(hit, 0)], -1)
            else:
                hit = pd.Index(rule_ids).get_indexer(pd.Index(product_ids))
                rule_of_row = np.where(hit >= 0, sel[np.maximum(hit, 0)], -1)[self._pidx]
            applies = rule_of_row >= 0
            new[applies] = rate[rule_of_row[applies]]
            matched[rule_of_row[applies]] = True
        if not matched.all():
            lost = [
                f"{product_labels[product_codes[i]]}/{origin_labels[origin_codes[i]]}"
                for i in np.flatnonzero(~matched)[:5]
            ]
            more = int((~matched).sum()) - len(lost)
            warnings.warn(
                f"tariff_change: {int((~matched).sum())} row(s) match no import flow: "
                f"{', '.join(lost)}{f' and {more} more' if more > 0 else ''}",
                UserWarning,
                stacklevel=3,
            )
        return new

    # -- solving ----------------------------------------------------------------------------------------

    def solve(
        self, tariff_change: Any, *, name: str | None = None, tol: float = 1e-12, max_iter: int = 100
    ) -> PEResult:
        """Solve the model for a tariff change.

        Parameters
        ----------
        tariff_change : DataFrame or mapping
            Rows ``product, origin, new_tariff`` (fraction). ``origin`` may be ``'*'`` (all origins);
            ``product`` may be ``'*'`` (all products) or a prefix ending in ``'*'`` (``'8703*'``). The most
            specific row wins (product scope first, then origin). A mapping
            ``{(product, origin): new_tariff}`` works too. Flows not named keep their tariff.
        name : str, optional
            Scenario name used by :meth:`PEResult.compare` and reports.
        tol, max_iter
            Newton tolerance (log units) and iteration cap for finite export supply.

        Returns
        -------
        PEResult

        Raises
        ------
        InputError
            Bad tariff rows; ConvergenceError if the finite-supply solver fails (it should not).
        """
        t0 = self._tariff
        t1 = self.new_tariffs(tariff_change)
        pidx, n, m = self._pidx, self._n_products, self._value
        eps = self._eps_p[pidx]
        sig = self._sig_p[pidx]
        omega = self._omega
        ell = np.log1p(t1) - np.log1p(t0)
        finite = np.isfinite(omega)
        kappa = np.where(finite, 1.0 / np.where(finite, omega + sig - eps, 1.0), 0.0)
        C, iterations, _ = _solve_scalar(
            pidx, n, m, ell, eps, sig, kappa, self._eps_p, self._sig_p, tol, max_iter
        )
        log_pi = kappa * (C[pidx] + (eps - sig) * ell)
        z = log_pi + ell
        created, m1 = _allocate(pidx, n, m, z, eps, sig)
        pi = np.exp(log_pi)

        residual = 0.0
        check = finite & (m > 0)
        if check.any():
            residual = float(np.max(np.abs(np.log(m1[check] / m[check]) - omega[check] * log_pi[check])))

        p0 = 1.0 + t0
        p1 = (1.0 + t1) * pi
        nodes, weights = np.polynomial.legendre.leggauss(_GL_NODES)
        integral = np.zeros_like(m)
        for node, weight in zip(0.5 * (nodes + 1.0), 0.5 * weights, strict=True):
            _, m_path = _allocate(pidx, n, m, np.log1p(node * (p1 / p0 - 1.0)), eps, sig)
            integral += weight * m_path
        consumer_surplus = (p0 - p1) * integral + 0.0
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            exporter_surplus = np.where(
                finite, m * (np.exp((np.where(finite, omega, 0.0) + 1.0) * log_pi) - 1.0) / (omega + 1.0), 0.0
            )
            tariff_ratio = np.expm1(ell)
            pass_through = np.where(np.abs(tariff_ratio) > 0, np.expm1(z) / tariff_ratio, np.nan)

        revenue_change = t1 * pi * m1 - t0 * m
        arrays: dict[str, NDArray[Any]] = {
            "product": self._product,
            "origin": self._origin,
            "import_value": m,
            "tariff": t0,
            "new_tariff": t1,
            "import_demand_elasticity": eps,
            "substitution_elasticity": sig,
            "export_supply_elasticity": omega,
            "trade_creation": created - m,
            "trade_diversion": m1 - created,
            "trade_change": m1 - m,
            "new_import_value": pi * m1,
            "import_value_change": pi * m1 - m,
            "world_price_effect": (pi - 1.0) * m1,
            "world_price_change": np.expm1(log_pi) + 0.0,  # + 0.0 turns -0.0 into 0.0
            "domestic_price_change": np.expm1(z) + 0.0,
            "pass_through": pass_through,
            "tariff_revenue_change": revenue_change,
            "consumer_surplus_change": consumer_surplus,
            "exporter_surplus_change": exporter_surplus,
            "net_welfare_change": consumer_surplus + revenue_change,
        }
        for array in arrays.values():
            array.setflags(write=False)
        return PEResult(
            name=name or "scenario",
            parameters=self._defaults,
            arrays=MappingProxyType(arrays),
            iterations=iterations,
            max_residual=residual,
        )


# ---------------------------------------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------------------------------------


def _format_number(value: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    text = f"{value:,.0f}" if abs(value) >= 1e4 else f"{value:,.3f}"
    return text[1:] if text.lstrip("-0.,") == "" and text.startswith("-") else text  # no "-0.000"


def _weighted_means(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Import-value-weighted means of the tariff and price columns by ``key``."""
    weight = frame["import_value"]
    tmp = pd.DataFrame({c: frame[c] * weight for c in _MEAN_COLUMNS})
    tmp["_weight"] = weight
    tmp[key] = frame[key]
    sums = tmp.groupby(key, sort=True).sum()
    denominator = sums["_weight"].where(sums["_weight"] > 0)
    return pd.DataFrame({c: sums[c] / denominator for c in _MEAN_COLUMNS})


def _gtap_codes(codes: pd.Series, crosswalk: Any) -> pd.Series:
    if crosswalk is None:
        raise InputError(
            "aggregate(by='gtap') needs crosswalk=, a table with gtap_code and hs10 or hs6_code "
            "(e.g. the layout of shared/data/weights/hs10_gtap_crosswalk.csv)"
        )
    table = _as_frame(crosswalk, "crosswalk")
    _require_columns(table, ("gtap_code",), "crosswalk")
    if "hs10" not in table.columns and "hs6_code" not in table.columns:
        raise InputError("crosswalk needs a column hs10 or hs6_code next to gtap_code")

    def digits(column: str, width: int) -> pd.Series:
        series = table[column]
        if pd.api.types.is_numeric_dtype(series.dtype):
            return series.astype("int64").astype(str).str.zfill(width)
        return series.astype(str).str.replace(".", "", regex=False).str.strip()

    gtap = table["gtap_code"].astype(str)
    by10: dict[str, str] = {}
    if "hs10" in table.columns:
        hs10 = digits("hs10", 10)
        by10 = dict(zip(hs10, gtap, strict=True))
        hs6 = digits("hs6_code", 6) if "hs6_code" in table.columns else hs10.str[:6]
    else:
        hs6 = digits("hs6_code", 6)
    pairs = pd.DataFrame({"hs6": hs6, "gtap": gtap})
    # HS6 -> GTAP is many-to-one in GTAP's own concordance; if a table disagrees, take the most common.
    counts = pairs.groupby(["hs6", "gtap"], sort=False).size().reset_index(name="n")
    counts = counts.sort_values("n", ascending=False, kind="stable").drop_duplicates("hs6")
    by6 = dict(zip(counts["hs6"], counts["gtap"], strict=True))

    def lookup(code: str) -> str:
        if len(code) >= 10 and code[:10] in by10:
            return by10[code[:10]]
        return by6.get(code[:6], "(unmapped)")

    unique = pd.Series(codes.unique())
    mapping = dict(zip(unique, unique.map(lookup), strict=True))
    out = codes.map(mapping)
    if (out == "(unmapped)").any():
        lost = codes[out == "(unmapped)"].unique()
        warnings.warn(
            f"crosswalk has no GTAP sector for {len(lost)} product(s), e.g. {lost[0]}; grouped as '(unmapped)'",
            UserWarning,
            stacklevel=3,
        )
    return out


@dataclass(frozen=True, eq=False, repr=False)
class PEResult:
    """Immutable result of :meth:`PEModel.solve`: one row per product × origin.

    Attributes
    ----------
    name : str
        Scenario name.
    parameters : Mapping[str, float]
        Model-wide elasticities (per-flow values are columns of :meth:`to_frame`).
    arrays : Mapping[str, ndarray]
        Read-only column arrays, documented in :data:`RESULT_COLUMNS`.
    iterations : int
        Newton iterations of the finite-supply solver (0 with infinite supply everywhere).
    max_residual : float
        Largest market-clearing residual :math:`|\\ln m^1 - \\ln m - \\omega\\ln\\pi|` over finite-supply flows.
    """

    name: str
    parameters: Mapping[str, float]
    arrays: Mapping[str, NDArray[Any]]
    iterations: int
    max_residual: float

    # -- tables -----------------------------------------------------------------------------------------

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: one row per product × origin, columns as in :data:`RESULT_COLUMNS`."""
        return pd.DataFrame({c: np.array(self.arrays[c]) for c in RESULT_COLUMNS})

    @property
    def totals(self) -> Mapping[str, float]:
        """Sums over all flows of the dollar columns, plus ``trade_change_pct`` and mean price changes."""
        a = self.arrays
        out = {c: float(np.sum(a[c])) for c in _SUM_COLUMNS}
        base = out["import_value"]
        out["trade_change_pct"] = out["trade_change"] / base if base > 0 else math.nan
        for c in _MEAN_COLUMNS:
            out[c] = float(np.sum(a[c] * a["import_value"]) / base) if base > 0 else math.nan
        return MappingProxyType(out)

    def aggregate(self, by: AggregateBy = "chapter", crosswalk: Any = None) -> pd.DataFrame:
        """Sum the results by product, origin, HS chapter or GTAP sector.

        Parameters
        ----------
        by : {'chapter', 'gtap', 'origin', 'product'}
            ``chapter`` = first two digits of the product code; ``gtap`` = GTAP sector through ``crosswalk``.
        crosswalk : DataFrame, optional
            Needed for ``by='gtap'``: columns ``gtap_code`` and ``hs10`` and/or ``hs6_code`` (the layout of
            ``hs10_gtap_crosswalk.csv``). Codes of 10 digits map by HS10, others by their first 6 digits.

        Returns
        -------
        DataFrame
            One row per group: the dollar columns summed, ``trade_change_pct``, import-value-weighted mean
            tariffs and price changes, and ``n_flows``.
        """
        if by not in _AGGREGATE_BY:
            raise InputError(f"aggregate by must be one of {', '.join(_AGGREGATE_BY)}; got {by!r}")
        frame = self.to_frame()
        row_codes, unique_products = pd.factorize(frame["product"], sort=False)
        codes = _dotless(np.asarray(unique_products, dtype=object))[np.asarray(row_codes)].reset_index(
            drop=True
        )
        key = {"chapter": "chapter", "gtap": "gtap_code", "origin": "origin", "product": "product"}[by]
        if by == "chapter":
            chapter = codes.str[:2]
            bad = ~chapter.str.fullmatch(r"\d\d")
            if bad.any():
                raise InputError(
                    f"aggregate(by='chapter') needs HS product codes; {frame['product'].iloc[int(np.flatnonzero(bad)[0])]!r} "
                    "does not start with two digits"
                )
            frame[key] = chapter.to_numpy()
        elif by == "gtap":
            frame[key] = _gtap_codes(codes, crosswalk).to_numpy()
        grouped = frame.groupby(key, sort=True)
        out = grouped[list(_SUM_COLUMNS)].sum()
        out["trade_change_pct"] = out["trade_change"] / out["import_value"].where(out["import_value"] > 0)
        out = out.join(_weighted_means(frame, key))
        out["n_flows"] = grouped.size()
        return out.reset_index()

    # -- reports ----------------------------------------------------------------------------------------

    def summary(self, top: int = 10) -> str:
        """A plain-text report: parameters, totals and the origins with the largest trade changes."""
        t = self.totals
        p = self.parameters
        lines = [
            f"Partial-equilibrium (SMART-style) result: {self.name}",
            f"  flows {len(self.arrays['import_value']):,}, products {len(np.unique(self.arrays['product'])):,}; "
            f"elasticities: import demand {p['import_demand_elasticity']:g}, "
            f"substitution {p['substitution_elasticity']:g}, export supply {p['export_supply_elasticity']:g} "
            "(defaults; per-product overrides in to_frame())",
            f"  solver: {self.iterations} Newton iteration(s), market-clearing residual {self.max_residual:.2e}",
            "  values in the units of the input 'value' column",
            "",
        ]
        rows = [
            ("Imports, base", t["import_value"]),
            ("Imports, new (new world prices)", t["new_import_value"]),
            ("Trade creation", t["trade_creation"]),
            ("Trade diversion (sums to ~0)", t["trade_diversion"]),
            ("Trade change (volume)", t["trade_change"]),
            ("World-price effect", t["world_price_effect"]),
            ("Tariff revenue change", t["tariff_revenue_change"]),
            ("Consumer surplus change", t["consumer_surplus_change"]),
            ("Net welfare change (CS + revenue)", t["net_welfare_change"]),
            ("Exporter surplus change", t["exporter_surplus_change"]),
        ]
        width = max(len(r[0]) for r in rows)
        lines += [f"  {label:<{width}}  {_format_number(v):>18}" for label, v in rows]
        lines.append(
            f"  {'Trade change, % of base':<{width}}  {100 * t['trade_change_pct']:>17.2f}%"
            if math.isfinite(t["trade_change_pct"])
            else f"  {'Trade change, % of base':<{width}}  {'n/a':>18}"
        )
        lines.append(
            f"  {'Mean tariff, base -> new':<{width}}  {100 * t['tariff']:>8.2f}% -> {100 * t['new_tariff']:.2f}%"
        )
        by_origin = self.aggregate("origin")
        by_origin = by_origin.reindex(by_origin["trade_change"].abs().sort_values(ascending=False).index)
        lines += ["", f"  Origins by |trade change| (top {min(top, len(by_origin))}):"]
        lines.append(
            f"  {'origin':<10} {'base':>14} {'creation':>14} {'diversion':>14} {'change':>14} {'change %':>9}"
        )
        for _, r in by_origin.head(top).iterrows():
            pct = r["trade_change_pct"]
            lines.append(
                f"  {r['origin']!s:<10} {_format_number(r['import_value']):>14} "
                f"{_format_number(r['trade_creation']):>14} {_format_number(r['trade_diversion']):>14} "
                f"{_format_number(r['trade_change']):>14} "
                f"{(f'{100 * pct:.2f}%' if math.isfinite(pct) else 'n/a'):>9}"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        t = self.totals
        return (
            f"PEResult(name={self.name!r}, flows={len(self.arrays['import_value'])}, "
            f"trade_change={t['trade_change']:.6g}, net_welfare_change={t['net_welfare_change']:.6g})"
        )

    def _repr_html_(self) -> str:
        from html import escape

        return f"<pre>{escape(self.summary())}</pre>"

    def to_dict(self, records: bool = True) -> dict[str, Any]:
        """Plain data: name, parameters, totals, solver statistics and (optionally) one record per flow."""
        out: dict[str, Any] = {
            "name": self.name,
            "parameters": dict(self.parameters),
            "totals": dict(self.totals),
            "solver": {"iterations": self.iterations, "max_residual": self.max_residual},
        }
        if records:
            frame = self.to_frame()
            out["records"] = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
        return out

    def figure(self, by: AggregateBy = "origin", crosswalk: Any = None) -> go.Figure:
        """Plotly bar chart of trade creation and diversion by group, with the net change as markers."""
        import plotly.graph_objects as go

        agg = self.aggregate(by, crosswalk)
        key = agg.columns[0]
        agg = agg.reindex(agg["trade_change"].sort_values().index)
        labels = agg[key].astype(str)
        fig = go.Figure()
        fig.add_bar(name="Trade creation", x=labels, y=agg["trade_creation"])
        fig.add_bar(name="Trade diversion", x=labels, y=agg["trade_diversion"])
        fig.add_scatter(
            name="Trade change",
            x=labels,
            y=agg["trade_change"],
            mode="markers",
            marker={"size": 10, "symbol": "diamond"},
        )
        fig.update_layout(
            barmode="relative",
            title=f"Partial-equilibrium trade effects by {by}: {self.name}",
            xaxis_title=str(key),
            yaxis_title="change in imports (input value units)",
            legend={"orientation": "h"},
        )
        return fig

    def compare(self, *others: PEResult, by: AggregateBy | None = None) -> pd.DataFrame:
        """Lay scenarios side by side.

        With ``by=None`` rows are the totals (metrics) and columns the scenarios; with ``by`` set, rows are
        the groups and columns a (metric, scenario) MultiIndex of the summed dollar columns.
        """
        results = (self, *others)
        names: list[str] = []
        for r in results:
            label, k = r.name, 2
            while label in names:
                label, k = f"{r.name} ({k})", k + 1
            names.append(label)
        if by is None:
            return pd.DataFrame({n: pd.Series(dict(r.totals)) for n, r in zip(names, results, strict=True)})
        frames = {}
        for label, r in zip(names, results, strict=True):
            agg = r.aggregate(by)
            frames[label] = agg.set_index(agg.columns[0])[list(_SUM_COLUMNS)]
        wide = pd.concat(frames, axis=1).swaplevel(0, 1, axis=1)
        return wide.reindex(columns=pd.MultiIndex.from_product([list(_SUM_COLUMNS), names]))
