"""One data folder per (dataset, split), each made by its own job from the settings of that split
alone: a changed test-language list prepares the test split again and retrains nothing; a dev
set held out of the training data still partitions it; a translated dataset's dev split is its
source's."""

import copy
import json
from pathlib import Path

import pytest
import yaml

from xstilts.data.prepare import prepare_dataset, split_needs
from xstilts.data.store import DataError, read_manifest, read_rows
from xstilts.steps.data import data_params
from xstilts.study import registry
from xstilts.study.config import Study

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def preset():
    config = yaml.safe_load((ROOT / "config/real-encoder.yaml").read_text())
    config["data"]["release_root"] = str(ROOT / "fixtures/real")
    return config


def test_a_test_language_subset_changes_only_the_test_splits_settings(preset):
    before = {s: data_params(Study(preset), "panx", s) for s in ("train", "dev", "test")}
    preset["languages"]["panx"] = ["en", "de"]
    after = {s: data_params(Study(preset), "panx", s) for s in ("train", "dev", "test")}
    assert after["train"] == before["train"] and after["dev"] == before["dev"]
    assert after["test"]["needs"] == {"test": ["en", "de"]}
    assert before["test"]["needs"]["test"] == ["en", "de", "es", "ru", "zh", "ar", "hi"]


def test_a_split_the_study_does_not_read_is_named(preset):
    with pytest.raises(DataError, match="reads no 'validation' split; it reads: train, dev"):
        data_params(Study(preset), "panx", "validation")


def _squad_release(root: Path, n: int) -> None:
    """A TyDiQA-GoldP-shaped release: `n` English training questions, two test questions."""

    def article(ids):
        context = "The cat sat on the mat."
        qas = [
            {"id": i, "question": "Where?", "answers": [{"text": "the mat", "answer_start": 15}]}
            for i in ids
        ]
        return {
            "version": "1.1",
            "data": [{"title": "t", "paragraphs": [{"context": context, "qas": qas}]}],
        }

    (root / "tydiqa").mkdir(parents=True)
    train = article([f"english-{k}" for k in range(n)])
    (root / "tydiqa/tydiqa-goldp-v1.1-train.json").write_text(json.dumps(train))
    test = article(["english-t1", "arabic-t2"])
    (root / "tydiqa/tydiqa-goldp-v1.1-dev.json").write_text(json.dumps(test))


def test_a_held_out_dev_split_and_its_training_split_partition_the_release(tmp_path):
    _squad_release(tmp_path / "release", 60)
    config = {"data": {"source": "release", "release_root": str(tmp_path / "release")}}
    spec = copy.deepcopy(registry.dataset_dicts(config)["tydiqa"])
    needs = {"train": ["en"], "dev": ["en"], "test": ["en"]}
    assert split_needs(spec["source"], needs, "train") == {"train": ["en"], "dev": ["en"]}
    assert split_needs(spec["source"], needs, "dev") == {"dev": ["en"]}
    assert split_needs(spec["source"], needs, "test") == {"test": ["en"]}
    ids = {}
    for split in ("train", "dev", "test"):
        out = tmp_path / "data" / split
        prepare_dataset(
            "tydiqa", spec, out, needs=needs, release_root=tmp_path / "release", split=split
        )
        assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.parquet")) == [
            f"en/{split}.parquet"
        ]
        manifest = read_manifest(out)
        assert manifest["split"] == split and list(manifest["source"]["counts"]) == [split]
        ids[split] = {r["id"] for r in read_rows(out, "en", split)}
    assert ids["train"].isdisjoint(ids["dev"]) and ids["dev"]
    assert ids["train"] | ids["dev"] == {f"english-{k}" for k in range(60)}
    assert ids["test"] == {"english-t1"}
    # the same partition as preparing every split at once into one folder
    whole = tmp_path / "whole"
    prepare_dataset("tydiqa", spec, whole, needs=needs, release_root=tmp_path / "release")
    for split in ("train", "dev"):
        assert {r["id"] for r in read_rows(whole, "en", split)} == ids[split]


def test_a_translated_datasets_dev_split_is_its_sources(tmp_path):
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    study = Study(config)
    spec = study.datasets["toy-mnli-mt"]
    source = tmp_path / "toy-mnli" / "dev"
    prepare_dataset("toy-mnli", study.datasets["toy-mnli"], source, seed=13, split="dev")
    out = tmp_path / "toy-mnli-mt" / "dev"
    prepare_dataset("toy-mnli-mt", spec, out, translated={"source_dir": str(source)}, split="dev")
    assert read_rows(out, "en", "dev") == read_rows(source, "en", "dev")
    manifest = read_manifest(out)
    assert manifest["source"]["copied"] == "dev" and manifest["split"] == "dev"
    assert [p.name for p in out.rglob("*.parquet")] == ["dev.parquet"]
    # a synthetic dataset's split folder holds that split only
    assert [p.name for p in source.rglob("*.parquet")] == ["dev.parquet"]
