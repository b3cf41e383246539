#!/usr/bin/env python3
"""The workflow's training loop against Hugging Face `Trainer`: same model, data, batch size,
steps, learning-rate schedule and gradient clipping, each at its defaults (the loop: length-grouped
batches, fused AdamW, no per-step host syncs; Trainer: random batches with dynamic padding, fused
AdamW). Repetitions are interleaved (ours, Trainer, Trainer, ours, ...) so machine load hits both.

    PYTHONPATH=$PWD .venv/bin/python bench/train_speed.py [--repeats 3] [--steps 300]

Prints training tokens/s (real, non-padding tokens over the time of the training steps, model
loading and saving excluded), padding efficiency, the speed ratio, and both loss curves (mean
training loss per tenth of the run). Also runs the loop with random batches (`length_group: 1`)
to show what grouping alone brings. Self-contained: data from the embedded generator
(toy-mnli, English), a BPE tokenizer trained on it, models initialised from one seed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MODELS = {
    "embedded (h64, 2 layers)": dict(
        hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128
    ),
    "h384, 6 layers": dict(
        hidden_size=384, num_hidden_layers=6, num_attention_heads=6, intermediate_size=1536
    ),
}


def build_data(root: Path, n_train: int) -> tuple[Path, object]:
    """toy-mnli (English) as features, and its tokenizer."""
    import datasets

    from xstilts.data.features import featurize_split, write_features_manifest
    from xstilts.data.store import write_manifest
    from xstilts.data.synthetic import generate
    from xstilts.model.pretrain import build_tokenizer

    rows = generate("toy-mnli", "en", "train", seed=13, size=n_train)
    tokenizer = build_tokenizer([r["text_a"] + " " + r["text_b"] for r in rows], 3000)
    (root / "data/en").mkdir(parents=True)
    datasets.Dataset.from_list(rows).to_parquet(str(root / "data/en/train.parquet"))
    write_manifest(root / "data", "toy-mnli", "classification", {"kind": "bench"})
    featurize_split(
        root / "data",
        "en",
        "train",
        "classification",
        tokenizer,
        {"max_length": 128},
        root / "features/en",
        labels=["entailment", "neutral", "contradiction"],
    )
    write_features_manifest(root / "features", params={"max_length": 128})
    return root / "features/en", tokenizer


def init_model(root: Path, name: str, shape: dict, tokenizer) -> Path:
    import torch
    from transformers import XLMRobertaConfig, XLMRobertaForMaskedLM

    from xstilts.io import write_folder_record

    torch.manual_seed(0)
    config = XLMRobertaConfig(
        vocab_size=len(tokenizer),
        max_position_embeddings=258,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        type_vocab_size=1,
        **shape,
    )
    path = root / "init" / name.split()[0]
    XLMRobertaForMaskedLM(config).save_pretrained(str(path))
    tokenizer.save_pretrained(str(path))
    write_folder_record(path, {"kind": "bench-init"})
    return path


def run_ours(init: Path, features: Path, args, length_group: int) -> dict:
    from xstilts.model.training import TrainTask, train
    from xstilts.study.registry import task_from_dict

    spec = task_from_dict(
        "toy-mnli",
        {
            "role": "intermediate",
            "head": "classification",
            "labels": ["entailment", "neutral", "contradiction"],
            "metric": "accuracy",
            "primary": "accuracy",
            "train": {"dataset": "toy-mnli", "split": "train", "languages": ["en"]},
        },
    )
    params = {"batch_size": args.batch_size, "length_group": length_group}
    stage = {
        "lr": args.lr,
        "max_steps": args.steps,
        "warmup_ratio": 0.1,
        "weight_decay": 0.01,
        "eval_every": args.steps // 10,  # no dev set: a loss point, no evaluation
        "threads": args.threads,
    }
    with tempfile.TemporaryDirectory() as out:
        summary = train(
            init,
            [TrainTask("toy-mnli", spec, params, [features])],
            Path(out) / "model",
            seed=1,
            stage_params=stage,
            save_heads=True,
            metadata={},
            log=lambda m: None,
        )
    t = summary["throughput"]
    return {
        "tokens_per_second": t["tokens_per_second"],
        "tokens_per_cpu_second": t["tokens"] / t["train_cpu_seconds"],
        "padding_efficiency": t["padding_efficiency"],
        "curve": [round(c["train_loss"], 3) for c in summary["curve"]],
    }


def run_trainer(init: Path, features: Path, tokenizer, args) -> dict:
    import torch
    from transformers import (
        DataCollatorWithPadding,
        Trainer,
        TrainerCallback,
        TrainingArguments,
        XLMRobertaForSequenceClassification,
    )

    from xstilts.data.features import load_features

    torch.set_num_threads(args.threads)
    data = load_features(features).select_columns(["input_ids", "label"])
    data = data.rename_column("label", "labels")
    lengths = [len(x) for x in data["input_ids"]]
    model = XLMRobertaForSequenceClassification.from_pretrained(str(init), num_labels=3)

    class Clock(TrainerCallback):
        """Time of the training steps alone, as for the workflow's loop; and padding."""

        def on_train_begin(self, *a, **k):
            self.started, self.cpu_started = time.perf_counter(), time.process_time()

        def on_train_end(self, *a, **k):
            self.seconds = time.perf_counter() - self.started
            self.cpu_seconds = time.process_time() - self.cpu_started

    clock = Clock()
    with tempfile.TemporaryDirectory() as out:
        training_args = TrainingArguments(
            output_dir=out,
            per_device_train_batch_size=args.batch_size,
            max_steps=args.steps,
            learning_rate=args.lr,
            warmup_steps=int(0.1 * args.steps),
            weight_decay=0.01,
            logging_steps=args.steps // 10,
            save_strategy="no",
            eval_strategy="no",
            report_to=[],
            seed=1,
            use_cpu=not torch.cuda.is_available(),
            disable_tqdm=True,
        )
        collator = DataCollatorWithPadding(tokenizer)
        padded = []

        def collate(features):
            batch = collator(features)
            padded.append(batch["input_ids"].numel())
            return batch

        trainer = Trainer(
            model=model,
            args=training_args,
            train_dataset=data,
            data_collator=collate,
            callbacks=[clock],
        )
        trainer.train()
    seen = args.steps * args.batch_size
    real = sum(lengths) / len(lengths) * seen  # random batches: the mean length per example
    curve = [round(h["loss"], 3) for h in trainer.state.log_history if "loss" in h]
    return {
        "tokens_per_second": real / clock.seconds,
        "tokens_per_cpu_second": real / clock.cpu_seconds,
        "padding_efficiency": real / sum(padded[: args.steps]),
        "curve": curve,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--examples", type=int, default=3000)
    parser.add_argument("--models", nargs="*", default=list(MODELS))
    args = parser.parse_args()

    import torch

    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} cores visible, threads {args.threads}"
    )
    print(
        f"toy-mnli English, {args.examples} examples, batch {args.batch_size}, {args.steps} steps"
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        features, tokenizer = build_data(root, args.examples)
        for name in args.models:
            init = init_model(root, name, MODELS[name], tokenizer)
            runs = {"ours": [], "trainer": [], "ours, random batches": []}
            for r in range(args.repeats):
                order = ["ours", "trainer"] if r % 2 == 0 else ["trainer", "ours"]
                for kind in order + ["ours, random batches"]:
                    if kind == "trainer":
                        runs[kind].append(run_trainer(init, features, tokenizer, args))
                    else:
                        group = 1 if "random" in kind else 50
                        runs[kind].append(run_ours(init, features, args, group))
            print(f"\n{name}")
            for measure, label in (
                ("tokens_per_second", "tokens/s (wall)"),
                ("tokens_per_cpu_second", "tokens per CPU second"),
            ):
                speed = {k: statistics.median(x[measure] for x in v) for k, v in runs.items()}
                head = f"{label}, each run"
                print(
                    f"  {'loop':<22} {head:>36} {'median':>8} {'vs Trainer':>10} {'pad. eff.':>9}"
                )
                for kind, results in runs.items():
                    each = ", ".join(f"{x[measure]:.0f}" for x in results)
                    ratio = speed[kind] / speed["trainer"]
                    padding = results[0]["padding_efficiency"]
                    print(
                        f"  {kind:<22} {each:>36} {speed[kind]:>8.0f} {ratio:>9.2f}x {padding:>9.2f}"
                    )
            for kind, results in runs.items():
                print(f"  loss curve, {kind}: {results[0]['curve']}")


if __name__ == "__main__":
    main()
