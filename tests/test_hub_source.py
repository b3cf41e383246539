"""Hub loading through the real code path (`datasets.load_dataset(id, config, split,
revision)`), with no network: the `id` is a local folder laid out like a hub dataset
repository (a README.md whose YAML header lists the configs, parquet files per split), which
`load_dataset` reads exactly as it reads a downloaded repository. Class labels stored as
integers with `ClassLabel` names, per-language configs and split renaming are exercised."""

import json

import datasets
import pytest
import yaml

from xstilts.data import readers
from xstilts.data.prepare import prepare_dataset
from xstilts.data.sources import source_problems
from xstilts.data.store import DataError, read_rows
from xstilts.study.config import Study
from xstilts.study.registry import dataset_dicts


@pytest.fixture(autouse=True)
def _private_hf_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))
    datasets.disable_progress_bars()


def write_hub_repo(root, configs: dict[str, dict[str, list[dict]]], features) -> str:
    """configs: {config name: {hub split: rows}} -> a hub-style dataset folder."""
    entries = []
    for name, splits in configs.items():
        files = []
        for split, rows in splits.items():
            path = root / name / f"{split}-00000-of-00001.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            datasets.Dataset.from_list(rows, features=features).to_parquet(str(path))
            files.append({"split": split, "path": f"{name}/{split}-*"})
        entries.append({"config_name": name, "data_files": files})
    (root / "README.md").write_text("---\n" + yaml.safe_dump({"configs": entries}) + "---\n")
    return str(root)


NLI = datasets.Features(
    {
        "premise": datasets.Value("string"),
        "hypothesis": datasets.Value("string"),
        "label": datasets.ClassLabel(names=["entailment", "neutral", "contradiction"]),
    }
)


QA = datasets.Features(
    {
        "id": datasets.Value("string"),
        "title": datasets.Value("string"),
        "context": datasets.Value("string"),
        "question": datasets.Value("string"),
        "answers": {
            "text": datasets.List(datasets.Value("string")),
            "answer_start": datasets.List(datasets.Value("int32")),
        },
    }
)


def nli_rows(lang, n):
    return [{"premise": f"{lang} p{i}", "hypothesis": f"h{i}", "label": i % 3} for i in range(n)]


def resolved(name: str, override: dict) -> dict:
    return dataset_dicts({"data": {"source": "hub", "sources": {name: override}}})[name]


def test_xnli_registry_entry_loads_a_hub_layout_folder(tmp_path):
    repo = write_hub_repo(
        tmp_path / "xnli-repo",
        {
            lang: {"test": nli_rows(lang, 6), "validation": nli_rows(lang, 3)}
            for lang in ["en", "de"]
        },
        NLI,
    )
    spec = resolved("xnli", {"kind": "hub", "id": repo})
    assert spec["source"]["config"] == "{lang}"  # the registry's block, with the id replaced
    out = tmp_path / "xnli"
    prepare_dataset("xnli", spec, out, needs={"test": ["en", "de"], "dev": ["en"]})
    rows = read_rows(out, "de", "test")
    assert [r["text_a"] for r in rows[:2]] == ["de p0", "de p1"]
    # ClassLabel integers became names, then indices into the dataset's label order.
    assert [r["label"] for r in rows] == [0, 1, 2, 0, 1, 2]
    assert len(read_rows(out, "en", "dev")) == 3  # our `dev` is the hub's `validation`
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["source"]["kind"] == "hub"
    assert manifest["source"]["revisions"] == {repo: "main"}
    assert manifest["source"]["counts"] == {"test": {"en": 6, "de": 6}, "dev": {"en": 3}}


def test_udpos_tag_sequences_and_language_names(tmp_path):
    upos = dataset_dicts()["udpos"]["labels"]
    features = datasets.Features(
        {
            "tokens": datasets.List(datasets.Value("string")),
            "pos_tags": datasets.List(datasets.ClassLabel(names=upos)),
        }
    )
    rows = [
        {
            "tokens": ["Der", "Hund", "."],
            "pos_tags": [upos.index(t) for t in ["DET", "NOUN", "PUNCT"]],
        }
    ]
    repo = write_hub_repo(tmp_path / "ud-repo", {"udpos.German": {"test": rows}}, features)
    spec = resolved("udpos", {"kind": "hub", "id": repo})
    # The hub holds syntactic words only: XTREME's words (the default) cannot be built from it.
    with pytest.raises(DataError, match="conventions.ud_tokens: syntactic_words"):
        prepare_dataset("udpos", spec, tmp_path / "default", needs={"test": ["de"]})
    words = {"ud_tokens": "syntactic_words"}
    prepare_dataset("udpos", spec, tmp_path / "udpos", needs={"test": ["de"]}, conventions=words)
    [record] = read_rows(tmp_path / "udpos", "de", "test")
    assert record["tokens"] == ["Der", "Hund", "."]
    assert record["tags"] == ["DET", "NOUN", "PUNCT"]


