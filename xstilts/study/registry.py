"""Task and dataset registries: tasks are data, read from YAML.

A task spec names its head kind, label set, metric, category and where its English training,
English dev and per-language test data come from. The study config may add or override tasks.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

HEADS = ("classification", "multiple_choice", "tagging", "span", "retrieval", "mlm")
CATEGORIES = (
    "classification",
    "structured_prediction",
    "question_answering",
    "retrieval",
    "sentence_retrieval",
)
# Which dataset schema each head reads.
HEAD_SCHEMA = {
    "classification": "classification",
    "multiple_choice": "multiple_choice",
    "tagging": "tagging",
    "span": "qa",
    "retrieval": "retrieval",
    "mlm": "text",
}


@dataclass(frozen=True)
class DataRef:
    dataset: str
    split: str
    languages: tuple[str, ...]


@dataclass(frozen=True)
class TaskSpec:
    name: str
    role: str
    head: str
    metric: str
    primary: str
    train: DataRef | None = None
    dev: DataRef | None = None
    test: DataRef | None = None
    labels: tuple[str, ...] = ()
    category: str | None = None
    num_choices: int = 2
    question_template: str = "{premise} {question}"
    encoder_from: str | None = None
    pooling: str = "cls"
    candidates: str = "per_language"
    xtreme_r_analogue: str | None = None
    # Target task whose (translated or in-language) data this task is: using it in a stage with a
    # non-English language makes that target a translate-train / in-language setting.
    data_of_target: str | tuple[str, ...] | None = None
    # A stage trained between the recipe's chain and this target's own training (XCOPA:
    # Social IQa, then COPA); names a stage of the study config.
    prelude_stage: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_target(self) -> bool:
        return self.role == "target"

    @property
    def targets_of_data(self) -> tuple[str, ...]:
        """The targets this task's data belongs to (translated SQuAD: MLQA and XQuAD)."""
        if self.data_of_target is None:
            return ()
        if isinstance(self.data_of_target, str):
            return (self.data_of_target,)
        return tuple(self.data_of_target)

    @property
    def trainable(self) -> bool:
        return self.train is not None

    @property
    def benchmark_name(self) -> str:
        """The task's name in the official benchmark: its `xtreme_r_analogue` (the embedded toy
        tasks) or its own name, lower-cased without punctuation (mewsli-x -> mewslix)."""
        name = re.sub(r"[^a-z0-9]", "", (self.xtreme_r_analogue or self.name).lower())
        return {"mewsli": "mewslix", "wikiann": "panx", "ner": "panx"}.get(name, name)


def _dataref(raw: dict | None) -> DataRef | None:
    if raw is None:
        return None
    return DataRef(raw["dataset"], raw["split"], tuple(raw["languages"]))


_KNOWN_TASK_KEYS = {f for f in TaskSpec.__dataclass_fields__ if f not in {"name", "extra"}}


def task_from_dict(name: str, raw: dict) -> TaskSpec:
    known = {k: v for k, v in raw.items() if k in _KNOWN_TASK_KEYS}
    for key in ("train", "dev", "test"):
        known[key] = _dataref(raw.get(key))
    known["labels"] = tuple(raw.get("labels", ()))
    if isinstance(known.get("data_of_target"), list):
        known["data_of_target"] = tuple(known["data_of_target"])
    extra = {k: v for k, v in raw.items() if k not in _KNOWN_TASK_KEYS}
    return TaskSpec(name=name, extra=extra, **known)


def _load_yaml(filename: str) -> dict:
    text = resources.files("xstilts.specs").joinpath(filename).read_text(encoding="utf-8")
    # libyaml's parser (same constructor as safe_load): the registries are read at every
    # Snakemake start, and the pure-Python parser took ~0.3 s of each dry run.
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}


