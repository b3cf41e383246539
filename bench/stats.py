"""Benchmark: the paired bootstrap statistics on a synthetic study of the full XTREME-R size.

XTREME-R's ten targets in their test languages (xstilts/specs/tasks-xtreme-r.yaml: 203 task-
language pairs), 20 recipes x 3 seeds (12,180 cells), test sizes close to the real ones (below),
1,000 resamples of seeds and examples, 29 comparisons (every recipe against the baseline, nine
multilingual->English pairs). Per-example statistics are random; the work is the same as for
real ones: the resampling of every (task, language), then the comparisons and the corrections.

    PYTHONPATH=$PWD .venv/bin/python bench/stats.py [--resamples 1000] [--recipes 20] [--seeds 3]

With --files DIR, the whole statistics job instead (comparisons.build_statistics, as rule
`statistics` runs it): config/xtreme-r.yaml with two more recipes (20), per-example files of
every trained model written to DIR first (synthetic values in the real format and metrics;
without the id column, which the job does not read), then read back, checked against the
scores table, resampled and compared.
"""

from __future__ import annotations

import argparse
import platform
import resource
import time

import numpy as np

from xstilts.reporting import stats
from xstilts.reporting.examples import Reducer
from xstilts.study import registry

# Test examples per language. XNLI, XQuAD, LAReQA, Tatoeba, XCOPA: the released sizes; MLQA and
# TyDiQA-GoldP: per language as released; PAN-X: 10,000 for the first 20 languages, 1,000 for
# the others (Rahimi et al.'s splits are 10,000, 1,000 or 100); UD-POS: 500 / 1,000 / 2,000 in
# turn (UD test sets range from ~100 to ~10,000 sentences); Mewsli-X: 2,000 mentions (assumed).
SIZES = {
    "xnli": 5010,
    "xcopa": 500,
    "xquad": 1190,
    "lareqa": 1190,
    "tatoeba": 1000,
    "mewsli": 2000,
    "mlqa": {"en": 11590, "es": 5253, "de": 4517, "ar": 5335, "hi": 4918, "vi": 5495, "zh": 5137},
    "tydiqa": {
        "en": 440,
        "ar": 921,
        "bn": 113,
        "fi": 782,
        "id": 565,
        "ko": 276,
        "ru": 812,
        "sw": 499,
        "te": 669,
    },
}
TAGGING = ("udpos", "panx")


def size_of(task: str, lang: str, position: int) -> int:
    if task == "panx":
        return 10000 if position < 20 else 1000
    if task == "udpos":
        return (500, 1000, 2000)[position % 3]
    size = SIZES[task]
    return size[lang] if isinstance(size, dict) else size


def synthetic(task: str, lang: str, n: int, recipes: list[str], seeds: list[int], rng):
    tagging = task in TAGGING
    cells = {}
    for r, recipe in enumerate(recipes):
        for seed in seeds:
            if tagging:
                gold = rng.integers(0, 4, size=n)
                predicted = np.maximum(0, gold + rng.integers(-1, 2, size=n))
                correct = np.minimum(gold, predicted) * (rng.uniform(size=n) < 0.7 + 0.002 * r)
                matrix = np.column_stack([correct, predicted, gold]).astype(float)
            else:
                value = (rng.uniform(size=n) < 0.6 + 0.002 * r) * 100.0
                matrix = np.column_stack([value, np.ones(n)])
            cells[("xlmr", recipe, seed)] = matrix
    reducer = Reducer("f1") if tagging else Reducer("ratio", 1)
    return stats.LanguageData(task, lang, reducer, (n,), cells)


def write_study(study, folder, rng) -> tuple[list[str], str]:
    """Per-example files of every (recipe, task, seed) of `study` and the scores table they
    imply, under `folder`."""
    import json

    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from xstilts.reporting import conventions, examples, layout

    rule = conventions.qa_score_rule(study.config)
    files, scores = [], []
    for task in study.targets:
        spec = study.tasks[task]
        langs = study.test_languages(task)
        sizes = [size_of(task, lang, i) for i, lang in enumerate(langs)]
        for recipe in study.recipes:
            for seed in study.seeds:
                n = sum(sizes)
                columns = {"language": np.repeat(langs, sizes), "part": np.full(n, "")}
                if spec.metric in examples.TAGGING_METRICS:
                    gold = rng.integers(0, 4, size=n)
                    predicted = np.maximum(0, gold + rng.integers(-1, 2, size=n))
                    correct = np.minimum(gold, predicted) * (rng.uniform(size=n) < 0.7)
                    columns |= {
                        "correct": correct,
                        "predicted": predicted,
                        "gold": gold,
                        "token_correct": 8 * np.ones(n),
                        "tokens": 10 * np.ones(n),
                    }
                elif conventions.is_qa(spec):
                    f1 = rng.uniform(size=n) * 100
                    columns |= {"f1": f1, "exact_match": (f1 > 70) * 100.0}
                else:
                    columns["value"] = (rng.uniform(size=n) < 0.6) * 100.0
                frame = pd.DataFrame(columns)
                path = folder / layout.EXAMPLES.format(
                    out="results", model="xlmr", recipe=recipe, task=task, seed=seed
                )
                path.parent.mkdir(parents=True, exist_ok=True)
                cell = {"model": "xlmr", "recipe": recipe, "task": task, "seed": seed}
                meta = {
                    "format": examples.FORMAT,
                    "cell": cell,
                    "metric": spec.metric,
                    "primary": spec.primary,
                    "ids_digest": dict.fromkeys(langs, "synthetic"),
                }
                table = pa.Table.from_pandas(frame, preserve_index=False)
                table = table.replace_schema_metadata({"xstilts": json.dumps(meta)})
                pq.write_table(table, path)
                files.append(str(path))
                for lang, rows in frame.groupby("language", sort=False):
                    matrix, reducer, _ = examples.sufficient_statistics(rows, spec, rule)
                    value = float(examples.reduce(matrix.sum(axis=0), reducer))
                    scores.append(
                        {**cell, "language": lang, "score": value, "setting": "zero-shot"}
                    )
    scores_csv = folder / "scores.csv"
    pd.DataFrame(scores).to_csv(scores_csv, index=False)
    return files, str(scores_csv)


