#!/usr/bin/env python3
"""Serial against parallel: the same study with `--cores 1` (every job in the Snakemake process,
one at a time) and with `--cores N` (jobs in N worker processes, xstilts/workers.py), each from an
empty folder. Prints both wall times and compares what they wrote: every trained weight file,
every prediction file and every score must be identical.

    PYTHONPATH=$PWD .venv/bin/python bench/parallel.py [--configfile config/test-small.yaml] [--cores 2]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")


def run(workdir: Path, configfile: Path, cores: int) -> float:
    cmd = [SNAKEMAKE, "all", "--snakefile", str(ROOT / "Snakefile"), "--directory", str(workdir)]
    cmd += ["--configfile", str(configfile), "--cores", str(cores)]
    started = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{result.stderr[-4000:]}")
    return time.perf_counter() - started


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fingerprints(workdir: Path) -> dict[str, str]:
    """What must not depend on how jobs were scheduled: weights, predictions, score values."""
    out = {}
    for path in sorted(workdir.rglob("*")):
        rel = str(path.relative_to(workdir))
        if "/.snakemake" in f"/{rel}" or not path.is_file():
            continue
        if path.name in ("model.safetensors", "heads.pt") or path.suffix == ".jsonl":
            out[rel] = digest(path)
        elif "/scores/" in rel and path.suffix == ".json":
            record = json.loads(path.read_text())
            out[rel] = json.dumps([record["score"], record["metrics"]], sort_keys=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configfile", type=Path, default=ROOT / "config/test-small.yaml")
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        serial_dir, parallel_dir = Path(tmp) / "serial", Path(tmp) / "parallel"
        serial = run(serial_dir, args.configfile.resolve(), 1)
        parallel = run(parallel_dir, args.configfile.resolve(), args.cores)
        a, b = fingerprints(serial_dir), fingerprints(parallel_dir)
    same = [k for k in a if b.get(k) == a[k]]
    differ = sorted(set(a) ^ set(b) | {k for k in a if k in b and a[k] != b[k]})
    kinds = {
        "weight files": lambda k: k.endswith((".safetensors", ".pt")),
        "prediction files": lambda k: k.endswith(".jsonl"),
        "score files": lambda k: k.endswith(".json"),
    }
    print(f"config {args.configfile.name}")
    print(
        f"--cores 1: {serial:.1f} s   --cores {args.cores}: {parallel:.1f} s   ({serial / parallel:.2f}x)"
    )
    for kind, test in kinds.items():
        n = sum(1 for k in a if test(k))
        print(f"{kind}: {sum(1 for k in same if test(k))} of {n} identical")
    if differ:
        print("DIFFERENT:\n  " + "\n  ".join(differ[:20]))
        raise SystemExit(1)


if __name__ == "__main__":
    main()
