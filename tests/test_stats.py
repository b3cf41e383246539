"""The statistics against hand-computed cases, known answers and the results table."""

import numpy as np
import pandas as pd
import pytest

from xstilts.reporting import aggregate, stats
from xstilts.reporting.examples import Reducer, reduce

SETTINGS = {"resamples": 4000, "seed": 7, "confidence": 0.95, "correction": "holm", "power": 0.8}
MEAN = Reducer("ratio", 1)


def values(column) -> np.ndarray:
    """Per-example values as a ratio matrix (value, 1)."""
    column = np.asarray(column, dtype=float)
    return np.column_stack([column, np.ones_like(column)])


def language(cells, task="t", lang="xx", reducer=MEAN, strata=None):
    n = len(next(iter(cells.values())))
    return stats.LanguageData(task, lang, reducer, strata or (n,), dict(cells))


def resample(data, seeds, settings=SETTINGS):
    draws = stats.seed_counts(len(seeds), settings["resamples"], settings["seed"])
    return stats.resample_language(data, seeds, draws, settings["seed"])


def frequencies(samples: np.ndarray) -> dict[float, float]:
    found, counts = np.unique(np.round(samples, 9), return_counts=True)
    return dict(zip(found.tolist(), (counts / len(samples)).tolist(), strict=True))


def test_weights_draw_n_examples_per_stratum():
    rng = np.random.default_rng(0)
    weights = stats.example_weights((3, 5), 200, rng)
    assert weights.shape == (200, 8)
    assert (weights[:, :3].sum(axis=1) == 3).all() and (weights[:, 3:].sum(axis=1) == 5).all()
    # every example is drawn 1 time on average
    assert weights.mean(axis=0) == pytest.approx(np.ones(8), abs=0.25)
    counts = stats.seed_counts(3, 500, 1)
    assert (counts.sum(axis=1) == 3).all()


def test_two_examples_hand_computed_distribution():
    """Deltas (100, 0) on two examples: a resample draws both twice over with replacement, so
    the mean difference is 0, 50 or 100 with probability 1/4, 1/2, 1/4."""
    data = language({("m", "a", 1): values([100, 0]), ("m", "b", 1): values([0, 0])})
    out = resample(data, [1])
    point = out[("m", "a")][0] - out[("m", "b")][0]
    deltas = out[("m", "a")][1] - out[("m", "b")][1]
    assert point == 50.0
    found = frequencies(deltas)
    assert set(found) == {0.0, 50.0, 100.0}
    assert found[0.0] == pytest.approx(0.25, abs=0.03)
    assert found[50.0] == pytest.approx(0.5, abs=0.03)
    assert found[100.0] == pytest.approx(0.25, abs=0.03)


def test_seeds_are_resampled_and_paired():
    """The recipe is 2 points better on seed 1 and equal on seed 2, on every example: only the
    seed draw matters, giving 2 (both draws seed 1), 1 or 0 with probability 1/4, 1/2, 1/4."""
    base = np.random.default_rng(3).uniform(0, 100, size=40)
    cells = {
        ("m", "a", 1): values(base + 2),
        ("m", "b", 1): values(base),
        ("m", "a", 2): values(base),
        ("m", "b", 2): values(base),
    }
    out = resample(language(cells), [1, 2])
    deltas = out[("m", "a")][1] - out[("m", "b")][1]
    assert out[("m", "a")][0] - out[("m", "b")][0] == pytest.approx(1.0)
    found = frequencies(deltas)
    assert set(found) == {0.0, 1.0, 2.0}
    assert found[1.0] == pytest.approx(0.5, abs=0.03)
    assert found[2.0] == pytest.approx(0.25, abs=0.03)


