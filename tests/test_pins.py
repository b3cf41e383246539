"""Pinning hub revisions: which ids a study downloads, and the config rewrite."""

import yaml

from xstilts.study.config import Study, load_config
from xstilts.study.pins import hub_ids, write_pins


def test_hub_ids_of_the_full_study():
    ids = hub_ids(Study(load_config("config/xtreme-r.yaml")))
    assert ids["FacebookAI/xlm-roberta-large"] == "model"
    # parts (ANLI with SNLI and MNLI) are included
    for dataset in ["facebook/anli", "stanfordnlp/snli", "nyu-mll/glue"]:
        assert ids[dataset] == "dataset"
    assert "toy-xnli" not in ids
    # UD-POS reads release files by default; from the hub, its per-language overrides count
    assert "izhx/xtreme-r-udpos" not in ids
    config = load_config("config/xtreme-r.yaml")
    config["data"]["sources"]["udpos"] = {"kind": "hub"}
    config["conventions"] = {"ud_tokens": "syntactic_words"}
    assert hub_ids(Study(config))["izhx/xtreme-r-udpos"] == "dataset"


def test_write_pins_replaces_only_the_entry():
    text = "study: s\ndata:\n  source: hub  # keep me\n  hub_revisions: {}\n  release_root: r\nseeds: [1]\n"
    pinned = write_pins(text, {"b/x": "1" * 40, "a/y": "2" * 40})
    assert "# keep me" in pinned
    parsed = yaml.safe_load(pinned)
    assert parsed["data"]["hub_revisions"] == {"a/y": "2" * 40, "b/x": "1" * 40}
    assert parsed["data"]["release_root"] == "r" and parsed["seeds"] == [1]
    # pinning again replaces the block instead of adding to it
    again = write_pins(pinned, {"a/y": "3" * 40})
    assert yaml.safe_load(again)["data"]["hub_revisions"] == {"a/y": "3" * 40}
    assert again.count("hub_revisions") == 1


def test_pinned_config_validates():
    text = open("config/xtreme-r.yaml").read()
    pinned = yaml.safe_load(write_pins(text, {"facebook/xnli": "a" * 40}))
    assert Study(pinned).config["data"]["hub_revisions"] == {"facebook/xnli": "a" * 40}
