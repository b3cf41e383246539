# Per-language predictions and scores: one job per trained model writes every language's file
# into one folder (predictions/, scores/: one declared output each, with the record of their
# files that every reader checks), so a full study does not submit one job (and one model load)
# per language, and Snakemake matches thousands of outputs, not tens of thousands. One rule
# pair per target task, because each task has its own language list.
for _task in STUDY.targets:
    _spec = STUDY.tasks[_task]
    _rule = _task.replace("-", "_")
    _cell = paths.CELL_DIR.format(
        out=OUT, model="{model}", recipe="{recipe}", task=_task, seed="{seed}"
    )

    rule:
        name:
            f"predict_{_rule}"
        input:
            model=trained_model_for(_task).format(
                model="{model}", recipe="{recipe}", seed="{seed}"
            ),
            features=paths.features(
                RES, "{model}", _spec.test.dataset, _spec.test.split
            ),
            data=paths.data(RES, _spec.test.dataset, _spec.test.split),
        output:
            directory(f"{_cell}/predictions"),
        log:
            f"{_cell}/logs/predict.log",
        group:
            "evaluate"
        resources:
            # Sizes (memory, CPUs) come from the profile's default-resources.
            gpu=1,
            runtime=lambda wc, attempt: 120 * attempt,
        params:
            cell=cell(_task),
            settings=predict_params(_task),
        run:
            steps.predict(config, params.cell, input.model, output[0], log_path=log[0])

    rule:
        name:
            f"score_{_rule}"
        input:
            predictions=f"{_cell}/predictions",
            model=trained_model_for(_task).format(
                model="{model}", recipe="{recipe}", seed="{seed}"
            ),
            data=paths.data(RES, _spec.test.dataset, _spec.test.split),
        output:
            directory(f"{_cell}/scores"),
        log:
            f"{_cell}/logs/score.log",
        group:
            "evaluate"
        params:
            cell=cell(_task),
            settings=score_params(_task),
        run:
            steps.score(config, params.cell, input, output[0], log_path=log[0])


localrules:
    aggregate,


rule aggregate:
    input:
        all_score_dirs(),
    output:
        **summary_outputs(),
    log:
        f"{OUT}/logs/aggregate.log",
    params:
        settings=aggregate_params(),
    run:
        steps.aggregate(config, list(input), dict(output.items()), log_path=log[0])
