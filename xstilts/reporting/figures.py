"""Figures for the paper (matplotlib, Agg; PNG and PDF; readable in black and white: values are
annotated, significance is a mark and a border or a solid fill against hatching, series differ
by marker and line style, and the diverging colormap runs dark to light).

- heatmap: Δ per comparison (rows) and task / category / average (columns);
- language bars: the main comparison's Δ per test language of each task, with intervals;
- language properties: the main comparison's Δ per (task, language) against family, script,
  word order and CC-100 size (xstilts/specs/languages.yaml), where they vary;
- training curves: English-dev selection score and training loss by step of every target
  model and every intermediate stage, from the curves their xstilts.json record.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from xstilts.io import atomic_path
from xstilts.study import languages as language_table

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h", "p")
LINESTYLES = ("-", "--", ":", "-.")
TRAINING_LANGUAGE = "en"
CMAP = "PuOr"  # orange = negative, purple = positive; the darker purple end stays distinct in grey


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "font.size": 9,
            "axes.titlesize": 9,
            "axes.labelsize": 9,
            "legend.fontsize": 8,
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "pdf.fonttype": 42,
        }
    )
    return plt


def save(fig, png: str, pdf: str) -> None:
    """Both formats, atomically; the PDF without a creation date, so reruns compare equal."""
    plt = _pyplot()
    for path, fmt, meta in ((png, "png", {"Software": None}), (pdf, "pdf", {"CreationDate": None})):
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, bbox_inches="tight", metadata=meta)
    plt.close(fig)


def _caption(fig, caption: str, above_legend: bool = False) -> None:
    """The caption above the panels, wrapped to the figure's width (after tight_layout)."""
    import textwrap

    fig.tight_layout()
    width, height = fig.get_size_inches()
    text = textwrap.fill(caption, width=max(40, int(width * 14)))
    lift = 0.3 / height if above_legend else 0.0
    fig.text(0.0, 1.0 + lift + 0.01, text, ha="left", va="bottom", fontsize=8)


def notice(message: str, png: str, pdf: str) -> None:
    """A figure that says why there is nothing to draw (the outputs still exist, so the report
    and the archive stay whole, and nobody mistakes a missing figure for a failed job)."""
    import textwrap

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 1.2))
    ax.axis("off")
    ax.text(0.5, 0.5, textwrap.fill(message, 70), ha="center", va="center", fontsize=9)
    save(fig, png, pdf)


def _text_colour(value: float, limit: float) -> str:
    return "white" if abs(value) > 0.6 * limit else "black"


# ----------------------------------------------------------------------------- heatmap


def heatmap(stats: pd.DataFrame, columns: list[str], caption: str, png: str, pdf: str) -> None:
    """Δ of every comparison (rows) for each task, category and the average (columns)."""
    plt = _pyplot()
    summary = stats[stats["level"] != "language"]
    keys = list(
        dict.fromkeys(zip(summary["model"], summary["recipe"], summary["versus"], strict=True))
    )
    models = {m for m, _, _ in keys}
    values = np.full((len(keys), len(columns)), np.nan)
    marks = np.full(values.shape, "", dtype=object)
    significant = np.zeros(values.shape, dtype=bool)
    index = summary.set_index(["model", "recipe", "versus", "name"])
    for i, key in enumerate(keys):
        for j, column in enumerate(columns):
            if (*key, column) not in index.index:
                continue
            row = index.loc[(*key, column)]
            values[i, j] = row["delta"]
            significant[i, j] = bool(row["significant"])
            marks[i, j] = ("*" if row["significant"] else "") + (
                "†" if row["non_zero_shot"] else ""
            )
    limit = max(0.5, float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 0.5)
    fig, ax = plt.subplots(figsize=(1.0 + 0.85 * len(columns), 1.2 + 0.42 * len(keys)))
    image = ax.imshow(values, cmap=CMAP, vmin=-limit, vmax=limit, aspect="auto")
    for i in range(len(keys)):
        for j in range(len(columns)):
            if np.isnan(values[i, j]):
                continue
            text = f"{values[i, j]:+.1f}".replace("-", "−") + marks[i, j]
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=8,
                color=_text_colour(values[i, j], limit),
                fontweight="bold" if significant[i, j] else "normal",
            )
            if significant[i, j]:
                ax.add_patch(
                    plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=1.8, ec="black")
                )
    ax.set_xticks(
        range(len(columns)), [c.replace("_", " ") for c in columns], rotation=40, ha="right"
    )
    prefix = len(models) > 1
    ax.set_yticks(
        range(len(keys)), [(f"{m}: " if prefix else "") + f"{r} − {v}" for m, r, v in keys]
    )
    n_tasks = sum(1 for c in columns if c in set(stats.loc[stats["level"] == "task", "name"]))
    for boundary in (n_tasks - 0.5, len(columns) - 1.5):
        ax.axvline(boundary, color="black", lw=1.2)
    bar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    bar.set_label("Δ (points)")
    _caption(fig, caption)
    save(fig, png, pdf)


# ----------------------------------------------------------------------------- per language


