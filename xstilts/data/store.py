"""The normalised on-disk form of a dataset, and reading it back.

Layout: {data_dir}/{lang}/{split}.parquet, plus {split}.candidates.parquet for retrieval
evaluation splits, plus manifest.json (source, revision, checksums). The workflow's data folders
(xstilts.paths.DATA) hold one split each; a folder may also hold a whole dataset. Every source
ends in this form (xstilts.data.prepare writes it) and every later step reads it through
`load_split` or `read_rows`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from xstilts.io import IntegrityError, regenerate_advice, verify_files

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


def write_manifest(data_dir: str | Path, dataset: str, schema: str, source: dict, **extra) -> None:
    """manifest.json of a normalised dataset: where it came from, plus the size and sha256
    of every file written (checked by every step that reads one: `verified_file`)."""
    import platform

    from xstilts.io import tree_record, write_json

    manifest = {
        "dataset": dataset,
        "schema": schema,
        "source": source,
        **tree_record(data_dir, exclude=("manifest.json",)),
        "python": platform.python_version(),
        **extra,
    }
    write_json(Path(data_dir) / "manifest.json", manifest)


def split_path(data_dir: str | Path, lang: str, split: str, candidates: bool = False) -> Path:
    suffix = ".candidates.parquet" if candidates else ".parquet"
    return Path(data_dir) / lang / f"{split}{suffix}"


def _missing(data_dir: str | Path, path: Path) -> DataError:
    available = sorted(
        p.relative_to(data_dir).as_posix() for p in Path(data_dir).glob("*/*.parquet")
    )
    return DataError(
        f"missing data file {path}; this dataset has: {', '.join(available) or 'nothing'}"
    )


def verified_file(
    data_dir: str | Path, lang: str, split: str, candidates: bool = False
) -> tuple[Path, str]:
    """(path, sha256 read) of one split file, checked against the size and hash that the data
    step recorded in manifest.json; a changed or damaged file raises, naming it and how to
    regenerate the dataset."""
    path = split_path(data_dir, lang, split, candidates)
    if not path.is_file():
        raise _missing(data_dir, path)
    manifest = read_manifest(data_dir)
    rel = path.relative_to(data_dir).as_posix()
    try:
        digest = verify_files(
            data_dir,
            manifest.get("files") or {},
            manifest.get("bytes"),
            regenerate_advice(data_dir),
            only=rel,
        )[rel]
    except IntegrityError as err:
        raise DataError(str(err)) from None
    return path, digest


def load_split(data_dir: str | Path, lang: str, split: str, candidates: bool = False):
    """Read one normalised split (verified) as a `datasets.Dataset`."""
    import datasets

    path, _ = verified_file(data_dir, lang, split, candidates)
    try:
        return datasets.Dataset.from_parquet(str(path), keep_in_memory=True)
    except Exception as err:  # pyarrow raises several types for corrupt files
        raise DataError(
            f"{path}: cannot be read as parquet ({err}). {regenerate_advice(data_dir)}"
        ) from err


def read_rows(
    data_dir: str | Path,
    lang: str,
    split: str,
    columns: Iterable[str] | None = None,
    candidates: bool = False,
) -> list[dict]:
    """Rows (verified) as dicts through pyarrow only (used by scoring, which must stay light)."""
    import pyarrow.parquet as pq

    path, _ = verified_file(data_dir, lang, split, candidates)
    try:
        table = pq.read_table(path, columns=list(columns) if columns else None)
    except Exception as err:
        raise DataError(
            f"{path}: cannot be read as parquet ({err}). {regenerate_advice(data_dir)}"
        ) from err
    return table.to_pylist()


def read_manifest(data_dir: str | Path) -> dict:
    path = Path(data_dir) / "manifest.json"
    if not path.is_file():
        raise DataError(
            f"{data_dir}: no manifest.json, so its files cannot be checked: the data step did not "
            f"finish or the folder was not made by it. {regenerate_advice(data_dir)}"
        )
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise DataError(f"{path}: not valid JSON ({err}). {regenerate_advice(data_dir)}") from None
