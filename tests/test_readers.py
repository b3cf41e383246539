"""Release-file readers and the real registry's `release:` sources.

The fixtures in tests/fixtures/release are small hand-written files in the exact layout and format
of the original releases (XNLI/GLUE TSV, ANLI/SNLI/XCOPA/COPA/Social IQa/CommonsenseQA/HellaSwag
JSON lines, Cosmos QA CSV, CoNLL-U, PAN-X and CCG token lines, SQuAD-style JSON, XQuAD-R, Mewsli-X,
Tatoeba line files), laid out as `xstilts/specs/datasets-xtreme-r.yaml` expects them under a
release root. Expected values below are worked out by hand from those files.
"""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from pathlib import Path

import pytest
import yaml

from xstilts.data import readers, sources, store
from xstilts.data.prepare import holdout_split, prepare_dataset
from xstilts.study import registry
from xstilts.study.config import Study

FIXTURES = Path(__file__).parent / "fixtures" / "release"
# The real release samples: ../shared/formats beside the checkout (as on CI).
FORMATS = Path(__file__).resolve().parents[2] / "shared" / "formats"
CONFIG_SMALL = Path(__file__).parent.parent / "config" / "test-small.yaml"
UPOS = registry.builtin_dataset_dicts()["udpos"]["labels"]


# --- helpers -------------------------------------------------------------------------------
def release_config(root: Path = FIXTURES, **sources) -> dict:
    return {"data": {"source": "release", "release_root": str(root), "sources": sources}}


def source(name: str, root: Path = FIXTURES) -> dict:
    """The resolved release source, deep-copied (the registry's nested dicts are shared)."""
    return copy.deepcopy(registry.dataset_dicts(release_config(root))[name]["source"])


def prepare(
    name: str,
    needs: dict,
    out: Path,
    root: Path = FIXTURES,
    spec: dict | None = None,
    conventions: dict | None = None,
):
    """The dataset prepared from the fixtures; `conventions` as xstilts.study.conventions
    gives them (None: the defaults, what the official code does)."""
    spec = spec or registry.dataset_dicts(release_config(root))[name]
    prepare_dataset(name, spec, out, needs=needs, release_root=root, conventions=conventions)
    return out


def rows(out: Path, lang: str, split: str, candidates: bool = False) -> list[dict]:
    return store.read_rows(out, lang, split, candidates=candidates)


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def release_copy(tmp_path: Path, *folders: str) -> Path:
    """A release root holding copies of some fixture folders, to be broken by a test."""
    root = tmp_path / "release"
    for folder in folders:
        shutil.copytree(FIXTURES / folder, root / folder)
    return root


def read(name: str, rel: str, options: dict | None = None) -> list[dict]:
    return readers.FILE_READERS[name](FIXTURES / rel, options or {})


# --- file readers ----------------------------------------------------------------------------
def test_tsv_reader_keeps_the_xnli_header_and_unbalanced_quotes():
    got = read("tsv", "xnli/XNLI-1.0/xnli.test.tsv")
    assert len(got) == 7
    assert list(got[0]) == [
        "language",
        "gold_label",
        "sentence1_binary_parse",
        "sentence2_binary_parse",
        "sentence1_parse",
        "sentence2_parse",
        "sentence1",
        "sentence2",
        "promptID",
        "pairID",
        "genre",
        "label1",
        "label2",
        "label3",
        "label4",
        "label5",
    ]
    assert [r["language"] for r in got] == ["ar", "de", "en", "en", "en", "zh", "zh"]
    # QUOTE_NONE: quotes at the start of a field stay in the text and swallow nothing.
    assert got[3]["sentence1"] == '"Wait here," he said, and left.'
    assert got[3]["sentence2"] == "He stayed."
    assert got[3]["label3"] == "neutral"
    assert got[1]["sentence1"] == "Der Bäcker öffnet um sechs Uhr früh."


def test_tsv_reader_reads_both_glue_mnli_headers():
    train = read("tsv", "glue/MNLI/train.tsv")
    dev = read("tsv", "glue/MNLI/dev_matched.tsv")
    assert len(train) == 3 and len(train[0]) == 12
    assert len(dev) == 2 and len(dev[0]) == 16
    assert train[2]["sentence1"] == '"The shop sign read open 24 hours'  # unbalanced
    assert train[2]["sentence2"] == "The shop closes at night."
    assert train[0]["sentence2"] == "Everyone really likes the newest benefits "  # not stripped
    assert [dev[0][f"label{i}"] for i in range(1, 6)] == [
        "neutral",
        "entailment",
        "neutral",
        "neutral",
        "neutral",
    ]
    assert dev[0]["gold_label"] == "neutral"


def test_csv_reader_handles_quoted_commas_and_doubled_quotes():
    got = read("csv", "cosmosqa/data/train.csv", {"quoting": "minimal"})
    assert len(got) == 2
    first = got[0]
    assert first["context"] == (
        "I saw both of these bands Wednesday night, and they were both fantastic. "
        'The singer said "thanks" twice.'
    )
    assert first["question"] == "In the future , will this person go to see other bands play ?"
    assert first["answer1"].startswith("This person likes music and likes to see the show ,")
    assert first["label"] == "1"
    assert got[1]["answer3"] == "Nothing happens ." and got[1]["label"] == "0"


def test_jsonl_reader_keeps_json_types():
    got = read("jsonl", "xcopa/data/zh/test.zh.jsonl")
    assert [r["idx"] for r in got] == [1, 2, 3]
    assert got[0]["premise"] == "男孩从自行车上摔了下来。"
    assert got[0]["label"] == 1 and got[0]["changed"] is False


def test_conllu_reader_skips_comments_multiword_tokens_and_empty_nodes():
    train = read("conllu", "ud/ud-treebanks-v2.5/UD_English-XYZ/en_xyz-ud-train.conllu")
    assert [r["id"] for r in train] == ["xyz-train-0001", "xyz-train-0002"]
    # `5.1 likes` (an empty node) is not a word.
    assert train[0]["tokens"] == ["I", "like", "tea", "and", "Ann", "coffee", "."]
    assert train[0]["tags"] == ["PRON", "VERB", "NOUN", "CCONJ", "PROPN", "NOUN", "PUNCT"]
    assert train[1] == {
        "id": "xyz-train-0002",
        "tokens": ["Hello", "!"],
        "tags": ["INTJ", "PUNCT"],
        "ud_lines": [],  # no multi-word token: nothing for xstilts.data.ud to rebuild
    }

    # `2-3 can't` and `3-4 zum` are multi-word token ranges: the syntactic words are kept.
    test = read("conllu", "ud/ud-treebanks-v2.5/UD_English-XYZ/en_xyz-ud-test.conllu")
    assert test[0]["tokens"] == ["We", "ca", "n't", "stay", "."]
    assert test[0]["tags"] == ["PRON", "AUX", "PART", "VERB", "PUNCT"]
    de = read("conllu", "ud/ud-treebanks-v2.5/UD_German-AAA/de_aaa-ud-test.conllu")
    assert de[0]["tokens"] == ["Er", "geht", "zu", "dem", "Markt", "."]
    # ...and the lines XTREME's conversion needs: [id, form, UPOS, head, deps], ranges too.
    assert de[0]["ud_lines"][2:5] == [
        ["3-4", "zum", "_", "_", "_"],
        ["3", "zu", "ADP", "5", "_"],
        ["4", "dem", "DET", "5", "_"],
    ]