def test_f1_is_recomputed_from_resampled_counts():
    """Sentence 1: one chunk, right; sentence 2: one predicted (wrong), two gold. F1 of the
    whole = 2*1/(2+3) = 40 (not the mean of sentence F1s, 50). Resamples: both sentence 1
    -> 100, both sentence 2 -> 0, one of each -> 40."""
    counts = np.array([[1.0, 1.0, 1.0], [0.0, 1.0, 2.0]])
    assert reduce(counts.sum(axis=0), Reducer("f1")) == pytest.approx(40.0)
    data = language(
        {("m", "a", 1): counts, ("m", "b", 1): np.zeros_like(counts)}, reducer=Reducer("f1")
    )
    out = resample(data, [1])
    found = frequencies(out[("m", "a")][1])
    assert set(found) == {0.0, 40.0, 100.0}
    assert found[40.0] == pytest.approx(0.5, abs=0.03)
    assert (out[("m", "b")][1] == 0).all()  # no chunk at all scores 0, as seqeval


def test_directions_resampled_as_strata():
    """Two parts (retrieval in both directions): each resample keeps 2 + 3 examples."""
    matrix = np.array(
        [[100, 1, 0, 0], [0, 1, 0, 0], [0, 0, 100, 1], [0, 0, 100, 1], [0, 0, 0, 1]], float
    )
    reducer = Reducer("ratio", 2)
    assert reduce(matrix.sum(axis=0), reducer) == pytest.approx((50 + 200 / 3) / 2)
    data = language({("m", "a", 1): matrix}, reducer=reducer, strata=(2, 3))
    out = resample(data, [1], {**SETTINGS, "resamples": 300})
    assert np.isfinite(out[("m", "a")][1]).all()


def test_identical_predictions_give_zero_and_no_significance():
    rng = np.random.default_rng(5)
    cells = {}
    for seed in (1, 2, 3):
        same = rng.integers(0, 2, size=300) * 100
        cells[("m", "a", seed)] = values(same)
        cells[("m", "b", seed)] = values(same)
    scores = {("t", "xx"): resample(language(cells), [1, 2, 3])}
    frame = stats.compare(scores, [("a", "b")], ["t"], {}, SETTINGS)
    for _, row in frame.iterrows():
        assert row["delta"] == 0.0 and row["ci_low"] == 0.0 and row["ci_high"] == 0.0
        assert row["p_value"] == 1.0 and row["p_bootstrap"] == 1.0 and not row["significant"]


def test_planted_shift_is_detected():
    """Recipe a answers 8% more examples right (flipped from wrong), on every seed."""
    rng = np.random.default_rng(11)
    cells = {}
    for seed in (1, 2, 3):
        b = (rng.uniform(size=1000) < 0.6).astype(float) * 100
        a = b.copy()
        wrong = np.flatnonzero(a == 0)
        a[rng.choice(wrong, size=80, replace=False)] = 100
        cells[("m", "a", seed)] = values(a)
        cells[("m", "b", seed)] = values(b)
    scores = {("t", "xx"): resample(language(cells), [1, 2, 3])}
    frame = stats.compare(scores, [("a", "b")], ["t"], {}, SETTINGS)
    average = frame[frame["level"] == "average"].iloc[0]
    assert average["delta"] == pytest.approx(8.0)
    assert average["ci_low"] > 0 and average["ci_low"] < 8.0 < average["ci_high"]
    assert average["p_bootstrap"] == pytest.approx(1 / (SETTINGS["resamples"] + 1))
    assert average["p_value"] < 1e-6  # no floor at 1/(B+1)
    assert average["significant"]
    assert 0 < average["mde"] < 8.0


def test_bootstrap_p_interval_and_mde_by_hand():
    # |D_b - 1| = 0.5, 0.5, 2, 0: one resample as far from the point as the point from zero
    assert stats.bootstrap_p(1.0, np.array([0.5, 1.5, 3.0, 1.0])) == pytest.approx(2 / 5)
    low, high = stats.interval(np.arange(101, dtype=float), 0.9)
    assert (low, high) == pytest.approx((5.0, 95.0))
    # |D| = 1.96 SE: p = 0.05; D = 0 with no spread: 1; a difference with no spread: 0
    p = stats.normal_p(np.array([1.959964, -3.0, 0.0, 2.0]), np.array([1.0, 1.0, 0.0, 0.0]))
    assert p == pytest.approx([0.05, 0.0026998, 1.0, 0.0], abs=1e-6)
    assert stats.detectable_effect(1.0, 0.95, 0.8) == pytest.approx(1.959964 + 0.841621, abs=1e-5)
    assert stats.detectable_effect(0.5, 0.95, 0.5) == pytest.approx(0.5 * 1.959964, abs=1e-5)


