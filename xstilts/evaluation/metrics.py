"""Evaluation metrics, reproducing the official XTREME / XTREME-R scorers.

Sources reproduced (google-research/xtreme and the scripts it vendors):

* ``accuracy`` / ``seqeval_scores``: ``evaluate.py`` (``accuracy`` and ``f1``).
* ``squad_scores``: SQuAD v1.1 ``evaluate-v1.1.py`` (``third_party/evaluate_squad.py``),
  used for XQuAD and TyDiQA-GoldP.
* ``mlqa_scores``: ``mlqa_evaluation_v1.py`` (``third_party/evaluate_mlqa.py``).
* ``map_at_k``: ``average_precision_at_k`` in ``third_party/utils_lareqa.py`` (XTREME-R
  LAReQA; Mewsli-X uses the same mAP@20 definition).
* ``retrieval_accuracy``: Tatoeba top-1 accuracy.

All scores are percentages in [0, 100].
"""

from __future__ import annotations

import re
import string
import unicodedata
import warnings
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from functools import partial

from seqeval.metrics import f1_score, precision_score, recall_score

__all__ = [
    "METRICS",
    "accuracy",
    "map_at_k",
    "mlqa_scores",
    "retrieval_accuracy",
    "seqeval_scores",
    "squad_scores",
]


def _check_lists(predictions: Sequence, references: Sequence, what: str) -> None:
    if len(predictions) != len(references):
        raise ValueError(f"{what}: {len(predictions)} predictions but {len(references)} references")
    if not references:
        raise ValueError(f"{what}: empty input")


def accuracy(predictions: Sequence, references: Sequence) -> dict:
    """Percentage of ``predictions[i] == references[i]`` (XNLI, PAWS-X, XCOPA, ...)."""
    _check_lists(predictions, references, "accuracy")
    correct = sum(int(p == r) for p, r in zip(predictions, references, strict=True))
    return {"accuracy": 100.0 * correct / len(references)}


def seqeval_scores(
    pred_tags: Sequence[Sequence[str]],
    gold_tags: Sequence[Sequence[str]],
    *,
    token_accuracy: bool = False,
) -> dict:
    """Entity-level micro P/R/F1 with seqeval's default (conlleval-like) mode, as XTREME.

    NER (PAN-X): IOB2 tags; an ``I-X`` without a preceding ``B-X`` opens a new entity and
    ``B-X B-X`` are two entities.

    POS (UD): XTREME feeds bare UPOS tags to the same seqeval F1. seqeval (1.2.2, default
    mode) then reads the first character as the chunk prefix and the rest as the type
    ("NOUN" -> prefix "N", type "OUN"). Consequences: a run of identical consecutive tags
    is merged into ONE chunk (prefixes N/A/V/P/D/C/X never close a chunk of the same
    type; INTJ reads as I-"NTJ" and merges the same way); SCONJ/SYM read as S- (single)
    chunks; adjacent CCONJ/SCONJ (both type "CONJ") are chunked erratically; a sentence-
    final X (type "_", like the "O" sentinel) is never closed, so never counted. So POS
    "f1" is a chunk score, not per-token; we reproduce it for comparability and report
    ``token_accuracy`` (plain per-token accuracy) beside it.
    """
    _check_lists(pred_tags, gold_tags, "seqeval")
    for i, (p, g) in enumerate(zip(pred_tags, gold_tags, strict=True)):
        if len(p) != len(g):
            raise ValueError(f"seqeval: sentence {i} has {len(p)} predicted, {len(g)} gold tags")
    y_pred = [list(s) for s in pred_tags]
    y_true = [list(s) for s in gold_tags]
    with warnings.catch_warnings():
        # "X seems not to be NE tag" for UPOS tags; undefined P/R when nothing predicted
        # (seqeval returns 0 then, as in XTREME).
        warnings.simplefilter("ignore")
        out = {
            "f1": 100.0 * f1_score(y_true, y_pred),
            "precision": 100.0 * precision_score(y_true, y_pred),
            "recall": 100.0 * recall_score(y_true, y_pred),
        }
    if token_accuracy:
        n_tok = sum(len(s) for s in y_true)
        if n_tok == 0:
            raise ValueError("seqeval: no tokens to compute token accuracy on")
        same = sum(
            p == g
            for ps, gs in zip(y_pred, y_true, strict=True)
            for p, g in zip(ps, gs, strict=True)
        )
        out["token_accuracy"] = 100.0 * same / n_tok
    return out


