"""The workflow's steps: one function per rule, one module per rules file. Each takes the study
config and the paths the rule names, and does the work through the stage packages
(xstilts.data, .model, .evaluation, .reporting). Importable and testable without Snakemake; a
rule's `run:` block is a single call of one of these (see runner.py for how a step runs).
"""

import os

# Before the libraries are imported: no progress bars or load reports in the workflow's output.
os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from xstilts.steps.data import (  # noqa: E402
    data_params,
    feature_params,
    prepare_data,
    tokenize,
    translate_shard,
)
from xstilts.steps.evaluation import (  # noqa: E402
    predict,
    score,
    study_scores_dirs,
)
from xstilts.steps.models import (  # noqa: E402
    convert_model,
    fetch_model,
    pretrain,
    resume_path,
    train_tokenizer,
)
from xstilts.steps.reporting import (  # noqa: E402
    aggregate,
    answer,
    examples,
    export,
    figures,
    statistics,
    tables,
    training_curves,
)
from xstilts.steps.runner import STEP_LOCK, log, step  # noqa: E402
from xstilts.steps.training import train_stage, train_target  # noqa: E402
from xstilts.study.settings import (  # noqa: E402
    predict_settings,
    rule_settings,
    score_settings,
    stage_settings,
    target_settings,
    task_record,
)

__all__ = [
    "STEP_LOCK",
    "aggregate",
    "answer",
    "examples",
    "export",
    "figures",
    "statistics",
    "study_scores_dirs",
    "tables",
    "training_curves",
    "convert_model",
    "data_params",
    "feature_params",
    "fetch_model",
    "log",
    "predict",
    "prepare_data",
    "pretrain",
    "resume_path",
    "rule_settings",
    "score",
    "step",
    "task_record",
    "predict_settings",
    "score_settings",
    "stage_settings",
    "target_settings",
    "tokenize",
    "train_stage",
    "train_target",
    "train_tokenizer",
    "translate_shard",
]
