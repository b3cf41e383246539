"""Tokenisation and alignment: word ids, long-sentence splitting, QA offsets."""

import pytest

from xstilts.data.features import (
    IGNORE,
    featurize_classification,
    featurize_multiple_choice,
    featurize_span,
    featurize_tagging,
    split_words,
)
from xstilts.evaluation.predict import merge_tag_pieces, qa_answers

CORPUS = [
    "the small cat sat on the red mat",
    "Anna Berg went to Nova Bank in Lund",
    "how many dogs did Anna see ? she saw 3 dogs .",
    "кошка сидит на коврике и смотрит",
    "ο σκύλος τρέχει στο πάρκο",
] * 40


@pytest.fixture(scope="module")
def tokenizer():
    from xstilts.model.pretrain import build_tokenizer

    return build_tokenizer(CORPUS, 120)


def test_split_words_respects_budget_and_covers_all_words():
    lengths = [2, 3, 1, 4, 2, 2, 7, 1]
    chunks = split_words(lengths, budget=6)
    assert chunks == [(0, 3), (3, 2), (5, 1), (6, 1), (7, 1)]
    covered = [w for first, n in chunks for w in range(first, first + n)]
    assert covered == list(range(len(lengths)))
    for first, n in chunks:
        assert sum(lengths[first : first + n]) <= 6 or n == 1


def test_tagging_labels_first_subword_only(tokenizer):
    rows = {
        "id": ["s1"],
        "tokens": [["Anna", "Berg", "went", "home"]],
        "tags": [["B-PER", "I-PER", "O", "O"]],
    }
    labels = ["O", "B-PER", "I-PER"]
    out = featurize_tagging(rows, tokenizer, 64, {label: i for i, label in enumerate(labels)})
    assert len(out["input_ids"]) == 1
    ids, labs = out["input_ids"][0], out["labels"][0]
    assert ids[0] == tokenizer.cls_token_id and ids[-1] == tokenizer.sep_token_id
    assert labs[0] == IGNORE and labs[-1] == IGNORE
    assert [label for label in labs if label != IGNORE] == [1, 2, 0, 0]
    # a word split into several subwords has exactly one labelled position
    n_sub = len(
        tokenizer(["home"], is_split_into_words=True, add_special_tokens=False)["input_ids"]
    )
    assert sum(1 for label in labs if label != IGNORE) == 4
    assert len(ids) == 2 + sum(
        len(tokenizer([w], is_split_into_words=True, add_special_tokens=False)["input_ids"])
        for w in ["Anna", "Berg", "went", "home"]
    )
    assert n_sub >= 1


def test_long_sentences_are_split_not_truncated(tokenizer):
    words = ["the", "small", "cat", "sat", "on", "the", "red", "mat"] * 12  # ~100 words
    tags = ["DET", "ADJ", "NOUN", "VERB", "ADP", "DET", "ADJ", "NOUN"] * 12
    labels = sorted(set(tags))
    rows = {"id": ["long"], "tokens": [words], "tags": [tags]}
    out = featurize_tagging(rows, tokenizer, 32, {label: i for i, label in enumerate(labels)})
    assert len(out["input_ids"]) > 1
    assert all(len(ids) <= 32 for ids in out["input_ids"])
    assert sum(out["n_words"]) == len(words)
    assert out["first_word"][0] == 0
    # merging "perfect" logits back gives every word its tag in order
    import torch

    logits = []
    for labs in out["labels"]:
        one_hot = torch.zeros(len(labs), len(labels))
        for pos, lab in enumerate(labs):
            one_hot[pos, lab if lab != IGNORE else 0] = 1.0
        logits.append(one_hot)
    merged = merge_tag_pieces(out, logits, labels, 1, ["long"])
    assert merged["long"] == tags


def test_empty_word_keeps_a_position(tokenizer):
    rows = {"id": ["e"], "tokens": [["cat", "\u200b", "mat"]], "tags": [["NOUN", "X", "NOUN"]]}
    out = featurize_tagging(rows, tokenizer, 32, {"NOUN": 0, "X": 1})
    assert [label for label in out["labels"][0] if label != IGNORE] == [0, 1, 0]


def test_unknown_tag_is_named(tokenizer):
    rows = {"id": ["u"], "tokens": [["cat"]], "tags": [["NOUNN"]]}
    with pytest.raises(ValueError, match="NOUNN"):
        featurize_tagging(rows, tokenizer, 32, {"NOUN": 0})


def test_classification_pairs_and_truncation(tokenizer):
    rows = {
        "id": ["a", "b"],
        "text_a": ["the cat sat", "the cat sat " * 30],
        "text_b": ["on the mat", ""],
        "label": [1, 0],
    }
    out = featurize_classification(rows, tokenizer, 24)
    assert out["label"] == [1, 0]
    assert all(len(ids) <= 24 for ids in out["input_ids"])
    assert out["input_ids"][0].count(tokenizer.sep_token_id) == 3  # <s> A </s></s> B </s>


def test_multiple_choice_one_sequence_per_choice(tokenizer):
    rows = {
        "id": ["m"],
        "premise": ["the cat sat"],
        "question": ["effect"],
        "choices": [["it slept", "it ran"]],
        "label": [1],
    }
    out = featurize_multiple_choice(rows, tokenizer, 32, "{premise} What was the {question}?")
    assert len(out["input_ids"][0]) == 2
    assert out["input_ids"][0][0] != out["input_ids"][0][1]


def test_qa_windows_offsets_and_answer_positions(tokenizer):
    context = "Anna Berg went to Nova Bank in Lund . " * 6 + "she saw 3 dogs ."
    answer = "3 dogs"
    start = context.index(answer)
    rows = {
        "id": ["q1"],
        "question": ["how many dogs did Anna see ?"],
        "context": [context],
        "answers": [{"text": [answer], "answer_start": [start]}],
    }
    out = featurize_span(rows, tokenizer, 48, 16, 16, train=True)
    assert len(out["input_ids"]) > 1  # the context needed several windows
    hits = 0
    for ids, offsets, s, e in zip(
        out["input_ids"], out["offsets"], out["start"], out["end"], strict=True
    ):
        assert len(ids) <= 48
        if s == 0:
            continue
        hits += 1
        # the labelled span's offsets give back the answer text from the original context
        assert context[offsets[s][0] : offsets[e][1]].strip() == answer
    assert hits >= 1
    # post-processing with logits peaked at the gold span returns the original text
    outputs = []
    for ids, s, e in zip(out["input_ids"], out["start"], out["end"], strict=True):
        start_logits = [0.0] * len(ids)
        end_logits = [0.0] * len(ids)
        if s:
            start_logits[s], end_logits[e] = 10.0, 10.0
        outputs.append((start_logits, end_logits))
    answers = qa_answers(out, outputs, {"q1": context}, n_best=20, max_answer_length=30)
    assert answers["q1"].strip() == answer


def test_long_question_is_cut(tokenizer):
    rows = {
        "id": ["q"],
        "question": ["how many dogs " * 20],
        "context": ["she saw 3 dogs ."],
        "answers": [{"text": ["3"], "answer_start": [8]}],
    }
    out = featurize_span(rows, tokenizer, 64, 16, 8, train=False)
    question_len = out["offsets"][0].index(next(o for o in out["offsets"][0] if o is not None))
    assert question_len <= 8 + 4  # 8 question subwords + special tokens


def test_tokenizer_training_is_reproducible():
    from xstilts.model.pretrain import build_tokenizer

    first = build_tokenizer(CORPUS, 150).backend_tokenizer.to_str()
    assert build_tokenizer(CORPUS, 150).backend_tokenizer.to_str() == first
