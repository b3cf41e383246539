"""The cost planner: job counts from Snakemake's dry run, GPU hours from per-rule estimates."""

from pathlib import Path

from xstilts.study.plan import dry_run_job_counts, estimate, submissions

ROOT = Path(__file__).resolve().parents[1]


def test_counts_follow_the_grid(tmp_path):
    counts = dry_run_job_counts(
        ROOT / "Snakefile", str(ROOT / "config/test-small.yaml"), str(tmp_path), ["all"]
    )
    # 2 recipes x 1 seed; 5 trained targets (tatoeba borrows the QA model); 6 evaluated targets
    assert counts["train_target"] == 10
    assert counts["train_stage"] == 2  # pawsx, pawsx/mnli: the chain prefix is trained once
    assert counts["predict_toy_xnli"] == 2 and counts["score_toy_tatoeba"] == 2
    assert counts["pretrain"] == 1


def test_estimate_and_submissions():
    counts = {
        "train_target": 10,
        "predict_toy_xnli": 4,
        "score_toy_xnli": 4,
        "prepare_data": 3,
        "aggregate": 1,
    }
    rows = {
        r["rule"]: r
        for r in estimate(
            counts, {"train_target": {"gpu_hours": 2.5}, "predict": {"gpu_hours": 0.5}}
        )
    }
    assert rows["train_target"]["gpu_hours"] == 25.0
    assert rows["predict_toy_xnli"]["gpu_hours"] == 2.0  # prefix match
    assert rows["score_toy_xnli"]["gpu_hours"] == 0.0
    assert submissions(counts) == 14  # scores ride with predictions; localrules are not submitted