def test_corrections_by_hand():
    p = np.array([0.01, 0.04, 0.03, 0.005])
    # Holm: sorted p times (4, 3, 2, 1), running maximum
    holm, rejected = stats.adjust(p, "holm", 0.95)
    assert holm == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert rejected.tolist() == [True, False, False, True]
    # Benjamini-Hochberg: sorted p times 4/rank, running minimum from the largest
    bh, rejected = stats.adjust(p, "bh", 0.95)
    assert bh == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert rejected.all()


def test_point_estimates_equal_the_results_table():
    """Task and average deltas of the statistics equal aggregate.compare's (mean over seeds
    of the paired table differences), for a study of two tasks, three recipes, two seeds."""
    rng = np.random.default_rng(2)
    targets = ["t1", "t2"]
    langs = {"t1": ["en", "xa", "xb"], "t2": ["xa", "xc"]}
    recipes, seeds = ["base", "r1", "r2"], [1, 2]
    resampled, rows = {}, []
    for task in targets:
        for lang in langs[task]:
            cells = {}
            reducer = Reducer("f1") if task == "t2" else MEAN
            for recipe in recipes:
                for seed in seeds:
                    if task == "t2":
                        matrix = rng.integers(0, 3, size=(30, 3)).astype(float)
                        matrix[:, 0] = np.minimum(matrix[:, 0], matrix[:, 1:].min(axis=1))
                    else:
                        matrix = values(rng.integers(0, 2, size=30) * 100)
                    cells[("m", recipe, seed)] = matrix
                    value = float(reduce(matrix.sum(axis=0), reducer))
                    rows.append(
                        {
                            "model": "m",
                            "recipe": recipe,
                            "task": task,
                            "seed": seed,
                            "language": lang,
                            "score": value,
                            "setting": "zero-shot",
                        }
                    )
            data = language(cells, task, lang, reducer)
            resampled[(task, lang)] = resample(data, seeds, {**SETTINGS, "resamples": 200})
    pairs = [("r1", "base"), ("r2", "r1")]
    categories = {"all": ["t1", "t2"]}
    frame = stats.compare(resampled, pairs, targets, categories, {**SETTINGS, "resamples": 200})
    _, wide, _ = aggregate.summarise(pd.DataFrame(rows), targets, categories)
    table = aggregate.compare(wide, pairs)
    for recipe, versus in pairs:
        mine = frame[(frame["recipe"] == recipe) & (frame["versus"] == versus)]
        theirs = table[(table["recipe"] == recipe) & (table["versus"] == versus)].set_index("task")
        for task in targets:
            row = mine[(mine["level"] == "task") & (mine["name"] == task)].iloc[0]
            assert row["delta"] == pytest.approx(theirs.loc[task, "delta_mean"], abs=1e-9)
        average = mine[mine["level"] == "average"].iloc[0]
        assert average["delta"] == pytest.approx(theirs.loc["average", "delta_mean"], abs=1e-9)
        category = mine[mine["level"] == "category"].iloc[0]
        assert category["delta"] == pytest.approx(theirs.loc["cat:all", "delta_mean"], abs=1e-9)
    # the families: every level corrected on its own
    assert set(frame["level"]) == {"language", "task", "category", "average"}
    assert frame["p_adjusted"].ge(frame["p_value"] - 1e-12).all()


def test_missing_seed_fails_loudly():
    data = language({("m", "a", 1): values([1, 2]), ("m", "a", 2): values([1, 2])})
    data.cells.pop(("m", "a", 2))
    with pytest.raises(ValueError, match="seed 2"):
        resample(data, [1, 2])


def test_a_comparison_without_its_cells_fails_loudly():
    data = language({("m", "a", 1): values([1, 2]), ("m", "b", 1): values([1, 3])})
    scores = {("t", "xx"): resample(data, [1], {**SETTINGS, "resamples": 100})}
    with pytest.raises(ValueError, match="a vs c has no per-example values for t/xx"):
        stats.compare(scores, [("a", "c")], ["t"], {}, SETTINGS)
