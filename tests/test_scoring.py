"""Score files come only from complete prediction files; degenerate predictions are flagged;
a failing step leaves its traceback in its log and every step its real time."""

import json

import pytest

from xstilts.evaluation.scoring import (
    PredictionError,
    check_complete,
    compute_metrics,
    degenerate,
    read_predictions,
)
from xstilts.study.registry import task_from_dict

XNLI = task_from_dict(
    "x",
    {
        "role": "target",
        "head": "classification",
        "labels": ["entailment", "neutral", "contradiction"],
        "metric": "accuracy",
        "primary": "accuracy",
        "test": {"dataset": "d", "split": "test", "languages": ["en"]},
    },
)
POS = task_from_dict(
    "p",
    {
        "role": "target",
        "head": "tagging",
        "labels": ["NOUN", "VERB"],
        "metric": "seqeval_pos",
        "primary": "f1",
        "test": {"dataset": "d", "split": "test", "languages": ["en"]},
    },
)
TATOEBA = task_from_dict(
    "t",
    {
        "role": "target",
        "head": "retrieval",
        "metric": "retrieval_accuracy",
        "primary": "accuracy",
        "test": {"dataset": "d", "split": "test", "languages": ["xx"]},
    },
)
GOLD = {f"q{i}": ["entailment", "neutral", "contradiction"][i % 3] for i in range(9)}


def _rows(gold, wrong=()):
    return [{"id": i, "prediction": "neutral" if i in wrong else g} for i, g in gold.items()]


def test_complete_predictions_pass_and_score():
    rows = _rows(GOLD, wrong={"q0"})
    check_complete(XNLI, rows, GOLD, "p.jsonl")
    assert compute_metrics(XNLI, rows, GOLD, "en")["accuracy"] == pytest.approx(100 * 8 / 9)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda rows: rows[:-3], "3 gold examples without a prediction"),
        (lambda rows: rows + [{"id": "zz", "prediction": "neutral"}], "not in the gold data"),
        (lambda rows: rows + rows[:1], "ids predicted more than once"),
        (lambda rows: [], "no predictions"),
    ],
    ids=["missing-lines", "unknown-id", "duplicate", "empty"],
)
def test_incomplete_predictions_are_refused(damage, message):
    """Before: missing lines were scored as wrong answers (XNLI 34.0 -> 18.3), silently."""
    with pytest.raises(PredictionError) as err:
        check_complete(XNLI, damage(_rows(GOLD)), GOLD, "cell/predictions/xa.jsonl")
    assert message in str(err.value)
    assert "cell/predictions/xa.jsonl" in str(err.value)
    assert "snakemake --force cell/predictions`" in str(err.value)  # the folder: the output


@pytest.mark.parametrize("predicted", [["NOUN"], ["NOUN", "VERB", "NOUN"]], ids=["short", "long"])
def test_tag_sequences_of_the_wrong_length_name_the_sentence(predicted):
    """Before: padded with O or cut to the gold's length, silently."""
    gold = {"s1": ["NOUN", "VERB"], "s2": ["VERB", "NOUN"]}
    rows = [{"id": "s1", "prediction": ["NOUN", "VERB"]}, {"id": "s2", "prediction": predicted}]
    with pytest.raises(
        PredictionError, match=r"p.jsonl: sentence 's2' has \d predicted tags for 2"
    ):
        check_complete(POS, rows, gold, "p.jsonl")


def test_each_retrieval_direction_must_be_complete():
    gold = {"xx-1": ["xx-1"], "xx-2": ["xx-2"]}
    rows = [{"id": i, "direction": "xx-en", "prediction": [i]} for i in gold]
    rows += [{"id": "xx-1", "direction": "en-xx", "prediction": ["xx-1"]}]
    with pytest.raises(PredictionError, match=r"\(en-xx\): 1 gold examples without"):
        check_complete(TATOEBA, rows, gold, "t.jsonl")
    rows += [{"id": "xx-2", "direction": "en-xx", "prediction": ["xx-2"]}]
    check_complete(TATOEBA, rows, gold, "t.jsonl")


def test_a_prediction_line_cut_short_names_file_and_line(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({"id": "a", "prediction": 1}) + '\n{"id": "b", "predi')
    with pytest.raises(PredictionError, match=r"p.jsonl:2: not a JSON line"):
        read_predictions(path)


