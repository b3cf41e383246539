"""The normalised on-disk form of a dataset, and reading it back.

Layout: {data_dir}/{lang}/{split}.parquet, plus {split}.candidates.parquet for retrieval
evaluation splits, plus manifest.json (source, revision, checksums). Every source ends in this
form (xstilts.data.prepare writes it) and every later step reads it through `load_split` or
`read_rows`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

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
