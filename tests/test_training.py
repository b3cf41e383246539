"""The training loop: learning on a tiny task, English-dev selection, and preemption-safe
resume that ends bit-identical to an uninterrupted run."""

import random
from pathlib import Path

import pytest
import torch

from xstilts.study.registry import task_from_dict

WORDS = ["cat", "dog", "bird", "fish", "tree", "sun", "moon", "star", "rock", "lake"]
SPEC = task_from_dict(
    "toy-same",
    {
        "role": "intermediate",
        "head": "classification",
        "labels": ["other", "first-five"],
        "metric": "accuracy",
        "primary": "accuracy",
        "train": {"dataset": "d", "split": "train", "languages": ["en"]},
        "dev": {"dataset": "d", "split": "dev", "languages": ["en"]},
    },
)


def _rows(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        # label: is the first word one of the first five (a lexical rule a tiny model learns fast)
        a, b = rng.choice(WORDS), rng.choice(WORDS)
        rows.append(
            {
                "id": f"{seed}-{i}",
                "text_a": f"the {a}",
                "text_b": f"the {b}",
                "label": int(a in WORDS[:5]),
            }
        )
    return rows


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    import datasets
    from transformers import XLMRobertaConfig, XLMRobertaForMaskedLM

    from xstilts.data.features import featurize_split, write_features_manifest
    from xstilts.data.store import write_manifest
    from xstilts.io import write_folder_record
    from xstilts.model.pretrain import build_tokenizer

    root = tmp_path_factory.mktemp("train")
    tokenizer = build_tokenizer([f"the {w} and the {v}" for w in WORDS for v in WORDS] * 3, 60)
    init = root / "init"
    torch.manual_seed(0)
    config = XLMRobertaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        pad_token_id=tokenizer.pad_token_id,
        type_vocab_size=1,
    )
    XLMRobertaForMaskedLM(config).save_pretrained(init)
    tokenizer.save_pretrained(init)
    write_folder_record(init, {"kind": "test-init"})
    data = root / "data"
    for split, n in (("train", 400), ("dev", 100)):
        (data / "en").mkdir(parents=True, exist_ok=True)
        datasets.Dataset.from_list(_rows(n, len(split))).to_parquet(
            str(data / "en" / f"{split}.parquet")
        )
    write_manifest(data, "d", "classification", {"kind": "test"})
    for split in ("train", "dev"):
        featurize_split(
            data,
            "en",
            split,
            "classification",
            tokenizer,
            {"max_length": 32},
            root / "features" / split / "en",
            labels=list(SPEC.labels),
        )
        write_features_manifest(root / "features" / split, params={"max_length": 32})
    return root


def _task(root: Path):
    from xstilts.model.training import TrainTask

    params = {"batch_size": 16, "eval_batch_size": 64}
    return TrainTask(
        "toy-same", SPEC, params, [root / "features/train/en"], root / "features/dev", root / "data"
    )


STAGE = {
    "lr": 3e-3,
    "max_steps": 100,
    "warmup_ratio": 0.1,
    "weight_decay": 0.01,
    "eval_every": 20,
    "checkpoint_every": 25,
    "threads": 1,
}


def _train(root: Path, out: str, **kwargs):
    from xstilts.model.training import train

    return train(
        root / "init",
        [_task(root)],
        root / out,
        seed=5,
        stage_params=STAGE,
        save_heads=True,
        metadata={"test": True},
        log=lambda m: None,
        **kwargs,
    )


def _weights(path: Path) -> dict:
    from safetensors.torch import load_file

    state = load_file(path / "model.safetensors")
    state.update({f"head.{k}": v for k, v in torch.load(path / "heads.pt")["state"].items()})
    return state


def test_learns_and_selects_on_english_dev(setup):
    summary = _train(setup, "plain")
    assert summary["best_dev"]["toy-same"]["accuracy"] > 70.0  # chance is 50
    assert summary["best_step"] % 20 == 0
    assert (
        max(c["selection_score"] for c in summary["curve"])
        == summary["best_dev"]["toy-same"]["accuracy"]
    )
    assert (setup / "plain/xstilts.json").is_file()


@pytest.mark.parametrize("stops", [[7], [25], [20, 41, 77], [99]])
def test_interrupted_runs_resume_bit_identical(setup, stops):
    from xstilts.model.training import Preempted

    reference = _weights(setup / "plain") if (setup / "plain").exists() else None
    if reference is None:
        _train(setup, "plain")
        reference = _weights(setup / "plain")
    out = f"resumed-{'-'.join(map(str, stops))}"
    checkpoint = setup / f"{out}.resume.pt"
    for stop in stops:
        with pytest.raises(Preempted):
            _train(setup, out, checkpoint_path=checkpoint, stop_after_step=stop)
        assert checkpoint.is_file() and not (setup / out).exists()  # nothing that looks complete
    summary = _train(setup, out, checkpoint_path=checkpoint)
    assert summary["resumed_from_step"] == stops[-1]
    assert not checkpoint.exists()
    resumed = _weights(setup / out)
    assert resumed.keys() == reference.keys()
    for key in reference:
        assert torch.equal(resumed[key], reference[key]), key


