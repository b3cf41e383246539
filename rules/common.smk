# Shared helpers: the validated study, path templates and input functions.
import sys

sys.path.insert(0, workflow.basedir)

from xstilts import paths, steps
from xstilts.study.config import ConfigError, Study, validate_config

try:
    STUDY = Study(config)
except ConfigError as err:
    raise WorkflowError(f"invalid configuration:\n{err}") from None


def require_slurm_site():
    """Partition and account for the slurm profile: environment, else slurm/site.yaml.
    Checked before anything is submitted; exported for the profile's default-resources.
    """
    import os
    import yaml

    site_file = os.path.join(workflow.basedir, "slurm", "site.yaml")
    site = {}
    if os.path.isfile(site_file):
        with open(site_file) as handle:
            site = yaml.safe_load(handle) or {}
    for key in ("partition", "account"):
        variable = f"XSTILTS_SLURM_{key.upper()}"
        value = os.environ.get(variable) or site.get(key)
        if not value:
            raise WorkflowError(
                f"SLURM {key} is not set: export {variable}=... or write '{key}: ...' into {site_file}"
            )
        os.environ[variable] = str(value)


def check_sources():
    from xstilts.data.sources import source_problems

    problems = source_problems(STUDY)
    if problems:
        raise WorkflowError(
            "data sources are not ready:\n" + "\n".join(f"  - {p}" for p in problems)
        )


RES = STUDY.resources_dir
OUT = STUDY.results_dir
# Wildcard alternatives must not be empty: "NONE" matches no model.
PRETRAINED_MODELS = [
    m for m in STUDY.models if STUDY.model_source(m) == "pretrain"
] or ["NONE"]
FETCHED_MODELS = [
    m for m in STUDY.models if STUDY.model_source(m) in ("hub", "local")
] or ["NONE"]
PYPI_MODELS = [m for m in STUDY.models if STUDY.model_source(m) == "pypi"] or ["NONE"]


wildcard_constraints:
    model="|".join(STUDY.models),
    recipe="[^/]+",
    task="[^/]+",
    seed=r"\d+",
    split="[^/]+",
    dataset="[^/]+",
    lang="[^/.]+",


TRANSLATED_DATASETS = [
    d for d in STUDY.datasets if STUDY.datasets[d]["source"].get("kind") == "translate"
] or ["NONE"]


def translated_inputs(wildcards):
    """A machine-translated dataset is assembled from its per-language shards."""
    source = STUDY.datasets[wildcards.dataset]["source"]
    if source.get("kind") != "translate":
        return {}
    return {
        "source": paths.data(RES, source["from"]),
        "shards": [
            paths.TRANSLATION.format(res=RES, dataset=wildcards.dataset, lang=lang)
            for lang in source["languages"]
        ],
    }


def translated_args(wildcards, input):
    source = STUDY.datasets[wildcards.dataset]["source"]
    if source.get("kind") != "translate":
        return None
    return {
        "shards": dict(zip(source["languages"], input.shards)),
        "source_dir": input.source,
    }


def tokenizer_dir(model):
    return paths.TOKENIZER.format(res=RES, model=model)


def feature_dirs(model, task, stage=None, splits=("train", "dev")):
    """Tokenised train/dev data a task needs for one model."""
    spec = STUDY.tasks[task]
    refs = [getattr(spec, s) for s in splits]
    return [
        paths.features(RES, model, r.dataset, r.split) for r in refs if r is not None
    ]


def data_dirs(task, splits=("train", "dev", "test")):
    spec = STUDY.tasks[task]
    refs = [getattr(spec, s) for s in splits]
    return sorted({paths.data(RES, r.dataset) for r in refs if r is not None})


def stage_inputs(wildcards):
    chain = wildcards.chain.split("/")
    if any(stage not in (config.get("stages") or {}) for stage in chain):
        raise WorkflowError(
            f"unknown stage in chain {wildcards.chain!r}; stages: {list(config['stages'])}"
        )
    parent = "/".join(chain[:-1])
    tasks = STUDY.stage(chain[-1])["tasks"]
    return {
        "init": paths.chain_start(RES, OUT, wildcards.model, wildcards.seed, parent),
        "features": [d for t in tasks for d in feature_dirs(wildcards.model, t)],
        "data": [d for t in tasks for d in data_dirs(t, ("dev",))],
    }


def target_inputs(wildcards):
    if wildcards.recipe not in STUDY.recipes:
        raise WorkflowError(
            f"unknown recipe {wildcards.recipe!r}; recipes: {STUDY.recipes}"
        )
    return {
        "init": paths.chain_start(
            RES,
            OUT,
            wildcards.model,
            wildcards.seed,
            STUDY.target_chain_id(wildcards.recipe, wildcards.task),
        ),
        "features": feature_dirs(wildcards.model, wildcards.task),
        "data": data_dirs(wildcards.task, ("dev",)),
    }


def trained_model_for(task):
    """The model a target is evaluated with: its own, or the one it borrows (Tatoeba)."""
    source = STUDY.tasks[task].encoder_from or task
    return paths.TARGET_MODEL.replace("{out}", OUT).replace("{task}", source)


def cell_files(template, task):
    return [
        template.format(out=OUT, model=m, recipe=r, task=task, seed=s, lang=lang)
        for m in STUDY.models
        for r in STUDY.recipes
        for s in STUDY.seeds
        for lang in STUDY.test_languages(task)
    ]


def all_score_files():
    return [f for task in STUDY.targets for f in cell_files(paths.SCORE, task)]


SUMMARY_FILES = {
    "scores": "scores.csv",
    "table": "table.csv",
    "markdown": "table.md",
    "question": "question.csv",
    "question_markdown": "question.md",
}


def summary_outputs():
    return {
        key: paths.SUMMARY.format(out=OUT, name=name)
        for key, name in SUMMARY_FILES.items()
    }


# Params that a step reads from the config, declared so that changing them reruns the step
# (Snakemake's params rerun trigger); the steps themselves read the same values.
def dataset_params(wildcards):
    data = config.get("data") or {}
    return {
        "spec": STUDY.datasets[wildcards.dataset],
        "seed": data.get("seed"),
        "size": (data.get("sizes") or {}).get(wildcards.dataset),
        "needs": STUDY.dataset_needs(wildcards.dataset),
    }


def model_params(wildcards):
    # input_prefix changes tokenisation (a tokenize param), not the prepared model.
    spec = config["models"][wildcards.model]
    return {k: v for k, v in spec.items() if k != "input_prefix"}


def feature_params(wildcards):
    return steps.feature_params(STUDY, wildcards.dataset, wildcards.model)


def stage_params(wildcards):
    chain = wildcards.chain.split("/")
    stage = chain[-1]
    return {
        "stage": STUDY.stage_params(stage),
        "sampling": STUDY.sampling(stage),
        "tasks": {t: STUDY.hparams(t, stage) for t in STUDY.stage(stage)["tasks"]},
        "languages": {
            t: STUDY.stage_languages(stage, t) for t in STUDY.stage(stage)["tasks"]
        },
    }


def target_params(wildcards):
    return STUDY.hparams(wildcards.task)


def corpus_dir(wildcards, key):
    return paths.data(RES, config["models"][wildcards.model][key]["corpus"])


def cell(task):
    """The coordinates of one trained target model, for the evaluation steps."""
    return lambda wc: {
        "model": wc.model,
        "recipe": wc.recipe,
        "task": task,
        "seed": int(wc.seed),
    }
