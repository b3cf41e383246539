"""Config validation: every kind of bad config gets one readable message naming the culprit."""

import copy
from pathlib import Path

import pytest
import yaml

from xstilts.evaluation import metrics
from xstilts.study.config import METRIC_NAMES, ConfigError, Study, load_config, validate_config

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def config():
    return yaml.safe_load((ROOT / "config.yaml").read_text())


def error_of(config) -> str:
    with pytest.raises(ConfigError) as info:
        validate_config(config)
    return str(info.value)


def test_default_config_is_valid(config):
    validate_config(config)
    study = Study(config)
    assert study.chain("pawsx-mnli") == ["pawsx", "mnli"]
    assert "pawsx" in study.all_chain_prefixes() and "pawsx/mnli" in study.all_chain_prefixes()


def test_metric_names_match_the_metrics_module():
    assert set(METRIC_NAMES) - {"none"} == set(metrics.METRICS)  # "none": no evaluation


# (mutation, substrings the message must contain)
BAD = {
    "unknown target task": (
        lambda c: c["targets"].append("toy-xnlii"),
        ["targets[8]", "toy-xnlii", "toy-xnli"],
    ),
    "unknown stage in recipe": (
        lambda c: c["recipes"].update(bad=["mnli", "nope"]),
        ["recipes.bad[1]", "nope", "mix"],
    ),
    "unknown stage task": (
        lambda c: c["stages"]["mnli"].update(tasks=["toy-mnlj"]),
        ["stages.mnli.tasks[0]", "toy-mnli"],
    ),
    "unknown language": (
        lambda c: c.update(languages={"toy-xnli": ["en", "de"]}),
        ["languages.toy-xnli", "'de'", "xa"],
    ),
    "unknown stage language": (
        lambda c: c["stages"]["pawsx"].update(languages={"toy-pawsx": ["en", "zz"]}),
        ["stages.pawsx.languages.toy-pawsx", "'zz'"],
    ),
    "missing key": (lambda c: c.pop("seeds"), ["'seeds' is a required property"]),
    "wrong type": (
        lambda c: c["training"]["defaults"].update(lr="fast"),
        ["config.training.defaults.lr", "'fast'"],
    ),
    "negative steps": (
        lambda c: c["training"]["defaults"].update(max_steps=0),
        ["max_steps", "minimum"],
    ),
    "unknown hyperparameter": (
        lambda c: c["training"]["defaults"].update(learning_rate=1e-3),
        ["learning_rate", "allowed keys", "lr"],
    ),
    "unknown model source": (
        lambda c: c["models"]["tiny-xlmr"].update(source="s3"),
        ["source", "'s3'", "hub"],
    ),
    "hub model without revision": (
        lambda c: c["models"].update(xlmr={"source": "hub", "id": "FacebookAI/xlm-roberta-large"}),
        ["models.xlmr", "'revision' is a required property"],
    ),
    "unknown metric": (
        lambda c: c.update(tasks={"toy-xnli": {"metric": "bleu"}}),
        ["tasks.toy-xnli.metric", "'bleu'", "accuracy"],
    ),
    "unknown sampling method": (
        lambda c: c["stages"]["mix"].update(sampling={"method": "round_robin"}),
        ["stages.mix.sampling.method", "round_robin", "temperature"],
    ),
    "temperature without value": (
        lambda c: c["stages"]["mix"].update(sampling={"method": "temperature"}),
        ["stages.mix.sampling", "temperature"],
    ),
    "unknown retrieval pooling": (
        lambda c: c["retrieval"]["toy-tatoeba"].update(pooling="max"),
        ["retrieval.toy-tatoeba.pooling", "'max'", "mean"],
    ),
    "retrieval settings for a non-retrieval task": (
        lambda c: c["retrieval"].update({"toy-xnli": {"layer": 1}}),
        ["retrieval.toy-xnli", "toy-tatoeba"],
    ),
    "tatoeba without its encoder's task": (
        lambda c: c["targets"].remove("toy-xquad"),
        ["toy-tatoeba", "toy-xquad"],
    ),
    "unknown dataset for corpus": (
        lambda c: c["models"]["tiny-xlmr"]["pretrain"].update(corpus="wiki"),
        ["models.tiny-xlmr.pretrain.corpus", "'wiki'", "toy-corpus"],
    ),
    "empty seeds": (lambda c: c.update(seeds=[]), ["config.seeds", "non-empty"]),
    "duplicate seeds": (lambda c: c.update(seeds=[1, 1]), ["config.seeds", "non-unique"]),
    "unknown recipe in a comparison": (
        lambda c: c.update(
            aggregate={"comparisons": [{"recipe": "pawsx-mnli", "versus": "mnlii"}]}
        ),
        ["aggregate.comparisons[0].versus", "'mnlii'", "did you mean 'mnli'"],
    ),
    "unknown QA score rule": (
        lambda c: c.update(aggregate={"qa_score": "em"}),
        ["config.aggregate.qa_score", "'em'", "mean_em_f1"],
    ),
    "unknown task in a custom category": (
        lambda c: c.update(aggregate={"categories": {"qa": ["toy-xquad", "toy-mlqa"]}}),
        ["aggregate.categories.qa", "'toy-mlqa'"],
    ),
    # late and cryptic before: each failed inside a job, or with a traceback
    "head that does not match its dataset": (
        lambda c: c.update(tasks={"toy-xnli": {"head": "tagging", "labels": ["A", "B"]}}),
        ["tasks.toy-xnli.train", "head 'tagging' reads 'tagging' data", "schema 'classification'"],
    ),
    "retrieval layer outside the model": (
        lambda c: c["retrieval"]["toy-tatoeba"].update(layer=5),
        ["retrieval.toy-tatoeba.layer", "5 is outside model 'tiny-xlmr'", "2 layers"],
    ),
    "max_length above the model's positions": (
        lambda c: c["training"]["heads"]["tagging"].update(max_length=300),
        ["training.heads.tagging.max_length", "300", "positions for (256)"],
    ),
    "max_query_length not below max_length": (
        lambda c: c["training"]["heads"]["span"].update(max_query_length=128),
        ["training.heads.span", "max_query_length 128 must be below max_length 128"],
    ),
    "evaluation-only task in a stage": (
        lambda c: c["stages"]["mnli"].update(tasks=["toy-tatoeba"]),
        ["stages.mnli.tasks[0]", "'toy-tatoeba' cannot be trained", "evaluation-only"],
    ),
    "typo in data.sizes": (
        lambda c: c["data"].update(sizes={"toy-xnlii": 100}),
        ["data.sizes.toy-xnlii", "did you mean 'toy-xnli'"],
    ),
    "bad head in a new task": (
        lambda c: c.update(tasks={"my-task": {"head": "crf", "metric": "accuracy"}}),
        ["tasks.my-task.head", "'crf'", "tagging"],
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_config_is_reported(config, name):
    mutate, expected = BAD[name]
    bad = copy.deepcopy(config)
    mutate(bad)
    message = error_of(bad)
    for piece in expected:
        assert piece in message, f"{name}: {piece!r} not in message:\n{message}"


def test_all_problems_are_reported_together(config):
    config["targets"].append("nope")
    config["recipes"]["x"] = ["missing-stage"]
    message = error_of(config)
    assert "nope" in message and "missing-stage" in message


def test_load_config_reports_missing_and_broken_files(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "absent.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("study: x\nseeds: [1, 2\nmodels: {}\n")
    with pytest.raises(ConfigError, match="not valid YAML") as err:
        load_config(broken)
    assert str(broken) in str(err.value) and "line 3, column" in str(err.value)
    from xstilts.study.config import main

    assert main([str(broken)]) == 1 and main([str(ROOT / "config.yaml")]) == 0
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(empty)


def test_hyperparameters_merge_in_order(config):
    config["training"]["tasks"] = {"toy-xnli": {"lr": 0.5}}
    study = Study(config)
    assert study.target_params("toy-xnli")["lr"] == 0.5
    assert study.task_params("toy-xquad")["doc_stride"] == 64  # from the span head defaults
    assert study.stage_params("mix")["max_steps"] == 240  # stage wins
    # run-level keys are not task keys, and the reverse
    assert "max_steps" not in study.task_params("toy-squad", "mix")
    assert "batch_size" not in study.stage_params("mix")


def test_intermediate_stages_use_head_and_task_settings(config):
    """An intermediate stage trains with defaults -> head kind -> task -> stage (before, stages
    took defaults and their own keys only: a SQuAD stage ran at the default lr while its
    record said the span head's)."""
    config["training"]["heads"]["span"]["lr"] = 1e-4
    config["training"]["tasks"] = {"toy-mnli": {"lr": 3e-4, "batch_size": 8}}
    config["stages"]["squad"] = {"tasks": ["toy-squad"]}
    config["stages"]["mix"]["lr"] = 1e-3  # the multi-task stage states its own
    study = Study(config)
    assert study.stage_params("squad")["lr"] == 1e-4  # from training.heads.span
    assert study.stage_params("mnli")["lr"] == 3e-4  # from training.tasks.toy-mnli
    assert study.task_params("toy-mnli", "mnli")["batch_size"] == 8
    assert study.stage_params("pawsx")["lr"] == config["training"]["defaults"]["lr"]
    config["stages"]["mnli"]["lr"] = 5e-5
    assert Study(config).stage_params("mnli")["lr"] == 5e-5  # the stage wins


def test_tasks_of_a_stage_that_disagree_on_a_run_setting_are_refused(config):
    config["training"]["heads"]["span"]["lr"] = 1e-4  # toy-squad is in the `mix` stage
    message = error_of(config)
    assert "stages.mix" in message and "'lr'" in message
    assert "toy-squad: 0.0001 (from training.heads.span)" in message
    assert "set stages.mix.lr" in message
    config["stages"]["mix"]["lr"] = 2e-4
    validate_config(config)  # the stage decides: valid again


def test_tokenisation_lengths_cannot_be_set_per_task_or_stage(config):
    config["training"]["tasks"] = {"toy-xnli": {"max_length": 32}}
    message = error_of(config)
    assert "training.tasks.toy-xnli.max_length" in message
    assert "training.heads.classification.max_length" in message
    config["training"]["tasks"] = {}
    config["stages"]["mnli"]["max_length"] = 32
    assert "stages.mnli.max_length" in error_of(config)


def test_translated_target_data_is_not_zero_shot(config):
    config["tasks"] = {
        "toy-xnli-tt": {
            "role": "intermediate",
            "head": "classification",
            "labels": ["entailment", "neutral", "contradiction"],
            "metric": "accuracy",
            "primary": "accuracy",
            "data_of_target": "toy-xnli",
            "train": {"dataset": "toy-xnli", "split": "train", "languages": ["en"]},
        }
    }
    config["stages"]["tt"] = {"tasks": ["toy-xnli-tt"]}
    config["recipes"]["tt"] = ["tt"]
    study = Study(config)
    assert study.setting("tt", "toy-xnli") == "zero-shot"  # English only: still zero-shot
    config["tasks"]["toy-xnli-tt"]["train"]["languages"] = ["en", "xa"]
    study = Study(config)
    assert study.setting("tt", "toy-xnli") == "translate-train"
    assert study.setting("tt", "toy-xquad") == "zero-shot"
    assert study.setting("pawsx-mnli", "toy-xnli") == "zero-shot"  # PAWS-X is not a target


def test_registry_labels_match_the_generator():
    from xstilts.data import synthetic
    from xstilts.study import registry

    datasets = registry.dataset_dicts()
    checked = 0
    for name, spec in registry.tasks().items():
        for ref in (spec.train, spec.dev, spec.test):
            if ref is None or not spec.labels:
                continue
            source = datasets[ref.dataset]["source"]
            if source.get("kind") == "translate":  # the labels of the translated dataset
                origin = source["from"]
                expected = datasets[origin].get("labels") or synthetic.DATASETS[origin]["labels"]
            elif ref.dataset in synthetic.DATASETS:
                expected = synthetic.DATASETS[ref.dataset]["labels"]
            else:  # real datasets carry the label order their readers index into
                expected = datasets[ref.dataset]["labels"]
            assert list(spec.labels) == expected, name
            checked += 1
    assert checked > 20


def test_a_yaml_error_in_the_default_config_names_file_and_line(tmp_path):
    """Snakemake's own loader says only "Config file is not valid JSON or YAML"."""
    import shutil
    import subprocess
    import sys

    copy = tmp_path / "workflow"
    copy.mkdir()
    for part in ("Snakefile", "rules", "xstilts", "profiles"):
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, copy / part)
    (copy / "config.yaml").write_text("study: x\nseeds: [1, 2\nmodels: {}\n")
    snakemake = str(Path(sys.executable).parent / "snakemake")
    result = subprocess.run(
        [snakemake, "-n", "--snakefile", str(copy / "Snakefile"), "--directory", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"{copy / 'config.yaml'}: not valid YAML" in output and "line 3, column 7" in output


def test_recipes_with_nothing_to_compare_are_refused_before_any_job(config):
    """Without a baseline or comparisons the statistics job would fail after every model has
    trained; a single recipe is fine (its tables say there is nothing to compare)."""
    config["recipes"] = {"mnli": ["mnli"], "all": ["mnli", "pawsx"]}
    config.pop("aggregate", None)
    with pytest.raises(ConfigError, match="nothing to be compared with"):
        Study(config)
    config["aggregate"] = {"comparisons": [{"recipe": "all", "versus": "mnli"}]}
    assert Study(config).comparisons() == [("all", "mnli")]
    config["recipes"] = {"mnli": ["mnli"]}
    config.pop("aggregate")
    assert Study(config).comparisons() == []
