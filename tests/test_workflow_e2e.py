"""End to end through Snakemake on a smaller embedded config: the table, beating chance,
provenance, deterministic resume and regenerating one cell."""

import base64
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
CONFIG = "config/test-small.yaml"

pytestmark = pytest.mark.e2e


def snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return snakemake_with(ROOT / CONFIG, workdir, *args, check=check)


def snakemake_with(
    configfile: Path, workdir: Path, *args: str, check: bool = True
) -> subprocess.CompletedProcess:
    cmd = [
        SNAKEMAKE,
        "--snakefile",
        str(ROOT / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(configfile),
        "--cores",
        "2",
        *args,
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-6000:]}"
        )
    return result


# study_run: one run of config/test-small.yaml for the session (conftest.py), shared
# with the archive tests.


def test_results_table(study_run):
    table = pd.read_csv(study_run / "results-test/summary/table.csv")
    assert list(table["recipe"]) == ["baseline", "pawsx-mnli"]
    for task in ["toy-xnli", "toy-xcopa", "toy-udpos", "toy-xquad", "toy-tatoeba", "toy-lareqa"]:
        assert table[f"{task}_mean"].notna().all(), task
    assert table["average_mean"].notna().all()
    expected = table[
        [
            f"{t}_mean"
            for t in [
                "toy-xnli",
                "toy-xcopa",
                "toy-udpos",
                "toy-xquad",
                "toy-tatoeba",
                "toy-lareqa",
            ]
        ]
    ].mean(axis=1)
    # table.csv holds 4 decimals: the mean of rounded task means differs in the 5th
    assert table["average_mean"].tolist() == pytest.approx(expected.tolist(), abs=1e-3)
    scores = pd.read_csv(study_run / "results-test/summary/scores.csv")
    qa = scores[scores["task"] == "toy-xquad"]
    # QA cells enter the means as the official (EM+F1)/2
    assert qa["score"].tolist() == pytest.approx(((qa["f1"] + qa["exact_match"]) / 2).tolist())
    markdown = (study_run / "results-test/summary/table.md").read_text()
    assert "| tiny-xlmr | pawsx-mnli | multilingual->English |" in markdown
    assert "English dev" in markdown


def test_research_question_summary(study_run):
    """pawsx-mnli against the baseline: deltas equal the table's differences (one seed)."""
    table = pd.read_csv(study_run / "results-test/summary/table.csv").set_index("recipe")
    question = pd.read_csv(study_run / "results-test/summary/question.csv")
    pair = question[(question["recipe"] == "pawsx-mnli") & (question["versus"] == "baseline")]
    by_task = pair.set_index("task")
    for task in ["toy-xnli", "toy-udpos", "average"]:
        expected = table.loc["pawsx-mnli", f"{task}_mean"] - table.loc["baseline", f"{task}_mean"]
        assert by_task.loc[task, "delta_mean"] == pytest.approx(expected, abs=1e-3)
        assert by_task.loc[task, "seeds"] == 1
    text = (study_run / "results-test/summary/question.md").read_text()
    assert "## pawsx-mnli (multilingual->English) vs baseline (baseline)" in text
    long = pd.read_csv(study_run / "results-test/summary/scores.csv")
    assert set(long["language"][long["task"] == "toy-xcopa"]) == {"xa", "xb", "xc", "xd"}


def test_english_beats_chance(study_run):
    cell = study_run / "results-test/tiny-xlmr/baseline"
    xnli = json.loads((cell / "toy-xnli/seed1/scores/en.json").read_text())
    assert xnli["score"] > 45.0, xnli["metrics"]  # chance: 33.3
    pos = json.loads((cell / "toy-udpos/seed1/scores/en.json").read_text())
    assert pos["metrics"]["token_accuracy"] > 50.0  # 11 tags
    qa = json.loads((cell / "toy-xquad/seed1/scores/en.json").read_text())
    assert qa["metrics"]["f1"] > 10.0  # a random span scores near 0


