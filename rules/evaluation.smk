# Per-language predictions and scores: one job per trained model writes every language's file,
# so a full study does not submit one job (and one model load) per language. One rule pair per
# target task, because each task has its own language list.
for _task in STUDY.targets:
    _spec = STUDY.tasks[_task]
    _cell = paths.CELL_DIR.format(out=OUT, model="{model}", recipe="{recipe}", task=_task, seed="{seed}")
    _langs = STUDY.test_languages(_task)

    rule:
        name:
            f"predict_{_task}"
        input:
            model=trained_model_for(_task).format(model="{model}", recipe="{recipe}", seed="{seed}"),
            features=paths.features(RES, "{model}", _spec.test.dataset, _spec.test.split),
            data=paths.data(RES, _spec.test.dataset),
        output:
            **{lang: f"{_cell}/predictions/{lang}.jsonl" for lang in _langs},
        params:
            task=_task,
        group:
            "evaluate"
        log:
            f"{_cell}/logs/predict.log",
        conda:
            "../envs/train.yaml"
        script:
            "../scripts/predict.py"

    rule:
        name:
            f"score_{_task}"
        input:
            predictions=[f"{_cell}/predictions/{lang}.jsonl" for lang in _langs],
            model=trained_model_for(_task).format(model="{model}", recipe="{recipe}", seed="{seed}"),
            data=paths.data(RES, _spec.test.dataset),
        output:
            **{lang: f"{_cell}/scores/{lang}.json" for lang in _langs},
        params:
            task=_task,
        group:
            "evaluate"
        log:
            f"{_cell}/logs/score.log",
        conda:
            "../envs/score.yaml"
        script:
            "../scripts/score.py"


rule aggregate:
    input:
        all_score_files(),
    output:
        **summary_outputs(),
    log:
        f"{OUT}/logs/aggregate.log",
    conda:
        "../envs/score.yaml"
    script:
        "../scripts/aggregate.py"
