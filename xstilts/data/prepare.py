"""Getting datasets into the normalised on-disk form (xstilts.data.store): the embedded
generator, the hub, release files and machine-translated data each end in it, so a source is a
writer and nothing else.
"""

from __future__ import annotations

from pathlib import Path

from xstilts.data.store import (
    DataError,
    _write_records,
    check_records,
    read_manifest,
    read_rows,
    write_manifest,
)
from xstilts.io import atomic_dir, sha256_file


def prepare_synthetic(
    name: str, out_dir: Path, seed: int, sizes: dict[str, int] | None = None, split: str = ""
) -> dict:
    """The generator's records of one split (every split when `split` is empty)."""
    from xstilts.data import synthetic

    if name not in synthetic.DATASETS:
        raise DataError(
            f"dataset {name!r} is not made by the embedded generator; known: {', '.join(synthetic.DATASETS)}"
        )
    info = synthetic.DATASETS[name]
    if split and split not in info["splits"]:
        raise DataError(
            f"dataset {name!r} has no split {split!r}; the generator makes: {', '.join(info['splits'])}"
        )
    size = (sizes or {}).get(name)
    for part, langs in ({split: info["splits"][split]} if split else info["splits"]).items():
        for lang in langs:
            records = synthetic.generate(name, lang, part, seed=seed, size=size)
            check_records(records, info["schema"], f"{name}/{lang}/{part}")
            (out_dir / lang).mkdir(parents=True, exist_ok=True)
            _write_records(records, out_dir / lang / f"{part}.parquet")
            if info["schema"] == "retrieval" and part != "train":
                candidates = synthetic.generate_candidates(name, lang, part, seed=seed, size=size)
                _write_records(candidates, out_dir / lang / f"{part}.candidates.parquet")
    return {
        "kind": "synthetic",
        "generator_seed": seed,
        "size_override": size,
        "labels": info.get("labels"),
    }


def _external_records(
    name, spec, source, needs, root, inputs: dict[str, str], conventions=None, converted=None
):
    """Records per (split, language) from release files or the hub, and the checksums of the
    release files read (`inputs`, filled as the records are built). Each part of a source is
    built with its own fields and label maps; with several parts, ids get the part's index.
    UD treebank words are converted as `conventions["ud_tokens"]` says (counts in `converted`)."""
    from xstilts.data import readers

    kind = source["kind"]
    ud_mode = (conventions or {}).get("ud_tokens") if spec.get("conversion") == "ud" else None
    labels = spec.get("labels")
    for split, langs in needs.items():
        builder = (source.get("builders") or {}).get(split, spec["schema"])
        parts_by_lang = {}
        for lang in langs:
            where = f"dataset {name!r} ({kind}), {lang}/{split}"
            try:
                if kind == "release":
                    parts, files = readers.release_parts(source, root, split, lang)
                    inputs.update({str(f.relative_to(root)): sha256_file(f) for f in files})
                else:
                    parts = readers.hub_parts(source, split, lang, used=inputs)
            except readers.ReaderError as err:
                raise DataError(f"{where}: {err}") from None
            if ud_mode is not None:
                parts = _convert_ud(parts, lang, ud_mode, where, converted, split)
            if not any(rows for _, rows in parts):
                raise DataError(f"{where}: the source has no records")
            parts_by_lang[lang] = parts
        try:
            built = _build(name, builder, parts_by_lang, source, labels, split, root, inputs)
        except readers.ReaderError as err:
            raise DataError(f"dataset {name!r} ({kind}), split {split!r}: {err}") from None
        for lang, (records, candidates) in built.items():
            yield split, lang, records, candidates


def _convert_ud(parts, lang, mode, where, converted, split):
    """Every part's rows with their words as XTREME builds them (xstilts.data.ud)."""
    from xstilts.data import ud

    out = []
    for part, rows in parts:
        try:
            rows, counts = ud.convert_rows(rows, lang, mode, where)
        except ud.UDError as err:
            raise DataError(str(err)) from None
        if converted is not None:
            total = converted.setdefault(split, {}).setdefault(lang, dict.fromkeys(counts, 0))
            for key, value in counts.items():
                total[key] += value
        out.append((part, rows))
    return out


def _build(name, builder, parts_by_lang, source, labels, split, root, inputs) -> dict:
    """{lang: (records, candidates or None)} by the split's builder."""
    from xstilts.data import readers

    if builder in readers.CROSS_LANGUAGE_BUILDERS:
        # Built over every language at once (pooled gold ids); parts are concatenated.
        rows_by_lang = {
            lang: [row for _, rows in parts for row in rows]
            for lang, parts in parts_by_lang.items()
        }
        part_source = next(iter(parts_by_lang.values()))[0][0]  # the part serving this split
        extra = (_entities(source, root, inputs),) if builder == "mewsli" else ()
        return readers.CROSS_LANGUAGE_BUILDERS[builder](rows_by_lang, part_source, *extra)
    if builder not in readers.ROW_TRANSFORMS and builder not in readers.RECORD_BUILDERS:
        raise DataError(f"dataset {name!r}: unknown builder {builder!r} for split {split!r}")

    def make(rows, part, where):
        if builder in readers.ROW_TRANSFORMS:
            return readers.ROW_TRANSFORMS[builder](rows, part)
        return readers.RECORD_BUILDERS[builder](rows, part, labels, where)

    built = {}
    for lang, parts in parts_by_lang.items():
        records = []
        for k, (part, rows) in enumerate(parts):
            made = make(rows, part, f"dataset {name!r} {lang}/{split}")
            if len(parts) > 1:
                made = [{**r, "id": f"p{k}-{r['id']}"} for r in made]
            records += made
        built[lang] = (records, None)
    return built