# --------------------------------------------------------------------------- QA scoring


def _f1_tokens(pred_toks: list[str], gold_toks: list[str]) -> float:
    # Official rule: no overlap (including both empty) -> 0.
    num_same = sum((Counter(pred_toks) & Counter(gold_toks)).values())
    if num_same == 0:
        return 0.0
    precision = num_same / len(pred_toks)
    recall = num_same / len(gold_toks)
    return 2 * precision * recall / (precision + recall)


def _qa_scores(
    predictions: Mapping[str, str],
    references: Mapping[str, Sequence[str]],
    normalize: Callable[[str], str],
    what: str,
) -> dict:
    """Official loop: iterate over the references; an unanswered id scores 0 on both
    metrics; predictions for unknown ids are ignored; max over the gold answers."""
    if not references:
        raise ValueError(f"{what}: empty references")
    f1 = em = 0.0
    for qid, golds in references.items():
        if isinstance(golds, str) or not golds:
            raise ValueError(f"{what}: references[{qid!r}] must be a non-empty list of str")
        if qid not in predictions:
            continue
        pred = predictions[qid]
        if not isinstance(pred, str):
            raise ValueError(f"{what}: prediction for {qid!r} is not a str")
        p_norm = normalize(pred)
        g_norms = [normalize(g) for g in golds]
        em += max(float(p_norm == g) for g in g_norms)
        f1 += max(_f1_tokens(p_norm.split(), g.split()) for g in g_norms)
    n = len(references)
    return {"f1": 100.0 * f1 / n, "exact_match": 100.0 * em / n, "n": n}


_SQUAD_PUNCT = frozenset(string.punctuation)
_EN_ARTICLES = re.compile(r"\b(a|an|the)\b")


def squad_normalize(s: str) -> str:
    """SQuAD v1.1 ``normalize_answer``: lower, drop ASCII punctuation, articles, spaces."""
    s = "".join(ch for ch in s.lower() if ch not in _SQUAD_PUNCT)
    return " ".join(_EN_ARTICLES.sub(" ", s).split())


def squad_scores(predictions: Mapping[str, str], references: Mapping[str, Sequence[str]]) -> dict:
    """SQuAD v1.1 EM/F1 (XQuAD, TyDiQA-GoldP in XTREME). ``references``: id -> answers."""
    return _qa_scores(predictions, references, squad_normalize, "squad")


# mlqa_evaluation_v1.py, remove_articles. For 'ar' the official call is
# re.sub('\sال^|ال', ' ', text): the first alternative can never match ('^' without
# re.MULTILINE only matches at position 0, after 'ال' was consumed), so in effect EVERY
# occurrence of 'ال' is replaced by a space, also inside words ("مالك" -> "م ك").
# Reproduced verbatim (raw string: '\s' was already the regex escape in the original).
_MLQA_ARTICLES = {
    "en": re.compile(r"\b(a|an|the)\b"),
    "es": re.compile(r"\b(un|una|unos|unas|el|la|los|las)\b"),
    "hi": None,
    "vi": re.compile(r"\b(của|là|cái|chiếc|những)\b"),
    "de": re.compile(r"\b(ein|eine|einen|einem|eines|einer|der|die|das|den|dem|des)\b"),
    "ar": re.compile(r"\sال^|ال"),
    "zh": None,
}
_MLQA_MIXED_SEGMENTATION = {"zh"}
_CJK = re.compile(r"[\u4e00-\u9fa5]")  # the official (narrow) range


def _mlqa_is_punct(ch: str) -> bool:
    # PUNCT = every Unicode char of category P* plus string.punctuation.
    return ch in _SQUAD_PUNCT or unicodedata.category(ch).startswith("P")


