"""The statistics job: per-example files of every trained target model -> comparison table.

Before anything is resampled, every cell's value recomputed from its per-example file must equal
the value the results table uses (`summary/scores.csv`, conventions.cell_value): the statistics'
point estimates are the table's differences, and a stale per-example file fails loudly.
"""

from __future__ import annotations

import time
from collections import defaultdict

import pandas as pd

from xstilts.io import atomic_path, sha256_file, write_json
from xstilts.reporting import conventions, examples, settings, stats

TOLERANCE = 1e-6  # score points: values are sums of the same floats in another order
SCHEME = (
    "paired bootstrap over seeds and test examples: each resample draws the study's seeds with "
    "replacement and, independently, each (task, language)'s test examples with replacement "
    "(within each retrieval direction); the same draws for every recipe and comparison; each "
    "cell's metric recomputed on the drawn examples (seqeval F1 from resampled chunk counts)"
)

# comparisons.csv's columns, in order (stats.compare's, then annotate's)
COLUMNS = [
    "model", "recipe", "versus", "recipe_kind", "versus_kind", "level", "name", "language",
    "delta", "ci_low", "ci_high", "se", "p_value", "p_bootstrap", "mde", "p_adjusted",
    "significant", "non_zero_shot", "n_examples", "seeds",
]  # fmt: skip


class StatisticsError(ValueError):
    pass


def package_versions() -> dict[str, str]:
    """Versions of the libraries the statistics and figures rest on (beside provenance's)."""
    from importlib import metadata

    return {
        name: metadata.version(name) for name in ("numpy", "scipy", "statsmodels", "matplotlib")
    }


def _score_index(scores: pd.DataFrame) -> dict[tuple, float]:
    keys = zip(
        scores["model"],
        scores["recipe"],
        scores["task"],
        scores["seed"].astype(int),
        scores["language"],
        strict=True,
    )
    return dict(zip(keys, scores["score"].astype(float), strict=True))


def load_task(study, task: str, files: list[str], table: dict[tuple, float]):
    """{language: LanguageData} of one target task, each cell checked against the table."""
    spec = study.tasks[task]
    rule = conventions.qa_score_rule(study.config)
    columns = examples.columns_needed(spec)
    out: dict[str, stats.LanguageData] = {}
    digests: dict[str, tuple[str, str]] = {}
    for path in files:
        frame, meta = examples.read_cell_examples(path, columns)
        cell = meta["cell"]
        if cell["task"] != task:
            raise StatisticsError(f"{path}: holds {cell['task']}, expected {task}")
        if meta["metric"] != spec.metric or meta["primary"] != spec.primary:
            raise StatisticsError(
                f"{path}: made for metric {meta['metric']}/{meta['primary']}, the study scores "
                f"{task} with {spec.metric}/{spec.primary}; delete it and rerun the workflow"
            )
        key = (cell["model"], cell["recipe"], int(cell["seed"]))
        for lang, rows in frame.groupby("language", sort=False):
            digest = meta["ids_digest"][lang]
            first = digests.setdefault(lang, (digest, path))
            if first[0] != digest:
                raise StatisticsError(
                    f"{task}/{lang}: {path} and {first[1]} hold different test examples; the "
                    "older one is stale: delete it and rerun the workflow"
                )
            matrix, reducer, strata = examples.sufficient_statistics(rows, spec, rule)
            value = float(examples.reduce(matrix.sum(axis=0), reducer))
            expected = table.get((*key[:2], task, key[2], lang))
            if expected is None:
                raise StatisticsError(f"{path}: {task}/{lang} has no row in the scores table")
            if abs(value - expected) > TOLERANCE:
                raise StatisticsError(
                    f"{path}: {task}/{lang} is {value!r} from its per-example values but "
                    f"{expected!r} in the results table (summary/scores.csv): one of them is "
                    f"stale. Delete {path} and run again with --forcerun aggregate (the table is "
                    "rebuilt from the score files, the per-example file from the predictions)"
                )
            data = out.setdefault(lang, stats.LanguageData(task, lang, reducer, strata))
            data.cells[key] = matrix
    return out


def non_zero_shot(scores: pd.DataFrame) -> set[tuple[str, str, str]]:
    """(model, recipe, task) whose cells are not zero-shot (translate-train, in-language)."""
    marked = scores[scores["setting"] != "zero-shot"]
    return set(zip(marked["model"], marked["recipe"], marked["task"], strict=True))