def _bar_style(significant: bool) -> dict:
    if significant:
        return {"color": "0.25", "edgecolor": "black", "hatch": None}
    return {"color": "white", "edgecolor": "black", "hatch": "///"}


def language_bars(
    stats: pd.DataFrame, main: tuple[str, str], tasks: list[str], caption: str, png: str, pdf: str
) -> None:
    """The main comparison's Δ per test language, one panel per task, with intervals."""
    plt = _pyplot()
    from matplotlib.patches import Patch

    recipe, versus = main
    rows = stats[(stats["recipe"] == recipe) & (stats["versus"] == versus)]
    models = list(dict.fromkeys(rows["model"]))
    panels = [(m, t) for m in models for t in tasks]
    most = max(int(((rows["level"] == "language") & (rows["name"] == t)).sum()) for t in tasks)
    ncols = 2 if most <= 12 and len(panels) > 1 else 1  # XTREME-R's 40-language tasks: one column
    nrows = math.ceil(len(panels) / ncols)
    width = max(3.4, 0.3 * most + 1.2)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(ncols * width, 2.0 * nrows + 0.9), squeeze=False
    )
    for ax in axes.ravel()[len(panels) :]:
        ax.axis("off")
    for ax, (model, task) in zip(axes.ravel(), panels, strict=False):
        lang_rows = rows[
            (rows["model"] == model) & (rows["level"] == "language") & (rows["name"] == task)
        ]
        x = np.arange(len(lang_rows))
        for k, (_, r) in enumerate(lang_rows.iterrows()):
            ax.bar(k, r["delta"], width=0.7, lw=0.8, **_bar_style(bool(r["significant"])))
        ax.errorbar(
            x,
            lang_rows["delta"],
            yerr=[
                lang_rows["delta"] - lang_rows["ci_low"],
                lang_rows["ci_high"] - lang_rows["delta"],
            ],
            fmt="none",
            ecolor="black",
            elinewidth=0.9,
            capsize=2.5,
        )
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xticks(x, lang_rows["language"])
        ax.set_xlim(-0.6, max(len(lang_rows), 1) - 0.4)
        summary = rows[
            (rows["model"] == model) & (rows["level"] == "task") & (rows["name"] == task)
        ]
        title = f"{task}" + (f" ({model})" if len(models) > 1 else "")
        if len(summary):
            s = summary.iloc[0]
            title += f": task Δ {s['delta']:+.1f} [{s['ci_low']:.1f}, {s['ci_high']:.1f}]".replace(
                "-", "−"
            )
        ax.set_title(title, loc="left")
        ax.set_ylabel("Δ (points)")
    fig.legend(
        handles=[
            Patch(facecolor="0.25", edgecolor="black", label="significant (corrected)"),
            Patch(facecolor="white", edgecolor="black", hatch="///", label="not significant"),
        ],
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncol=2,
        frameon=False,
    )
    _caption(fig, caption, above_legend=True)
    save(fig, png, pdf)


def language_properties(
    stats: pd.DataFrame, main: tuple[str, str], caption: str, png: str, pdf: str
) -> list[str]:
    """The main comparison's Δ per (task, language) against each language property that
    varies among the languages (categorical: strip plot with group means; CC-100 size: log
    scale, Spearman's rho). English, the training language, is left out: the question is
    transfer to the others. Returns the properties plotted."""
    from scipy.stats import spearmanr

    plt = _pyplot()
    recipe, versus = main
    rows = stats[
        (stats["recipe"] == recipe)
        & (stats["versus"] == versus)
        & (stats["level"] == "language")
        & (stats["language"] != TRAINING_LANGUAGE)
    ]
    meta = {lang: language_table.metadata(lang) for lang in rows["language"].unique()}
    properties = []
    for name in (*language_table.CATEGORICAL, language_table.SIZE):
        known = {m[name] for m in meta.values() if m[name] is not None}
        if len(known) >= 2:
            properties.append(name)
    tasks = list(dict.fromkeys(rows["name"]))
    marker = {t: MARKERS[i % len(MARKERS)] for i, t in enumerate(tasks)}
    if not properties:
        fig, ax = plt.subplots(figsize=(6, 1.5))
        ax.axis("off")
        ax.text(
            0,
            0.5,
            "No language property (family, script, word order, CC-100 size) varies "
            "among the test languages.",
            va="center",
        )
        save(fig, png, pdf)
        return []
    # A categorical panel is as wide as its groups need (XTREME-R: 16 families, 17 scripts).
    widths = [
        3.6
        if name == language_table.SIZE
        else max(2.4, 0.32 * len({m[name] for m in meta.values()}))
        for name in properties
    ]
    fig, axes = plt.subplots(
        1,
        len(properties),
        figsize=(sum(widths) + 1.6, 3.6),
        squeeze=False,
        gridspec_kw={"width_ratios": widths},
    )
    rng = np.random.default_rng(0)  # jitter only
    for ax, name in zip(axes[0], properties, strict=True):
        values = rows["language"].map(lambda lang, n=name: meta[lang][n])
        if name == language_table.SIZE:
            known = values.notna()
            for task in tasks:
                pick = known & (rows["name"] == task)
                ax.scatter(
                    values[pick].astype(float),
                    rows.loc[pick, "delta"],
                    marker=marker[task],
                    facecolors="none",
                    edgecolors="black",
                    s=28,
                    label=task,
                )
            ax.set_xscale("log")
            ax.set_xlabel("CC-100 size (GiB, log scale)")
            rho = spearmanr(values[known].astype(float), rows.loc[known, "delta"]).statistic
            ax.set_title(
                f"CC-100 size: Spearman ρ = {rho:+.2f} (n = {int(known.sum())})".replace(
                    "=-", "=−"
                ).replace("= -", "= −"),
                loc="left",
            )
        else:
            groups = sorted({v if v is not None else "unknown" for v in values})
            position = {g: i for i, g in enumerate(groups)}
            x = values.fillna("unknown").map(position).to_numpy(float)
            x = x + rng.uniform(-0.18, 0.18, size=len(x))
            for task in tasks:
                pick = (rows["name"] == task).to_numpy()
                ax.scatter(
                    x[pick],
                    rows["delta"].to_numpy()[pick],
                    marker=marker[task],
                    facecolors="none",
                    edgecolors="black",
                    s=28,
                    label=task,
                )
            for group, i in position.items():
                mean = rows["delta"][values.fillna("unknown") == group].mean()
                ax.plot([i - 0.3, i + 0.3], [mean, mean], color="black", lw=2)
            ax.set_xticks(range(len(groups)), groups, rotation=60, ha="right", fontsize=8)
            ax.set_title(name.replace("_", " ") + " (bar: group mean)", loc="left")
        ax.axhline(0, color="0.4", lw=0.8, ls="--")
        ax.set_ylabel("Δ (points)")
    axes[0, -1].legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False, title="task")
    _caption(fig, caption)
    save(fig, png, pdf)
    return properties


