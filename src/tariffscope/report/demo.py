"""The main job on bundled data: the US-Japan case from the law to rates, scenarios and GE impacts.

``tariffscope demo`` (and ``make demo``) runs it: the duty on a Japanese car layer by layer on the dates
the law changed, the rate paths of four typical goods, Japan's trade-weighted effective rate month by
month from January 2025 beside other partners, and the ``us-japan-2025`` scenario tree (effective rate,
real GDP, trade diversion per outcome and the expectation). It writes ``report.html`` (tables and plotly
figures, self-contained, offline) and ``summary.json`` to the output folder.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path
from typing import Any

GOODS = {
    "8703230190": "Passenger car, 1.5-3.0 l (8703.23.01.90)",
    "8708305090": "Brake parts (8708.30.50.90)",
    "9503000073": "Toys, duty-free, not exempt (9503.00.00.73)",
    "7208510030": "Steel plate, chapter 72 (7208.51.00.30)",
}
CAR_DATES = ("2025-03-01", "2025-06-01", "2025-08-20", "2025-09-20", "2026-03-01")
PARTNERS = ("JPN", "DEU", "KOR", "VNM", "CHE", "IND", "BRA", "GBR")


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    out = []
    d = start
    while d <= end:
        out.append(d)
        d = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out


def run_demo(out: str | Path = "demo-output", quiet: bool = False) -> dict[str, Any]:
    """Run the demo, write ``report.html`` and ``summary.json`` into ``out``, return the summary."""
    import plotly.graph_objects as go
    from rich.console import Console
    from rich.table import Table

    from tariffscope.policy.effective import effective_rates
    from tariffscope.policy.schedule import Schedule
    from tariffscope.policy.timeline import rate_timeline

    console = Console(quiet=quiet)
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    schedule = Schedule.default()
    console.rule("[bold]tariffscope demo: US duties on goods from Japan, 2025-2026")

    # 1. The car, layer by layer.
    car_rates = [schedule.rate("8703230190", "JPN", d) for d in CAR_DATES]
    t = Table(title="Passenger car 8703.23.01.90 from Japan: the layers on each date")
    for col in ("entry date", "total", "applying layers"):
        t.add_column(col)
    for r in car_rates:
        layers = ", ".join(f"{la.heading} {100 * la.rate:.1f}%" for la in r.layers if la.applies)
        t.add_row(str(r.entry_date), f"{100 * r.total_rate:.1f}%", layers)
    console.print(t)

    # 2. Rate paths of typical goods.
    d0, d1 = dt.date(2025, 1, 1), dt.date(2026, 12, 31)
    timelines = {code: rate_timeline(schedule, code, "JPN", d0, d1) for code in GOODS}
    path_fig = go.Figure()
    for code, tl in timelines.items():
        xs, ys = [], []
        for s in tl.segments:
            xs += [s.start, s.end]
            ys += [100 * s.total_rate] * 2
        path_fig.add_scatter(x=xs, y=ys, mode="lines", name=GOODS[code])
    path_fig.update_layout(title="US duty on goods from Japan by entry date", yaxis_title="% ad valorem",
                           legend={"orientation": "h", "y": -0.2})
    t = Table(title="Change points of the rate paths (Japan)")
    t.add_column("good")
    t.add_column("path")
    for code, tl in timelines.items():
        steps = [s for i, s in enumerate(tl.segments) if i == 0 or s.total_rate != tl.segments[i - 1].total_rate]
        t.add_row(GOODS[code], " → ".join(f"{s.start:%Y-%m-%d} {100 * s.total_rate:.1f}%" for s in steps))
    console.print(t)

    # 3. Effective rates, month by month.
    months = _months(dt.date(2025, 1, 1), dt.date(2026, 6, 1))
    etr_path: dict[str, list[float]] = {p: [] for p in PARTNERS}
    for day in months:
        res = effective_rates(schedule, day, origins=list(PARTNERS))
        for row in res.rows:
            etr_path[row.origin].append(row.etr)
    etr_fig = go.Figure()
    for p, vals in etr_path.items():
        etr_fig.add_scatter(x=months, y=[100 * v for v in vals], mode="lines+markers", name=p,
                            line={"width": 4 if p == "JPN" else 1.5})
    etr_fig.update_layout(title="Effective US tariff rate by partner (GTAP sector weights), first of each month",
                          yaxis_title="% of import value")
    t = Table(title="Effective US tariff rate on imports from Japan (GTAP weights)")
    t.add_column("month")
    t.add_column("Japan", justify="right")
    t.add_column("Germany", justify="right")
    t.add_column("Vietnam", justify="right")
    for i, day in enumerate(months):
        if day.month in (1, 4, 5, 7, 9, 10) or (day.year == 2026 and day.month in (3, 5)):
            t.add_row(f"{day:%Y-%m}", f"{100 * etr_path['JPN'][i]:.1f}%", f"{100 * etr_path['DEU'][i]:.1f}%",
                      f"{100 * etr_path['VNM'][i]:.1f}%")
    console.print(t)
    jp_breakdown = effective_rates(schedule, dt.date(2025, 9, 20), origins=["JPN"], by_sector=True)

    # 4. The talks as a scenario tree: every outcome at the end of the pause, PE and GE.
    from tariffscope.scenario.run import run_scenario
    from tariffscope.scenario.tree import load_scenario

    run = run_scenario(load_scenario("us-japan-2025"))
    t = Table(title=f"US-Japan talks, outcomes at the end of the pause (entries on {run.scenario.date})")
    for col in ("outcome", "probability", "ETR Japan", "Japan real GDP", "US imports from Japan", "from Mexico",
                "from ASEAN", "US welfare"):
        t.add_column(col, justify="left" if col == "outcome" else "right")
    for b in run.branches:
        jp, us = b.ge_for("JPN"), b.ge_for("USA")
        t.add_row(b.name, f"{b.probability:.2f}", f"{100 * b.etr:.1f}%", f"{100 * jp['real_gdp_change']:+.3f}%",
                  f"{100 * b.diversion['Japan']:+.1f}%", f"{100 * b.diversion['Mexico']:+.1f}%",
                  f"{100 * b.diversion['ASEAN']:+.1f}%", f"{100 * us['welfare_change']:+.3f}%")
    exp = run.expected()
    jp_exp = next(r for r in exp["ge"] if r["country"] == "JPN")
    us_exp = next(r for r in exp["ge"] if r["country"] == "USA")
    t.add_row("expected", "1.00", f"{100 * exp['etr']:.1f}%", f"{100 * jp_exp['real_gdp_change']:+.3f}%",
              f"{100 * exp['us_imports_change']['Japan']:+.1f}%", f"{100 * exp['us_imports_change']['Mexico']:+.1f}%",
              f"{100 * exp['us_imports_change']['ASEAN']:+.1f}%", f"{100 * us_exp['welfare_change']:+.3f}%",
              style="bold")
    console.print(t)

    summary: dict[str, Any] = {
        "car": [r.to_dict() for r in car_rates],
        "timelines": {code: tl.to_dict() for code, tl in timelines.items()},
        "etr_by_month": {"months": [m.isoformat() for m in months], **etr_path},
        "etr_japan_2025_09_20": jp_breakdown.rows[0].to_dict(),
        "notes": [*jp_breakdown.notes,
                  "Scenario outcomes: GE on the 194-country data of Ignatenko et al. (2025), trade elasticity 4, "
                  "additive deficits, only US tariffs change; China's Section 301 and Canada/Mexico fentanyl "
                  "duties are not yet encoded."],
        "scenario": {"branches": [{"name": b.name, "probability": b.probability, "etr": b.etr,
                                   "japan": b.ge_for("JPN"), "usa": b.ge_for("USA"),
                                   "us_imports_change": b.diversion} for b in run.branches],
                     "expected_etr": exp["etr"], "content_hash": run.content_hash},
    }
    _write_report(out_dir, summary, car_rates, [path_fig, etr_fig, jp_breakdown.figure(), run.figure()])
    tmp = out_dir / "summary.json.part"
    tmp.write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    tmp.replace(out_dir / "summary.json")
    console.print(f"\nreport written to [bold]{out_dir / 'report.html'}[/] and {out_dir / 'summary.json'}")
    return summary


def _write_report(out_dir: Path, summary: dict[str, Any], car_rates: list[Any], figures: list[Any]) -> None:
    rows = []
    for r in car_rates:
        for la in r.layers:
            rows.append(
                f"<tr class='{'on' if la.applies else 'off'}'><td>{r.entry_date}</td><td>{la.heading}</td>"
                f"<td>{html.escape(la.authority)}</td><td>{100 * la.rate:.2f}%</td>"
                f"<td>{html.escape(la.reason)}</td></tr>"
            )
        rows.append(f"<tr class='total'><td>{r.entry_date}</td><td colspan=2>total</td>"
                    f"<td>{100 * r.total_rate:.2f}%</td><td></td></tr>")
    figs = "".join(
        f.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, f in enumerate(figures)
    )
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in summary["notes"])
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>tariffscope demo</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;font-size:13px}}tr.off{{color:#999}}tr.total{{font-weight:bold}}</style>
</head><body><h1>US duties on goods from Japan, 2025-2026</h1>
<p>Computed by tariffscope from the built-in policy timeline and the HTSUS 2025 Basic Edition.</p>
<h2>Passenger car 8703.23.01.90, layer by layer</h2>
<table><tr><th>entry date</th><th>heading</th><th>authority</th><th>rate</th><th>why</th></tr>{''.join(rows)}</table>
<h2>Rate paths and effective rates</h2>{figs}<h3>Notes</h3><ul>{notes}</ul></body></html>"""
    tmp = out_dir / "report.html.part"
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out_dir / "report.html")