def test_conllu_reader_names_sentences_without_sent_id_and_reads_a_last_unterminated_one():
    got = read("conllu", "ud/ud-treebanks-v2.5/UD_German-BBB/de_bbb-ud-test.conllu")
    assert got == [
        {
            "id": "de_bbb-ud-test-0",
            "tokens": ["Die", "Kühe", "fressen", "Gras", "."],
            "tags": ["DET", "NOUN", "VERB", "NOUN", "PUNCT"],
            "ud_lines": [],
        }
    ]


def test_conllu_reader_tag_column_option_picks_xpos():
    got = read(
        "conllu", "ud/ud-treebanks-v2.5/UD_German-AAA/de_aaa-ud-test.conllu", {"tag_column": 4}
    )
    assert got[0]["tags"] == ["PPER", "VVFIN", "APPR", "ART", "NN", "$."]


def test_columns_reader_strips_the_panx_language_prefix_once():
    got = read("columns", "panx_dataset/en/train", {"strip_language_prefix": True})
    assert [r["tokens"] for r in got] == [
        ["Angela", "Merkel", "visited", "Paris", "."],
        ["The", "United", "Nations", "met", "at", "12:30"],
    ]
    assert got[0]["tags"] == ["B-PER", "I-PER", "O", "B-LOC", "O"]
    assert got[1]["tags"] == ["O", "B-ORG", "I-ORG", "O", "O", "O"]
    de = read("columns", "panx_dataset/de/test", {"strip_language_prefix": True})
    assert de[0]["tokens"][1:3] == ["Universität", "Köln"]
    assert de[1] == {"id": "test-1", "tokens": ["Jürgen", "Müller"], "tags": ["B-PER", "I-PER"]}


def test_columns_reader_with_the_ccg_options_keeps_hash_tokens_and_colons():
    options = source("ccg")["options"]
    got = read("columns", "ccg/ccg.train.tsv", options)
    assert len(got) == 2
    assert got[0]["tokens"] == ["Pierre", "Vinken", "will", "join", "the", "board", "."]
    assert got[0]["tags"][2] == "(S[dcl]\\NP)/(S[b]\\NP)"
    # `#` is a WSJ token, not a comment; `re:` keeps its colon (no language prefix here).
    assert got[1]["tokens"] == ["#", "5", "re:", "profits"]
    assert got[1]["tags"] == ["N/N[num]", "N[num]", "N/N", "N"]


def test_squad_json_reader_flattens_articles_and_keeps_every_answer():
    got = read("squad_json", "squad/dev-v1.1.json")
    assert [r["id"] for r in got] == ["56be4db0acb8001400a502ec", "56be4db0acb8001400a502ed"]
    assert got[0]["title"] == "Eiffel_Tower"
    assert got[0]["answers"] == {"text": ["1889", "in 1889", "1889"], "answer_start": [34, 31, 34]}
    assert got[1]["answers"]["answer_start"] == [46, 46, 46]
    assert got[0]["sentences"] is None  # plain SQuAD has no segmentation
    train = read("squad_json", "squad/train-v1.1.json")
    assert [r["paragraph"] for r in train] == ["0-0", "0-0", "1-0"]


def test_squad_json_reader_keeps_xquad_r_sentences():
    got = read("squad_json", "lareqa/xquad-r/de.json")
    assert [r["id"] for r in got] == ["r-q1", "r-q2", "r-q3"]
    assert [r["paragraph"] for r in got] == ["0-0", "0-0", "0-1"]
    assert got[0]["sentences"] == [
        "Die Burg steht auf einem Hügel.",
        "Sie wurde 1350 erbaut.",
        "Heute ist sie ein Museum.",
    ]
    assert got[0]["sentence_breaks"] == [[0, 31], [32, 54], [55, 80]]
    assert got[2]["sentence_breaks"] == [[0, 26], [27, 57]]


def test_social_iqa_labels_come_from_the_label_file():
    got, files = readers.release_rows(
        source("siqa"), FIXTURES / "socialiqa-train-dev", "train", "en"
    )
    assert [r["label"] for r in got] == ["1", "3", "2"]
    assert [f.name for f in files] == ["train.jsonl", "train-labels.lst"]


def test_aligned_lines_pair_tatoeba_files_line_by_line():
    got, files = readers.release_rows(source("tatoeba"), FIXTURES / "tatoeba", "test", "zh")
    assert [f.name for f in files] == ["tatoeba.cmn-eng.cmn", "tatoeba.cmn-eng.eng"]
    assert got == [
        {"source": "我喜欢喝茶。", "target": "I like drinking tea."},
        {"source": "火车站在哪里？", "target": "Where is the train station?"},
    ]


def test_release_rows_concatenate_the_anli_parts():
    src = source("anli")
    got, files = readers.release_rows(src, FIXTURES / "anli", "train", "en")
    rel = [f.resolve().relative_to(FIXTURES.resolve()).as_posix() for f in files]
    assert rel == [
        "anli/anli_v1.0/R1/train.jsonl",
        "anli/anli_v1.0/R2/train.jsonl",
        "anli/anli_v1.0/R3/train.jsonl",
        "anli/snli_1.0/snli_1.0_train.jsonl",
        "glue/MNLI/train.tsv",
    ]
    # 4 ANLI + 3 SNLI + 3 MNLI rows (9 if SNLI's '-' row is dropped at this layer).
    assert len(got) in (9, 10)
    dev, dev_files = readers.release_rows(src, FIXTURES / "anli", "dev", "en")
    assert [f.parent.name for f in dev_files] == ["R1", "R2", "R3"]  # SNLI, MNLI: training only
    assert len(dev) == 3


def test_release_files_glob_every_treebank_and_apply_the_v27_override():
    src = source("udpos")
    root = FIXTURES / "ud"
    de = readers.release_files(src, root, "test", "de")
    assert [p.parent.name for p in de] == ["UD_German-AAA", "UD_German-BBB"]
    (ro,) = readers.for_language(src, "ro")
    assert [p.parent.parent.name for p in readers.release_files(ro, root, "test", "ro")] == [
        "ud-treebanks-v2.7"
    ]


