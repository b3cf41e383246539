# What goes into the paper: per-example values of every trained model, the paired bootstrap
# statistics, tables (CSV, Markdown, LaTeX), figures and the answer page. Outputs marked with
# report() make up `snakemake --report report.html`. Helpers: report_common.smk.


include: "report_common.smk"


localrules:
    statistics,
    tables,
    figures,
    training_curves,
    answer,


rule examples:
    input:
        unpack(examples_inputs),
    output:
        layout.EXAMPLES.format(
            out=OUT, model="{model}", recipe="{recipe}", task="{task}", seed="{seed}"
        ),
    log:
        f"{paths.CELL_DIR.format(out=OUT, model='{model}', recipe='{recipe}', task='{task}', seed='{seed}')}/logs/examples.log",
    wildcard_constraints:
        task="|".join(STUDY.targets),
    group:
        "evaluate"
    params:
        cell=lambda wc: {
            "model": wc.model,
            "recipe": wc.recipe,
            "task": wc.task,
            "seed": int(wc.seed),
        },
        metric=examples_params,
    run:
        steps.examples(
            config,
            params.cell,
            input.predictions,
            input.data,
            output[0],
            log_path=log[0],
        )


rule statistics:
    input:
        examples=layout.examples_files(STUDY),
        scores=SCORES_CSV,
    output:
        **reported(
            STATISTICS,
            "statistics.rst",
            "5. Statistics",
            labels=lambda key: {"file": os.path.basename(STATISTICS[key])},
        ),
    log:
        f"{OUT}/logs/statistics.log",
    params:
        **statistics_params(),
    run:
        steps.statistics(
            config,
            input.examples,
            input.scores,
            dict(output.items()),
            log_path=log[0],
        )


rule tables:
    input:
        scores=SCORES_CSV,
        comparisons=STATISTICS["comparisons"],
        summary=STATISTICS["summary"],
    output:
        **reported(
            TABLES,
            "tables.rst",
            "2. Tables",
            subcategory=lambda key: (
                "all tables" if key == "html" else "files (CSV, Markdown, LaTeX)"
            ),
            labels=lambda key: {"file": os.path.basename(TABLES[key])},
        ),
    log:
        f"{OUT}/logs/tables.log",
    params:
        qa_score=conventions.qa_score_rule(config),
        categories=conventions.categories(STUDY),
    run:
        steps.tables(
            config,
            input.scores,
            input.comparisons,
            input.summary,
            dict(output.items()),
            log_path=log[0],
        )


rule figures:
    input:
        comparisons=STATISTICS["comparisons"],
        summary=STATISTICS["summary"],
        languages=os.path.join(workflow.basedir, "xstilts", "specs", "languages.yaml"),
    output:
        **reported(
            FIGURES,
            lambda key: f"{key.rsplit('_', 1)[0]}.rst",
            "3. Figures",
            subcategory=lambda key: (
                "PNG" if _format(key) == "png" else "PDF (for the paper)"
            ),
            labels=lambda key: {
                "figure": key.rsplit("_", 1)[0],
                "format": _format(key),
            },
        ),
    log:
        f"{OUT}/logs/figures.log",
    params:
        main=stats_settings.main_comparison(STUDY),
    run:
        steps.figures(
            config,
            input.comparisons,
            input.summary,
            dict(output.items()),
            log_path=log[0],
        )


rule training_curves:
    input:
        **layout.curve_inputs(STUDY),
    output:
        **reported(
            CURVES,
            "curves.rst",
            "4. Training curves",
            subcategory=lambda key: (
                "PNG" if _format(key) == "png" else "PDF (for the paper)"
            ),
            labels=lambda key: {
                "figure": key.rsplit("_", 1)[0],
                "format": _format(key),
            },
        ),
    log:
        f"{OUT}/logs/training_curves.log",
    run:
        steps.training_curves(
            config,
            input.targets,
            input.stages,
            dict(output.items()),
            log_path=log[0],
        )


rule answer:
    input:
        comparisons=STATISTICS["comparisons"],
        summary=STATISTICS["summary"],
        scores=SCORES_CSV,
    output:
        **reported(
            ANSWER,
            "answer.rst",
            "1. Answer",
            labels=lambda key: {"file": os.path.basename(ANSWER[key])},
        ),
    log:
        f"{OUT}/logs/answer.log",
    run:
        steps.answer(
            config,
            input.comparisons,
            input.summary,
            input.scores,
            dict(output.items()),
            log_path=log[0],
        )
