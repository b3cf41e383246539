"""Tests of the embedded synthetic language family and its XTREME-R-shaped datasets."""

from __future__ import annotations

import collections
import hashlib
import json
import math
import os
import re
import subprocess
import sys
import unicodedata

import pytest

from xstilts.data.synthetic import (
    DATASETS,
    LANGUAGES,
    SCHEMAS,
    describe_family,
    generate,
    generate_candidates,
)

SCHEMA_NAMES = {"classification", "multiple_choice", "tagging", "qa", "retrieval", "text"}
SCRIPTS = {"en": "LATIN", "xa": "LATIN", "xb": "CYRILLIC", "xc": "GREEK", "xd": "ARMENIAN"}


@pytest.fixture(scope="module")
def everything() -> dict[tuple[str, str, str], list[dict]]:
    """Every (dataset, split, lang) at its default size (generated once, ~5 s)."""
    out = {}
    for name, spec in DATASETS.items():
        for split, langs in spec["splits"].items():
            for lang in langs:
                out[name, split, lang] = generate(name, lang, split)
    return out


def _digest(records: list[dict]) -> str:
    return hashlib.sha256(json.dumps(records, ensure_ascii=False).encode()).hexdigest()


# ----------------------------------------------------------------------------------------
# Registry
# ----------------------------------------------------------------------------------------


def test_registry_shape():
    assert LANGUAGES == ("en", "xa", "xb", "xc", "xd")
    expected = {
        "toy-corpus",
        "toy-xnli",
        "toy-xcopa",
        "toy-udpos",
        "toy-panx",
        "toy-xquad",
        "toy-tatoeba",
        "toy-lareqa",
        "toy-mewsli",
        "toy-mnli",
        "toy-squad",
        "toy-qqp",
        "toy-sst2",
        "toy-pawsx",
    }
    assert set(DATASETS) == expected
    for name, spec in DATASETS.items():
        assert {"schema", "splits", "labels", "description", "sizes"} <= set(spec), name
        assert spec["schema"] in SCHEMA_NAMES
        assert isinstance(spec["description"], str) and spec["description"]
        assert set(spec["sizes"]) == set(spec["splits"])
        for split, langs in spec["splits"].items():
            assert split in ("train", "dev", "test")
            assert langs and set(langs) <= set(LANGUAGES)
            assert list(langs) == [lang for lang in LANGUAGES if lang in langs]
        if spec["schema"] in ("classification", "tagging"):
            assert spec["labels"] and len(set(spec["labels"])) == len(spec["labels"])
        else:
            assert spec["labels"] is None
    assert DATASETS["toy-xcopa"]["splits"]["test"] == ["xa", "xb", "xc", "xd"]
    assert DATASETS["toy-tatoeba"]["splits"] == {"test": ["xa", "xb", "xc", "xd"]}
    assert DATASETS["toy-pawsx"]["splits"] == {"train": list(LANGUAGES), "dev": list(LANGUAGES)}
    assert DATASETS["toy-corpus"]["splits"] == {"train": list(LANGUAGES)}
    for name in ("toy-mnli", "toy-squad", "toy-qqp", "toy-sst2"):
        assert DATASETS[name]["splits"] == {"train": ["en"], "dev": ["en"]}
    assert DATASETS["toy-xnli"]["labels"] == ["entailment", "neutral", "contradiction"]
    assert DATASETS["toy-panx"]["labels"] == [
        "O",
        "B-PER",
        "I-PER",
        "B-LOC",
        "I-LOC",
        "B-ORG",
        "I-ORG",
    ]
    json.dumps(DATASETS)  # JSON-able


def test_default_sizes(everything):
    for (name, split, _lang), recs in everything.items():
        assert len(recs) == DATASETS[name]["sizes"][split], (name, split)
    assert DATASETS["toy-corpus"]["sizes"]["train"] == 4000
    assert DATASETS["toy-xnli"]["sizes"] == {"train": 2000, "dev": 300, "test": 300}


# ----------------------------------------------------------------------------------------
# Determinism
# ----------------------------------------------------------------------------------------