def test_score_files_record_what_produced_them(study_run):
    record = json.loads(
        (
            study_run / "results-test/tiny-xlmr/pawsx-mnli/toy-tatoeba/seed1/scores/xb.json"
        ).read_text()
    )
    assert record["cell"] == {
        "model": "tiny-xlmr",
        "recipe": "pawsx-mnli",
        "task": "toy-tatoeba",
        "seed": 1,
        "language": "xb",
    }
    prov = record["provenance"]
    assert prov["chain"] == ["pawsx", "mnli"] and prov["seed"] == 1
    assert prov["retrieval"] == {"layer": -1, "pooling": "mean", "direction": "en-xx"}
    assert len(prov["config_hash"]) == 16
    assert prov["trained_with"]["packages"]["torch"].startswith("2.13.0")
    assert prov["trained_with"]["device"].startswith("cpu")
    assert record["n_examples"] > 0 and record["setting"] == "zero-shot"
    # the stage chain's checkpoint is shared and keyed by the chain
    stage = study_run / "results-test/tiny-xlmr/seed1/stages/pawsx/mnli/encoder/xstilts.json"
    assert json.loads(stage.read_text())["chain"] == ["pawsx", "mnli"]


def test_rerun_has_nothing_to_do(study_run):
    result = snakemake(study_run, "all", "--dry-run")
    assert "Nothing to be done" in result.stdout + result.stderr


def test_statistics_figures_and_report(study_run):
    """The statistics' point estimates are the table's differences; the tables, figures and
    answer page exist; `snakemake --report` embeds them."""
    summary_dir = study_run / "results-test/summary"
    stats = pd.read_csv(summary_dir / "statistics/comparisons.csv")
    question = pd.read_csv(summary_dir / "question.csv")
    pair = stats[(stats["recipe"] == "pawsx-mnli") & (stats["versus"] == "baseline")]
    theirs = question[question["recipe"] == "pawsx-mnli"].set_index("task")
    for task in ["toy-xnli", "toy-udpos", "toy-xquad", "toy-lareqa"]:
        row = pair[(pair["level"] == "task") & (pair["name"] == task)].iloc[0]
        assert row["delta"] == pytest.approx(theirs.loc[task, "delta_mean"], abs=1e-3)
        assert row["ci_low"] <= row["delta"] <= row["ci_high"]
    average = pair[pair["level"] == "average"].iloc[0]
    assert average["delta"] == pytest.approx(theirs.loc["average", "delta_mean"], abs=1e-3)
    assert 0 < average["p_value"] <= 1 and average["mde"] > 0
    languages = pair[pair["level"] == "language"]
    assert set(languages[languages["name"] == "toy-xcopa"]["language"]) == {"xa", "xb", "xc", "xd"}
    summary = json.loads((summary_dir / "statistics/statistics.json").read_text())
    assert summary["resamples"] == 1000 and summary["seeds"] == [1]
    assert summary["correction"] == "holm" and "seeds" in summary["scheme"]
    answer = (summary_dir / "answer.md").read_text()
    assert "no multilingual->English recipe with its English-only counterpart" in answer
    assert "1 seed (1)" in answer and "`pawsx-mnli` (multilingual->English) vs `baseline`" in answer
    assert "\\toprule" in (summary_dir / "tables/main.tex").read_text()
    for name in [
        "heatmap",
        "language-bars",
        "language-properties",
        "curves-toy-xnli",
        "curves-stages",
    ]:
        assert (summary_dir / f"figures/{name}.png").read_bytes()[:4] == b"\x89PNG", name
        assert (summary_dir / f"figures/{name}.pdf").read_bytes()[:4] == b"%PDF", name
    snakemake(study_run, "--report", "report.html")
    report = (study_run / "report.html").read_text()
    for path in [
        "answer.html",
        "tables/tables.html",
        "tables/main.tex",
        "figures/heatmap.png",
        "figures/language-bars.pdf",
        "figures/curves-stages.png",
        "statistics/comparisons.csv",
    ]:
        embedded = base64.b64encode((summary_dir / path).read_bytes()).decode()
        assert embedded in report, path
    assert "1. Answer" in report and "Paired bootstrap statistics" in report


