"""Tables for the paper: CSV (machines), Markdown, LaTeX (booktabs) and an HTML page of all of
them for the report. Main results, per-language results per task, comparisons with intervals.

Numbers come from the results table's own functions (aggregate.summarise on summary/scores.csv)
and from the statistics (comparisons.csv), so the tables and the statistics agree.
"""

from __future__ import annotations

import math

import pandas as pd

from xstilts.io import atomic_path, write_text
from xstilts.reporting import aggregate, conventions
from xstilts.reporting.html import markdown_page

DAGGER = {"md": " †", "tex": r"$^\dagger$"}
PLUS_MINUS = {"md": " ± ", "tex": r" $\pm$ "}
MINUS = {"md": "−", "tex": "$-$"}  # a minus sign, not a hyphen
LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "±": r"$\pm$",
    "†": r"$^\dagger$",
    "Δ": r"$\Delta$",
    "−": "$-$",
    "…": r"\ldots{}",
}


def latex_text(text: str) -> str:
    """Plain text (a caption, a name) for LaTeX: special characters escaped, symbols as math."""
    parts = str(text).split("->")  # multilingual->English
    return r"$\to$".join("".join(LATEX_SPECIAL.get(ch, ch) for ch in part) for part in parts)


def name(text: str, style: str) -> str:
    return latex_text(text) if style == "tex" else str(text)


