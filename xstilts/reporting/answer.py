"""The answer page: the research question answered with numbers and intervals, where each
recipe wins and loses, and the caveats (seeds, non-zero-shot cells, detectable effect)."""

from __future__ import annotations

import pandas as pd

from xstilts.io import write_text
from xstilts.reporting import settings as stats_settings
from xstilts.reporting.html import markdown_page

QUESTION = (
    "Does a multilingual intermediate task before English intermediate-task training improve "
    "zero-shot cross-lingual transfer, measured by the XTREME-R-style average?"
)


def _num(value: float, signed: bool = True) -> str:
    return (f"{value:+.2f}" if signed else f"{value:.2f}").replace("-", "−")


def _p(value: float) -> str:
    return f"{value:.3f}" if value >= 0.001 else "< 0.001"


def interval_text(row, level: str) -> str:
    return f"{_num(row['delta'])} [{_num(row['ci_low'], False)}, {_num(row['ci_high'], False)}] ({level} CI)"


def verdict(row, summary: dict) -> str:
    """One phrase for a comparison's average: helps, hurts, or no detectable difference."""
    correction = summary["correction_name"].split(" (")[0]
    if row["significant"]:
        direction = "helps" if row["delta"] > 0 else "hurts"
        return f"{direction} (significant after {correction} correction, adjusted p {_p(row['p_adjusted'])})"
    return (
        f"no significant difference (adjusted p {_p(row['p_adjusted'])}); with these seeds and "
        f"test sets a true difference of ±{row['mde']:.2f} or more would be found with "
        f"{summary['power']:.0%} power"
    )


def _pair_title(row, kinds: dict) -> str:
    return (
        f"`{row['recipe']}` ({kinds[row['recipe']]}) vs `{row['versus']}` ({kinds[row['versus']]})"
    )


def research_pairs(study, frame: pd.DataFrame) -> pd.DataFrame:
    """The comparisons that answer the question: multilingual->English recipes against their
    English-only (or English multi-task) counterparts."""
    averages = frame[frame["level"] == "average"]
    pick = (averages["recipe_kind"] == "multilingual->English") & averages["versus_kind"].isin(
        ["English-only", "multi-task"]
    )
    return averages[pick]


def answer_markdown(study, frame: pd.DataFrame, summary: dict, scores: pd.DataFrame) -> str:
    level = f"{summary['confidence']:.0%}"
    kinds = {r: study.recipe_kind(r) for r in study.recipes}
    averages = frame[frame["level"] == "average"]
    key = research_pairs(study, frame)
    lines = [f"# {QUESTION}", ""]
    if len(study.recipes) == 1:
        lines += [
            f"**This study has a single recipe (`{study.recipes[0]}`): there is nothing to "
            "compare**, so it cannot answer the question; its scores are in the tables.",
            "",
        ]
        return "\n".join(lines + caveats(study, frame, summary, scores) + method(summary)) + "\n"
    if key.empty:
        main = stats_settings.main_comparison(study)
        lines += [
            "**This study has no multilingual->English recipe with its English-only counterpart**, "
            "so it cannot answer the question directly; the comparisons it has are below"
            + (f" (main: `{main[0]}` vs `{main[1]}`)." if main else "."),
            "",
        ]
    else:
        lines.append("**Answer.** On the average over the study's target tasks:")
        lines.append("")
        for _, row in key.iterrows():
            model = f" ({row['model']})" if averages["model"].nunique() > 1 else ""
            lines.append(
                f"- {_pair_title(row, kinds)}{model}: Δ = {interval_text(row, level)}: {verdict(row, summary)}."
            )
        lines.append("")
    lines += [
        f"Δ = score(recipe) − score(versus) in points, paired by seed and test example; intervals "
        f"and tests from {summary['resamples']} bootstrap resamples of seeds and test examples "
        f"(resampler seed {summary['resampler_seed']}); see *How these numbers were made*.",
        "",
        "## Every comparison on the average",
        "",
        f"| comparison | Δ average [{level} CI] | adjusted p | detectable Δ ({summary['power']:.0%} power) | verdict |",
        "|---|---|---|---|---|",
    ]
    for _, row in averages.iterrows():
        mark = " †" if row["non_zero_shot"] else ""
        short = (
            "helps"
            if row["significant"] and row["delta"] > 0
            else ("hurts" if row["significant"] else "no significant difference")
        )
        lines.append(
            f"| {_pair_title(row, kinds)}{mark} | {_num(row['delta'])} [{_num(row['ci_low'], False)}, "
            f"{_num(row['ci_high'], False)}] | {_p(row['p_adjusted'])} | ±{row['mde']:.2f} | {short} |"
        )
    lines.append("")
    if averages["non_zero_shot"].any():
        lines += ["† the average includes cells that are not zero-shot (see the caveats).", ""]
    lines += wins_and_losses(frame, kinds)
    lines += caveats(study, frame, summary, scores)
    lines += method(summary)
    return "\n".join(lines) + "\n"


