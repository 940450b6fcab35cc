"""Running a scenario tree: rates, effective rates, partial and general equilibrium for every branch.

For each leaf of the tree (see :mod:`tariffscope.scenario.tree`) the run computes, under that leaf's
policy:

* the rate paths of the scenario's products for its origin (:func:`~tariffscope.policy.timeline.rate_timeline`);
* the origin's effective rate, month by month and on the scenario date (GTAP sector weights);
* partial equilibrium (SMART, :class:`~tariffscope.economics.pe.PEModel`) by GTAP sector x partner group
  (China, Canada, Mexico, Japan, EU, UK, other FTA partners, rest of world), on the bundled GTAP import
  weights, from the rates on ``baseline_date`` to those on ``date``;
* general equilibrium (:func:`~tariffscope.economics.world.us_tariff_equilibrium`) on the bundled
  194-country data: the US tariff on every partner moves from its effective rate on ``baseline_date`` to
  that on ``date``;

and the probability-weighted expectation of every number. A run is reproducible: its inputs, their
content hash and the package version are part of the result and of what :func:`save_run` stores.

>>> from tariffscope.scenario.tree import load_scenario
>>> run = run_scenario(load_scenario("us-japan-2025"), with_ge=False, with_pe=False)
>>> [b.name for b in run.branches]
['snapback', 'deal', 'rollback', 'escalation']
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from tariffscope.errors import InputError
from tariffscope.scenario.tree import Leaf, Scenario

GE_COLUMNS = ("country", "welfare_change", "real_gdp_change", "exports_change", "imports_change", "tariff_revenue")
PE_GROUPS = ("china", "canada", "mexico", "japan", "eu", "uk", "ftrow", "row")
#: Regions reported for trade diversion: US imports from each, change in percent (GE, new flows).
DIVERSION_REGIONS: dict[str, tuple[str, ...]] = {
    "Japan": ("JPN",),
    "Mexico": ("MEX",),
    "Canada": ("CAN",),
    "China": ("CHN",),
    "ASEAN": ("BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM"),
    "EU": ("AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN", "IRL",
           "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP", "SWE"),
    "Korea": ("KOR",),
}


@dataclass(frozen=True)
class RunOptions:
    """The model settings of a run (part of its content hash)."""

    trade_elasticity: float = 4.0
    deficits: str = "additive"
    import_demand_elasticity: float = -1.25
    substitution_elasticity: float = 1.5
    export_supply_elasticity: float = float("inf")
    with_pe: bool = True
    with_ge: bool = True

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        if not np.isfinite(d["export_supply_elasticity"]):
            d["export_supply_elasticity"] = "inf"
        return d


@dataclass(frozen=True)
class BranchResult:
    """Everything computed for one leaf of the tree."""

    name: str
    probability: float
    etr: float
    etr_baseline: float
    etr_path: tuple[tuple[dt.date, float], ...]
    products: dict[str, Any]
    pe: pd.DataFrame | None = field(default=None, compare=False)
    ge: pd.DataFrame | None = field(default=None, compare=False)
    diversion: dict[str, float] = field(default_factory=dict)
    partner_etr: dict[str, float] = field(default_factory=dict, compare=False)
    baseline_partner_etr: dict[str, float] = field(default_factory=dict, compare=False)
    pe_inputs: tuple[pd.DataFrame, pd.DataFrame] | None = field(default=None, compare=False)
    pe_group: str = "japan"

    def ge_for(self, country: str) -> dict[str, float]:
        if self.ge is None:
            raise InputError("this run has no general-equilibrium results (run with GE on)")
        row = self.ge[self.ge["country"] == country]
        if row.empty:
            raise InputError(f"no GE result for {country}")
        return {str(k): float(v) for k, v in row.iloc[0].items() if k != "country"}

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "name": self.name,
            "probability": self.probability,
            "etr": self.etr,
            "etr_baseline": self.etr_baseline,
            "etr_path": [{"date": d.isoformat(), "etr": v} for d, v in self.etr_path],
            "products": self.products,
        }
        if self.pe is not None:
            d["pe"] = _pe_summary(self.pe, self.pe_group)
        if self.ge is not None:
            d["ge"] = self.ge[list(GE_COLUMNS)].to_dict(orient="records")
            d["us_imports_change"] = self.diversion
        return d


@dataclass(frozen=True)
class ScenarioRun:
    """The result of :func:`run_scenario`: one :class:`BranchResult` per leaf and the expectation."""

    scenario: Scenario
    options: RunOptions
    branches: tuple[BranchResult, ...]
    content_hash: str
    version: str
    created: str

    @property
    def origin(self) -> str:
        return self.scenario.origin

    def branch(self, name: str) -> BranchResult:
        for b in self.branches:
            if b.name == name or b.name.split("/")[-1] == name:
                return b
        raise InputError(f"no branch '{name}' in this run; branches: {', '.join(b.name for b in self.branches)}")

    def expected(self) -> dict[str, Any]:
        """Probability-weighted expectation of the effective rate, its path, PE totals and GE results."""
        probs = np.array([b.probability for b in self.branches])
        out: dict[str, Any] = {"etr": float(np.dot(probs, [b.etr for b in self.branches]))}
        if self.branches and self.branches[0].etr_path:
            dates = [d for d, _ in self.branches[0].etr_path]
            vals = np.array([[v for _, v in b.etr_path] for b in self.branches])
            out["etr_path"] = [{"date": d.isoformat(), "etr": float(v)} for d, v in zip(dates, probs @ vals, strict=True)]
        if all(b.ge is not None for b in self.branches):
            frames = [b.ge.set_index("country")[list(GE_COLUMNS[1:])] for b in self.branches]  # type: ignore[union-attr]
            exp = sum(p * f for p, f in zip(probs, frames, strict=True))
            out["ge"] = exp.reset_index().to_dict(orient="records")  # type: ignore[union-attr]
            out["us_imports_change"] = {
                k: float(np.dot(probs, [b.diversion.get(k, 0.0) for b in self.branches]))
                for k in DIVERSION_REGIONS
            }
        if all(b.pe is not None for b in self.branches):
            totals = [_pe_summary(b.pe, b.pe_group)["us_imports_from_origin_change"]  # type: ignore[arg-type]
                      for b in self.branches]
            out["pe_us_imports_from_origin_change"] = float(np.dot(probs, totals))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.name,
            "title": self.scenario.title,
            "origin": self.origin,
            "date": self.scenario.date.isoformat(),
            "baseline_date": self.scenario.baseline_date.isoformat(),
            "options": self.options.to_dict(),
            "branches": [b.to_dict() for b in self.branches],
            "expected": self.expected(),
            "content_hash": self.content_hash,
            "version": self.version,
            "created": self.created,
        }

    def to_frame(self) -> pl.DataFrame:
        """Tidy: one row per branch with the headline numbers for the origin."""
        rows = []
        for b in self.branches:
            row: dict[str, Any] = {"branch": b.name, "probability": b.probability, "etr": b.etr,
                                   "etr_baseline": b.etr_baseline}
            if b.ge is not None:
                g = b.ge_for(self.origin)
                row.update({f"{self.origin.lower()}_{k}": v for k, v in g.items()})
                us = b.ge_for("USA")
                row.update({"usa_welfare_change": us["welfare_change"], "usa_real_gdp_change": us["real_gdp_change"]})
            rows.append(row)
        return pl.DataFrame(rows)

    def summary(self) -> str:
        lines = [f"{self.scenario.title or self.scenario.name}: origin {self.origin}, date {self.scenario.date}"]
        for b in self.branches:
            line = f"  {b.name:<14} p={b.probability:.2f}  ETR {100 * b.etr:5.1f}%"
            if b.ge is not None:
                g = b.ge_for(self.origin)
                line += f"  real GDP {100 * g['real_gdp_change']:+.3f}%  welfare {100 * g['welfare_change']:+.3f}%"
            lines.append(line)
        e = self.expected()
        lines.append(f"  {'expected':<14}        ETR {100 * e['etr']:5.1f}%")
        return "\n".join(lines)

    def figure(self) -> Any:
        """The origin's effective-rate path in every branch and the expectation (plotly)."""
        import plotly.graph_objects as go

        fig = go.Figure()
        for b in self.branches:
            fig.add_scatter(x=[d for d, _ in b.etr_path], y=[100 * v for _, v in b.etr_path], mode="lines",
                            name=f"{b.name} (p={b.probability:.2f})", line_shape="hv")
        exp = self.expected().get("etr_path", [])
        fig.add_scatter(x=[e["date"] for e in exp], y=[100 * e["etr"] for e in exp], mode="lines",
                        name="expected", line={"dash": "dash", "width": 3, "color": "black"})
        fig.update_layout(title=f"Effective US tariff rate on {self.origin}: {self.scenario.name}",
                          yaxis_title="% of import value")
        return fig