def _documented_forcerun() -> list[str]:
    """The README's forced one-cell command, as written there."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [line for line in readme.splitlines() if line.startswith(".venv/bin/snakemake ")]
    forced = [line for line in lines if "--forcerun" in line]
    assert len(forced) == 1, forced
    return shlex.split(forced[0])


def _dry_run_jobs(command: list[str], workdir: Path, configfile=ROOT / CONFIG) -> dict[str, int]:
    """Snakemake's dry-run job table of `command` run on the test config in `workdir`."""
    result = subprocess.run(
        [
            *command,
            "--snakefile",
            str(ROOT / "Snakefile"),
            "--directory",
            str(workdir),
            "--configfile",
            str(configfile),
            "--dry-run",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    if "Job stats:" not in result.stdout:  # nothing to be done
        return {}
    table = result.stdout.split("Job stats:", 1)[1].split("total", 1)[0]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.MULTILINE)}


def test_documented_one_cell_command_runs_one_cell(study_run):
    """The README's forced regeneration of one cell, on the test config: its target model is
    retrained and its predictions and scores redone, nothing else (not every target model)."""
    command = _documented_forcerun()
    score = next(i for i, token in enumerate(command) if token.endswith("/scores"))
    # the README's cell of the default study, as the test config names it
    command[score] = re.sub(r"^results/", "results-test/", command[score]).replace(
        "/seed2/", "/seed1/"
    )
    command[0] = SNAKEMAKE
    assert (study_run / command[score] / "xb.json").is_file()
    jobs = _dry_run_jobs(command, study_run)
    assert jobs == {"train_target": 1, "predict_toy_xnli": 1, "score_toy_xnli": 1}
    # the order the README had: the scores folder is read as a second --forcerun rule name and
    # every target model of the study is retrained
    wrong = [SNAKEMAKE, "--forcerun", "train_target", command[score]]
    assert _dry_run_jobs(wrong, study_run)["train_target"] == 10


def test_one_cell_regenerates_identically(study_run):
    cell = study_run / "results-test/tiny-xlmr/baseline/toy-xnli/seed1"
    score = cell / "scores/xa.json"
    before = score.read_text()
    for folder in ("model", "predictions", "scores"):
        shutil.rmtree(cell / folder)
    snakemake(study_run, str((cell / "scores").relative_to(study_run)))
    assert score.read_text() == before  # same config, same machine: same scores


# --- faults: what a user sees, and the recovery the message gives -------------------------------


def _failing(workdir: Path, *args: str) -> str:
    result = snakemake(workdir, *args, check=False)
    assert result.returncode != 0, result.stdout[-2000:]
    return result.stdout + result.stderr


def _advised_force(output: str) -> str:
    import re

    found = re.search(r"snakemake --force ([^\s`]+)", output)
    assert found, output[-3000:]
    return found.group(1)


