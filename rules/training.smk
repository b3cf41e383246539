# Intermediate stages (keyed by the chain so far) and target-task fine-tuning.


rule train_stage:
    input:
        unpack(stage_inputs),
    output:
        directory(paths.STAGE.format(out=OUT, model="{model}", seed="{seed}", chain="{chain}")),
    wildcard_constraints:
        chain=r"[^/]+(/[^/]+)*",
    log:
        f"{OUT}/logs/{{model}}/seed{{seed}}/stages/{{chain}}.log",
    conda:
        "../envs/train.yaml"
    script:
        "../scripts/train_stage.py"


rule train_target:
    input:
        unpack(target_inputs),
    output:
        directory(paths.TARGET_MODEL.format(out=OUT, model="{model}", recipe="{recipe}", task="{task}", seed="{seed}")),
    wildcard_constraints:
        task="|".join(t for t in STUDY.targets if STUDY.tasks[t].trainable),
    log:
        f"{OUT}/logs/{{model}}/{{recipe}}/{{task}}/seed{{seed}}/train.log",
    conda:
        "../envs/train.yaml"
    script:
        "../scripts/train_target.py"