def _month_starts(start: dt.date, end: dt.date) -> list[dt.date]:
    out = []
    d = dt.date(start.year, start.month, 1)
    while d <= end:
        out.append(d)
        d = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out


def _pe_summary(frame: pd.DataFrame, group: str = "japan") -> dict[str, Any]:
    """Totals by partner group, and the change of US imports from ``group`` (the origin's GTAP group)."""
    by_group = frame.groupby("origin")[["import_value", "new_import_value", "trade_creation", "trade_diversion",
                                        "tariff_revenue_change", "consumer_surplus_change"]].sum()
    change = np.nan
    if group in by_group.index:
        values = by_group.loc[group].to_numpy(dtype=float)
        old, new = values[0], values[1]  # import_value, new_import_value
        change = new / old - 1 if old > 0 else np.nan
    out: dict[str, Any] = {
        "by_partner": by_group.reset_index().to_dict(orient="records"),
        "us_imports_from_origin_change": change,
    }
    sectors = frame[frame["origin"] == group].sort_values("trade_change")
    out["origin_by_sector"] = sectors[["product", "import_value", "trade_change", "tariff", "new_tariff"]].head(15).to_dict(
        orient="records"
    )
    return out


def _group_sector_rates(sched: Any, day: dt.date) -> pd.DataFrame:
    """Mean sector rates by GTAP partner group (members weighted equally), for PE."""
    from tariffscope.data.countries import all_countries
    from tariffscope.data.weights import partner_group
    from tariffscope.policy.effective import _sector_rates

    isos = [c.iso3 for c in all_countries() if c.iso3 != "USA"]
    rates = _sector_rates(sched, day, isos).to_pandas()
    rates["group"] = rates["origin"].map(partner_group)
    return rates.groupby(["group", "gtap_code"])["total_rate"].mean().reset_index()


