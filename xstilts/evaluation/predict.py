"""Batches, inference and post-processing by head kind. Used for English dev selection during
training and for the per-language test predictions."""

from __future__ import annotations

import collections
from collections.abc import Iterator

import torch

from xstilts.runtime import IGNORE


def _pad(seqs: list[list[int]], value: int) -> torch.Tensor:
    width = max(len(s) for s in seqs)
    return torch.tensor([list(s) + [value] * (width - len(s)) for s in seqs], dtype=torch.long)


def collate(rows: dict[str, list], kind: str, pad_id: int) -> dict[str, torch.Tensor]:
    """Dynamic padding of one batch (a dict of columns)."""
    batch: dict[str, torch.Tensor] = {}
    if kind == "multiple_choice":
        width = max(len(c) for choices in rows["input_ids"] for c in choices)
        ids = [
            [list(c) + [pad_id] * (width - len(c)) for c in choices]
            for choices in rows["input_ids"]
        ]
        batch["input_ids"] = torch.tensor(ids, dtype=torch.long)
    else:
        batch["input_ids"] = _pad(rows["input_ids"], pad_id)
    batch["attention_mask"] = (batch["input_ids"] != pad_id).long()
    if "token_type_ids" in rows:  # segment ids (BERT-style pairs), padded with 0
        types = rows["token_type_ids"]
        if kind == "multiple_choice":
            types = [[list(t) + [0] * (width - len(t)) for t in choice] for choice in types]
            batch["token_type_ids"] = torch.tensor(types, dtype=torch.long)
        else:
            batch["token_type_ids"] = _pad(types, 0)
    if "positive_ids" in rows:
        batch["positive_ids"] = _pad(rows["positive_ids"], pad_id)
        batch["positive_mask"] = (batch["positive_ids"] != pad_id).long()
    if kind == "tagging" and "labels" in rows:
        batch["labels"] = _pad(rows["labels"], IGNORE)
    elif kind in ("classification", "multiple_choice") and "label" in rows:
        batch["labels"] = torch.tensor(rows["label"], dtype=torch.long)
    elif kind == "span" and "start" in rows:
        batch["start"] = torch.tensor(rows["start"], dtype=torch.long)
        batch["end"] = torch.tensor(rows["end"], dtype=torch.long)
    return batch


def eval_batches(
    input_ids: list, batch_size: int, token_type_ids: list | None = None
) -> Iterator[tuple[list[int], dict]]:
    """Length-sorted batches (less padding); yields (original indices, {"input_ids": ...}),
    with "token_type_ids" too when given."""
    order = sorted(range(len(input_ids)), key=lambda i: len(input_ids[i]))
    for i in range(0, len(order), batch_size):
        idx = order[i : i + batch_size]
        rows = {"input_ids": [input_ids[j] for j in idx]}
        if token_type_ids is not None:
            rows["token_type_ids"] = [token_type_ids[j] for j in idx]
        yield idx, rows


@torch.no_grad()
def logits_for(
    model,
    task: str,
    kind: str,
    input_ids: list,
    pad_id: int,
    batch_size: int,
    token_type_ids: list | None = None,
) -> list:
    """Model outputs per feature row, in the features' order."""
    model.eval()
    out: list = [None] * len(input_ids)
    for idx, rows in eval_batches(input_ids, batch_size, token_type_ids):
        batch = collate(rows, kind, pad_id)
        _, logits = model(task, batch)
        if kind == "span":
            start, end = logits
            for j, k in enumerate(idx):
                n = int(batch["attention_mask"][j].sum())
                out[k] = (start[j, :n].tolist(), end[j, :n].tolist())
        else:
            for j, k in enumerate(idx):
                out[k] = logits[j]
    return out


@torch.no_grad()
def embeddings(
    model, input_ids: list, pad_id: int, batch_size: int, pooling: str, layer: int
) -> torch.Tensor:
    model.eval()
    parts: dict[int, torch.Tensor] = {}
    for idx, rows in eval_batches(input_ids, batch_size):
        batch = collate(rows, "retrieval", pad_id)
        vectors = model.embed(
            batch["input_ids"], batch["attention_mask"], pooling=pooling, layer=layer
        )
        for j, k in enumerate(idx):
            parts[k] = vectors[j]
    return torch.stack([parts[k] for k in range(len(parts))]) if parts else torch.empty(0)


