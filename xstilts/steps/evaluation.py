"""Steps of rules/evaluation.smk: per-language predictions and score files of one trained model."""

from __future__ import annotations

from pathlib import Path

from xstilts import paths
from xstilts.io import (
    atomic_dir,
    read_json,
    recorded_files,
    write_folder_record,
    write_json,
    write_jsonl,
)
from xstilts.steps.runner import log, step
from xstilts.study.config import Study
from xstilts.study.settings import cell_settings_digest, task_record


@step
def predict(config: dict, cell: dict, model_dir: str, out_dir: str) -> None:
    """Predictions for every test language of one trained model (one model load): one
    `<lang>.jsonl` per language in `out_dir`, with the folder's record of them."""
    import torch

    from xstilts.data.features import load_tokenizer
    from xstilts.evaluation.predict import predict_languages
    from xstilts.model.modeling import load_model
    from xstilts.runtime import best_device

    study = Study(config)
    model, task = cell["model"], cell["task"]
    spec = study.tasks[task]
    head_task = spec.encoder_from or task
    params = study.task_params(task)
    torch.set_num_threads(study.target_params(head_task).get("threads", 1))
    head_spec = study.tasks[head_task]
    net = load_model(model_dir, {head_task: (head_spec.head, len(head_spec.labels))})
    net.to(best_device())
    pad_id = load_tokenizer(model_dir).pad_token_id
    settings = study.retrieval_settings(task) if spec.head == "retrieval" else {}
    res = study.resources_dir
    langs = study.test_languages(task)
    results = predict_languages(
        net,
        head_task if spec.head != "retrieval" else task,
        spec,
        params,
        paths.features(res, model, spec.test.dataset, spec.test.split),
        paths.data(res, spec.test.dataset, spec.test.split),
        spec.test.split,
        langs,
        pad_id,
        settings,
    )
    with atomic_dir(out_dir) as tmp:
        for lang in langs:
            write_jsonl(tmp / f"{lang}.jsonl", results[lang])
        write_folder_record(tmp, {"kind": "predictions", "cell": cell, "model_dir": model_dir})
    log(f"predicted {task} for {len(langs)} languages with {model_dir} -> {out_dir}")


@step
def score(config: dict, cell: dict, inputs, out_dir: str) -> None:
    """Score files for every language of one model, `<lang>.json` in `out_dir` with the
    folder's record. `inputs`: the trained model folder (`inputs.model`) and the predictions
    folder (`inputs.predictions`, checked against its record first). Only complete prediction
    files are scored (every gold id once, tag sequences as long as the gold); every hash in
    the record is of what was read."""
    study = Study(config)
    predictions = prediction_files(study, cell["task"], inputs.predictions)
    context = score_context(study, cell["task"], inputs.model)
    with atomic_dir(out_dir) as tmp:
        for lang, path in predictions.items():
            write_json(tmp / f"{lang}.json", score_record(study, cell, lang, path, context))
        write_folder_record(tmp, {"kind": "scores", "cell": cell, "model_dir": inputs.model})
    log(f"scored {cell} for {len(predictions)} languages -> {out_dir}")


def score_context(study: Study, task: str, model_dir: str) -> dict:
    """What every language's score record of one model shares: the test data's source and
    conventions, and the trained model's record and digest."""
    from xstilts.data.store import read_manifest
    from xstilts.io import folder_digest
    from xstilts.study.conventions import feature_conventions

    spec = study.tasks[task]
    data_root = paths.data(study.resources_dir, spec.test.dataset, spec.test.split)
    source = read_manifest(data_root)["source"]
    return {
        "data_root": data_root,
        "source": source,
        "model_dir": model_dir,
        "model_sha256": folder_digest(model_dir),  # checks every file of the model first
        "trained": read_json(Path(model_dir) / "xstilts.json"),
        # As the test data was prepared (its manifest) and tokenised.
        "conventions": {
            **(source.get("conventions") or {}),
            **feature_conventions(study.config, study.datasets[spec.test.dataset]["schema"]),
        },
    }


def score_record(study: Study, cell: dict, lang: str, predictions: str, context: dict) -> dict:
    """One language's score file: metrics and everything that produced them."""
    from xstilts.data.store import verified_file
    from xstilts.evaluation.scoring import (
        check_complete,
        compute_metrics,
        degenerate,
        gold_for,
        read_predictions,
    )
    from xstilts.provenance import code_sha256, code_version, environment

    config = study.config
    model, recipe, task, seed = cell["model"], cell["recipe"], cell["task"], cell["seed"]
    spec = study.tasks[task]
    data_root, trained = context["data_root"], context["trained"]
    rows, predictions_sha256 = read_predictions(predictions)
    gold = gold_for(spec, data_root, lang, spec.test.split)
    check_complete(spec, rows, gold, predictions)
    result = compute_metrics(spec, rows, gold, lang)
    return {
        "cell": {"model": model, "recipe": recipe, "task": task, "seed": seed, "language": lang},
        "score": result[spec.primary],
        "primary": spec.primary,
        "metrics": result,
        "degenerate": degenerate(spec, rows, gold),
        "n_examples": len(gold),
        "n_predictions": len(rows),
        "setting": study.setting(recipe, task),
        "task": task_record(spec),
        "provenance": {
            "study": config["study"],
            "config_hash": study.hash,
            # the digest of the settings the predict and score rules declare (study.settings)
            "settings_sha256": cell_settings_digest(study, recipe, task),
            "chain": study.target_chain(recipe, task),
            "seed": seed,
            "data_seed": (config.get("data") or {}).get("seed"),
            "data_source": context["source"],
            "data_file_sha256": verified_file(data_root, lang, spec.test.split)[1],
            "predictions_sha256": predictions_sha256,
            "model_dir": context["model_dir"],
            "model_sha256": context["model_sha256"],
            # the code that scored (trained_with holds the code that trained)
            "code_version": code_version(),
            "code_sha256": code_sha256(),
            "selection": {
                "on": "English dev",
                "best_step": trained.get("best_step"),
                "best_dev": trained.get("best_dev"),
            },
            "retrieval": study.retrieval_settings(task) if spec.head == "retrieval" else None,
            "conventions": context["conventions"],
            "trained_with": trained.get("environment"),
            "scored_with": environment(device=False),
        },
    }


def _language_files(study: Study, task: str, folder: str, suffix: str) -> dict[str, str]:
    """{language: file} of a predictions or scores folder, in the study's language order,
    after checking every file of the folder against its record."""
    langs = study.test_languages(task)
    files = recorded_files(folder, [f"{lang}{suffix}" for lang in langs])
    return {lang: str(path) for lang, path in zip(langs, files, strict=True)}


def prediction_files(study: Study, task: str, folder: str) -> dict[str, str]:
    return _language_files(study, task, folder, ".jsonl")


def score_files(study: Study, task: str, folder: str) -> dict[str, str]:
    return _language_files(study, task, folder, ".json")


def study_scores_dirs(study: Study) -> list[tuple[str, str]]:
    """(target task, scores folder) of every trained model of the study, in the order of the
    results tables: the aggregate rule's inputs and what its step reads."""
    return [
        (task, paths.scores_dir(study.results_dir, model, recipe, task, seed))
        for task in study.targets
        for model in study.models
        for recipe in study.recipes
        for seed in study.seeds
    ]
