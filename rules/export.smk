# The official export: every (model, recipe, seed)'s predictions and gold labels in the
# XTREME-R prediction-folder layout that the official evaluate.py reads
# (xstilts/evaluation/export.py). `snakemake export` writes them all.


localrules:
    export,
    export_cell,


rule export_cell:
    input:
        predictions=export_cell_dirs(paths.PREDICTIONS_DIR),
        scores=export_cell_dirs(paths.SCORES_DIR),
        data=sorted(
            {
                paths.data(RES, STUDY.tasks[t].test.dataset, STUDY.tasks[t].test.split)
                for t in STUDY.targets
            }
        ),
    output:
        directory(
            paths.EXPORT.format(
                out=OUT, model="{model}", recipe="{recipe}", seed="{seed}"
            )
        ),
    log:
        f"{OUT}/logs/export/{{model}}/{{recipe}}/seed{{seed}}.log",
    params:
        cell=lambda wc: {"model": wc.model, "recipe": wc.recipe, "seed": int(wc.seed)},
        # Tatoeba's direction decides what can be exported (English must search).
        retrieval={
            t: STUDY.retrieval_settings(t)
            for t in STUDY.targets
            if STUDY.tasks[t].head == "retrieval"
        },
    run:
        steps.export(config, params.cell, output[0], log_path=log[0])


rule export:
    input:
        [
            paths.EXPORT.format(out=OUT, model=m, recipe=r, seed=s)
            for m in STUDY.models
            for r in STUDY.recipes
            for s in STUDY.seeds
        ],