def annotate(frame: pd.DataFrame, study, scores: pd.DataFrame, sizes: dict) -> pd.DataFrame:
    """Recipe kinds, example counts, seeds and the non-zero-shot flag of every row."""
    flagged = non_zero_shot(scores)
    groups = conventions.categories(study)

    def tasks_of(row) -> list[str]:
        if row["level"] in ("language", "task"):
            return [row["name"]]
        return groups[row["name"]] if row["level"] == "category" else list(study.targets)

    def flag(row) -> bool:
        return any(
            (row["model"], r, t) in flagged
            for t in tasks_of(row)
            for r in (row["recipe"], row["versus"])
        )

    def count(row) -> int:
        if row["level"] == "language":
            return sizes[(row["name"], row["language"])]
        return sum(n for (t, _), n in sizes.items() if t in tasks_of(row))

    frame = frame.copy()
    frame.insert(3, "recipe_kind", frame["recipe"].map(study.recipe_kind))
    frame.insert(4, "versus_kind", frame["versus"].map(study.recipe_kind))
    frame["non_zero_shot"] = frame.apply(flag, axis=1)
    frame["n_examples"] = frame.apply(count, axis=1)
    frame["seeds"] = len(study.seeds)
    return frame


def build_statistics(study, examples_files: list[str], scores_csv: str, outputs: dict) -> dict:
    """Write `outputs["comparisons"]` (CSV, one row per comparison and level) and
    `outputs["summary"]` (JSON: settings, scheme, what produced it); returns the summary."""
    from xstilts.provenance import environment

    started = time.perf_counter()
    config = settings.statistics_settings(study.config)
    scores = pd.read_csv(scores_csv, keep_default_na=False, na_values=[""])
    table = _score_index(scores)
    by_task: dict[str, list[str]] = defaultdict(list)
    for path in examples_files:
        # Paths are .../{task}/seed{seed}/examples.parquet (xstilts.paths)
        by_task[path.replace("\\", "/").split("/")[-3]].append(path)
    seeds = list(study.seeds)
    seed_draws = stats.seed_counts(len(seeds), config["resamples"], config["seed"])
    resampled, sizes = {}, {}
    for task in study.targets:
        if task not in by_task:
            raise StatisticsError(f"no per-example files of target {task}")
        with stats.one_blas_thread():
            for lang, data in load_task(study, task, by_task[task], table).items():
                resampled[(task, lang)] = stats.resample_language(
                    data, seeds, seed_draws, config["seed"]
                )
                sizes[(task, lang)] = sum(data.strata)
    pairs = settings.comparisons(study)
    if len(study.recipes) > 1:
        frame = stats.compare(
            resampled, pairs, study.targets, conventions.categories(study), config
        )
        if frame.empty:
            raise StatisticsError("no comparison could be made: check aggregate.comparisons")
        frame = annotate(frame, study, scores, sizes)
    else:  # one recipe (a baseline-only study): the tables stand, there is nothing to compare
        frame = pd.DataFrame(columns=COLUMNS)
    with atomic_path(outputs["comparisons"]) as tmp:
        frame.to_csv(tmp, index=False, float_format="%.6f")
    summary = {
        "scheme": SCHEME,
        "resamples": config["resamples"],
        "resampler_seed": config["seed"],
        "confidence": config["confidence"],
        "interval": "percentile",
        "test": "two-sided, with the bootstrap standard error: p = 2 (1 - Phi(|D| / SE)); "
        "p_bootstrap beside it: the share of resampled differences shifted to the null, "
        "(1 + #{b: |D_b - D| >= |D|}) / (B + 1), which cannot go below 1 / (B + 1)",
        "correction": config["correction"],
        "correction_name": settings.CORRECTIONS[config["correction"]],
        "families": "one per level (language, task, category, average), across every model "
        "and comparison",
        "power": config["power"],
        "mde": "(z_{1-a/2} + z_{power}) * SE, SE = standard deviation of the resampled "
        "differences, a = 1 - confidence (uncorrected)",
        "seeds": seeds,
        "comparisons": [list(p) for p in pairs],
        "main_comparison": list(settings.main_comparison(study) or []),
        "qa_score": conventions.qa_score_rule(study.config),
        "categories": conventions.categories(study),
        "cells": int(sum(len(v) for v in resampled.values()) * len(seeds)),
        "language_pairs": len(resampled),
        "seconds": round(time.perf_counter() - started, 2),
        "provenance": {
            "study": study.config["study"],
            "config_hash": study.hash,
            "scores_sha256": sha256_file(scores_csv),
            "examples_files": len(examples_files),
            "environment": environment(device=False),
            "statistics_packages": package_versions(),
        },
    }
    write_json(outputs["summary"], summary)
    return summary
