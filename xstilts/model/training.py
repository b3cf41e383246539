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
from xstilts.model import checkpoints
from xstilts.model.batching import GROUP_SIZE, BatchStream
from xstilts.model.checkpoints import Preempted  # noqa: F401  (raised by train; re-exported)
from xstilts.runtime import install_stop_handlers, restore_handlers


@dataclass
class TrainTask:
    name: str
    spec: object  # registry.TaskSpec
    params: dict
    train_dirs: list[Path]
    dev_feature_root: Path | None = None
    dev_data_root: Path | None = None
    languages: list[str] = field(default_factory=lambda: ["en"])


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
    """AdamW with decoupled weight decay (none on biases and LayerNorms), fused: one kernel for
    all parameters on CPU and CUDA (1.3-1.9x the per-step speed of `foreach` on the tiny
    models here, see BENCHMARKS.md); `foreach` where a device has no fused kernel."""
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        (no_decay if param.ndim < 2 or "LayerNorm" in name or "bias" in name else decay).append(
            param
        )
    groups = [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    device = next(model.parameters()).device.type
    fused = device in ("cpu", "cuda")
    return torch.optim.AdamW(groups, lr=lr, fused=fused, foreach=None if fused else True)


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
        minutes, seconds = divmod(round((self.max_steps - step) / rate), 60)
        hours, minutes = divmod(minutes, 60)  # hours past 24 stay hours (a day-long CPU job)
        return (
            f"step {step}/{self.max_steps}: {rate:.2f} steps/s, "
            f"ETA {hours:02d}:{minutes:02d}:{seconds:02d}"
        )


class LoopTimer:
    """Seconds spent in training steps and in dev evaluation (this run), for the throughput
    recorded with the model: what the cost planner's calibration reads."""

    def __init__(self):
        self.seconds = {"train": 0.0, "evaluate": 0.0}
        self.cpu_seconds = {
            "train": 0.0,
            "evaluate": 0.0,
        }  # this process's (other jobs' load aside)
        self.steps = 0
        self.mark, self.cpu_mark = time.perf_counter(), time.process_time()

    def lap(self, phase: str) -> None:
        if torch.cuda.is_available():  # device work is asynchronous
            torch.cuda.synchronize()
        now, cpu = time.perf_counter(), time.process_time()
        self.seconds[phase] += now - self.mark
        self.cpu_seconds[phase] += cpu - self.cpu_mark
        self.mark, self.cpu_mark = now, cpu

    def report(self, streams) -> dict:
        real = sum(s.real_tokens for s in streams)
        padded = sum(s.padded_tokens for s in streams)
        train = self.seconds["train"]
        return {
            "train_seconds": round(train, 3),
            "train_cpu_seconds": round(self.cpu_seconds["train"], 3),
            "evaluate_seconds": round(self.seconds["evaluate"], 3),
            "steps": self.steps,
            "steps_per_second": round(self.steps / train, 3) if train else None,
            "tokens": real,
            "padded_tokens": padded,
            "padding_efficiency": round(real / padded, 4) if padded else None,
            "tokens_per_second": round(real / train, 1) if train else None,
        }


def _resume_state(model, optimizer, schedule, sampler, streams, state: dict) -> None:
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    schedule.load_state_dict(state["schedule"])
    sampler.load_state_dict(state["sampler"])
    for name, stream_state in state["streams"].items():
        streams[name].load_state_dict(stream_state)
    checkpoints.set_rng_state(state["rng"])


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
    fingerprint: dict | None = None,
    stop_after_step: int | None = None,
) -> dict:
    """Train and write the selected model to out_dir (atomically).

    With `checkpoint_path`, a step checkpoint (model, optimizer, scheduler, sampler, data order,
    RNG states, dev curve, best state) is written every `checkpoint_every` steps and when a stop
    is requested (SIGTERM, SIGUSR1, SIGINT: `xstilts.runtime.request_stop`); a later call with
    the same `fingerprint` (what produced the run: settings, inputs, code) resumes from it and
    ends bit-identical on CPU to an uninterrupted run; a checkpoint with another fingerprint is
    discarded. `stop_after_step` simulates an interruption (tests)."""
    from transformers import get_linear_schedule_with_warmup

    from xstilts.data.features import load_tokenizer
    from xstilts.model.accel import apply_backend_flags, autocast, device_settings, maybe_compile
    from xstilts.model.modeling import MultiTaskModel, load_encoder, save_model
    from xstilts.model.sampling import TaskSampler
    from xstilts.provenance import environment
    from xstilts.runtime import best_device, seed_everything, stop_count, stop_requested_since
    from xstilts.study.hparams import result_params

    started = time.time()
    stops_before = stop_count()  # stop requests made from now on stop this run
    sampling = sampling or {"method": "proportional"}
    # Everything this function reads, plus what the caller knows of the inputs (digests of the
    # starting encoder, the tokenised and dev data, the code): a checkpoint of another run is
    # never resumed.
    fingerprint = {
        **(fingerprint or {}),
        "seed": seed,
        "stage_params": result_params(stage_params),
        "sampling": sampling,
        "tasks": {
            t.name: {
                "params": t.params,
                "languages": t.languages,
                "head": t.spec.head,
                "labels": list(t.spec.labels),
                "train": [str(d) for d in t.train_dirs],
            }
            for t in tasks
        },
    }
    seed_everything(seed, deterministic=stage_params.get("deterministic", True))
    torch.set_num_threads(stage_params.get("threads", 1))
    tokenizer = load_tokenizer(init_dir)
    pad_id = tokenizer.pad_token_id
    heads = {t.name: (t.spec.head, len(t.spec.labels)) for t in tasks}
    model = MultiTaskModel(
        load_encoder(init_dir, deterministic=stage_params.get("deterministic", True)),
        heads,
        dropout={t.name: t.params.get("dropout", 0.1) for t in tasks},
        temperature={t.name: t.params.get("temperature", 0.05) for t in tasks},
        mlm_tokens=(tokenizer.mask_token_id, tokenizer.all_special_ids, len(tokenizer)),
    )
    for t in tasks:
        if t.spec.head == "mlm":
            load_pretrained_lm_head(model.heads[t.name], init_dir, log)
    device = best_device()
    model.to(device)
    settings = device_settings(stage_params, device)
    apply_backend_flags(settings)
    maybe_compile(model, settings)

    # Sampling units: tasks, or (task, language) pairs with `sampling.by: task_language`, so a
    # stage can mix languages with proportional/uniform/temperature weights of their own.
    streams, sizes, unit_task = {}, {}, {}
    for i, (unit, task, dirs) in enumerate(_sampling_units(tasks, sampling.get("by", "task"))):
        columns = _load_train_columns(task, seed, dirs)
        sizes[unit], unit_task[unit] = len(columns["input_ids"]), task
        streams[unit] = BatchStream(
            columns,
            task.spec.head,
            task.params["batch_size"],
            pad_id,
            seed * 1000 + i,
            group_size=task.params.get("length_group", GROUP_SIZE),
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
    curve, best, best_state, first_step = [], None, None, 1
    # Summed on the device, read at evaluation steps only: no host sync per step.
    loss_sum, loss_count = torch.zeros((), dtype=torch.float64, device=device), 0
    resumed = checkpoints.load(checkpoint_path, fingerprint, log) if checkpoint_path else None
    if resumed is not None and resumed["step"] >= max_steps:
        log(
            f"discarding checkpoint {checkpoint_path}: step {resumed['step']} >= max_steps {max_steps}"
        )
        checkpoint_path.unlink(missing_ok=True)
        resumed = None
    if resumed is not None:
        _resume_state(model, optimizer, schedule, sampler, streams, resumed)
        curve, best, best_state = resumed["curve"], resumed["best"], resumed["best_state"]
        loss_sum = resumed["running"]["sum"].to(device)
        loss_count = resumed["running"]["n"]
        first_step = resumed["step"] + 1
        log(f"resumed from {checkpoint_path} at step {resumed['step']}")

    def checkpoint(step: int) -> None:
        checkpoints.save(
            checkpoint_path,
            {
                "step": step,
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "schedule": schedule.state_dict(),
                "sampler": sampler.state_dict(),
                "streams": {n: st.state_dict() for n, st in streams.items()},
                "rng": checkpoints.rng_state(),
                "curve": curve,
                "best": best,
                "best_state": best_state,
                "running": {"sum": loss_sum.cpu(), "n": loss_count},
            },
            fingerprint,
        )

    handlers = install_stop_handlers(chain=False)  # direct calls from a main thread (tests)
    timer = LoopTimer()
    model.train()  # the whole model: from_pretrained leaves the encoder in eval mode
    progress = Progress(first_step, max_steps)
    try:
        for step in range(first_step, max_steps + 1):
            if not model.training:  # once, and again after each evaluation (it walks every module)
                model.train()
            for _ in range(accumulation):
                unit = next(sampler)
                with autocast(settings):
                    loss, _ = model(unit_task[unit].name, next(streams[unit]))
                (loss / accumulation).backward()
                loss_sum += loss.detach()
                loss_count += 1
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0, foreach=True)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad(set_to_none=True)
            timer.steps += 1
            if line := progress.update(step):
                log(line)
            if step % eval_every == 0 or step == max_steps:
                timer.lap("train")
                rng = checkpoints.rng_state()  # evaluation must not shift the training randomness
                dev = {
                    t.name: evaluate_dev(model, t, pad_id)
                    for t in tasks
                    if t.dev_feature_root is not None
                }
                checkpoints.set_rng_state(rng)
                # No dev (a continued-MLM-only stage): the last step is kept.
                selection = (
                    sum(dev[t][tasks_by(tasks, t).spec.primary] for t in dev) / len(dev)
                    if dev
                    else float(step)
                )
                mean_loss = loss_sum.item() / loss_count
                loss_sum.zero_()
                loss_count = 0
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
                timer.lap("evaluate")
            signum = stop_requested_since(stops_before)
            interrupted = signum is not None or step == stop_after_step
            if (
                checkpoint_path
                and step < max_steps
                and (interrupted or (checkpoint_every and step % checkpoint_every == 0))
            ):
                checkpoint(step)
                log(f"checkpoint at step {step}")
            if interrupted and step < max_steps:
                where = f"rerun to resume from {checkpoint_path}" if checkpoint_path else ""
                message = f"stopping at step {step} (signal {signum}); {where}"
                log(message)
                raise checkpoints.Preempted(message, 143 if signum else 3)
    finally:
        restore_handlers(handlers)
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
        # What produced this model (checked before a step checkpoint is resumed).
        "inputs": fingerprint,
        "train_languages": {t.name: t.languages for t in tasks},
        "seconds_this_run": round(time.time() - started, 2),
        "device_settings": settings,
        "throughput": timer.report(streams.values()),
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
    masked_lm = AutoModelForMaskedLM.from_pretrained(str(init_dir))
    state = lm_head_state(masked_lm)
    tied = getattr(masked_lm.config, "tie_word_embeddings", True)
    if tied:
        state.pop("decoder.weight")  # the input embeddings, loaded with the encoder
    head.load_state_dict(state, strict=False)
    how = "decoder weight tied to the input embeddings" if tied else "untied decoder"
    log(f"MLM head from {init_dir}'s LM head ({', '.join(sorted(state))}; {how})")


def tasks_by(tasks: list[TrainTask], name: str) -> TrainTask:
    return next(t for t in tasks if t.name == name)
