"""Multilingual stages: machine-translated data with the round-trip chrF filter, continued
MLM (alone or mixed), sampling over (task, language) units with the mix recorded, and the
labelling of cells that are not zero-shot."""

import json
from pathlib import Path

import pytest
import torch
from test_training import STAGE, WORDS, _task, setup  # noqa: F401  (fixture)

from xstilts.data.synthetic import generate
from xstilts.data.translate import (
    DictionaryTranslator,
    filter_shard,
    round_trip_chrf,
    translate_shard,
)
from xstilts.study.config import Study, load_config
from xstilts.study.registry import task_from_dict

# --- translation and the chrF filter ----------------------------------------------------------


def test_chrf_of_known_pairs():
    scores = round_trip_chrf(["the cat sat", "the cat sat", "abc"], ["the cat sat", "", "xyz"])
    assert scores[0] == pytest.approx(100.0)
    assert scores[1] == pytest.approx(0.0)  # nothing came back
    assert scores[2] == pytest.approx(0.0)  # no character n-gram in common


def test_filter_keeps_examples_at_or_above_the_threshold():
    rows = [
        {"record": {"id": str(i)}, "chrf": score} for i, score in enumerate([95, 50, 70, 70.0, 12])
    ]
    kept, stats = filter_shard(rows, 70)
    assert [r["id"] for r in kept] == ["0", "2", "3"]  # 70 is kept (>=), 50 and 12 are not
    assert stats["kept"] == 3 and stats["n"] == 5
    assert stats["kept_fraction"] == pytest.approx(0.6)
    assert stats["chrf_mean"] == pytest.approx((95 + 50 + 70 + 70 + 12) / 5)
    # histogram bins of width 10: 12 -> [10,20), 50 -> [50,60), 70, 70 -> [70,80), 95 -> [90,100]
    assert stats["chrf_histogram_per_10"] == [0, 1, 0, 0, 0, 1, 0, 2, 0, 1]
    assert len(stats["chrf_deciles"]) == 9


def test_dictionary_translator_translates_and_comes_back():
    translator = DictionaryTranslator(seed=13)
    english = "he did not send these terrible tickets in the new good street yesterday."
    [foreign] = translator.translate([english], "en", "xb")
    assert foreign != english and not foreign.isascii()  # xb is written in Cyrillic
    [back] = translator.translate([foreign], "xb", "en")
    assert back == english
    # Tense is lost word by word: the round trip of a past form is not exact.
    [past] = translator.translate(translator.translate(["he loved a cat."], "en", "xa"), "xa", "en")
    assert past != "he loved a cat." and round_trip_chrf(["he loved a cat."], [past])[0] < 100


class CountingTranslator(DictionaryTranslator):
    def __init__(self):
        super().__init__(seed=13)
        self.translated = 0

    def translate(self, texts, source, target):
        self.translated += len(texts)
        return super().translate(texts, source, target)


class KilledAfter(Exception):
    pass


class DyingTranslator(CountingTranslator):
    """Dies (like a SIGKILLed job) after translating `chunks` chunks there and back."""

    def __init__(self, chunks: int):
        super().__init__()
        self.calls, self.limit = 0, 2 * chunks

    def translate(self, texts, source, target):
        if self.calls == self.limit:
            raise KilledAfter
        self.calls += 1
        return super().translate(texts, source, target)


def _translate(records, out, translator, **key):
    return translate_shard(
        records, "classification", "xa", translator, out, chunk_size=10, key=key, log=print
    )


def test_translate_shard_resumes_after_its_last_chunk(tmp_path):
    records = generate("toy-mnli", "en", "train", seed=13)[:50]
    out = tmp_path / "xa.jsonl"
    with pytest.raises(KilledAfter):
        _translate(records, out, DyingTranslator(chunks=2), seed=1)
    partial = Path(f"{out}.partial")
    assert len(partial.read_text().splitlines()) == 1 + 20  # the header, two chunks
    second = CountingTranslator()
    _translate(records, out, second, seed=1)
    assert second.translated == 2 * 2 * 30  # two fields, there and back, 30 examples left
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["record"]["id"] for r in rows] == [r["id"] for r in records]
    assert not partial.exists()
    assert all(0 <= r["chrf"] <= 100 for r in rows)
    assert rows[0]["record"]["label"] == records[0]["label"]  # labels travel unchanged
    reference = tmp_path / "ref.jsonl"
    _translate(records, reference, CountingTranslator(), seed=1)
    assert out.read_text() == reference.read_text()  # resumed = uninterrupted


