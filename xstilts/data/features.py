"""Tokenisation and featurisation, by head kind (jiant's example -> features step, with fast
tokenisers and `datasets` instead of hand-written featurisers and pickled caches).

- classification: one (text_a, text_b) pair -> input_ids, label
- multiple_choice: one sequence per choice -> input_ids [choices][tokens], label
- tagging: words -> subwords with the label on each word's first subword (-100 elsewhere);
  sentences longer than max_length are split into pieces at word boundaries, never truncated;
  each piece remembers (example_index, first_word, n_words) so predictions merge back.
- span: question/context windows with stride (HF run_qa style), offsets kept for answer text
- retrieval: queries and candidates (eval) or (query, positive) pairs (train), encoded apart.

Segment ids (`token_type_ids`) are kept wherever the tokenizer makes them for a pair (BERT-style
tokenizers; XLM-R's makes none). A model's input prefix (`models.<name>.input_prefix`, e5's
"query: ") goes before the first text of every input, before each retrieval candidate, and as
unlabelled leading words of a tagged sentence.
"""

from __future__ import annotations

import json
from pathlib import Path

from xstilts.runtime import IGNORE


def load_tokenizer(path: str | Path):
    """The fast tokenizer of a tokenizer or model folder, after checking the folder's files
    against their record (xstilts.json)."""
    from transformers import AutoTokenizer

    from xstilts.io import verify_folder

    verify_folder(path)
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    if not tokenizer.is_fast:
        raise ValueError(f"{path}: a fast tokenizer is needed (offsets and word ids)")
    return tokenizer


def segment_ids(enc) -> dict:
    """{"token_type_ids": ...} when the tokenizer makes segment ids, else nothing."""
    return {"token_type_ids": enc["token_type_ids"]} if "token_type_ids" in enc else {}


# --- classification and multiple choice ------------------------------------------------------


def featurize_classification(rows, tokenizer, max_length: int, prefix: str = "") -> dict:
    text_a = [prefix + a for a in rows["text_a"]]
    text_b = [b if b else None for b in rows["text_b"]]
    if all(b is None for b in text_b):
        enc = tokenizer(text_a, truncation=True, max_length=max_length)
    else:
        enc = tokenizer(
            text_a,
            [b or "" for b in text_b],
            truncation="longest_first",
            max_length=max_length,
        )
    return {
        "input_ids": enc["input_ids"],
        **segment_ids(enc),
        "label": rows["label"],
        "example_id": rows["id"],
    }


def featurize_multiple_choice(
    rows, tokenizer, max_length: int, template: str, prefix: str = ""
) -> dict:
    input_ids, types = [], []
    for premise, question, choices in zip(
        rows["premise"], rows["question"], rows["choices"], strict=True
    ):
        context = prefix + template.format(premise=premise, question=question)
        enc = tokenizer(
            [context] * len(choices),
            list(choices),
            truncation="longest_first",
            max_length=max_length,
        )
        input_ids.append(enc["input_ids"])
        types.append(enc.get("token_type_ids"))
    segments = {"token_type_ids": types} if all(t is not None for t in types) and types else {}
    return {"input_ids": input_ids, **segments, "label": rows["label"], "example_id": rows["id"]}


# --- tagging ------------------------------------------------------------------------------------


def _piece_lengths(tokenizer, words: list[str]) -> tuple[list[str], list[int]]:
    """Subword count per word. A word that tokenises to nothing is replaced by the unknown
    token, so every word keeps a position (XTREME does the same)."""
    enc = tokenizer(words, is_split_into_words=True, add_special_tokens=False)
    lengths = [0] * len(words)
    for word_id in enc.word_ids():
        if word_id is not None:
            lengths[word_id] += 1
    words = [w if n else tokenizer.unk_token for w, n in zip(words, lengths, strict=True)]
    return words, [max(n, 1) for n in lengths]