def test_sigterm_checkpoints_and_stops(setup):
    import os
    import signal

    from xstilts.model.training import Preempted

    checkpoint = setup / "signalled.resume.pt"
    calls = {"n": 0}

    def log(message):
        calls["n"] += 1
        if message.startswith("step 20/"):
            os.kill(os.getpid(), signal.SIGTERM)

    from xstilts.model.training import train

    with pytest.raises(Preempted) as info:
        train(
            setup / "init",
            [_task(setup)],
            setup / "signalled",
            seed=5,
            stage_params=STAGE,
            save_heads=True,
            metadata={},
            log=log,
            checkpoint_path=checkpoint,
        )
    assert info.value.code == 143
    assert torch.load(checkpoint, weights_only=False)["step"] == 20
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handler restored


def test_records_device_settings_and_throughput(setup):
    """bf16 autocast on the CPU still learns; the summary says how the run used its device and
    what it cost (what the planner's calibration reads); random batches pad more."""
    from xstilts.model.training import TrainTask, train

    runs = {}
    for name, group, precision in (("grouped", 50, "bf16"), ("random", 1, "fp32")):
        task = _task(setup)
        task = TrainTask(
            task.name,
            task.spec,
            {**task.params, "length_group": group},
            task.train_dirs,
            task.dev_feature_root,
            task.dev_data_root,
        )
        runs[name] = train(
            setup / "init",
            [task],
            setup / f"settings-{name}",
            seed=5,
            stage_params={**STAGE, "precision": precision},
            save_heads=True,
            metadata={},
            log=lambda m: None,
        )
    grouped, random_ = runs["grouped"], runs["random"]
    assert grouped["device_settings"] == {
        "device": "cpu",
        "precision": "bf16",
        "tf32": False,
        "compile": False,
        "deterministic": True,
    }
    assert grouped["best_dev"]["toy-same"]["accuracy"] > 70.0
    for summary in (grouped, random_):
        t = summary["throughput"]
        assert t["steps"] == 100 and t["train_seconds"] > 0 and t["tokens_per_second"] > 0
    assert grouped["throughput"]["padding_efficiency"] > random_["throughput"]["padding_efficiency"]


def _checkpoint(setup, name: str, stop: int, stage=STAGE, fingerprint=None):
    from xstilts.model.training import Preempted, train

    checkpoint = setup / f"{name}.resume.pt"
    with pytest.raises(Preempted):
        train(
            setup / "init",
            [_task(setup)],
            setup / name,
            seed=5,
            stage_params=stage,
            save_heads=True,
            metadata={},
            log=lambda m: None,
            checkpoint_path=checkpoint,
            fingerprint=fingerprint,
            stop_after_step=stop,
        )
    return checkpoint


def _run(setup, name: str, checkpoint=None, stage=STAGE, fingerprint=None, logs=None):
    from xstilts.model.training import train

    return train(
        setup / "init",
        [_task(setup)],
        setup / name,
        seed=5,
        stage_params=stage,
        save_heads=True,
        metadata={},
        log=(logs.append if logs is not None else lambda m: None),
        checkpoint_path=checkpoint,
        fingerprint=fingerprint,
    )


def test_checkpoints_load_without_unpickling_code(setup):
    checkpoint = _checkpoint(setup, "safe", 30)
    state = torch.load(checkpoint, weights_only=True)  # refuses anything but tensors and values
    assert state["step"] == 30


@pytest.mark.parametrize(
    "change",
    [
        {"stage": {**STAGE, "lr": 1e-3}},  # the task's lr changed
        {"fingerprint": {"init_sha256": "another encoder"}},  # the upstream stage changed
    ],
    ids=["hyperparameter", "input-encoder"],
)
def test_a_checkpoint_of_other_settings_or_inputs_is_discarded(setup, change):
    """Before: the old checkpoint was resumed and the old model came out under the new config."""
    name = "stale-" + "-".join(change)
    checkpoint = _checkpoint(setup, name, 50, fingerprint={"init_sha256": "first encoder"})
    stage = change.get("stage", STAGE)
    fingerprint = change.get("fingerprint", {"init_sha256": "first encoder"})
    logs = []
    summary = _run(setup, name, checkpoint, stage, fingerprint, logs)
    assert summary["resumed_from_step"] is None
    assert any("discarding checkpoint" in m for m in logs), logs
    fresh = _run(setup, name + "-fresh", None, stage, fingerprint)
    assert summary["best_dev"] == fresh["best_dev"]
    a, b = _weights(setup / name), _weights(setup / (name + "-fresh"))
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_checkpoint_every_changes_no_weight_and_a_checkpoint_resumes_under_another(setup):
    """How often a run saves is not a setting of its result (hparams.EXECUTION_KEYS): the same
    weights with periodic checkpoints every 10 steps or none, and a checkpoint written under
    one value is resumed under another (before, it was discarded and the run started over)."""
    none = {**STAGE, "checkpoint_every": 0}
    _run(setup, "never-saved", setup / "never.resume.pt", none)
    every_10 = {**STAGE, "checkpoint_every": 10}
    checkpoint = _checkpoint(setup, "saved", 33, stage=every_10)
    logs = []
    summary = _run(setup, "saved", checkpoint, {**STAGE, "checkpoint_every": 7}, logs=logs)
    assert summary["resumed_from_step"] == 33, logs
    a, b = _weights(setup / "never-saved"), _weights(setup / "saved")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    # a setting of the result still discards it
    checkpoint = _checkpoint(setup, "other-lr", 33, stage=every_10)
    assert (
        _run(setup, "other-lr", checkpoint, {**every_10, "lr": 1e-3})["resumed_from_step"] is None
    )


