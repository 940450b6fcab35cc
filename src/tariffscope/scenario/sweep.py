"""Monte Carlo sweeps of a scenario tree: distributions of every output under uncertain inputs.

A sweep takes the deterministic run of a scenario (:func:`~tariffscope.scenario.run.run_scenario`: the
tariff rates of every branch, computed once) and re-solves its economics for ``draws`` random sets of
inputs: the GE trade elasticity, the PE elasticities (substitution, import demand, export supply, the
last being the pass-through knob) and the branch probabilities. The same draw of the elasticities is
used in every branch (they describe the world, not the branch), so branches are compared on common
random numbers. See ``docs/scenarios.md`` for the distributions and their sources.

The draws are split into chunks of ``chunk_size``; a chunk is a pure function of picklable inputs and
runs in this process, in local worker processes or on a Dask cluster. Results do not depend on where or
in which order chunks run, nor on the chunk size: draw ``i`` takes its random numbers from its own
stream, ``numpy.random.SeedSequence(seed).spawn(draws)[i]``. Every finished chunk is written to the
DuckDB store at once, so an interrupted sweep keeps its finished chunks and a rerun computes only the
missing ones.

>>> spec = SweepSpec(draws=1000, seed=7, trade_elasticity=Uniform(3, 6))
>>> spec.n_chunks
4
>>> theta = spec.parameters(0, 1000)[:, 0]          # one column per PARAMETERS entry
>>> bool(3 <= theta.min() and theta.max() <= 6), bool(abs(theta.mean() - 4.5) < 0.1)
(True, True)
>>> bool((spec.parameters(250, 500) == spec.parameters()[250:500]).all())   # draws don't depend on chunking
True
>>> SweepSpec.from_dict({"draws": 10, "trade_elasticity": {"dist": "normal", "mean": 4.5, "sd": 1,
...                      "low": 2, "high": 8}}).trade_elasticity
Normal(mean=4.5, sd=1.0, low=2.0, high=8.0)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import math
import multiprocessing
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd
import polars as pl
from numpy.typing import NDArray

from tariffscope.economics.ge import TRADE_ELASTICITY_RANGE
from tariffscope.economics.pe import IMPORT_DEMAND_RANGE, SUBSTITUTION_RANGE
from tariffscope.errors import InputError, NetworkError
from tariffscope.scenario.run import DIVERSION_REGIONS, RunOptions, ScenarioRun, run_scenario
from tariffscope.scenario.tree import Scenario

if TYPE_CHECKING:  # pragma: no cover
    from tariffscope.store.duck import Store

__all__ = [
    "METRICS",
    "PARAMETERS",
    "Distribution",
    "Fixed",
    "LogNormal",
    "Normal",
    "SweepInterrupted",
    "SweepResult",
    "SweepSpec",
    "Uniform",
    "distribution_from",
    "export_supply_for_pass_through",
    "pass_through",
    "run_sweep",
]

FloatArray = NDArray[np.float64]
ArrayLike = float | Sequence[float] | FloatArray

#: The uncertain model inputs, in the order of the columns of :meth:`SweepSpec.parameters`.
PARAMETERS: tuple[str, ...] = (
    "trade_elasticity",
    "substitution_elasticity",
    "import_demand_elasticity",
    "export_supply_elasticity",
)

#: Valid range of each parameter (a distribution's support must lie inside), and whether the upper end
#: is open: the GE model's range of trade elasticities and :class:`~tariffscope.economics.pe.PEModel`'s.
_RANGES: dict[str, tuple[float, float, bool]] = {
    "trade_elasticity": (*TRADE_ELASTICITY_RANGE, False),
    "substitution_elasticity": (*SUBSTITUTION_RANGE, False),
    "import_demand_elasticity": (*IMPORT_DEMAND_RANGE, True),
    "export_supply_elasticity": (0.0, math.inf, False),
}

_REGIONS: tuple[str, ...] = (*DIVERSION_REGIONS, "Others")

#: Every output of a sweep, per branch and draw (the origin is the scenario's), with its definition.
METRICS: dict[str, str] = {
    "etr": "the origin's effective US tariff rate on the scenario date (fixed per branch; varies in the "
    "expectation through the drawn probabilities)",
    "real_gdp_change": "GE: the origin's real GDP change w_hat/P_hat - 1 (fraction)",
    "welfare_change": "GE: the origin's welfare (real spending) change E_hat/P_hat - 1 (fraction)",
    "exports_change": "GE: the origin's international exports at pre-tariff values, new/old - 1",
    "usa_welfare_change": "GE: US welfare change (fraction)",
    "usa_real_gdp_change": "GE: US real GDP change (fraction)",
    **{
        f"us_imports_change:{r}": f"GE: change in US imports from {r} (new/old - 1, pre-tariff values)"
        for r in _REGIONS
    },
    "pe_us_imports_from_origin_change": "PE: change in the value of US imports from the origin's partner "
    "group, summed over GTAP sectors (new/old - 1)",
}
_GE_METRICS = tuple(m for m in METRICS if m != "etr" and not m.startswith("pe_"))
_PE_METRICS = ("pe_us_imports_from_origin_change",)

#: Bump when the layout of stored chunks changes (part of the sweep id).
_FORMAT = 1
#: Largest number of parameter combinations stacked into one PE model.
_PE_BATCH = 256


# ---------------------------------------------------------------------------------------------------------
# Distributions
# ---------------------------------------------------------------------------------------------------------


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool):
        raise InputError(f"{what} must be a number; got {value!r}")
    if isinstance(value, str) and value.strip().lower() in ("inf", "+inf", "infinity", "-inf", "-infinity"):
        return float(value.strip().lower().replace("infinity", "inf"))
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a number; got {value!r}") from None
    if math.isnan(out):
        raise InputError(f"{what} must be a number; got nan")
    return out


def _fmt(x: float | None) -> str:
    return "None" if x is None else f"{x:g}"


def _truncated_standard_normal_quantile(u: FloatArray, a: float, b: float) -> FloatArray:
    """Quantile of the standard normal truncated to ``[a, b]`` at probabilities ``u`` (inverse transform).

    The right tail is mirrored to the left, where ``ndtr`` keeps its relative precision.
    """
    from scipy.special import ndtr, ndtri

    if a > 0:
        return -_truncated_standard_normal_quantile(1.0 - u, -b, -a)
    pa, pb = float(ndtr(a)), float(ndtr(b))
    return np.asarray(np.clip(ndtri(pa + u * (pb - pa)), a, b), dtype=np.float64)


def _truncated_mass(a: float, b: float) -> float:
    from scipy.special import ndtr

    if a > 0:
        a, b = -b, -a
    return float(ndtr(b) - ndtr(a))


class _Distribution:
    """Shared behaviour: sampling by inverse transform, one uniform number per value."""

    kind: ClassVar[str] = ""

    def quantile(self, u: ArrayLike) -> FloatArray:  # pragma: no cover - overridden
        raise NotImplementedError

    def support(self) -> tuple[float, float]:  # pragma: no cover - overridden
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """``n`` independent values: :meth:`quantile` of ``n`` uniform numbers from ``rng``."""
        return self.quantile(rng.random(n))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"dist": self.kind}
        for k, v in self.__dict__.items():
            out[k] = None if v is None else ("inf" if v == math.inf else "-inf" if v == -math.inf else v)
        return out



@dataclass(frozen=True)
class Fixed(_Distribution):
    """A known value: every draw is ``value`` (``math.inf`` allowed, e.g. for full pass-through).

    >>> Fixed(1.5).sample(np.random.default_rng(0), 3)
    array([1.5, 1.5, 1.5])
    """

    value: float
    kind: ClassVar[str] = "fixed"

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", _number(self.value, "Fixed value"))

    def quantile(self, u: ArrayLike) -> FloatArray:
        return np.full(np.shape(u), self.value, dtype=np.float64)

    def support(self) -> tuple[float, float]:
        return (self.value, self.value)

    def __str__(self) -> str:
        return f"Fixed({self.value:g})"


@dataclass(frozen=True)
class Uniform(_Distribution):
    """Uniform on ``[low, high]``.

    >>> bool(np.all((Uniform(3, 6).sample(np.random.default_rng(0), 100) >= 3)))
    True
    """

    low: float
    high: float
    kind: ClassVar[str] = "uniform"

    def __post_init__(self) -> None:
        low, high = _number(self.low, "Uniform low"), _number(self.high, "Uniform high")
        if not (math.isfinite(low) and math.isfinite(high)):
            raise InputError(f"Uniform bounds must be finite; got low={low:g}, high={high:g}")
        if low > high:
            raise InputError(
                f"Uniform low must not exceed high; got low={low:g} > high={high:g} "
                f"(swap them: Uniform({high:g}, {low:g}))"
            )
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    def quantile(self, u: ArrayLike) -> FloatArray:
        return np.asarray(self.low + np.asarray(u, dtype=np.float64) * (self.high - self.low), dtype=np.float64)

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def __str__(self) -> str:
        return f"Uniform({self.low:g}, {self.high:g})"


@dataclass(frozen=True)
class Normal(_Distribution):
    """Normal with ``mean`` and standard deviation ``sd``, truncated to ``[low, high]`` when given.

    Sampling is by the inverse of the truncated CDF, so every value lies inside the bounds (no
    rejection, one uniform number per value).

    >>> x = Normal(4.5, 1.0, low=3, high=6).sample(np.random.default_rng(0), 1000)
    >>> bool(x.min() >= 3 and x.max() <= 6), round(float(x.mean()), 1)
    (True, 4.5)
    """

    mean: float
    sd: float
    low: float | None = None
    high: float | None = None
    kind: ClassVar[str] = "normal"

    def __post_init__(self) -> None:
        mean, sd = _number(self.mean, "Normal mean"), _number(self.sd, "Normal sd")
        low = None if self.low is None else _number(self.low, "Normal low")
        high = None if self.high is None else _number(self.high, "Normal high")
        if not math.isfinite(mean):
            raise InputError(f"Normal mean must be finite; got {mean:g}")
        if not (math.isfinite(sd) and sd > 0):
            raise InputError(f"Normal sd must be a positive number; got {sd:g} (for a known value use Fixed)")
        if low is not None and high is not None and low >= high:
            raise InputError(
                f"Normal low must be below high; got low={low:g}, high={high:g} (swap them, or use Fixed)"
            )
        a = -math.inf if low is None else (low - mean) / sd
        b = math.inf if high is None else (high - mean) / sd
        if _truncated_mass(a, b) < 1e-12:
            raise InputError(
                f"Normal({mean:g}, {sd:g}) has no mass in [{_fmt(low)}, {_fmt(high)}]; "
                "move the bounds towards the mean or widen sd"
            )
        for name, v in (("mean", mean), ("sd", sd), ("low", low), ("high", high)):
            object.__setattr__(self, name, v)

    def _standard_bounds(self) -> tuple[float, float]:
        a = -math.inf if self.low is None else (self.low - self.mean) / self.sd
        b = math.inf if self.high is None else (self.high - self.mean) / self.sd
        return a, b

    def quantile(self, u: ArrayLike) -> FloatArray:
        a, b = self._standard_bounds()
        z = _truncated_standard_normal_quantile(np.asarray(u, dtype=np.float64), a, b)
        x = self.mean + self.sd * z
        lo = -math.inf if self.low is None else self.low
        hi = math.inf if self.high is None else self.high
        return np.asarray(np.clip(x, lo, hi), dtype=np.float64)

    def support(self) -> tuple[float, float]:
        return (-math.inf if self.low is None else self.low, math.inf if self.high is None else self.high)

    def __str__(self) -> str:
        bounds = f" on [{_fmt(self.low)}, {_fmt(self.high)}]" if self.low is not None or self.high is not None else ""
        return f"Normal({self.mean:g}, {self.sd:g}){bounds}"


@dataclass(frozen=True)
class LogNormal(_Distribution):
    """Log-normal: ``log X ~ Normal(log median, sigma)``, truncated to ``[low, high]`` when given.

    Positive values only; ``median`` is the median of ``X`` and ``sigma`` the standard deviation of
    ``log X`` (0.25 means roughly ±25 % at one standard deviation).

    >>> x = LogNormal(4.5, 0.2, high=10).sample(np.random.default_rng(0), 2000)
    >>> round(float(np.median(x)), 1), bool(x.max() <= 10)
    (4.5, True)
    """

    median: float
    sigma: float
    low: float | None = None
    high: float | None = None
    kind: ClassVar[str] = "lognormal"

    def __post_init__(self) -> None:
        median, sigma = _number(self.median, "LogNormal median"), _number(self.sigma, "LogNormal sigma")
        low = None if self.low is None else _number(self.low, "LogNormal low")
        high = None if self.high is None else _number(self.high, "LogNormal high")
        if not (math.isfinite(median) and median > 0):
            raise InputError(f"LogNormal median must be a positive number; got {median:g}")
        if not (math.isfinite(sigma) and sigma > 0):
            raise InputError(f"LogNormal sigma must be a positive number; got {sigma:g} (for a known value use Fixed)")
        if low is not None and low < 0:
            raise InputError(f"LogNormal low must be >= 0 (the distribution is positive); got {low:g}")
        if low is not None and high is not None and low >= high:
            raise InputError(f"LogNormal low must be below high; got low={low:g}, high={high:g} (swap them)")
        if high is not None and high <= 0:
            raise InputError(f"LogNormal high must be positive; got {high:g}")
        for name, v in (("median", median), ("sigma", sigma), ("low", low), ("high", high)):
            object.__setattr__(self, name, v)
        a, b = self._standard_bounds()
        if _truncated_mass(a, b) < 1e-12:
            raise InputError(
                f"LogNormal(median={median:g}, sigma={sigma:g}) has no mass in [{_fmt(low)}, {_fmt(high)}]; "
                "move the bounds towards the median or widen sigma"
            )

    def _standard_bounds(self) -> tuple[float, float]:
        mu = math.log(self.median)
        a = -math.inf if not self.low else (math.log(self.low) - mu) / self.sigma
        b = math.inf if self.high is None else (math.log(self.high) - mu) / self.sigma
        return a, b

    def quantile(self, u: ArrayLike) -> FloatArray:
        a, b = self._standard_bounds()
        z = _truncated_standard_normal_quantile(np.asarray(u, dtype=np.float64), a, b)
        x = np.exp(math.log(self.median) + self.sigma * z)
        lo = 0.0 if self.low is None else self.low
        hi = math.inf if self.high is None else self.high
        return np.asarray(np.clip(x, lo, hi), dtype=np.float64)

    def support(self) -> tuple[float, float]:
        return (0.0 if self.low is None else self.low, math.inf if self.high is None else self.high)

    def __str__(self) -> str:
        bounds = f" on [{_fmt(self.low)}, {_fmt(self.high)}]" if self.low is not None or self.high is not None else ""
        return f"LogNormal(median {self.median:g}, sigma {self.sigma:g}){bounds}"


Distribution = Fixed | Uniform | Normal | LogNormal
_KINDS: dict[str, type[_Distribution]] = {c.kind: c for c in (Fixed, Uniform, Normal, LogNormal)}


def distribution_from(value: Any, what: str = "distribution") -> Distribution:
    """A distribution from its YAML/JSON form.

    Accepted forms: a number or ``"inf"`` (:class:`Fixed`); a mapping with ``dist`` (``fixed``,
    ``uniform``, ``normal``, ``lognormal``) and that distribution's fields; or a distribution object.

    >>> distribution_from({"dist": "uniform", "low": 1, "high": 3})
    Uniform(low=1.0, high=3.0)
    >>> distribution_from("inf")
    Fixed(value=inf)
    """
    if isinstance(value, Fixed | Uniform | Normal | LogNormal):
        return value
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        return Fixed(_number(value, what))
    if isinstance(value, Mapping):
        kind = str(value.get("dist", "")).strip().lower()
        if kind not in _KINDS:
            raise InputError(
                f"{what}: 'dist' must be one of {', '.join(_KINDS)}; got {value.get('dist')!r} "
                "(e.g. {dist: uniform, low: 3, high: 6})"
            )
        cls = _KINDS[kind]
        fields = [f for f in cls.__dataclass_fields__ if f != "kind"]  # type: ignore[attr-defined]
        params = {k: v for k, v in value.items() if k != "dist"}
        unknown = sorted(set(params) - set(fields))
        if unknown:
            raise InputError(f"{what}: {kind} takes {', '.join(fields)}; unknown: {', '.join(unknown)}")
        try:
            return cls(**params)  # type: ignore[return-value]
        except TypeError:
            raise InputError(f"{what}: {kind} needs {', '.join(fields)}; got {', '.join(params) or 'none'}") from None
    raise InputError(
        f"{what} must be a number, 'inf' or a mapping like {{dist: uniform, low: 3, high: 6}}; got {value!r}"
    )


# ---------------------------------------------------------------------------------------------------------
# Pass-through
# ---------------------------------------------------------------------------------------------------------


def pass_through(
    export_supply_elasticity: float, substitution_elasticity: float, import_demand_elasticity: float
) -> float:
    """Share of a tariff change on one origin that its buyers pay, in the PE model (first order).

    With export supply elasticity :math:`\\omega`, substitution elasticity :math:`\\sigma` and import
    demand elasticity :math:`\\varepsilon < 0`, a tariff change on one small origin moves the price the
    exporter receives by :math:`\\ln\\pi = -\\ell(\\sigma-\\varepsilon)/(\\omega+\\sigma-\\varepsilon)`
    (:class:`~tariffscope.economics.pe.PEModel`, Notes), so the domestic price moves by
    :math:`\\omega/(\\omega+\\sigma-\\varepsilon)` of the tariff. For a change on every origin of a
    product it is :math:`\\omega/(\\omega-\\varepsilon)` (Laird and Yeats 1986). ``inf`` gives 1
    (full pass-through, world prices fixed); 0 gives 0.

    >>> pass_through(float("inf"), 1.5, -1.25), round(pass_through(5.5, 1.5, -1.25), 3)
    (1.0, 0.667)
    """
    omega = float(export_supply_elasticity)
    if math.isinf(omega):
        return 1.0
    return omega / (omega + float(substitution_elasticity) - float(import_demand_elasticity))


def export_supply_for_pass_through(
    share: float, substitution_elasticity: float, import_demand_elasticity: float
) -> float:
    """The export supply elasticity that gives pass-through ``share`` (inverse of :func:`pass_through`).

    >>> export_supply_for_pass_through(2 / 3, 1.5, -1.25)
    5.5
    """
    if not 0 <= share <= 1:
        raise InputError(f"pass-through must be a share between 0 and 1; got {share:g}")
    if share == 1:
        return math.inf
    return round(share * (substitution_elasticity - import_demand_elasticity) / (1 - share), 12)


# ---------------------------------------------------------------------------------------------------------
# The specification
# ---------------------------------------------------------------------------------------------------------


def _whole(value: Any, what: str, minimum: int, hint: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise InputError(f"{what} must be a whole number >= {minimum}; got {value!r} ({hint})")
    if value < minimum:
        raise InputError(f"{what} must be a whole number >= {minimum}; got {value} ({hint})")
    return int(value)


@dataclass(frozen=True)
class SweepSpec:
    """What to draw, how often and from which seed.

    Parameters
    ----------
    draws
        Number of Monte Carlo draws (>= 1).
    seed
        Seed of :class:`numpy.random.SeedSequence` (>= 0); draw ``i`` uses the ``i``-th spawned child.
    chunk_size
        Draws per chunk: the unit of parallel work, of progress and of what is stored for resuming.
    trade_elasticity
        GE trade elasticity :math:`\\theta`. Default ``Uniform(3, 6)``, spanning the main estimates:
        "roughly four" by simulated method of moments (Simonovska and Waugh 2014, JIE 92(1), 34-50),
        about 5 as the central tariff-based value in Head and Mayer's (2014, Handbook of International
        Economics vol. 4, ch. 3) survey and in product-level tariff estimates (Fontagné, Guimbard and
        Orefice 2022, JIE 137); Costinot and Rodríguez-Clare (2014) use 5.
    substitution_elasticity
        PE Armington elasticity between origins of a product. Default ``Uniform(1, 3)``: from SMART's
        default 1.5 (WITS help) to about the median of product-level estimates for US imports (Broda and
        Weinstein 2006, QJE 121(2)); a judgement, not an estimated distribution.
    import_demand_elasticity
        PE elasticity of a product's total imports to its price (< 0). Default ``Uniform(-2, -0.5)``
        around the PE model's default -1.25; product-level estimates for the US are in Kee, Nicita and
        Olarreaga (2008, REStat 90(4)). A judgement band: override it with your own.
    export_supply_elasticity
        PE export supply elasticity :math:`\\omega`, the pass-through knob: the share of a tariff change
        that US buyers pay is :math:`\\omega/(\\omega+\\sigma-\\varepsilon)` for one origin
        (:func:`pass_through`). Default ``Fixed(inf)``: full pass-through, world prices fixed, as found for
        the 2018-19 US tariffs (Amiti, Redding and Weinstein 2019, JEP 33(4); Fajgelbaum, Goldberg,
        Kennedy and Khandelwal 2020, QJE 135(1)). A finite distribution lets foreign exporters absorb part
        of the tariff. GE does not use it (there tariff incidence follows from wages and prices).
    probability_concentration
        Branch probabilities are drawn from :math:`\\mathrm{Dirichlet}(c\\,p)` with the tree's leaf
        probabilities :math:`p`: mean :math:`p`, variance :math:`p(1-p)/(c+1)` (c = 50: a 0.5 branch has
        sd 0.07). ``None`` keeps the tree's probabilities.

    Numbers given for a distribution are taken as :class:`Fixed`. Every problem is reported at once in
    one :class:`~tariffscope.errors.InputError`.
    """

    draws: int
    seed: int = 0
    chunk_size: int = 250
    trade_elasticity: Distribution = field(default_factory=lambda: Uniform(3.0, 6.0))
    substitution_elasticity: Distribution = field(default_factory=lambda: Uniform(1.0, 3.0))
    import_demand_elasticity: Distribution = field(default_factory=lambda: Uniform(-2.0, -0.5))
    export_supply_elasticity: Distribution = field(default_factory=lambda: Fixed(math.inf))
    probability_concentration: float | None = 50.0

    def __post_init__(self) -> None:
        problems: list[str] = []

        def attempt(fn: Callable[[], Any]) -> Any:
            try:
                return fn()
            except InputError as exc:
                problems.append(str(exc))
                return None

        draws = attempt(lambda: _whole(self.draws, "draws", 1, "the number of Monte Carlo draws, e.g. 1000"))
        seed = attempt(lambda: _whole(self.seed, "seed", 0, "any non-negative integer, e.g. 0"))
        chunk = attempt(lambda: _whole(self.chunk_size, "chunk_size", 1, "draws per chunk, e.g. 250"))
        for name, value in (("draws", draws), ("seed", seed), ("chunk_size", chunk)):
            if value is not None:
                object.__setattr__(self, name, value)
        for name in PARAMETERS:
            raw: Any = getattr(self, name)
            dist: Distribution | None = attempt(partial(distribution_from, raw, name))
            if dist is None:
                continue
            object.__setattr__(self, name, dist)
            low, high, open_high = _RANGES[name]
            s_low, s_high = dist.support()
            if s_low < low or s_high > high or (open_high and s_high >= high):
                upper = f"{high:g})" if open_high else f"{high:g}]"
                fix = (
                    "give low= and high= inside it" if isinstance(dist, Normal | LogNormal) else "narrow it"
                )
                problems.append(
                    f"{name}: {dist} can take values in [{s_low:g}, {s_high:g}], outside the valid range "
                    f"[{low:g}, {upper}; {fix}"
                )
        conc = self.probability_concentration
        if conc is not None:
            c = attempt(lambda: _number(conc, "probability_concentration"))
            if c is not None and not (math.isfinite(c) and c > 0):
                problems.append(
                    f"probability_concentration must be a positive number (larger keeps the drawn branch "
                    f"probabilities closer to the tree's; None keeps them fixed); got {c:g}"
                )
            elif c is not None:
                object.__setattr__(self, "probability_concentration", c)
        if problems:
            lines = "\n".join(f"  - {p}" for p in problems)
            raise InputError(f"{len(problems)} problem(s) in the sweep specification:\n{lines}")

    # -- derived -------------------------------------------------------------------------------------------

    @property
    def n_chunks(self) -> int:
        """Number of chunks, ``ceil(draws / chunk_size)``: the total of the progress callback."""
        return -(-self.draws // self.chunk_size)

    def chunk_bounds(self, k: int) -> tuple[int, int]:
        """Draws ``[start, stop)`` of chunk ``k``."""
        if not 0 <= k < self.n_chunks:
            raise InputError(f"chunk {k} does not exist; this sweep has chunks 0 to {self.n_chunks - 1}")
        return k * self.chunk_size, min(self.draws, (k + 1) * self.chunk_size)

    def distributions(self) -> dict[str, Distribution]:
        """The distribution of every parameter, in the order of :data:`PARAMETERS`."""
        return {name: getattr(self, name) for name in PARAMETERS}

    def parameters(self, start: int = 0, stop: int | None = None) -> FloatArray:
        """The drawn parameters of draws ``[start, stop)``, one column per :data:`PARAMETERS` entry.

        Draw ``i`` maps its own uniform numbers (from ``SeedSequence(seed).spawn(draws)[i]``) through
        each distribution's quantile function, so a draw does not depend on the chunking, and changing one
        distribution leaves the others' draws as they were.
        """
        return self.sample(start, stop)[0]

    def probabilities(self, base: Sequence[float], start: int = 0, stop: int | None = None) -> FloatArray:
        """Drawn branch probabilities of draws ``[start, stop)``: ``Dirichlet(concentration * base)``.

        Branches with probability zero stay at zero; with ``probability_concentration=None`` every row
        is ``base``.
        """
        return self.sample(start, stop, base)[1]

    def sample(
        self, start: int = 0, stop: int | None = None, base: Sequence[float] = ()
    ) -> tuple[FloatArray, FloatArray]:
        """Parameters ``(n, len(PARAMETERS))`` and branch probabilities ``(n, len(base))`` of draws
        ``[start, stop)``, each draw from its own stream ``SeedSequence(seed).spawn(draws)[i]``: first one
        uniform number per parameter, then the Dirichlet draw of the probabilities."""
        stop = self.draws if stop is None else stop
        if not 0 <= start <= stop <= self.draws:
            raise InputError(f"draws [{start}, {stop}) are outside this sweep's [0, {self.draws})")
        p = np.asarray(base, dtype=np.float64)
        if p.size and (np.any(p < 0) or not np.all(np.isfinite(p))):
            raise InputError(f"branch probabilities must be finite and >= 0; got {p.tolist()}")
        n = stop - start
        u = np.empty((n, len(PARAMETERS)))
        probs = np.tile(p, (n, 1))
        positive = p > 0
        total = float(p.sum())  # 1 for a whole tree; less when a run covers some branches only
        conc = self.probability_concentration
        for row, i in enumerate(range(start, stop)):
            # spawn_key=(i,) is exactly the i-th child of SeedSequence(seed).spawn(...)
            rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(i,)))
            u[row] = rng.random(len(PARAMETERS))
            if conc is not None and positive.any():
                probs[row, positive] = total * rng.dirichlet(conc * p[positive] / total)
        params = np.column_stack([d.quantile(u[:, k]) for k, d in enumerate(self.distributions().values())])
        return np.asarray(params, dtype=np.float64).reshape(n, len(PARAMETERS)), probs

    # -- I/O -----------------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (YAML/JSON), read back by :meth:`from_dict`."""
        return {
            "draws": self.draws,
            "seed": self.seed,
            "chunk_size": self.chunk_size,
            **{name: d.to_dict() for name, d in self.distributions().items()},
            "probability_concentration": self.probability_concentration,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SweepSpec:
        """A spec from plain data, e.g. a YAML file of the CLI's ``--spec``.

        Keys are the fields of :class:`SweepSpec`; distributions take the forms of
        :func:`distribution_from`; ``probability_concentration: null`` keeps the probabilities fixed.

        >>> SweepSpec.from_dict({"draws": 100, "substitution_elasticity": 2,
        ...                      "export_supply_elasticity": {"dist": "uniform", "low": 2, "high": 20}}).to_dict()["export_supply_elasticity"]
        {'dist': 'uniform', 'low': 2.0, 'high': 20.0}
        """
        if not isinstance(data, Mapping):
            raise InputError(f"a sweep specification must be a mapping of its fields; got {type(data).__name__}")
        fields = [f for f in cls.__dataclass_fields__ if not f.startswith("_")]
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise InputError(
                f"unknown sweep specification key(s) {', '.join(map(str, unknown))}; valid: {', '.join(fields)}"
            )
        if "draws" not in data:
            raise InputError("a sweep specification needs draws (the number of Monte Carlo draws)")
        return cls(**dict(data))

    def describe(self) -> str:
        """One line: every distribution and the probability draw."""
        parts = [f"{name.replace('_', ' ')} {d}" for name, d in self.distributions().items()]
        c = self.probability_concentration
        parts.append("probabilities fixed" if c is None else f"probabilities Dirichlet({c:g} x p)")
        return "; ".join(parts)


# ---------------------------------------------------------------------------------------------------------
# What a chunk needs (picklable) and what it returns
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _BranchInputs:
    name: str
    probability: float
    etr: float
    new_rates: dict[str, float]
    base_rates: dict[str, float]
    # Chebyshev interpolant of ln w_hat in theta over the support (warm start): (mid, half width, coefs)
    ge_start: tuple[float, float, FloatArray] | None
    pe_inputs: tuple[pd.DataFrame, pd.DataFrame] | None


@dataclass(frozen=True, eq=False)
class _Payload:
    spec: SweepSpec
    origin: str
    origin_group: str
    deficits: str
    with_ge: bool
    with_pe: bool
    branches: tuple[_BranchInputs, ...]
    metrics: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class _ChunkOutput:
    """Draws ``[start, stop)``: parameters (n, P), probabilities (n, B), values (n, B + 1, M)."""

    start: int
    stop: int
    parameters: FloatArray
    probabilities: FloatArray
    values: FloatArray


def _ge_outputs(result: Any, i_origin: int, i_us: int, members: list[NDArray[np.intp]],
                rest: NDArray[np.intp]) -> list[float]:
    """The GE metrics of :data:`_GE_METRICS` from a GEResult's arrays, with the definitions of
    :data:`tariffscope.economics.ge.COLUMNS` and :func:`tariffscope.scenario.run.us_import_changes`
    (read from the arrays: building the frames costs more than the solve; the fixed-input test checks
    that the numbers are the deterministic run's)."""
    welfare = result.new_expenditure / result.baseline_expenditure / result.price_index_hat - 1.0
    real_gdp = result.wage_hat / result.price_index_hat - 1.0
    off_old = result.baseline_flows[i_origin].sum() - result.baseline_flows[i_origin, i_origin]
    off_new = result.new_flows[i_origin].sum() - result.new_flows[i_origin, i_origin]
    exports = off_new / off_old - 1.0 if off_old > 0 else math.nan
    us_old = result.baseline_flows[:, i_us]
    us_new = result.new_flows[:, i_us]
    imports = []
    for idx in (*members, rest):
        old = float(us_old[idx].sum())
        imports.append(float(us_new[idx].sum()) / old - 1.0 if old > 0 else math.nan)
    return [float(real_gdp[i_origin]), float(welfare[i_origin]), float(exports), float(welfare[i_us]),
            float(real_gdp[i_us]), *imports]


def _solve_ge(payload: _Payload, branch: _BranchInputs, thetas: FloatArray, start: int) -> FloatArray:
    """GE metrics (n, len(_GE_METRICS)) of one branch for every draw's trade elasticity."""
    from tariffscope.economics.world import load_world_trade, us_tariff_equilibrium
    from tariffscope.errors import ConvergenceError

    trade = load_world_trade()
    countries = list(trade.countries)
    index = {c: k for k, c in enumerate(countries)}
    i_us, i_origin = index["USA"], index[payload.origin]
    members = [np.array([index[c] for c in DIVERSION_REGIONS[r] if c in index], dtype=np.intp)
               for r in DIVERSION_REGIONS]
    listed = {index[c] for ms in DIVERSION_REGIONS.values() for c in ms if c in index}
    rest = np.array([k for k in range(len(countries)) if k not in listed and k != i_us], dtype=np.intp)
    unique, inverse = np.unique(thetas, return_inverse=True)
    out = np.empty((len(unique), len(_GE_METRICS)))
    if branch.ge_start is None:  # pragma: no cover - _payload builds it whenever GE is on
        raise InputError(f"branch {branch.name} has no GE inputs")
    mid, half, coefs = branch.ge_start
    for k, theta in enumerate(unique):
        x = (theta - mid) / half if half > 0 else 0.0
        guess = np.exp(np.polynomial.chebyshev.chebval(x, coefs))
        try:
            result = us_tariff_equilibrium(branch.new_rates, branch.base_rates, trade=trade,
                                           trade_elasticity=float(theta), deficits=payload.deficits,
                                           label=branch.name, start=guess)
        except ConvergenceError as exc:
            draw = start + int(np.flatnonzero(inverse == k)[0])
            raise ConvergenceError(f"branch {branch.name}, draw {draw} (trade elasticity {theta:g}): {exc}",
                                   exc.residual, exc.iterations) from exc
        out[k] = _ge_outputs(result, i_origin, i_us, members, rest)
    return np.asarray(out[inverse], dtype=np.float64)


def _solve_pe(payload: _Payload, branch: _BranchInputs, params: FloatArray) -> FloatArray:
    """PE change in US imports from the origin's group, per draw (n,).

    Products are independent markets in the PE model, so the draws' parameter sets are stacked into one
    :class:`~tariffscope.economics.pe.PEModel` as copies of the products (``<k>@<code>``), each copy with
    its own elasticities; the result is that of separate models.
    """
    from tariffscope.economics.pe import PEModel

    if branch.pe_inputs is None:  # pragma: no cover - _payload sets it whenever PE is on
        raise InputError(f"branch {branch.name} has no PE inputs")
    table, changes = branch.pe_inputs
    # columns of params: substitution, import demand, export supply
    unique, inverse = np.unique(params, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    rows = len(table)
    products = table["product"].astype(str).to_numpy(dtype=object)
    in_group = (table["origin"].astype(str) == payload.origin_group).to_numpy()
    base = float(table["value"].to_numpy()[in_group].sum())
    out = np.full(len(unique), math.nan)
    if base <= 0:
        return np.asarray(out[inverse], dtype=np.float64)
    for first in range(0, len(unique), _PE_BATCH):
        batch = unique[first:first + _PE_BATCH]
        n = len(batch)
        # copy k of the products is '<k>@<code>'; the key '<k>@' covers all of them as a prefix
        tags = np.array([f"{k:06d}@" for k in range(n)], dtype=object)
        imports = pd.DataFrame({
            "product": np.repeat(tags, rows) + np.tile(products, n),
            "origin": np.tile(table["origin"].to_numpy(), n),
            "value": np.tile(table["value"].to_numpy(dtype=np.float64), n),
            "tariff": np.tile(table["tariff"].to_numpy(dtype=np.float64), n),
            "export_supply_elasticity": np.repeat(batch[:, 2], rows),
        })
        elasticities = pd.DataFrame({
            "product": tags,
            "substitution_elasticity": batch[:, 0],
            "import_demand_elasticity": batch[:, 1],
        })
        stacked_changes = pd.DataFrame({
            "product": np.repeat(tags, len(changes)) + np.tile(changes["product"].astype(str).to_numpy(dtype=object), n),
            "origin": np.tile(changes["origin"].to_numpy(), n),
            "new_tariff": np.tile(changes["new_tariff"].to_numpy(dtype=np.float64), n),
        })
        with warnings.catch_warnings():
            # Rate warnings (tariffs of 100 % or more) were shown by the deterministic run already.
            warnings.simplefilter("ignore", UserWarning)
            result = PEModel(imports, elasticities_by_product=elasticities).solve(stacked_changes, name=branch.name)
        new = result.arrays["new_import_value"].reshape(n, rows)
        out[first:first + n] = new[:, in_group].sum(axis=1) / base - 1.0
    return np.asarray(out[inverse], dtype=np.float64)


def _compute_chunk(payload: _Payload, start: int, stop: int) -> _ChunkOutput:
    """Everything for draws ``[start, stop)``: a pure function of its (picklable) arguments."""
    spec = payload.spec
    params, probs = spec.sample(start, stop, [b.probability for b in payload.branches])
    n, n_branches = stop - start, len(payload.branches)
    col = {m: k for k, m in enumerate(payload.metrics)}
    values = np.full((n, n_branches + 1, len(payload.metrics)), math.nan)
    for b, branch in enumerate(payload.branches):
        values[:, b, col["etr"]] = branch.etr
        if payload.with_ge:
            ge = _solve_ge(payload, branch, params[:, 0], start)
            for k, m in enumerate(_GE_METRICS):
                values[:, b, col[m]] = ge[:, k]
        if payload.with_pe:
            values[:, b, col["pe_us_imports_from_origin_change"]] = _solve_pe(payload, branch, params[:, 1:4])
    weights = probs[:, :, None]
    branch_values = values[:, :n_branches, :]
    values[:, n_branches, :] = np.where(weights > 0, weights * branch_values, 0.0).sum(axis=1)
    return _ChunkOutput(start, stop, params, probs, values)


# ---------------------------------------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------------------------------------

_DEFAULT_Q: tuple[float, ...] = (5, 25, 50, 75, 95)


def _qname(q: float) -> str:
    return f"p{q:g}"


def _jsonable(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


@dataclass(frozen=True, eq=False, repr=False)
class SweepResult:
    """The outcome of :func:`run_sweep`: every output of every branch for every draw.

    Attributes
    ----------
    scenario, origin : str
        Scenario name and the origin country whose outcomes are reported.
    spec : SweepSpec
    sweep_id : str
        Hash of the scenario's content, the deterministic run, the spec and the package version; the
        key of the stored chunks.
    branches : tuple of str
        Branch (leaf) names; ``"expected"`` is the probability-weighted expectation per draw.
    base_probabilities : ndarray
        The tree's probabilities (branches).
    metrics : tuple of str
        Outputs, documented in :data:`METRICS`.
    values : ndarray
        ``(draws, branches + 1, metrics)``; the last branch slot is the expectation.
    probabilities : ndarray
        ``(draws, branches)`` drawn probabilities.
    parameter_values : ndarray
        ``(draws, len(PARAMETERS))`` drawn parameters.
    draw_index : ndarray
        The draw number of each row (``0 .. draws - 1``; fewer rows when interrupted).
    deterministic : dict
        Each branch's (and ``"expected"``) metrics in the deterministic run, at the run's options.
    chunks_done, chunks_total, chunks_loaded : int
        Chunks available, in the sweep, and taken from the store rather than computed.
    """

    scenario: str
    origin: str
    spec: SweepSpec
    sweep_id: str
    branches: tuple[str, ...]
    base_probabilities: FloatArray
    metrics: tuple[str, ...]
    values: FloatArray
    probabilities: FloatArray
    parameter_values: FloatArray
    draw_index: NDArray[np.int64]
    deterministic: dict[str, dict[str, float]]
    chunks_done: int
    chunks_total: int
    chunks_loaded: int = 0

    # -- shape ---------------------------------------------------------------------------------------------

    @property
    def draws(self) -> int:
        """Number of draws held (all of the spec's unless the sweep was interrupted)."""
        return int(self.values.shape[0])

    @property
    def complete(self) -> bool:
        return self.chunks_done == self.chunks_total

    def _labels(self) -> tuple[str, ...]:
        return (*self.branches, "expected")

    def values_of(self, metric: str, branch: str = "expected") -> FloatArray:
        """The draws of ``metric`` in ``branch`` (or the expectation)."""
        if metric not in self.metrics:
            raise InputError(f"unknown metric {metric!r}; this sweep has {', '.join(self.metrics)}")
        labels = self._labels()
        if branch not in labels:
            tails = [k for k, b in enumerate(self.branches) if b.split("/")[-1] == branch]
            if len(tails) != 1:
                raise InputError(f"no branch {branch!r} in this sweep; branches: {', '.join(labels)}")
            b = tails[0]
        else:
            b = labels.index(branch)
        return np.asarray(self.values[:, b, self.metrics.index(metric)], dtype=np.float64)

    # -- tables --------------------------------------------------------------------------------------------

    def to_frame(self) -> pl.DataFrame:
        """Tidy: ``draw, branch, metric, value``; branch ``expected`` is the expectation per draw, metric
        ``probability`` the drawn probability of each branch."""
        n, nb, nm = self.values.shape
        labels = np.array(self._labels(), dtype=object)
        main = pl.DataFrame({
            "draw": np.repeat(self.draw_index, nb * nm),
            "branch": np.tile(np.repeat(labels, nm), n),
            "metric": np.tile(np.array(self.metrics, dtype=object), n * nb),
            "value": self.values.reshape(-1),
        })
        nbr = len(self.branches)
        probs = pl.DataFrame({
            "draw": np.repeat(self.draw_index, nbr),
            "branch": np.tile(np.array(self.branches, dtype=object), n),
            "metric": ["probability"] * (n * nbr),
            "value": self.probabilities.reshape(-1),
        })
        return pl.concat([main, probs]).sort(["draw", "branch", "metric"], maintain_order=True)

    @property
    def parameters(self) -> pl.DataFrame:
        """The drawn parameters: ``draw`` and one column per :data:`PARAMETERS` entry."""
        return pl.DataFrame({"draw": self.draw_index,
                             **{p: self.parameter_values[:, k] for k, p in enumerate(PARAMETERS)}})

    def percentiles(self, q: Sequence[float] = _DEFAULT_Q) -> pl.DataFrame:
        """Percentiles (linear interpolation) of every metric per branch and of the expectation.

        Columns ``branch, metric, mean, sd`` and ``p<q>`` for each ``q`` (0 to 100).
        """
        qs = [float(x) for x in q]
        bad = [x for x in qs if not 0 <= x <= 100]
        if bad:
            raise InputError(f"percentiles must be between 0 and 100; got {bad[0]:g}")
        rows: list[dict[str, Any]] = []
        for b, label in enumerate(self._labels()):
            for m, metric in enumerate(self.metrics):
                rows.append({"branch": label, "metric": metric, **self._stats(self.values[:, b, m], qs)})
        for b, label in enumerate(self.branches):
            rows.append({"branch": label, "metric": "probability", **self._stats(self.probabilities[:, b], qs)})
        return pl.DataFrame(rows)

    @staticmethod
    def _stats(x: FloatArray, qs: Sequence[float]) -> dict[str, float]:
        finite = x[np.isfinite(x)]
        if finite.size == 0:
            return {"mean": math.nan, "sd": math.nan, **{_qname(q): math.nan for q in qs}}
        pct: list[float] = [float(v) for v in np.percentile(finite, qs)] if qs else []
        return {
            "mean": float(finite.mean()),
            "sd": float(finite.std(ddof=1)) if finite.size > 1 else 0.0,
            **{_qname(q): float(v) for q, v in zip(qs, pct, strict=True)},
        }

    def to_dict(self, q: Sequence[float] = _DEFAULT_Q) -> dict[str, Any]:
        """JSON-ready: settings, then per branch and for the expectation the mean, sd and percentiles of
        every metric next to its deterministic value; the drawn parameters' summary."""
        qs = [float(x) for x in q]

        def block(b: int, label: str) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for m, metric in enumerate(self.metrics):
                stats = self._stats(self.values[:, b, m], qs)
                stats["deterministic"] = self.deterministic.get(label, {}).get(metric, math.nan)
                out[metric] = {k: _jsonable(v) for k, v in stats.items()}
            return out

        branches = []
        for b, name in enumerate(self.branches):
            prob = {k: _jsonable(v) for k, v in self._stats(self.probabilities[:, b], qs).items()}
            branches.append({"name": name, "probability": float(self.base_probabilities[b]),
                             "probability_drawn": prob, "metrics": block(b, name)})
        return {
            "scenario": self.scenario,
            "origin": self.origin,
            "sweep_id": self.sweep_id,
            "draws": self.draws,
            "seed": self.spec.seed,
            "spec": self.spec.to_dict(),
            "chunks_done": self.chunks_done,
            "chunks_total": self.chunks_total,
            "chunks_loaded": self.chunks_loaded,
            "metrics": {m: METRICS[m] for m in self.metrics},
            "parameters": {p: {k: _jsonable(v) for k, v in self._stats(self.parameter_values[:, j], qs).items()}
                           for j, p in enumerate(PARAMETERS)},
            "branches": branches,
            "expected": block(len(self.branches), "expected"),
        }

    def summary(self) -> str:
        """Plain text: settings, then per branch the headline metrics as mean [5th, 95th percentile]."""
        status = "" if self.complete else " (INTERRUPTED: rerun to resume)"
        lines = [
            f"Monte Carlo sweep of {self.scenario} (origin {self.origin}): {self.draws:,} draws, seed "
            f"{self.spec.seed}, sweep {self.sweep_id}, {self.chunks_done}/{self.chunks_total} chunks"
            f"{f' ({self.chunks_loaded} from the store)' if self.chunks_loaded else ''}{status}",
            f"  {self.spec.describe()}",
        ]
        heads = [(m, t) for m, t in (
            ("real_gdp_change", f"real GDP {self.origin}"),
            ("welfare_change", f"welfare {self.origin}"),
            ("usa_welfare_change", "welfare USA"),
            ("pe_us_imports_from_origin_change", f"PE US imports from {self.origin}"),
            ("etr", "ETR"),
        ) if m in self.metrics]
        width = max(len(b) for b in self._labels())
        header = f"  {'branch':<{width}}  {'p':>5}" + "".join(f"  {t:>28}" for _, t in heads)
        lines += ["", header, "  (mean [5%, 95%])"]
        for b, label in enumerate(self._labels()):
            p = "" if b == len(self.branches) else f"{self.base_probabilities[b]:.2f}"
            cells = ""
            for m, _ in heads:
                s = self._stats(self.values[:, b, self.metrics.index(m)], (5, 95))
                digits = 1 if m in ("etr", "pe_us_imports_from_origin_change") else 3
                cell = f"{100 * s['mean']:+.{digits}f}% [{100 * s['p5']:+.{digits}f}, {100 * s['p95']:+.{digits}f}]"
                cells += f"  {cell:>28}"
            lines.append(f"  {label:<{width}}  {p:>5}{cells}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"SweepResult({self.scenario!r}, draws={self.draws}, branches={len(self.branches)}, "
                f"metrics={len(self.metrics)}, sweep_id={self.sweep_id!r}, "
                f"chunks={self.chunks_done}/{self.chunks_total})")

    def _repr_html_(self) -> str:
        from html import escape

        return f"<pre>{escape(self.summary())}</pre>"

    def figure(self, metric: str = "real_gdp_change") -> Any:
        """Plotly violins of ``metric`` (default the origin's real GDP change) per branch and expected."""
        import plotly.graph_objects as go

        if metric == "real_gdp_change" and metric not in self.metrics:  # a sweep without GE
            metric = next(m for m in ("pe_us_imports_from_origin_change", "etr") if m in self.metrics)
        if metric not in self.metrics:
            raise InputError(f"unknown metric {metric!r}; this sweep has {', '.join(self.metrics)}")
        fig = go.Figure()
        for b, label in enumerate(self._labels()):
            y = 100 * self.values[:, b, self.metrics.index(metric)]
            name = label if b == len(self.branches) else f"{label} (p={self.base_probabilities[b]:.2f})"
            fig.add_violin(y=y, name=name, box_visible=True, meanline_visible=True, points=False,
                           line_color="black" if label == "expected" else None)
        title = METRICS[metric].split(": ", 1)[-1]
        fig.update_layout(
            title=f"{self.scenario}: {title}, {self.draws:,} draws",
            yaxis_title="percent",
            showlegend=False,
        )
        return fig


class SweepInterrupted(KeyboardInterrupt):
    """Raised when a sweep is interrupted (Ctrl-C): pending work was cancelled, finished chunks are stored.

    ``partial`` is the :class:`SweepResult` of the chunks finished so far (``chunks_done < chunks_total``);
    run :func:`run_sweep` again with ``resume=True`` to compute only the missing chunks.
    """

    def __init__(self, partial: SweepResult | None):
        self.partial = partial
        done = "no chunk" if partial is None else f"{partial.chunks_done} of {partial.chunks_total} chunks"
        super().__init__(f"sweep interrupted; {done} kept in the store; run it again to resume")


# ---------------------------------------------------------------------------------------------------------
# Store
# ---------------------------------------------------------------------------------------------------------


def _chunk_name(sweep_id: str, k: int) -> str:
    return f"sweep:{sweep_id}:chunk:{k}"


def _chunk_frame(out: _ChunkOutput, labels: Sequence[str], metrics: Sequence[str]) -> pl.DataFrame:
    n, nb, _ = out.values.shape
    probs = np.concatenate([out.probabilities, np.ones((n, 1))], axis=1)
    data: dict[str, Any] = {
        "draw": np.repeat(np.arange(out.start, out.stop, dtype=np.int64), nb),
        "branch": np.tile(np.array(labels, dtype=object), n),
        "probability": probs.reshape(-1),
    }
    for k, p in enumerate(PARAMETERS):
        data[p] = np.repeat(out.parameters[:, k], nb)
    for k, m in enumerate(metrics):
        data[m] = out.values[:, :, k].reshape(-1)
    return pl.DataFrame(data)


def _chunk_from_frame(frame: pl.DataFrame, start: int, stop: int, labels: Sequence[str],
                      metrics: Sequence[str]) -> _ChunkOutput | None:
    """The chunk stored in ``frame``, or None when it does not have the expected layout."""
    n, nb = stop - start, len(labels)
    needed = {"draw", "branch", "probability", *PARAMETERS, *metrics}
    if frame.height != n * nb or not needed <= set(frame.columns):
        return None
    order = {name: k for k, name in enumerate(labels)}
    if set(frame["branch"].unique().to_list()) != set(labels):
        return None
    frame = frame.with_columns(pl.col("branch").replace_strict(order, return_dtype=pl.Int64).alias("_b"))
    frame = frame.sort(["draw", "_b"])
    draws = frame["draw"].to_numpy().reshape(n, nb)
    if not np.array_equal(draws[:, 0], np.arange(start, stop)):
        return None
    values = np.stack([frame[m].to_numpy().astype(np.float64).reshape(n, nb) for m in metrics], axis=2)
    params = np.column_stack([frame[p].to_numpy().astype(np.float64).reshape(n, nb)[:, 0] for p in PARAMETERS])
    probs = frame["probability"].to_numpy().astype(np.float64).reshape(n, nb)[:, : nb - 1]
    return _ChunkOutput(start, stop, params, probs, values)


# ---------------------------------------------------------------------------------------------------------
# Preparing the inputs
# ---------------------------------------------------------------------------------------------------------


def _sweep_id(scenario: Scenario, run: ScenarioRun, spec: SweepSpec) -> str:
    from tariffscope import __version__

    payload = {"scenario": scenario.content_hash(), "run": run.content_hash, "spec": spec.to_dict(),
               "version": __version__, "format": _FORMAT}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _start_nodes(low: float, high: float) -> FloatArray:
    """Chebyshev points (first kind) on ``[low, high]``; enough that the interpolated ln w_hat is
    accurate to ~1e-11 (13 points on [3, 6]), so a draw's exact solve converges in one or two steps."""
    if high - low < 1e-12:
        return np.array([low])
    k = int(min(41, max(9, math.ceil(4 * (high - low)) + 1)))
    return np.asarray(0.5 * (low + high) + 0.5 * (high - low) * np.cos(np.pi * (np.arange(k) + 0.5) / k))


def _ge_start_table(run: ScenarioRun, branch: Any, spec: SweepSpec) -> tuple[float, float, FloatArray]:
    """Exact GE solutions at Chebyshev nodes of the trade elasticity's support (each warm-started from
    the branch's deterministic solution) and the interpolant of ln w_hat through them."""
    from tariffscope.economics.world import load_world_trade, us_tariff_equilibrium

    trade = load_world_trade()
    det = branch.ge.set_index("country")["wage_change"].reindex(list(trade.countries))
    det_start = None if det.isna().any() else (1.0 + det.to_numpy(dtype=np.float64))
    low, high = spec.trade_elasticity.support()
    nodes = _start_nodes(low, high)
    logs = []
    for theta in nodes:
        result = us_tariff_equilibrium(branch.partner_etr, branch.baseline_partner_etr, trade=trade,
                                       trade_elasticity=float(theta), deficits=run.options.deficits,
                                       label=branch.name, start=det_start)
        logs.append(np.log(result.wage_hat))
    mid, half = 0.5 * (low + high), 0.5 * (high - low)
    if len(nodes) == 1:
        return mid, 0.0, np.asarray(logs)
    coefs = np.polynomial.chebyshev.chebfit((nodes - mid) / half, np.asarray(logs), len(nodes) - 1)
    return mid, half, np.asarray(coefs, dtype=np.float64)


def _deterministic(run: ScenarioRun, metrics: Sequence[str], origin_group: str) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for b in run.branches:
        row: dict[str, float] = {"etr": b.etr}
        if b.ge is not None:
            g, us = b.ge_for(run.origin), b.ge_for("USA")
            row.update({"real_gdp_change": g["real_gdp_change"], "welfare_change": g["welfare_change"],
                        "exports_change": g["exports_change"], "usa_welfare_change": us["welfare_change"],
                        "usa_real_gdp_change": us["real_gdp_change"]})
            row.update({f"us_imports_change:{r}": b.diversion.get(r, math.nan) for r in _REGIONS})
        if b.pe is not None:
            sub = b.pe[b.pe["origin"] == origin_group]
            old = float(sub["import_value"].sum())
            row["pe_us_imports_from_origin_change"] = float(sub["new_import_value"].sum()) / old - 1 if old > 0 else math.nan
        out[b.name] = {m: float(row.get(m, math.nan)) for m in metrics}
    probs = np.array([b.probability for b in run.branches])
    out["expected"] = {m: float(np.dot(probs, [out[b.name][m] for b in run.branches])) for m in metrics}
    return out


def _payload(scenario: Scenario, run: ScenarioRun, spec: SweepSpec) -> _Payload:
    from tariffscope.data.weights import partner_group

    with_ge = all(b.ge is not None and b.partner_etr for b in run.branches)
    with_pe = all(b.pe_inputs is not None for b in run.branches)
    metrics = ("etr", *(_GE_METRICS if with_ge else ()), *(_PE_METRICS if with_pe else ()))
    branches = tuple(
        _BranchInputs(
            name=b.name, probability=float(b.probability), etr=float(b.etr),
            new_rates=dict(b.partner_etr), base_rates=dict(b.baseline_partner_etr),
            ge_start=_ge_start_table(run, b, spec) if with_ge else None,
            pe_inputs=b.pe_inputs if with_pe else None,
        )
        for b in run.branches
    )
    return _Payload(spec, scenario.origin, partner_group(scenario.origin), run.options.deficits, with_ge,
                    with_pe, branches, metrics)


# ---------------------------------------------------------------------------------------------------------
# Running the chunks
# ---------------------------------------------------------------------------------------------------------

_Task = tuple[int, int, int]  # chunk index, first draw, stop
_Done = Callable[..., None]  # done(k, output, notify=True): store the chunk, then report progress


def _in_process(payload: _Payload, tasks: Sequence[_Task], done: _Done) -> None:
    for k, start, stop in tasks:
        done(k, _compute_chunk(payload, start, stop))


_BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _warm_up() -> int:
    """Run once in each new worker: import the solvers and load the world trade data."""
    from tariffscope.economics.world import load_world_trade

    load_world_trade()
    return 1


def _start_pool(workers: int) -> ProcessPoolExecutor:
    """Local worker processes, started at once so that their imports overlap the deterministic run.

    Spawned, not forked: the parent holds polars/DuckDB/BLAS thread pools that fork does not copy safely.
    Each worker computes one chunk at a time with one BLAS thread (unless the environment says
    otherwise): ``workers`` processes then share the cores instead of oversubscribing them.
    """
    saved = {k: os.environ.get(k) for k in _BLAS_THREADS}
    try:
        for k in _BLAS_THREADS:
            os.environ.setdefault(k, "1")
        executor = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
        for _ in range(workers):  # each submission starts one process, with the environment above
            executor.submit(_warm_up)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return executor


def _local_processes(payload: _Payload, tasks: Sequence[_Task], executor: ProcessPoolExecutor,
                     done: _Done) -> None:
    futures: dict[Future[_ChunkOutput], int] = {
        executor.submit(_compute_chunk, payload, start, stop): k for k, start, stop in tasks
    }
    handled: set[int] = set()
    try:
        pending: set[Future[_ChunkOutput]] = set(futures)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in sorted(finished, key=lambda f: futures[f]):
                k = futures[f]
                handled.add(k)
                done(k, f.result())
    except BaseException:
        for f in futures:
            f.cancel()
        executor.shutdown(wait=True, cancel_futures=True)
        # chunks that finished while we were cancelling are kept too
        for f, k in futures.items():
            if k not in handled and f.done() and not f.cancelled() and f.exception() is None:
                with contextlib.suppress(Exception):
                    done(k, f.result(), notify=False)
        raise


def _connect(address: str, timeout: float) -> Any:
    """A ``distributed.Client`` of the scheduler at ``address``; NetworkError after ``timeout`` seconds."""
    try:
        from distributed import Client
    except ImportError:
        raise InputError(
            "a Dask scheduler needs dask and distributed: pip install 'tariffscope[dask]' "
            "(or run without --scheduler, with --workers N for local processes)"
        ) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise NetworkError(
            f"could not reach the Dask scheduler at {address} within the timeout of {timeout:g} s ({reason}); "
            "check the address and that `dask scheduler` is running there, raise --timeout, or use "
            "--workers N for local processes"
        ) from None
    except (ValueError, TypeError) as exc:
        raise InputError(f"the Dask scheduler address {address!r} is not valid ({exc}); "
                         "give it as tcp://host:port, e.g. tcp://127.0.0.1:8786") from None


def _distributed(payload: _Payload, tasks: Sequence[_Task], client: Any, timeout: float, sweep_id: str,
                 done: _Done) -> None:
    from distributed import as_completed

    futures: dict[Any, int] = {}
    handled: set[int] = set()
    try:
        shared = client.scatter(payload, broadcast=False, hash=False)
        for k, start, stop in tasks:
            futures[client.submit(_compute_chunk, shared, start, stop, key=f"tariffscope-sweep-{sweep_id}-{k}",
                                  retries=1)] = k
        for f in as_completed(list(futures), loop=client.loop):
            k = futures[f]
            handled.add(k)
            done(k, f.result())
    except BaseException:
        unfinished = [f for f, k in futures.items() if k not in handled]
        for f in unfinished:
            if f.status == "finished":
                with contextlib.suppress(Exception):
                    done(futures[f], f.result(timeout=timeout), notify=False)
        with contextlib.suppress(Exception):
            client.cancel([f for f in unfinished if f.status != "finished"])
        raise


# ---------------------------------------------------------------------------------------------------------
# run_sweep
# ---------------------------------------------------------------------------------------------------------


def _assemble(scenario: Scenario, spec: SweepSpec, sweep_id: str, payload: _Payload,
              chunks: Mapping[int, _ChunkOutput], deterministic: dict[str, dict[str, float]],
              loaded: int) -> SweepResult:
    keys = sorted(chunks)
    nb, nm = len(payload.branches), len(payload.metrics)
    if keys:
        values = np.concatenate([chunks[k].values for k in keys])
        probs = np.concatenate([chunks[k].probabilities for k in keys])
        params = np.concatenate([chunks[k].parameters for k in keys])
        index = np.concatenate([np.arange(chunks[k].start, chunks[k].stop, dtype=np.int64) for k in keys])
    else:
        values, probs = np.empty((0, nb + 1, nm)), np.empty((0, nb))
        params, index = np.empty((0, len(PARAMETERS))), np.empty(0, dtype=np.int64)
    for a in (values, probs, params, index):
        a.setflags(write=False)
    return SweepResult(
        scenario=scenario.name, origin=scenario.origin, spec=spec, sweep_id=sweep_id,
        branches=tuple(b.name for b in payload.branches),
        base_probabilities=np.array([b.probability for b in payload.branches]),
        metrics=payload.metrics, values=values, probabilities=probs, parameter_values=params,
        draw_index=index, deterministic=deterministic, chunks_done=len(keys), chunks_total=spec.n_chunks,
        chunks_loaded=loaded,
    )


def run_sweep(
    scenario: Scenario,
    spec: SweepSpec,
    *,
    base_run: ScenarioRun | None = None,
    options: RunOptions | None = None,
    scheduler: str | None = None,
    workers: int = 1,
    store: Store | None = None,
    resume: bool = True,
    progress: Callable[[int], None] | None = None,
    timeout: float = 10.0,
) -> SweepResult:
    """Monte Carlo over the uncertain inputs of ``spec``: re-solve GE and PE per branch and draw.

    Parameters
    ----------
    scenario
        The scenario tree.
    spec
        Draws, seed, chunk size and distributions (:class:`SweepSpec`).
    base_run
        The deterministic run of ``scenario`` (rates, partner ETRs, PE tables). Computed with
        ``options`` when not given; its ``with_ge``/``with_pe`` decide which outputs are swept and its
        ``deficits`` setting is kept.
    options
        Options of the deterministic run when ``base_run`` is not given (default :class:`RunOptions`).
    scheduler
        Address of a Dask scheduler (``tcp://host:port``); chunks run on its workers, which need
        tariffscope installed. Exclusive with ``workers > 1``.
    workers
        Local worker processes (1: in this process).
    store
        Where finished chunks are written and looked up (default: the user's store,
        ``$TARIFFSCOPE_HOME/tariffscope.duckdb``).
    resume
        Reuse the stored chunks of the same sweep (same scenario content, deterministic run, spec and
        package version); ``False`` recomputes and overwrites them.
    progress
        Called with the number of chunks just completed: once with the number taken from the store,
        then 1 per computed chunk; the total is ``spec.n_chunks``.
    timeout
        Seconds to wait for the scheduler before :class:`~tariffscope.errors.NetworkError`.

    Returns
    -------
    SweepResult

    Raises
    ------
    InputError
        Bad arguments; a ``base_run`` of another scenario.
    NetworkError
        The scheduler cannot be reached within ``timeout``.
    SweepInterrupted
        On Ctrl-C: pending work is cancelled, finished chunks are stored, ``partial`` holds them.

    Notes
    -----
    Per draw and branch, GE is solved exactly (residual below 1e-12, as the deterministic run) from a
    warm start: the branch's solutions at Chebyshev nodes of the trade elasticity's support, each
    warm-started from the deterministic solution, interpolated in the elasticity, so one or two
    iterations suffice. PE draws of one chunk are solved together (:func:`_solve_pe`). Draws with equal
    inputs are solved once.

    Examples
    --------
    >>> from tariffscope.scenario.tree import load_scenario
    >>> result = run_sweep(load_scenario("us-japan-2025"), SweepSpec(draws=1000))  # doctest: +SKIP
    >>> result.percentiles()  # doctest: +SKIP
    """
    if not isinstance(spec, SweepSpec):
        raise InputError(f"spec must be a SweepSpec (see SweepSpec.from_dict); got {type(spec).__name__}")
    workers = _whole(workers, "workers", 1, "local worker processes; 1 runs in this process")
    if scheduler is not None and workers > 1:
        raise InputError(f"give either a Dask scheduler ({scheduler}) or workers={workers} local processes, not both")
    if scheduler is not None and not isinstance(scheduler, str):
        raise InputError(f"scheduler must be an address like tcp://host:8786; got {scheduler!r}")
    if isinstance(timeout, bool) or not (isinstance(timeout, int | float) and timeout > 0):
        raise InputError(f"timeout must be a positive number of seconds; got {timeout!r}")
    client = _connect(scheduler, float(timeout)) if scheduler is not None else None
    pool = _start_pool(min(workers, spec.n_chunks)) if workers > 1 and spec.n_chunks > 1 else None
    try:
        return _run(scenario, spec, base_run, options, client, pool, store, resume, progress, float(timeout))
    finally:
        if client is not None:
            with contextlib.suppress(Exception):
                client.close(timeout=timeout)
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _run(scenario: Scenario, spec: SweepSpec, base_run: ScenarioRun | None, options: RunOptions | None,
         client: Any, pool: ProcessPoolExecutor | None, store: Store | None, resume: bool,
         progress: Callable[[int], None] | None,
         timeout: float) -> SweepResult:
    from tariffscope.store.duck import Store

    if base_run is None:
        base_run = run_scenario(scenario, options=options or RunOptions())
    elif base_run.scenario.content_hash() != scenario.content_hash():
        raise InputError(
            f"base_run is a run of scenario '{base_run.scenario.name}' ({base_run.scenario.content_hash()}), "
            f"not of '{scenario.name}' ({scenario.content_hash()}); pass its own run or none"
        )
    store = store if store is not None else Store()
    sweep_id = _sweep_id(scenario, base_run, spec)
    payload = _payload(scenario, base_run, spec)
    deterministic = _deterministic(base_run, payload.metrics, payload.origin_group)
    labels = (*(b.name for b in payload.branches), "expected")

    chunks: dict[int, _ChunkOutput] = {}
    if resume:
        prefix = f"sweep:{sweep_id}:chunk:"
        stored = {e["name"] for e in store.list(kind="sweep-chunk") if e["name"].startswith(prefix)}
        for k in range(spec.n_chunks):
            if _chunk_name(sweep_id, k) in stored:
                start, stop = spec.chunk_bounds(k)
                chunk = _chunk_from_frame(store.load_frame(_chunk_name(sweep_id, k)), start, stop, labels,
                                          payload.metrics)
                if chunk is not None:
                    chunks[k] = chunk
    loaded = len(chunks)
    meta = {"scenario": scenario.name, "scenario_hash": scenario.content_hash(), "run_hash": base_run.content_hash,
            "origin": scenario.origin, "spec": spec.to_dict(), "branches": list(labels[:-1]),
            "metrics": list(payload.metrics), "chunks_total": spec.n_chunks}
    summary_frame = pl.DataFrame({"branch": list(labels[:-1]),
                                  "probability": [b.probability for b in payload.branches],
                                  "etr": [b.etr for b in payload.branches]})
    def record(status: str) -> None:
        store.save_frame(f"sweep:{sweep_id}", summary_frame, kind="sweep",
                         meta={**meta, "status": status, "chunks_done": len(chunks),
                               "updated": dt.datetime.now().isoformat(timespec="seconds")})

    record("running")
    if progress is not None and loaded:
        progress(loaded)

    def done(k: int, out: _ChunkOutput, notify: bool = True) -> None:
        start, stop = spec.chunk_bounds(k)
        store.save_frame(_chunk_name(sweep_id, k), _chunk_frame(out, labels, payload.metrics), kind="sweep-chunk",
                         meta={"sweep_id": sweep_id, "chunk": k, "start": start, "stop": stop})
        chunks[k] = out
        if notify and progress is not None:
            progress(1)

    tasks = [(k, *spec.chunk_bounds(k)) for k in range(spec.n_chunks) if k not in chunks]
    try:
        if not tasks:
            pass
        elif client is not None:
            _distributed(payload, tasks, client, timeout, sweep_id, done)
        elif pool is not None and len(tasks) > 1:
            _local_processes(payload, tasks, pool, done)
        else:
            _in_process(payload, tasks, done)
    except BaseException as exc:
        with contextlib.suppress(Exception):
            record("interrupted" if isinstance(exc, KeyboardInterrupt) else "failed")
        if isinstance(exc, KeyboardInterrupt) and not isinstance(exc, SweepInterrupted):
            kept = _assemble(scenario, spec, sweep_id, payload, chunks, deterministic, loaded)
            raise SweepInterrupted(kept) from exc
        raise
    record("complete")
    return _assemble(scenario, spec, sweep_id, payload, chunks, deterministic, loaded)

