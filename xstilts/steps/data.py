"""Steps of rules/data.smk: datasets into the normalised store, translation shards, tokenisation."""

from __future__ import annotations

from pathlib import Path

from xstilts.io import atomic_dir
from xstilts.steps.runner import log, step
from xstilts.study.config import Study
from xstilts.study.registry import HEAD_SCHEMA

SCHEMA_HEAD = {schema: head for head, schema in HEAD_SCHEMA.items()}


@step
def translate_shard(config: dict, dataset: str, lang: str, source_dir: str, out_path: str) -> None:
    """One language of a machine-translated dataset (resumes from its partial file)."""
    from xstilts.data.store import read_rows, verified_file
    from xstilts.data.translate import make_translator, translate_shard

    study = Study(config)
    spec = study.datasets[dataset]
    source = spec["source"]
    split = source.get("split", "train")
    records = read_rows(source_dir, "en", split)
    _, source_sha256 = verified_file(source_dir, "en", split)
    spec_t = dict(source["translator"])
    if spec_t.get("kind") == "transformers":  # the commit pinned in data.hub_revisions
        pins = (config.get("data") or {}).get("hub_revisions") or {}
        spec_t["revision"] = pins.get(spec_t["model"], spec_t.get("revision"))
    seed = (config.get("data") or {}).get("seed", 13)
    translator = make_translator(spec_t, seed)
    key = {"translator": spec_t, "seed": seed, "source_sha256": source_sha256}
    result = translate_shard(records, spec["schema"], lang, translator, out_path, key=key, log=log)
    log(f"translated {result['n']} {dataset} examples into {lang} with {translator.info}")


@step
def prepare_data(
    config: dict, dataset: str, split: str, out_dir: str, translated: dict | None = None
) -> None:
    """One split of a dataset (paths.DATA), from what that split depends on (data_params)."""
    from xstilts.data.prepare import prepare_dataset

    settings = data_params(Study(config), dataset, split)
    prepare_dataset(
        dataset,
        settings["spec"],
        out_dir,
        seed=settings["seed"],
        sizes={dataset: settings["size"]} if settings["size"] else None,
        needs=settings["needs"],
        release_root=settings["release_root"],
        translated=translated,
        conventions=settings["conventions"],
        split=split,
    )
    log(f"prepared {dataset}/{split} -> {out_dir}")


def data_params(study: Study, dataset: str, split: str) -> dict:
    """What one split of a dataset depends on: the prepare rule's params (keys sorted:
    study.settings.rule_settings), so a change reruns that split's job and no other (another
    split's languages are not among them)."""
    from xstilts.data.prepare import split_needs
    from xstilts.study.conventions import dataset_conventions
    from xstilts.study.settings import rule_settings

    data = study.config.get("data") or {}
    spec = study.datasets[dataset]
    external = spec["source"].get("kind") in ("hub", "release")  # what they read is chosen
    return rule_settings(
        {
            "spec": spec,
            "seed": data.get("seed", 13),
            "size": (data.get("sizes") or {}).get(dataset),
            "needs": split_needs(spec["source"], study.dataset_needs(dataset), split)
            if external
            else None,
            "release_root": study.release_root,
            "conventions": dataset_conventions(study.config, spec),
        }
    )


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
    (training.heads.<head>), never from per-task overrides (a config error); the model's input
    prefix too."""
    from xstilts.study.conventions import feature_conventions
    from xstilts.study.settings import rule_settings

    schema = study.datasets[dataset]["schema"]
    spec = _task_using(study, dataset)
    return rule_settings(
        {
            "schema": schema,
            "params": study.feature_params(SCHEMA_HEAD.get(schema)),
            "labels": list(spec.labels) if spec and spec.labels else None,
            "template": spec.question_template if spec else None,
            "conventions": feature_conventions(study.config, schema),
            "prefix": study.input_prefix(model, dataset) if model else None,
        }
    )


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
    from xstilts.data.features import featurize_split, load_tokenizer, write_features_manifest
    from xstilts.data.store import verified_file
    from xstilts.io import folder_digest

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
    counts, inputs = {}, {}
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
                label_piece=featurisation["conventions"].get("tag_label_piece", "first"),
                prefix=featurisation["prefix"],
            )
            inputs[lang] = verified_file(data_dir, lang, split)[1]  # hashed once, when read
        write_features_manifest(
            tmp,
            dataset=dataset,
            split=split,
            schema=schema,
            params=params,
            conventions=featurisation["conventions"],
            labels=labels,
            template=template,
            counts=counts,
            input_prefix=featurisation["prefix"],
            token_type_ids="token_type_ids" in tokenizer.model_input_names,
            tokenizer=str(tokenizer_dir),
            tokenizer_sha256=folder_digest(tokenizer_dir),
            data_sha256=inputs,
        )
    log(f"tokenized {dataset}/{split} for {model}: {counts}")