def _partner_etrs(sched: Any, day: dt.date, countries: Sequence[str]) -> dict[str, float]:
    """Effective rate of every partner on ``day`` with GTAP weights of its partner group."""
    from tariffscope.data.weights import gtap_weights, partner_group
    from tariffscope.policy.effective import _sector_rates

    sectors = _sector_rates(sched, day, list(countries)).to_pandas()
    w = gtap_weights().to_pandas()
    sectors["group"] = sectors["origin"].map(partner_group)
    merged = sectors.merge(w, left_on=["group", "gtap_code"], right_on=["partner_group", "gtap_code"])
    merged["wr"] = merged["total_rate"] * merged["value"]
    agg = merged.groupby("origin")[["wr", "value"]].sum()
    return {str(k): float(v) for k, v in (agg["wr"] / agg["value"]).items()}


def run_leaf(scenario: Scenario, leaf: Leaf, options: RunOptions, base_schedule: Any = None,
             ge_start: Any = None) -> BranchResult:
    """Compute one branch (see the module docstring)."""
    from tariffscope.data.countries import all_countries
    from tariffscope.policy.effective import effective_rates
    from tariffscope.policy.schedule import Schedule
    from tariffscope.policy.timeline import rate_timeline

    base = base_schedule if base_schedule is not None else Schedule(metal_share_default="bea")
    policy = scenario.policy(leaf, base.policy)
    sched = Schedule(policy, base.hts, "bea", base.first_date)
    origin = scenario.origin
    products: dict[str, Any] = {}
    for code in scenario.products:
        tl = rate_timeline(sched, code, origin, scenario.start, scenario.end)
        products[tl.hts] = {"segments": [s.to_dict() for s in tl.segments],
                            "rate_on_date": tl.rate_on(scenario.date) if scenario.start <= scenario.date <= scenario.end else None}
    months = _month_starts(scenario.start, scenario.end)
    path = tuple((d, effective_rates(sched, d, origins=[origin]).rows[0].etr) for d in months)
    etr = effective_rates(sched, scenario.date, origins=[origin]).rows[0].etr
    etr0 = effective_rates(sched, scenario.baseline_date, origins=[origin]).rows[0].etr
    pe_frame = None
    pe_inputs = None
    if options.with_pe:
        pe_inputs = pe_tables(sched, scenario)
        pe_frame = solve_pe(pe_inputs, options, scenario.name)
    ge_frame = None
    diversion: dict[str, float] = {}
    partner_etr: dict[str, float] = {}
    base_etr: dict[str, float] = {}
    if options.with_ge:
        from tariffscope.economics.world import load_world_trade, us_tariff_equilibrium

        trade = load_world_trade()
        known = {c.iso3 for c in all_countries()}
        partners = [c for c in trade.countries if c in known and c != "USA"]
        partner_etr = _partner_etrs(sched, scenario.date, partners)
        base_etr = _partner_etrs(sched, scenario.baseline_date, partners)
        result = us_tariff_equilibrium(partner_etr, base_etr, trade=trade, trade_elasticity=options.trade_elasticity,
                                       deficits=options.deficits, label=leaf.name, start=ge_start)
        ge_frame = result.to_frame()
        diversion = us_import_changes(result.flows_frame())
    from tariffscope.data.weights import partner_group

    return BranchResult(leaf.name, leaf.probability, etr, etr0, path, products, pe_frame, ge_frame, diversion,
                        partner_etr, base_etr, pe_inputs, partner_group(origin))


