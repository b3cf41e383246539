# Shared helpers: the validated study, path templates and input functions.
from xstilts import paths, steps, workers
from xstilts.steps import session
from xstilts.study.config import ConfigError, Study, validate_config

try:
    STUDY = Study(config)
except ConfigError as err:
    raise WorkflowError(f"invalid configuration:\n{err}") from None

# SIGTERM/SIGUSR1/SIGINT make running training checkpoint and stop (xstilts/steps/session.py).
session.install_signal_handlers()

if "--unlock" in sys.argv and (live := session.live_run()):
    raise WorkflowError(
        f"a run of this workflow is still live here (pid {live['pid']} on {live['host']}): "
        "--unlock would let a second run write the same files. Stop it first (Ctrl-C, or "
        f"kill -INT {live['pid']}), or wait for it to end."
    )


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


def use_local_workers():
    """A local run on several cores runs the steps in that many worker processes
    (xstilts/workers.py): jobs in parallel, each alone in its process, as in a serial run.
    """
    plugin = workflow.executor_plugin
    if plugin is not None and plugin.name == "local" and not workflow.dryrun:
        workers.use_workers(workflow.cores, preload=("xstilts.steps",))
        workers.forward_stop_signals()


_SOURCES_CHECKED = []


def sources_ready(wildcards):
    """An input function of the rules that read the outside world (data, model fetch): every
    data source is checked once, while Snakemake builds the DAG, so a dry run reports the same
    missing files, unpinned ids and licensed data as the real run would, before any job.
    """
    if not _SOURCES_CHECKED:
        from xstilts.data.sources import source_problems

        problems = source_problems(STUDY)
        if problems:
            raise WorkflowError(
                "data sources are not ready:\n"
                + "\n".join(f"  - {p}" for p in problems)
            )
        _SOURCES_CHECKED.append(True)
    return []


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


def translated_split(wildcards):
    return STUDY.datasets[wildcards.dataset]["source"].get("split", "train")


def translation_source(wildcards):
    """The source's split that a machine-translated dataset translates."""
    source = STUDY.datasets[wildcards.dataset]["source"]
    return paths.data(RES, source["from"], translated_split(wildcards))


def translated_inputs(wildcards):
    """A machine-translated split is assembled from its per-language shards (any other split
    is the source's, copied)."""
    source = STUDY.datasets[wildcards.dataset]["source"]
    if source.get("kind") != "translate":
        return {}
    if wildcards.split != translated_split(wildcards):
        return {"source": paths.data(RES, source["from"], wildcards.split)}
    return {
        "source": translation_source(wildcards),
        "shards": [
            paths.TRANSLATION.format(res=RES, dataset=wildcards.dataset, lang=lang)
            for lang in source["languages"]
        ],
    }


def translated_args(wildcards, input):
    source = STUDY.datasets[wildcards.dataset]["source"]
    if source.get("kind") != "translate":
        return None
    shards = input.get("shards", [])
    return {
        "shards": dict(zip(source["languages"], shards)),
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
    return sorted({paths.data(RES, r.dataset, r.split) for r in refs if r is not None})


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


def all_score_dirs():
    """Every trained model's scores folder (one per model, recipe, target task and seed)."""
    return [folder for _, folder in steps.study_scores_dirs(STUDY)]


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
# (Snakemake's params rerun trigger); the steps themselves read the same values. The data,
# model, training and evaluation settings go through steps.rule_settings (mappings' keys
# sorted), so that keys listed in another order rerun none of these jobs; the reporting rules'
# mappings keep their order, which is the tables' order.
def dataset_params(wildcards):
    return steps.data_params(STUDY, wildcards.dataset, wildcards.split)


def model_params(wildcards):
    # input_prefix changes tokenisation (a tokenize param), not the prepared model.
    spec = {
        k: v
        for k, v in config["models"][wildcards.model].items()
        if k != "input_prefix"
    }
    pins = (config.get("data") or {}).get("hub_revisions") or {}
    return steps.rule_settings({"spec": spec, "pin": pins.get(spec.get("id"))})


def pretrain_params(wildcards):
    # torch's thread count changes float sums, so pretraining (only) reruns when it changes
    threads = config["training"]["defaults"].get("threads", 1)
    return {**model_params(wildcards), "threads": threads}


def feature_params(wildcards):
    return steps.feature_params(STUDY, wildcards.dataset, wildcards.model)


def task_spec(task):
    return steps.task_record(STUDY.tasks[task])


def stage_params(wildcards):
    return steps.stage_settings(STUDY, wildcards.chain)


def target_params(wildcards):
    return steps.target_settings(STUDY, wildcards.task)


def predict_params(task):
    return steps.predict_settings(STUDY, task)


def score_params(task):
    return lambda wc: steps.score_settings(STUDY, wc.recipe, task)


def aggregate_params():
    from xstilts.reporting import conventions

    return {
        "aggregate": config.get("aggregate") or {},
        "qa_score": conventions.qa_score_rule(config),
        "categories": conventions.categories(STUDY),
        "targets": {t: task_spec(t) for t in STUDY.targets},
        "languages": {t: STUDY.test_languages(t) for t in STUDY.targets},
        "recipes": {r: STUDY.recipe_kind(r) for r in STUDY.recipes},
        "comparisons": STUDY.comparisons(),
        "retrieval": {
            t: STUDY.retrieval_settings(t)
            for t in STUDY.targets
            if STUDY.tasks[t].head == "retrieval"
        },
    }


def corpus_dir(wildcards, key):
    """A model's tokenizer or pretraining corpus: the training split of a text dataset."""
    return paths.data(RES, config["models"][wildcards.model][key]["corpus"], "train")


def cell(task):
    """The coordinates of one trained target model, for the evaluation steps."""
    return lambda wc: {
        "model": wc.model,
        "recipe": wc.recipe,
        "task": task,
        "seed": int(wc.seed),
    }


def export_cell_dirs(template):
    """One (model, recipe, seed)'s folders of `template` (predictions or scores), every target."""

    def folders(wc):
        return [
            template.format(
                out=OUT, model=wc.model, recipe=wc.recipe, task=task, seed=wc.seed
            )
            for task in STUDY.targets
        ]

    return folders
