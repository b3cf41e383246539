# Intermediate stages (keyed by the chain so far) and target-task fine-tuning.


rule train_stage:
    input:
        unpack(stage_inputs),
    output:
        directory(
            paths.STAGE.format(
                out=OUT, model="{model}", seed="{seed}", chain="{chain}"
            )
        ),
    log:
        f"{OUT}/logs/{{model}}/seed{{seed}}/stages/{{chain}}.log",
    wildcard_constraints:
        chain=r"[^/]+(/[^/]+)*",
    params:
        settings=stage_params,
    run:
        steps.train_stage(
            config,
            wildcards.model,
            wildcards.chain,
            int(wildcards.seed),
            input.init,
            output[0],
            log_path=log[0],
        )


rule train_target:
    input:
        unpack(target_inputs),
    output:
        directory(
            paths.TARGET_MODEL.format(
                out=OUT,
                model="{model}",
                recipe="{recipe}",
                task="{task}",
                seed="{seed}",
            )
        ),
    log:
        f"{OUT}/logs/{{model}}/{{recipe}}/{{task}}/seed{{seed}}/train.log",
    wildcard_constraints:
        task="|".join(t for t in STUDY.targets if STUDY.tasks[t].trainable),
    params:
        settings=target_params,
    run:
        steps.train_target(
            config,
            wildcards.model,
            wildcards.recipe,
            wildcards.task,
            int(wildcards.seed),
            input.init,
            output[0],
            log_path=log[0],
        )
