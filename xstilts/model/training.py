"""One training loop for every stage and every target task.

Batches come from one or more tasks (a TaskSampler picks the task per step), a shared encoder
feeds a dict of heads, and the model is selected on English dev (mean primary score over the
stage's tasks). Only the encoder is kept after an intermediate stage; a target model keeps its
head too.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from xstilts.io import atomic_dir


@dataclass
class TrainTask:
    name: str
    spec: object  # registry.TaskSpec
    params: dict
    train_dirs: list[Path]
    dev_feature_root: Path | None = None
    dev_data_root: Path | None = None
    languages: list[str] = field(default_factory=lambda: ["en"])


class BatchStream:
    """Endless shuffled batches of one task's features; the order depends only on the seed."""

    def __init__(
        self, columns: dict[str, list], kind: str, batch_size: int, pad_id: int, seed: int
    ):
        from xstilts.evaluation.predict import collate

        self.columns, self.kind, self.batch_size, self.pad_id = columns, kind, batch_size, pad_id
        self.collate = collate
        self.size = len(columns["input_ids"])
        self.generator = torch.Generator().manual_seed(seed)
        self.order: list[int] = []
        self.epoch = 0

    def state_dict(self) -> dict:
        return {
            "generator": self.generator.get_state(),
            "order": list(self.order),
            "epoch": self.epoch,
        }

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])
        self.order, self.epoch = list(state["order"]), state["epoch"]

    def __next__(self) -> dict:
        if len(self.order) < self.batch_size:
            self.order += torch.randperm(self.size, generator=self.generator).tolist()
            self.epoch += 1
        idx, self.order = self.order[: self.batch_size], self.order[self.batch_size :]
        return self.collate(
            {c: [v[i] for i in idx] for c, v in self.columns.items()}, self.kind, self.pad_id
        )


TRAIN_COLUMNS = {
    "classification": ["input_ids", "label"],
    "multiple_choice": ["input_ids", "label"],
    "tagging": ["input_ids", "labels"],
    "span": ["input_ids", "start", "end"],
    "retrieval": ["input_ids", "positive_ids"],
    "mlm": ["input_ids"],
}


def _sampling_units(tasks: list[TrainTask], by: str):
    """(unit name, task, feature folders): one unit per task, or per (task, language)."""
    if by == "task_language":
        return [
            (f"{t.name}:{lang}", t, [d])
            for t in tasks
            for lang, d in zip(t.languages, t.train_dirs, strict=True)
        ]
    return [(t.name, t, t.train_dirs) for t in tasks]


def _load_train_columns(task: TrainTask, seed: int, dirs: list[Path]) -> dict[str, list]:
    import datasets

    from xstilts.data.features import load_features

    parts = [load_features(d) for d in dirs]
    feats = datasets.concatenate_datasets(parts) if len(parts) > 1 else parts[0]
    limit = task.params.get("max_train_examples")
    if limit and len(feats) > limit:
        feats = feats.shuffle(seed=seed).select(range(limit))
    columns = TRAIN_COLUMNS[task.spec.head]
    if "token_type_ids" in feats.column_names:  # BERT-style segment ids of sentence pairs
        columns = [*columns, "token_type_ids"]
    # Plain lists: indexing arrow-backed columns one row at a time is slow in the batch loop.
    return feats.select_columns(columns)[:]


def evaluate_dev(model, task: TrainTask, pad_id: int) -> dict:
    from xstilts.evaluation.predict import predict_languages
    from xstilts.evaluation.scoring import compute_metrics, gold_for

    predictions = predict_languages(
        model,
        task.name,
        task.spec,
        task.params,
        task.dev_feature_root,
        task.dev_data_root,
        task.spec.dev.split,
        ["en"],
        pad_id,
    )
    gold = gold_for(task.spec, task.dev_data_root, "en", task.spec.dev.split)
    return compute_metrics(task.spec, predictions["en"], gold, "en")