# ----------------------------------------------------------------------------- training curves


def read_curve(model_dir: str) -> dict:
    """The curve a trained model's xstilts.json records, with what it belongs to."""
    from xstilts.io import read_json

    record = read_json(Path(model_dir) / "xstilts.json")
    if "curve" not in record:
        raise ValueError(f"{model_dir}/xstilts.json has no training curve; rerun its training")
    return record


def training_curves(records: list[dict], group_key: str, caption: str, png: str, pdf: str) -> None:
    """One row of panels per group (a recipe's target model, or a chain of stages): English-dev
    selection score and training loss by step; one line per seed; ★ the selected step."""
    plt = _pyplot()
    groups: dict[str, list[dict]] = {}
    for record in records:
        groups.setdefault(group_key_of(record, group_key), []).append(record)
    fig, axes = plt.subplots(len(groups), 2, figsize=(7.5, 1.7 * len(groups) + 0.7), squeeze=False)
    seeds = sorted({r["seed"] for r in records})
    style = {
        s: (MARKERS[i % len(MARKERS)], LINESTYLES[i % len(LINESTYLES)]) for i, s in enumerate(seeds)
    }
    for (name, members), (dev_ax, loss_ax) in zip(groups.items(), axes, strict=True):
        for record in sorted(members, key=lambda r: r["seed"]):
            curve = record["curve"]
            steps = [p["step"] for p in curve]
            marker, line = style[record["seed"]]
            selection = [p.get("selection_score") for p in curve]
            if any(v is not None for v in selection):
                dev_ax.plot(
                    steps,
                    [np.nan if v is None else v for v in selection],
                    marker=marker,
                    ls=line,
                    color="black",
                    ms=4,
                    lw=1,
                    label=f"seed {record['seed']}",
                )
                best = record.get("best_step")
                if best in steps:
                    dev_ax.plot(
                        best,
                        selection[steps.index(best)],
                        marker="*",
                        ms=11,
                        mfc="white",
                        mec="black",
                        ls="none",
                    )
            loss_ax.plot(
                steps,
                [p.get("train_loss", np.nan) for p in curve],
                marker=marker,
                ls=line,
                color="black",
                ms=4,
                lw=1,
                label=f"seed {record['seed']}",
            )
        if not dev_ax.lines:
            dev_ax.text(
                0.5,
                0.5,
                "no English dev set (last step kept)",
                ha="center",
                va="center",
                transform=dev_ax.transAxes,
                fontsize=8,
            )
        dev_ax.set_ylabel(name, rotation=0, ha="right", va="center")
    axes[0, 0].set_title("English dev (selection score)", loc="left")
    axes[0, 1].set_title("training loss (mean since previous evaluation)", loc="left")
    axes[-1, 0].set_xlabel("step")
    axes[-1, 1].set_xlabel("step")
    axes[0, 1].legend(loc="upper right", frameon=False)
    _caption(fig, caption)
    save(fig, png, pdf)


def group_key_of(record: dict, key: str) -> str:
    if key == "chain":
        return "/".join(record.get("chain") or []) or "(none)"
    return record[key]
