# Datasets into the normalised on-disk form, then tokenised once per (model, dataset, split).


localrules:
    prepare_data,


rule prepare_data:
    # A localrule: hub downloads run on the submit host, where the internet is.
    output:
        directory(paths.DATA.format(res=RES, dataset="{dataset}")),
    log:
        f"{RES}/logs/data/{{dataset}}.log",
    params:
        settings=dataset_params,
    run:
        steps.prepare_data(config, wildcards.dataset, output[0], log_path=log[0])


rule tokenize:
    input:
        data=paths.DATA.format(res=RES, dataset="{dataset}"),
        tokenizer=paths.TOKENIZER.format(res=RES, model="{model}"),
    output:
        directory(
            paths.FEATURES.format(
                res=RES, model="{model}", dataset="{dataset}", split="{split}"
            )
        ),
    log:
        f"{RES}/logs/tokenize/{{model}}/{{dataset}}/{{split}}.log",
    params:
        settings=feature_params,
    run:
        steps.tokenize(
            config,
            wildcards.model,
            wildcards.dataset,
            wildcards.split,
            input.data,
            input.tokenizer,
            output[0],
            log_path=log[0],
        )
