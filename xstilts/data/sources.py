"""What would stop the study's data steps, found before any job runs."""

from __future__ import annotations

from pathlib import Path

from xstilts import paths


def source_problems(study) -> list[str]:
    """What would stop the study's data steps, found before any job runs: datasets that can't
    be had (CCG is licensed), missing release files, unpinned hub ids, missing label files.
    Dataset splits already prepared are not checked again."""
    from xstilts.data import readers, ud
    from xstilts.study.conventions import value

    problems: list[str] = []
    pins = (study.config.get("data") or {}).get("hub_revisions") or {}
    for name in study.datasets_used():
        spec = study.datasets[name]
        needs = unprepared_needs(study, name)
        if study.dataset_needs(name) and not needs:
            continue
        source = spec["source"]
        kind = source.get("kind")
        if problem := ud.source_problem(name, spec, value(study.config, "ud_tokens")):
            problems.append(problem)
        if kind == "unavailable":
            problems.append(f"dataset {name!r}: {source.get('note')}")
        elif kind == "translate" and source["translator"].get("kind") == "transformers":
            translator = source["translator"]
            try:
                readers.pinned_revision(
                    {
                        "id": translator["model"],
                        "revision": translator.get("revision"),
                        "pins": pins,
                    }
                )
            except readers.ReaderError as err:
                problems.append(f"dataset {name!r} (translator): {err}")
        elif kind == "release":
            root = Path(source.get("root") or name)
            if not root.is_absolute():
                root = (Path(study.release_root or ".") / root).resolve()
            for split, langs in needs.items():
                for lang in langs:
                    for part in readers.for_language(source, lang):
                        if split not in (part.get("files") or {}):
                            continue
                        try:
                            readers.release_files(part, root, split, lang)
                        except readers.ReaderError as err:
                            problems.append(f"dataset {name!r} {lang}/{split}: {err}")
                        extra = [(part.get("label_files") or {}).get(split)]
                        extra.append(source.get("entities") if split == "test" else None)
                        for other in filter(None, extra):
                            path = root / other.format(lang=lang)
                            if not path.is_file():
                                problems.append(f"dataset {name!r}: missing release file {path}")
        elif kind == "hub":
            for lang in sorted({lang for ls in needs.values() for lang in ls}):
                for part in readers.for_language(source, lang):
                    try:
                        readers.pinned_revision(part)
                    except readers.ReaderError as err:
                        problems.append(f"dataset {name!r}: {err}")
    for model, spec in study.config["models"].items():
        fetched = Path(study.resources_dir) / "models" / model / "encoder" / "config.json"
        if spec["source"] != "hub" or fetched.is_file():
            continue
        try:
            readers.pinned_revision({**spec, "pins": pins})
        except readers.ReaderError as err:
            problems.append(f"model {model!r}: {err}")
    for task in study.tasks_used():
        spec = study.tasks[task]
        if spec.extra.get("labels_file") and not spec.labels:
            problems.append(
                f"task {task!r}: label set file {Path(study.release_root or '.') / spec.extra['labels_file']} is missing"
            )
    return list(dict.fromkeys(problems))


def unprepared_needs(study, dataset: str) -> dict[str, list[str]]:
    """{split: languages} of the dataset's splits that have no prepared folder yet; a split held
    out of another (TyDiQA's dev) is listed under that one, whose files it is read from."""
    holdout = study.datasets[dataset]["source"].get("holdout") or {}
    needs: dict[str, dict[str, None]] = {}
    for split, langs in study.dataset_needs(dataset).items():
        if (Path(paths.data(study.resources_dir, dataset, split)) / "manifest.json").is_file():
            continue
        read_from = (holdout.get(split) or {}).get("from", split)
        needs.setdefault(read_from, {}).update(dict.fromkeys(langs))
    return {split: list(langs) for split, langs in needs.items()}
