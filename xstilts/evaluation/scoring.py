"""Scores from prediction files and the normalised gold data. Stays light: no torch."""

from __future__ import annotations

from xstilts.data.store import read_rows
from xstilts.evaluation import metrics


def gold_for(spec, data_root, lang: str, split: str) -> dict:
    """id -> gold value in the form the task's metric compares."""
    kind = spec.head
    if kind == "classification":
        return {
            r["id"]: spec.labels[r["label"]]
            for r in read_rows(data_root, lang, split, ["id", "label"])
        }
    if kind == "multiple_choice":
        return {r["id"]: r["label"] for r in read_rows(data_root, lang, split, ["id", "label"])}
    if kind == "tagging":
        return {r["id"]: list(r["tags"]) for r in read_rows(data_root, lang, split, ["id", "tags"])}
    if kind == "span":
        return {
            r["id"]: list(r["answers"]["text"])
            for r in read_rows(data_root, lang, split, ["id", "answers"])
        }
    if kind == "retrieval":
        return {r["id"]: list(r["gold"]) for r in read_rows(data_root, lang, split, ["id", "gold"])}
    raise ValueError(f"unknown head kind {kind!r}")


def _invert(gold: dict[str, list[str]]) -> dict[str, list[str]]:
    inverse: dict[str, list[str]] = {}
    for query, targets in gold.items():
        for target in targets:
            inverse.setdefault(target, []).append(query)
    return inverse


def compute_metrics(spec, predictions: list[dict], gold: dict, lang: str) -> dict:
    """Metrics for one language. A gold item without a prediction counts as wrong."""
    if not gold:
        raise ValueError(f"{spec.name}/{lang}: no gold examples")
    predicted = {}
    for row in predictions:
        if row.get("direction", "xx-en") == "xx-en":
            predicted[row["id"]] = row["prediction"]
    ids = list(gold)
    name = spec.metric
    if name == "accuracy":
        return metrics.accuracy([predicted.get(i) for i in ids], [gold[i] for i in ids])
    if name in ("seqeval", "seqeval_pos"):
        pred = [predicted.get(i) or ["O"] * len(gold[i]) for i in ids]
        pred = [
            p if len(p) == len(gold[i]) else (list(p) + ["O"] * len(gold[i]))[: len(gold[i])]
            for p, i in zip(pred, ids, strict=True)
        ]
        return metrics.seqeval_scores(
            pred, [gold[i] for i in ids], token_accuracy=name == "seqeval_pos"
        )
    if name == "squad":
        return metrics.squad_scores(predicted, gold)
    if name == "mlqa":
        return metrics.mlqa_scores(predicted, gold, lang)
    if name in ("map@20", "retrieval_accuracy"):
        fn = metrics.METRICS[name]
        reverse = {
            row["id"]: row["prediction"] for row in predictions if row.get("direction") == "en-xx"
        }
        forward = not reverse or any(r.get("direction", "xx-en") == "xx-en" for r in predictions)
        scores = fn([predicted.get(i, []) for i in ids], [gold[i] for i in ids]) if forward else {}
        if reverse:
            # en-xx: each English (candidate) sentence searches this language's sentences.
            inverse = _invert(gold)
            back = fn([reverse.get(i, []) for i in inverse], [inverse[i] for i in inverse])
            key = next(iter(back))
            both = {f"{key}_xx-en": scores[key]} if forward else {}
            scores = {**both, f"{key}_en-xx": back[key]}
            scores[key] = sum(scores.values()) / len(scores)
        return scores
    raise ValueError(f"unknown metric {name!r}")
