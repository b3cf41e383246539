# Helpers of rules/report.smk: output paths, input functions, params, report() wrapping.
import os

from xstilts.reporting import conventions, layout
from xstilts.reporting import settings as stats_settings

STATISTICS = layout.statistics_outputs(OUT)
TABLES = layout.table_outputs(OUT)
FIGURES = layout.figure_outputs(OUT)
CURVES = layout.curve_outputs(STUDY)
ANSWER = layout.answer_outputs(OUT)
SCORES_CSV = paths.SUMMARY.format(out=OUT, name="scores.csv")


def report_outputs():
    return layout.all_outputs(STUDY)


def examples_inputs(wildcards):
    """Predictions and gold; the score files too, so that rescoring a model (the statistics
    check their values against the table's) also redoes its per-example values."""
    spec = STUDY.tasks[wildcards.task]
    return {
        "predictions": paths.PREDICTIONS_DIR.format(out=OUT, **wildcards),
        "scores": paths.SCORES_DIR.format(out=OUT, **wildcards),
        "data": paths.data(RES, spec.test.dataset, spec.test.split),
    }


def examples_params(wildcards):
    spec = STUDY.tasks[wildcards.task]
    return {
        "metric": spec.metric,
        "primary": spec.primary,
        "head": spec.head,
        "test": [spec.test.dataset, spec.test.split],
        "languages": STUDY.test_languages(wildcards.task),
    }


def statistics_params():
    return {
        "settings": stats_settings.statistics_settings(config),
        "comparisons": stats_settings.comparisons(STUDY),
        "main": stats_settings.main_comparison(STUDY),
        "qa_score": conventions.qa_score_rule(config),
        "categories": conventions.categories(STUDY),
        "seeds": STUDY.seeds,
    }


def reported(files, caption, category, subcategory=None, labels=None):
    """report() every file of an output dict; `labels` maps a key to its labels."""
    return {
        key: report(
            path,
            caption=f"../report/{caption(key) if callable(caption) else caption}",
            category=category,
            subcategory=subcategory(key) if callable(subcategory) else subcategory,
            labels=labels(key) if labels else None,
        )
        for key, path in files.items()
    }


def _format(key):
    return key.rsplit("_", 1)[1]