def _interrupted(records, out):
    with pytest.raises(KilledAfter):
        _translate(records, out, DyingTranslator(chunks=2), seed=1)
    return Path(f"{out}.partial")


def test_translate_shard_drops_a_line_cut_mid_write(tmp_path):
    records = generate("toy-mnli", "en", "train", seed=13)[:30]
    out = tmp_path / "xa.jsonl"
    partial = _interrupted(records, out)
    text = partial.read_text()
    partial.write_text(text + text.splitlines()[-1][:25])  # a kill in the middle of a line
    translator = CountingTranslator()
    _translate(records, out, translator, seed=1)
    assert translator.translated == 2 * 2 * 10  # the cut line is not counted as done
    assert len(out.read_text().splitlines()) == 30


def test_translate_shard_discards_a_partial_of_other_settings(tmp_path):
    records = generate("toy-mnli", "en", "train", seed=13)[:30]
    out = tmp_path / "xa.jsonl"
    _interrupted(records, out)
    translator = CountingTranslator()
    _translate(records, out, translator, seed=2)  # another translator setting
    assert translator.translated == 2 * 2 * 30  # nothing reused
    reference = tmp_path / "ref.jsonl"
    _translate(records, reference, CountingTranslator(), seed=2)
    assert out.read_text() == reference.read_text()


def test_translate_shard_discards_a_partial_longer_than_its_source(tmp_path):
    records = generate("toy-mnli", "en", "train", seed=13)[:30]
    out = tmp_path / "xa.jsonl"
    _interrupted(records, out)
    translator = CountingTranslator()
    _translate(records[:15], out, translator, seed=1)  # the source shrank
    assert len(out.read_text().splitlines()) == 15
    assert translator.translated == 2 * 2 * 15


def test_spans_cannot_be_translated(tmp_path):
    with pytest.raises(ValueError, match="'qa' data is not supported"):
        translate_shard([{"id": "1"}], "qa", "xa", DictionaryTranslator(), tmp_path / "x.jsonl")


def test_transformers_translator_runs_a_seq2seq_model(tmp_path):
    """The real MT code path on a tiny randomly initialised seq2seq model saved locally."""
    from transformers import BartConfig, BartForConditionalGeneration

    from xstilts.data.translate import make_translator
    from xstilts.model.pretrain import build_tokenizer

    tokenizer = build_tokenizer(["the cat sat on the mat", "a dog ran home"] * 20, 80)
    config = BartConfig(
        vocab_size=len(tokenizer),
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=64,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.bos_token_id,
    )
    torch.manual_seed(0)
    BartForConditionalGeneration(config).save_pretrained(tmp_path / "mt")
    tokenizer.save_pretrained(tmp_path / "mt")
    translator = make_translator(
        {"kind": "transformers", "model": str(tmp_path / "mt"), "max_length": 8}
    )
    out = translator.translate(["the cat sat", "a dog ran home"], "en", "de")
    assert len(out) == 2 and all(isinstance(t, str) for t in out)
    assert translator.info == {
        "kind": "transformers",
        "model": str(tmp_path / "mt"),
        "revision": None,
    }


# --- continued MLM and mixing languages -----------------------------------------------------------


def test_masking_never_touches_special_tokens():
    from xstilts.model.modeling import mask_tokens
    from xstilts.runtime import IGNORE

    torch.manual_seed(0)
    ids = torch.randint(5, 100, (64, 40))
    ids[:, 0], ids[:, -1], ids[:8, 30:] = 0, 2, 1  # <s>, </s>, padding
    special = torch.tensor([0, 1, 2, 3, 4])
    masked, labels = mask_tokens(ids, special, mask_id=4, vocab_size=100)
    chosen = labels != IGNORE
    assert not chosen[torch.isin(ids, special)].any()
    assert 0.12 < chosen.float().sum() / (~torch.isin(ids, special)).sum() < 0.18  # ~15%
    assert torch.equal(labels[chosen], ids[chosen])
    assert ((masked == 4) & chosen).sum() > 0.7 * chosen.sum()  # ~80% become <mask>
    assert torch.equal(masked[~chosen], ids[~chosen])


