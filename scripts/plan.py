#!/usr/bin/env python3
"""Print jobs per rule and estimated GPU hours for a config, before submitting anything.

.venv/bin/python scripts/plan.py [--configfile config/xtreme-r.yaml] [targets...]
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xstilts.study.config import load_config  # noqa: E402
from xstilts.study.plan import dry_run_job_counts, estimate, report, submissions  # noqa: E402

parser = argparse.ArgumentParser(
    description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
)
parser.add_argument("--configfile", default=str(ROOT / "config.yaml"))
parser.add_argument("--directory", default=None, help="working directory (default: the repository)")
parser.add_argument("targets", nargs="*", default=["all"])
args = parser.parse_args()

config = load_config(args.configfile)
counts = dry_run_job_counts(ROOT / "Snakefile", args.configfile, args.directory, args.targets)
if not counts:
    print("nothing to do")
else:
    print(report(estimate(counts, config.get("cost") or {}), submissions(counts)))