# --- prepare_dataset through the release source --------------------------------------------
def test_xnli_filters_the_language_and_indexes_labels(tmp_path):
    out = prepare("xnli", {"test": ["en", "de", "zh", "ar"], "dev": ["en"]}, tmp_path / "xnli")
    en = rows(out, "en", "test")
    assert [r["id"] for r in en] == ["101", "102", "103"]
    # labels: [entailment, neutral, contradiction]
    assert [r["label"] for r in en] == [0, 2, 1]
    assert en[1]["text_a"] == '"Wait here," he said, and left.'
    assert en[1]["text_b"] == "He stayed."
    assert rows(out, "de", "test") == [
        {
            "id": "101",
            "text_a": "Der Bäcker öffnet um sechs Uhr früh.",
            "text_b": "Der Bäcker öffnet morgens.",
            "label": 0,
        }
    ]
    assert [(r["text_a"], r["label"]) for r in rows(out, "zh", "test")] == [
        ("他每天早上都喝咖啡。", 2),
        ("图书馆周日不开门。", 0),
    ]
    assert [r["label"] for r in rows(out, "ar", "test")] == [1]
    assert [(r["id"], r["label"]) for r in rows(out, "en", "dev")] == [("201", 1), ("202", 0)]
    got = manifest(out)
    assert got["source"]["kind"] == "release"
    assert got["source"]["counts"] == {
        "test": {"en": 3, "de": 1, "zh": 2, "ar": 1},
        "dev": {"en": 2},
    }
    assert got["source"]["input_sha256"] == {
        "XNLI-1.0/xnli.test.tsv": sha256(FIXTURES / "xnli/XNLI-1.0/xnli.test.tsv"),
        "XNLI-1.0/xnli.dev.tsv": sha256(FIXTURES / "xnli/XNLI-1.0/xnli.dev.tsv"),
    }
    assert set(got["files"]) == {
        "en/test.parquet",
        "de/test.parquet",
        "zh/test.parquet",
        "ar/test.parquet",
        "en/dev.parquet",
    }


def test_mnli_reads_glue_train_and_matched_dev(tmp_path):
    out = prepare("mnli", {"train": ["en"], "dev": ["en"]}, tmp_path / "mnli")
    train = rows(out, "en", "train")
    assert [(r["id"], r["label"]) for r in train] == [
        ("31193n", 1),
        ("101457e", 0),
        ("134793c", 2),
    ]
    assert train[2]["text_a"] == '"The shop sign read open 24 hours'
    assert [(r["id"], r["label"]) for r in rows(out, "en", "dev")] == [
        ("63735n", 1),
        ("91383c", 2),
    ]
    assert set(manifest(out)["source"]["input_sha256"]) == {"train.tsv", "dev_matched.tsv"}


def test_qqp_and_sst2_map_their_digit_labels(tmp_path):
    qqp = prepare("qqp", {"train": ["en"], "dev": ["en"]}, tmp_path / "qqp")
    train = rows(qqp, "en", "train")
    # labels: [not_duplicate, duplicate]; is_duplicate "1" -> duplicate
    assert [(r["id"], r["label"]) for r in train] == [("133273", 1), ("402555", 0), ("360472", 1)]
    assert train[2]["text_a"] == 'What does "déjà vu" mean?'
    assert [r["label"] for r in rows(qqp, "en", "dev")] == [1, 0]

    sst2 = prepare("sst2", {"train": ["en"], "dev": ["en"]}, tmp_path / "sst2")
    train = rows(sst2, "en", "train")
    assert [r["label"] for r in train] == [1, 0, 1]  # labels: [negative, positive]
    assert [r["id"] for r in train] == ["0", "1", "2"]  # no id column: the row number
    assert all(r["text_b"] is None for r in train)
    assert [r["label"] for r in rows(sst2, "en", "dev")] == [0, 1]


def test_pawsx_english_files_and_translated_training_data(tmp_path):
    out = prepare(
        "pawsx",
        {"train": ["en", "de"], "dev": ["en"], "test": ["en", "de"]},
        tmp_path / "pawsx",
    )
    assert [r["label"] for r in rows(out, "en", "train")] == [0, 1]
    de = rows(out, "de", "train")
    assert [r["label"] for r in de] == [0, 1, 1]
    assert de[1]["text_a"] == "Der Fluss fließt nach Norden durch das Tal."
    assert [r["label"] for r in rows(out, "en", "test")] == [1, 0]
    assert [r["label"] for r in rows(out, "de", "test")] == [0]
    assert set(manifest(out)["source"]["input_sha256"]) == {
        "en/train.tsv",
        "en/dev_2k.tsv",
        "en/test_2k.tsv",
        "de/translated_train.tsv",
        "de/test_2k.tsv",
    }


def test_anli_concatenates_rounds_snli_and_mnli_and_skips_snli_dash(tmp_path):
    spec = copy.deepcopy(registry.dataset_dicts(release_config())["anli"])
    out = prepare("anli", {"train": ["en"], "dev": ["en"]}, tmp_path / "anli", spec=spec)
    train = rows(out, "en", "train")
    # ids carry their part's index (p0 ANLI, p1 SNLI, p2 MNLI): the three never collide
    assert [r["id"] for r in train] == [
        "p0-r1-tr-1",
        "p0-r1-tr-2",
        "p0-r2-tr-1",
        "p0-r3-tr-1",
        "p1-3416050480.jpg#4r1n",  # the '-' row 3416050480.jpg#4r1c is skipped
        "p1-2267923837.jpg#2r1e",
        "p2-31193n",
        "p2-101457e",
        "p2-134793c",
    ]
    assert [r["label"] for r in train] == [0, 0, 2, 1, 1, 0, 1, 0, 2]
    assert train[0]["text_a"] == "Lake Bled is a lake in Slovenia."
    assert train[4]["text_a"] == "A person on a horse jumps over a broken down airplane."
    assert train[6]["text_b"] == "Everyone really likes the newest benefits "
    assert [r["label"] for r in rows(out, "en", "dev")] == [0, 2, 1]
    assert "../glue/MNLI/train.tsv" in manifest(out)["source"]["input_sha256"]


def test_anli_release_fields_exist_in_the_anli_files():
    fields = source("anli")["parts"][0]["fields"]
    for row in read("jsonl", "anli/anli_v1.0/R1/train.jsonl"):
        for key, path in fields.items():
            readers.get_field(row, path)  # KeyError: 'premise'
            assert key


def test_xcopa_keeps_question_choices_and_labels(tmp_path):
    out = prepare("xcopa", {"test": ["et", "zh"], "dev": ["et", "zh"]}, tmp_path / "xcopa")
    et = rows(out, "et", "test")
    assert et[1] == {
        "id": "2",
        "premise": "Tänav oli märg.",
        "question": "cause",
        "choices": ["Päike paistis.", "Öösel sadas vihma."],
        "label": 1,
    }
    assert [r["label"] for r in et] == [0, 1]
    zh = rows(out, "zh", "test")
    assert [r["label"] for r in zh] == [1, 0, 0]
    assert zh[0]["choices"] == ["他买了一本新书。", "他擦伤了膝盖。"]
    assert [r["label"] for r in rows(out, "zh", "dev")] == [1]
    assert set(manifest(out)["source"]["input_sha256"]) == {
        "et/test.et.jsonl",
        "et/val.et.jsonl",
        "zh/test.zh.jsonl",
        "zh/val.zh.jsonl",
    }