def test_a_prediction_file_with_missing_lines_is_not_scored(study_run):
    """A prediction file cut after it was written: the score step checks the predictions
    folder against its record and stops, naming the file; forcing the folder regenerates it."""
    cell = study_run / "results-test/tiny-xlmr/baseline/toy-xnli/seed1"
    predictions, scores = cell / "predictions/xb.jsonl", cell / "scores"
    before = json.loads((scores / "xb.json").read_text())["metrics"]
    lines = predictions.read_text().splitlines(keepends=True)
    predictions.write_text("".join(lines[: len(lines) // 2]))
    target = str(scores.relative_to(study_run))
    output = _failing(study_run, target, "--forcerun", "score_toy_xnli")
    assert str(predictions.relative_to(study_run)) in output, output[-4000:]
    assert "changed or damaged after it was made" in output
    assert _advised_force(output) == str(predictions.parent.relative_to(study_run))
    # the message's recovery: force the predictions, then the usual command
    snakemake(study_run, "--force", _advised_force(output))
    snakemake(study_run, target)
    assert json.loads((scores / "xb.json").read_text())["metrics"] == before


def test_an_altered_test_file_is_refused_and_regenerated(study_run):
    import datasets

    data = study_run / "resources-test/data/toy-xnli/test"
    test_file = data / "xa/test.parquet"
    score = study_run / "results-test/tiny-xlmr/baseline/toy-xnli/seed1/scores/xa.json"
    before = json.loads(score.read_text())
    weights = score.parent.parent / "model/model.safetensors"
    trained = weights.stat().st_mtime_ns
    rows = datasets.Dataset.from_parquet(str(test_file)).to_list()
    rows[0]["label"] = (rows[0]["label"] + 1) % 3  # one altered gold label, a valid file
    datasets.Dataset.from_list(rows).to_parquet(str(test_file))
    target = str(score.parent.relative_to(study_run))
    output = _failing(study_run, target, "--forcerun", "score_toy_xnli")
    assert str(test_file.relative_to(study_run)) in output, output[-4000:]
    assert "was recorded when it was written" in output or "were written" in output
    assert _advised_force(output) == "resources-test/data/toy-xnli/test"
    snakemake(study_run, "--force", _advised_force(output))
    snakemake(study_run, target)
    # only the test split was prepared again: the model trained on train/dev is kept
    assert weights.stat().st_mtime_ns == trained
    after = json.loads(score.read_text())
    assert after["metrics"] == before["metrics"]  # regenerated test data: same numbers
    assert after["provenance"]["data_file_sha256"] == before["provenance"]["data_file_sha256"]


def test_garbled_model_weights_are_refused_and_retrained(study_run):
    model = study_run / "results-test/tiny-xlmr/baseline/toy-xcopa/seed1/model"
    score = model.parent / "scores/xb.json"
    before = json.loads(score.read_text())
    weights = model / "model.safetensors"
    raw = bytearray(weights.read_bytes())
    raw[-64] ^= 0xFF
    weights.write_bytes(bytes(raw))
    target = str(score.parent.relative_to(study_run))
    output = _failing(study_run, target, "--forcerun", "predict_toy_xcopa")
    assert str(weights.relative_to(study_run)) in output, output[-4000:]
    snakemake(study_run, "--force", _advised_force(output))
    snakemake(study_run, target)
    after = json.loads(score.read_text())
    assert after["metrics"] == before["metrics"]
    assert after["provenance"]["model_sha256"] == before["provenance"]["model_sha256"]


def test_settings_that_change_results_rerun_the_steps_that_read_them(study_run, tmp_path):
    """Before: a task's category, the aggregation's baseline and comparisons changed nothing
    (the old tables stayed)."""
    import yaml

    config = yaml.safe_load((ROOT / CONFIG).read_text())
    changes = {
        "category": lambda c: c.update(tasks={"toy-xnli": {"category": "structured_prediction"}}),
        "baseline": lambda c: c.update(aggregate={"baseline": "pawsx-mnli"}),
        "comparisons": lambda c: c.update(
            aggregate={"comparisons": [{"recipe": "baseline", "versus": "pawsx-mnli"}]}
        ),
        "qa rule": lambda c: c.update(aggregate={"qa_score": "f1"}),
    }
    for name, change in changes.items():
        changed = json.loads(json.dumps(config))
        change(changed)
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(changed, sort_keys=False))  # only the change differs
        result = snakemake_with(path, study_run, "all", "--dry-run")
        assert "aggregate" in result.stdout, (name, result.stdout[-1500:])
        if name == "category":
            assert "score_toy_xnli" in result.stdout  # score files record the category


def _variant(tmp_path: Path, name: str, change, sort_keys: bool = False) -> Path:
    """The test config changed by `change`, written as yaml.safe_dump writes it."""
    import yaml

    config = yaml.safe_load((ROOT / CONFIG).read_text())
    change(config)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=sort_keys))
    return path


