"""Per-example values of one trained model, from its prediction files and the normalised gold.

The statistics resample test examples, so they need each example's share of a cell's score.
One file per trained target model (`{cell}/examples.parquet`, every test language) holds, per
example, the numbers the task's metric sums over, computed by the official metric functions of
xstilts.evaluation.metrics on that example alone:

- accuracy, Tatoeba, mAP@20: `value`, the example's accuracy (0/100), hit or AP@20 (x 100);
- QA: `f1`, `exact_match` (x 100) of the question (SQuAD v1.1 or MLQA normalisation);
- tagging: `correct`, `predicted`, `gold` entity chunks of the sentence (seqeval's own chunker
  run over the whole language, as seqeval does, each chunk counted in the sentence it starts in)
  and `token_correct`, `tokens`.

Retrieval scored in both directions has one `part` per direction (the cell is the mean of the
two directions' means). `sufficient_statistics` turns a language's rows into a matrix whose
column sums give the cell's value (`reduce`), so a resample is a weighted sum.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from xstilts.evaluation import metrics
from xstilts.io import atomic_path
from xstilts.reporting import conventions

FORMAT = 1
TAGGING_COLUMNS = ("correct", "predicted", "gold", "token_correct", "tokens")
QA_COLUMNS = ("f1", "exact_match")
LINEAR_METRICS = ("accuracy", "squad", "mlqa", "map@20", "retrieval_accuracy")
TAGGING_METRICS = ("seqeval", "seqeval_pos")


class ExamplesError(ValueError):
    """A per-example file that does not fit the study (stale, or from other predictions)."""


# ----------------------------------------------------------------------------- extraction


def sentence_chunk_counts(pred_tags: list[list[str]], gold_tags: list[list[str]]) -> np.ndarray:
    """(n_sentences x 3): correct, predicted and gold entity chunks per sentence. seqeval's
    default-mode chunker runs over all sentences at once, as seqeval.metrics.f1_score does (a
    chunk may run past a sentence end there: a sentence-final UPOS 'X'); each chunk counts in
    the sentence it starts in, so the column sums are exactly seqeval's micro counts."""
    from seqeval.metrics.sequence_labeling import get_entities

    starts = np.cumsum([0] + [len(s) + 1 for s in gold_tags])  # seqeval adds an 'O' per sentence
    counts = np.zeros((len(gold_tags), 3), dtype=np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "X seems not to be NE tag" for UPOS, as metrics.py
        true = set(get_entities([list(s) for s in gold_tags]))
        pred = set(get_entities([list(s) for s in pred_tags]))
    for column, chunks in ((0, true & pred), (1, pred), (2, true)):
        if chunks:
            begins = np.array([start for _, start, _ in chunks])
            sentence = np.searchsorted(starts, begins, side="right") - 1
            np.add.at(counts[:, column], sentence, 1)
    return counts


def _xx_en_predictions(predictions: list[dict]) -> dict:
    # As scoring.compute_metrics: rows without a direction are xx-en.
    return {r["id"]: r["prediction"] for r in predictions if r.get("direction", "xx-en") == "xx-en"}


def _aligned_tags(predicted: dict, gold: dict, ids: list[str]) -> list[list[str]]:
    # Prediction files are complete (scoring.check_complete): one tag per gold word.
    return [predicted[i] for i in ids]


def _invert(gold: dict[str, list[str]]) -> dict[str, list[str]]:
    inverse: dict[str, list[str]] = {}
    for query, targets in gold.items():
        for target in targets:
            inverse.setdefault(target, []).append(query)
    return inverse


def example_columns(spec, predictions: list[dict], gold: dict, lang: str) -> dict[str, list]:
    """Per-example columns (id, part and the metric's numbers) of one language."""
    if not gold:
        raise ExamplesError(f"{spec.name}/{lang}: no gold examples")
    predicted = _xx_en_predictions(predictions)
    ids = list(gold)
    name = spec.metric
    if name == "accuracy":
        values = [metrics.accuracy([predicted.get(i)], [gold[i]])["accuracy"] for i in ids]
        return {"id": ids, "part": [""] * len(ids), "value": values}
    if name in TAGGING_METRICS:
        pred = _aligned_tags(predicted, gold, ids)
        chunks = sentence_chunk_counts(pred, [gold[i] for i in ids])
        token_correct = [
            sum(p == g for p, g in zip(ps, gold[i], strict=True))
            for ps, i in zip(pred, ids, strict=True)
        ]
        return {
            "id": ids,
            "part": [""] * len(ids),
            "correct": chunks[:, 0].tolist(),
            "predicted": chunks[:, 1].tolist(),
            "gold": chunks[:, 2].tolist(),
            "token_correct": token_correct,
            "tokens": [len(gold[i]) for i in ids],
        }
    if name in ("squad", "mlqa"):
        f1, em = [], []
        for i in ids:
            one = {i: predicted[i]} if i in predicted else {}
            score = (
                metrics.squad_scores(one, {i: gold[i]})
                if name == "squad"
                else metrics.mlqa_scores(one, {i: gold[i]}, lang)
            )
            f1.append(score["f1"])
            em.append(score["exact_match"])
        return {"id": ids, "part": [""] * len(ids), "f1": f1, "exact_match": em}
    if name in ("map@20", "retrieval_accuracy"):
        return _retrieval_columns(metrics.METRICS[name], predictions, predicted, gold)
    raise ExamplesError(f"{spec.name}: no per-example values for metric {name!r}")


def _retrieval_columns(fn, predictions: list[dict], predicted: dict, gold: dict) -> dict:
    """One part per direction scored, as scoring.compute_metrics: xx-en queries (unless only
    en-xx rows exist), en-xx queries (English sentences, gold inverted) when present."""
    reverse = {r["id"]: r["prediction"] for r in predictions if r.get("direction") == "en-xx"}
    parts = []
    if not reverse or any(r.get("direction", "xx-en") == "xx-en" for r in predictions):
        parts.append(("xx-en", predicted, gold))
    if reverse:
        parts.append(("en-xx", reverse, _invert(gold)))
    columns: dict[str, list] = {"id": [], "part": [], "value": []}
    for part, ranked, targets in parts:
        for i in targets:
            (value,) = fn([ranked.get(i, [])], [targets[i]]).values()
            columns["id"].append(i)
            columns["part"].append(part)
            columns["value"].append(value)
    return columns


def ids_digest(ids) -> str:
    """Which examples (and in which order) a language's rows are: compared across cells."""
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]


