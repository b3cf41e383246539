"""Per-example values reproduce the score files' values (scoring.compute_metrics and the
conventions) for every metric, and per-example files round-trip."""

import dataclasses
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from xstilts.data.store import write_manifest
from xstilts.evaluation import metrics
from xstilts.evaluation.scoring import compute_metrics
from xstilts.reporting import conventions, examples
from xstilts.study import registry

TASKS = registry.tasks()
RULES = conventions.QA_SCORE_RULES


def cell_value_from_examples(spec, predictions, gold, lang, rule):
    columns = examples.example_columns(spec, predictions, gold, lang)
    frame = pd.DataFrame(columns).sort_values(["part", "id"], kind="stable")
    matrix, reducer, _ = examples.sufficient_statistics(frame, spec, rule)
    return float(examples.reduce(matrix.sum(axis=0), reducer))


def cell_value_from_scoring(spec, predictions, gold, lang, rule):
    return conventions.cell_value(compute_metrics(spec, predictions, gold, lang), spec, rule)


def check(spec, predictions, gold, lang="xa"):
    for rule in RULES:
        mine = cell_value_from_examples(spec, predictions, gold, lang, rule)
        assert mine == pytest.approx(cell_value_from_scoring(spec, predictions, gold, lang, rule))


def test_accuracy_with_a_missing_prediction():
    spec = TASKS["toy-xnli"]
    gold = {f"q{i}": spec.labels[i % 3] for i in range(10)}
    predictions = [{"id": f"q{i}", "prediction": spec.labels[(i * 7) % 3]} for i in range(9)]
    check(spec, predictions, gold)


def test_squad_and_mlqa_per_question():
    spec = TASKS["toy-xquad"]
    gold = {"a": ["the red house"], "b": ["North Varna", "Varna"], "c": ["12"], "d": ["x y"]}
    predictions = [
        {"id": "a", "prediction": "red house"},
        {"id": "b", "prediction": "varna city"},
        {"id": "c", "prediction": "13"},
    ]
    check(spec, predictions, gold)
    mlqa = dataclasses.replace(spec, metric="mlqa")
    check(mlqa, predictions + [{"id": "d", "prediction": "x，y"}], gold, lang="zh")


def random_tags(rng, labels, length):
    return [str(rng.choice(labels)) for _ in range(length)]


def test_seqeval_chunk_counts_sum_to_seqevals_own():
    """NER (IOB2) and bare UPOS tags, including sentence-final X (a chunk seqeval runs past the
    sentence end): the per-sentence counts give seqeval's P, R and F1 exactly."""
    rng = np.random.default_rng(4)
    ner = ["O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "I-ORG"]
    pos = ["NOUN", "VERB", "X", "ADJ", "SCONJ", "CCONJ", "INTJ", "PUNCT", "DET"]
    for labels in (ner, pos):
        for _ in range(5):
            lengths = rng.integers(1, 9, size=25)
            gold = [random_tags(rng, labels, n) for n in lengths]
            pred = [random_tags(rng, labels, n) for n in lengths]
            gold[3][-1] = "X" if labels is pos else gold[3][-1]
            counts = examples.sentence_chunk_counts(pred, gold)
            c, p, g = counts.sum(axis=0)
            official = metrics.seqeval_scores(pred, gold)
            assert 100 * 2 * c / (p + g) == pytest.approx(official["f1"])
            assert (100 * c / p if p else 0.0) == pytest.approx(official["precision"])
            assert 100 * c / g == pytest.approx(official["recall"])


def test_tagging_cells():
    spec = TASKS["toy-udpos"]
    rng = np.random.default_rng(1)
    gold = {f"s{i}": random_tags(rng, list(spec.labels) + ["X"], 3 + i % 5) for i in range(20)}
    predictions = [
        {"id": f"s{i}", "prediction": random_tags(rng, list(spec.labels), 3 + i % 5)}
        for i in range(20)
    ]
    check(spec, predictions, gold)
    token_accuracy = dataclasses.replace(spec, primary="token_accuracy")
    check(token_accuracy, predictions, gold)


def test_retrieval_one_and_both_directions():
    spec = TASKS["toy-lareqa"]
    gold = {"q1": ["c1", "c2"], "q2": ["c3"], "q3": ["c1"]}
    xx_en = [
        {"id": "q1", "prediction": ["c2", "c9", "c1"]},
        {"id": "q2", "prediction": ["c9", "c3"]},
    ]
    check(spec, xx_en, gold)
    tatoeba = TASKS["toy-tatoeba"]
    gold = {"x1": ["e1"], "x2": ["e2"], "x3": ["e3"]}
    both = [
        {"id": "x1", "prediction": ["e1"], "direction": "xx-en"},
        {"id": "x2", "prediction": ["e3"], "direction": "xx-en"},
        {"id": "x3", "prediction": ["e3"], "direction": "xx-en"},
        {"id": "e1", "prediction": ["x2"], "direction": "en-xx"},
        {"id": "e2", "prediction": ["x2"], "direction": "en-xx"},
        {"id": "e3", "prediction": ["x3"], "direction": "en-xx"},
    ]
    check(tatoeba, both, gold)
    check(tatoeba, [r for r in both if r["direction"] == "en-xx"], gold)


def test_a_rule_that_is_not_a_mean_is_refused(monkeypatch):
    spec = TASKS["toy-xquad"]
    monkeypatch.setattr(
        conventions, "cell_value", lambda m, s, r: max(float(m["f1"]), float(m["exact_match"]))
    )
    with pytest.raises(examples.ExamplesError, match="not a per-example mean"):
        examples.linear_weights(spec, "mean_em_f1")


def test_cell_file_round_trip(tmp_path):
    spec = TASKS["toy-xnli"]
    data = tmp_path / "data"
    for lang in ("en", "xa"):
        (data / lang).mkdir(parents=True)
        table = pa.table({"id": [f"{lang}{i}" for i in range(4)], "label": [0, 1, 2, 0]})
        pq.write_table(table, data / lang / "test.parquet")
    write_manifest(data, "d", "classification", {"kind": "test"})
    files = {}
    for lang in ("en", "xa"):
        path = tmp_path / f"{lang}.jsonl"
        rows = [{"id": f"{lang}{i}", "prediction": spec.labels[[0, 1, 2, 1][i]]} for i in range(4)]
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        files[lang] = str(path)
    cell = {"model": "m", "recipe": "r", "task": "toy-xnli", "seed": 1}
    out = tmp_path / "examples.parquet"
    examples.write_cell_examples(spec, cell, files, str(data), str(out))
    frame, meta = examples.read_cell_examples(out)
    assert meta["cell"] == cell and meta["languages"] == ["en", "xa"]
    assert frame["value"].tolist() == [100.0, 100.0, 100.0, 0.0] * 2  # the last one is wrong
    assert set(meta["ids_digest"]) == {"en", "xa"}
    pq.write_table(pa.table({"x": [1]}), out)
    with pytest.raises(examples.ExamplesError, match="delete it"):
        examples.read_cell_examples(out)