def test_squad_answers_and_tydiqa_language_filter(tmp_path):
    features = QA

    def qa(qid, context, answer):
        start = context.index(answer)
        return {
            "id": qid,
            "title": "t",
            "context": context,
            "question": "q?",
            "answers": {"text": [answer], "answer_start": [start]},
        }

    rows = [
        qa("english-1", "The cat sat on the mat.", "the mat"),
        qa("arabic-7", "جلس القط على الحصيرة.", "الحصيرة"),
        qa("arabic-8", "ذهب الولد إلى المدرسة.", "المدرسة"),
    ]
    repo = write_hub_repo(
        tmp_path / "tydi-repo", {"tydiqa": {"train": rows[:1], "validation": rows}}, features
    )
    spec = resolved("tydiqa", {"kind": "hub", "id": repo})
    prepare_dataset(
        "tydiqa", spec, tmp_path / "tydiqa", needs={"train": ["en"], "test": ["en", "ar"]}
    )
    arabic = read_rows(tmp_path / "tydiqa", "ar", "test")
    assert [r["id"] for r in arabic] == ["arabic-7", "arabic-8"]
    assert arabic[0]["answers"] == {"text": ["الحصيرة"], "answer_start": [13]}
    assert [r["id"] for r in read_rows(tmp_path / "tydiqa", "en", "test")] == ["english-1"]


def test_a_corrupt_answer_offset_is_named(tmp_path):
    features = QA
    row = {
        "id": "q1",
        "title": "t",
        "context": "abc def",
        "question": "q",
        "answers": {"text": ["def"], "answer_start": [0]},
    }
    repo = write_hub_repo(tmp_path / "xq", {"xquad.en": {"validation": [row]}}, features)
    spec = resolved("xquad", {"kind": "hub", "id": repo})
    with pytest.raises(DataError, match=r"xquad.*answer 'def' is not at offset 0"):
        prepare_dataset("xquad", spec, tmp_path / "out", needs={"test": ["en"]})
    assert not (tmp_path / "out").exists()  # nothing that looks complete is left behind


def test_unpinned_hub_ids_are_refused_before_any_download():
    spec = resolved("xnli", {"kind": "hub"})
    with pytest.raises(readers.ReaderError, match="facebook/xnli.*not pinned.*pin_revisions"):
        readers.hub_rows(spec["source"], "test", "en")
    pinned = dataset_dicts({"data": {"hub_revisions": {"facebook/xnli": "a" * 40}}})["xnli"][
        "source"
    ]
    assert readers.pinned_revision(pinned) == "a" * 40


def test_source_problems_name_unpinned_ids_and_licensed_data(tmp_path):
    config = yaml.safe_load(open("config/xtreme-r.yaml"))
    config["resources_dir"] = str(tmp_path / "resources")
    config["data"]["release_root"] = str(tmp_path / "release")
    problems = "\n".join(source_problems(Study(config)))
    assert "hub id 'facebook/xnli' is not pinned" in problems
    # UD-POS comes from the release files (XTREME's words need the multi-word tokens).
    assert "ud-treebanks-v2.5/UD_German-*/*-ud-test.conllu" in problems
    assert "ud-treebanks-v2.7/UD_Polish-*/*-ud-test.conllu" in problems
    assert "model 'xlmr-large': hub id 'FacebookAI/xlm-roberta-large' is not pinned" in problems
    assert f"{tmp_path}/release/ccg/ccg.train.tsv" in problems
    assert "label set file" in problems and "ccg/tags.txt" in problems
    config["data"]["sources"] = {}
    config["data"]["source"] = "hub"
    problems = "\n".join(source_problems(Study(config)))
    assert "CCGbank" in problems and "licensed" in problems
    assert "dataset 'udpos': the hub source (google/xtreme) holds UD's syntactic words" in problems
    config["conventions"] = {"ud_tokens": "syntactic_words"}
    problems = "\n".join(source_problems(Study(config)))
    assert "syntactic words" not in problems
    assert "hub id 'izhx/xtreme-r-udpos' is not pinned" in problems  # UD v2.7 languages


def tiny_model_folder(path) -> str:
    """A small XLM-R-architecture MLM saved like a hub model repository."""
    from transformers import XLMRobertaConfig, XLMRobertaForMaskedLM

    from xstilts.model.pretrain import build_tokenizer

    tokenizer = build_tokenizer(["the cat sat on the mat", "der Hund lief nach Hause"] * 20, 120)
    config = XLMRobertaConfig(
        vocab_size=len(tokenizer),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=40,
        pad_token_id=tokenizer.pad_token_id,
    )
    XLMRobertaForMaskedLM(config).save_pretrained(str(path))
    tokenizer.save_pretrained(str(path))
    return str(path)


@pytest.mark.parametrize("source", ["hub", "local"])
def test_fetch_model_saves_tokenizer_and_encoder_with_provenance(tmp_path, source):
    from xstilts import steps
    from xstilts.model.modeling import load_encoder

    folder = tiny_model_folder(tmp_path / "repo")
    spec = (
        {"source": "hub", "id": folder, "revision": "main"}
        if source == "hub"
        else {"source": "local", "path": folder}
    )
    config = {"models": {"m": spec}}
    steps.fetch_model(config, "m", str(tmp_path / "tok"), str(tmp_path / "enc"))
    encoder = load_encoder(tmp_path / "enc")
    assert encoder.config.hidden_size == 16
    meta = json.loads((tmp_path / "enc/xstilts.json").read_text())
    assert meta["from"] == folder and meta["source"] == source
    assert "model.safetensors" in meta["files"]
    assert (tmp_path / "tok/tokenizer.json").is_file()


def test_fetch_model_refuses_an_unpinned_hub_model(tmp_path):
    from xstilts import steps

    config = {
        "models": {
            "xlmr": {"source": "hub", "id": "FacebookAI/xlm-roberta-large", "revision": "main"}
        }
    }
    with pytest.raises(ValueError, match="xlm-roberta-large.*not pinned"):
        steps.fetch_model(config, "xlmr", str(tmp_path / "tok"), str(tmp_path / "enc"))
    assert not (tmp_path / "enc").exists()
