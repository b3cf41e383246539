"""Paired statistics of recipe comparisons from per-example values: differences per language,
task, category and on the average, with bootstrap intervals, a bootstrap test, a correction for
multiple comparisons and the minimum detectable effect.

Scheme (a paired two-way bootstrap over seeds and test examples, the "multi-bootstrap" of
Sellam et al. 2022): each of B resamples draws S seeds with replacement from the study's S seeds
and, independently, for every (task, language) n examples with replacement from its n test
examples (within each retrieval direction separately); the same draws serve every recipe,
model and comparison. A resample's cell value is the metric recomputed on the drawn examples
(weighted sums of per-example statistics: seqeval F1 from resampled chunk counts, not a mean of
sentence F1s); a recipe's language score is the mean of its cell values over the drawn seeds;
task, category and average are means of those, as in the table. Differences are
recipe - versus within each resample.

- Interval: percentile interval of the resampled differences (level `confidence`).
- Test: two-sided test of "no difference" with the bootstrap standard error, p = 2 (1 -
  Phi(|D| / SE)). The corrections use it: the resampled share (`p_bootstrap`, the differences
  shifted to the null, p = (1 + #{b : |D_b - D| >= |D|}) / (B + 1), Efron & Tibshirani 1993,
  sec. 16.4, written beside it) cannot go below 1 / (B + 1), so Holm over the thousands of
  language-level tests of a full study could never reject at B = 1,000.
- Correction: Holm or Benjamini-Hochberg (statsmodels) within each family; a family is one
  level (language, task, category, average) across every model and comparison.
- Minimum detectable effect: (z_{1-a/2} + z_{power}) * SE, SE the standard deviation of the
  resampled differences, a = 1 - confidence (uncorrected): the smallest true difference the test
  finds with probability `power`.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from xstilts.reporting.examples import Reducer, reduce

LEVELS = ("language", "task", "category", "average")
WEIGHT_BUDGET = 4_000_000  # entries of one block of example weights (resamples x examples)


@dataclass
class LanguageData:
    """Per-example statistics of every cell of one (task, language): `cells` maps
    (model, recipe, seed) to an (n x k) matrix whose rows are the same examples in every cell."""

    task: str
    language: str
    reducer: Reducer
    strata: tuple[int, ...]
    cells: dict[tuple[str, str, int], np.ndarray] = field(default_factory=dict)


# ----------------------------------------------------------------------------- resampling


def one_blas_thread():
    """Context for the resampling loop: the products are small, and BLAS threads that wait
    for each other on a busy machine made them 3-8x slower (bench/stats.py)."""
    return threadpool_limits(limits=1, user_api="blas")


def _stream(seed: int, *labels: str | int) -> np.random.Generator:
    """An independent random stream per purpose, so one (task, language)'s draws do not depend
    on which other tasks the study has."""
    words = [seed] + [zlib.crc32(str(label).encode()) for label in labels]
    return np.random.default_rng(np.random.SeedSequence(words))


def seed_counts(n_seeds: int, resamples: int, seed: int) -> np.ndarray:
    """(B x S): how often each seed is drawn in each resample (S draws with replacement)."""
    draws = _stream(seed, "seeds").integers(0, n_seeds, size=(resamples, n_seeds))
    return _counts(draws, n_seeds)


def _counts(draws: np.ndarray, size: int) -> np.ndarray:
    rows = draws.shape[0]
    flat = (draws + np.arange(rows)[:, None] * size).ravel()
    return np.bincount(flat, minlength=rows * size).reshape(rows, size).astype(float)


def example_weights(strata: tuple[int, ...], rows: int, rng: np.random.Generator) -> np.ndarray:
    """(rows x n): how often each example is drawn, n draws with replacement per resample,
    within each stratum (consecutive blocks of rows) separately."""
    blocks = [_counts(rng.integers(0, size, size=(rows, size)), size) for size in strata]
    return np.hstack(blocks)


def resample_language(
    data: LanguageData, seeds: list[int], seed_draws: np.ndarray, seed: int
) -> dict[tuple[str, str], tuple[float, np.ndarray]]:
    """{(model, recipe): (point, resampled)} language scores: the mean over seeds of the cell
    values, and its B resampled values (examples and seeds drawn as the module says)."""
    keys = list(data.cells)
    matrix = np.stack([data.cells[k] for k in keys], axis=1)  # n x cells x k
    n, n_cells, k = matrix.shape
    flat = matrix.reshape(n, n_cells * k)
    point = reduce(flat.sum(axis=0).reshape(n_cells, k), data.reducer)
    resamples = seed_draws.shape[0]
    values = np.empty((n_cells, resamples))
    rng = _stream(seed, "examples", data.task, data.language)
    block = max(1, WEIGHT_BUDGET // max(n, 1))
    for start in range(0, resamples, block):
        rows = min(block, resamples - start)
        sums = (example_weights(data.strata, rows, rng) @ flat).reshape(rows, n_cells, k)
        values[:, start : start + rows] = reduce(sums, data.reducer).T
    index = {key: i for i, key in enumerate(keys)}
    out = {}
    for model, recipe in dict.fromkeys((m, r) for m, r, _ in keys):
        try:
            rows_of = [index[(model, recipe, s)] for s in seeds]
        except KeyError as err:
            raise ValueError(
                f"{data.task}/{data.language}: {model}/{recipe} has no per-example values for "
                f"seed {err.args[0][2]}"
            ) from None
        mean_point = float(point[rows_of].mean())
        resampled = np.einsum("bs,sb->b", seed_draws, values[rows_of]) / len(seeds)
        out[(model, recipe)] = (mean_point, resampled)
    return out


# ----------------------------------------------------------------------------- inference


def interval(resampled: np.ndarray, confidence: float) -> tuple[float, float]:
    alpha = 1.0 - confidence
    low, high = np.quantile(resampled, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)


def bootstrap_p(point: float, resampled: np.ndarray) -> float:
    """Two-sided p of "no difference": resampled differences shifted to the null."""
    extreme = np.abs(resampled - point) >= abs(point) - 1e-12 * max(1.0, abs(point))
    return float((1 + extreme.sum()) / (len(resampled) + 1))


def normal_p(points: np.ndarray, ses: np.ndarray) -> np.ndarray:
    """Two-sided p of "no difference" from the bootstrap standard error, 2 (1 - Phi(|D|/SE));
    no spread at all: 1 for no difference, 0 for a difference."""
    from scipy.stats import norm

    points, ses = np.asarray(points, float), np.asarray(ses, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.abs(points) / ses
    p = 2 * norm.sf(z)
    return np.where(ses > 0, p, np.where(points == 0, 1.0, 0.0))


def detectable_factor(confidence: float, power: float) -> float:
    """z_{1-a/2} + z_{power}, a = 1 - confidence."""
    from scipy.stats import norm

    return float(norm.ppf(1 - (1 - confidence) / 2) + norm.ppf(power))


def detectable_effect(se: float, confidence: float, power: float) -> float:
    """(z_{1-a/2} + z_{power}) * SE: the true difference found with probability `power`."""
    return detectable_factor(confidence, power) * se


def adjust(p_values: np.ndarray, method: str, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """(adjusted p, rejected) within one family: Holm or Benjamini-Hochberg (statsmodels)."""
    from statsmodels.stats.multitest import multipletests

    if len(p_values) == 0:
        return np.array([]), np.array([], dtype=bool)
    name = {"holm": "holm", "bh": "fdr_bh"}[method]
    rejected, adjusted, _, _ = multipletests(p_values, alpha=1 - confidence, method=name)
    return adjusted, rejected


# ----------------------------------------------------------------------------- comparisons


def _row(level, name, language, point, resampled, settings) -> dict:
    low, high = interval(resampled, settings["confidence"])
    se = float(resampled.std(ddof=1))
    return {
        "level": level,
        "name": name,
        "language": language,
        "delta": point,
        "ci_low": low,
        "ci_high": high,
        "se": se,
        "p_bootstrap": bootstrap_p(point, resampled),
        "mde": settings["_factor"] * se,
    }


def compare(
    scores: dict[tuple[str, str], dict[tuple[str, str], tuple[float, np.ndarray]]],
    pairs: list[tuple[str, str]],
    targets: list[str],
    categories: dict[str, list[str]],
    settings: dict,
) -> pd.DataFrame:
    """One row per (model, comparison, level, name, language). `scores` is
    {(task, language): resample_language(...)}; the task, category and average rows are
    means of the language rows, as the table's means are."""
    settings = {**settings, "_factor": detectable_factor(settings["confidence"], settings["power"])}
    models = sorted({m for per in scores.values() for m, _ in per})
    languages: dict[str, list[str]] = {}
    for task, lang in scores:
        languages.setdefault(task, []).append(lang)
    rows = []
    for model in models:
        for recipe, versus in pairs:
            missing = {
                (task, lang)
                for (task, lang), per in scores.items()
                for r in (recipe, versus)
                if (model, r) not in per
            }
            if missing:
                raise ValueError(
                    f"{model}: {recipe} vs {versus} has no per-example values for "
                    f"{', '.join('/'.join(k) for k in sorted(missing))}"
                )
            head = {"model": model, "recipe": recipe, "versus": versus}
            by_task = {}
            for task in [t for t in targets if t in languages]:
                diffs = []
                for lang in languages[task]:
                    a, b = (
                        scores[(task, lang)][(model, recipe)],
                        scores[(task, lang)][(model, versus)],
                    )
                    diff = (a[0] - b[0], a[1] - b[1])
                    diffs.append(diff)
                    rows.append({**head, **_row("language", task, lang, *diff, settings)})
                by_task[task] = (
                    float(np.mean([d[0] for d in diffs])),
                    np.mean([d[1] for d in diffs], axis=0),
                )
                rows.append({**head, **_row("task", task, "", *by_task[task], settings)})
            for name, members in categories.items():
                if members and all(t in by_task for t in members):
                    point = float(np.mean([by_task[t][0] for t in members]))
                    resampled = np.mean([by_task[t][1] for t in members], axis=0)
                    rows.append({**head, **_row("category", name, "", point, resampled, settings)})
            if targets and all(t in by_task for t in targets):
                point = float(np.mean([by_task[t][0] for t in targets]))
                resampled = np.mean([by_task[t][1] for t in targets], axis=0)
                rows.append({**head, **_row("average", "average", "", point, resampled, settings)})
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame.insert(
        frame.columns.get_loc("p_bootstrap"), "p_value", normal_p(frame["delta"], frame["se"])
    )
    frame["p_adjusted"] = np.nan
    frame["significant"] = False
    for level in LEVELS:
        family = frame["level"] == level
        adjusted, rejected = adjust(
            frame.loc[family, "p_value"].to_numpy(), settings["correction"], settings["confidence"]
        )
        frame.loc[family, "p_adjusted"] = adjusted
        frame.loc[family, "significant"] = rejected
    return frame