def split_words(lengths: list[int], budget: int) -> list[tuple[int, int]]:
    """Split a sentence into (first_word, n_words) chunks whose subwords fit `budget`.
    A single word longer than the budget is a chunk of its own (truncated inside the word;
    its first subword still carries the label)."""
    chunks, start, used = [], 0, 0
    for i, size in enumerate(lengths):
        if used + size > budget and i > start:
            chunks.append((start, i - start))
            start, used = i, 0
        used += size
    chunks.append((start, len(lengths) - start))
    return chunks


LABEL_PIECES = ("first", "first_non_bare")


def bare_piece_ids(tokenizer) -> set[int]:
    """Vocabulary ids of pieces that are only a word-start marker (XLM-R's lone '▁', which
    SentencePiece emits before a word it cannot merge with the marker, e.g. most Chinese)."""
    vocab = tokenizer.get_vocab()
    return {i for piece, i in vocab.items() if piece in ("▁", "Ġ")}


def _label_positions(word_ids: list, input_ids: list[int], bare: set[int], rule: str) -> dict:
    """{position: word index} of the piece that carries each word's label: the first piece
    (XTREME's utils_tag.py), or under `first_non_bare` the first piece that is not a bare
    word-start marker (the first piece when all are)."""
    chosen: dict[int, int] = {}
    pieces: dict[int, list[int]] = {}
    for position, word in enumerate(word_ids):
        if word is not None:
            pieces.setdefault(word, []).append(position)
    for word, positions in pieces.items():
        pick = positions[0]
        if rule == "first_non_bare":
            pick = next((q for q in positions if input_ids[q] not in bare), positions[0])
        chosen[pick] = word
    return chosen


def featurize_tagging(
    rows,
    tokenizer,
    max_length: int,
    label_to_id: dict[str, int],
    label_piece: str = "first",
    prefix: str = "",
) -> dict:
    """`label_piece`: which subword of a word carries its label (conventions.tag_label_piece):
    `first` (XTREME's utils_tag.py: the first piece, bare '▁' or not) or `first_non_bare`.
    Prediction reads the label at the same position (the other positions are IGNORE).
    `prefix` (the model's input prefix): leading words without labels, repeated in every piece
    of a long sentence."""
    if label_piece not in LABEL_PIECES:
        raise ValueError(
            f"conventions.tag_label_piece: unknown value {label_piece!r}; allowed: "
            f"{', '.join(LABEL_PIECES)}"
        )
    bare = bare_piece_ids(tokenizer)
    lead = prefix.split()
    lead_pieces = (
        len(tokenizer(lead, is_split_into_words=True, add_special_tokens=False)["input_ids"])
        if lead
        else 0
    )
    budget = max_length - tokenizer.num_special_tokens_to_add(pair=False) - lead_pieces
    out = {
        "input_ids": [],
        "labels": [],
        "example_index": [],
        "first_word": [],
        "n_words": [],
        "example_id": [],
    }
    for index, (ex_id, words, tags) in enumerate(
        zip(rows["id"], rows["tokens"], rows["tags"], strict=True)
    ):
        if not words:
            continue
        unknown = sorted({t for t in tags if t not in label_to_id})
        if unknown:
            raise ValueError(
                f"example {ex_id}: tag(s) {unknown} not in the label set {sorted(label_to_id)}"
            )
        words, lengths = _piece_lengths(tokenizer, list(words))
        for first, count in split_words(lengths, budget):
            enc = tokenizer(
                lead + words[first : first + count],
                is_split_into_words=True,
                truncation=True,
                max_length=max_length,
            )
            # One labelled piece per word; special tokens, prefix words and the other pieces:
            # ignored.
            word_of = [
                None if w is None or w < len(lead) else w - len(lead) for w in enc.word_ids()
            ]
            chosen = _label_positions(word_of, enc["input_ids"], bare, label_piece)
            labels = [
                label_to_id[tags[first + chosen[q]]] if q in chosen else IGNORE
                for q in range(len(enc["input_ids"]))
            ]
            out["input_ids"].append(enc["input_ids"])
            out["labels"].append(labels)
            out["example_index"].append(index)
            out["first_word"].append(first)
            out["n_words"].append(count)
            out["example_id"].append(ex_id)
    return out


# --- extractive QA --------------------------------------------------------------------------------


