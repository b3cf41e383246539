"""The official XTREME-R preprocessing conventions and their alternatives (issue 10):
UD words, subword labels, retrieval inputs, ranking ties, Tatoeba's direction. Expected values
are worked out by hand from the official code's behaviour (cited in each module)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import yaml

from xstilts.data import readers, retrieval_inputs, ud
from xstilts.data.features import IGNORE, featurize_tagging
from xstilts.data.prepare import prepare_dataset
from xstilts.data.store import DataError, read_rows
from xstilts.evaluation.predict import merge_tag_pieces, rank
from xstilts.evaluation.scoring import compute_metrics
from xstilts.study import conventions, registry
from xstilts.study.config import ConfigError, Study

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "release"
FORMATS = ROOT.parent / "shared" / "formats"
needs_formats = pytest.mark.skipif(not FORMATS.is_dir(), reason="../shared/formats not present")


def conllu_rows(text: str, tmp_path: Path) -> list[dict]:
    path = tmp_path / "x-ud-test.conllu"
    path.write_text(text.strip() + "\n\n", encoding="utf-8")
    return readers.FILE_READERS["conllu"](path, {})


def line(wid, form, upos, head, deprel="dep", deps="_"):
    return f"{wid}\t{form}\t_\t{upos}\t_\t_\t{head}\t{deprel}\t{deps}\t_"


def mwt(span, form):
    return f"{span}\t{form}\t_\t_\t_\t_\t_\t_\t_\t_"


def sentence(*lines: str) -> str:
    return "\n".join(lines)


def convert(text, tmp_path, lang, mode="xtreme"):
    return ud.convert_rows(conllu_rows(text, tmp_path), lang, mode, "test")


# --- UD words -----------------------------------------------------------------------------------
def test_fused_form_takes_the_tag_of_the_shallowest_word(tmp_path):
    # Spanish `dámelo` = da (root) me lo (its dependents): da is the single highest word.
    text = sentence(
        mwt("1-3", "Dámelo"),
        line(1, "Da", "VERB", 0, "root"),
        line(2, "me", "PRON", 1),
        line(3, "lo", "PRON", 1),
        line(4, ".", "PUNCT", 1),
    )
    [row], counts = convert(text, tmp_path, "es")
    assert row["tokens"] == ["Dámelo", "."] and row["tags"] == ["VERB", "PUNCT"]
    assert counts["multiword_tokens"] == 1


@pytest.mark.parametrize(
    ("lang", "form", "first", "second", "expected"),
    [
        ("de", "am", ("an", "ADP"), ("dem", "DET"), "ADP"),  # default list: ADP before DET
        ("es", "del", ("de", "ADP"), ("el", "DET"), "ADP"),  # es: VERB AUX PRON ADP DET
        ("fr", "du", ("de", "ADP"), ("le", "DET"), "ADP"),
        ("it", "della", ("di", "ADP"), ("la", "DET"), "ADP"),
        ("de", "zum", ("zu", "ADP"), ("dem", "DET"), "ADP"),
        # fr lists PRON before ADP; the default lists NOUN first and lacks nothing here
        ("fr", "auquel", ("à", "ADP"), ("lequel", "PRON"), "PRON"),
        ("de", "beim", ("bei", "ADP"), ("dem", "NOUN"), "NOUN"),
    ],
)
def test_equal_depth_falls_back_to_the_language_precedence_list(
    tmp_path, lang, form, first, second, expected
):
    text = sentence(
        line(1, "X", "VERB", 0, "root"),
        mwt("2-3", form),
        line(2, first[0], first[1], 4),
        line(3, second[0], second[1], 4),
        line(4, "Y", "NOUN", 1),
    )
    [row], _ = convert(text, tmp_path, lang)
    assert row["tokens"] == ["X", form, "Y"]
    assert row["tags"] == ["VERB", expected, "NOUN"]


def test_enhanced_dependencies_count_as_ancestors(tmp_path):
    # Basic tree: both words of the range hang off word 4 (equal depth: DET would lose to ADP).
    # The enhanced edge 5 -> 2 gives word 2 one more ancestor, so word 3 (DET) is the head.
    text = sentence(
        line(1, "X", "VERB", 0, "root"),
        mwt("2-3", "zum"),
        line(2, "zu", "ADP", 4, "case", "4:case|5:dep"),
        line(3, "dem", "DET", 4, "det", "4:det"),
        line(4, "Y", "NOUN", 1, "obl", "1:obl"),
        line(5, "Z", "NOUN", 1, "obj", "1:obj"),
    )
    [row], _ = convert(text, tmp_path, "de")
    assert row["tags"] == ["VERB", "DET", "NOUN", "NOUN"]
    basic_only = text.replace("4:case|5:dep", "_")
    [row], _ = convert(basic_only, tmp_path, "de")
    assert row["tags"] == ["VERB", "ADP", "NOUN", "NOUN"]


def test_a_tag_missing_from_the_precedence_list_ranks_last(tmp_path):
    # es lists no NOUN or SYM: the listed ADP wins (the official script would raise here).
    text = sentence(
        line(1, "X", "VERB", 0, "root"),
        mwt("2-3", "a$"),
        line(2, "$", "SYM", 4),
        line(3, "a", "ADP", 4),
        line(4, "Y", "NOUN", 1),
    )
    [row], _ = convert(text, tmp_path, "es")
    assert row["tags"] == ["VERB", "ADP", "NOUN"]


def test_spaces_and_zwnj_are_removed_inside_words(tmp_path):
    vi = sentence(line(1, "học sinh", "NOUN", 0, "root"), line(2, "đi", "VERB", 1))
    [row], counts = convert(vi, tmp_path, "vi")
    assert row["tokens"] == ["họcsinh", "đi"]
    assert counts["words_with_spaces"] == 1
    fa = sentence(line(1, "می\u200cروم", "VERB", 0, "root"), line(2, ".", "PUNCT", 1))
    [row], counts = convert(fa, tmp_path, "fa")
    assert row["tokens"] == ["میروم", "."] and counts["words_with_zwnj"] == 1
    # syntactic_words keeps the word lines as they are
    [row], _ = convert(vi, tmp_path, "vi", mode="syntactic_words")
    assert row["tokens"] == ["học sinh", "đi"] and "ud_lines" not in row


def test_sentences_with_all_but_one_word_missing_are_dropped(tmp_path):
    text = "\n\n".join(
        [
            sentence(line(1, "_", "NOUN", 0, "root"), line(2, "a", "PUNCT", 1)),  # 1 of 2: dropped
            sentence(
                line(1, "_", "NOUN", 0, "root"), line(2, "b", "VERB", 1), line(3, "c", "NOUN", 1)
            ),  # 1 of 3 missing: kept
            sentence(line(1, "d", "NOUN", 0, "root"), line(2, "e", "VERB", 1)),
        ]
    )
    rows, counts = convert(text, tmp_path, "ja")
    assert [r["tokens"] for r in rows] == [["_", "b", "c"], ["d", "e"]]
    assert counts["dropped_sentences"] == 1 and counts["sentences"] == 2


def test_a_range_over_missing_words_is_named(tmp_path):
    text = sentence(mwt("1-2", "am"), line(1, "an", "ADP", 0, "root"))
    with pytest.raises(ud.UDError, match="multi-word token 1-2 covers missing words"):
        convert(text, tmp_path, "de")


def test_hub_rows_without_conllu_lines_cannot_give_xtremes_words():
    rows = [{"id": "1", "tokens": ["an", "dem"], "tags": ["ADP", "DET"]}]
    with pytest.raises(ud.UDError, match="read the UD release files"):
        ud.convert_rows(rows, "de", "xtreme", "hub")
    assert ud.convert_rows(rows, "de", "syntactic_words", "hub")[0] == rows


@needs_formats
def test_real_german_pud_keeps_am_and_zur_whole():
    rows = readers.FILE_READERS["conllu"](FORMATS / "ud/de_pud-ud-test.conllu", {})
    converted, counts = ud.convert_rows(rows, "de", "xtreme", "de_pud")
    fused = {
        (form, tag)
        for before, after in zip(rows, converted, strict=True)
        for form, tag in zip(after["tokens"], after["tags"], strict=True)
        if form not in before["tokens"]
    }
    assert fused == {("am", "ADP"), ("zur", "ADP")}
    assert counts["multiword_tokens"] == 2
    assert sum(len(r["tokens"]) for r in rows) - sum(len(r["tokens"]) for r in converted) == 2


# --- retrieval inputs ------------------------------------------------------------------------
def release_spec(name):
    config = {"data": {"source": "release", "release_root": str(FIXTURES)}}
    return registry.dataset_dicts(config)[name]


def test_official_mewsli_queries_brace_the_mention_and_entities_are_descriptions(tmp_path):
    out = tmp_path / "mewsli"
    needs = {"train": ["en"], "test": ["de", "ar"]}
    prepare_dataset("mewsli", release_spec("mewsli"), out, needs=needs, release_root=FIXTURES)
    assert read_rows(out, "de", "test") == [
        {
            "id": "de-m-1",
            "query": "Wien: Der Zug von { Wien } nach Berlin fährt täglich.",
            "gold": ["Q1741"],
        },
        {"id": "de-m-2", "query": "Berlin: In { Berlin } endet die Strecke.", "gold": ["Q64"]},
    ]
    candidates = read_rows(out, "ar", "test", candidates=True)
    assert candidates[1] == {"id": "Q1741", "text": "Wien ist die Hauptstadt Österreichs."}
    train = read_rows(out, "en", "train")
    # `{left} { mention } {right}` then one pass of double spaces: the space before "." stays
    assert train[0]["query"] == "Berlin: Their last concert was in { Berlin } ."
    assert train[0]["positive"] == "Berlin is the capital of Germany."
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["source"]["conventions"] == {"retrieval_inputs": "official"}


def test_official_mention_query_escapes_braces_and_needs_the_mention_sentence():
    context = {
        "text": "First one. A {quoted} word near Kyiv\nand {more} here.",
        "sentence_spans": [{"start": 0, "end": 10}, {"start": 11, "end": 53}],
    }
    mention = {"example_id": "m", "mention_span": {"start": 32, "end": 36, "text": "Kyiv"}}
    assert (
        retrieval_inputs.mention_query(context, mention)
        == "Kyiv: A (quoted) word near { Kyiv } and (more) here."
    )
    outside = {"example_id": "m2", "mention_span": {"start": 5, "end": 14, "text": "one. A {q"}}
    with pytest.raises(retrieval_inputs.RetrievalInputError, match="m2: no sentence span"):
        retrieval_inputs.mention_query(context, outside)
    entity = {"description": "One.  Two.\nThree", "sentence_spans": [{"start": 0, "end": 4}]}
    assert retrieval_inputs.entity_text(entity) == "One."


def test_official_lareqa_candidates_are_sentence_then_paragraph(tmp_path):
    out = tmp_path / "lareqa"
    needs = {"train": ["en"], "test": ["en", "de", "zh"]}
    prepare_dataset("lareqa", release_spec("lareqa"), out, needs=needs, release_root=FIXTURES)
    plain = tmp_path / "plain"
    prepare_dataset(
        "lareqa",
        release_spec("lareqa"),
        plain,
        needs=needs,
        release_root=FIXTURES,
        conventions={"retrieval_inputs": "plain"},
    )
    for lang in ("en", "de", "zh"):
        official = read_rows(out, lang, "test", candidates=True)
        sentences = read_rows(plain, lang, "test", candidates=True)
        assert [c["id"] for c in official] == [c["id"] for c in sentences]
        for c, s in zip(official, sentences, strict=True):
            assert c["text"].startswith(s["text"]) and len(c["text"]) > len(s["text"])
        assert read_rows(out, lang, "test") == read_rows(plain, lang, "test")  # same gold
    de = read_rows(out, "de", "test", candidates=True)[1]["text"]
    assert de.startswith("Sie wurde 1350 erbaut.") and de.count("Sie wurde 1350 erbaut.") == 2
    # training: the pair (answer sentence, paragraph)
    pair = read_rows(out, "en", "train")[0]
    assert pair["positive"] == "The Rhine rises in the Swiss Alps."
    assert pair["positive_context"].startswith("The Rhine rises in the Swiss Alps.")
    assert "positive_context" not in read_rows(plain, "en", "train")[0]


def test_conventions_are_config_values_with_official_defaults():
    config = yaml.safe_load((ROOT / "config/test-small.yaml").read_text())
    assert conventions.conventions(config) == {
        "ud_tokens": "xtreme",
        "tag_label_piece": "first",
        "retrieval_inputs": "official",
    }
    config["conventions"] = {"ud_tokens": "words"}
    with pytest.raises(ConfigError, match="conventions.ud_tokens: 'words' is not allowed"):
        Study(config)
    real = registry.dataset_dicts({"data": {"source": "release"}})
    assert conventions.dataset_conventions({}, real["udpos"]) == {"ud_tokens": "xtreme"}
    assert conventions.dataset_conventions({}, real["mewsli"]) == {"retrieval_inputs": "official"}
    assert conventions.dataset_conventions({}, real["xnli"]) == {}
    toy = registry.dataset_dicts({})["toy-udpos"]
    assert conventions.dataset_conventions({}, toy) == {}  # the generator's words are its own


def test_hub_udpos_is_flagged_before_any_job():
    spec = registry.dataset_dicts({})["udpos"]
    assert "holds UD's syntactic words only" in ud.source_problem("udpos", spec, "xtreme")
    assert ud.source_problem("udpos", spec, "syntactic_words") is None


def test_prepare_reports_the_hub_limit(tmp_path):
    spec = registry.dataset_dicts({})["udpos"]
    spec["source"] = {"kind": "hub", "id": "nowhere/none", "allow_unpinned": True}
    with pytest.raises(DataError):
        prepare_dataset("udpos", spec, tmp_path / "x", needs={"test": ["de"]})


# --- subword labels ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tokenizer():
    from xstilts.model.pretrain import build_tokenizer

    return build_tokenizer(["the small cat sat on the red mat", "北京 是 中国 的 首都"] * 40, 120)


def test_first_piece_carries_the_label_even_when_it_is_a_bare_marker(tokenizer):
    # `zebra` is not in the vocabulary: it starts with a bare '▁' piece.
    pieces = tokenizer.convert_ids_to_tokens(
        tokenizer(["zebra"], is_split_into_words=True, add_special_tokens=False)["input_ids"]
    )
    assert pieces[0] == "▁" and len(pieces) > 2
    rows = {"id": ["s"], "tokens": [["cat", "zebra", "mat"]], "tags": [["A", "B", "A"]]}
    label_to_id = {"A": 0, "B": 1}
    first = featurize_tagging(rows, tokenizer, 64, label_to_id)
    non_bare = featurize_tagging(rows, tokenizer, 64, label_to_id, label_piece="first_non_bare")
    assert first["input_ids"] == non_bare["input_ids"]
    ids = first["input_ids"][0]
    zebra = ids.index(tokenizer.convert_tokens_to_ids("▁"))
    assert first["labels"][0][zebra] == 1  # XTREME: on the bare marker
    assert non_bare["labels"][0][zebra] == IGNORE
    assert non_bare["labels"][0][zebra + 1] == 1  # the next piece
    for out in (first, non_bare):
        assert [x for x in out["labels"][0] if x != IGNORE] == [0, 1, 0]
    # predictions are read back at the labelled positions, one per word
    logits = torch.zeros(len(ids), 2)
    logits[zebra + 1, 1] = 5.0
    merged = merge_tag_pieces(non_bare, [logits], ["A", "B"], 1, ["s"])
    assert merged == {"s": ["A", "B", "A"]}
    with pytest.raises(ValueError, match="tag_label_piece"):
        featurize_tagging(rows, tokenizer, 64, label_to_id, label_piece="last")


# --- ranking ties and Tatoeba's direction -------------------------------------------------------
def test_ties_are_broken_as_the_official_code_breaks_them():
    import numpy as np

    queries = torch.tensor([[1.0, 0.0]])
    candidates = torch.tensor([[0.5, 0.5], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    ids = ["a", "b", "c", "d", "e"]
    assert rank(queries, candidates, ids, k=4, ties="lowest_index") == [["b", "c", "e", "a"]]
    expected = np.argsort(np.array([0.5, 1.0, 1.0, 0.0, 1.0], dtype=np.float32))[::-1][:4]
    assert rank(queries, candidates, ids, k=4, ties="argsort") == [[ids[i] for i in expected]]
    with pytest.raises(ValueError, match="unknown tie rule"):
        rank(queries, candidates, ids, ties="random")


def test_task_specs_carry_the_official_direction_and_ties():
    study = Study(yaml.safe_load((ROOT / "config/test-small.yaml").read_text()))
    study.config["retrieval"] = {}
    assert study.retrieval_settings("toy-tatoeba")["direction"] == "en-xx"
    assert study.retrieval_settings("toy-lareqa")["direction"] == "xx-en"
    assert study.tasks["toy-lareqa"].extra["ties"] == "argsort"
    real = registry.tasks({})
    assert real["tatoeba"].extra == {**real["tatoeba"].extra, "direction": "en-xx"}
    assert real["mewsli"].extra["ties"] == "lowest_index"


def test_english_to_other_scores_alone_without_a_phantom_direction():
    spec = registry.tasks({})["tatoeba"]
    gold = {"de-0": ["de-0"], "de-1": ["de-1"]}
    # each English sentence (candidate id) searches the German ones (query ids)
    rows = [
        {"id": "de-0", "direction": "en-xx", "prediction": ["de-0"]},
        {"id": "de-1", "direction": "en-xx", "prediction": ["de-0"]},
    ]
    assert compute_metrics(spec, rows, gold, "de") == {"accuracy_en-xx": 50.0, "accuracy": 50.0}
    both = rows + [
        {"id": "de-0", "direction": "xx-en", "prediction": ["de-0"]},
        {"id": "de-1", "direction": "xx-en", "prediction": ["de-1"]},
    ]
    assert compute_metrics(spec, both, gold, "de") == {
        "accuracy_xx-en": 100.0,
        "accuracy_en-xx": 50.0,
        "accuracy": 75.0,
    }