def steps_for(stage_params: dict, unit_task: dict[str, TrainTask], sizes: dict[str, int]) -> int:
    """Optimizer steps: `max_epochs` passes over the training data (all sampling units of a
    stage together) when given, else `max_steps`."""
    epochs = stage_params.get("max_epochs")
    if epochs is None:
        return stage_params["max_steps"]
    accumulation = stage_params.get("grad_accumulation", 1)
    batches = sum(
        math.ceil(sizes[u] / (t.params["batch_size"] * accumulation)) for u, t in unit_task.items()
    )
    return max(1, math.ceil(epochs * batches))


def _optimizer(model, lr: float, weight_decay: float):
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        (no_decay if param.ndim < 2 or "LayerNorm" in name or "bias" in name else decay).append(
            param
        )
    return torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        ],
        lr=lr,
        # One fused kernel per step: no full-size temporaries (foreach made ~0.4 GB of them for
        # a 118M-parameter model) and ~8x faster on CPU, where the 250k-row embedding matrix
        # dominates the step (bench/optimizer_step.py).
        fused=True,
    )


class Progress:
    """A progress line at most every `every` seconds of wall time: step, steps/s and ETA, so a
    long CPU job shows it is alive (by time, not steps: results do not depend on it)."""

    def __init__(self, first_step: int, max_steps: int, every: float = 30.0, clock=time.monotonic):
        self.first, self.max_steps, self.every, self.clock = first_step, max_steps, every, clock
        self.started = self.last = clock()

    def update(self, step: int) -> str | None:
        now = self.clock()
        if now - self.last < self.every and step != self.first:
            return None
        self.last = now
        done = step - self.first + 1
        rate = done / max(now - self.started, 1e-9)
        eta = (self.max_steps - step) / rate
        return (
            f"step {step}/{self.max_steps}: {rate:.2f} steps/s, "
            f"ETA {time.strftime('%H:%M:%S', time.gmtime(eta))}"
        )


class Preempted(SystemExit):
    """Raised after a step checkpoint was written because SLURM asked the job to stop."""


class StopSignal:
    """SIGTERM/SIGUSR1 (sent by SLURM before the time limit or on preemption) set a flag; the
    loop checkpoints at the next step boundary and exits, and a rerun resumes from there."""

    def __init__(self):
        import signal
        import threading

        self.received: int | None = None
        self.previous = {}
        # Handlers can only be installed from the main thread; a job run in a worker thread
        # (local runs with threads) is not signalled by SLURM anyway.
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGUSR1):
                self.previous[sig] = signal.signal(sig, self._handle)

    def _handle(self, signum, frame):
        self.received = signum

    def restore(self):
        import signal

        for sig, handler in self.previous.items():
            signal.signal(sig, handler)


def _rng_state() -> dict:
    import random

    import numpy as np

    state = {
        "torch": torch.get_rng_state(),
        "python": random.getstate(),
        "numpy": np.random.get_state(),
    }
    if torch.cuda.is_available():  # dropout on the GPU draws from the CUDA generators
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    import random

    import numpy as np

    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])


def save_checkpoint(path: Path, state: dict) -> None:
    from xstilts.io import atomic_path

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def load_checkpoint(path: Path) -> dict | None:
    """Tensors come back on the CPU (RNG states must); load_state_dict moves them."""
    if not path.is_file():
        return None
    try:
        return torch.load(path, weights_only=False, map_location="cpu")
    except Exception as err:  # a corrupt checkpoint: say so and start over rather than crash
        print(f"warning: ignoring unreadable checkpoint {path} ({err})")
        return None