def _number(value: float, style: str, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–" if style == "md" else "--"
    text = f"{value:+.1f}" if signed else f"{value:.1f}"
    return text.replace("-", MINUS[style])


def mean_sd(mean: float, sd: float, style: str) -> str:
    if sd is None or (isinstance(sd, float) and math.isnan(sd)):
        return _number(mean, style)
    return _number(mean, style) + PLUS_MINUS[style] + _number(sd, style)


def _non_zero_shot(scores: pd.DataFrame) -> set[tuple[str, str, str]]:
    marked = scores[scores["setting"] != "zero-shot"]
    return set(zip(marked["model"], marked["recipe"], marked["task"], strict=True))


def _order(study, frame: pd.DataFrame) -> pd.DataFrame:
    rank = {r: i for i, r in enumerate(study.recipes)}
    return frame.sort_values(
        ["model", "recipe"], key=lambda s: s.map(rank) if s.name == "recipe" else s
    )


def main_results(study, scores: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """(numbers, {style: strings}): rows (model, recipe), columns tasks, categories, average;
    mean and standard deviation over seeds; † where a cell is not zero-shot."""
    targets = study.targets
    groups = conventions.categories(study)
    _, _, summary = aggregate.summarise(scores, targets, groups)
    flat = summary.copy()
    flat.columns = [f"{col}_{stat}" for col, stat in flat.columns]
    flat = _order(study, flat.reset_index())
    flat.insert(2, "kind", flat["recipe"].map(study.recipe_kind))
    columns = [
        c for c in [*targets, *[f"cat:{g}" for g in groups], "average"] if f"{c}_mean" in flat
    ]
    marked = _non_zero_shot(scores)

    def members(column: str) -> list[str]:
        if column == "average":
            return list(targets)
        return groups[column[4:]] if column.startswith("cat:") else [column]

    styled = {}
    for style in ("md", "tex"):
        rows = []
        for _, row in flat.iterrows():
            cells = {k: name(row[k], style) for k in ("model", "recipe", "kind")}
            for column in columns:
                text = mean_sd(row[f"{column}_mean"], row[f"{column}_std"], style)
                if any((row["model"], row["recipe"], t) in marked for t in members(column)):
                    text += DAGGER[style]
                cells[column.removeprefix("cat:").replace("_", " ")] = text
            rows.append(cells)
        styled[style] = pd.DataFrame(rows)
    numbers = flat[
        ["model", "recipe", "kind", *[f"{c}_{s}" for c in columns for s in ("mean", "std")]]
    ]
    return numbers, styled


def per_language(
    study, scores: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, dict[str, pd.DataFrame]]]:
    """(long numbers, {style: {task: strings}}): per task, rows (model, recipe), columns the
    task's test languages and its mean over languages; mean ± sd over seeds."""
    cells = (
        scores.groupby(["model", "recipe", "task", "language"], sort=False)
        .agg(
            mean=("score", "mean"),
            std=("score", "std"),
            seeds=("seed", "nunique"),
            setting=("setting", "first"),
        )
        .reset_index()
    )
    styled: dict[str, dict[str, pd.DataFrame]] = {"md": {}, "tex": {}}
    task_means = (
        scores.groupby(["model", "recipe", "task", "seed"])["score"]
        .mean()
        .groupby(["model", "recipe", "task"])
        .agg(["mean", "std"])
    )
    for task in study.targets:
        part = _order(study, cells[cells["task"] == task])
        languages = study.test_languages(task)
        for style in ("md", "tex"):
            rows = []
            for (model, recipe), group in part.groupby(["model", "recipe"], sort=False):
                by_lang = group.set_index("language")
                mark = DAGGER[style] if (group["setting"] != "zero-shot").any() else ""
                row = {"model": name(model, style), "recipe": name(recipe, style) + mark}
                for lang in languages:
                    if lang in by_lang.index:
                        row[lang] = mean_sd(
                            by_lang.loc[lang, "mean"], by_lang.loc[lang, "std"], style
                        )
                mean = task_means.loc[(model, recipe, task)]
                row["mean"] = mean_sd(mean["mean"], mean["std"], style)
                rows.append(row)
            styled[style][task] = pd.DataFrame(rows)
    return _order(study, cells), styled


def comparison(study, stats: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """(numbers, {style: strings}): rows comparisons, columns tasks, categories, average;
    "Δ [low, high]" with * where the corrected test rejects "no difference"."""
    summary = stats[stats["level"] != "language"].copy()
    summary["column"] = summary["name"]
    columns = [*study.targets, *conventions.categories(study), "average"]
    styled = {}
    for style in ("md", "tex"):
        rows = []
        for (model, recipe, versus), group in summary.groupby(
            ["model", "recipe", "versus"], sort=False
        ):
            minus = " − " if style == "md" else " $-$ "
            comparison = f"{name(recipe, style)}{minus}{name(versus, style)}"
            row = {"model": name(model, style), "comparison": comparison}
            by_name = group.set_index("name")
            for column in columns:
                if column not in by_name.index:
                    continue
                r = by_name.loc[column]
                text = (
                    f"{_number(r['delta'], style, True)} "
                    f"[{_number(r['ci_low'], style)}, {_number(r['ci_high'], style)}]"
                )
                if bool(r["significant"]):
                    text += "*" if style == "md" else "$^{*}$"
                if bool(r["non_zero_shot"]):
                    text += DAGGER[style]
                row[column.replace("_", " ")] = text
            rows.append(row)
        styled[style] = pd.DataFrame(rows)
    keep = [
        "model",
        "recipe",
        "versus",
        "level",
        "name",
        "delta",
        "ci_low",
        "ci_high",
        "se",
        "p_value",
        "p_adjusted",
        "significant",
        "mde",
        "non_zero_shot",
    ]
    return summary[keep], styled


# ----------------------------------------------------------------------------- writers


def to_markdown(frame: pd.DataFrame) -> str:
    return frame.to_markdown(index=False, disable_numparse=True)


def to_latex(frame: pd.DataFrame, caption: str, label: str) -> str:
    """A booktabs table (pandas Styler) of cells that already are LaTeX; headers escaped.
    Needs \\usepackage{booktabs,graphicx}."""
    text_columns = [c for c in frame.columns if c in ("model", "recipe", "kind", "comparison")]
    frame = frame.rename(columns=latex_text)
    styler = frame.style.hide(axis="index")
    align = "".join("l" if c in text_columns else "r" for c in frame.columns)
    latex = styler.to_latex(
        hrules=True, column_format=align, caption=caption, label=label, position="t"
    )
    # Tables wider than the text (XTREME-R: 10 tasks, 5 categories, the average) scaled down.
    shrink = "\\resizebox{\\ifdim\\width>\\linewidth\\linewidth\\else\\width\\fi}{!}{%\n"
    latex = latex.replace("\\begin{tabular}", shrink + "\\begin{tabular}")
    return latex.replace("\\end{tabular}\n", "\\end{tabular}%\n}\n")


def notes(study, settings: dict) -> dict[str, str]:
    """Table notes: what a cell is, the marks, the interval and test."""
    rule = conventions.describe_value_rule(conventions.qa_score_rule(study.config))
    level = f"{settings['confidence']:.0%}"
    return {
        "main": f"Mean ± standard deviation over seeds {study.seeds}; task score = mean over the "
        f"task's test languages (QA: {rule}); average = mean of the task scores. † not zero-shot "
        "(a stage saw the target's labelled data in another language). Model selection on English dev.",
        "languages": "Per test language: mean ± standard deviation over seeds; the mean column is the task "
        "score. † the recipe's cells of this task are not zero-shot.",
        "comparison": f"Δ = recipe − versus, paired by seed and test example; [{level} percentile "
        f"bootstrap interval, {settings['resamples']} resamples of seeds and test examples]; * "
        f"significant after {settings['correction_name']} correction; † includes cells that are "
        "not zero-shot.",
    }


def build_tables(study, scores_csv: str, stats_csv: str, summary: dict, outputs: dict) -> None:
    """Write main, per-language and comparison tables in CSV, Markdown and LaTeX, and one HTML
    page of all of them (`outputs`: main_csv, main_md, main_tex, languages_csv, ..., html)."""
    scores = pd.read_csv(scores_csv, keep_default_na=False, na_values=[""])
    stats = pd.read_csv(stats_csv, keep_default_na=False, na_values=[""])
    text = notes(study, summary)
    main_numbers, main = main_results(study, scores)
    lang_numbers, langs = per_language(study, scores)
    comp_numbers, comp = comparison(study, stats)
    for name, frame in (
        ("main", main_numbers),
        ("languages", lang_numbers),
        ("comparison", comp_numbers),
    ):
        with atomic_path(outputs[f"{name}_csv"]) as tmp:
            frame.to_csv(tmp, index=False, float_format="%.4f")
    study_name = study.config["study"]
    md = {
        "main": f"# Main results ({study_name})\n\n{to_markdown(main['md'])}\n\n{text['main']}\n",
        "comparison": f"# Comparisons ({study_name})\n\n{to_markdown(comp['md'])}\n\n{text['comparison']}\n",
        "languages": f"# Results per language ({study_name})\n\n{text['languages']}\n"
        + "".join(f"\n## {task}\n\n{to_markdown(frame)}\n" for task, frame in langs["md"].items()),
    }
    tex = {
        "main": to_latex(main["tex"], _tex_note("Main results", text["main"]), "tab:main"),
        "comparison": to_latex(
            comp["tex"], _tex_note("Comparisons", text["comparison"]), "tab:comparison"
        ),
        "languages": "\n".join(
            to_latex(
                frame,
                _tex_note(f"Results per language, {task}", text["languages"]),
                f"tab:lang-{task}",
            )
            for task, frame in langs["tex"].items()
        ),
    }
    if len(study.recipes) == 1:  # say so instead of an empty (uncompilable) table
        nothing = f"No comparisons: the study has a single recipe ({', '.join(study.recipes)})."
        md["comparison"] = f"# Comparisons ({study_name})\n\n{nothing}\n"
        tex["comparison"] = f"% {nothing}\n"
    for name in ("main", "comparison", "languages"):
        write_text(outputs[f"{name}_md"], md[name])
        write_text(outputs[f"{name}_tex"], tex[name])
    page = "\n\n".join(md[name] for name in ("main", "comparison", "languages"))
    write_text(outputs["html"], markdown_page(f"Tables: {study_name}", page))


def _tex_note(title: str, note: str) -> str:
    return latex_text(f"{title}. {note}")