def test_copa_reads_superglue_jsonl(tmp_path):
    out = prepare("copa", {"train": ["en"], "dev": ["en"]}, tmp_path / "copa")
    train = rows(out, "en", "train")
    assert [(r["id"], r["question"], r["label"]) for r in train] == [
        ("0", "effect", 0),
        ("1", "effect", 1),
        ("2", "cause", 0),
    ]
    assert [r["label"] for r in rows(out, "en", "dev")] == [0]


def test_siqa_shifts_one_based_labels_from_the_label_files(tmp_path):
    out = prepare("siqa", {"train": ["en"], "dev": ["en"]}, tmp_path / "siqa")
    train = rows(out, "en", "train")
    assert [r["label"] for r in train] == [0, 2, 1]  # train-labels.lst: 1 3 2
    assert train[1]["choices"] == ["grateful", "proud", "hurt"]
    assert train[1]["premise"] == "Sasha forgot Riley's birthday."
    assert train[1]["question"] == "How would Riley feel as a result?"
    assert [r["label"] for r in rows(out, "en", "dev")] == [0, 1]
    inputs = manifest(out)["source"]["input_sha256"]
    assert inputs["train-labels.lst"] == sha256(FIXTURES / "socialiqa-train-dev/train-labels.lst")
    assert set(inputs) == {"train.jsonl", "train-labels.lst", "dev.jsonl", "dev-labels.lst"}


def test_commonsenseqa_reads_nested_stem_and_five_choices(tmp_path):
    out = prepare("commonsenseqa", {"train": ["en"], "dev": ["en"]}, tmp_path / "csqa")
    train = rows(out, "en", "train")
    assert train[0] == {
        "id": "075e483d21c29a511267ef62bedc0461",
        "premise": "Where would you keep milk cold?",
        "question": "",
        "choices": ["oven", "fridge", "drawer", "garden", "attic"],
        "label": 1,
    }
    assert [r["label"] for r in train] == [1, 2]  # answerKey B, C
    dev = rows(out, "en", "dev")
    assert [r["label"] for r in dev] == [0, 4]  # answerKey A, E
    assert all(len(r["choices"]) == 5 for r in train + dev)


def test_cosmosqa_reads_the_quoted_csv(tmp_path):
    out = prepare("cosmosqa", {"train": ["en"], "dev": ["en"]}, tmp_path / "cosmosqa")
    train = rows(out, "en", "train")
    assert [r["label"] for r in train] == [1, 0]
    assert train[0]["premise"].endswith('The singer said "thanks" twice.')
    assert len(train[0]["choices"]) == 4
    assert train[0]["choices"][1].startswith("This person likes music")
    dev = rows(out, "en", "dev")
    assert dev[0]["premise"] == "We walked, talked, and ate ice cream by the sea."
    assert dev[0]["choices"][dev[0]["label"]] == "To relax ."


def test_hellaswag_reads_ctx_and_endings(tmp_path):
    out = prepare("hellaswag", {"train": ["en"], "dev": ["en"]}, tmp_path / "hellaswag")
    train = rows(out, "en", "train")
    assert [(r["id"], r["label"]) for r in train] == [("4", 3), ("9", 0)]
    assert train[1]["premise"] == "A woman puts a tray in the oven. she"
    assert train[1]["question"] == ""
    assert train[1]["choices"][0] == "closes the oven door."
    assert [r["label"] for r in rows(out, "en", "dev")] == [2]


def test_udpos_concatenates_treebanks_and_takes_romanian_from_v27(tmp_path):
    out = prepare(
        "udpos",
        {"train": ["en"], "dev": ["en"], "test": ["en", "de", "ro"]},
        tmp_path / "udpos",
        conventions={"ud_tokens": "syntactic_words"},
    )
    assert [r["id"] for r in rows(out, "en", "train")] == ["xyz-train-0001", "xyz-train-0002"]
    de = rows(out, "de", "test")
    assert [r["tokens"] for r in de] == [
        ["Er", "geht", "zu", "dem", "Markt", "."],  # UD_German-AAA
        ["Die", "Kühe", "fressen", "Gras", "."],  # UD_German-BBB
    ]
    assert manifest(out)["source"]["conventions"] == {"ud_tokens": "syntactic_words"}
    ro = rows(out, "ro", "test")
    assert ro == [
        {
            "id": "new-1",
            "tokens": ["Ana", "citește", "o", "carte", "."],
            "tags": ["PROPN", "VERB", "DET", "NOUN", "PUNCT"],
        }
    ]
    inputs = manifest(out)["source"]["input_sha256"]
    assert "ud-treebanks-v2.7/UD_Romanian-NEW/ro_new-ud-test.conllu" in inputs
    assert not any("UD_Romanian-OLD" in key for key in inputs)
    assert "ud-treebanks-v2.5/UD_German-BBB/de_bbb-ud-test.conllu" in inputs


def test_udpos_keeps_multiword_tokens_whole_by_default_and_records_it(tmp_path):
    """XTREME's words (conventions.ud_tokens: xtreme): `zum` is one word tagged as its head
    word (zu/ADP and dem/DET both hang off Markt: ADP comes first in the precedence list)."""
    out = prepare("udpos", {"test": ["en", "de"]}, tmp_path / "udpos")
    de = rows(out, "de", "test")
    assert de[0]["tokens"] == ["Er", "geht", "zum", "Markt", "."]
    assert de[0]["tags"] == ["PRON", "VERB", "ADP", "NOUN", "PUNCT"]
    assert rows(out, "en", "test")[0]["tokens"] == ["We", "can't", "stay", "."]
    source = manifest(out)["source"]
    assert source["conventions"] == {"ud_tokens": "xtreme"}
    assert source["ud_conversion"]["test"]["de"]["multiword_tokens"] == 1
    assert source["ud_conversion"]["test"]["de"]["sentences"] == 2


def test_panx_reads_language_folders(tmp_path):
    out = prepare("panx", {"train": ["en"], "dev": ["en"], "test": ["de", "zh"]}, tmp_path / "panx")
    assert rows(out, "en", "train")[0]["tokens"] == ["Angela", "Merkel", "visited", "Paris", "."]
    assert rows(out, "en", "dev")[0]["tags"] == ["B-LOC", "O", "O"]
    assert [r["tags"] for r in rows(out, "de", "test")] == [
        ["O", "B-ORG", "I-ORG", "O", "O", "B-LOC"],
        ["B-PER", "I-PER"],
    ]
    assert rows(out, "zh", "test")[0]["tokens"] == ["北京", "是", "中国", "的", "首都"]


