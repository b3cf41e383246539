"""End to end through Snakemake on a smaller embedded config: the table, beating chance,
provenance, deterministic resume and regenerating one cell."""

import base64
import json
import os
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


@pytest.fixture(scope="module")
def study_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("e2e")
    snakemake(workdir, "all")
    return workdir


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
    assert prov["retrieval"] == {"layer": -1, "pooling": "mean", "direction": "xx-en"}
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


def test_one_cell_regenerates_identically(study_run):
    cell = study_run / "results-test/tiny-xlmr/baseline/toy-xnli/seed1"
    score = cell / "scores/xa.json"
    before = score.read_text()
    shutil.rmtree(cell / "model")
    for path in (cell / "predictions").glob("*.jsonl"):
        os.remove(path)
    for path in (cell / "scores").glob("*.json"):
        os.remove(path)
    snakemake(study_run, str(score.relative_to(study_run)))
    assert score.read_text() == before  # same config, same machine: same scores
