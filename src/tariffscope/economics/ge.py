"""One-sector structural-gravity general equilibrium, solved by exact hat algebra.

Configure a :class:`GEModel` with baseline trade flows, a trade elasticity and a treatment of trade
deficits; :meth:`GEModel.solve` takes a shock (tariffs, partial effects of trade-cost changes) and
returns an immutable :class:`GEResult`.

>>> import numpy as np
>>> from tariffscope.economics.trade_data import TradeMatrix
>>> trade = TradeMatrix(("A", "B", "C"), np.array([[50.0, 5, 5], [5, 50, 5], [5, 5, 50]]))
>>> result = GEModel(trade, trade_elasticity=4.0).solve(tariff_change={("A", "B"): 0.2})
>>> bool(result.welfare_change["B"] > 0 > result.welfare_change["A"])
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tariffscope.economics._hat_algebra import HatProblem, solve_hat
from tariffscope.economics.trade_data import BilateralLike, Tariffs, TradeMatrix, bilateral_matrix
from tariffscope.errors import InputError

FloatArray = NDArray[np.float64]
Deficits = Literal["additive", "multiplicative"]
Acceleration = Literal["anderson", "none"]

#: Trade elasticities outside this range are almost surely a unit or sign mistake.
TRADE_ELASTICITY_RANGE = (0.1, 30.0)

#: Columns of :meth:`GEResult.to_frame`, with their definitions (documented once, used by the CLI).
COLUMNS: dict[str, str] = {
    "country": "country label",
    "welfare_change": "real expenditure change E'/E / P_hat - 1 (equivalent variation as a share of income)",
    "real_gdp_change": "real output change w_hat / P_hat - 1 (Yotov et al. 2016 real GDP)",
    "wage_change": "factory-gate price (wage, nominal output) change w_hat - 1; world output is the numeraire",
    "price_index_change": "consumer price index change P_hat - 1",
    "expenditure_change": "nominal spending (incl. tariffs) change E'/E - 1",
    "exports_change": "international exports at pre-tariff values, new/old - 1",
    "imports_change": "international imports at pre-tariff values, new/old - 1",
    "exports_baseline": "international exports, baseline",
    "exports_new": "international exports, counterfactual",
    "imports_baseline": "international imports, baseline",
    "imports_new": "international imports, counterfactual",
    "deficit_baseline": "imports - exports, baseline",
    "deficit_new": "imports - exports, counterfactual",
    "tariff_revenue_baseline": "tariff revenue collected by the country, baseline (data units)",
    "tariff_revenue": "tariff revenue collected by the country, counterfactual (data units)",
    "output_baseline": "output Y_i, baseline",
    "output_new": "output Y_i * w_hat_i, counterfactual",
}


def _check_elasticity(value: float) -> float:
    try:
        theta = float(value)
    except (TypeError, ValueError):
        raise InputError(f"trade elasticity must be a number; got {value!r}") from None
    low, high = TRADE_ELASTICITY_RANGE
    if not math.isfinite(theta) or theta <= 0:
        raise InputError(
            f"trade elasticity must be positive (theta in X_ij ~ tau_ij^-theta, typically 2 to 10); got {value!r}"
            + (f": pass its magnitude, {-theta:g}" if math.isfinite(theta) and theta < 0 else "")
        )
    if not low <= theta <= high:
        raise InputError(
            f"trade elasticity must be between {low:g} and {high:g} (typically 4 to 8); got {theta:g}"
        )
    return theta


@dataclass(frozen=True, eq=False)
class GEModel:
    """One-sector Armington / Eaton-Kortum general equilibrium with tariffs and fixed deficits.

    Parameters
    ----------
    trade
        Baseline flows at pre-tariff prices, domestic flows on the diagonal.
    trade_elasticity
        :math:`\\theta` (= :math:`\\sigma - 1` in Armington, the Fréchet shape in Eaton-Kortum).
    deficits
        ``"additive"``: nominal deficits fixed, :math:`E_j = Y_j + R_j + D_j` (Zylkin's ``ge_gravity``
        default); ``"multiplicative"``: spending net of tariff revenue a fixed multiple of income,
        :math:`E_j - R_j = (1 + D_j/Y_j) Y_j` (``ge_gravity``'s ``multiplicative`` option; Anderson &
        Yotov 2016; Yotov et al. 2016 ch. 2).
    baseline_tariffs
        Tariffs in force in the baseline data (zero by default); anything accepted by
        :func:`~tariffscope.economics.trade_data.bilateral_matrix`.

    Notes
    -----
    Demand (Armington-CES or Eaton-Kortum) gives the share of importer :math:`j`'s spending, gross of
    tariffs, that goes to exporter :math:`i`:

    .. math::

        \\pi_{ij} = \\frac{(w_i \\tau_{ij} (1 + t_{ij}))^{-\\theta} A_i}
                         {\\sum_k (w_k \\tau_{kj} (1 + t_{kj}))^{-\\theta} A_k}, \\qquad
        X_{ij} = \\frac{\\pi_{ij} E_j}{1 + t_{ij}}

    where :math:`X_{ij}` is the flow at pre-tariff prices (what trade statistics record). Baseline
    shares are read from the data, :math:`\\pi_{ij} = (1+t_{ij}) X_{ij} / \\sum_k (1+t_{kj}) X_{kj}`.
    Tariffs are wedges whose revenue :math:`R_j = \\sum_i t_{ij} X_{ij}` is rebated lump sum to the
    importer's households (Costinot & Rodríguez-Clare 2014, section 4.1, eqs. 22-25; Caliendo & Parro
    2015). Output equals sales, :math:`Y_i = \\sum_j X_{ij}`. In changes (Dekle, Eaton & Kortum 2008),
    with :math:`\\kappa_{ij} = \\hat\\tau_{ij}^{-\\theta} ((1+t'_{ij})/(1+t_{ij}))^{-\\theta}`:

    .. math::

        \\hat P_j^{-\\theta} = \\sum_i \\pi_{ij} \\kappa_{ij} \\hat w_i^{-\\theta}, \\qquad
        \\pi'_{ij} = \\pi_{ij} \\kappa_{ij} \\hat w_i^{-\\theta} \\hat P_j^{\\theta}

        Y_i \\hat w_i = \\sum_j \\frac{\\pi'_{ij} E'_j}{1 + t'_{ij}}, \\qquad
        E'_j = \\frac{Y_j \\hat w_j + D'_j}{1 - \\sum_i \\pi'_{ij} t'_{ij} / (1 + t'_{ij})}

    with :math:`D'_j = D_j` (additive) or :math:`D'_j = D_j \\hat w_j` (multiplicative), and world
    output as numeraire, :math:`\\sum_i Y_i \\hat w_i = \\sum_i Y_i` (as in ``ge_gravity``; Baier, Yotov
    & Zylkin 2019, section 6). A partial effect :math:`\\beta_{ij}` estimated by gravity is
    :math:`-\\theta \\Delta \\ln \\tau_{ij}`, so :math:`\\hat\\tau_{ij}^{-\\theta} = e^{\\beta_{ij}}`
    (Yotov et al. 2016, ch. 2; ``ge_gravity`` help file). Welfare is real spending,
    :math:`\\hat W_j = \\hat E_j / \\hat P_j` (``ge_gravity``'s ``gen_w``; with balanced trade and no
    tariffs this is the ACR formula :math:`\\hat\\pi_{jj}^{-1/\\theta}`, Arkolakis, Costinot &
    Rodríguez-Clare 2012), and real GDP is :math:`\\hat w_j / \\hat P_j` (Yotov et al. 2016, ch. 2;
    ``ge_gravity``'s ``gen_rw``).

    With multiplicative deficits the reported spending :math:`E'_j = (Y_j + D_j) \\hat w_j` need not add
    up to world output (:math:`\\sum_j D_j \\hat w_j \\neq 0`); as in ``ge_gravity``, market clearing is
    solved up to that common factor and new flows are :math:`\\pi'_{ij} E'_j / (1+t'_{ij})`.
    """

    trade: TradeMatrix
    trade_elasticity: float = 4.0
    deficits: Deficits = "additive"
    baseline_tariffs: BilateralLike = None
    _baseline_rates: FloatArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.trade, TradeMatrix):
            raise InputError(
                f"trade must be a TradeMatrix (see TradeMatrix.from_long / from_square); got {type(self.trade).__name__}"
            )
        object.__setattr__(self, "trade_elasticity", _check_elasticity(self.trade_elasticity))
        if self.deficits not in get_args(Deficits):
            raise InputError(f"deficits must be 'additive' or 'multiplicative'; got {self.deficits!r}")
        rates = self._tariff_matrix(self.baseline_tariffs, "baseline tariffs")
        rates.setflags(write=False)
        object.__setattr__(self, "_baseline_rates", rates)

    def _tariff_matrix(self, values: BilateralLike, what: str) -> FloatArray:
        countries = self.trade.countries
        rates = bilateral_matrix(values, countries, what, default=0.0)
        return np.array(Tariffs(countries, rates).rates)

    def solve(
        self,
        *,
        tariffs: BilateralLike = None,
        tariff_change: BilateralLike = None,
        partial_effect: BilateralLike = None,
        trade_cost_change: BilateralLike = None,
        start: Sequence[float] | FloatArray | None = None,
        tolerance: float = 1e-12,
        max_iterations: int = 10_000,
        acceleration: Acceleration = "anderson",
        label: str | None = None,
    ) -> GEResult:
        """Solve the counterfactual equilibrium.

        Parameters
        ----------
        tariffs
            New tariff levels :math:`t'_{ij}` (fractions); pairs not given keep the baseline.
        tariff_change
            Additive change in tariffs, :math:`t' = t + \\Delta t`; exclusive with ``tariffs``.
        partial_effect
            :math:`\\beta_{ij}`, the log change in bilateral trade holding incomes and prices fixed
            (e.g. an RTA coefficient times the change in the RTA dummy); ``ge_gravity``'s ``beta``.
        trade_cost_change
            :math:`\\hat\\tau_{ij}`, the ratio of new to old iceberg costs; combines with
            ``partial_effect`` multiplicatively.
        start
            Starting guess for :math:`\\hat w` (the solution does not depend on it).
        tolerance
            Largest admissible log market-clearing residual.
        max_iterations
            Iterations before :class:`~tariffscope.errors.ConvergenceError`.
        acceleration
            ``"anderson"`` or ``"none"`` (the plain ``ge_gravity`` iteration).
        label
            Name of the scenario in :meth:`GEResult.compare` and figures.

        Returns
        -------
        GEResult
        """
        if acceleration not in get_args(Acceleration):
            raise InputError(f"acceleration must be 'anderson' or 'none'; got {acceleration!r}")
        if tariffs is not None and tariff_change is not None:
            raise InputError("give either tariffs (new levels) or tariff_change (additive change), not both")
        countries = self.trade.countries
        n = len(countries)
        base = self._baseline_rates
        if tariffs is not None:
            given = bilateral_matrix(tariffs, countries, "tariffs", default=np.nan)
            new = self._tariff_matrix(np.where(np.isnan(given), base, given), "tariffs")
        elif tariff_change is not None:
            new = self._tariff_matrix(
                base + bilateral_matrix(tariff_change, countries, "tariff change", default=0.0), "new tariffs"
            )
        else:
            new = np.array(base)
        beta = bilateral_matrix(partial_effect, countries, "partial effect", default=0.0)
        tau_hat = bilateral_matrix(trade_cost_change, countries, "trade cost change", default=1.0)
        if not np.all(np.isfinite(beta)):
            raise InputError("partial effects must be finite numbers (log changes in trade)")
        if not np.all(np.isfinite(tau_hat)) or np.any(tau_hat <= 0):
            raise InputError("trade cost changes are ratios new/old and must be positive")
        theta = self.trade_elasticity
        shock = np.exp(beta) * tau_hat ** (-theta) * ((1.0 + new) / (1.0 + base)) ** (-theta)
        flows = self.trade.values
        gross = flows * (1.0 + base)
        spending = gross.sum(axis=0)
        output = flows.sum(axis=1)
        deficit = flows.sum(axis=0) - output
        start_array = None
        if start is not None:
            start_array = np.asarray(start, dtype=np.float64)
            if start_array.shape != (n,) or not np.all(np.isfinite(start_array)) or np.any(start_array <= 0):
                raise InputError(f"start must be {n} positive numbers (a guess of w_hat)")
        problem = HatProblem(
            shares=gross / spending[None, :],
            output=output,
            deficit=deficit,
            shock=shock,
            new_tariff=new,
            theta=theta,
            multiplicative=self.deficits == "multiplicative",
        )
        solution = solve_hat(
            problem,
            start=start_array,
            tolerance=tolerance,
            max_iterations=max_iterations,
            acceleration=acceleration,
        )
        return GEResult(
            countries=countries,
            label=label or "scenario",
            trade_elasticity=theta,
            deficits=self.deficits,
            baseline_flows=np.array(flows),
            new_flows=solution.new_flows,
            baseline_tariffs=np.array(base),
            new_tariffs=new,
            baseline_expenditure=spending,
            new_expenditure=solution.new_expenditure,
            wage_hat=solution.wage_change,
            price_index_hat=solution.price_index_change,
            new_tariff_revenue=solution.new_tariff_revenue,
            iterations=solution.iterations,
            residual=solution.residual,
            unit=self.trade.unit,
        )


def _frozen(array: FloatArray) -> FloatArray:
    out = np.array(array, dtype=np.float64)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class GEResult:
    """The counterfactual equilibrium: per-country changes and new bilateral flows.

    Every change is a fraction (-0.0029 means -0.29 %). See :data:`COLUMNS` for the definition of each
    column of :meth:`to_frame`.
    """

    countries: tuple[str, ...]
    label: str
    trade_elasticity: float
    deficits: Deficits
    baseline_flows: FloatArray
    new_flows: FloatArray
    baseline_tariffs: FloatArray
    new_tariffs: FloatArray
    baseline_expenditure: FloatArray
    new_expenditure: FloatArray
    wage_hat: FloatArray
    price_index_hat: FloatArray
    new_tariff_revenue: FloatArray
    iterations: int
    residual: float
    unit: str | None = None

    def __post_init__(self) -> None:
        for name in (
            "baseline_flows",
            "new_flows",
            "baseline_tariffs",
            "new_tariffs",
            "baseline_expenditure",
            "new_expenditure",
            "wage_hat",
            "price_index_hat",
            "new_tariff_revenue",
        ):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    # ----------------------------------------------------------------- per-country series
    def _series(self, values: FloatArray, name: str) -> pd.Series:
        return pd.Series(
            np.asarray(values, dtype=np.float64), index=pd.Index(self.countries, name="country"), name=name
        )

    @staticmethod
    def _international(matrix: FloatArray) -> tuple[FloatArray, FloatArray]:
        off = np.array(matrix)
        np.fill_diagonal(off, 0.0)
        return off.sum(axis=1), off.sum(axis=0)

    @property
    def welfare_change(self) -> pd.Series:
        """:math:`\\hat E_j / \\hat P_j - 1`."""
        return self._series(
            self.new_expenditure / self.baseline_expenditure / self.price_index_hat - 1.0, "welfare_change"
        )

    @property
    def real_gdp_change(self) -> pd.Series:
        """:math:`\\hat w_j / \\hat P_j - 1`."""
        return self._series(self.wage_hat / self.price_index_hat - 1.0, "real_gdp_change")

    @property
    def wage_change(self) -> pd.Series:
        """:math:`\\hat w_i - 1` (nominal output change; world output is the numeraire)."""
        return self._series(self.wage_hat - 1.0, "wage_change")

    @property
    def price_index_change(self) -> pd.Series:
        """:math:`\\hat P_j - 1`."""
        return self._series(self.price_index_hat - 1.0, "price_index_change")

    @property
    def exports_change(self) -> pd.Series:
        """Change in the value of international exports."""
        old, _ = self._international(self.baseline_flows)
        new, _ = self._international(self.new_flows)
        return self._series(_ratio(new, old) - 1.0, "exports_change")

    @property
    def imports_change(self) -> pd.Series:
        """Change in the value of international imports (pre-tariff)."""
        _, old = self._international(self.baseline_flows)
        _, new = self._international(self.new_flows)
        return self._series(_ratio(new, old) - 1.0, "imports_change")

    @property
    def tariff_revenue(self) -> pd.Series:
        """Counterfactual tariff revenue of each importer, in data units."""
        return self._series(self.new_tariff_revenue, "tariff_revenue")

    @property
    def new_trade(self) -> TradeMatrix:
        """The counterfactual flows as a :class:`TradeMatrix`."""
        return TradeMatrix(self.countries, self.new_flows, unit=self.unit)

    # ----------------------------------------------------------------- tables
    def to_frame(self) -> pd.DataFrame:
        """One row per country; columns are documented in :data:`COLUMNS`."""
        ex0, im0 = self._international(self.baseline_flows)
        ex1, im1 = self._international(self.new_flows)
        base_revenue = (self.baseline_flows * self.baseline_tariffs).sum(axis=0)
        output = self.baseline_flows.sum(axis=1)
        frame = pd.DataFrame(
            {
                "country": list(self.countries),
                "welfare_change": self.welfare_change.to_numpy(),
                "real_gdp_change": self.real_gdp_change.to_numpy(),
                "wage_change": self.wage_hat - 1.0,
                "price_index_change": self.price_index_hat - 1.0,
                "expenditure_change": self.new_expenditure / self.baseline_expenditure - 1.0,
                "exports_change": _ratio(ex1, ex0) - 1.0,
                "imports_change": _ratio(im1, im0) - 1.0,
                "exports_baseline": ex0,
                "exports_new": ex1,
                "imports_baseline": im0,
                "imports_new": im1,
                "deficit_baseline": im0 - ex0,
                "deficit_new": im1 - ex1,
                "tariff_revenue_baseline": base_revenue,
                "tariff_revenue": np.array(self.new_tariff_revenue),
                "output_baseline": output,
                "output_new": output * self.wage_hat,
            }
        )
        return frame

    def flows_frame(self) -> pd.DataFrame:
        """Long table of bilateral flows: ``exporter, importer, baseline, new, change``."""
        n = len(self.countries)
        base = self.baseline_flows.ravel()
        new = self.new_flows.ravel()
        return pd.DataFrame(
            {
                "exporter": np.repeat(self.countries, n),
                "importer": np.tile(self.countries, n),
                "baseline": base,
                "new": new,
                "change": _ratio(new, base) - 1.0,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON-ready dictionary: model settings, solver diagnostics and one record per country."""
        records = self.to_frame().to_dict(orient="records")
        return {
            "label": self.label,
            "model": "one-sector structural gravity (Armington/Eaton-Kortum), exact hat algebra",
            "trade_elasticity": self.trade_elasticity,
            "deficits": self.deficits,
            "iterations": self.iterations,
            "residual": self.residual,
            "unit": self.unit,
            "columns": COLUMNS,
            "countries": records,
        }

    def summary(self, rows: int = 10) -> str:
        """A plain-text report: settings, world totals and the countries that gain and lose most."""
        frame = self.to_frame().sort_values("welfare_change", ascending=False)
        world_trade0 = float(frame.exports_baseline.sum())
        world_trade1 = float(frame.exports_new.sum())
        head = [
            f"General equilibrium: {self.label}",
            f"  trade elasticity {self.trade_elasticity:g}, {self.deficits} deficits, "
            f"{len(self.countries)} countries, {self.iterations} iterations, residual {self.residual:.1e}",
            f"  world trade {_pct(world_trade1 / world_trade0 - 1)}, "
            f"tariff revenue {float(frame.tariff_revenue.sum()):.6g}{' ' + self.unit if self.unit else ''}",
            "",
            f"  {'country':<10}{'welfare':>10}{'real GDP':>10}{'exports':>10}{'imports':>10}{'prices':>10}",
        ]
        shown = pd.concat([frame.head(rows), frame.tail(rows)]) if len(frame) > 2 * rows else frame
        lines = []
        measures = (
            "welfare_change",
            "real_gdp_change",
            "exports_change",
            "imports_change",
            "price_index_change",
        )
        for k, record in enumerate(shown.to_dict(orient="records")):
            if len(frame) > 2 * rows and k == rows:
                lines.append(f"  {'...':<10}")
            cells = "".join(f"{_pct(float(record[m])):>10}" for m in measures)
            lines.append(f"  {record['country']!s:<10}{cells}")
        return "\n".join(head + lines)

    def __repr__(self) -> str:
        w = self.welfare_change
        return (
            f"GEResult({self.label!r}, {len(self.countries)} countries, welfare from {_pct(float(w.min()))} "
            f"({w.idxmin()}) to {_pct(float(w.max()))} ({w.idxmax()}))"
        )

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html(index=False, float_format=lambda v: f"{v:.6g}"))

    def figure(self, measure: str = "welfare_change", top: int | None = 40) -> Any:
        """A plotly bar chart of ``measure`` by country (the ``top`` largest absolute changes)."""
        import plotly.graph_objects as go

        frame = self.to_frame()
        if measure not in frame.columns or measure == "country":
            raise InputError(f"unknown measure {measure!r}; choose one of {', '.join(list(COLUMNS)[1:])}")
        if top is not None and len(frame) > top:
            frame = frame.reindex(frame[measure].abs().sort_values(ascending=False).index[:top])
        frame = frame.sort_values(measure)
        scale = 100.0 if measure.endswith("_change") else 1.0
        fig = go.Figure(
            go.Bar(x=frame[measure] * scale, y=frame["country"], orientation="h", name=self.label)
        )
        fig.update_layout(
            title=f"{measure.replace('_', ' ')}: {self.label}",
            xaxis_title="percent" if scale == 100.0 else measure,
            height=max(400, 18 * len(frame)),
        )
        return fig

    def compare(self, *others: GEResult, measure: str = "welfare_change") -> pd.DataFrame:
        """``measure`` of this and the other results side by side, one column per scenario label."""
        return compare([self, *others], measure=measure)


def compare(results: Sequence[GEResult], measure: str = "welfare_change") -> pd.DataFrame:
    """Lay out ``measure`` of several results side by side (rows countries, columns scenario labels)."""
    if not results:
        raise InputError("compare needs at least one result")
    columns: dict[str, pd.Series] = {}
    for k, result in enumerate(results):
        frame = result.to_frame().set_index("country")
        if measure not in frame.columns:
            raise InputError(f"unknown measure {measure!r}; choose one of {', '.join(list(COLUMNS)[1:])}")
        name = result.label if result.label not in columns else f"{result.label} ({k + 1})"
        columns[name] = frame[measure]
    return pd.DataFrame(columns)


def _ratio(new: FloatArray, old: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(old > 0, new / np.where(old > 0, old, 1.0), np.nan)


def _pct(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{100 * x:+.2f}%"
