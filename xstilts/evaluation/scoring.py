"""Scores from prediction files and the normalised gold data. Stays light: no torch.

Only complete prediction files are scored: every gold id predicted exactly once (per retrieval
direction), no unknown ids, tag sequences as long as the gold sentence. Anything else is an
error naming the file and the first offending example, never a lower score that looks right.
"""

from __future__ import annotations

import json
from pathlib import Path

from xstilts.data.store import read_rows
from xstilts.evaluation import metrics
from xstilts.io import regenerate_advice

_GOLD_COLUMNS = {
    "classification": "label",
    "multiple_choice": "label",
    "tagging": "tags",
    "span": "answers",
    "retrieval": "gold",
}


class PredictionError(ValueError):
    """A prediction file that does not cover its gold data exactly."""


def gold_for(spec, data_root, lang: str, split: str) -> dict:
    """id -> gold value in the form the task's metric compares (ids must be unique)."""
    kind = spec.head
    if kind not in _GOLD_COLUMNS:
        raise ValueError(f"unknown head kind {kind!r}")
    rows = read_rows(data_root, lang, split, ["id", _GOLD_COLUMNS[kind]])
    gold: dict = {}
    for row in rows:
        if row["id"] in gold:
            raise ValueError(f"{data_root}/{lang}/{split}: gold id {row['id']!r} appears twice")
        value = row[_GOLD_COLUMNS[kind]]
        if kind == "classification":
            value = spec.labels[value]
        elif kind in ("tagging", "retrieval"):
            value = list(value)
        elif kind == "span":
            value = list(value["text"])
        gold[row["id"]] = value
    return gold


def read_predictions(path: str | Path) -> tuple[list[dict], str]:
    """(rows, sha256 of the bytes read) of a JSON-lines prediction file; a line cut short or
    not JSON names the file and line."""
    import hashlib

    data = Path(path).read_bytes()
    rows = []
    for number, line in enumerate(data.decode("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as err:
            raise PredictionError(
                f"{path}:{number}: not a JSON line ({err}). {regenerate_advice(Path(path).parent)}"
            ) from None
    return rows, hashlib.sha256(data).hexdigest()


def _inverse_ids(gold: dict) -> set:
    return {target for targets in gold.values() for target in targets}


def check_complete(spec, rows: list[dict], gold: dict, path) -> None:
    """Raise PredictionError unless the file predicts every gold example exactly once (each
    retrieval direction on its own) and no other, with tag sequences of the gold's length."""
    advice = regenerate_advice(Path(path).parent)  # the predictions folder (the output)
    directions: dict[str, list[str]] = {}
    for row in rows:
        directions.setdefault(row.get("direction", "xx-en"), []).append(row.get("id"))
    if not directions:
        raise PredictionError(f"{path}: no predictions for {len(gold)} gold examples. {advice}")
    for direction, ids in directions.items():
        # en-xx queries the other side (Tatoeba's English sentences): its gold is the inverse
        expected = _inverse_ids(gold) if direction == "en-xx" else set(gold)
        seen: set = set()
        duplicates = [i for i in ids if i in seen or seen.add(i)]
        missing = [i for i in expected if i not in seen]
        unknown = [i for i in ids if i not in expected]
        label = f" ({direction})" if spec.head == "retrieval" else ""
        for problem, found in (
            ("gold examples without a prediction", missing),
            ("predictions of ids not in the gold data", unknown),
            ("ids predicted more than once", duplicates),
        ):
            if found:
                raise PredictionError(
                    f"{path}{label}: {len(found)} {problem} (first: {found[0]!r}; "
                    f"{len(ids)} predictions, {len(expected)} gold). {advice}"
                )
    if spec.head == "tagging":
        for row in rows:
            predicted, wanted = row["prediction"], gold[row["id"]]
            if len(predicted) != len(wanted):
                raise PredictionError(
                    f"{path}: sentence {row['id']!r} has {len(predicted)} predicted tags for "
                    f"{len(wanted)} words. {advice}"
                )


def degenerate(spec, rows: list[dict], gold: dict) -> str | None:
    """Why the predictions are degenerate (one label, tag, answer or candidate for everything
    while the gold varies), else None. Such a cell is flagged, not averaged in silently."""
    predicted = [r["prediction"] for r in rows if r.get("direction", "xx-en") == "xx-en"]
    if len(predicted) < 2:
        return None
    kind = spec.head
    if kind in ("classification", "multiple_choice"):
        values = {json.dumps(p) for p in predicted}
        if len(values) == 1 and len({json.dumps(g) for g in gold.values()}) > 1:
            return f"predicts {predicted[0]!r} for all {len(predicted)} examples"
    elif kind == "tagging":
        tags = {t for p in predicted for t in p}
        if len(tags) == 1 and len({t for g in gold.values() for t in g}) > 1:
            return f"tags every word {next(iter(tags))!r}"
    elif kind == "span":
        answers = {p.strip() for p in predicted}
        if answers == {""}:
            return "answers no question (every prediction is empty)"
        if len(answers) == 1:
            return f"gives the same answer {predicted[0]!r} to every question"
    elif kind == "retrieval":
        firsts = {p[0] if p else None for p in predicted}
        if len(firsts) == 1 and len({json.dumps(sorted(g)) for g in gold.values()}) > 1:
            return f"ranks {next(iter(firsts))!r} first for every query"
    return None


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
        # check_complete has made sure every sentence has its tags (no padding here)
        pred = [predicted[i] for i in ids]
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
