"""The cost planner: job counts from Snakemake's dry run, GPU hours from per-rule estimates."""

from pathlib import Path

import pytest

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


def _study():
    from xstilts.study.config import Study, load_config

    return Study(load_config(ROOT / "config/test-small.yaml"))


RUNS = [
    {"variant": "fp32", "seq": 128, "batch": 32, "tokens_per_second": 1000.0},
    {"variant": "fp32", "seq": 64, "batch": 32, "tokens_per_second": 2000.0},
    {"variant": "bf16", "seq": 128, "batch": 32, "tokens_per_second": 9000.0},
]


def test_training_hours_from_measured_throughput():
    from xstilts.study.throughput import measured_estimate

    jobs = [
        (
            "train_target",
            {"model": "tiny-xlmr", "recipe": "baseline", "task": "toy-xnli", "seed": "1"},
        ),
        (
            "train_target",
            {"model": "tiny-xlmr", "recipe": "baseline", "task": "toy-udpos", "seed": "1"},
        ),
        ("train_stage", {"model": "tiny-xlmr", "seed": "1", "chain": "pawsx/mnli"}),
        ("predict_toy_xnli", {"model": "tiny-xlmr", "recipe": "baseline", "seed": "1"}),
    ]
    cost = {"train_target": {"gpu_hours": 99}, "predict": {"gpu_hours": 0.5}}
    rows = {r["rule"]: r for r in measured_estimate(_study(), jobs, RUNS, cost)}
    # test-small: 200 target steps of batch 32; XNLI at length 128, UD-POS (tagging) at 64
    xnli, udpos = 200 * 32 * 128 / 1000 / 3600, 200 * 32 * 64 / 2000 / 3600
    assert rows["train_target"]["gpu_hours"] == pytest.approx(xnli + udpos)
    assert rows["train_target"]["source"].startswith("measured: fp32 seq 128 batch 32")
    # the mnli stage: 150 steps of batch 32 at length 128
    assert rows["train_stage"]["gpu_hours"] == pytest.approx(150 * 32 * 128 / 1000 / 3600)
    assert rows["predict_toy_xnli"]["gpu_hours"] == 0.5  # not training: hand-written
    assert rows["predict_toy_xnli"]["source"] == "hand-written"


def test_epochs_need_counts_and_variants_follow_settings():
    from xstilts.study.throughput import tokens_per_second, training_job, variant_of

    study = _study()
    study.config["training"]["tasks"] = {"toy-xnli": {"max_epochs": 2}}
    job = {"model": "tiny-xlmr", "recipe": "baseline", "task": "toy-xnli", "seed": "1"}
    assert training_job(study, "train_target", job, {}) is None  # nothing tokenised, no count
    known = training_job(study, "train_target", job, {"toy-xnli": 1000})
    assert known["steps"] == 2 * 32 and known["tokens"] == 64 * 32 * 128  # ceil(1000/32) = 32
    assert variant_of({"precision": "bf16", "deterministic": True}) == "bf16-deterministic"
    assert variant_of({"precision": "bf16", "deterministic": False}) == "bf16"
    assert variant_of({"tf32": True}) == "tf32"
    rate, where = tokens_per_second(RUNS, "fp32", 96, 16)
    assert where.endswith("(nearest)") and rate in (1000.0, 2000.0)
    with pytest.raises(ValueError, match="no measurement of variant 'tf32'"):
        tokens_per_second(RUNS, "tf32", 128, 32)


def test_dry_run_jobs_match_the_counts(tmp_path):
    from xstilts.study.throughput import dry_run_jobs

    jobs = dry_run_jobs(
        ROOT / "Snakefile", str(ROOT / "config/test-small.yaml"), str(tmp_path), ["all"]
    )
    targets = [w for rule, w in jobs if rule == "train_target"]
    assert len(targets) == 10 and all(
        set(w) == {"model", "recipe", "task", "seed"} for w in targets
    )
    assert sorted(w["chain"] for rule, w in jobs if rule == "train_stage") == [
        "pawsx",
        "pawsx/mnli",
    ]
    # the evaluation jobs are printed as members of their group (indented): found too
    assert sum(1 for rule, _ in jobs if rule.startswith("predict_")) == 12
