#!/usr/bin/env python3
"""Print jobs per rule and estimated GPU hours for a config, before submitting anything.

.venv/bin/python scripts/plan.py [--configfile config/xtreme-r.yaml] [targets...]

The hours come from the config's hand-written `cost:` section, or, for the training jobs, from
measured throughput: `--throughput bench.json` (what bench/gpu.py wrote on the GPU that will run
the study) or `--calibrate` (a short run of that benchmark here, for the config's model shape
at the lengths and batch sizes its training jobs use). See xstilts/study/throughput.py.
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xstilts.study.config import Study, load_config  # noqa: E402
from xstilts.study.plan import dry_run_job_counts, estimate, report, submissions  # noqa: E402

parser = argparse.ArgumentParser(
    description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
)
parser.add_argument("--configfile", default=str(ROOT / "config.yaml"))
parser.add_argument("--directory", default=None, help="working directory (default: the repository)")
measured = parser.add_mutually_exclusive_group()
measured.add_argument("--throughput", type=Path, help="bench/gpu.py JSON of the target GPU")
measured.add_argument("--calibrate", action="store_true", help="measure here, briefly")
parser.add_argument(
    "--examples",
    action="append",
    default=[],
    metavar="DATASET=N",
    help="training features of a dataset not tokenised yet (for max_epochs)",
)
parser.add_argument("targets", nargs="*", default=["all"])
args = parser.parse_args()

config = load_config(args.configfile)
cost = config.get("cost") or {}
if not (args.throughput or args.calibrate):
    counts = dry_run_job_counts(ROOT / "Snakefile", args.configfile, args.directory, args.targets)
    if not counts:
        print("nothing to do")
    else:
        print(report(estimate(counts, cost), submissions(counts)))
    raise SystemExit(0)

from xstilts.study.throughput import (  # noqa: E402
    calibrate,
    dry_run_jobs,
    load_measurements,
    measured_estimate,
)

study = Study(config)
if args.directory:  # resources (tokenised data counts) relative to the working directory
    config = {**config, "resources_dir": str(Path(args.directory) / study.resources_dir)}
    study = Study(config)
jobs = dry_run_jobs(ROOT / "Snakefile", args.configfile, args.directory, args.targets)
if not jobs:
    print("nothing to do")
    raise SystemExit(0)
examples = {k: int(v) for k, v in (e.split("=", 1) for e in args.examples)}
if args.calibrate:
    runs = calibrate(study, jobs, examples)
    print(json.dumps({"calibration": runs}, indent=1)[:2000])
else:
    runs = load_measurements(args.throughput)
rows = measured_estimate(study, jobs, runs, cost, examples)
counts = {}
for rule, _ in jobs:
    counts[rule] = counts.get(rule, 0) + 1
print(report(rows, submissions(counts)))
for row in sorted(rows, key=lambda r: -r["gpu_hours"]):
    if row["source"] != "hand-written":
        print(f"  {row['rule']}: {row['source']}")
