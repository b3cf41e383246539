"""Encoder families: tiny BERT-style (positions from 0, segment ids, `cls.predictions` or no LM
head) and XLM-R-style (offset positions, `lm_head`) models through every head, retrieval
layer/pooling, continued MLM, fetching, length checks and input prefixes."""

import json

import pytest
import torch

from xstilts.io import write_folder_record
from xstilts.runtime import IGNORE
from xstilts.study.registry import task_from_dict

CORPUS = [
    "the cat sat on the mat",
    "Anna Berg went to Nova Bank in Lund",
    "where did Anna go ? she went to Lund .",
    "der Hund lief nach Hause",
    "кошка сидит на коврике",
] * 30


def bert_tokenizer():
    """A WordPiece tokenizer with BERT's specials and segment ids (0, then 1 for the pair)."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.train_from_iterator(
        CORPUS, trainers.WordPieceTrainer(vocab_size=150, special_tokens=specials)
    )
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)],
    )
    return BertTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )


def make_model(path, family: str, lm_head: bool, tied: bool = True):
    """A tiny model folder (encoder + tokenizer) of one family."""
    from transformers import (
        BertConfig,
        BertForMaskedLM,
        BertModel,
        XLMRobertaConfig,
        XLMRobertaForMaskedLM,
        XLMRobertaModel,
    )

    from xstilts.model.pretrain import build_tokenizer

    torch.manual_seed(0)
    sizes = dict(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32)
    if family == "bert":
        tokenizer = bert_tokenizer()
        config = BertConfig(
            vocab_size=len(tokenizer),
            max_position_embeddings=40,
            pad_token_id=tokenizer.pad_token_id,
            tie_word_embeddings=tied,
            **sizes,
        )
        model = BertForMaskedLM(config) if lm_head else BertModel(config, add_pooling_layer=False)
    else:
        tokenizer = build_tokenizer(CORPUS, 120)
        config = XLMRobertaConfig(
            vocab_size=len(tokenizer),
            max_position_embeddings=42,
            pad_token_id=tokenizer.pad_token_id,
            type_vocab_size=1,
            **sizes,
        )
        model = (
            XLMRobertaForMaskedLM(config)
            if lm_head
            else XLMRobertaModel(config, add_pooling_layer=False)
        )
    model.save_pretrained(str(path))
    tokenizer.save_pretrained(str(path))
    write_folder_record(path, {"kind": f"test: tiny {family}"})
    return str(path)


FAMILIES = [("bert", False), ("bert", True), ("xlmr", True)]


@pytest.fixture(scope="module", params=FAMILIES, ids=["bert-encoder", "bert-mlm", "xlmr-mlm"])
def folder(request, tmp_path_factory):
    family, lm_head = request.param
    return make_model(tmp_path_factory.mktemp(family) / "model", family, lm_head)


def _spec(name, head, labels=(), **extra):
    raw = {
        "role": "intermediate",
        "head": head,
        "metric": "none",
        "primary": "none",
        "train": {"dataset": "d", "split": "train", "languages": ["en"]},
    }
    if labels:
        raw["labels"] = list(labels)
    return task_from_dict(name, {**raw, **extra})


ROWS = {
    "classification": [
        {"id": str(i), "text_a": "the cat sat", "text_b": "on the mat", "label": i % 2}
        for i in range(4)
    ],
    "multiple_choice": [
        {
            "id": str(i),
            "premise": "the cat sat",
            "question": "effect",
            "choices": ["on the mat", "der Hund lief"],
            "label": i % 2,
        }
        for i in range(4)
    ],
    "tagging": [
        {
            "id": str(i),
            "tokens": ["Anna", "Berg", "went", "to", "Lund"],
            "tags": ["B", "I", "O", "O", "B"],
        }
        for i in range(4)
    ],
    "qa": [
        {
            "id": str(i),
            "title": "",
            "context": "Anna Berg went to Nova Bank in Lund",
            "question": "where did Anna go ?",
            "answers": {"text": ["Lund"], "answer_start": [31]},
        }
        for i in range(4)
    ],
    "retrieval": [
        {"id": str(i), "query": "where did Anna go ?", "positive": "she went to Lund ."}
        for i in range(4)
    ],
    "text": [{"id": str(i), "text": "the cat sat on the mat"} for i in range(4)],
}
HEADS = {
    "classification": ("classification", ("a", "b")),
    "multiple_choice": ("multiple_choice", ()),
    "tagging": ("tagging", ("B", "I", "O")),
    "qa": ("span", ()),
    "retrieval": ("retrieval", ()),
    "text": ("mlm", ()),
}


def _features(tmp_path, tokenizer, schema, prefix=None):
    import datasets

    from xstilts.data.features import featurize_split, load_features, write_features_manifest
    from xstilts.data.store import write_manifest

    data = tmp_path / "data"
    (data / "en").mkdir(parents=True, exist_ok=True)
    datasets.Dataset.from_list(ROWS[schema]).to_parquet(str(data / "en" / "train.parquet"))
    write_manifest(data, "d", schema, {"kind": "test"})
    params = {"max_length": 32, "doc_stride": 16, "max_query_length": 12}
    labels = list(HEADS[schema][1]) or None
    out = tmp_path / "features"
    featurize_split(
        data, "en", "train", schema, tokenizer, params, out / "en", labels=labels, prefix=prefix
    )
    write_features_manifest(out, params=params)
    return load_features(out / "en")[:]


@pytest.mark.parametrize("schema", list(HEADS))
def test_every_head_trains_on_both_families(folder, schema, tmp_path):
    from xstilts.data.features import load_tokenizer
    from xstilts.evaluation.predict import collate
    from xstilts.model.modeling import MultiTaskModel, load_encoder
    from xstilts.model.training import TRAIN_COLUMNS

    tokenizer = load_tokenizer(folder)
    head, labels = HEADS[schema]
    feats = _features(tmp_path, tokenizer, schema)
    columns = [c for c in [*TRAIN_COLUMNS[head], "token_type_ids"] if c in feats]
    batch = collate({c: feats[c] for c in columns}, head, tokenizer.pad_token_id)
    model = MultiTaskModel(
        load_encoder(folder),
        {"t": (head, len(labels))},
        mlm_tokens=(tokenizer.mask_token_id, tokenizer.all_special_ids, len(tokenizer)),
    )
    torch.manual_seed(0)
    loss, _ = model("t", batch)
    loss.backward()
    assert torch.isfinite(loss)
    grads = [p.grad for p in model.encoder.parameters() if p.grad is not None]
    assert grads and any(g.abs().sum() > 0 for g in grads)


def test_bert_pairs_carry_segment_ids_to_the_encoder(tmp_path):
    from xstilts.data.features import load_tokenizer
    from xstilts.evaluation.predict import collate
    from xstilts.model.modeling import MultiTaskModel, load_encoder

    folder = make_model(tmp_path / "bert", "bert", lm_head=False)
    tokenizer = load_tokenizer(folder)
    feats = _features(tmp_path, tokenizer, "classification")
    types = feats["token_type_ids"][0]
    sep = feats["input_ids"][0].index(tokenizer.sep_token_id)
    assert set(types[: sep + 1]) == {0} and set(types[sep + 1 :]) == {1}
    batch = collate(feats, "classification", tokenizer.pad_token_id)
    model = MultiTaskModel(load_encoder(folder), {"t": ("classification", 2)}).eval()
    with_types = model.encode(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"])
    without = model.encode(batch["input_ids"], batch["attention_mask"])
    assert not torch.allclose(with_types, without)  # the segment embeddings are used


def test_xlmr_tokenizer_makes_no_segment_ids(tmp_path):
    from xstilts.data.features import load_tokenizer

    folder = make_model(tmp_path / "x", "xlmr", lm_head=True)
    feats = _features(tmp_path, load_tokenizer(folder), "classification")
    assert "token_type_ids" not in feats


@pytest.mark.parametrize(("family", "capacity"), [("bert", 40), ("xlmr", 40)])
def test_position_capacity_and_a_clear_length_error(tmp_path, family, capacity):
    from xstilts.model.families import position_capacity
    from xstilts.model.modeling import MultiTaskModel, load_encoder

    encoder = load_encoder(make_model(tmp_path / family, family, lm_head=True))
    # BERT: max_position_embeddings 40; XLM-R: 42 minus the padding offset (pad id 1, + 1).
    assert position_capacity(encoder.config) == capacity
    model = MultiTaskModel(encoder, {"t": ("classification", 2)}).eval()
    fits = torch.ones(1, capacity, dtype=torch.long)
    assert model.encode(fits, fits).shape[1] == capacity
    too_long = torch.ones(1, capacity + 1, dtype=torch.long)
    with pytest.raises(ValueError, match=r"at most 40.*training\.heads"):
        model.encode(too_long, too_long)


@pytest.mark.parametrize("layer", [-1, 1])
@pytest.mark.parametrize("pooling", ["cls", "mean"])
def test_retrieval_layer_and_pooling_on_both_families(folder, layer, pooling):
    from xstilts.data.features import load_tokenizer
    from xstilts.evaluation.predict import embeddings
    from xstilts.model.modeling import MultiTaskModel, load_encoder

    tokenizer = load_tokenizer(folder)
    model = MultiTaskModel(load_encoder(folder), {"t": ("retrieval", 0)})
    ids = tokenizer(["the cat sat", "Anna went to Lund", "der Hund"])["input_ids"]
    vectors = embeddings(model, ids, tokenizer.pad_token_id, 2, pooling, layer)
    assert vectors.shape == (3, 16)
    assert torch.allclose(vectors.norm(dim=-1), torch.ones(3))


def test_continued_mlm_starts_from_the_checkpoints_own_head(tmp_path):
    from transformers import AutoModelForMaskedLM

    from xstilts.model.families import lm_head_state
    from xstilts.model.modeling import MultiTaskModel, load_encoder
    from xstilts.model.training import load_pretrained_lm_head

    for family in ("bert", "xlmr"):
        folder = make_model(tmp_path / family, family, lm_head=True)
        model = MultiTaskModel(load_encoder(folder), {"m": ("mlm", 0)})
        messages = []
        load_pretrained_lm_head(model.heads["m"], folder, messages.append)
        expected = lm_head_state(AutoModelForMaskedLM.from_pretrained(folder))
        got = model.heads["m"].state_dict()
        for key in ("dense.weight", "dense.bias", "layer_norm.weight", "decoder.bias"):
            assert torch.equal(got[key], expected[key]), (family, key)
        # The decoder is the (tied) input embedding matrix, as in pretraining.
        assert model.heads["m"].decoder.weight is model.encoder.get_input_embeddings().weight
        assert torch.equal(got["decoder.weight"], expected["decoder.weight"])
        assert "LM head" in messages[0]


def test_an_untied_lm_head_keeps_its_own_decoder(tmp_path):
    """A checkpoint whose output embeddings are not its input embeddings (RemBERT-style):
    continued MLM starts from its own decoder, not from the input embeddings."""
    from transformers import AutoModelForMaskedLM

    from xstilts.model.families import lm_head_state
    from xstilts.model.modeling import MultiTaskModel, load_encoder
    from xstilts.model.training import load_pretrained_lm_head

    folder = make_model(tmp_path / "untied", "bert", lm_head=True, tied=False)
    expected = lm_head_state(AutoModelForMaskedLM.from_pretrained(folder))["decoder.weight"]
    model = MultiTaskModel(load_encoder(folder), {"m": ("mlm", 0)})
    messages = []
    load_pretrained_lm_head(model.heads["m"], folder, messages.append)
    decoder = model.heads["m"].decoder.weight
    assert decoder is not model.encoder.get_input_embeddings().weight
    assert torch.equal(decoder, expected) and "untied decoder" in messages[0]
    assert not torch.equal(expected, model.encoder.get_input_embeddings().weight)


def test_encoder_only_checkpoint_gets_a_fresh_head_and_says_so(tmp_path):
    from xstilts.model.modeling import MultiTaskModel, load_encoder
    from xstilts.model.training import load_pretrained_lm_head

    folder = make_model(tmp_path / "bert", "bert", lm_head=False)
    model = MultiTaskModel(load_encoder(folder), {"m": ("mlm", 0)})
    messages = []
    load_pretrained_lm_head(model.heads["m"], folder, messages.append)
    assert "no LM head" in messages[0] and "starts fresh" in messages[0]
    assert model.heads["m"].decoder.weight is model.encoder.get_input_embeddings().weight


@pytest.mark.parametrize("lm_head", [False, True])
def test_fetch_model_keeps_an_lm_head_only_when_the_checkpoint_has_one(tmp_path, lm_head):
    from xstilts import steps
    from xstilts.model.families import has_lm_head

    folder = make_model(tmp_path / "repo", "bert", lm_head=lm_head)
    config = {"models": {"m": {"source": "local", "path": folder}}}
    steps.fetch_model(config, "m", str(tmp_path / "tok"), str(tmp_path / "enc"))
    meta = json.loads((tmp_path / "enc/xstilts.json").read_text())
    assert meta["lm_head"] is lm_head
    assert has_lm_head(tmp_path / "enc") is lm_head
    architectures = json.loads((tmp_path / "enc/config.json").read_text())["architectures"]
    assert architectures == (["BertForMaskedLM"] if lm_head else ["BertModel"])


def test_fetch_model_random_weights_control(tmp_path):
    from safetensors.torch import load_file

    from xstilts import steps

    folder = make_model(tmp_path / "repo", "xlmr", lm_head=True)
    for name, extra in (("plain", {}), ("random", {"random_weights": {"seed": 3}})):
        config = {"models": {"m": {"source": "local", "path": folder, **extra}}}
        steps.fetch_model(config, "m", str(tmp_path / f"{name}-tok"), str(tmp_path / name))
    plain, random = (
        load_file(tmp_path / "plain/model.safetensors"),
        load_file(tmp_path / "random/model.safetensors"),
    )
    key = "roberta.embeddings.word_embeddings.weight"
    assert key in plain
    random_key = next(k for k in random if k.endswith("embeddings.word_embeddings.weight"))
    assert not torch.equal(plain[key], random[random_key])
    meta = json.loads((tmp_path / "random/xstilts.json").read_text())
    assert meta["random_weights"] == {"seed": 3} and meta["lm_head"] is False


# --- input prefixes -----------------------------------------------------------------------------


def test_input_prefix_goes_before_every_input(tmp_path):
    from xstilts.data.features import load_tokenizer

    tokenizer = load_tokenizer(make_model(tmp_path / "x", "xlmr", lm_head=True))
    lead = tokenizer("query:", add_special_tokens=False)["input_ids"]
    prefix = {"text": "query: ", "candidate": "passage: "}
    for schema in ("classification", "qa", "text"):
        feats = _features(tmp_path / schema, tokenizer, schema, prefix)
        assert feats["input_ids"][0][1 : 1 + len(lead)] == lead, schema
    pairs = _features(tmp_path / "pairs", tokenizer, "retrieval", prefix)
    passage = tokenizer("passage:", add_special_tokens=False)["input_ids"]
    assert pairs["positive_ids"][0][1 : 1 + len(passage)] == passage


def test_a_long_question_with_its_prefix_stays_within_max_query_length(tmp_path):
    from xstilts.data.features import featurize_span, load_tokenizer

    tokenizer = load_tokenizer(make_model(tmp_path / "x", "xlmr", lm_head=True))
    question = " ".join(["where did the cat sleep"] * 10)
    rows = {
        "id": ["q"],
        "question": [question],
        "context": ["the cat slept on the sofa"],
        "answers": [{"text": ["the sofa"], "answer_start": [15]}],
    }
    for prefix in ("", "query: "):
        feats = featurize_span(rows, tokenizer, 64, 16, 8, train=False, prefix=prefix)
        ids = feats["input_ids"][0]
        sep = ids.index(tokenizer.sep_token_id)
        assert sep - 1 == 8, (prefix, tokenizer.convert_ids_to_tokens(ids[:sep]))


def test_tagging_prefix_words_carry_no_labels(tmp_path):
    from xstilts.data.features import featurize_tagging, load_tokenizer

    tokenizer = load_tokenizer(make_model(tmp_path / "x", "xlmr", lm_head=True))
    rows = {"id": ["a"], "tokens": [["Anna", "went", "to", "Lund"]], "tags": [["B", "O", "O", "B"]]}
    labels = {"B": 0, "I": 1, "O": 2}
    plain = featurize_tagging(rows, tokenizer, 32, labels)
    prefixed = featurize_tagging(rows, tokenizer, 32, labels, prefix="query: ")
    kept = [x for x in prefixed["labels"][0] if x != IGNORE]
    assert kept == [x for x in plain["labels"][0] if x != IGNORE] == [0, 2, 2, 0]
    lead = len(prefixed["input_ids"][0]) - len(plain["input_ids"][0])
    assert lead > 0 and prefixed["labels"][0][1 : 1 + lead] == [IGNORE] * lead
