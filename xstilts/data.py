"""Getting datasets into one normalised on-disk form, and reading them back.

Layout: {data_dir}/{lang}/{split}.parquet, plus {split}.candidates.parquet for retrieval
evaluation splits, plus manifest.json (source, revision, checksums). Every source (the embedded
generator, the hub, release files, ready parquet) ends in this form, and every later step reads
it through `load_split`, so a source is a writer and nothing else.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Iterable
from pathlib import Path

from xstilts.io import atomic_dir, checksum_tree, write_json

SCHEMA_COLUMNS = {
    "text": ("id", "text"),
    "classification": ("id", "text_a", "text_b", "label"),
    "multiple_choice": ("id", "premise", "question", "choices", "label"),
    "tagging": ("id", "tokens", "tags"),
    "qa": ("id", "title", "context", "question", "answers"),
    "retrieval": ("id", "query"),  # plus `positive` (train) or `gold` (eval)
}


class DataError(ValueError):
    """Missing or malformed data, reported with the file or folder to fix."""


def _write_records(records: list[dict], path: Path) -> None:
    import datasets

    if not records:
        raise DataError(f"no records for {path}")
    datasets.Dataset.from_list(records).to_parquet(str(path))


def check_records(records: list[dict], schema: str, where: str) -> None:
    """Fail early, naming the culprit, when records do not have the schema's columns."""
    required = SCHEMA_COLUMNS[schema]
    for i, record in enumerate(records[:50]):
        missing = [c for c in required if c not in record]
        if missing:
            raise DataError(
                f"{where}: record {i} lacks field(s) {missing}; schema {schema!r} needs {list(required)}"
            )


def prepare_synthetic(
    name: str, out_dir: Path, seed: int, sizes: dict[str, int] | None = None
) -> dict:
    from xstilts import synthetic

    if name not in synthetic.DATASETS:
        raise DataError(
            f"dataset {name!r} is not made by the embedded generator; known: {', '.join(synthetic.DATASETS)}"
        )
    info = synthetic.DATASETS[name]
    size = (sizes or {}).get(name)
    files = []
    for split, langs in info["splits"].items():
        for lang in langs:
            records = synthetic.generate(name, lang, split, seed=seed, size=size)
            check_records(records, info["schema"], f"{name}/{lang}/{split}")
            (out_dir / lang).mkdir(parents=True, exist_ok=True)
            _write_records(records, out_dir / lang / f"{split}.parquet")
            files.append(f"{lang}/{split}.parquet")
            if info["schema"] == "retrieval" and split != "train":
                candidates = synthetic.generate_candidates(name, lang, split, seed=seed, size=size)
                _write_records(candidates, out_dir / lang / f"{split}.candidates.parquet")
    return {
        "kind": "synthetic",
        "generator_seed": seed,
        "size_override": size,
        "labels": info.get("labels"),
    }


def prepare_hub(name: str, source: dict, out_dir: Path, schema: str) -> dict:
    """Download with `datasets.load_dataset(id, config, revision=...)` and normalise.

    source: {kind: hub, id, revision, configs: {lang: config_name}, splits: {our_split: hub_split},
             columns: {hub_column: our_column}}. Runs on the submit host (a localrule)."""
    import datasets

    for key in ("id", "revision"):
        if key not in source:
            raise DataError(f"dataset {name!r}: a hub source needs {key!r} (pin a revision)")
    columns = source.get("columns") or {}
    for lang, config_name in (source.get("configs") or {"en": None}).items():
        for split, hub_split in (source.get("splits") or {"train": "train"}).items():
            ds = datasets.load_dataset(
                source["id"], config_name, split=hub_split, revision=source["revision"]
            )
            if columns:
                ds = ds.rename_columns({k: v for k, v in columns.items() if k in ds.column_names})
            check_records(
                ds.select(range(min(50, len(ds)))).to_list(), schema, f"{name}/{lang}/{split}"
            )
            (out_dir / lang).mkdir(parents=True, exist_ok=True)
            ds.to_parquet(str(out_dir / lang / f"{split}.parquet"))
    return {"kind": "hub", "id": source["id"], "revision": source["revision"]}


def prepare_dataset(name: str, spec: dict, out_dir: str | Path, seed: int = 13, sizes=None) -> None:
    """Write dataset `name` in normalised form into `out_dir` atomically, with a manifest."""
    source = spec.get("source") or {}
    kind = source.get("kind")
    with atomic_dir(out_dir) as tmp:
        if kind == "synthetic":
            provenance = prepare_synthetic(name, tmp, seed, sizes)
        elif kind == "hub":
            provenance = prepare_hub(name, source, tmp, spec["schema"])
        else:
            raise DataError(
                f"dataset {name!r}: source kind {kind!r} is not supported; allowed: synthetic, hub"
            )
        manifest = {
            "dataset": name,
            "schema": spec["schema"],
            "source": provenance,
            "files": checksum_tree(tmp),
            "python": platform.python_version(),
        }
        write_json(tmp / "manifest.json", manifest)


def split_path(data_dir: str | Path, lang: str, split: str, candidates: bool = False) -> Path:
    suffix = ".candidates.parquet" if candidates else ".parquet"
    return Path(data_dir) / lang / f"{split}{suffix}"


def load_split(data_dir: str | Path, lang: str, split: str, candidates: bool = False):
    """Read one normalised split as a `datasets.Dataset`; a clear error names a missing file."""
    import datasets

    path = split_path(data_dir, lang, split, candidates)
    if not path.is_file():
        available = sorted(
            p.relative_to(data_dir).as_posix() for p in Path(data_dir).glob("*/*.parquet")
        )
        raise DataError(
            f"missing data file {path}; this dataset has: {', '.join(available) or 'nothing'}"
        )
    try:
        return datasets.Dataset.from_parquet(str(path), keep_in_memory=True)
    except Exception as err:  # pyarrow raises several types for corrupt files
        raise DataError(f"{path}: cannot be read as parquet ({err}); delete it and rerun") from err


def read_rows(
    data_dir: str | Path,
    lang: str,
    split: str,
    columns: Iterable[str] | None = None,
    candidates: bool = False,
) -> list[dict]:
    """Rows as dicts through pyarrow only (used by scoring, which must stay light)."""
    import pyarrow.parquet as pq

    path = split_path(data_dir, lang, split, candidates)
    if not path.is_file():
        raise DataError(f"missing data file {path}")
    try:
        table = pq.read_table(path, columns=list(columns) if columns else None)
    except Exception as err:
        raise DataError(f"{path}: cannot be read as parquet ({err}); delete it and rerun") from err
    return table.to_pylist()


def read_manifest(data_dir: str | Path) -> dict:
    path = Path(data_dir) / "manifest.json"
    if not path.is_file():
        raise DataError(f"{data_dir}: no manifest.json; the data step did not finish, rerun it")
    return json.loads(path.read_text())
