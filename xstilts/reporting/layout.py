"""Where the statistics, tables, figures and answer page go (under `{results}/summary/`), and
which trained models the training-curve figures read. Light: used by the Snakefile at parse time.

    {out}/{model}/{recipe}/{task}/seed{seed}/examples.parquet   per-example values of one model
    {out}/summary/statistics/comparisons.csv, statistics.json
    {out}/summary/tables/{main,comparison,languages}.{csv,md,tex}, tables.html
    {out}/summary/figures/{heatmap,language-bars,language-properties}.{png,pdf}
    {out}/summary/figures/curves-{target}.{png,pdf}, curves-stages.{png,pdf}
    {out}/summary/answer.md, answer.html
"""

from __future__ import annotations

from xstilts import paths

EXAMPLES = paths.CELL_DIR + "/examples.parquet"
TABLES = ("main", "comparison", "languages")
FIGURES = ("heatmap", "language-bars", "language-properties")


def _summary(out: str, name: str) -> str:
    return paths.SUMMARY.format(out=out, name=name)


def statistics_outputs(out: str) -> dict[str, str]:
    return {
        "comparisons": _summary(out, "statistics/comparisons.csv"),
        "summary": _summary(out, "statistics/statistics.json"),
    }


def table_outputs(out: str) -> dict[str, str]:
    files = {
        f"{name}_{ext}": _summary(out, f"tables/{name}.{ext}")
        for name in TABLES
        for ext in ("csv", "md", "tex")
    }
    return {**files, "html": _summary(out, "tables/tables.html")}


def figure_outputs(out: str) -> dict[str, str]:
    return {
        f"{name}_{ext}": _summary(out, f"figures/{name}.{ext}")
        for name in FIGURES
        for ext in ("png", "pdf")
    }


def trained_targets(study) -> list[str]:
    """Targets with a model of their own (Tatoeba borrows the QA model's)."""
    return [
        t for t in study.targets if study.tasks[t].trainable and not study.tasks[t].encoder_from
    ]


def curve_outputs(study) -> dict[str, str]:
    out = study.results_dir
    names = [f"curves-{task}" for task in trained_targets(study)]
    if study.all_chain_prefixes():
        names.append("curves-stages")
    return {
        f"{name}_{ext}": _summary(out, f"figures/{name}.{ext}")
        for name in names
        for ext in ("png", "pdf")
    }


def answer_outputs(out: str) -> dict[str, str]:
    return {"markdown": _summary(out, "answer.md"), "html": _summary(out, "answer.html")}


def examples_files(study) -> list[str]:
    return [
        EXAMPLES.format(out=study.results_dir, model=m, recipe=r, task=t, seed=s)
        for m in study.models
        for r in study.recipes
        for t in study.targets
        for s in study.seeds
    ]


def curve_inputs(study) -> dict[str, list[str]]:
    """The trained target models and stage encoders whose curves the figures draw."""
    out = study.results_dir
    targets = [
        paths.target_model(out, m, r, t, s)
        for m in study.models
        for t in trained_targets(study)
        for r in study.recipes
        for s in study.seeds
    ]
    stages = [
        paths.stage(out, m, s, chain)
        for m in study.models
        for chain in study.all_chain_prefixes()
        for s in study.seeds
    ]
    return {"targets": targets, "stages": stages}


def all_outputs(study) -> list[str]:
    out = study.results_dir
    return [
        *statistics_outputs(out).values(),
        *table_outputs(out).values(),
        *figure_outputs(out).values(),
        *curve_outputs(study).values(),
        *answer_outputs(out).values(),
    ]
