"""Steps of the reporting rules: the results tables and the research-question summary."""

from __future__ import annotations

from xstilts import paths
from xstilts.io import atomic_dir, read_json
from xstilts.steps.evaluation import prediction_files, score_files, study_scores_dirs
from xstilts.steps.runner import log, step
from xstilts.study.config import Study


@step
def aggregate(config: dict, score_dirs: list[str], outputs: dict[str, str]) -> None:
    """The results tables from every scores folder (each checked against its record)."""
    from xstilts.reporting.aggregate import build_tables

    study = Study(config)
    build_tables(study, study_score_files(study, score_dirs), outputs)
    log(f"results table -> {outputs['markdown']}")


@step
def export(config: dict, cell: dict, out_dir: str) -> None:
    """Predictions and gold labels of one (model, recipe, seed) in the official XTREME-R
    prediction-folder layout (xstilts.evaluation.export), with a manifest of the scores the
    official evaluate.py should give."""
    from xstilts.evaluation.export import export_cell

    study = Study(config)
    inputs = {}
    for task in study.targets:
        spec = study.tasks[task]
        where = {**cell, "out": study.results_dir, "task": task}
        inputs[task] = {
            "data": paths.data(study.resources_dir, spec.test.dataset, spec.test.split),
            "predictions": prediction_files(study, task, paths.PREDICTIONS_DIR.format(**where)),
            "scores": score_files(study, task, paths.SCORES_DIR.format(**where)),
        }
    with atomic_dir(out_dir) as tmp:
        manifest = export_cell(study, cell, inputs, tmp)
    log(f"exported {', '.join(manifest['tasks'])} for {cell} -> {out_dir}")


# --- statistics, tables, figures and the answer page (xstilts.reporting) -------------------------


@step
def examples(config: dict, cell: dict, predictions_dir: str, data_dir: str, out: str) -> None:
    """Per-example values of one trained model's predictions, every test language."""
    from xstilts.reporting.examples import write_cell_examples

    study = Study(config)
    spec = study.tasks[cell["task"]]
    predictions = prediction_files(study, cell["task"], predictions_dir)
    write_cell_examples(spec, cell, predictions, data_dir, out)
    log(f"per-example values of {cell} for {len(predictions)} languages -> {out}")


@step
def statistics(config: dict, examples_files: list[str], scores_csv: str, outputs: dict) -> None:
    from xstilts.reporting.comparisons import build_statistics

    summary = build_statistics(Study(config), list(examples_files), scores_csv, outputs)
    log(f"{summary['cells']} cells, {summary['resamples']} resamples in {summary['seconds']} s")


@step
def tables(config: dict, scores_csv: str, stats_csv: str, summary_json: str, outputs: dict) -> None:
    from xstilts.reporting.tables import build_tables

    build_tables(Study(config), scores_csv, stats_csv, read_json(summary_json), outputs)


@step
def figures(config: dict, stats_csv: str, summary_json: str, outputs: dict) -> None:
    from xstilts.reporting.report import build_figures

    build_figures(Study(config), stats_csv, summary_json, outputs)


@step
def training_curves(config: dict, targets: list[str], stages: list[str], outputs: dict) -> None:
    from xstilts.reporting.report import build_curves

    build_curves(Study(config), list(targets), list(stages), outputs)


@step
def answer(config: dict, stats_csv: str, summary_json: str, scores_csv: str, outputs: dict) -> None:
    from xstilts.reporting.answer import build_answer

    build_answer(Study(config), stats_csv, read_json(summary_json), scores_csv, outputs)
    log(f"answer page -> {outputs['markdown']}")


def study_score_files(study: Study, score_dirs: list[str]) -> list[str]:
    """Every score file of the study (task, model, recipe, seed, language order); `score_dirs`
    (the rule's inputs) must be the study's scores folders."""
    folders = study_scores_dirs(study)
    if sorted(map(str, score_dirs)) != sorted(folder for _, folder in folders):
        raise ValueError("the aggregate's inputs are not the study's scores folders")
    return [file for task, folder in folders for file in score_files(study, task, folder).values()]