def _entities(source: dict, root, inputs: dict) -> list[dict]:
    """Mewsli-X's shared candidate entities (one JSON line per entity)."""
    from xstilts.data import readers

    entities = source.get("entities")
    if entities is None:
        raise DataError(
            "the Mewsli-X source needs an `entities` file (candidate_set_entities.jsonl)"
        )
    if source["kind"] == "release":
        path = Path(root) / entities
        if not path.is_file():
            raise DataError(f"missing release file: {path} (Mewsli-X candidate_set_entities.jsonl)")
        inputs[entities] = sha256_file(path)
        return readers.FILE_READERS["jsonl"](path, {})
    return readers.hub_rows({**source, **entities}, entities.get("split", "train"), "en", inputs)


def split_needs(source: dict, needs: dict[str, list[str]], split: str) -> dict[str, list[str]]:
    """The part of a dataset's {split: languages} that one split's records depend on: its own
    languages, and the languages of a split held out of it (those records leave it). A split
    held out of another depends only on its own languages: membership is a hash of the id."""
    if split not in needs:
        raise DataError(f"the study reads no {split!r} split; it reads: {', '.join(needs)}")
    out = {split: list(needs[split])}
    for held, rule in (source.get("holdout") or {}).items():
        if rule["from"] == split and held in needs:
            out[held] = list(needs[held])
    return out


def prepare_external(
    name: str,
    spec: dict,
    source: dict,
    out_dir: Path,
    needs: dict[str, list[str]],
    root=None,
    conventions: dict | None = None,
    split: str = "",
) -> dict:
    """Release files (`kind: release`, under `root`) or the hub (`kind: hub`, a download on
    the submit host) into the normalised form. `needs`: {split: languages} the study reads;
    only `split` is written when given (the others in `needs` are read to hold one out of it).
    `conventions`: the ones that apply to this dataset (xstilts.study.conventions), recorded."""
    from xstilts.study.registry import hub_ids_of

    if source["kind"] == "hub" and not hub_ids_of(source):
        raise DataError(f"dataset {name!r}: a hub source needs an `id`")
    if source["kind"] == "release" and (root is None or not Path(root).is_dir()):
        raise DataError(
            f"dataset {name!r}: release folder {root} does not exist; "
            + (source.get("note") or "put the original release files there")
        )
    writing = split  # the loops below name their own split
    counts: dict[str, dict[str, int]] = {}
    inputs: dict[str, str] = {}
    holdout = source.get("holdout") or {}
    reading: dict[str, list[str]] = {s: list(ls) for s, ls in needs.items() if s not in holdout}
    for split, rule in holdout.items():
        if split in needs:
            reading.setdefault(rule["from"], [])
            reading[rule["from"]] += [
                lang for lang in needs[split] if lang not in reading[rule["from"]]
            ]
    converted: dict = {}
    source = {**source, "conventions": dict(conventions or {})}  # the builders read them
    built = {
        (split, lang): (records, candidates)
        for split, lang, records, candidates in _external_records(
            name, spec, source, reading, root, inputs, conventions, converted
        )
    }
    for split, rule in holdout.items():
        for lang in needs.get(split, []):
            held, kept = holdout_split(built[(rule["from"], lang)][0], rule["fraction"], name)
            built[(split, lang)] = (held, None)
            built[(rule["from"], lang)] = (kept, None)
    for (split, lang), (records, candidates) in built.items():
        if split not in needs or lang not in needs[split] or writing not in ("", split):
            continue  # read only to hold a dev set out of it
        check_records(records, spec["schema"], f"{name}/{lang}/{split}")
        (out_dir / lang).mkdir(parents=True, exist_ok=True)
        _write_records(records, out_dir / lang / f"{split}.parquet")
        if candidates is not None:
            _write_records(candidates, out_dir / lang / f"{split}.candidates.parquet")
        counts.setdefault(split, {})[lang] = len(records)
    provenance = {
        key: source[key] for key in ("kind", "id", "revision", "config", "reader") if key in source
    }
    if source["kind"] == "release":
        provenance["root"] = str(root)
        provenance["input_sha256"] = inputs
    else:
        provenance["revisions"] = inputs
    provenance["counts"] = counts
    provenance["labels"] = spec.get("labels")
    if conventions:
        provenance["conventions"] = dict(conventions)
    if converted:
        provenance["ud_conversion"] = converted
    if holdout:
        provenance["holdout"] = holdout
    return provenance