def us_import_changes(flows: pd.DataFrame) -> dict[str, float]:
    """Change in US imports from each region of :data:`DIVERSION_REGIONS` (fractions), from GE flows."""
    exp_col, imp_col = "exporter", "importer"
    old_col, new_col = "baseline", "new"
    us = flows[(flows[imp_col] == "USA") & (flows[exp_col] != "USA")]
    out = {}
    for region, members in DIVERSION_REGIONS.items():
        sub = us[us[exp_col].isin(members)]
        old = float(sub[old_col].sum())
        out[region] = float(sub[new_col].sum()) / old - 1 if old > 0 else float("nan")
    rest = us[~us[exp_col].isin({m for ms in DIVERSION_REGIONS.values() for m in ms})]
    old = float(rest[old_col].sum())
    out["Others"] = float(rest[new_col].sum()) / old - 1 if old > 0 else float("nan")
    return out


def pe_tables(sched: Any, scenario: Scenario) -> tuple[pd.DataFrame, pd.DataFrame]:
    """PE inputs: imports by GTAP sector x partner group with the rates on ``baseline_date``, and the
    new rates on ``date`` (``product, origin, new_tariff``)."""
    from tariffscope.data.weights import gtap_weights

    w = gtap_weights().to_pandas()
    r0 = _group_sector_rates(sched, scenario.baseline_date).rename(columns={"total_rate": "tariff"})
    r1 = _group_sector_rates(sched, scenario.date).rename(columns={"total_rate": "new_tariff"})
    imports = w.merge(r0, left_on=["partner_group", "gtap_code"], right_on=["group", "gtap_code"])
    imports = imports[imports["value"] > 0]
    table = pd.DataFrame({"product": imports["gtap_code"], "origin": imports["partner_group"],
                          "value": imports["value"], "tariff": imports["tariff"]}).reset_index(drop=True)
    changes = r1.rename(columns={"group": "origin", "gtap_code": "product"})[["product", "origin", "new_tariff"]]
    changes = changes.merge(table[["product", "origin"]], on=["product", "origin"])
    return table, changes


def solve_pe(inputs: tuple[pd.DataFrame, pd.DataFrame], options: RunOptions, name: str = "") -> pd.DataFrame:
    """Solve the PE model on :func:`pe_tables` inputs with the elasticities of ``options``."""
    from tariffscope.economics.pe import PEModel

    table, changes = inputs
    model = PEModel(table, import_demand_elasticity=options.import_demand_elasticity,
                    substitution_elasticity=options.substitution_elasticity,
                    export_supply_elasticity=options.export_supply_elasticity)
    return model.solve(changes, name=name).to_frame()


def _hash(scenario: Scenario, options: RunOptions, leaves: Sequence[Leaf]) -> str:
    from tariffscope import __version__
    from tariffscope.policy.io import builtin_files

    h = hashlib.sha256()
    h.update(scenario.content_hash().encode())
    h.update(json.dumps(options.to_dict(), sort_keys=True).encode())
    h.update(",".join(leaf.name for leaf in leaves).encode())
    for f in builtin_files():
        h.update(f.read_bytes())
    h.update(__version__.encode())
    return h.hexdigest()[:16]


def run_scenario(
    scenario: Scenario,
    branches: Sequence[str] | None = None,
    options: RunOptions | None = None,
    progress: Any = None,
    **overrides: Any,
) -> ScenarioRun:
    """Run every leaf (or the named ``branches``) of ``scenario``; see the module docstring."""
    from tariffscope import __version__
    from tariffscope.policy.schedule import Schedule

    opts = options or RunOptions()
    if overrides:
        opts = RunOptions(**{**opts.__dict__, **overrides})
    leaves = scenario.leaves() if not branches else [scenario.leaf(b) for b in branches]
    base = Schedule(metal_share_default="bea")
    results = []
    for leaf in leaves:
        results.append(run_leaf(scenario, leaf, opts, base))
        if progress is not None:
            progress(1)
    return ScenarioRun(scenario, opts, tuple(results), _hash(scenario, opts, leaves), __version__,
                       dt.datetime.now().isoformat(timespec="seconds"))


def save_run(run: ScenarioRun, store: Any = None) -> str:
    """Store a run (headline table, full result as metadata) in the DuckDB store; returns its name."""
    from tariffscope.store.duck import Store

    s = store or Store()
    name = f"run:{run.scenario.name}:{run.content_hash}"
    meta = {"inputs": {"scenario": run.scenario.to_dict(), "options": run.options.to_dict()},
            "content_hash": run.content_hash, "version": run.version, "result": run.to_dict()}
    s.save_frame(name, run.to_frame(), kind="scenario-run", meta=meta)
    return name