def featurize_span(
    rows,
    tokenizer,
    max_length: int,
    doc_stride: int,
    max_query_length: int,
    train: bool,
    prefix: str = "",
) -> dict:
    questions = []
    for q in rows["question"]:
        q = prefix + q.strip()
        # Long questions are cut to max_query_length subwords (the model's prefix included,
        # so the context keeps its room) at a character offset.
        enc_q = tokenizer(q, add_special_tokens=False, return_offsets_mapping=True)
        if len(enc_q["input_ids"]) > max_query_length:
            q = q[: enc_q["offset_mapping"][max_query_length - 1][1]]
        questions.append(q)
    enc = tokenizer(
        questions,
        rows["context"],
        truncation="only_second",
        max_length=max_length,
        stride=doc_stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
    )
    sample_map = enc.pop("overflow_to_sample_mapping")
    out = {
        "input_ids": enc["input_ids"],
        **segment_ids(enc),
        "example_id": [],
        "offsets": [],
        "start": [],
        "end": [],
    }
    for i, offsets in enumerate(enc["offset_mapping"]):
        example = sample_map[i]
        sequence_ids = enc.sequence_ids(i)
        # Offsets only for context tokens; None elsewhere, so answers come from the context span.
        context_offsets = [
            o if s == 1 else None for o, s in zip(offsets, sequence_ids, strict=True)
        ]
        out["example_id"].append(rows["id"][example])
        out["offsets"].append(context_offsets)
        start = end = 0  # the CLS position: "no answer in this window"
        answers = rows["answers"][example]
        if train and answers["answer_start"]:
            a_start = answers["answer_start"][0]
            a_end = a_start + len(answers["text"][0])
            ctx = [k for k, s in enumerate(sequence_ids) if s == 1]
            if ctx and offsets[ctx[0]][0] <= a_start and offsets[ctx[-1]][1] >= a_end:
                start = next(k for k in ctx if offsets[k][1] > a_start)
                end = next(k for k in reversed(ctx) if offsets[k][0] < a_end)
        out["start"].append(start)
        out["end"].append(end)
    return out


# --- retrieval ----------------------------------------------------------------------------------------


def featurize_texts(
    texts: list[str], ids: list[str], tokenizer, max_length: int, prefix: str = ""
) -> dict:
    enc = tokenizer([prefix + t for t in texts], truncation=True, max_length=max_length)
    return {"input_ids": enc["input_ids"], "example_id": list(ids)}


def featurize_pairs(rows, tokenizer, max_length: int, prefix: dict | None = None) -> dict:
    """(query, positive) pairs; a `positive_context` column (LAReQA under the official
    retrieval inputs: the paragraph) is encoded with the positive as a text pair. `prefix`: the
    model's input prefixes ("text" before queries, "candidate" before positives)."""
    prefix = prefix or {}
    queries = [prefix.get("text", "") + q for q in rows["query"]]
    positives = [prefix.get("candidate", "") + p for p in rows["positive"]]
    q = tokenizer(queries, truncation=True, max_length=max_length)
    if "positive_context" in rows:
        p = tokenizer(
            positives,
            rows["positive_context"],
            truncation="longest_first",
            max_length=max_length,
        )
    else:
        p = tokenizer(positives, truncation=True, max_length=max_length)
    return {"input_ids": q["input_ids"], "positive_ids": p["input_ids"], "example_id": rows["id"]}


# --- dispatch ------------------------------------------------------------------------------------------


