"""The settings each training and evaluation rule declares as its params, built here once.

Snakemake reruns a job when its params change (their repr), so these dicts are what an output
depends on in the config. The step that writes the output records their digest
(`settings_sha256`), and the archive checks each model and score file against the digest the
archived config gives it: a run is one run of a config when every output has that config's
settings, whatever else in the config changed without rerunning it (a test language of another
task, a checkpoint interval, the tables' options).
"""

from __future__ import annotations

import hashlib
import json

from xstilts.study.config import Study
from xstilts.study.hparams import result_params


def rule_settings(value):
    """A rule's settings param in the form Snakemake compares (the repr of each param): every
    mapping's keys sorted, lists as they are. So the order a config file lists its keys in, or a
    config rewritten by a tool that sorts them, reruns nothing; a changed value still does. Only
    for settings whose mappings are looked up by key: an order that matters goes in a list."""
    if isinstance(value, dict):
        return {key: rule_settings(value[key]) for key in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [rule_settings(item) for item in value]
    return value


def settings_digest(settings: dict) -> str:
    """SHA-256 of settings, keys sorted (16 hex digits, as the config hash)."""
    text = json.dumps(settings, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def task_record(spec) -> dict:
    """The task spec fields a score file (and its rule's params) depend on."""
    return {
        "head": spec.head,
        "metric": spec.metric,
        "primary": spec.primary,
        "labels": list(spec.labels),
        "category": spec.category,
        "xtreme_r_analogue": spec.xtreme_r_analogue,
        "test_split": spec.test.split if spec.test else None,
        "encoder_from": spec.encoder_from,
        "candidates": spec.candidates,
    }


def stage_settings(study: Study, chain: str) -> dict:
    """An intermediate stage's training (the last stage of `chain`)."""
    stage = chain.split("/")[-1]
    tasks = study.stage(stage)["tasks"]
    return rule_settings(
        {
            "task_order": list(tasks),  # the order of a multi-task stage's heads and units
            "stage": result_params(study.stage_params(stage)),
            "sampling": study.sampling(stage),
            "tasks": {t: study.task_params(t, stage) for t in tasks},
            "specs": {t: task_record(study.tasks[t]) for t in tasks},
            "languages": {t: study.stage_languages(stage, t) for t in tasks},
        }
    )


def target_settings(study: Study, task: str) -> dict:
    """A target task's own training."""
    return rule_settings(
        {
            "run": result_params(study.target_params(task)),
            "task": study.task_params(task),
            "spec": task_record(study.tasks[task]),
        }
    )


def predict_settings(study: Study, task: str) -> dict:
    spec = study.tasks[task]
    return rule_settings(
        {
            # one folder holds every language: the list is a setting of what it contains
            "languages": study.test_languages(task),
            "task": study.task_params(task),
            "threads": study.target_params(spec.encoder_from or task).get("threads", 1),
            "spec": task_record(spec),
            "retrieval": study.retrieval_settings(task) if spec.head == "retrieval" else None,
        }
    )


def score_settings(study: Study, recipe: str, task: str) -> dict:
    return rule_settings(
        {
            "languages": study.test_languages(task),
            "spec": task_record(study.tasks[task]),
            "setting": study.setting(recipe, task),
            "chain": study.target_chain(recipe, task),
        }
    )


def cell_settings_digest(study: Study, recipe: str, task: str) -> str:
    """What a score file records: the digest of its predictions' and its own settings."""
    return settings_digest(
        {"predict": predict_settings(study, task), "score": score_settings(study, recipe, task)}
    )
