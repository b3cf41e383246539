"""Reporting conventions: which number of a score file enters the task means and the average,
and how target tasks group into categories. The defaults are what the official XTREME(-R)
`evaluate.py` does; each is a config value (`aggregate.qa_score`, `aggregate.categories`) that
the tables state in their notes.

- QA (XQuAD, MLQA, TyDiQA-GoldP): the official task score is (EM + F1) / 2 of the language
  means (`avg_metric`); `f1` or `exact_match` are the alternatives. Language means of
  (EM + F1) / 2 equal (mean EM + mean F1) / 2, so the rule can be applied per cell.
- Categories: `official` is the grouping of the official XTREME-R `evaluate.py`
  (`XTREME_R_GROUP2TASK`, google-research/xtreme commit da430dd06cc7344ceb2e7cb030219656ebf0606a):
  classification = XNLI, XCOPA; tagging = UD-POS, WikiANN-NER; qa = XQuAD, MLQA, TyDiQA-GoldP;
  retrieval = Tatoeba, Mewsli-X; multi_choice = XCOPA. XCOPA sits in two groups and LAReQA in
  none (the script lists no language for it). The group names are the script's. `registry` uses
  each task spec's `category` (the XTREME-R paper's five categories), or a mapping
  {category: [target tasks]}.
"""

from __future__ import annotations

QA_METRICS = ("squad", "mlqa")
QA_SCORE_RULES = ("mean_em_f1", "f1", "exact_match")
DEFAULT_QA_SCORE = "mean_em_f1"

# The official grouping, by benchmark task name (see TaskSpec.benchmark_name): XTREME_R_GROUP2TASK of
# google-research/xtreme evaluate.py at da430dd06cc7344ceb2e7cb030219656ebf0606a, names and
# order as there. Categories hold the benchmark tasks the study has among its targets.
OFFICIAL_CATEGORIES: dict[str, tuple[str, ...]] = {
    "classification": ("xnli", "xcopa"),
    "tagging": ("udpos", "panx"),
    "qa": ("xquad", "mlqa", "tydiqa"),
    "retrieval": ("tatoeba", "mewslix"),
    "multi_choice": ("xcopa",),
}
CATEGORY_MODES = ("official", "registry")


def qa_score_rule(config: dict) -> str:
    return ((config.get("aggregate") or {}).get("qa_score")) or DEFAULT_QA_SCORE


def is_qa(spec) -> bool:
    return spec.metric in QA_METRICS


def cell_value(metrics: dict, spec, rule: str) -> float:
    """The number of one score file that enters the task mean: the primary metric, except
    for QA tasks, where `rule` decides."""
    if not is_qa(spec):
        return float(metrics[spec.primary])
    if rule == "mean_em_f1":
        return (float(metrics["f1"]) + float(metrics["exact_match"])) / 2
    if rule in ("f1", "exact_match"):
        return float(metrics[rule])
    raise ValueError(f"unknown QA score rule {rule!r}; allowed: {', '.join(QA_SCORE_RULES)}")


def describe_value(spec, rule: str) -> str:
    if not is_qa(spec):
        return spec.primary
    return describe_value_rule(rule)


def describe_value_rule(rule: str) -> str:
    return {"mean_em_f1": "(EM+F1)/2", "f1": "F1", "exact_match": "EM"}[rule]


def categories(study) -> dict[str, list[str]]:
    """{category: [target tasks of the study]} under `aggregate.categories`; categories with
    no target of the study are left out."""
    mode = (study.config.get("aggregate") or {}).get("categories", "official")
    targets = study.targets
    if isinstance(mode, dict):
        groups = {name: [t for t in tasks if t in targets] for name, tasks in mode.items()}
    elif mode == "registry":
        groups: dict[str, list[str]] = {}
        for task in targets:
            if study.tasks[task].category:
                groups.setdefault(study.tasks[task].category, []).append(task)
    elif mode == "official":
        by_name: dict[str, list[str]] = {}
        for task in targets:
            by_name.setdefault(study.tasks[task].benchmark_name, []).append(task)
        groups = {
            name: [t for member in members for t in by_name.get(member, [])]
            for name, members in OFFICIAL_CATEGORIES.items()
        }
    else:
        raise ValueError(
            f"aggregate.categories: unknown mode {mode!r}; allowed: {', '.join(CATEGORY_MODES)} "
            "or a mapping {category: [tasks]}"
        )
    return {name: tasks for name, tasks in groups.items() if tasks}


def category_mode(config: dict) -> str:
    mode = (config.get("aggregate") or {}).get("categories", "official")
    return "custom" if isinstance(mode, dict) else mode