_SAMPLES = [
    ("toy-corpus", "xb", "train"),
    ("toy-xnli", "xc", "test"),
    ("toy-xquad", "xd", "test"),
    ("toy-mewsli", "xa", "test"),
    ("toy-pawsx", "xb", "train"),
]


@pytest.mark.parametrize("name,lang,split", _SAMPLES)
def test_deterministic_and_seed_dependent(name, lang, split):
    a = generate(name, lang, split, seed=13, size=60)
    b = generate(name, lang, split, seed=13, size=60)
    assert a == b
    assert generate(name, lang, split, seed=14, size=60) != a


def test_identical_across_processes():
    """Bit-identical output in a fresh interpreter with another hash seed."""
    samples = [(n, lang, s) for n, lang, s in _SAMPLES]
    code = (
        "import hashlib, json; from xstilts.data.synthetic import generate, generate_candidates, "
        "describe_family\n"
        f"r = [generate(*a, size=40) for a in {samples!r}]\n"
        "r.append(generate_candidates('toy-tatoeba', 'xc', 'test'))\n"
        "r.append(describe_family(7))\n"
        "print(hashlib.sha256(json.dumps(r, ensure_ascii=False).encode()).hexdigest())"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    here = [generate(n, lang, s, size=40) for n, lang, s in _SAMPLES]
    here.append(generate_candidates("toy-tatoeba", "xc", "test"))
    here.append(describe_family(7))
    assert out == _digest(here)


def test_size_gives_prefix():
    for name, lang, split in _SAMPLES + [
        ("toy-xcopa", "en", "train"),
        ("toy-lareqa", "xa", "test"),
    ]:
        full = generate(name, lang, split)
        assert generate(name, lang, split, size=25) == full[:25]
    assert generate("toy-sst2", "en", "dev", size=0) == []
    assert len(generate("toy-sst2", "en", "dev", size=450)) == 450


def test_returned_records_and_registry_are_fresh(monkeypatch):
    a = generate("toy-udpos", "en", "dev", size=3)
    a[0]["tokens"].append("junk")
    a[1]["id"] = "changed"
    assert generate("toy-udpos", "en", "dev", size=3) != a
    before = generate("toy-lareqa", "en", "test", size=2)
    monkeypatch.setitem(DATASETS["toy-lareqa"]["splits"], "test", ["en"])
    assert generate("toy-lareqa", "en", "test", size=2) == before


# ----------------------------------------------------------------------------------------
# Schemas
# ----------------------------------------------------------------------------------------


def _check_record(schema: str, split: str, r: dict, labels) -> None:
    assert isinstance(r["id"], str) and r["id"]
    if schema == "classification":
        assert set(r) == set(SCHEMAS["classification"])
        assert isinstance(r["text_a"], str) and r["text_a"]
        assert isinstance(r["text_b"], str)
        assert type(r["label"]) is int and 0 <= r["label"] < len(labels)
    elif schema == "multiple_choice":
        assert set(r) == set(SCHEMAS["multiple_choice"])
        assert isinstance(r["premise"], str) and r["premise"]
        assert r["question"] in ("cause", "effect")
        assert isinstance(r["choices"], list) and len(r["choices"]) == 2
        assert all(isinstance(c, str) and c for c in r["choices"])
        assert r["choices"][0] != r["choices"][1]
        assert type(r["label"]) is int and r["label"] in (0, 1)
    elif schema == "tagging":
        assert set(r) == set(SCHEMAS["tagging"])
        assert isinstance(r["tokens"], list) and r["tokens"]
        assert all(isinstance(t, str) and t and " " not in t for t in r["tokens"])
        assert isinstance(r["tags"], list)
    elif schema == "qa":
        assert set(r) == set(SCHEMAS["qa"])
        for k in ("title", "context", "question"):
            assert isinstance(r[k], str) and r[k]
        assert set(r["answers"]) == {"text", "answer_start"}
        assert len(r["answers"]["text"]) == len(r["answers"]["answer_start"]) >= 1
        assert all(type(s) is int for s in r["answers"]["answer_start"])
    elif schema == "retrieval":
        layout = "retrieval" if split == "train" else "retrieval-eval"
        assert set(r) == set(SCHEMAS[layout])
        assert isinstance(r["query"], str) and r["query"]
        if split == "train":
            assert isinstance(r["positive"], str) and r["positive"]
        else:
            assert isinstance(r["gold"], list) and r["gold"]
            assert all(isinstance(g, str) for g in r["gold"])
    elif schema == "text":
        assert set(r) == set(SCHEMAS["text"])
        assert isinstance(r["text"], str) and r["text"].strip()
    else:  # pragma: no cover
        raise AssertionError(schema)


def test_schemas_everywhere(everything):
    for (name, split, lang), recs in everything.items():
        spec = DATASETS[name]
        ids = [r["id"] for r in recs]
        assert len(set(ids)) == len(ids), (name, split, lang)
        for r in recs:
            _check_record(spec["schema"], split, r, spec["labels"])
        json.dumps(recs, ensure_ascii=False)


def test_candidates_schema():
    for name, spec in DATASETS.items():
        if spec["schema"] != "retrieval":
            continue
        for split, langs in spec["splits"].items():
            if split == "train":
                continue
            for lang in langs:
                cands = generate_candidates(name, lang, split)
                ids = [c["id"] for c in cands]
                assert cands and len(set(ids)) == len(ids)
                assert all(set(c) == {"id", "text"} and c["text"] for c in cands)


def test_no_label_in_ids(everything):
    words = {"entailment", "neutral", "contradiction", "positive", "negative", "duplicate"}
    words |= {"paraphrase", "cause", "effect"}
    for (_name, _split, _lang), recs in everything.items():
        for r in recs[:50]:
            assert not any(w in r["id"].lower() for w in words)
            assert re.fullmatch(r"[A-Za-z0-9-]+", r["id"])


# ----------------------------------------------------------------------------------------
# Content checks
# ----------------------------------------------------------------------------------------


def test_qa_offsets(everything):
    n = 0
    for (name, _split, _lang), recs in everything.items():
        if DATASETS[name]["schema"] != "qa":
            continue
        for r in recs:
            for text, start in zip(r["answers"]["text"], r["answers"]["answer_start"], strict=True):
                assert text and r["context"][start : start + len(text)] == text
                assert text == text.strip()
                n += 1
    assert n > 5000


def _valid_iob2(tags: list[str]) -> bool:
    prev = "O"
    for t in tags:
        if t.startswith("I-") and prev[2:] != t[2:]:
            return False
        prev = t
    return True


def test_tagging(everything):
    long_seen = collections.Counter()
    for (name, split, lang), recs in everything.items():
        if DATASETS[name]["schema"] != "tagging":
            continue
        labels = set(DATASETS[name]["labels"])
        used = set()
        for r in recs:
            assert len(r["tokens"]) == len(r["tags"])
            assert set(r["tags"]) <= labels
            used |= set(r["tags"])
            if name == "toy-panx":
                assert _valid_iob2(r["tags"]), r
            if name == "toy-udpos" and 25 <= len(r["tokens"]) <= 40:
                long_seen[split, lang] += 1
        if lang == "en" and split == "train":
            assert used == labels, (name, labels - used)
    for split, langs in DATASETS["toy-udpos"]["splits"].items():
        for lang in langs:
            assert long_seen[split, lang] >= 10, (split, lang)


def test_panx_entities_multiword(everything):
    recs = everything["toy-panx", "train", "en"]
    spans = collections.Counter()
    for r in recs:
        for i, t in enumerate(r["tags"]):
            if t.startswith("B-"):
                multi = i + 1 < len(r["tags"]) and r["tags"][i + 1] == "I-" + t[2:]
                spans[t[2:], multi] += 1
    for etype in ("PER", "LOC", "ORG"):
        assert spans[etype, True] > 50 and spans[etype, True] + spans[etype, False] > 200
    share_multi = sum(v for (_, m), v in spans.items() if m) / sum(spans.values())
    assert share_multi > 0.4


def test_label_balance(everything):
    for (name, _split, _lang), recs in everything.items():
        spec = DATASETS[name]
        if spec["schema"] == "classification":
            k = len(spec["labels"])
        elif spec["schema"] == "multiple_choice":
            k = 2
        else:
            continue
        counts = collections.Counter(r["label"] for r in recs)
        assert set(counts) == set(range(k))
        assert max(counts.values()) - min(counts.values()) <= 1, (name, counts)
    q = collections.Counter(r["question"] for r in everything["toy-xcopa", "train", "en"])
    assert abs(q["cause"] - q["effect"]) <= 1


def test_parallel_ids_and_translations(everything):
    for name, spec in DATASETS.items():
        for split, langs in spec["splits"].items():
            if len(langs) < 2 or name in ("toy-tatoeba", "toy-corpus"):
                continue
            ids = [[r["id"] for r in everything[name, split, lang]] for lang in langs]
            assert all(x == ids[0] for x in ids), (name, split)
            if spec["schema"] == "classification":
                labels = [[r["label"] for r in everything[name, split, lang]] for lang in langs]
                assert all(x == labels[0] for x in labels)
                texts = [everything[name, split, lang][0]["text_a"] for lang in langs]
                assert len(set(texts)) == len(texts)
    # corpus: shared "par" ids in every language, language-specific ids otherwise
    par = [
        {r["id"] for r in everything["toy-corpus", "train", lang] if "-par-" in r["id"]}
        for lang in LANGUAGES
    ]
    assert all(p == par[0] for p in par) and len(par[0]) >= 900
    # names are shared anchors across translations
    en = everything["toy-panx", "test", "en"]
    xb = everything["toy-panx", "test", "xb"]
    for a, b in zip(en[:100], xb[:100], strict=True):
        per_a = [t for t, g in zip(a["tokens"], a["tags"], strict=True) if g.endswith("PER")]
        per_b = [t for t, g in zip(b["tokens"], b["tags"], strict=True) if g.endswith("PER")]
        assert [t.split("-")[0] for t in per_b] == per_a


def test_tatoeba_gold_in_candidates(everything):
    for lang in DATASETS["toy-tatoeba"]["splits"]["test"]:
        queries = everything["toy-tatoeba", "test", lang]
        cands = generate_candidates("toy-tatoeba", lang, "test")
        assert len(cands) == len(queries) == 200
        texts = [c["text"] for c in cands]
        assert len(set(texts)) == len(texts)
        assert all(_script_of(t) == "LATIN" for t in texts[:20])
        cids = {c["id"] for c in cands}
        for q in queries:
            assert len(q["gold"]) == 1 and q["gold"][0] in cids
    # custom sizes keep queries and candidates aligned
    small = generate("toy-tatoeba", "xa", "test", size=30)
    cids = {c["id"] for c in generate_candidates("toy-tatoeba", "xa", "test", size=30)}
    assert all(q["gold"][0] in cids for q in small)


def test_lareqa_gold_covers_all_languages(everything):
    langs = DATASETS["toy-lareqa"]["splits"]["test"]
    pool: dict[str, str] = {}
    for lang in langs:
        for c in generate_candidates("toy-lareqa", lang, "test"):
            pool[c["id"]] = lang
    for lang in langs:
        for q in everything["toy-lareqa", "test", lang]:
            assert len(q["gold"]) == len(LANGUAGES)
            assert sorted(pool[g] for g in q["gold"]) == sorted(LANGUAGES)
    dev_cids = {c["id"] for c in generate_candidates("toy-lareqa", "en", "dev")}
    for q in everything["toy-lareqa", "dev", "en"]:
        assert q["gold"] and set(q["gold"]) <= dev_cids
    # answer sentences are distinct within a language
    texts = [c["text"] for c in generate_candidates("toy-lareqa", "en", "test")]
    assert len(set(texts)) == len(texts)


def test_mewsli(everything):
    cands = generate_candidates("toy-mewsli", "xc", "test")
    assert 120 <= len(cands) <= 200
    assert cands == generate_candidates("toy-mewsli", "en", "dev")
    cids = {c["id"] for c in cands}
    by_text = {c["text"] for c in cands}
    for (name, split, _lang), recs in everything.items():
        if name != "toy-mewsli":
            continue
        for r in recs:
            assert r["query"].count("[") == 1 and r["query"].count("]") == 1
            assert r["query"].index("[") < r["query"].index("]")
            if split == "train":
                assert r["positive"] in by_text
            else:
                assert len(r["gold"]) == 1 and r["gold"][0] in cids


def test_xcopa_choices_share_subject_and_object(everything):
    for r in everything["toy-xcopa", "train", "en"][:200]:
        a, b = (c.rstrip(".").split() for c in r["choices"])
        assert len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


# ----------------------------------------------------------------------------------------
# Languages
# ----------------------------------------------------------------------------------------


def _script_of(text: str) -> str:
    counts = collections.Counter(
        unicodedata.name(ch).split()[0] for ch in text if ch.isalpha() and ch.islower()
    )
    return counts.most_common(1)[0][0]


def test_languages_differ_in_script_and_order(everything):
    for lang in LANGUAGES:
        text = " ".join(r["text"] for r in everything["toy-corpus", "train", lang][:200])
        assert _script_of(text) == SCRIPTS[lang], lang
    # word order, read off the UPOS tags of the parallel test set (first tag of each kind)
    recs = {lang: everything["toy-udpos", "test", lang] for lang in LANGUAGES}
    first_is_verb = collections.Counter()
    last_is_verb = collections.Counter()
    for lang in LANGUAGES:
        for r in recs[lang]:
            tags = [t for t in r["tags"] if t != "PUNCT"]
            first_is_verb[lang] += tags[0] in ("VERB", "PART", "AUX")
            last_is_verb[lang] += tags[-1] in ("VERB", "AUX")
    n = len(recs["en"])
    assert first_is_verb["xc"] > 0.4 * n > first_is_verb["en"]  # VSO
    for lang in ("xb", "xd"):
        assert last_is_verb[lang] > 0.6 * n > last_is_verb["en"]  # SOV
    fam = describe_family()
    orders = {lang: fam["languages"][lang]["word_order"] for lang in LANGUAGES}
    assert orders == {"en": "SVO", "xa": "SVO", "xb": "SOV", "xc": "VSO", "xd": "SOV"}
    assert fam["languages"]["xd"]["adpositions"] == "postpositions"
    assert fam["languages"]["xc"]["adjective_position"] == "post"
    # different lexicons; xa shares some cognate-like material with en, xb..xd share none
    vocab = {
        lang: {w for r in everything["toy-corpus", "train", lang] for w in r["text"].split()}
        for lang in LANGUAGES
    }
    for lang in ("xb", "xc", "xd"):
        assert len(vocab[lang] & vocab["en"]) / len(vocab[lang]) < 0.35  # names/digits only


def test_describe_family_is_jsonable_and_deterministic():
    a = describe_family(13)
    json.dumps(a, ensure_ascii=False)
    assert a == describe_family(13)
    assert set(a["languages"]) == set(LANGUAGES)
    assert a["languages"]["xb"]["script"] == "Cyrillic"
    assert describe_family(5)["languages"]["xa"] != a["languages"]["xa"]


# ----------------------------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------------------------


def test_value_errors():
    with pytest.raises(ValueError, match="toy-xnli"):
        generate("toy-nope", "en", "train")
    with pytest.raises(ValueError, match="train, dev, test"):
        generate("toy-xnli", "en", "validation")
    with pytest.raises(ValueError, match="xa, xb, xc, xd"):
        generate("toy-xcopa", "en", "test")
    with pytest.raises(ValueError, match="en"):
        generate("toy-xnli", "xa", "train")
    with pytest.raises(ValueError, match="language"):
        generate("toy-xnli", "fr", "test")
    with pytest.raises(ValueError, match="size"):
        generate("toy-xnli", "en", "dev", size=-1)
    with pytest.raises(ValueError, match="size"):
        generate("toy-xnli", "en", "dev", size=2.5)
    with pytest.raises(ValueError, match="seed"):
        generate("toy-xnli", "en", "dev", seed="13")
    with pytest.raises(ValueError, match="toy-tatoeba"):
        generate_candidates("toy-xnli", "en", "test")
    with pytest.raises(ValueError, match="candidate"):
        generate_candidates("toy-lareqa", "en", "train")


# ----------------------------------------------------------------------------------------
# Learnability (no torch): simple feature models beat the majority class by a wide margin
# ----------------------------------------------------------------------------------------


def _toks(s: str) -> list[str]:
    return re.sub(r"([.?,\[\]])", r" \1 ", s.lower()).split()


def _pair_features(a: str, b: str) -> list[str]:
    ta, tb = _toks(a), _toks(b)
    only_b = sorted(set(tb) - set(ta))
    only_a = sorted(set(ta) - set(tb))
    f = ["b:" + w for w in tb] + ["+b:" + w for w in only_b] + ["+a:" + w for w in only_a]
    f += [f"x:{x}|{y}" for x in only_a for y in only_b]
    return f + [f"nb:{len(only_b)}", f"na:{len(only_a)}"]


def _naive_bayes(train, test, k: int) -> float:
    counts = [collections.Counter() for _ in range(k)]
    prior = collections.Counter()
    for f, y in train:
        counts[y].update(f)
        prior[y] += 1
    vocab = len(set().union(*counts))
    totals = [sum(c.values()) for c in counts]

    def score(f, c):
        return math.log(prior[c]) + sum(
            math.log((counts[c][w] + 1) / (totals[c] + vocab)) for w in f
        )

    return sum(max(range(k), key=lambda c: score(f, c)) == y for f, y in test) / len(test)


def test_learnable_xnli_signal(everything):
    train = everything["toy-xnli", "train", "en"]
    dev = everything["toy-xnli", "dev", "en"]
    majority = max(collections.Counter(r["label"] for r in dev).values()) / len(dev)
    assert majority < 0.36  # ~chance
    acc = _naive_bayes(
        [(_pair_features(r["text_a"], r["text_b"]), r["label"]) for r in train],
        [(_pair_features(r["text_a"], r["text_b"]), r["label"]) for r in dev],
        3,
    )
    assert acc > 0.6, acc
    # hypothesis-only and unigram-overlap shortcuts are much weaker than the pair model
    hyp_only = _naive_bayes(
        [(["b:" + w for w in _toks(r["text_b"])], r["label"]) for r in train],
        [(["b:" + w for w in _toks(r["text_b"])], r["label"]) for r in dev],
        3,
    )
    assert hyp_only < acc - 0.1, (hyp_only, acc)


@pytest.mark.parametrize(
    "name,threshold", [("toy-mnli", 0.5), ("toy-qqp", 0.65), ("toy-sst2", 0.7), ("toy-pawsx", 0.6)]
)
def test_learnable_other_classification(everything, name, threshold):
    train = everything[name, "train", "en"]
    dev = everything[name, "dev", "en"]
    k = len(DATASETS[name]["labels"])
    acc = _naive_bayes(
        [(_pair_features(r["text_a"], r["text_b"]), r["label"]) for r in train],
        [(_pair_features(r["text_a"], r["text_b"]), r["label"]) for r in dev],
        k,
    )
    assert acc > threshold, acc


def test_learnable_xcopa_needs_premise(everything):
    train = everything["toy-xcopa", "train", "en"]
    dev = everything["toy-xcopa", "dev", "en"]

    def pairs(r, i):  # premise word x choice word
        return [
            f"{r['question']}|{a}|{b}" for a in _toks(r["premise"]) for b in _toks(r["choices"][i])
        ]

    def alone(r, i):  # choice words only (incl. word pairs inside the choice)
        c = _toks(r["choices"][i])
        return [f"{r['question']}|{a}|{b}" for a in c for b in c]

    def accuracy(feat):
        data = [(feat(r, i), int(i == r["label"])) for r in train for i in (0, 1)]
        counts = [collections.Counter(), collections.Counter()]
        for f, y in data:
            counts[y].update(f)
        vocab = len(set(counts[0]) | set(counts[1]))
        tot = [sum(c.values()) for c in counts]

        def s(f):
            return sum(
                math.log((counts[1][w] + 1) / (tot[1] + vocab))
                - math.log((counts[0][w] + 1) / (tot[0] + vocab))
                for w in f
            )

        return sum((s(feat(r, 1)) > s(feat(r, 0))) == (r["label"] == 1) for r in dev) / len(dev)

    with_premise, choice_only = accuracy(pairs), accuracy(alone)
    assert with_premise > 0.85, with_premise
    assert choice_only < 0.7, choice_only