def test_ccg_reads_supertag_lines_when_set_to_release(tmp_path):
    spec = registry.dataset_dicts(
        {"data": {"release_root": str(FIXTURES), "sources": {"ccg": {"kind": "release"}}}}
    )["ccg"]
    out = prepare("ccg", {"train": ["en"], "dev": ["en"]}, tmp_path / "ccg", spec=spec)
    train = rows(out, "en", "train")
    assert [len(r["tokens"]) for r in train] == [7, 4]
    assert train[1]["tokens"][0] == "#"
    assert rows(out, "en", "dev")[0]["tags"] == ["N", "S[dcl]\\NP", "."]


def test_squad_answers_are_at_their_offsets(tmp_path):
    out = prepare("squad", {"train": ["en"], "dev": ["en"]}, tmp_path / "squad")
    train = rows(out, "en", "train")
    assert [r["title"] for r in train] == ["Rhine", "Rhine", "Marie_Curie"]
    assert train[1]["answers"] == {"text": ["1,230 km"], "answer_start": [82]}
    dev = rows(out, "en", "dev")
    assert dev[0]["answers"]["text"] == ["1889", "in 1889", "1889"]
    for r in train + dev:
        for text, start in zip(r["answers"]["text"], r["answers"]["answer_start"], strict=True):
            assert r["context"][start : start + len(text)] == text


def test_xquad_answers_in_every_language(tmp_path):
    out = prepare("xquad", {"test": ["en", "de", "zh"]}, tmp_path / "xquad")
    expected = {
        "en": [("1910", 22), ("Ada Byron", 51)],
        "de": [("1910", 21), ("Ada Byron", 62)],
        "zh": [("1910年", 4), ("艾达·拜伦", 18)],
    }
    for lang, answers in expected.items():
        got = rows(out, lang, "test")
        assert [r["id"] for r in got] == ["Q1", "Q2"]
        assert [(r["answers"]["text"][0], r["answers"]["answer_start"][0]) for r in got] == answers
        for r, (text, start) in zip(got, answers, strict=True):
            assert r["context"][start : start + len(text)] == text
    assert rows(out, "zh", "test")[1]["question"] == "第一任馆长是谁？"


def test_mlqa_reads_context_and_question_in_the_same_language(tmp_path):
    out = prepare("mlqa", {"test": ["en", "de"], "dev": ["en"]}, tmp_path / "mlqa")
    de = rows(out, "de", "test")
    assert de[0]["question"] == "Wann brach der Vulkan zuletzt aus?"
    assert de[0]["answers"] == {"text": ["1707"], "answer_start": [25]}
    assert rows(out, "en", "dev")[0]["answers"]["text"] == ["the Mediterranean Sea"]
    assert set(manifest(out)["source"]["input_sha256"]) == {
        "test/test-context-en-question-en.json",
        "test/test-context-de-question-de.json",
        "dev/dev-context-en-question-en.json",
    }


def test_tydiqa_keeps_the_language_by_id_prefix(tmp_path):
    out = prepare("tydiqa", {"train": ["en"], "test": ["en", "ar", "fi"]}, tmp_path / "tydiqa")
    assert [r["id"] for r in rows(out, "en", "train")] == ["english-1001-0", "english-1002-0"]
    assert [r["id"] for r in rows(out, "en", "test")] == ["english-3001-0"]
    ar = rows(out, "ar", "test")
    assert [r["id"] for r in ar] == ["arabic-4001-0", "arabic-4001-1"]
    assert ar[0]["answers"] == {"text": ["كل 27 يوما"], "answer_start": [21]}
    assert [r["id"] for r in rows(out, "fi", "test")] == ["finnish-5001-0"]


def test_lareqa_gold_is_the_answer_sentence_in_every_language(tmp_path):
    out = prepare(
        "lareqa",
        {"train": ["en"], "dev": ["en"], "test": ["en", "de", "zh"]},
        tmp_path / "lareqa",
        conventions={"retrieval_inputs": "plain"},
    )
    candidates = {
        c["id"]: c["text"]
        for lang in ("en", "de", "zh")
        for c in rows(out, lang, "test", candidates=True)
    }
    assert [c["id"] for c in rows(out, "zh", "test", candidates=True)] == [
        "zh-0-0-0",
        "zh-0-0-1",
        "zh-0-0-2",
        "zh-0-1-0",
        "zh-0-1-1",
    ]
    de = rows(out, "de", "test")
    assert [q["id"] for q in de] == ["de-r-q1", "de-r-q2", "de-r-q3"]
    assert de[0]["query"] == "Wann wurde die Burg erbaut?"
    gold = {q["id"]: q["gold"] for lang in ("en", "de", "zh") for q in rows(out, lang, "test")}
    assert (
        gold["en-r-q1"]
        == gold["de-r-q1"]
        == gold["zh-r-q1"]
        == [
            "de-0-0-1",
            "en-0-0-1",
            "zh-0-0-1",
        ]
    )
    assert [candidates[c] for c in gold["zh-r-q1"]] == [
        "Sie wurde 1350 erbaut.",
        "It was built in 1350.",
        "它建于1350年。",
    ]
    assert [candidates[c] for c in gold["en-r-q3"]] == [
        "Er findet jeden Freitag statt.",
        "It is held every Friday.",
        "集市每周五举行。",
    ]
    # Training pairs: SQuAD question -> the sentence holding its answer.
    assert [(r["query"], r["positive"]) for r in rows(out, "en", "train")] == [
        ("Where does the Rhine rise?", "The Rhine rises in the Swiss Alps."),
        ("How long is the Rhine?", "Its length is 1,230 km."),
        ("Where was Marie Curie born?", "She was born in Warsaw in 1867."),
    ]
    assert rows(out, "en", "dev")[1]["positive"] == "It is 330 metres tall."
    assert set(manifest(out)["source"]["input_sha256"]) == {
        "../squad/train-v1.1.json",
        "../squad/dev-v1.1.json",
        "xquad-r/en.json",
        "xquad-r/de.json",
        "xquad-r/zh.json",
    }