@pytest.fixture(scope="module")
def text_features(setup):  # noqa: F811
    import datasets

    from xstilts.data.features import featurize_split, load_tokenizer, write_features_manifest
    from xstilts.data.store import write_manifest

    tokenizer = load_tokenizer(setup / "init")
    root = setup / "mlm"
    for lang, words in (("en", WORDS[:5]), ("xa", WORDS[5:])):
        rows = [
            {"id": f"{lang}-{i}", "text": f"the {a} and the {b}"}
            for i, (a, b) in enumerate(zip(words * 20, words[::-1] * 20, strict=True))
        ]
        (root / "data" / lang).mkdir(parents=True, exist_ok=True)
        datasets.Dataset.from_list(rows).to_parquet(str(root / "data" / lang / "train.parquet"))
    write_manifest(root / "data", "t", "text", {"kind": "test"})
    for lang in ("en", "xa"):
        featurize_split(
            root / "data",
            lang,
            "train",
            "text",
            tokenizer,
            {"max_length": 16},
            root / "features" / lang,
        )
    write_features_manifest(root / "features", params={"max_length": 16})
    return root


MLM = task_from_dict(
    "mlm",
    {
        "role": "intermediate",
        "head": "mlm",
        "metric": "none",
        "primary": "none",
        "train": {"dataset": "t", "split": "train", "languages": ["en", "xa"]},
    },
)


def _mixed_stage(setup, text_features, out, **kwargs):  # noqa: F811
    from xstilts.model.training import TrainTask, train

    mlm = TrainTask(
        "mlm",
        MLM,
        {"batch_size": 8},
        [text_features / "features/en", text_features / "features/xa"],
        languages=["en", "xa"],
    )
    return train(
        setup / "init",
        [_task(setup), mlm],
        setup / out,
        seed=3,
        stage_params={**STAGE, "max_steps": 40, "eval_every": 20, "checkpoint_every": 10},
        sampling={"method": "uniform", "by": "task_language"},
        save_heads=False,
        metadata={},
        log=lambda m: None,
        **kwargs,
    )


def test_mixed_stage_samples_task_language_units_and_records_the_mix(setup, text_features):  # noqa: F811
    summary = _mixed_stage(setup, text_features, "mixed")
    assert summary["sampling"]["units"] == ["toy-same:en", "mlm:en", "mlm:xa"]
    assert summary["sampling"]["probabilities"] == pytest.approx(
        {"toy-same:en": 1 / 3, "mlm:en": 1 / 3, "mlm:xa": 1 / 3}
    )
    assert sum(summary["sampling"]["batches_drawn"].values()) == 40
    saved = json.loads((setup / "mixed/xstilts.json").read_text())
    assert saved["sampling"]["units"] == summary["sampling"]["units"]
    assert "toy-same" in summary["best_dev"] and "mlm" not in summary["best_dev"]


def test_mixed_stage_with_mlm_resumes_bit_identically(setup, text_features):  # noqa: F811
    from safetensors.torch import load_file

    from xstilts.model.training import Preempted

    full = _mixed_stage(setup, text_features, "mlm-full")
    checkpoint = setup / "mlm-resume.ckpt"
    with pytest.raises(Preempted):
        _mixed_stage(
            setup, text_features, "mlm-resume", checkpoint_path=checkpoint, stop_after_step=25
        )
    resumed = _mixed_stage(setup, text_features, "mlm-resume", checkpoint_path=checkpoint)
    assert resumed["resumed_from_step"] == 25  # the interrupted step is checkpointed
    a, b = (
        load_file(setup / "mlm-full/model.safetensors"),
        load_file(setup / "mlm-resume/model.safetensors"),
    )
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert full["best_step"] == resumed["best_step"]


def test_mlm_only_stage_keeps_its_last_step(setup, text_features):  # noqa: F811
    from xstilts.model.training import TrainTask, train

    mlm = TrainTask(
        "mlm", MLM, {"batch_size": 8}, [text_features / "features/en"], languages=["en"]
    )
    summary = train(
        setup / "init",
        [mlm],
        setup / "mlm-only",
        seed=1,
        stage_params={**STAGE, "max_steps": 30, "eval_every": 10},
        save_heads=False,
        metadata={},
        log=lambda m: None,
    )
    assert summary["best_step"] == 30
    assert summary["selection"].startswith("last step")
    losses = [c["train_loss"] for c in summary["curve"]]
    assert losses[-1] < losses[0]  # the MLM loss goes down


# --- labelling and the research question ------------------------------------------------------


