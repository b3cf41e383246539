"""The figures of a study: read what the statistics and the trained models wrote, draw
(xstilts.reporting.figures) with captions that say what the marks mean."""

from __future__ import annotations

import pandas as pd

from xstilts.io import read_json
from xstilts.reporting import conventions, figures, settings


def _columns(study) -> list[str]:
    return [*study.targets, *conventions.categories(study), "average"]


def build_figures(study, stats_csv: str, summary_json: str, outputs: dict) -> None:
    """Heatmap, language bars and language properties (`outputs`: {name}_{png,pdf})."""
    stats = pd.read_csv(stats_csv, keep_default_na=False, na_values=[""])
    summary = read_json(summary_json)
    level = f"{summary['confidence']:.0%}"
    correction = summary["correction_name"].split(" (")[0]
    main = settings.main_comparison(study)
    if len(study.recipes) == 1:  # the tables and curves stand, there is nothing to compare
        message = (
            f"No comparison to draw: the study has a single recipe "
            f"({', '.join(study.recipes)}). Add recipes to compare them."
        )
        for name in ("heatmap", "language-bars", "language-properties"):
            figures.notice(message, outputs[f"{name}_png"], outputs[f"{name}_pdf"])
        return
    figures.heatmap(
        stats,
        _columns(study),
        f"Δ = recipe − versus (points; mean over seeds {summary['seeds']}). * and box: significant "
        f"after {correction} correction; † includes cells that are not zero-shot.",
        outputs["heatmap_png"],
        outputs["heatmap_pdf"],
    )
    figures.language_bars(
        stats,
        main,
        study.targets,
        f"{main[0]} − {main[1]}: Δ per test language with {level} bootstrap intervals "
        f"({summary['resamples']} resamples of seeds and examples); solid: significant after "
        f"{correction} correction.",
        outputs["language-bars_png"],
        outputs["language-bars_pdf"],
    )
    figures.language_properties(
        stats,
        main,
        f"{main[0]} − {main[1]}: Δ per (task, language) against language properties "
        "(xstilts/specs/languages.yaml; marker = task; English, the training language, left out).",
        outputs["language-properties_png"],
        outputs["language-properties_pdf"],
    )


def build_curves(study, target_dirs: list[str], stage_dirs: list[str], outputs: dict) -> None:
    """Training curves: one figure per target task (rows: recipes), one for the stages (rows:
    chains)."""
    targets = [figures.read_curve(d) for d in target_dirs]
    for task in {r["task"] for r in targets}:
        records = [r for r in targets if r["task"] == task]
        order = {r: i for i, r in enumerate(study.recipes)}
        records.sort(key=lambda r: (r["model"], order.get(r["recipe"], 0), r["seed"]))
        figures.training_curves(
            records,
            "recipe",
            f"{task}: target training after each recipe (★ the step selected on English dev).",
            outputs[f"curves-{task}_png"],
            outputs[f"curves-{task}_pdf"],
        )
    if stage_dirs:
        stages = [figures.read_curve(d) for d in stage_dirs]
        figures.training_curves(
            stages,
            "chain",
            "Intermediate stages, by chain (★ the step selected on English dev).",
            outputs["curves-stages_png"],
            outputs["curves-stages_pdf"],
        )
