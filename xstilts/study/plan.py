"""Cost planner: jobs per rule and estimated GPU hours for a config, before anything runs.

The job counts come from Snakemake's own dry run (so they are the DAG that would run, minus
what is already done); the per-job estimates come from the config's `cost:` section, keyed by
rule name or by a rule-name prefix (`predict` covers every predict_<task> rule)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path


def dry_run_job_counts(
    snakefile: Path, configfile: str | None, workdir: str | None, targets: list[str]
) -> dict:
    cmd = [
        str(Path(sys.executable).parent / "snakemake"),
        "--dry-run",
        "--quiet",
        "rules",
        "--snakefile",
        str(snakefile),
        *targets,
    ]
    if configfile:
        cmd += ["--configfile", configfile]
    if workdir:
        cmd += ["--directory", workdir]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(result.stderr.strip() or result.stdout.strip())
    counts = {}
    in_table = False
    for line in result.stdout.splitlines():
        if line.startswith("job ") and "count" in line:
            in_table = True
            continue
        if in_table:
            match = re.match(r"^(\S+)\s+(\d+)$", line.strip())
            if match and match.group(1) != "total":
                counts[match.group(1)] = int(match.group(2))
            elif line.strip().startswith("total"):
                break
    return counts


def estimate(counts: dict[str, int], cost: dict[str, dict]) -> list[dict]:
    rows = []
    for rule, n in counts.items():
        key = rule if rule in cost else next((p for p in cost if rule.startswith(p + "_")), None)
        gpu_hours = float((cost.get(key) or {}).get("gpu_hours", 0.0)) if key else 0.0
        rows.append(
            {"rule": rule, "jobs": n, "gpu_hours_per_job": gpu_hours, "gpu_hours": n * gpu_hours}
        )
    return rows


def submissions(counts: dict[str, int]) -> int:
    """SLURM submissions: predict, score and examples of one model share a job group (one
    submission); localrules (data, model fetch, aggregate, the statistics and report rules,
    all) are not submitted."""
    local = {"prepare_data", "fetch_model", "convert_model", "aggregate", "all"}
    local |= {"statistics", "tables", "figures", "training_curves", "answer"}  # rules/report.smk
    return sum(
        n
        for rule, n in counts.items()
        if rule not in local and not rule.startswith("score_") and rule != "examples"
    )


def report(rows: list[dict], total_submissions: int) -> str:
    width = max(len(r["rule"]) for r in rows)
    lines = [f"{'rule':<{width}}  {'jobs':>6}  {'GPU h/job':>9}  {'GPU h':>9}"]
    for r in sorted(rows, key=lambda r: -r["gpu_hours"]):
        lines.append(
            f"{r['rule']:<{width}}  {r['jobs']:>6}  {r['gpu_hours_per_job']:>9.2f}  {r['gpu_hours']:>9.1f}"
        )
    lines.append(
        f"{'total':<{width}}  {sum(r['jobs'] for r in rows):>6}  {'':>9}  {sum(r['gpu_hours'] for r in rows):>9.1f}"
    )
    lines.append(
        f"SLURM submissions (evaluation groups merged, localrules excluded): {total_submissions}"
    )
    return "\n".join(lines)