# --- post-processing ---------------------------------------------------------------------------


def best_span(start_logits, end_logits, offsets, context: str, n_best: int, max_answer_length: int):
    """Best valid span of one window: (score, text); text comes from the original context."""
    starts = sorted(range(len(start_logits)), key=lambda i: -start_logits[i])[:n_best]
    ends = sorted(range(len(end_logits)), key=lambda i: -end_logits[i])[:n_best]
    best = (float("-inf"), "")
    for s in starts:
        for e in ends:
            if s >= len(offsets) or e >= len(offsets) or offsets[s] is None or offsets[e] is None:
                continue
            if e < s or e - s + 1 > max_answer_length:
                continue
            score = start_logits[s] + end_logits[e]
            if score > best[0]:
                best = (score, context[offsets[s][0] : offsets[e][1]])
    return best


def qa_answers(
    features, outputs, contexts: dict[str, str], n_best: int, max_answer_length: int
) -> dict[str, str]:
    best: dict[str, tuple[float, str]] = {}
    for ex_id, offsets, (start, end) in zip(
        features["example_id"], features["offsets"], outputs, strict=True
    ):
        candidate = best_span(start, end, offsets, contexts[ex_id], n_best, max_answer_length)
        if ex_id not in best or candidate[0] > best[ex_id][0]:
            best[ex_id] = candidate
    return {ex_id: best.get(ex_id, (0, ""))[1] for ex_id in contexts}


def merge_tag_pieces(
    features, outputs, labels: list[str], n_examples: int, example_ids: list[str]
) -> dict:
    """Word-level tags per example from the split pieces (first subword of each word)."""
    words: dict[int, dict[int, str]] = collections.defaultdict(dict)
    for ex, first, ids_labels, logits in zip(
        features["example_index"], features["first_word"], features["labels"], outputs, strict=True
    ):
        positions = [i for i, lab in enumerate(ids_labels) if lab != IGNORE]
        predicted = logits.argmax(-1).tolist()
        for offset, pos in enumerate(positions):
            words[ex][first + offset] = labels[predicted[pos]]
    return {
        example_ids[ex]: [words[ex][w] for w in sorted(words[ex])]
        for ex in range(n_examples)
        if ex in words
    }


TIE_RULES = ("lowest_index", "argsort")


def rank(
    queries: torch.Tensor,
    candidates: torch.Tensor,
    candidate_ids: list[str],
    k: int = 20,
    ties: str = "lowest_index",
) -> list[list[str]]:
    """The top-k candidate ids per query by inner product, equal scores ordered as the official
    code orders them: `lowest_index` (faiss flat search, google-research/xtreme
    third_party/utils_retrieve.py and evaluate_retrieval.py: the candidate added first wins) or
    `argsort` (numpy `argsort(scores)[::-1]`, third_party/utils_lareqa.py mean_avg_prec_at_k at
    e23cf42f44512fd62ad6a890d8b6bbaabeda9957; the same numpy call, so the same order)."""
    if len(candidates) == 0:
        return [[] for _ in range(len(queries))]
    k = min(k, len(candidate_ids))
    scores = queries @ candidates.T
    if ties == "lowest_index":
        # A stable descending sort keeps candidates with equal scores in index order.
        top = torch.sort(scores, dim=-1, descending=True, stable=True).indices[:, :k].tolist()
    elif ties == "argsort":
        import numpy as np

        matrix = scores.float().cpu().numpy()
        top = [np.argsort(row)[::-1][:k].tolist() for row in matrix]
    else:
        raise ValueError(f"unknown tie rule {ties!r}; allowed: {', '.join(TIE_RULES)}")
    return [[candidate_ids[i] for i in row] for row in top]


# --- per-language predictions for a task ---------------------------------------------------------


