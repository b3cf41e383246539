# Datasets into the normalised on-disk form, then tokenised once per (model, dataset, split).


localrules:
    prepare_data,


rule prepare_data:
    # A localrule: hub downloads run on the submit host, where the internet is.
    output:
        directory(paths.DATA.format(res=RES, dataset="{dataset}")),
    log:
        f"{RES}/logs/data/{{dataset}}.log",
    conda:
        "../envs/data.yaml"
    script:
        "../scripts/prepare_data.py"


rule tokenize:
    input:
        data=paths.DATA.format(res=RES, dataset="{dataset}"),
        tokenizer=paths.TOKENIZER.format(res=RES, model="{model}"),
    output:
        directory(paths.FEATURES.format(res=RES, model="{model}", dataset="{dataset}", split="{split}")),
    log:
        f"{RES}/logs/tokenize/{{model}}/{{dataset}}/{{split}}.log",
    conda:
        "../envs/train.yaml"
    script:
        "../scripts/tokenize.py"