def holdout_split(records: list[dict], fraction: float, salt: str) -> tuple[list, list]:
    """(held out, kept): a dev set taken from a training split where the release has no
    English dev of its own (TyDiQA-GoldP). Membership is a hash of the id, so it does not
    depend on order, process or the other records."""
    import hashlib

    def draw(record_id: str) -> float:
        digest = hashlib.sha256(f"{salt}:{record_id}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    held = [r for r in records if draw(r["id"]) < fraction]
    kept = [r for r in records if draw(r["id"]) >= fraction]
    if not held or not kept:
        raise DataError(
            f"{salt}: holding out {fraction:.0%} of {len(records)} records leaves a side empty"
        )
    return held, kept


def prepare_dataset(
    name: str,
    spec: dict,
    out_dir: str | Path,
    seed: int = 13,
    sizes=None,
    needs: dict[str, list[str]] | None = None,
    release_root: str | Path | None = None,
    translated: dict | None = None,
    conventions: dict | None = None,
    split: str = "",
) -> None:
    """Write dataset `name` in normalised form into `out_dir` atomically, with a manifest:
    the one `split` when given (the workflow's data folders: paths.DATA), else every split.
    `spec["source"]` is the resolved source (registry.resolve_source); `conventions` the
    preprocessing conventions that apply to it (xstilts.study.conventions.dataset_conventions)."""
    from xstilts.study.conventions import dataset_conventions

    source = spec.get("source") or {}
    kind = source.get("kind")
    if conventions is None:  # the defaults: what the official code does
        conventions = dataset_conventions({}, spec)
    with atomic_dir(out_dir) as tmp:
        if kind == "synthetic":
            provenance = prepare_synthetic(name, tmp, seed, sizes, split)
        elif kind in ("hub", "release"):
            root = None
            if kind == "release":
                root = Path(source.get("root") or name)
                if not root.is_absolute() and release_root is not None:
                    root = Path(release_root) / root
            needs = split_needs(source, needs or {}, split) if split else needs or {}
            provenance = prepare_external(name, spec, source, tmp, needs, root, conventions, split)
        elif kind == "translate":
            provenance = prepare_translated(name, spec, tmp, split=split, **(translated or {}))
        elif kind == "unavailable":
            raise DataError(f"dataset {name!r}: {source.get('note', 'no source is available')}")
        else:
            raise DataError(
                f"dataset {name!r}: source kind {kind!r} is not supported; "
                "allowed: synthetic, hub, release"
            )
        extra = {"split": split} if split else {}
        write_manifest(tmp, name, spec["schema"], provenance, **extra)


def prepare_translated(
    name: str,
    spec: dict,
    out_dir: Path,
    source_dir: str,
    shards: dict[str, str] | None = None,
    split: str = "",
) -> dict:
    """A machine-translated split: the source's English split as it is, plus each language's
    shard filtered by round-trip chrF; any other split (dev: English selection) is the source's,
    copied. `source_dir` is the source's folder of that split (paths.DATA). The kept fraction
    and chrF distribution per language go into the manifest."""
    from xstilts.data.translate import filter_shard
    from xstilts.io import read_jsonl

    source = spec["source"]
    translated = source.get("split", "train")
    (out_dir / "en").mkdir(parents=True, exist_ok=True)
    provenance = {"kind": "translate", "from": source["from"], "split": translated}
    if split and split != translated:  # English, unchanged
        _write_records(read_rows(source_dir, "en", split), out_dir / "en" / f"{split}.parquet")
        return {**provenance, "copied": split, "source_manifest": read_manifest(source_dir)}
    whole, split = not split, translated
    english = read_rows(source_dir, "en", split)
    _write_records(english, out_dir / "en" / f"{split}.parquet")
    for path in sorted(Path(source_dir).glob("en/*.parquet")) if whole else ():
        if path.stem != split:  # the whole dataset in one folder: its other splits, copied
            _write_records(read_rows(source_dir, "en", path.stem), out_dir / "en" / path.name)
    stats = {}
    for lang, shard in (shards or {}).items():
        kept, stats[lang] = filter_shard(read_jsonl(shard), source.get("min_chrf", 0.0))
        if not kept:
            raise DataError(
                f"dataset {name!r}: no {lang} translation reaches min_chrf {source.get('min_chrf')}"
                f" (mean chrF {stats[lang]['chrf_mean']:.1f}); lower the threshold or check the"
                f" translator"
            )
        (out_dir / lang).mkdir(parents=True, exist_ok=True)
        _write_records(kept, out_dir / lang / f"{split}.parquet")
    return {
        **provenance,
        "translator": source["translator"],
        "min_chrf": source.get("min_chrf", 0.0),
        "chrf_filter": stats,
        "source_manifest": read_manifest(source_dir),
    }
