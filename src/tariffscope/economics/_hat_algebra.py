"""Numerical core of the general-equilibrium model: exact hat algebra and its fixed-point solver.

Pure numpy on arrays that :mod:`tariffscope.economics.ge` has already validated; nothing here knows
about country names, files or tables. Exporters are rows (``i``), importers are columns (``j``).

Notes
-----
The equilibrium in changes (Dekle, Eaton & Kortum 2008, eqs. 8-10; Costinot & Rodríguez-Clare 2014,
Handbook of International Economics vol. 4, ch. 4, section 3.3; Yotov et al. 2016, Advanced Guide,
ch. 2) is solved for the change in factory-gate prices :math:`\\hat w_i` only. For a guess of
:math:`x_i = \\ln \\hat w_i`:

.. math::

    \\hat P_j^{-\\theta} = \\sum_k \\pi_{kj}\\,\\kappa_{kj}\\,\\hat w_k^{-\\theta}, \\qquad
    \\pi'_{ij} = \\pi_{ij}\\,\\kappa_{ij}\\,\\hat w_i^{-\\theta} / \\hat P_j^{-\\theta}, \\qquad
    \\kappa_{ij} = \\hat\\tau_{ij}^{-\\theta} \\Big(\\frac{1+t'_{ij}}{1+t_{ij}}\\Big)^{-\\theta}

.. math::

    E'_j = \\frac{Y_j \\hat w_j + D'_j}{1 - \\sum_i \\pi'_{ij}\\, t'_{ij}/(1+t'_{ij})}, \\qquad
    Z_i = \\sum_j \\frac{\\pi'_{ij} E'_j}{1+t'_{ij}}

with :math:`D'_j = D_j` (additive deficits) or :math:`D'_j = D_j \\hat w_j` (multiplicative). The
market-clearing residual is :math:`r_i = \\ln Z_i - \\ln(Y_i \\hat w_i) - \\ln(\\sum_k Z_k / \\sum_k Y_k
\\hat w_k)`; the last term is zero for additive deficits (Walras's law) and, for multiplicative deficits,
is the common factor by which Zylkin's ``ge_gravity`` lets world spending differ from world output.

The basic map is the tâtonnement of Baier, Yotov & Zylkin (2019, section 6) and ``ge_gravity``:
:math:`x \\leftarrow x + r(x)/(1+\\theta)` followed by the normalisation
:math:`\\sum_i Y_i \\hat w_i = \\sum_i Y_i`. It is accelerated with Anderson mixing in the form of
Walker & Ni (2011), "Anderson acceleration for fixed-point iterations", SIAM J. Numer. Anal. 49(4),
1715-1735, eq. (AA) with the unconstrained least-squares formulation of their section 3, and safeguarded:
when an accelerated step raises the residual tenfold the history is dropped and the plain step is
taken from the best point seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from tariffscope.errors import ConvergenceError

FloatArray = NDArray[np.float64]

#: Bounds on ln(w_hat) during the iteration: a factory-gate price change beyond e^±60 is not economics,
#: and clipping keeps exp(-theta * x) finite when a wild starting point is given.
_LOG_BOUND = 60.0


@dataclass(frozen=True)
class HatProblem:
    """Arrays of one counterfactual, already validated.

    Parameters
    ----------
    shares
        Baseline expenditure shares :math:`\\pi_{ij}` (gross of baseline tariffs), columns sum to one.
    output
        Baseline output (factor income) :math:`Y_i`, positive.
    deficit
        Baseline trade deficit :math:`D_j = \\sum_i X_{ij} - Y_j` at pre-tariff values.
    shock
        :math:`\\kappa_{ij}`, the change in :math:`(\\tau_{ij}(1+t_{ij}))^{-\\theta}`.
    new_tariff
        Counterfactual ad valorem tariffs :math:`t'_{ij}` (fractions); all zero means no tariff terms.
    theta
        Trade elasticity :math:`\\theta > 0`.
    multiplicative
        Deficits as a fixed multiple of income instead of a fixed nominal amount.
    """

    shares: FloatArray
    output: FloatArray
    deficit: FloatArray
    shock: FloatArray
    new_tariff: FloatArray
    theta: float
    multiplicative: bool

    @property
    def size(self) -> int:
        """Number of countries."""
        return int(self.output.shape[0])


@dataclass(frozen=True)
class HatSolution:
    """The solved equilibrium in changes, with every quantity the results layer needs."""

    wage_change: FloatArray  # \hat w_i
    price_index_change: FloatArray  # \hat P_j
    new_shares: FloatArray  # \pi'_{ij}
    new_expenditure: FloatArray  # E'_j, gross of tariffs
    new_flows: FloatArray  # X'_{ij} = \pi'_{ij} E'_j / (1 + t'_{ij})
    new_tariff_revenue: FloatArray  # R'_j
    iterations: int
    residual: float


class _Operators:
    """Precomputed matrices so each iteration costs three matrix-vector products."""

    def __init__(self, problem: HatProblem) -> None:
        self.problem = problem
        self.weights = problem.shares * problem.shock  # pi_ij * kappa_ij
        self.has_tariffs = bool(np.any(problem.new_tariff != 0.0))
        if self.has_tariffs:
            gross = 1.0 + problem.new_tariff
            self.net_weights = self.weights / gross  # reaches the exporter
            self.revenue_weights = self.weights * (problem.new_tariff / gross)  # stays with the importer
        else:
            self.net_weights = self.weights
            self.revenue_weights = np.zeros_like(self.weights)
        self.total_output = float(problem.output.sum())

    def normalise(self, x: FloatArray) -> FloatArray:
        """Shift ``x`` so that world output is unchanged: sum_i Y_i w_hat_i = sum_i Y_i."""
        x = np.clip(x, -_LOG_BOUND, _LOG_BOUND)
        y = self.problem.output
        top = float(np.max(x))
        scale = np.log(float(np.dot(y, np.exp(x - top))) / self.total_output) + top
        return x - scale

    def state(self, x: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Return (u = w_hat^-theta, P_hat^-theta, tariff share of spending, new expenditure)."""
        p = self.problem
        u = np.exp(-p.theta * x)
        price_term = u @ self.weights
        wage = np.exp(x)
        deficit = p.deficit * wage if p.multiplicative else p.deficit
        income = p.output * wage + deficit
        if self.has_tariffs:
            tariff_share = (u @ self.revenue_weights) / price_term
            expenditure = income / (1.0 - tariff_share)
        else:
            tariff_share = np.zeros_like(income)
            expenditure = income
        return u, price_term, tariff_share, expenditure

    def residual(self, x: FloatArray) -> FloatArray:
        """Log excess supply residual r_i (zero at the equilibrium)."""
        p = self.problem
        u, price_term, _, expenditure = self.state(x)
        # Additive deficits can push spending below zero far from the solution; keep the map defined.
        expenditure = np.maximum(expenditure, 1e-300)
        sales = u * (self.net_weights @ (expenditure / price_term))
        supply = p.output * np.exp(x)
        with np.errstate(divide="ignore"):
            r = np.log(sales) - np.log(supply)
        r -= np.log(sales.sum() / supply.sum())
        return np.asarray(r, dtype=np.float64)

    def step(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """One damped tâtonnement step; returns (g(x), residual at x)."""
        r = self.residual(x)
        return self.normalise(x + r / (1.0 + self.problem.theta)), r


#: Iterations without a new best residual after which Anderson acceleration is switched off.
_STAGNATION = 200


def solve_hat(
    problem: HatProblem,
    *,
    start: FloatArray | None = None,
    tolerance: float = 1e-12,
    max_iterations: int = 10_000,
    acceleration: Literal["anderson", "none"] = "anderson",
    memory: int = 6,
) -> HatSolution:
    """Solve the equilibrium in changes by an Anderson-accelerated fixed-point iteration.

    Parameters
    ----------
    problem
        The validated arrays.
    start
        Starting guess for :math:`\\hat w` (positive); ones by default.
    tolerance
        Largest admissible log market-clearing residual :math:`\\max_i |r_i|`.
    max_iterations
        Iterations before :class:`~tariffscope.errors.ConvergenceError` is raised.
    acceleration
        ``"anderson"`` (default) or ``"none"`` for the plain damped iteration of ``ge_gravity``. Anderson
        falls back to the plain iteration from its best point when it stops improving for 200 steps.
    memory
        Number of past iterates in the Anderson least-squares problem.

    Returns
    -------
    HatSolution

    Raises
    ------
    ConvergenceError
        When the residual is still above ``tolerance`` after ``max_iterations``, or the equilibrium
        implies negative spending (possible with large shocks and additive deficits).
    """
    ops = _Operators(problem)
    n = problem.size
    x = np.zeros(n) if start is None else np.log(np.asarray(start, dtype=np.float64))
    x = ops.normalise(x)

    past_x: list[FloatArray] = []
    past_f: list[FloatArray] = []
    best_x = x
    best_norm = np.inf
    norm = np.inf
    since_best = 0
    for iteration in range(1, max_iterations + 1):
        g, r = ops.step(x)
        norm = float(np.max(np.abs(r))) if np.all(np.isfinite(r)) else np.inf
        if norm < tolerance:
            return _finish(ops, x, iteration, norm)
        if not np.isfinite(norm) or norm > 10.0 * best_norm:
            # Acceleration overshot: restart from the best point with a plain step.
            past_x.clear()
            past_f.clear()
            x, _ = ops.step(best_x)
            continue
        if norm < best_norm:
            best_norm, best_x, since_best = norm, x, 0
        else:
            since_best += 1
        if acceleration == "anderson" and since_best > _STAGNATION:
            # Anderson can cycle on hard problems (large shocks with additive deficits) where the plain
            # damped map, a contraction there, still converges: fall back to it from the best point.
            acceleration = "none"
            past_x.clear()
            past_f.clear()
            x = best_x
            continue
        f = g - x
        if acceleration == "none":
            x = g
            continue
        past_x.append(x)
        past_f.append(f)
        if len(past_x) > memory + 1:
            past_x.pop(0)
            past_f.pop(0)
        if len(past_x) == 1:
            x = g
            continue
        dx = np.diff(np.stack(past_x, axis=1), axis=1)
        df = np.diff(np.stack(past_f, axis=1), axis=1)
        gamma, *_ = np.linalg.lstsq(df, f, rcond=None)
        x = ops.normalise(x + f - (dx + df) @ gamma)
    raise ConvergenceError(
        f"general-equilibrium solver did not converge in {max_iterations} iterations: largest log "
        f"market-clearing residual {norm:.3g} > tolerance {tolerance:.1g}; try a larger max_iterations, "
        "deficits='multiplicative' or a smaller shock",
        residual=norm,
        iterations=max_iterations,
    )


def _finish(ops: _Operators, x: FloatArray, iterations: int, residual: float) -> HatSolution:
    p = ops.problem
    u, price_term, _, expenditure = ops.state(x)
    if np.any(expenditure <= 0):
        bad = int(np.argmin(expenditure))
        raise ConvergenceError(
            f"the equilibrium implies negative spending for country #{bad} (its trade surplus exceeds its "
            "new income under additive deficits); use deficits='multiplicative' or a smaller shock",
            residual=residual,
            iterations=iterations,
        )
    new_shares = ops.weights * u[:, None] / price_term[None, :]
    gross = 1.0 + p.new_tariff
    spending = new_shares * expenditure[None, :]
    new_flows = spending / gross
    revenue = (spending - new_flows).sum(axis=0)
    return HatSolution(
        wage_change=np.exp(x),
        price_index_change=price_term ** (-1.0 / p.theta),
        new_shares=new_shares,
        new_expenditure=expenditure,
        new_flows=new_flows,
        new_tariff_revenue=revenue,
        iterations=iterations,
        residual=residual,
    )
