"""GPU hours of the training jobs from measured throughput instead of hand-written estimates.

A measurement is `bench/gpu.py`'s JSON (tokens/s of the workflow's training step per device
setting, sequence length and batch size, on the device that will run the study) or a short
calibration run of the same benchmark here. A training job's tokens are steps x batch x
gradient accumulation x max length (every sequence counted at the length it is padded or cut
to: an upper bound, length-grouped batches pad less); its hours are tokens over the tokens/s
measured for its device setting at its (length, per-step batch), or the nearest measurement
(marked approximate). Steps are the config's `max_steps`, or `max_epochs` over the training
features (their counts from the tokenised data's manifests, or `--examples dataset=N`); a job
whose steps cannot be known keeps the config's hand-written `cost:`.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path


def load_measurements(path: str | Path) -> list[dict]:
    """The runs of a bench/gpu.py JSON: variant, seq, batch, tokens_per_second."""
    report = json.loads(Path(path).read_text())
    runs = report.get("runs") if isinstance(report, dict) else None
    if not runs:
        raise ValueError(f"{path}: no 'runs' in it; expected the JSON that bench/gpu.py writes")
    for run in runs:
        missing = {"variant", "seq", "batch", "tokens_per_second"} - set(run)
        if missing:
            raise ValueError(f"{path}: a run lacks {sorted(missing)}")
    return runs


def variant_of(params: dict) -> str:
    """The benchmark variant that runs what a job's settings ask for (xstilts/model/accel.py)."""
    if params.get("precision", "fp32") == "bf16":
        if params.get("compile"):
            return "bf16-compile"
        return "bf16-deterministic" if params.get("deterministic", True) else "bf16"
    return "tf32" if params.get("tf32") else "fp32"


def tokens_per_second(runs: list[dict], variant: str, seq: int, batch: int) -> tuple[float, str]:
    """The measurement for (variant, seq, batch), else the nearest one of the variant (in log
    length and log batch); returns (tokens/s, where it came from)."""
    same = [r for r in runs if r["variant"] == variant]
    if not same:
        raise ValueError(
            f"no measurement of variant {variant!r}; measured: {sorted({r['variant'] for r in runs})}"
        )
    best = min(
        same, key=lambda r: abs(math.log(r["seq"] / seq)) + abs(math.log(r["batch"] / batch))
    )
    exact = best["seq"] == seq and best["batch"] == batch
    where = f"{variant} seq {best['seq']} batch {best['batch']}" + ("" if exact else " (nearest)")
    return float(best["tokens_per_second"]), where


def dry_run_jobs(snakefile: Path, configfile: str | None, workdir: str | None, targets) -> list:
    """(rule, wildcards) of every job Snakemake would run."""
    cmd = [str(Path(sys.executable).parent / "snakemake"), *targets, "--dry-run"]
    cmd += ["--snakefile", str(snakefile)]
    if configfile:
        cmd += ["--configfile", configfile]
    if workdir:
        cmd += ["--directory", workdir]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(result.stderr.strip() or result.stdout.strip())
    jobs, rule = [], None
    for line in result.stdout.splitlines():
        match = re.match(r"^\s*(?:local)?rule (\S+):$", line)  # group members are indented
        if match:
            rule = match.group(1)
            jobs.append((rule, {}))
        elif rule and line.strip().startswith("wildcards:"):
            pairs = line.split(":", 1)[1].split(",")
            jobs[-1][1].update(p.strip().split("=", 1) for p in pairs if "=" in p)
    return jobs


def feature_counts(resources_dir: str | Path, model: str, dataset: str, split: str) -> int | None:
    """Training features of a dataset (all languages), from its tokenised data's manifest."""
    manifest = Path(resources_dir) / "features" / model / dataset / split / "manifest.json"
    if not manifest.is_file():
        return None
    counts = json.loads(manifest.read_text()).get("counts") or {}
    return sum(c["features"] if isinstance(c, dict) else int(c) for c in counts.values())


def _steps(run_params: dict, task_batches: list[tuple[int, int | None]]) -> int | None:
    """As training.steps_for: `max_steps`, or `max_epochs` passes over every task's features;
    `task_batches` holds (batch x accumulation, features) per task."""
    epochs = run_params.get("max_epochs")
    if epochs is None:
        return run_params["max_steps"]
    if any(n is None for _, n in task_batches):
        return None
    return max(1, math.ceil(epochs * sum(math.ceil(n / b) for b, n in task_batches)))


