"""Steps of rules/training.smk: intermediate stages (keyed by their chain) and target tasks."""

from __future__ import annotations

import json
from pathlib import Path

from xstilts import paths
from xstilts.steps.models import resume_path
from xstilts.steps.runner import log, step
from xstilts.study.config import Study
from xstilts.study.settings import settings_digest, stage_settings, target_settings


def _train_task(study: Study, model: str, task: str, stage: str | None):
    from xstilts.model.training import TrainTask

    res = study.resources_dir
    spec = study.tasks[task]
    languages = study.stage_languages(stage, task) if stage else list(spec.train.languages)
    train_root = Path(paths.features(res, model, spec.train.dataset, spec.train.split))
    dev = spec.dev
    return TrainTask(
        name=task,
        spec=spec,
        params=study.task_params(task, stage),
        train_dirs=[train_root / lang for lang in languages],
        dev_feature_root=Path(paths.features(res, model, dev.dataset, dev.split)) if dev else None,
        dev_data_root=Path(paths.data(res, dev.dataset, dev.split)) if dev else None,
        languages=languages,
    )


def features_digest(feature_dir: Path) -> str:
    """The digest of one language's tokenised data: its arrow files' recorded hashes (checked
    when training loads them) and the tokenisation settings. Not the `datasets` state files,
    whose fingerprints are random: a bit-identical re-tokenisation gives the same digest."""
    from xstilts.io import digest_of

    root, lang = feature_dir.parent, feature_dir.name
    manifest = json.loads((root / "manifest.json").read_text())
    arrow = {
        rel: sha
        for rel, sha in manifest["files"].items()
        if rel.startswith(f"{lang}/") and rel.endswith(".arrow")
    }
    settings = json.dumps([manifest.get("params"), manifest.get("tokenizer_sha256")])
    return digest_of({**arrow, "settings": digest_of({"v": settings})})


def training_inputs(tasks, init_dir: str) -> dict:
    """What a training run reads besides its settings: the starting encoder, the tokenised
    training and dev data, the dev gold, the code. Part of the step checkpoint's fingerprint
    (a checkpoint is resumed only by a run with the same inputs) and of the model's record."""
    from xstilts.data.store import verified_file
    from xstilts.io import folder_digest
    from xstilts.provenance import code_sha256

    inputs: dict = {"init_sha256": folder_digest(init_dir), "code_sha256": code_sha256()}
    for task in tasks:
        record = {"train": {str(d): features_digest(Path(d)) for d in task.train_dirs}}
        if task.dev_feature_root is not None:
            dev_dir = task.dev_feature_root / "en"
            record["dev_features"] = features_digest(dev_dir)
            record["dev_gold_sha256"] = verified_file(
                task.dev_data_root, "en", task.spec.dev.split
            )[1]
        inputs[task.name] = record
    return inputs


@step
def train_stage(
    config: dict, model: str, chain: str, seed: int, init_dir: str, out_dir: str
) -> None:
    from xstilts.model.training import train

    study = Study(config)
    stages = chain.split("/")
    stage = stages[-1]
    tasks = [_train_task(study, model, task, stage) for task in study.stage(stage)["tasks"]]
    metadata = {
        "kind": "intermediate-stage",
        "model": model,
        "chain": stages,
        "stage": stage,
        "init": init_dir,
        "config_hash": study.hash,
        "settings_sha256": settings_digest(stage_settings(study, chain)),
    }
    summary = train(
        init_dir,
        tasks,
        out_dir,
        seed=seed,
        stage_params=study.stage_params(stage),
        sampling=study.sampling(stage),
        save_heads=False,
        metadata=metadata,
        log=log,
        checkpoint_path=resume_path(out_dir),
        fingerprint=training_inputs(tasks, init_dir),
    )
    log(
        f"stage {chain} (seed {seed}) best English dev at step {summary['best_step']}: {summary['best_dev']}"
    )


@step
def train_target(
    config: dict, model: str, recipe: str, task: str, seed: int, init_dir: str, out_dir: str
) -> None:
    from xstilts.model.training import train

    study = Study(config)
    metadata = {
        "kind": "target",
        "model": model,
        "recipe": recipe,
        "chain": study.target_chain(recipe, task),
        "task": task,
        "init": init_dir,
        "config_hash": study.hash,
        "settings_sha256": settings_digest(target_settings(study, task)),
    }
    tasks = [_train_task(study, model, task, None)]
    summary = train(
        init_dir,
        tasks,
        out_dir,
        seed=seed,
        stage_params=study.target_params(task),
        save_heads=True,
        metadata=metadata,
        log=log,
        checkpoint_path=resume_path(out_dir),
        fingerprint=training_inputs(tasks, init_dir),
    )
    log(
        f"{recipe}/{task} seed {seed}: best English dev at step {summary['best_step']}: {summary['best_dev']}"
    )