def test_mewsli_brackets_the_mention_and_links_gold_entities(tmp_path):
    out = prepare(
        "mewsli",
        {"train": ["en"], "dev": ["en"], "test": ["de", "ar"]},
        tmp_path / "mewsli",
        conventions={"retrieval_inputs": "plain"},
    )
    train = rows(out, "en", "train")
    assert train == [
        {
            "id": "wp-train-0",
            "query": "Their last concert was in [Berlin].",
            "positive": "Berlin. Berlin is the capital of Germany.",
        },
        {
            "id": "wp-train-1",
            "query": "[Copenhagen] hosts the festival.",
            "positive": "Copenhagen. Copenhagen is the capital of Denmark.",
        },
    ]
    assert rows(out, "en", "dev")[0]["query"] == "[Tokyo] is large."
    assert rows(out, "de", "test") == [
        {
            "id": "de-m-1",
            "query": "Der Zug von [Wien] nach Berlin fährt täglich.",
            "gold": ["Q1741"],
        },
        {"id": "de-m-2", "query": "In [Berlin] endet die Strecke.", "gold": ["Q64"]},
    ]
    assert rows(out, "ar", "test") == [
        {"id": "ar-m-1", "query": "زار الوفد [الإسكندرية] يوم الخميس.", "gold": ["Q87"]}
    ]
    # One shared candidate set, stored once: with the first language (ar sorts before de).
    candidates = rows(out, "ar", "test", candidates=True)
    assert [c["id"] for c in candidates] == ["Q64", "Q1741", "Q1748", "Q3766", "Q87"]
    assert candidates[1]["text"] == "Wien. Wien ist die Hauptstadt Österreichs."
    assert not (out / "de" / "test.candidates.parquet").exists()
    assert "candidate_set_entities.jsonl" in manifest(out)["source"]["input_sha256"]


def test_mewsli_english_test_has_only_english_mentions(tmp_path):
    out = prepare("mewsli", {"test": ["en", "de"]}, tmp_path / "mewsli")
    assert [q["id"] for q in rows(out, "en", "test")] == ["en-m-1"]


def test_tatoeba_pairs_are_gold_and_candidates_are_english(tmp_path):
    out = prepare("tatoeba", {"test": ["de", "zh"]}, tmp_path / "tatoeba")
    de = rows(out, "de", "test")
    assert de == [
        {"id": "de-00000", "query": "Ich trinke gern Tee.", "gold": ["de-00000"]},
        {"id": "de-00001", "query": "Wo ist der Bahnhof?", "gold": ["de-00001"]},
        {"id": "de-00002", "query": "Das Wetter ist schön heute.", "gold": ["de-00002"]},
    ]
    assert rows(out, "zh", "test", candidates=True) == [
        {"id": "zh-00000", "text": "I like drinking tea."},
        {"id": "zh-00001", "text": "Where is the train station?"},
    ]
    assert set(manifest(out)["source"]["input_sha256"]) == {
        "tatoeba.deu-eng.deu",
        "tatoeba.deu-eng.eng",
        "tatoeba.cmn-eng.cmn",
        "tatoeba.cmn-eng.eng",
    }


# --- errors -------------------------------------------------------------------------------------
def test_a_missing_release_file_is_named(tmp_path):
    with pytest.raises(store.DataError) as err:
        prepare("xquad", {"test": ["en", "ro"]}, tmp_path / "xquad")
    message = str(err.value)
    assert str(FIXTURES / "xquad" / "xquad.ro.json") in message
    assert "dataset 'xquad'" in message and "ro/test" in message
    assert not (tmp_path / "xquad").exists()  # nothing half-written


def test_a_missing_release_folder_is_named(tmp_path):
    with pytest.raises(store.DataError, match="release folder .*nowhere.*xnli does not exist"):
        prepare("xnli", {"test": ["en"]}, tmp_path / "xnli", root=tmp_path / "nowhere")


def test_a_corrupt_json_file_is_named(tmp_path):
    root = release_copy(tmp_path, "xquad")
    path = root / "xquad" / "xquad.de.json"
    path.write_text(path.read_text(encoding="utf-8")[:150], encoding="utf-8")
    with pytest.raises(store.DataError) as err:
        prepare("xquad", {"test": ["de"]}, tmp_path / "out", root=root)
    assert str(path) in str(err.value)
    assert "not SQuAD-style JSON" in str(err.value)


def test_a_corrupt_json_line_is_named_with_its_line_number(tmp_path):
    root = release_copy(tmp_path, "xcopa")
    path = root / "xcopa/data/et/test.et.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text(lines[0] + "\n" + lines[1][:40] + "\n", encoding="utf-8")
    with pytest.raises(store.DataError, match=r"test\.et\.jsonl:2: not valid JSON"):
        prepare("xcopa", {"test": ["et"]}, tmp_path / "out", root=root)


@pytest.mark.parametrize(
    "content", ["[1, 2]", '{"data": [{"title": "no paragraphs"}]}'], ids=["list", "article"]
)
def test_json_that_is_not_squad_shaped_is_named(tmp_path, content):
    root = release_copy(tmp_path, "xquad")
    path = root / "xquad" / "xquad.en.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(store.DataError) as err:
        prepare("xquad", {"test": ["en"]}, tmp_path / "out", root=root)
    assert str(path) in str(err.value)


def test_a_conllu_line_with_the_wrong_column_count_is_named(tmp_path):
    root = release_copy(tmp_path, "ud")
    path = root / "ud/ud-treebanks-v2.5/UD_German-AAA/de_aaa-ud-test.conllu"
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[8].startswith("5\tMarkt\t")
    lines[8] = lines[8].rsplit("\t", 1)[0]  # 9 columns
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(store.DataError) as err:
        prepare("udpos", {"test": ["de"]}, tmp_path / "out", root=root)
    assert f"{path}:9:" in str(err.value)
    assert "10 tab-separated columns, found 9" in str(err.value)


def test_a_short_tsv_row_is_named(tmp_path):
    root = release_copy(tmp_path, "glue")
    path = root / "glue/SST-2/train.tsv"
    path.write_text("sentence\tlabel\na fine film\t1\nno label here\n", encoding="utf-8")
    with pytest.raises(store.DataError, match=r"SST-2/train\.tsv:3: 1 columns, the header has 2"):
        prepare("sst2", {"train": ["en"]}, tmp_path / "out", root=root)


def test_a_label_outside_the_label_set_is_named(tmp_path):
    root = release_copy(tmp_path, "xnli")
    path = root / "xnli/XNLI-1.0/xnli.test.tsv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("en\tneutral\t", "en\tneutrall\t"),
        encoding="utf-8",
    )
    with pytest.raises(store.DataError) as err:
        prepare("xnli", {"test": ["en"]}, tmp_path / "out", root=root)
    message = str(err.value)
    assert "'neutrall'" in message and "entailment" in message and "xnli" in message


def test_a_choice_label_out_of_range_is_named(tmp_path):
    root = release_copy(tmp_path, "COPA")
    path = root / "COPA/val.jsonl"
    path.write_text(path.read_text(encoding="utf-8").replace('"label": 0', '"label": 2'))
    with pytest.raises(store.DataError, match="label 2 out of range for 2 choices"):
        prepare("copa", {"dev": ["en"]}, tmp_path / "out", root=root)