def training_job(study, rule: str, wildcards: dict, examples: dict[str, int]) -> dict | None:
    """Steps, tokens per step and the variant/length/batch of one training job (None: not a
    training job, or its steps are unknown)."""
    if rule == "train_target":
        tasks, stage = [wildcards["task"]], None
        run_params = study.target_params(wildcards["task"])
    elif rule == "train_stage":
        stage = wildcards["chain"].split("/")[-1]
        tasks = study.stage(stage)["tasks"]
        run_params = study.stage_params(stage)
    else:
        return None
    accumulation = run_params.get("grad_accumulation", 1)
    per_task = []
    for task in tasks:
        params = study.task_params(task, stage)
        ref = study.tasks[task].train
        n = examples.get(ref.dataset)
        if n is None:
            n = feature_counts(study.resources_dir, wildcards["model"], ref.dataset, ref.split)
        per_task.append((params, n))
    steps = _steps(run_params, [(p["batch_size"] * accumulation, n) for p, n in per_task])
    if steps is None:
        return None
    # a multi-task stage: the longest, largest task's batches (an upper bound)
    seq = max(p.get("max_length", 128) for p, _ in per_task)
    batch = max(p["batch_size"] for p, _ in per_task)
    return {
        "steps": steps,
        "tokens": steps * accumulation * batch * seq,
        "seq": seq,
        "batch": batch,
        "variant": variant_of(run_params),
        "threads": run_params.get("threads", 1),
    }


def measured_estimate(study, jobs, runs: list[dict], cost: dict, examples=None) -> list[dict]:
    """Rows as plan.estimate's, with training jobs' hours from measured throughput and a
    `source` per rule: what the hours are based on."""
    from xstilts.study.plan import estimate

    examples = examples or {}
    counts: dict[str, int] = {}
    measured: dict[str, list[tuple[float, str]]] = {}
    for rule, wildcards in jobs:
        counts[rule] = counts.get(rule, 0) + 1
        job = training_job(study, rule, wildcards, examples)
        if job is None:
            continue
        rate, where = tokens_per_second(runs, job["variant"], job["seq"], job["batch"])
        measured.setdefault(rule, []).append((job["tokens"] / rate / 3600, where))
    rows = estimate(counts, cost)
    for row in rows:
        done = measured.get(row["rule"], [])
        if done and len(done) == row["jobs"]:
            row["gpu_hours"] = sum(h for h, _ in done)
            row["gpu_hours_per_job"] = row["gpu_hours"] / row["jobs"]
            row["source"] = "measured: " + "; ".join(sorted({w for _, w in done}))
        elif done:
            row["source"] = (
                f"hand-written (steps of {row['jobs'] - len(done)} of {row['jobs']} jobs unknown: "
                "tokenise the data or give --examples)"
            )
        else:
            row["source"] = "hand-written"
    return rows


def model_shape(study, model: str) -> dict:
    """bench/gpu.py's shape of a study's model: the config's architecture (models trained here)
    or the fetched encoder's config.json."""
    spec = study.config["models"][model]
    if spec["source"] == "pretrain":
        a = spec["architecture"]
        return {
            "layers": a["num_hidden_layers"],
            "hidden": a["hidden_size"],
            "heads": a["num_attention_heads"],
            "ffn": a["intermediate_size"],
            "vocab": spec["tokenizer"]["vocab_size"],
        }
    path = Path(study.resources_dir) / "models" / model / "encoder" / "config.json"
    if not path.is_file():
        raise SystemExit(
            f"--calibrate needs {model}'s architecture: fetch it first ({path} is missing), "
            "or give --throughput with bench/gpu.py's JSON"
        )
    c = json.loads(path.read_text())
    return {
        "layers": c["num_hidden_layers"],
        "hidden": c["hidden_size"],
        "heads": c["num_attention_heads"],
        "ffn": c["intermediate_size"],
        "vocab": c["vocab_size"],
    }


def calibrate(study, jobs, examples=None, steps: int = 5, warmup: int = 2) -> list[dict]:
    """Measure, on this machine's device, each (variant, length, batch) the training jobs use,
    with bench/gpu.py's training step on the study's model shape."""
    import importlib.util

    from xstilts.runtime import best_device

    bench = Path(__file__).resolve().parents[2] / "bench" / "gpu.py"
    spec = importlib.util.spec_from_file_location("xstilts_bench_gpu", bench)
    gpu = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gpu)
    needed = set()
    for rule, wildcards in jobs:
        job = training_job(study, rule, wildcards, examples or {})
        if job is not None:
            key = (wildcards["model"], job["variant"], job["seq"], job["batch"], job["threads"])
            needed.add(key)
    runs = []
    for model, variant, seq, batch, threads in sorted(needed):
        shape = model_shape(study, model)
        device = best_device()
        runs.append(gpu.run_variant(variant, shape, seq, batch, steps, warmup, device, threads))
    return runs