def test_a_config_with_its_keys_in_another_order_reruns_nothing(study_run, tmp_path):
    """Before: Snakemake compares params by their repr, so the same config with its keys sorted
    (as yaml.safe_dump writes it) reran every job of the study, from the tokenizer on. Compared
    with the unchanged config's dry run: the tests before this one leave some jobs to do."""
    unchanged = _dry_run_jobs([SNAKEMAKE, "all"], study_run)
    path = _variant(tmp_path, "sorted", lambda config: None, sort_keys=True)
    assert path.read_text() != (ROOT / CONFIG).read_text()
    assert _dry_run_jobs([SNAKEMAKE, "all"], study_run, path) == unchanged


def test_a_checkpoint_interval_set_for_a_cluster_retrains_nothing(study_run, tmp_path):
    """checkpoint_every says how often a run saves, not what it computes (the weights are the
    same: test_training.py); before, setting it reran every training job of the study."""
    unchanged = _dry_run_jobs([SNAKEMAKE, "all"], study_run)

    def every_7(config):
        config["training"]["defaults"]["checkpoint_every"] = 7

    path = _variant(tmp_path, "checkpoints", every_7)
    assert _dry_run_jobs([SNAKEMAKE, "all"], study_run, path) == unchanged


def test_a_narrower_test_language_list_retrains_nothing(study_run, tmp_path):
    """Test languages are the test split's setting only (one data folder per split): fewer of
    them re-predict and re-score the task's models and retrain none (before, the dataset was
    prepared again and every target model of the task retrained)."""
    unchanged = _dry_run_jobs([SNAKEMAKE, "all"], study_run)
    path = _variant(tmp_path, "narrower", lambda c: c.update(languages={"toy-xnli": ["en", "xa"]}))
    jobs = _dry_run_jobs([SNAKEMAKE, "all"], study_run, path)
    models = len(list(study_run.glob("results-test/*/*/toy-xnli/seed*/model")))
    assert jobs["predict_toy_xnli"] == jobs["score_toy_xnli"] == models == 2
    expensive = ("prepare_data", "tokenize", "train_target", "train_stage", "pretrain")
    assert {r: jobs.get(r, 0) for r in expensive} == {r: unchanged.get(r, 0) for r in expensive}
    for rule in jobs:  # no other task is predicted or scored again
        if rule.startswith(("predict", "score")) and "xnli" not in rule:
            assert jobs[rule] == unchanged.get(rule, 0), rule


def test_every_job_records_its_real_time(study_run):
    timings = [json.loads(p.read_text()) for p in study_run.glob("res*-test/**/*.timing.json")]
    elapsed = float((study_run / "elapsed.txt").read_text())
    assert len(timings) >= 10
    for timing in timings:
        assert 0 < timing["wall_s"] <= elapsed and 0 <= timing["cpu_s"]
    # Snakemake's benchmark: gave each threaded job the whole process's CPU time; the jobs'
    # own CPU times add up to at most what two cores can give in the run's time
    assert sum(t["cpu_s"] for t in timings) <= 2 * elapsed


def test_export_writes_the_official_prediction_folders(study_run):
    """`snakemake export`: one official prediction folder per (model, recipe, seed), whose
    manifest holds the score files' numbers (tests/test_export.py reads the files back)."""
    snakemake(study_run, "export")
    for recipe in ("baseline", "pawsx-mnli"):
        folder = study_run / f"results-test/export/tiny-xlmr/{recipe}/seed1"
        manifest = json.loads((folder / "manifest.json").read_text())
        assert sorted(p.name for p in (folder / "predictions").iterdir()) == [
            "tatoeba",
            "udpos",
            "xcopa",
            "xnli",
            "xquad",
        ]
        tatoeba = manifest["tasks"]["tatoeba"]["languages"]["xb"]["scores"]["accuracy"]
        score = study_run / f"results-test/tiny-xlmr/{recipe}/toy-tatoeba/seed1/scores/xb.json"
        assert tatoeba == json.loads(score.read_text())["metrics"]["accuracy_en-xx"]
        assert (folder / "extra/predictions/lareqa/test-en.json").is_file()
    markdown = (study_run / "results-test/summary/table.md").read_text()
    assert "ud_tokens xtreme, tag_label_piece first, retrieval_inputs official" in markdown
