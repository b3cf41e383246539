# Datasets into the normalised on-disk form, one job per (dataset, split) so that a split's
# settings (its languages) rerun only that split; then tokenised once per (model, dataset, split).


localrules:
    prepare_data,


rule prepare_data:
    # A localrule: hub downloads run on the submit host, where the internet is.
    input:
        sources_ready,
        unpack(translated_inputs),
    output:
        directory(paths.DATA.format(res=RES, dataset="{dataset}", split="{split}")),
    log:
        f"{RES}/logs/data/{{dataset}}/{{split}}.log",
    params:
        settings=dataset_params,
    run:
        steps.prepare_data(
            config,
            wildcards.dataset,
            wildcards.split,
            output[0],
            translated=translated_args(wildcards, input),
            log_path=log[0],
        )


rule translate_shard:
    # One language of a machine-translated dataset: translate, translate back, chrF.
    input:
        source=translation_source,
    output:
        paths.TRANSLATION.format(res=RES, dataset="{dataset}", lang="{lang}"),
    log:
        f"{RES}/logs/translate/{{dataset}}/{{lang}}.log",
    wildcard_constraints:
        dataset="|".join(TRANSLATED_DATASETS),
    resources:
        gpu=lambda wc: int(
            STUDY.datasets[wc.dataset]["source"]["translator"]["kind"]
            == "transformers"
        ),
    params:
        settings=lambda wc: steps.data_params(STUDY, wc.dataset, translated_split(wc)),
    run:
        steps.translate_shard(
            config,
            wildcards.dataset,
            wildcards.lang,
            input.source,
            output[0],
            log_path=log[0],
        )


rule tokenize:
    input:
        data=paths.DATA.format(res=RES, dataset="{dataset}", split="{split}"),
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