def run_files(args) -> None:
    """The statistics job on files (see the module's docstring)."""
    from pathlib import Path

    import yaml

    from xstilts.reporting import comparisons
    from xstilts.study.config import Study

    root = Path(__file__).resolve().parents[1]
    config = yaml.safe_load((root / "config/xtreme-r.yaml").read_text())
    config["models"] = {"xlmr": next(iter(config["models"].values()))}
    config["recipes"] |= {"sst2-mnli": ["sst2", "mnli"], "qqp-mnli": ["qqp", "mnli"]}
    config["statistics"] = {"resamples": args.resamples}
    study = Study(config)
    folder = Path(args.files)
    started = time.perf_counter()
    files, scores_csv = write_study(study, folder, np.random.default_rng(0))
    written = time.perf_counter() - started
    outputs = {
        "comparisons": str(folder / "comparisons.csv"),
        "summary": str(folder / "stats.json"),
    }
    started = time.perf_counter()
    summary = comparisons.build_statistics(study, files, scores_csv, outputs)
    job = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = sum(Path(f).stat().st_size for f in files) / 2**20
    print(
        f"machine: {platform.processor() or platform.machine()}, {platform.python_version()}, "
        f"numpy {np.__version__}"
    )
    print(
        f"study: {len(study.recipes)} recipes x {len(study.seeds)} seeds x "
        f"{summary['language_pairs']} task-language pairs = {summary['cells']} cells; "
        f"{len(files)} per-example files ({size:.0f} MiB); resamples {summary['resamples']}; "
        f"comparisons {len(summary['comparisons'])}"
    )
    print(f"statistics job (read, check against the table, resample, compare, write): {job:.1f} s")
    print(f"writing the synthetic files (not part of the job): {written:.1f} s")
    print(f"peak memory {peak:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--recipes", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--files", help="run the whole statistics job on files written here")
    args = parser.parse_args()
    if args.files:
        run_files(args)
        return
    tasks = registry.tasks()
    targets = [
        "xnli",
        "xcopa",
        "udpos",
        "panx",
        "xquad",
        "mlqa",
        "tydiqa",
        "mewsli",
        "lareqa",
        "tatoeba",
    ]
    recipes = ["baseline"] + [f"r{i:02d}" for i in range(1, args.recipes)]
    seeds = list(range(1, args.seeds + 1))
    half = (len(recipes) - 1) // 2  # r01..r09 against r10..r18: the multilingual->English pairs
    pairs = [(r, "baseline") for r in recipes[1:]] + [
        (recipes[i], recipes[i + half]) for i in range(1, half + 1)
    ]
    settings = {
        "resamples": args.resamples,
        "seed": 1,
        "confidence": 0.95,
        "correction": "holm",
        "power": 0.8,
    }
    rng = np.random.default_rng(0)
    seed_draws = stats.seed_counts(len(seeds), args.resamples, settings["seed"])
    resampled, examples, build, resample = {}, 0, 0.0, 0.0
    started = time.perf_counter()
    with stats.one_blas_thread():  # as comparisons.build_statistics
        for task in targets:
            for position, lang in enumerate(tasks[task].test.languages):
                n = size_of(task, lang, position)
                t0 = time.perf_counter()
                data = synthetic(task, lang, n, recipes, seeds, rng)
                t1 = time.perf_counter()
                resampled[(task, lang)] = stats.resample_language(
                    data, seeds, seed_draws, settings["seed"]
                )
                resample += time.perf_counter() - t1
                build += t1 - t0
                examples += n
    t0 = time.perf_counter()
    categories = {
        "classification": ["xnli", "xcopa"],
        "structured_prediction": ["udpos", "panx"],
        "question_answering": ["xquad", "mlqa", "tydiqa"],
        "retrieval": ["mewsli", "lareqa"],
        "sentence_retrieval": ["tatoeba"],
    }
    frame = stats.compare(resampled, pairs, targets, categories, settings)
    compare = time.perf_counter() - t0
    total = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"machine: {platform.processor() or platform.machine()}, {platform.python_version()}, "
        f"numpy {np.__version__}"
    )
    print(
        f"task-language pairs: {len(resampled)}; recipes {len(recipes)} x seeds {len(seeds)}: "
        f"{len(resampled) * len(recipes) * len(seeds)} cells; {examples} test examples per "
        f"recipe and seed; resamples {args.resamples}; comparisons {len(pairs)}"
    )
    print(f"resampling (every cell, every resample): {resample:.1f} s")
    print(f"comparisons + intervals + tests + corrections ({len(frame)} rows): {compare:.1f} s")
    print(f"synthetic data generation (not part of the statistics): {build:.1f} s")
    print(f"total {total:.1f} s; peak memory {peak:.0f} MiB")


if __name__ == "__main__":
    main()
