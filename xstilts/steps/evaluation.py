"""Steps of rules/evaluation.smk: per-language predictions and score files of one trained model."""

from __future__ import annotations

from pathlib import Path

from xstilts import paths
from xstilts.io import read_json, write_json, write_jsonl
from xstilts.steps.runner import log, step
from xstilts.study.config import Study


@step
def predict(config: dict, cell: dict, model_dir: str, outputs: dict[str, str]) -> None:
    """Predictions for every test language of one trained model (one model load)."""
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
    results = predict_languages(
        net,
        head_task if spec.head != "retrieval" else task,
        spec,
        params,
        paths.features(res, model, spec.test.dataset, spec.test.split),
        paths.data(res, spec.test.dataset),
        spec.test.split,
        list(outputs),
        pad_id,
        settings,
    )
    for lang, path in outputs.items():
        write_jsonl(path, results[lang])
    log(f"predicted {task} for {len(outputs)} languages with {model_dir}")


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


@step
def score(config: dict, cell: dict, inputs, outputs: dict[str, str]) -> None:
    """Score files for every language of one model. `inputs`: the trained model folder
    (`inputs.model`) and the prediction files (`inputs.predictions`, in the order of `outputs`).
    Only complete prediction files are scored (every gold id once, tag sequences as long as
    the gold); every hash in the record is of what was read."""
    from xstilts.data.store import read_manifest, verified_file
    from xstilts.evaluation.scoring import (
        check_complete,
        compute_metrics,
        degenerate,
        gold_for,
        read_predictions,
    )
    from xstilts.io import folder_digest
    from xstilts.provenance import code_sha256, code_version, environment
    from xstilts.study.conventions import feature_conventions

    study = Study(config)
    model, recipe, task, seed = cell["model"], cell["recipe"], cell["task"], cell["seed"]
    model_dir = inputs.model
    predictions = dict(zip(outputs, inputs.predictions, strict=True))
    spec = study.tasks[task]
    data_root = paths.data(study.resources_dir, spec.test.dataset)
    model_sha256 = folder_digest(model_dir)  # checks every file of the model against its record
    trained = read_json(Path(model_dir) / "xstilts.json")
    source = read_manifest(data_root)["source"]
    # As the test data was prepared (its manifest) and tokenised.
    conventions = {
        **(source.get("conventions") or {}),
        **feature_conventions(config, study.datasets[spec.test.dataset]["schema"]),
    }
    for lang, out in outputs.items():
        rows, predictions_sha256 = read_predictions(predictions[lang])
        gold = gold_for(spec, data_root, lang, spec.test.split)
        check_complete(spec, rows, gold, predictions[lang])
        result = compute_metrics(spec, rows, gold, lang)
        record = {
            "cell": {
                "model": model,
                "recipe": recipe,
                "task": task,
                "seed": seed,
                "language": lang,
            },
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
                "chain": study.target_chain(recipe, task),
                "seed": seed,
                "data_seed": (config.get("data") or {}).get("seed"),
                "data_source": source,
                "data_file_sha256": verified_file(data_root, lang, spec.test.split)[1],
                "predictions_sha256": predictions_sha256,
                "model_dir": model_dir,
                "model_sha256": model_sha256,
                # the code that scored (trained_with holds the code that trained)
                "code_version": code_version(),
                "code_sha256": code_sha256(),
                "selection": {
                    "on": "English dev",
                    "best_step": trained.get("best_step"),
                    "best_dev": trained.get("best_dev"),
                },
                "retrieval": study.retrieval_settings(task) if spec.head == "retrieval" else None,
                "conventions": conventions,
                "trained_with": trained.get("environment"),
                "scored_with": environment(device=False),
            },
        }
        write_json(out, record)
    log(f"scored {task} ({recipe}, seed {seed}) for {len(outputs)} languages")
