"""Hyperparameter resolution: `training.defaults`, then `training.heads.<head kind>`, then
`training.tasks.<task>`, then the stage (later wins), split by what each value governs.

- Stage keys govern the run (one optimizer, one schedule over a stage's tasks): lr, steps,
  warm-up, ... A stage of several tasks takes its own value, else the value its tasks agree on;
  tasks that disagree are a config error naming the stage (the run cannot honour both).
- Task keys govern one task's batches and heads (batch size, dropout, QA post-processing, ...).
- Feature keys (lengths) are fixed when a dataset is tokenised, once per (model, dataset, split)
  for every task and stage that reads it: they come from the defaults and the head kind only, and
  setting them per task or per stage is a config error (it would be recorded but not used).

What is recorded with a trained model is exactly what it ran with.
"""

from __future__ import annotations

from typing import Any

STAGE_KEYS = (
    "lr",
    "max_steps",
    "max_epochs",
    "warmup_ratio",
    "weight_decay",
    "grad_accumulation",
    "eval_every",
    "checkpoint_every",
    "threads",
    "deterministic",
)
# How often a run saves a resumable state, not what it computes: the weights are the same for
# any value (tests/test_training.py). Not a rule param and not part of a checkpoint's
# fingerprint, so setting it for a cluster's time limits retrains nothing and a checkpoint
# written under another value is resumed. Recorded with the model like every key.
EXECUTION_KEYS = ("checkpoint_every",)
FEATURE_KEYS = ("max_length", "doc_stride", "max_query_length")
TASK_KEYS = (
    "batch_size",
    "eval_batch_size",
    "n_best",
    "max_answer_length",
    "temperature",
    "dropout",
    "max_train_examples",
)
STAGE_STRUCTURE = ("tasks", "sampling", "languages")  # a stage's keys that are not hparams


def _levels(training: dict, task: str, head: str) -> list[tuple[str, dict]]:
    return [
        ("training.defaults", training.get("defaults") or {}),
        (f"training.heads.{head}", (training.get("heads") or {}).get(head) or {}),
        (f"training.tasks.{task}", (training.get("tasks") or {}).get(task) or {}),
    ]


def _merged(levels: list[tuple[str, dict]], keys: tuple[str, ...]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for _, values in levels:
        merged.update({k: v for k, v in values.items() if k in keys})
    return merged


def _origin(levels: list[tuple[str, dict]], key: str) -> str:
    found = [where for where, values in levels if key in values]
    return found[-1] if found else "unset"


def feature_params(training: dict, head: str) -> dict[str, Any]:
    """Tokenisation lengths of a head kind (defaults, then training.heads.<head>)."""
    return _merged(_levels(training, "", head)[:2], FEATURE_KEYS)


def task_params(training: dict, task: str, head: str, stage: dict | None = None) -> dict[str, Any]:
    """A task's own hyperparameters in a stage (or as a target), plus the feature lengths its
    data was tokenised with."""
    levels = _levels(training, task, head)
    if stage is not None:
        levels.append(("stage", stage))
    return {**_merged(levels, TASK_KEYS), **feature_params(training, head)}


def stage_params(
    training: dict, tasks: dict[str, str], stage: dict | None = None
) -> dict[str, Any]:
    """Run-level hyperparameters of a stage ({task: head kind}; `stage` None for a target's
    own training): the stage's value, else the one its tasks agree on."""
    per_task = {task: _levels(training, task, head) for task, head in tasks.items()}
    resolved: dict[str, Any] = {}
    for key in STAGE_KEYS:
        if stage is not None and key in stage:
            resolved[key] = stage[key]
            continue
        values = {task: _merged(levels, (key,)).get(key) for task, levels in per_task.items()}
        distinct = {repr(v) for v in values.values()}
        if len(distinct) > 1:
            raise DisagreementError(
                key, {t: (values[t], _origin(per_task[t], key)) for t in values}
            )
        value = next(iter(values.values()), None)
        if value is not None:
            resolved[key] = value
    return resolved


def result_params(params: dict[str, Any]) -> dict[str, Any]:
    """Run-level hyperparameters less EXECUTION_KEYS: those a trained model depends on."""
    return {key: value for key, value in params.items() if key not in EXECUTION_KEYS}


class DisagreementError(ValueError):
    def __init__(self, key: str, values: dict[str, tuple[Any, str]]):
        self.key = key
        shown = "; ".join(f"{task}: {v!r} (from {where})" for task, (v, where) in values.items())
        super().__init__(f"the stage's tasks disagree on {key!r} ({shown})")


def problems(config: dict, heads: dict[str, str]) -> list[str]:
    """Config errors of the hyperparameters: stages whose tasks disagree on a run-level key
    they do not set, and tokenisation lengths set per task or per stage. `heads`: {task: head
    kind} of every known task."""
    training = config["training"]
    found = []
    for task, values in (training.get("tasks") or {}).items():
        for key in FEATURE_KEYS:
            if key in values and task in heads:
                found.append(
                    f"training.tasks.{task}.{key}: tokenisation lengths are shared by every task "
                    f"reading a dataset; set it per head kind (training.heads.{heads[task]}.{key})"
                )
    for name, stage in (config.get("stages") or {}).items():
        for key in FEATURE_KEYS:
            if key in stage:
                found.append(
                    f"stages.{name}.{key}: tokenisation lengths are shared by every stage reading "
                    "a dataset; set it per head kind (training.heads.<head>.<key>)"
                )
        tasks = {t: heads[t] for t in stage.get("tasks") or [] if t in heads}
        try:
            stage_params(training, tasks, stage)
        except DisagreementError as err:
            found.append(f"stages.{name}: {err}; set stages.{name}.{err.key}")
    return found