def train(
    init_dir: str | Path,
    tasks: list[TrainTask],
    out_dir: str | Path,
    *,
    seed: int,
    stage_params: dict,
    sampling: dict | None = None,
    save_heads: bool,
    metadata: dict,
    log=print,
    checkpoint_path: str | Path | None = None,
    stop_after_step: int | None = None,
) -> dict:
    """Train and write the selected model to out_dir (atomically).

    With `checkpoint_path`, a step checkpoint (model, optimizer, scheduler, sampler, data order,
    RNG states, dev curve, best state) is written every `checkpoint_every` steps and when SIGTERM
    or SIGUSR1 arrives; a later call resumes from it, and the result is bit-identical on CPU to
    an uninterrupted run. `stop_after_step` simulates an interruption (tests)."""
    from transformers import get_linear_schedule_with_warmup

    from xstilts.data.features import load_tokenizer
    from xstilts.model.modeling import MultiTaskModel, load_encoder, save_model
    from xstilts.model.sampling import TaskSampler
    from xstilts.provenance import environment
    from xstilts.runtime import best_device, seed_everything

    started = time.time()
    seed_everything(seed, deterministic=stage_params.get("deterministic", True))
    torch.set_num_threads(stage_params.get("threads", 1))
    tokenizer = load_tokenizer(init_dir)
    pad_id = tokenizer.pad_token_id
    heads = {t.name: (t.spec.head, len(t.spec.labels)) for t in tasks}
    model = MultiTaskModel(
        load_encoder(init_dir, deterministic=stage_params.get("deterministic", True)),
        heads,
        dropout=stage_params.get("dropout", 0.1),
        temperature=stage_params.get("temperature", 0.05),
        mlm_tokens=(tokenizer.mask_token_id, tokenizer.all_special_ids, len(tokenizer)),
    )
    for t in tasks:
        if t.spec.head == "mlm":
            load_pretrained_lm_head(model.heads[t.name], init_dir, log)
    model.to(best_device())

    # Sampling units: tasks, or (task, language) pairs with `sampling.by: task_language`, so a
    # stage can mix languages with proportional/uniform/temperature weights of their own.
    sampling = sampling or {"method": "proportional"}
    streams, sizes, unit_task = {}, {}, {}
    for i, (unit, task, dirs) in enumerate(_sampling_units(tasks, sampling.get("by", "task"))):
        columns = _load_train_columns(task, seed, dirs)
        sizes[unit], unit_task[unit] = len(columns["input_ids"]), task
        streams[unit] = BatchStream(
            columns, task.spec.head, task.params["batch_size"], pad_id, seed * 1000 + i
        )
    sampler = TaskSampler(
        sizes, seed, sampling["method"], sampling.get("temperature"), sampling.get("cap")
    )
    log(f"units {sizes}; sampling {sampling['method']}: {sampler.probabilities}")

    accumulation = stage_params.get("grad_accumulation", 1)
    max_steps = steps_for(stage_params, unit_task, sizes)
    optimizer = _optimizer(model, stage_params["lr"], stage_params.get("weight_decay", 0.0))
    schedule = get_linear_schedule_with_warmup(
        optimizer, int(stage_params.get("warmup_ratio", 0.0) * max_steps), max_steps
    )
    eval_every = stage_params.get("eval_every", max_steps)
    checkpoint_every = stage_params.get("checkpoint_every", 0)
    checkpoint_path = Path(checkpoint_path) if checkpoint_path else None
    curve, best, best_state, running, first_step = [], None, None, [], 1
    resumed = load_checkpoint(checkpoint_path) if checkpoint_path else None
    if resumed is not None:
        model.load_state_dict(resumed["model"])
        optimizer.load_state_dict(resumed["optimizer"])
        schedule.load_state_dict(resumed["schedule"])
        sampler.load_state_dict(resumed["sampler"])
        for name, state in resumed["streams"].items():
            streams[name].load_state_dict(state)
        _set_rng_state(resumed["rng"])
        curve, best, best_state, running = (
            resumed["curve"],
            resumed["best"],
            resumed["best_state"],
            resumed["running"],
        )
        first_step = resumed["step"] + 1
        log(f"resumed from {checkpoint_path} at step {resumed['step']}")

    def checkpoint(step: int) -> None:
        save_checkpoint(
            checkpoint_path,
            {
                "step": step,
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "schedule": schedule.state_dict(),
                "sampler": sampler.state_dict(),
                "streams": {n: st.state_dict() for n, st in streams.items()},
                "rng": _rng_state(),
                "curve": curve,
                "best": best,
                "best_state": best_state,
                "running": running,
            },
        )

    stop = StopSignal()
    progress = Progress(first_step, max_steps)
    try:
        for step in range(first_step, max_steps + 1):
            model.train()
            for _ in range(accumulation):
                unit = next(sampler)
                loss, _ = model(unit_task[unit].name, next(streams[unit]))
                (loss / accumulation).backward()
                running.append(loss.item())
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad(set_to_none=True)
            if line := progress.update(step):
                log(line)
            if step % eval_every == 0 or step == max_steps:
                rng = _rng_state()  # evaluation must not shift the training randomness
                dev = {
                    t.name: evaluate_dev(model, t, pad_id)
                    for t in tasks
                    if t.dev_feature_root is not None
                }
                _set_rng_state(rng)
                # No dev (a continued-MLM-only stage): the last step is kept.
                selection = (
                    sum(dev[t][tasks_by(tasks, t).spec.primary] for t in dev) / len(dev)
                    if dev
                    else float(step)
                )
                mean_loss = sum(running) / len(running)
                running = []
                curve.append(
                    {
                        "step": step,
                        "train_loss": mean_loss,
                        "dev": dev,
                        "selection_score": selection,
                    }
                )
                log(f"step {step}/{max_steps} loss {mean_loss:.3f} English dev {selection:.2f}")
                if best is None or selection > best["selection_score"]:
                    best = curve[-1]
                    best_state = copy.deepcopy(model.state_dict())
            interrupted = stop.received is not None or step == stop_after_step
            if (
                checkpoint_path
                and step < max_steps
                and (interrupted or (checkpoint_every and step % checkpoint_every == 0))
            ):
                checkpoint(step)
                log(f"checkpoint at step {step}")
            if interrupted and step < max_steps:
                log(
                    f"stopping at step {step} (signal {stop.received}); rerun to resume from {checkpoint_path}"
                )
                raise Preempted(143 if stop.received else 3)
    finally:
        stop.restore()
    model.load_state_dict(best_state)
    summary = {
        **metadata,
        "seed": seed,
        "selection": "English dev, mean primary score over the stage's tasks"
        if any(t.dev_feature_root is not None for t in tasks)
        else "last step (no task of the stage has a dev set)",
        "best_step": best["step"],
        "best_dev": best["dev"],
        "curve": curve,
        # The stage's mixture, recorded with the model: what was sampled, how often.
        "sampling": {
            **sampling,
            "units": list(sizes),
            "probabilities": sampler.probabilities,
            "batches_drawn": sampler.counts,
        },
        "train_examples": sizes,
        "params": stage_params,
        "task_params": {t.name: t.params for t in tasks},
        "train_languages": {t.name: t.languages for t in tasks},
        "seconds_this_run": round(time.time() - started, 2),
        "resumed_from_step": resumed["step"] if resumed else None,
        "environment": environment(),
    }
    with atomic_dir(out_dir) as tmp:
        save_model(model, tokenizer, tmp, summary, save_heads=save_heads)
    if checkpoint_path:
        checkpoint_path.unlink(missing_ok=True)
    return summary


def load_pretrained_lm_head(head, init_dir, log) -> None:
    """Continued MLM starts from the model's own LM head when the starting folder has one (a
    pretrained or fetched masked LM, XLM-R's `lm_head` or BERT's `cls.predictions`); otherwise
    (an encoder-only checkpoint, or after another stage: heads are dropped) it starts fresh.
    The decoder is tied to the input embeddings either way."""
    from transformers import AutoModelForMaskedLM

    from xstilts.model.families import has_lm_head, lm_head_state

    if not has_lm_head(init_dir):
        log(
            f"{init_dir} has no LM head (encoder only): the MLM head starts fresh (dense and "
            "layer norm initialised, decoder tied to the input embeddings)"
        )
        return
    state = lm_head_state(AutoModelForMaskedLM.from_pretrained(str(init_dir)))
    state.pop("decoder.weight")  # the tied input embeddings, loaded with the encoder
    head.load_state_dict(state, strict=False)
    log(f"MLM head from {init_dir}'s LM head ({', '.join(sorted(state))}; decoder weight tied)")


def tasks_by(tasks: list[TrainTask], name: str) -> TrainTask:
    return next(t for t in tasks if t.name == name)