def shared_candidates(feature_root) -> str:
    """The language folder holding a shared candidate set (Mewsli-X keeps it once, with the
    first language; the embedded data repeats it in every language): the first that has one."""
    from pathlib import Path

    found = sorted(p.parent.name for p in Path(feature_root).glob("*/candidates"))
    if not found:
        raise FileNotFoundError(f"{feature_root}: no tokenised candidate set in any language")
    return found[0]


def predict_languages(
    model,
    task: str,
    spec,
    params: dict,
    feature_root,
    data_root,
    split: str,
    languages: list[str],
    pad_id: int,
    settings: dict | None = None,
) -> dict[str, list[dict]]:
    """Prediction rows ({id, prediction[, direction]}) for each language of one split."""
    from pathlib import Path

    from xstilts.data.features import load_features
    from xstilts.data.store import read_rows

    feature_root, settings = Path(feature_root), settings or {}
    batch_size = params.get("eval_batch_size", 64)
    kind = spec.head
    results: dict[str, list[dict]] = {}
    cache: dict[str, tuple[torch.Tensor, list[str]]] = {}

    def embed(input_ids: list) -> torch.Tensor:
        pooling, layer = settings.get("pooling", spec.pooling), settings.get("layer", -1)
        return embeddings(model, input_ids, pad_id, batch_size, pooling, layer)

    def candidates(lang: str):
        if lang not in cache:
            feats = load_features(feature_root / lang, "candidates")[:]
            cache[lang] = (embed(feats["input_ids"]), list(feats["example_id"]))
        return cache[lang]

    for lang in languages:
        feats = load_features(feature_root / lang)[:]  # dict of plain lists
        if kind == "retrieval":
            queries = embed(feats["input_ids"])
            pool_langs = {
                "pooled": languages,  # LAReQA: every language's candidates
                "shared": [shared_candidates(feature_root)],  # Mewsli-X: one set, embedded once
            }.get(spec.candidates, [lang])
            pools = [candidates(p) for p in pool_langs]
            cand_vectors = torch.cat([v for v, _ in pools]) if pools else torch.empty(0)
            cand_ids = [i for _, ids in pools for i in ids]
            direction = settings.get("direction", "xx-en")
            ties = spec.extra.get("ties", "lowest_index")
            rows = []
            if direction in ("xx-en", "both"):
                ranked = rank(queries, cand_vectors, cand_ids, ties=ties)
                rows += [
                    {"id": i, "direction": "xx-en", "prediction": r}
                    for i, r in zip(feats["example_id"], ranked, strict=True)
                ]
            if direction in ("en-xx", "both"):
                ranked = rank(cand_vectors, queries, list(feats["example_id"]), ties=ties)
                rows += [
                    {"id": i, "direction": "en-xx", "prediction": r}
                    for i, r in zip(cand_ids, ranked, strict=True)
                ]
            results[lang] = rows
            continue
        outputs = logits_for(
            model, task, kind, feats["input_ids"], pad_id, batch_size, feats.get("token_type_ids")
        )
        if kind == "classification":
            results[lang] = [
                {"id": i, "prediction": spec.labels[int(o.argmax())]}
                for i, o in zip(feats["example_id"], outputs, strict=True)
            ]
        elif kind == "multiple_choice":
            results[lang] = [
                {"id": i, "prediction": int(o.argmax())}
                for i, o in zip(feats["example_id"], outputs, strict=True)
            ]
        elif kind == "tagging":
            ids = [r["id"] for r in read_rows(data_root, lang, split, ["id"])]
            merged = merge_tag_pieces(feats, outputs, list(spec.labels), len(ids), ids)
            results[lang] = [{"id": i, "prediction": merged.get(i, [])} for i in ids]
        elif kind == "span":
            contexts = {
                r["id"]: r["context"] for r in read_rows(data_root, lang, split, ["id", "context"])
            }
            answers = qa_answers(
                feats,
                outputs,
                contexts,
                params.get("n_best", 20),
                params.get("max_answer_length", 30),
            )
            results[lang] = [{"id": i, "prediction": a} for i, a in answers.items()]
        else:
            raise ValueError(f"unknown head kind {kind!r}")
    return results