def test_a_tag_outside_the_tag_set_is_named(tmp_path):
    root = release_copy(tmp_path, "panx_dataset")
    path = root / "panx_dataset/en/test"
    path.write_text("en:Bob\tB-PERSON\n", encoding="utf-8")
    with pytest.raises(store.DataError, match=r"tag\(s\) \['B-PERSON'\] outside"):
        prepare("panx", {"test": ["en"]}, tmp_path / "out", root=root)


def test_a_label_file_of_the_wrong_length_is_named(tmp_path):
    root = release_copy(tmp_path, "socialiqa-train-dev")
    path = root / "socialiqa-train-dev/train-labels.lst"
    path.write_text("1\n3\n", encoding="utf-8")
    with pytest.raises(store.DataError) as err:
        prepare("siqa", {"train": ["en"]}, tmp_path / "out", root=root)
    assert f"{path}: 2 labels for 3 records" in str(err.value)


def test_an_answer_not_at_its_offset_is_named(tmp_path):
    root = release_copy(tmp_path, "xquad")
    path = root / "xquad" / "xquad.en.json"
    path.write_text(
        path.read_text(encoding="utf-8").replace('"answer_start": 22', '"answer_start": 23')
    )
    with pytest.raises(store.DataError, match="answer '1910' is not at offset 23 of its context"):
        prepare("xquad", {"test": ["en"]}, tmp_path / "out", root=root)


def test_misaligned_tatoeba_files_are_named(tmp_path):
    root = release_copy(tmp_path, "tatoeba")
    eng = root / "tatoeba/tatoeba.deu-eng.eng"
    eng.write_text("I like drinking tea.\nWhere is the train station?\n", encoding="utf-8")
    with pytest.raises(store.DataError) as err:
        prepare("tatoeba", {"test": ["de"]}, tmp_path / "out", root=root)
    message = str(err.value)
    assert str(root / "tatoeba/tatoeba.deu-eng.deu") in message and str(eng) in message
    assert "has 3 lines" in message and "has 2" in message and "not aligned" in message


def test_a_mention_of_an_unknown_entity_is_named(tmp_path):
    root = release_copy(tmp_path, "mewsli-x")
    path = root / "mewsli-x/candidate_set_entities.jsonl"
    kept = [line for line in path.read_text(encoding="utf-8").splitlines() if '"Q1741"' not in line]
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    with pytest.raises(store.DataError, match="de-m-1 links Q1741, absent from the candidate set"):
        prepare("mewsli", {"test": ["de"]}, tmp_path / "out", root=root)


def test_ccg_under_the_default_hub_source_says_it_is_licensed(tmp_path):
    spec = registry.dataset_dicts({})["ccg"]
    assert spec["source"]["kind"] == "unavailable"
    with pytest.raises(store.DataError) as err:
        prepare_dataset("ccg", spec, tmp_path / "ccg", needs={"train": ["en"]})
    message = str(err.value)
    assert "dataset 'ccg'" in message and "licensed" in message
    assert "ccg/ccg.train.tsv" in message and "tags.txt" in message
    assert "data.sources.ccg.kind: release" in message


def test_ccg_message_has_no_unfilled_placeholder(tmp_path):
    with pytest.raises(store.DataError) as err:
        prepare_dataset(
            "ccg", registry.dataset_dicts({})["ccg"], tmp_path / "ccg", needs={"train": ["en"]}
        )
    assert "{release_root}" not in str(err.value)


# --- source_problems: before any job runs ------------------------------------------------------
def study_config(tmp_path: Path, data_section: dict) -> dict:
    """test-small.yaml with real targets (XNLI, XCOPA and its Social IQa prelude) and a CCG
    stage, on the given data section."""
    config = yaml.safe_load(CONFIG_SMALL.read_text(encoding="utf-8"))
    config["resources_dir"] = str(tmp_path / "resources")
    config["data"] = {**config["data"], **data_section}
    config["stages"]["siqa"] = {"tasks": ["siqa"]}
    config["stages"]["ccg"] = {"tasks": ["ccg"]}
    config["recipes"]["ccg"] = ["ccg"]
    config["targets"] = ["xnli", "xcopa"]
    config.pop("retrieval")
    return config


def test_source_problems_lists_missing_release_files(tmp_path):
    root = release_copy(
        tmp_path, "glue", "anli", "xnli", "xcopa", "COPA", "socialiqa-train-dev", "ccg"
    )
    (root / "glue/MNLI/train.tsv").unlink()
    config = study_config(tmp_path, {"source": "release", "release_root": str(root)})
    config["stages"]["anli"] = {"tasks": ["anli"]}
    config["recipes"]["anli"] = ["anli"]
    study = Study(config)
    assert {"mnli", "anli", "xnli", "xcopa", "copa", "siqa", "ccg"} <= set(study.datasets_used())
    problems = sources.source_problems(study)
    mnli = root / "glue/MNLI/train.tsv"
    assert f"dataset 'mnli' en/train: missing release file(s): {mnli}" in problems
    # ANLI's MNLI part (../glue/MNLI/train.tsv) is checked too; its own rounds are there.
    assert (
        f"dataset 'anli' en/train: missing release file(s): {root / 'anli/../glue/MNLI/train.tsv'}"
        in problems
    )
    missing_xcopa = [
        p.split()[2].split("/")[0] for p in problems if p.startswith("dataset 'xcopa'")
    ]
    assert missing_xcopa == ["ht", "id", "it", "qu", "sw", "ta", "th", "tr", "vi"]
    assert any(str(root / "xcopa/data/ht/test.ht.jsonl") in p for p in problems)
    assert len(problems) == 2 + 9  # XNLI, COPA, Social IQa and CCG are all there
    assert not (tmp_path / "resources").exists()  # nothing ran

    # A dataset split already prepared is not checked again; the others still are.
    for split in ("dev", "train"):
        (tmp_path / f"resources/data/mnli/{split}").mkdir(parents=True)
        (tmp_path / f"resources/data/mnli/{split}/manifest.json").write_text("{}")
        unchecked = not any("'mnli'" in p for p in sources.source_problems(study))
        assert unchecked == (split == "train"), split


def test_source_problems_under_the_hub_names_ccg_and_unpinned_ids(tmp_path):
    study = Study(study_config(tmp_path, {}))
    problems = sources.source_problems(study)
    ccg = [p for p in problems if p.startswith("dataset 'ccg'")]
    assert len(ccg) == 1 and "licensed" in ccg[0] and "ccg/ccg.train.tsv" in ccg[0]
    assert "task 'ccg': label set file ccg/tags.txt is missing" in problems
    assert any("'facebook/xnli' is not pinned" in p for p in problems)