def write_cell_examples(
    spec, cell: dict, prediction_files: dict[str, str], data_root: str, out_path: str
) -> dict:
    """The per-example file of one trained model (all its test languages); returns its
    metadata (what produced it), which is also stored in the parquet file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from xstilts.data.store import verified_file
    from xstilts.evaluation.scoring import check_complete, gold_for, read_predictions
    from xstilts.provenance import environment

    frames: dict[str, list] = {}
    digests, sources = {}, {}
    for lang, path in prediction_files.items():
        gold = gold_for(spec, data_root, lang, spec.test.split)
        rows, predictions_sha256 = read_predictions(path)
        check_complete(spec, rows, gold, path)  # as the score file: complete files only
        columns = example_columns(spec, rows, gold, lang)
        order = sorted(
            range(len(columns["id"])), key=lambda k: (columns["part"][k], columns["id"][k])
        )
        for key, values in columns.items():
            frames.setdefault(key, []).extend(values[k] for k in order)
        frames.setdefault("language", []).extend([lang] * len(order))
        digests[lang] = ids_digest([f"{columns['part'][k]}\t{columns['id'][k]}" for k in order])
        sources[lang] = {
            "predictions": path,
            "predictions_sha256": predictions_sha256,
            "data_file_sha256": verified_file(data_root, lang, spec.test.split)[1],
        }
    meta = {
        "format": FORMAT,
        "cell": cell,
        "metric": spec.metric,
        "primary": spec.primary,
        "head": spec.head,
        "test_split": spec.test.split,
        "languages": list(prediction_files),
        "ids_digest": digests,
        "sources": sources,
        "produced_with": environment(device=False),
    }
    table = pa.Table.from_pydict(frames)
    table = table.replace_schema_metadata({"xstilts": json.dumps(meta, sort_keys=True)})
    with atomic_path(out_path) as tmp:
        pq.write_table(table, tmp)
    return meta


def read_cell_examples(path: str | Path, columns: list[str] | None = None):
    """(pandas frame, metadata) of a per-example file."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path, columns=columns)
        raw = pq.read_schema(path).metadata or {}
    except Exception as err:
        raise ExamplesError(
            f"{path}: cannot be read ({err}); delete it and rerun the workflow"
        ) from err
    if b"xstilts" not in raw:
        raise ExamplesError(f"{path}: no xstilts metadata; delete it and rerun the workflow")
    meta = json.loads(raw[b"xstilts"])
    if meta.get("format") != FORMAT:
        raise ExamplesError(
            f"{path}: per-example format {meta.get('format')}, expected {FORMAT}; delete it and "
            "rerun the workflow"
        )
    return table.to_pandas(), meta


