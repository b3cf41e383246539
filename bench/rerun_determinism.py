"""Is a rerun of one results cell bit-identical on this machine's device (CPU, or a GPU with
`training.defaults.deterministic`)? Runs the steps of one cell of config/test-small.yaml
(data, tokenizer, pretraining, tokenisation, target training, prediction, scoring) twice from
scratch, each in its own folder, and prints what differs: the weights of each model, the
predictions, every metric. This is the question behind `xstilts.archive reproduce --tolerance`.

    python bench/rerun_determinism.py [--task toy-xnli] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xstilts import paths, steps  # noqa: E402
from xstilts.archive.capture import platform_info  # noqa: E402
from xstilts.archive.collect import model_identity  # noqa: E402
from xstilts.io import sha256_file  # noqa: E402
from xstilts.study.config import Study, load_config  # noqa: E402


def run_cell(config: dict, task: str, folder: Path) -> dict:
    """Every step one baseline cell of `task` needs, in `folder`; the cell's files."""
    os.chdir(folder)
    study = Study(config)
    res, out, model = study.resources_dir, study.results_dir, study.models[0]
    spec = study.tasks[task]
    corpus = config["models"][model]["pretrain"]["corpus"]
    for dataset, split in {(corpus, "train")} | {
        (r.dataset, r.split) for r in (spec.train, spec.dev, spec.test)
    }:
        steps.prepare_data(config, dataset, split, paths.data(res, dataset, split))
    tokenizer = paths.TOKENIZER.format(res=res, model=model)
    encoder = paths.BASE_ENCODER.format(res=res, model=model)
    steps.train_tokenizer(config, model, paths.data(res, corpus, "train"), tokenizer)
    steps.pretrain(config, model, tokenizer, paths.data(res, corpus, "train"), encoder)
    for ref in (spec.train, spec.dev, spec.test):
        feature_dir = paths.features(res, model, ref.dataset, ref.split)
        if not Path(feature_dir).is_dir():
            steps.tokenize(
                config,
                model,
                ref.dataset,
                ref.split,
                paths.data(res, ref.dataset, ref.split),
                tokenizer,
                feature_dir,
            )
    target = paths.target_model(out, model, "baseline", task, study.seeds[0])
    steps.train_target(config, model, "baseline", task, study.seeds[0], encoder, target)
    cell = {"model": model, "recipe": "baseline", "task": task, "seed": study.seeds[0]}
    langs = study.test_languages(task)
    where = (out, model, "baseline", task, cell["seed"])
    predictions_dir, scores_dir = paths.predictions_dir(*where), paths.scores_dir(*where)
    steps.predict(config, cell, target, predictions_dir)
    steps.score(
        config, cell, SimpleNamespace(model=target, predictions=predictions_dir), scores_dir
    )
    predictions = {lang: f"{predictions_dir}/{lang}.jsonl" for lang in langs}
    scores = {lang: f"{scores_dir}/{lang}.json" for lang in langs}
    return {
        "models": {"encoder": model_identity(encoder), "target": model_identity(target)},
        "predictions": {lang: sha256_file(p) for lang, p in predictions.items()},
        "scores": {lang: json.loads(Path(p).read_text()) for lang, p in scores.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--task", default="toy-xnli")
    parser.add_argument("--out", type=Path, help="write the comparison as JSON here")
    args = parser.parse_args()
    config = load_config(ROOT / "config/test-small.yaml")
    config.update(results_dir="results", resources_dir="resources")
    runs, seconds = [], []
    with tempfile.TemporaryDirectory() as scratch:
        for i in range(2):
            folder = Path(scratch) / f"run{i}"
            folder.mkdir()
            start = time.perf_counter()
            runs.append(run_cell(config, args.task, folder))
            seconds.append(round(time.perf_counter() - start, 1))
    first, second = runs
    rows = []
    for lang, record in first["scores"].items():
        other = second["scores"][lang]
        metrics = sorted(set(record["metrics"]) | set(other["metrics"]))
        diff = max(abs(record["metrics"][m] - other["metrics"][m]) for m in metrics)
        rows.append(
            {
                "language": lang,
                "score_1": record["score"],
                "score_2": other["score"],
                "max_abs_diff": diff,
                "predictions_identical": first["predictions"][lang] == second["predictions"][lang],
            }
        )
    report = {
        "platform": platform_info(),
        "device": first["scores"][next(iter(first["scores"]))]["provenance"]["trained_with"][
            "device"
        ],
        "seconds_per_run": seconds,
        "weights_identical": {
            name: first["models"][name]["weights_sha256"]
            == second["models"][name]["weights_sha256"]
            for name in first["models"]
        },
        "cells": rows,
    }
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