@pytest.mark.parametrize("missing", ["siqa", "mewsli"])
def test_source_problems_lists_missing_label_and_entity_files(tmp_path, missing):
    root = release_copy(
        tmp_path, "glue", "xnli", "xcopa", "COPA", "socialiqa-train-dev", "ccg", "mewsli-x"
    )
    culprit = {
        "siqa": root / "socialiqa-train-dev/train-labels.lst",
        "mewsli": root / "mewsli-x/candidate_set_entities.jsonl",
    }[missing]
    culprit.unlink()
    config = study_config(tmp_path, {"source": "release", "release_root": str(root)})
    config["targets"].append("mewsli")
    problems = sources.source_problems(Study(config))
    assert any(str(culprit) in p for p in problems), problems


# --- the real release samples in ../shared/formats ------------------------------------------
needs_formats = pytest.mark.skipif(
    not FORMATS.is_dir(), reason=f"{FORMATS} (real release samples) is not on this machine"
)


@needs_formats
def test_real_xquad_answers_sit_at_their_offsets():
    ids = {}
    for lang in ("en", "de", "zh"):
        got = readers.FILE_READERS["squad_json"](FORMATS / f"xquad/xquad.{lang}.json", {})
        assert got
        records = readers.build_qa(got, {}, None, lang)  # raises on a misplaced answer
        assert all(r["answers"]["text"] for r in records)
        ids[lang] = [r["id"] for r in records]
    assert ids["en"] == ids["de"] == ids["zh"]  # parallel


@needs_formats
def test_real_xquad_r_segments_and_gold_sentences():
    by_lang = {
        lang: readers.FILE_READERS["squad_json"](FORMATS / f"lareqa/xquad-r/{lang}.json", {})
        for lang in ("en", "de")
    }
    for got in by_lang.values():
        for row in got:
            assert [row["context"][s:e] for s, e in row["sentence_breaks"]] == row["sentences"]
    built = readers.build_xquad_r(by_lang, {})
    for lang, (queries, candidates) in built.items():
        assert queries and candidates
        ids = {c["id"] for c in candidates}
        assert all(i.startswith(f"{lang}-") for i in ids)  # each language's own sentences
        for q in queries:
            assert len(q["gold"]) == 2  # the answer sentence in en and in de
            assert sum(g in ids for g in q["gold"]) == 1
    text = {c["id"]: c["text"] for _, cands in built.values() for c in cands}
    first = built["en"][0][0]
    answer = by_lang["en"][0]["answers"]["text"][0]
    assert answer in text[next(g for g in first["gold"] if g.startswith("en-"))]


@needs_formats
def test_real_xcopa_builds_two_choice_records():
    fields = source("xcopa")["fields"]
    for path in sorted((FORMATS / "xcopa").glob("*.jsonl")):
        got = readers.FILE_READERS["jsonl"](path, {})
        records = readers.build_multiple_choice(got, {"fields": fields}, None, path.name)
        assert len(records) == len(got) > 0
        assert all(len(r["choices"]) == 2 and r["label"] in (0, 1) for r in records)
        assert {r["question"] for r in records} <= {"cause", "effect"}


@needs_formats
def test_real_tatoeba_files_align():
    for code in ("deu", "cmn"):
        files = [
            FORMATS / f"tatoeba/tatoeba.{code}-eng.{code}",
            FORMATS / f"tatoeba/tatoeba.{code}-eng.eng",
        ]
        got = readers._aligned_lines(files)
        assert len(got) == len(files[0].read_text(encoding="utf-8").splitlines()) > 0
        assert all(r["source"] and r["target"] for r in got)


@needs_formats
@pytest.mark.parametrize("name", ["de_pud-ud-test", "zh_pud-ud-test", "en_ewt-ud-dev"])
def test_real_conllu_keeps_words_only(name):
    path = FORMATS / f"ud/{name}.conllu"
    got = readers.FILE_READERS["conllu"](path, {})
    lines = path.read_text(encoding="utf-8").splitlines()
    words = [line for line in lines if line.split("\t")[0].isdigit()]
    assert len(got) == sum(line.startswith("# sent_id") for line in lines) > 0
    assert sum(len(r["tokens"]) for r in got) == len(words)
    for r in got:
        assert len(r["tokens"]) == len(r["tags"])
        assert set(r["tags"]) <= set(UPOS)
    if name == "de_pud-ud-test":  # holds `26-27 am` and `5-6 zur`
        tokens = [t for r in got for t in r["tokens"]]
        assert "zur" not in tokens and "am" not in tokens
        assert {"zu", "der", "an", "dem"} <= set(tokens)


@needs_formats
@pytest.mark.parametrize("name", ["en_pud-ud-test", "de_pud-ud-test"])
def test_real_uner_iob2_through_the_columns_reader(name):
    path = FORMATS / f"uner/{name}.iob2"
    got = readers.FILE_READERS["columns"](path, {"token_column": 1, "tag_column": 2})
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(got) == sum(line.startswith("# sent_id") for line in lines) > 0
    tags = set(registry.builtin_dataset_dicts()["panx"]["labels"])
    for r in got:
        assert len(r["tokens"]) == len(r["tags"]) > 0
        assert set(r["tags"]) <= tags
        assert r["tokens"][:2] != ["1", "2"]  # the form column, not the ID column
    assert sum(len(r["tokens"]) for r in got) == sum(
        1 for line in lines if line.split("\t")[0].isdigit()
    )


def test_tydiqa_dev_is_held_out_of_english_train_not_taken_from_test(tmp_path):
    """TyDiQA-GoldP's only English dev is XTREME-R's test: selection uses a held-out part of
    the English training data instead. The fixture has two training questions: too few."""
    with pytest.raises(store.DataError, match="holding out 10% of 2 records leaves a side empty"):
        prepare("tydiqa", {"train": ["en"], "dev": ["en"]}, tmp_path / "tydiqa")
    spec = copy.deepcopy(registry.dataset_dicts(release_config())["tydiqa"])
    assert spec["source"]["holdout"] == {"dev": {"from": "train", "fraction": 0.1}}
    assert "dev" not in spec["source"]["files"]


def test_holdout_split_is_a_stable_partition():
    records = [{"id": f"q{i}"} for i in range(2000)]
    held, kept = holdout_split(records, 0.1, "tydiqa")
    assert 150 < len(held) < 250  # about 10%
    assert {r["id"] for r in held}.isdisjoint(r["id"] for r in kept)
    assert len(held) + len(kept) == 2000
    # membership depends on the id alone: not on order or on the other records
    held_again, _ = holdout_split(records[::-1][:1000], 0.1, "tydiqa")
    assert {r["id"] for r in held_again} == {r["id"] for r in held} & {
        f"q{i}" for i in range(1000, 2000)
    }


def test_prediction_finds_the_shared_candidate_set_once(tmp_path):
    from xstilts.evaluation.predict import shared_candidates

    for lang in ("ar", "de", "en"):
        (tmp_path / lang / "features").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="no tokenised candidate set"):
        shared_candidates(tmp_path)
    (tmp_path / "de" / "candidates").mkdir()
    assert shared_candidates(tmp_path) == "de"
