"""The path templates: the experiment's coordinates spelled out as files and folders.

    {res}/data/{dataset}/{split}/{lang}/{split}.parquet     normalised split (+ manifest.json)
    {res}/translations/{dataset}/{lang}.jsonl               machine-translated shard (+ chrF)
    {res}/models/{model}/tokenizer/                         tokenizer (trained or fetched)
    {res}/models/{model}/encoder/                           starting encoder (pretrained or fetched)
    {res}/features/{model}/{dataset}/{split}/{lang}/        tokenised once, shared by every run
    {out}/{model}/seed{seed}/stages/{chain}/encoder/        encoder after a chain of stages
    {out}/{model}/{recipe}/{task}/seed{seed}/model/         target model (selected on English dev)
    {out}/{model}/{recipe}/{task}/seed{seed}/predictions/{lang}.jsonl   (+ xstilts.json record)
    {out}/{model}/{recipe}/{task}/seed{seed}/scores/{lang}.json   one results cell (+ record)
    {out}/summary/{scores.csv, table.csv, table.md}
    {out}/export/{model}/{recipe}/seed{seed}/{predictions,labels}/{task}/test-{lang}.{ext}

A chain is nested stage names (pawsx/mnli), so recipes sharing a prefix share its training.
"""

from __future__ import annotations

# One folder per split, each made by its own job: what a split holds depends only on the
# settings of that split (a test language added prepares the test split again, and no model is
# retrained). Inside, the store's layout (xstilts.data.store): {lang}/{split}.parquet.
DATA = "{res}/data/{dataset}/{split}"
TRANSLATION = "{res}/translations/{dataset}/{lang}.jsonl"
TOKENIZER = "{res}/models/{model}/tokenizer"
BASE_ENCODER = "{res}/models/{model}/encoder"
FEATURES = "{res}/features/{model}/{dataset}/{split}"
STAGE = "{out}/{model}/seed{seed}/stages/{chain}/encoder"
CELL_DIR = "{out}/{model}/{recipe}/{task}/seed{seed}"
TARGET_MODEL = CELL_DIR + "/model"
# One folder per trained model and kind (one Snakemake output each: a few thousand outputs for
# the study, not tens of thousands), with its files' record (xstilts.json, checked by readers).
PREDICTIONS_DIR = CELL_DIR + "/predictions"
SCORES_DIR = CELL_DIR + "/scores"
PREDICTION = PREDICTIONS_DIR + "/{lang}.jsonl"
SCORE = SCORES_DIR + "/{lang}.json"
SUMMARY = "{out}/summary/{name}"
# Official XTREME-R prediction folders of one (model, recipe, seed): predictions/, labels/.
EXPORT = "{out}/export/{model}/{recipe}/seed{seed}"


def data(res: str, dataset: str, split: str) -> str:
    return DATA.format(res=res, dataset=dataset, split=split)


def features(res: str, model: str, dataset: str, split: str) -> str:
    return FEATURES.format(res=res, model=model, dataset=dataset, split=split)


def stage(out: str, model: str, seed, chain: str) -> str:
    return STAGE.format(out=out, model=model, seed=seed, chain=chain)


def chain_start(res: str, out: str, model: str, seed, chain: str) -> str:
    """The encoder a chain's stages (or a target) start from: its parent stage, or the base."""
    return stage(out, model, seed, chain) if chain else BASE_ENCODER.format(res=res, model=model)


def target_model(out: str, model: str, recipe: str, task: str, seed) -> str:
    return TARGET_MODEL.format(out=out, model=model, recipe=recipe, task=task, seed=seed)


def predictions_dir(out: str, model: str, recipe: str, task: str, seed) -> str:
    return PREDICTIONS_DIR.format(out=out, model=model, recipe=recipe, task=task, seed=seed)


def scores_dir(out: str, model: str, recipe: str, task: str, seed) -> str:
    return SCORES_DIR.format(out=out, model=model, recipe=recipe, task=task, seed=seed)