# ----------------------------------------------------------------------------- cell values


@dataclass(frozen=True)
class Reducer:
    """How column sums of a statistics matrix give a cell's value: `ratio` = mean over parts of
    (sum of column 2p) / (sum of column 2p+1), times `scale`; `f1` = 100 * 2C / (P + G) from
    (correct, predicted, gold) chunk counts (0 when there are no chunks), as seqeval."""

    kind: str
    parts: int = 1
    scale: float = 1.0


def columns_needed(spec) -> list[str]:
    if spec.metric in TAGGING_METRICS:
        return ["language", "part", *TAGGING_COLUMNS]
    if conventions.is_qa(spec):
        return ["language", "part", *QA_COLUMNS]
    return ["language", "part", "value"]


def linear_weights(spec, rule: str) -> dict[str, float]:
    """The per-example value of a linear metric as weights on its columns, read off the
    conventions (conventions.cell_value decides which number enters the means): probed with
    unit inputs, then checked on a mixed input, so a non-linear rule fails here loudly."""
    keys = list(QA_COLUMNS) if conventions.is_qa(spec) else [spec.primary]
    weights = {
        key: conventions.cell_value({k: float(k == key) for k in keys}, spec, rule) for key in keys
    }
    probe = {k: 0.3 + 0.2 * n for n, k in enumerate(keys)}
    expected = sum(weights[k] * probe[k] for k in keys)
    if abs(conventions.cell_value(probe, spec, rule) - expected) > 1e-9:
        raise ExamplesError(
            f"{spec.name}: the cell value under aggregate.qa_score={rule!r} is not a per-example "
            "mean, so it cannot be resampled per example"
        )
    return {k: w for k, w in weights.items() if w != 0.0}


def sufficient_statistics(rows, spec, rule: str) -> tuple[np.ndarray, Reducer, tuple[int, ...]]:
    """(n x k matrix, reducer, strata) of one language's rows (a frame with `columns_needed`,
    sorted by part); the reducer of the matrix's column sums is the cell's value under the
    conventions. `strata`: the sizes of the consecutive blocks of rows of one part each
    (retrieval in both directions), resampled separately."""
    n = len(rows)
    if spec.metric in TAGGING_METRICS:
        if spec.primary == "token_accuracy":
            matrix = rows[["token_correct", "tokens"]].to_numpy(float)
            return matrix, Reducer("ratio", 1, 100.0), (n,)
        return rows[["correct", "predicted", "gold"]].to_numpy(float), Reducer("f1"), (n,)
    if spec.metric not in LINEAR_METRICS:
        raise ExamplesError(f"{spec.name}: no per-example statistics for metric {spec.metric!r}")
    weights = linear_weights(spec, rule)
    column = {k: k for k in QA_COLUMNS} if conventions.is_qa(spec) else {spec.primary: "value"}
    value = sum(w * rows[column[k]].to_numpy(float) for k, w in weights.items())
    part = rows["part"].to_numpy()
    names, first, sizes = np.unique(part, return_index=True, return_counts=True)
    if not np.array_equal(first, np.concatenate([[0], np.cumsum(sizes)[:-1]])):
        raise ExamplesError(f"{spec.name}: rows are not sorted by part")
    columns = []
    for name in names:
        inside = (part == name).astype(float)
        columns += [value * inside, inside]
    return np.column_stack(columns), Reducer("ratio", len(names)), tuple(int(s) for s in sizes)


def reduce(sums: np.ndarray, reducer: Reducer) -> np.ndarray:
    """Cell values from column sums (`sums[..., k]`, any leading shape)."""
    if reducer.kind == "f1":
        correct, predicted, gold = sums[..., 0], sums[..., 1], sums[..., 2]
        total = predicted + gold
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, 200.0 * correct / total, 0.0)
    if reducer.kind == "ratio":
        # Parts are resampled separately (strata), so no part's count is ever zero.
        parts = [sums[..., 2 * p] / sums[..., 2 * p + 1] for p in range(reducer.parts)]
        return reducer.scale * np.mean(parts, axis=0)
    raise ExamplesError(f"unknown reducer {reducer.kind!r}")
