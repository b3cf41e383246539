#!/usr/bin/env python3
"""Pin every hub dataset and model a study uses to its current commit.

Run where the internet is, before the first `snakemake --profile slurm all`:
    python scripts/pin_revisions.py config/xtreme-r.yaml           # writes data.hub_revisions
    python scripts/pin_revisions.py config/xtreme-r.yaml --list    # only list the ids
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xstilts.study.config import Study, load_config  # noqa: E402
from xstilts.study.pins import hub_ids, resolve, write_pins  # noqa: E402

parser = argparse.ArgumentParser(
    description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
)
parser.add_argument("configfile")
parser.add_argument("--list", action="store_true", help="print the hub ids and stop")
args = parser.parse_args()

path = Path(args.configfile)
study = Study(load_config(path))
ids = hub_ids(study)
if args.list:
    for hub_id, kind in ids.items():
        print(f"{kind}\t{hub_id}")
    sys.exit(0)
pins = {**((study.config.get("data") or {}).get("hub_revisions") or {}), **resolve(ids)}
path.write_text(write_pins(path.read_text(), pins))
print(f"pinned {len(ids)} hub ids in {path}")
