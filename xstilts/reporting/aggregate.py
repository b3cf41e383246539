"""The results table: a cheap scan over score files into pandas.

Per task: mean over the task's languages of each cell's value (xstilts.reporting.conventions:
the primary metric, QA by the official (EM+F1)/2 unless configured otherwise), then mean and
standard deviation over seeds. XTREME-R-style average: mean of the task scores of one seed, then
mean/std over seeds; per-category means likewise. Rows are (model, recipe), columns are target
tasks.
"""

from __future__ import annotations

import pandas as pd

from xstilts.io import atomic_path, read_json, write_text
from xstilts.reporting import conventions
from xstilts.study.conventions import conventions as study_conventions


def load_scores(score_files: list[str], study) -> pd.DataFrame:
    """One row per score file; `score` is the value that enters the means (conventions)."""
    rule = conventions.qa_score_rule(study.config)
    rows = []
    for path in score_files:
        record = read_json(path)
        cell = record["cell"]
        spec = study.tasks[cell["task"]]
        rows.append(
            {
                **cell,
                "score": conventions.cell_value(record["metrics"], spec, rule),
                "primary": record["primary"],
                "primary_score": record["score"],
                "setting": record["setting"],
                "n_examples": record["n_examples"],
                "f1": record["metrics"].get("f1"),
                "exact_match": record["metrics"].get("exact_match"),
                "degenerate": record.get("degenerate"),
                "path": path,
            }
        )
    if not rows:
        raise ValueError("no score files to aggregate")
    return pd.DataFrame(rows)


def _fmt(mean: float, std: float) -> str:
    return f"{mean:.1f}" if pd.isna(std) else f"{mean:.1f} ± {std:.1f}"


def summarise(scores: pd.DataFrame, targets: list[str], categories: dict[str, list[str]]):
    """(per-seed task means (long), per-seed table (wide: tasks, categories, average),
    summary with mean/std over seeds) per (model, recipe). `categories`: {name: [tasks]}."""
    per_seed = scores.groupby(["model", "recipe", "task", "seed"], as_index=False).agg(
        score=("score", "mean"),
        setting=("setting", "first"),
        languages=("language", "nunique"),
    )
    wide = per_seed.pivot_table(index=["model", "recipe", "seed"], columns="task", values="score")
    wide = wide.reindex(columns=[t for t in targets if t in wide.columns])
    for category, members in categories.items():
        # A category mean needs every member task; a missing one leaves it empty.
        if members and all(t in wide.columns for t in members):
            wide[f"cat:{category}"] = wide[members].mean(axis=1)
    task_cols = [t for t in targets if t in wide.columns]
    # The average needs every target; a missing task leaves it empty rather than biased.
    wide["average"] = (
        wide[task_cols].mean(axis=1) if len(task_cols) == len(targets) else float("nan")
    )
    summary = wide.groupby(["model", "recipe"]).agg(["mean", "std"])
    return per_seed, wide, summary


def compare(wide: pd.DataFrame, pairs: list[tuple[str, str]]) -> pd.DataFrame:
    """Effect of `recipe` over `versus` per task (and category, average): differences paired
    by model and seed, then mean, standard deviation and count over seeds."""
    rows = []
    columns = list(wide.columns)
    for recipe, versus in pairs:
        for model in wide.index.get_level_values("model").unique():
            try:
                a, b = wide.loc[(model, recipe)], wide.loc[(model, versus)]
            except KeyError:
                continue
            seeds = a.index.intersection(b.index)
            diff = a.loc[seeds, columns] - b.loc[seeds, columns]
            for column in columns:
                values = diff[column].dropna()
                rows.append(
                    {
                        "model": model,
                        "recipe": recipe,
                        "versus": versus,
                        "task": column,
                        "delta_mean": values.mean() if len(values) else float("nan"),
                        "delta_std": values.std() if len(values) > 1 else float("nan"),
                        "seeds": len(values),
                        "wins": int((values > 0).sum()),
                    }
                )
    return pd.DataFrame(rows)


