"""Steps of the reporting rules: the results tables and the research-question summary."""

from __future__ import annotations

from xstilts import paths
from xstilts.io import atomic_dir
from xstilts.steps.runner import log, step
from xstilts.study.config import Study


@step
def aggregate(config: dict, score_files: list[str], outputs: dict[str, str]) -> None:
    from xstilts.reporting.aggregate import build_tables

    study = Study(config)
    build_tables(study, score_files, outputs)
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
        langs = study.test_languages(task)
        inputs[task] = {
            "data": paths.data(study.resources_dir, spec.test.dataset),
            "predictions": {lang: paths.PREDICTION.format(**where, lang=lang) for lang in langs},
            "scores": {lang: paths.SCORE.format(**where, lang=lang) for lang in langs},
        }
    with atomic_dir(out_dir) as tmp:
        manifest = export_cell(study, cell, inputs, tmp)
    log(f"exported {', '.join(manifest['tasks'])} for {cell} -> {out_dir}")