def _load_all(prefix: str) -> dict[str, dict]:
    """Every specs/{prefix}*.yaml merged (the embedded toy tasks, the real XTREME-R ones)."""
    merged: dict[str, dict] = {}
    names = sorted(
        f.name
        for f in resources.files("xstilts.specs").iterdir()
        if f.name.startswith(prefix) and f.name.endswith(".yaml")
    )
    for filename in names:
        for name, spec in _load_yaml(filename).items():
            if name in merged:
                raise ValueError(f"specs/{filename}: {name!r} is defined twice")
            merged[name] = spec
    return merged


@cache
def builtin_task_dicts() -> dict[str, dict]:
    return _load_all("tasks")


@cache
def builtin_dataset_dicts() -> dict[str, dict]:
    return _load_all("datasets")


SOURCE_KINDS = ("hub", "release")
# Mapping-valued source keys an override merges into (one split's file, one option, one code)
# rather than replaces; `null` removes a key or an entry.
MERGED_SOURCE_KEYS = ("files", "options", "codes")


def merge_override(block: dict, override: dict) -> dict:
    """The registry's source block with a config override over it: `files`, `options` and
    `codes` merged key by key, other keys replaced; a `null` value removes."""
    merged = dict(block)
    for key, value in override.items():
        if key in MERGED_SOURCE_KEYS and isinstance(value, dict):
            inner = {**(block.get(key) or {}), **value}
            merged[key] = {k: v for k, v in inner.items() if v is not None}
        else:
            merged[key] = value
    return {k: v for k, v in merged.items() if v is not None}


def resolve_source(name: str, spec: dict, config: dict | None) -> dict:
    """The source a run uses for a dataset: a `source:` of its own (the embedded generator),
    else the `hub:` or `release:` block picked by `data.sources.<name>.kind` or `data.source`
    (default hub), with the override's other keys over the block (merge_override)."""
    data = (config or {}).get("data") or {}
    override = dict((data.get("sources") or {}).get(name) or {})
    if spec.get("source") and not override:
        return dict(spec["source"])
    kind = override.pop("kind", None) or data.get("source", "hub")
    if kind not in SOURCE_KINDS:
        return {"kind": kind, **override}
    block = spec.get(kind)
    if block is None:
        note = spec.get("unavailable") or f"dataset {name!r} has no {kind} source"
        return {"kind": "unavailable", "note": f"{note} (wanted: {kind})", **override}
    source = {"kind": kind, **merge_override(block, override)}
    if kind == "hub":
        ids = hub_ids_of(source)
        pins = data.get("hub_revisions") or {}
        source["pins"] = {i: pins[i] for i in ids if i in pins}
        if data.get("allow_unpinned"):
            source["allow_unpinned"] = True
    return source


def hub_ids_of(source: dict) -> list[str]:
    """Every hub id a source reads: its own, its parts' and its per-language overrides'."""
    found = [source["id"]] if "id" in source else []
    for nested in [*(source.get("parts") or []), *(source.get("overrides") or {}).values()]:
        found += hub_ids_of(nested)
    return list(dict.fromkeys(found))


def task_dicts(config: dict | None = None) -> dict[str, dict]:
    """Registry task specs, with the config's `tasks:` entries merged over them."""
    merged = {name: copy.deepcopy(spec) for name, spec in builtin_task_dicts().items()}
    for name, spec in ((config or {}).get("tasks") or {}).items():
        merged[name] = {**merged.get(name, {}), **spec}
    return merged


def dataset_dicts(config: dict | None = None) -> dict[str, dict]:
    # Deep copies: callers may change what they get without touching the cached registry.
    merged = {name: copy.deepcopy(spec) for name, spec in builtin_dataset_dicts().items()}
    for name, spec in ((config or {}).get("datasets") or {}).items():
        merged[name] = {**merged.get(name, {}), **spec}
    for name, spec in merged.items():
        spec["source"] = resolve_source(name, spec, config)
    return merged


def tasks(config: dict | None = None) -> dict[str, TaskSpec]:
    return {name: task_from_dict(name, raw) for name, raw in task_dicts(config).items()}