def test_degenerate_predictions_are_named():
    one_label = [{"id": i, "prediction": "neutral"} for i in GOLD]
    assert degenerate(XNLI, one_label, GOLD) == "predicts 'neutral' for all 9 examples"
    assert degenerate(XNLI, _rows(GOLD, wrong={"q0"}), GOLD) is None
    gold = {"s1": ["NOUN", "VERB"], "s2": ["VERB", "VERB"]}
    only_noun = [{"id": i, "prediction": ["NOUN"] * len(t)} for i, t in gold.items()]
    assert degenerate(POS, only_noun, gold) == "tags every word 'NOUN'"
    same = {"q": ["a"], "r": ["b"]}
    first = [{"id": i, "prediction": ["a", "b"]} for i in same]
    assert degenerate(TATOEBA, first, same) == "ranks 'a' first for every query"


def test_a_failing_step_writes_its_traceback_and_time_into_its_log(tmp_path):
    from xstilts.steps.runner import log, step

    @step
    def broken(value):
        log("starting")
        raise ValueError(f"bad value {value}")

    with pytest.raises(ValueError):
        broken(3, log_path=str(tmp_path / "job.log"))
    text = (tmp_path / "job.log").read_text()
    assert "starting" in text and "Traceback" in text and "ValueError: bad value 3" in text
    assert "job time: wall" in text
    (tmp_path / "job.log").unlink()  # what Snakemake does before the next attempt
    with pytest.raises(ValueError):
        broken(4, log_path=str(tmp_path / "job.log"))
    history = (tmp_path / "job.attempts.log").read_text()
    assert "bad value 3" in history and "bad value 4" in history


def test_a_step_records_its_own_wall_and_cpu_time(tmp_path):
    import time

    from xstilts.steps.runner import step

    @step
    def work():
        end = time.process_time() + 0.3
        while time.process_time() < end:  # CPU-bound
            pass
        time.sleep(0.3)  # and waiting

    work(timing_path=str(tmp_path / "t.json"))
    timing = json.loads((tmp_path / "t.json").read_text())
    assert timing["step"] == "work"
    assert 0.55 < timing["wall_s"] < 5
    assert 0.25 < timing["cpu_s"] < timing["wall_s"]


def test_the_table_marks_degenerate_cells_instead_of_averaging_them_in_silently(tmp_path):
    from pathlib import Path

    import yaml

    from xstilts.reporting.aggregate import build_tables
    from xstilts.study.config import Study

    root = Path(__file__).resolve().parents[1]
    config = yaml.safe_load((root / "config/test-small.yaml").read_text())
    study = Study(config)
    files = []
    for recipe in study.recipes:
        for task in study.targets:
            spec = study.tasks[task]
            for lang in study.test_languages(task):
                flagged = recipe == "baseline" and task == "toy-udpos" and lang == "xa"
                metrics = {spec.primary: 50.0, "f1": 50.0, "exact_match": 40.0}
                record = {
                    "cell": {
                        "model": "tiny-xlmr",
                        "recipe": recipe,
                        "task": task,
                        "seed": 1,
                        "language": lang,
                    },
                    "score": 50.0,
                    "primary": spec.primary,
                    "metrics": metrics,
                    "degenerate": "tags every word 'NOUN'" if flagged else None,
                    "n_examples": 10,
                    "setting": "zero-shot",
                }
                path = tmp_path / f"{recipe}-{task}-{lang}.json"
                path.write_text(json.dumps(record))
                files.append(str(path))
    outputs = {
        k: str(tmp_path / f"{k}.out")
        for k in ("scores", "table", "markdown", "question", "question_markdown")
    }
    build_tables(study, files, outputs)
    table = Path(outputs["markdown"]).read_text()
    baseline_row = next(line for line in table.splitlines() if "| baseline |" in line)
    assert "50.0 ‡" in baseline_row  # the task cell and the average
    assert "| tiny-xlmr | baseline | toy-udpos | 1 | xa | tags every word 'NOUN' |" in table
    other = next(line for line in table.splitlines() if "| pawsx-mnli |" in line)
    assert "‡" not in other