def _mixed_segmentation(text: str) -> list[str]:
    """Each CJK char (or punctuation char) is a token; other runs split on whitespace."""
    segs: list[str] = []
    buf = ""
    for ch in text:
        if _CJK.search(ch) or _mlqa_is_punct(ch):
            segs.extend(buf.split())
            buf = ""
            segs.append(ch)
        else:
            buf += ch
    segs.extend(buf.split())
    return segs


def mlqa_normalize(s: str, lang: str) -> str:
    """MLQA ``normalize_answer(s, lang)``."""
    if lang not in _MLQA_ARTICLES:
        raise ValueError(
            f"mlqa: unknown language {lang!r}; expected one of {sorted(_MLQA_ARTICLES)}"
        )
    s = "".join(ch for ch in s.lower() if not _mlqa_is_punct(ch))
    articles = _MLQA_ARTICLES[lang]
    if articles is not None:
        s = articles.sub(" ", s)
    tokens = _mixed_segmentation(s) if lang in _MLQA_MIXED_SEGMENTATION else s.split()
    return " ".join(t for t in tokens if t.strip() != "")


def mlqa_scores(
    predictions: Mapping[str, str], references: Mapping[str, Sequence[str]], lang: str
) -> dict:
    """MLQA EM/F1 with language-specific normalisation (``lang`` = answer/context language)."""
    mlqa_normalize("", lang)  # validate lang even if every question is unanswered
    return _qa_scores(predictions, references, partial(mlqa_normalize, lang=lang), "mlqa")


# --------------------------------------------------------------------------- retrieval


def _check_ranked(ranked_ids: Sequence, gold_ids: Sequence, what: str) -> None:
    _check_lists(ranked_ids, gold_ids, what)
    for i, gold in enumerate(gold_ids):
        if isinstance(gold, str) or not gold:
            raise ValueError(f"{what}: gold_ids[{i}] must be a non-empty list of ids")


def _average_precision_at_k(ranked: Sequence[str], gold: set, k: int) -> float:
    # utils_lareqa.average_precision_at_k: duplicates in the ranking count once.
    top = list(ranked[:k])
    score = hits = 0.0
    for i, cand in enumerate(top):
        if cand in gold and cand not in top[:i]:
            hits += 1.0
            score += hits / (i + 1.0)
    return score / min(len(gold), k)


def map_at_k(
    ranked_ids: Sequence[Sequence[str]], gold_ids: Sequence[Sequence[str]], k: int = 20
) -> dict:
    """Mean AP@k (LAReQA / Mewsli-X in XTREME-R): per query, sum of precision@r over the
    ranks r <= k holding a (new) gold id, divided by min(#gold, k); mean * 100.
    Gold ids are de-duplicated (the official targets are a set of candidate indices)."""
    if k < 1:
        raise ValueError(f"map_at_k: k must be >= 1, got {k}")
    _check_ranked(ranked_ids, gold_ids, "map_at_k")
    aps = [_average_precision_at_k(r, set(g), k) for r, g in zip(ranked_ids, gold_ids, strict=True)]
    return {f"map@{k}": 100.0 * sum(aps) / len(aps)}


def retrieval_accuracy(
    ranked_ids: Sequence[Sequence[str]], gold_ids: Sequence[Sequence[str]]
) -> dict:
    """Tatoeba: share of queries whose top-1 retrieved id is a gold id (empty ranking = miss)."""
    _check_ranked(ranked_ids, gold_ids, "retrieval_accuracy")
    hits = sum(
        int(len(r) > 0 and r[0] in set(g)) for r, g in zip(ranked_ids, gold_ids, strict=True)
    )
    return {"accuracy": 100.0 * hits / len(gold_ids)}


METRICS: dict[str, Callable[..., dict]] = {
    "accuracy": accuracy,
    "seqeval": seqeval_scores,
    # UD-POS: seqeval F1 as XTREME reports it, with plain token accuracy beside it.
    "seqeval_pos": partial(seqeval_scores, token_accuracy=True),
    "squad": squad_scores,
    "mlqa": mlqa_scores,
    "map@20": partial(map_at_k, k=20),
    "retrieval_accuracy": retrieval_accuracy,
}
