"""What the Prefect UI shows of a run: the intake's table of files and the cycle's summary.

Published only inside a flow run (elsewhere there is no Prefect UI to show them); the table
rows and the markdown are plain functions of the run's results.
"""

from __future__ import annotations

from cpip.orchestration.steps import in_flow_run


def intake_rows(results: list[dict]) -> list[dict]:
    """One row per file of an intake run: its partner, period, outcome, lateness, rules and receipt."""
    return [{"file": r["file"], "partner": r["partner_code"], "period": r["period"], "outcome": r["outcome"],
             "late": r["late"], "rules": " ".join(i["rule"] for i in r["issues"]), "receipt": r["receipt"]}
            for r in results]


def publish_intake(results: list[dict]) -> list[dict]:
    """A table of this run's files and outcomes (key ``intake-files``); returns the results."""
    if in_flow_run() and results:
        from prefect.artifacts import create_table_artifact

        create_table_artifact(key="intake-files", description=f"{len(results)} file(s) taken",
                              table=intake_rows(results))
    return results


def cycle_markdown(briefing: dict, outputs: dict, run_id: str) -> str:
    """The headline, coverage and data quality of a briefing, with the paths written."""
    b = briefing
    lines = [f"# Briefing for {b['period']}", "", "| kind | " + " | ".join(next(iter(b["totals"].values()), {})) + " |",
             "|---|" + "---|" * len(next(iter(b["totals"].values()), {}))]
    for kind, t in b["totals"].items():
        lines.append(f"| {kind} | " + " | ".join(str(v) for v in t.values()) + " |")
    r, m = b["returns"], b["movement"]
    lines += ["", f"**Movement:** {m['improved']} improved, {m['worsened']} worsened, {m['unchanged']} unchanged, "
                  f"{m['new']} new.",
              f"**Coverage:** {r['accepted']} of {r['expected']} accepted; late: {', '.join(r['late']) or 'none'}; "
              f"missing: {', '.join(r['missing']) or 'none'}; rejected only: {', '.join(r['rejected_only']) or 'none'}.",
              f"**Data quality:** {b['data_quality']['open_warnings']} open warnings "
              f"({', '.join(f'{k} {v}' for k, v in b['data_quality']['by_rule'].items()) or 'none'}).",
              f"**Indicators:** {b['indicators']['reporting_cpcs']} CPCs reporting.", "", "**Written:**"]
    for form in ("restricted", "publication"):
        lines += [f"- {form}: `{outputs[form]['pdf']}`, `{outputs[form]['html']}`"]
    lines += [f"- `{outputs['briefing_json']}`", f"- `{outputs['publication_json']}`", "",
              f"Run id `{run_id}`."]
    return "\n".join(lines)


def publish_cycle(briefing: dict, outputs: dict, run_id: str) -> dict:
    """The briefing's summary as markdown (key ``cycle-<period>``); returns the outputs."""
    if in_flow_run():
        from prefect.artifacts import create_markdown_artifact

        create_markdown_artifact(key=f"cycle-{briefing['period'].lower()}",
                                 markdown=cycle_markdown(briefing, outputs, run_id),
                                 description=f"Briefing for {briefing['period']}")
    return outputs