def test_default_recipes_are_labelled_and_compared():
    study = Study(load_config("config.yaml"))
    kinds = {r: study.recipe_kind(r) for r in study.recipes}
    assert kinds == {
        "baseline": "baseline",
        "mnli": "English-only",
        "pawsx": "multilingual-only",
        "pawsx-mnli": "multilingual->English",
        "mtmnli-mnli": "multilingual->English",
        "multitask": "multi-task",
    }
    pairs = study.comparisons()
    assert ("pawsx-mnli", "mnli") in pairs and ("mtmnli-mnli", "mnli") in pairs
    assert ("pawsx-mnli", "baseline") in pairs


def test_translated_target_data_marks_cells_translate_train():
    study = Study(load_config("config.yaml"))
    # Machine-translated MNLI is XNLI's translate-train data; PAWS-X is no XTREME-R target.
    assert study.setting("mtmnli-mnli", "toy-xnli") == "translate-train"
    assert study.setting("mtmnli-mnli", "toy-xquad") == "zero-shot"
    assert study.setting("pawsx-mnli", "toy-xnli") == "zero-shot"
    # English-only translated data would keep the cell zero-shot.
    config = load_config("config.yaml")
    config["stages"]["mtmnli"]["languages"] = {"toy-mnli-mt": ["en"]}
    assert Study(config).setting("mtmnli-mnli", "toy-xnli") == "zero-shot"


def test_in_language_training_data_of_a_target_is_marked():
    config = load_config("config/xtreme-r.yaml")
    config["tasks"] = {
        "panx-multi": {
            "role": "intermediate",
            "head": "tagging",
            "labels": ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"],
            "metric": "seqeval",
            "primary": "f1",
            "setting": "in-language",
            "train": {"dataset": "panx", "split": "train", "languages": ["en", "de", "fr"]},
            "dev": {"dataset": "panx", "split": "dev", "languages": ["en"]},
        }
    }
    config["stages"]["panx-multi"] = {"tasks": ["panx-multi"]}
    config["recipes"]["panx-multi"] = ["panx-multi"]
    study = Study(config)
    assert study.setting("panx-multi", "panx") == "in-language"  # WikiANN's own train data
    assert study.setting("panx-multi", "udpos") == "zero-shot"
    assert study.setting("pawsx-mnli", "xnli") == "zero-shot"


def test_dictionary_error_rate_makes_quality_differ_by_language():
    english = [r["text_a"] for r in generate("toy-mnli", "en", "train", seed=13)[:200]]
    clean = DictionaryTranslator(seed=13)
    noisy = DictionaryTranslator(seed=13, error_rate={"xa": 0.3})

    def mean_chrf(translator, lang):
        back = translator.translate(translator.translate(english, "en", lang), lang, "en")
        return sum(round_trip_chrf(english, back)) / len(english)

    assert mean_chrf(noisy, "xa") < mean_chrf(clean, "xa") - 5  # errors lower the round trip
    assert mean_chrf(noisy, "xb") == mean_chrf(clean, "xb")  # other languages untouched
    again = DictionaryTranslator(seed=13, error_rate={"xa": 0.3})
    assert again.translate(english[:20], "en", "xa") == noisy.translate(english[:20], "en", "xa")


def test_full_study_recipes_and_comparisons():
    study = Study(load_config("config/xtreme-r.yaml"))
    kinds = {r: study.recipe_kind(r) for r in study.recipes}
    assert kinds["all9"] == "multi-task" and kinds["mnli"] == "English-only"
    # A multilingual stage before an English multi-task stage is still multilingual->English.
    assert kinds["pawsx-all9"] == kinds["mlm-pawsx-mnli"] == "multilingual->English"
    pairs = study.comparisons()
    for pair in [("pawsx-all9", "all9"), ("mlm-pawsx-mnli", "mnli"), ("pawsx-squad", "squad")]:
        assert pair in pairs
    marked = {
        (r, t): study.setting(r, t)
        for r in study.recipes
        for t in study.targets
        if study.setting(r, t) != "zero-shot"
    }
    assert marked == {
        ("mtmnli-mnli", "xnli"): "translate-train",
        ("tydiqa-ml-squad", "tydiqa"): "in-language",
    }


def test_translated_squad_marks_both_qa_targets_it_serves():
    config = load_config("config/xtreme-r.yaml")
    config["stages"]["squad-mt"] = {"tasks": ["squad-mt"], "languages": {"squad-mt": ["de", "zh"]}}
    config["recipes"]["squad-mt-squad"] = ["squad-mt", "squad"]
    study = Study(config)
    assert study.setting("squad-mt-squad", "mlqa") == "translate-train"
    assert study.setting("squad-mt-squad", "xquad") == "translate-train"
    assert study.setting("squad-mt-squad", "tydiqa") == "zero-shot"