def featurize_split(
    data_dir,
    lang: str,
    split: str,
    schema: str,
    tokenizer,
    params: dict,
    out_dir: Path,
    labels: list[str] | None = None,
    template: str | None = None,
    label_piece: str = "first",
    prefix: dict | None = None,
) -> dict:
    """Featurise one (dataset, lang, split) into `out_dir` (datasets on disk); return counts.
    `prefix`: {"text": ..., "candidate": ...}, the model's input prefixes."""
    import datasets

    from xstilts.data.store import load_split, split_path

    prefix = {"text": "", "candidate": "", **(prefix or {})}
    text_prefix = prefix["text"]
    rows = load_split(data_dir, lang, split)
    max_length = params["max_length"]
    is_train = split == "train"
    kwargs = {"batched": True, "remove_columns": rows.column_names, "batch_size": 1000}
    if schema == "classification":
        feats = rows.map(
            featurize_classification,
            fn_kwargs={"tokenizer": tokenizer, "max_length": max_length, "prefix": text_prefix},
            **kwargs,
        )
    elif schema == "multiple_choice":
        feats = rows.map(
            featurize_multiple_choice,
            fn_kwargs={
                "tokenizer": tokenizer,
                "max_length": max_length,
                "template": template or "{premise} {question}",
                "prefix": text_prefix,
            },
            **kwargs,
        )
    elif schema == "tagging":
        label_to_id = {label: i for i, label in enumerate(labels or [])}
        feats = rows.map(
            featurize_tagging,
            fn_kwargs={
                "tokenizer": tokenizer,
                "max_length": max_length,
                "label_to_id": label_to_id,
                "label_piece": label_piece,
                "prefix": text_prefix,
            },
            **{**kwargs, "batch_size": len(rows) or 1},  # example_index must be global
        )
    elif schema == "qa":
        feats = rows.map(
            featurize_span,
            fn_kwargs={
                "tokenizer": tokenizer,
                "max_length": max_length,
                "doc_stride": params["doc_stride"],
                "max_query_length": params["max_query_length"],
                "train": is_train,
                "prefix": text_prefix,
            },
            **kwargs,
        )
    elif schema == "retrieval":
        if "positive" in rows.column_names:
            feats = rows.map(
                featurize_pairs,
                fn_kwargs={"tokenizer": tokenizer, "max_length": max_length, "prefix": prefix},
                **kwargs,
            )
        else:
            feats = datasets.Dataset.from_dict(
                featurize_texts(rows["query"], rows["id"], tokenizer, max_length, text_prefix)
            )
            if split_path(data_dir, lang, split, candidates=True).is_file():
                cands = load_split(data_dir, lang, split, candidates=True)
                cand_feats = datasets.Dataset.from_dict(
                    featurize_texts(
                        cands["text"], cands["id"], tokenizer, max_length, prefix["candidate"]
                    )
                )
                cand_feats.save_to_disk(str(out_dir / "candidates"))
    elif schema == "text":
        feats = datasets.Dataset.from_dict(
            featurize_texts(rows["text"], rows["id"], tokenizer, max_length, text_prefix)
        )
    else:
        raise ValueError(f"unknown schema {schema!r}")
    feats.save_to_disk(str(out_dir / "features"))
    return {"examples": len(rows), "features": len(feats)}


def write_features_manifest(root: str | Path, **record) -> None:
    """manifest.json of a tokenised split (`<root>/<lang>/...`): what it was made from, plus the
    size and sha256 of every file (checked by `load_features` before pyarrow reads them)."""
    from xstilts.io import tree_record, write_json

    write_json(
        Path(root) / "manifest.json", {**record, **tree_record(root, exclude=("manifest.json",))}
    )


def load_features(feature_dir: str | Path, part: str = "features"):
    """One language's tokenised data (`<features root>/<lang>`), checked first against the
    sizes and hashes the tokenize step recorded in the root's manifest.json: a damaged arrow
    file would otherwise crash the process inside pyarrow, with no message."""
    import datasets

    from xstilts.io import IntegrityError, regenerate_advice, verify_files

    path = Path(feature_dir) / part
    root = Path(feature_dir).parent
    advice = regenerate_advice(root)
    if not path.is_dir():
        raise FileNotFoundError(f"missing tokenised data {path}. {advice}")
    manifest_path = root / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text())
        recorded = manifest["files"]
    except (OSError, ValueError, KeyError) as err:
        raise IntegrityError(
            f"{manifest_path}: no record of the tokenised files to check them against ({err}). "
            f"{advice}"
        ) from None
    verify_files(
        root, recorded, manifest.get("bytes"), advice, only=f"{Path(feature_dir).name}/{part}"
    )
    return datasets.load_from_disk(str(path))