def question_markdown(study, comparison: pd.DataFrame) -> str:
    """The research question's summary: for each compared pair, the change per task, per
    category and in the average, with its spread over seeds."""
    lines = [
        "# Does a multilingual stage before English intermediate training help?",
        "",
        f"Study `{study.config['study']}`, seeds {study.seeds}. Δ = score(recipe) − score(versus), "
        "paired by seed; mean ± standard deviation over seeds; wins = seeds where Δ > 0.",
        "",
    ]
    if comparison.empty:
        return "\n".join(lines + ["No recipe pairs to compare."]) + "\n"
    kinds = {r: study.recipe_kind(r) for r in study.recipes}
    for (model, recipe, versus), group in comparison.groupby(
        ["model", "recipe", "versus"], sort=False
    ):
        lines += [
            f"## {recipe} ({kinds[recipe]}) vs {versus} ({kinds[versus]}), {model}",
            "",
            "| task | Δ | wins |",
            "|---|---|---|",
        ]
        for _, row in group.iterrows():
            spread = "" if pd.isna(row["delta_std"]) else f" ± {row['delta_std']:.1f}"
            cell = f"{row['delta_mean']:+.1f}{spread}"
            lines.append(f"| {row['task']} | {cell} | {row['wins']}/{row['seeds']} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def build_tables(study, score_files: list[str], outputs: dict[str, str]) -> None:
    scores = load_scores(score_files, study)
    targets = [t for t in study.targets]
    per_seed, wide, summary = summarise(scores, targets, conventions.categories(study))
    with atomic_path(outputs["scores"]) as tmp:
        scores.drop(columns=["path"]).to_csv(tmp, index=False)
    flat = summary.copy()
    flat.columns = [f"{col}_{stat}" for col, stat in flat.columns]
    order = {r: i for i, r in enumerate(study.recipes)}
    flat = flat.reset_index().sort_values(
        ["model", "recipe"], key=lambda s: s.map(order) if s.name == "recipe" else s
    )
    with atomic_path(outputs["table"]) as tmp:
        flat.to_csv(tmp, index=False, float_format="%.4f")
    write_text(outputs["markdown"], markdown(study, scores, per_seed, flat, targets))
    comparison = compare(wide, study.comparisons())
    with atomic_path(outputs["question"]) as tmp:
        comparison.to_csv(tmp, index=False, float_format="%.4f")
    write_text(outputs["question_markdown"], question_markdown(study, comparison))


def markdown(
    study, scores: pd.DataFrame, per_seed: pd.DataFrame, flat: pd.DataFrame, targets: list[str]
) -> str:
    columns = [t for t in targets if f"{t}_mean" in flat.columns]
    groups = conventions.categories(study)
    cats = [c for c in groups if f"cat:{c}_mean" in flat.columns]
    rule = conventions.qa_score_rule(study.config)
    non_zero_shot = (
        per_seed[per_seed["setting"] != "zero-shot"].groupby(["recipe", "task"])["setting"].first()
    )
    flagged = scores[scores["degenerate"].notna()] if "degenerate" in scores else scores[:0]
    degenerate = set(zip(flagged["model"], flagged["recipe"], flagged["task"], strict=True))
    baseline = (study.config.get("aggregate") or {}).get("baseline", "baseline")
    header = [
        "model",
        "recipe",
        "kind",
        *columns,
        *[f"cat:{c}" for c in cats],
        "average",
        f"Δ avg vs {baseline}",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    base_avg = flat.set_index(["model", "recipe"])["average_mean"]
    for _, row in flat.iterrows():
        cells = [row["model"], row["recipe"], study.recipe_kind(row["recipe"])]
        flagged_tasks = {t for m, r, t in degenerate if (m, r) == (row["model"], row["recipe"])}
        for task in columns:
            mark = " †" if (row["recipe"], task) in non_zero_shot.index else ""
            mark += " ‡" if task in flagged_tasks else ""
            cells.append(_fmt(row[f"{task}_mean"], row[f"{task}_std"]) + mark)
        cells += [
            _fmt(row[f"cat:{c}_mean"], row[f"cat:{c}_std"])
            + (" ‡" if flagged_tasks & set(groups[c]) else "")
            for c in cats
        ]
        cells.append(
            _fmt(row["average_mean"], row["average_std"]) + (" ‡" if flagged_tasks else "")
        )
        ref = base_avg.get((row["model"], baseline))
        cells.append("" if ref is None or pd.isna(ref) else f"{row['average_mean'] - ref:+.1f}")
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    notes = [
        "",
        f"Study `{study.config['study']}`, config hash `{study.hash}`; seeds {study.seeds} "
        "(cells: mean ± standard deviation over seeds).",
        "Task score: mean over the task's test languages (listed below; English counts where the "
        "task has it) of the value in the `value` column: accuracy; seqeval F1 for tagging; "
        f"{conventions.describe_value_rule(rule)} for QA (aggregate.qa_score: {rule}; F1 and EM "
        "separately in the QA table below); mAP@20 for question/entity retrieval; accuracy for "
        "sentence retrieval.",
        f"Average: mean of the {len(columns)} task scores per seed, then over seeds (with XTREME-R's "
        "ten targets this is the XTREME-R average, computed here: the official evaluate.py cannot, "
        "its LAReQA language list is empty).",
        f"Categories (aggregate.categories: {conventions.category_mode(study.config)}): "
        + "; ".join(f"{c} = {', '.join(groups[c])}" for c in groups)
        + ". A category mean is the mean of its task scores per seed, then over seeds; a task may "
        "sit in two categories.",
        "Preprocessing conventions (where they apply; each score file records its own): "
        + ", ".join(f"{k} {v}" for k, v in study_conventions(study.config).items())
        + " (the official code's unless changed in `conventions:`).",
        "Model selection on English dev only. † marks cells that are not zero-shot "
        "(a stage saw the target's labelled data in another language).",
        "‡ marks means that include degenerate predictions (one label, tag, answer or candidate "
        f"for everything; listed below): {len(flagged)} of {len(scores)} score files."
        if len(flagged)
        else "No score file has degenerate predictions (one label, tag, answer or candidate for "
        "everything).",
        "",
        "| task | metric | value | evaluated with | languages |",
        "|---|---|---|---|---|",
    ]
    for task in columns:
        spec = study.tasks[task]
        langs = " ".join(study.test_languages(task))
        metric = f"{spec.primary} ({spec.metric})"
        value = conventions.describe_value(spec, rule)
        if spec.head == "retrieval":
            settings = study.retrieval_settings(task)
            metric += f", layer {settings['layer']}, {settings['pooling']} pooling, {settings['direction']}"
        model = f"the {spec.encoder_from} model" if spec.encoder_from else "its own model"
        if spec.prelude_stage:
            model += f", trained after the {spec.prelude_stage} stage"
        notes.append(f"| {task} | {metric} | {value} | {model} | {langs} |")
    notes += qa_table(study, per_seed, scores, columns)
    if len(flagged):
        notes += [
            "",
            "| model | recipe | task | seed | language | degenerate |",
            "|---|---|---|---|---|---|",
        ]
        notes += [
            f"| {r.model} | {r.recipe} | {r.task} | {r.seed} | {r.language} | {r.degenerate} |"
            for r in flagged.itertuples()
        ]
    return "\n".join(lines + notes) + "\n"


def qa_table(study, per_seed: pd.DataFrame, scores: pd.DataFrame, columns: list[str]) -> list[str]:
    """F1, EM and (EM+F1)/2 of the QA targets: language means per seed, then mean over seeds."""
    qa = [t for t in columns if conventions.is_qa(study.tasks[t])]
    if not qa:
        return []
    per = (
        scores[scores["task"].isin(qa)]
        .groupby(["model", "recipe", "task", "seed"])[["f1", "exact_match"]]
        .mean()
        .groupby(["model", "recipe", "task"])
        .mean()
    )
    out = ["", "| model | recipe | task | F1 | EM | (EM+F1)/2 |", "|---|---|---|---|---|---|"]
    for (model, recipe, task), row in per.iterrows():
        f1, em = row["f1"], row["exact_match"]
        out.append(f"| {model} | {recipe} | {task} | {f1:.1f} | {em:.1f} | {(f1 + em) / 2:.1f} |")
    return out