def wins_and_losses(frame: pd.DataFrame, kinds: dict) -> list[str]:
    """Per comparison: the categories, tasks and languages with a significant gain or loss."""
    lines = [
        "## Where each recipe wins and loses",
        "",
        "Significant after correction; languages as task/language.",
        "",
    ]
    for (model, _, _), group in frame.groupby(["model", "recipe", "versus"], sort=False):
        head = group.iloc[0]
        lines.append(
            f"### {_pair_title(head, kinds)}"
            + (f", {model}" if frame["model"].nunique() > 1 else "")
        )
        lines.append("")
        for level in ("category", "task", "language"):
            rows = group[(group["level"] == level) & group["significant"]]
            label = {"category": "categories", "task": "tasks", "language": "languages"}[level]

            def name(r, lv=level) -> str:
                return f"{r['name']}/{r['language']}" if lv == "language" else r["name"]

            wins = [f"{name(r)} {_num(r['delta'])}" for _, r in rows[rows["delta"] > 0].iterrows()]
            losses = [
                f"{name(r)} {_num(r['delta'])}" for _, r in rows[rows["delta"] < 0].iterrows()
            ]
            total = int((group["level"] == level).sum())
            lines.append(
                f"- {label} ({total}): wins {', '.join(wins) if wins else 'none'}; "
                f"losses {', '.join(losses) if losses else 'none'}"
            )
        lines.append("")
    return lines


def caveats(study, frame: pd.DataFrame, summary: dict, scores: pd.DataFrame) -> list[str]:
    seeds = summary["seeds"]
    sizes = frame[frame["level"] == "language"]["n_examples"]
    lines = ["## Caveats", ""]
    lines.append(
        f"- **Seeds.** {len(seeds)} seed{'s' if len(seeds) != 1 else ''} ({', '.join(map(str, seeds))}) "
        "per recipe (every stage and the target fine-tuning). "
        + (
            "With one seed the intervals cover test-set sampling only, not training randomness. "
            if len(seeds) == 1
            else f"Resampling {len(seeds)} seeds understates the spread over seeds (by a factor of about "
            f"{(len(seeds) - 1) / len(seeds):.2f} in variance); more seeds give more trustworthy intervals. "
        )
    )
    marked = scores[scores["setting"] != "zero-shot"][
        ["recipe", "task", "setting"]
    ].drop_duplicates()
    if marked.empty:
        lines.append("- **Zero-shot.** Every cell is zero-shot.")
    else:
        cells = "; ".join(f"{r.recipe} on {r.task} ({r.setting})" for r in marked.itertuples())
        lines.append(
            f"- **Not zero-shot (†).** {cells}: a stage saw the target's labelled data in another "
            "language. These cells enter the averages as in the results table; XTREME-R reports "
            "such settings separately."
        )
    averages = frame[frame["level"] == "average"]
    if len(averages):
        lines.append(
            f"- **Detectable effect.** On the average the smallest true difference found with "
            f"{summary['power']:.0%} power at α = {1 - summary['confidence']:.2f} (uncorrected) "
            f"is ±{averages['mde'].min():.2f} to ±{averages['mde'].max():.2f} points, depending on "
            "the comparison. A non-significant Δ means no effect of that size or more, not no effect."
        )
    lines.append(
        f"- **Multiple comparisons.** {summary['correction_name']} correction within each "
        f"family ({summary['families']}); unadjusted p values are in comparisons.csv."
    )
    if len(sizes):
        lines.append(
            f"- **Test sets.** {int(sizes.min())} to {int(sizes.max())} examples per language; "
            "small test sets give wide per-language intervals."
        )
    lines.append("- **Model selection** on English dev only, as the protocol prescribes.")
    lines.append("")
    return lines


def method(summary: dict) -> list[str]:
    return [
        "## How these numbers were made",
        "",
        f"- Scheme: {summary['scheme']}.",
        f"- Resamples: {summary['resamples']}; resampler seed {summary['resampler_seed']}.",
        f"- Interval: {summary['interval']} at {summary['confidence']:.0%}.",
        f"- Test: {summary['test']}.",
        f"- Correction: {summary['correction_name']}; families: {summary['families']}.",
        f"- Detectable effect: {summary['mde']}, power {summary['power']:.0%}.",
        f"- QA cells enter as {summary['qa_score']}; categories: "
        + "; ".join(f"{c} = {', '.join(t)}" for c, t in summary["categories"].items())
        + ".",
        f"- Study `{summary['provenance']['study']}`, config hash "
        f"`{summary['provenance']['config_hash']}`, code {summary['provenance']['environment']['code_version']}.",
        "",
    ]


def build_answer(study, stats_csv: str, summary: dict, scores_csv: str, outputs: dict) -> None:
    frame = pd.read_csv(stats_csv, keep_default_na=False, na_values=[""])
    scores = pd.read_csv(scores_csv, keep_default_na=False, na_values=[""])
    text = answer_markdown(study, frame, summary, scores)
    write_text(outputs["markdown"], text)
    write_text(outputs["html"], markdown_page("The answer", text))
