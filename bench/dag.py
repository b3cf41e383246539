#!/usr/bin/env python3
"""How long Snakemake takes to build the study's DAG: dry runs of the full study
(config/xtreme-r.yaml) and of a 4x larger variant (every stage and recipe four times under new
names, five seeds), each in a fresh process and an empty working folder, as a user would run
`snakemake -n`. Prints seconds against jobs.

    PYTHONPATH=$PWD .venv/bin/python bench/dag.py [--repeats 3] [--quiet-jobs]

`--quiet-jobs` adds `--quiet rules` (what scripts/plan.py runs); by default Snakemake prints
every job as `snakemake -n` does.
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")


def scaled_study(config: dict, copies: int, seeds: list[int]) -> dict:
    """The study with every stage and recipe `copies` times (new names, the same tasks): as
    many trainings and evaluations as `copies` studies of its shape."""
    scaled = copy.deepcopy(config)
    scaled["seeds"] = seeds
    stages, recipes = dict(config["stages"]), dict(config["recipes"])
    for k in range(2, copies + 1):
        for name, stage in config["stages"].items():
            stages[f"{name}-v{k}"] = copy.deepcopy(stage)
        for name, chain in config["recipes"].items():
            if chain:  # one baseline is enough: it has no stage to copy
                recipes[f"{name}-v{k}"] = [f"{s}-v{k}" for s in chain]
    scaled["stages"], scaled["recipes"] = stages, recipes
    return scaled


def ready_to_build(config: dict, root: Path) -> dict:
    """The study with what the pre-DAG source check asks for, faked under `root`: every hub id
    pinned (to a dummy commit: a dry run downloads nothing) and empty release files (CCG)."""
    import re

    from xstilts.data.sources import source_problems
    from xstilts.study.config import Study
    from xstilts.study.pins import hub_ids

    config = copy.deepcopy(config)
    data = config.setdefault("data", {})
    data["release_root"] = str(root / "release")
    data["hub_revisions"] = dict.fromkeys(hub_ids(Study(config)), "0" * 40)
    for _ in range(3):  # a source switched to release files then asks for its files
        problems = source_problems(Study(config))
        for problem in problems:
            release = re.search(r"\(data\.sources\.([\w-]+): \{kind: release\}", problem)
            if release:  # the study's convention needs the release files (UD's multi-word tokens)
                data.setdefault("sources", {})[release.group(1)] = {"kind": "release"}
                continue
            pattern = r"missing release file(?:\(s\))?: (\S+)|label set file (\S+) is missing"
            match = re.search(pattern, problem)
            if not match:
                raise SystemExit(f"cannot prepare the dry run: {problem}")
            path = Path(match.group(1) or match.group(2))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("A\nB\n" if match.group(2) else "")
    problems = source_problems(Study(config))
    if problems:
        raise SystemExit("cannot prepare the dry run:\n" + "\n".join(problems))
    return config


def dry_run(configfile: Path, workdir: Path, quiet_jobs: bool) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the snakemake process, jobs)."""
    cmd = [SNAKEMAKE, "all", "-n", "--snakefile", str(ROOT / "Snakefile")]
    cmd += ["--directory", str(workdir), "--configfile", str(configfile)]
    if quiet_jobs:
        cmd += ["--quiet", "rules"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{result.stderr[-3000:]}")
    match = re.search(r"^total\s+(\d+)", result.stdout + result.stderr, re.M)
    if not match:
        raise SystemExit(f"no job total in the dry run's output:\n{result.stdout[-2000:]}")
    return seconds, cpu, int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quiet-jobs", action="store_true")
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    study = yaml.safe_load((ROOT / "config/xtreme-r.yaml").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        study = ready_to_build(study, tmp)
        full, big = tmp / "study.yaml", tmp / "study-x4.yaml"
        full.write_text(yaml.safe_dump(study))
        big.write_text(
            yaml.safe_dump(scaled_study(study, args.copies, list(range(1, args.seeds + 1))))
        )
        cases = [
            ("full study (config/xtreme-r.yaml)", full),
            (f"{args.copies}x recipes, {args.seeds} seeds", big),
        ]
        print(
            f"{'dry run':<34} {'jobs':>6} {'wall s (each run)':>20} {'median':>6} "
            f"{'CPU s':>6} {'ms/job':>6}   load (1 min)"
        )
        for label, configfile in cases:
            times, cpus, jobs = [], [], None
            for r in range(args.repeats):
                workdir = tmp / f"work-{label[:4]}-{r}"
                seconds, cpu, jobs = dry_run(configfile, workdir, args.quiet_jobs)
                times.append(seconds)
                cpus.append(cpu)
            median, cpu = statistics.median(times), statistics.median(cpus)
            each = ", ".join(f"{t:.1f}" for t in times)
            print(
                f"{label:<34} {jobs:>6} {each:>20} {median:>6.1f} {cpu:>6.1f} "
                f"{1000 * median / jobs:>6.2f}   {os.getloadavg()[0]:.1f}"
            )


if __name__ == "__main__":
    main()