def test_lowering_max_steps_below_the_checkpoint_trains_afresh(setup):
    """Before: a checkpoint past the new max_steps left no state to load and failed forever."""
    checkpoint = _checkpoint(setup, "shorter", 77)
    shorter = {**STAGE, "max_steps": 50}
    summary = _run(setup, "shorter", checkpoint, shorter)
    assert summary["resumed_from_step"] is None and summary["best_step"] <= 50
    assert not checkpoint.exists()
    _run(setup, "shorter-fresh", None, shorter)
    a, b = _weights(setup / "shorter"), _weights(setup / "shorter-fresh")
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_a_stop_request_reaches_training_in_a_worker_thread(setup):
    """Signal handlers run in the main thread; jobs run in worker threads (locally and in SLURM
    jobs). Before, a signal could not reach them: now the handler's stop request does."""
    import signal
    import threading

    from xstilts import runtime
    from xstilts.model.training import Preempted

    checkpoint = setup / "threaded.resume.pt"
    reached, outcome = threading.Event(), {}

    def log(message):
        if message.startswith("step 20/"):
            reached.set()

    def job():
        from xstilts.model.training import train

        try:
            train(
                setup / "init",
                [_task(setup)],
                setup / "threaded",
                seed=5,
                stage_params={**STAGE, "max_steps": 100000},
                save_heads=True,
                metadata={},
                log=log,
                checkpoint_path=checkpoint,
            )
        except Preempted as err:
            outcome["error"] = err

    worker = threading.Thread(target=job)
    worker.start()
    assert reached.wait(120)
    runtime.request_stop(signal.SIGUSR1)  # what the main thread's handler does
    worker.join(120)
    assert not worker.is_alive()
    assert outcome["error"].code == 143
    assert torch.load(checkpoint, weights_only=True)["step"] >= 20


def test_pretraining_resumes_bit_identically(tmp_path):
    """The tiny MLM's pretraining writes step checkpoints and stops on request like training."""
    import datasets
    from safetensors.torch import load_file

    from xstilts.data.store import write_manifest
    from xstilts.model.pretrain import pretrain_mlm, train_tokenizer
    from xstilts.model.training import Preempted

    corpus = tmp_path / "corpus"
    (corpus / "en").mkdir(parents=True)
    rows = [
        {"id": str(i), "text": f"the {a} saw the {b}"}
        for i, (a, b) in enumerate((a, b) for a in WORDS for b in WORDS)
    ]
    datasets.Dataset.from_list(rows).to_parquet(str(corpus / "en" / "train.parquet"))
    write_manifest(corpus, "corpus", "text", {"kind": "test"})
    train_tokenizer(corpus, ["en"], 80, tmp_path / "tok")
    arch = {
        "hidden_size": 16,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        "intermediate_size": 32,
        "max_position_embeddings": 40,
    }
    params = {"steps": 30, "batch_size": 8, "lr": 1e-3, "max_length": 16, "seed": 3}

    def run(out, every=0, **kwargs):
        return pretrain_mlm(
            tmp_path / "tok",
            corpus,
            ["en"],
            arch,
            {**params, "checkpoint_every": every},
            tmp_path / out,
            log=lambda m: None,
            **kwargs,
        )

    run("full")
    checkpoint = tmp_path / "resumed.resume.pt"
    with pytest.raises(Preempted):
        run("resumed", checkpoint_path=checkpoint, stop_after_step=12)
    # resumed under another checkpoint interval: how often it saves is not what it computes
    meta = run("resumed", every=5, checkpoint_path=checkpoint)
    assert meta["resumed_from_step"] == 12 and not checkpoint.exists()
    a = load_file(tmp_path / "full/model.safetensors")
    b = load_file(tmp_path / "resumed/model.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
