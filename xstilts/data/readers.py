"""Readers for the original release formats and the hub, into the normalised records.

Two layers, so the hub and release files share everything after parsing:
  rows:    `parse_file` turns one release file into plain dict rows (SQuAD JSON, JSON lines,
           TSV/CSV, CoNLL-U, token-per-line tag columns, plain lines, aligned line pairs);
           `hub_rows` gets the same kind of rows from `datasets.load_dataset`.
  records: a builder (by dataset schema, or a named retrieval builder) maps rows to the
           schema's records (see xstilts.data.store.SCHEMA_COLUMNS), using the source's `fields`.

A source spec (from xstilts/specs/datasets.yaml, overridable in the config) looks like
  {reader: squad_json, files: {test: "xquad.{lang}.json"}, codes: {zh: cmn}, fields: {...}}
for release files under `data.release_root`, or
  {id: google/xquad, revision: <sha>, config: "xquad.{lang}", splits: {test: validation}}
for the hub. Field paths are dotted (`question.stem`) with `[]` mapping over a list
(`question.choices[].text`).
"""

from __future__ import annotations

import csv
import functools
import glob
import json
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any


class ReaderError(ValueError):
    """A release file or hub dataset that does not have the expected form."""


# --- field access ----------------------------------------------------------------------------
def get_field(row: Any, path: str) -> Any:
    """`a.b` walks dicts; `a[].b` maps the rest of the path over the list at `a`;
    `a.0` indexes a list."""
    if "[]" in path:
        head, _, rest = path.partition("[]")
        items = get_field(row, head.rstrip(".")) if head else row
        rest = rest.lstrip(".")
        return [get_field(item, rest) if rest else item for item in items]
    value = row
    for part in path.split("."):
        if isinstance(value, dict):
            if part not in value:
                raise KeyError(part)
            value = value[part]
        elif isinstance(value, list | tuple) and part.lstrip("-").isdigit():
            value = value[int(part)]
        else:
            raise KeyError(part)
    return value


def _field(row: dict, fields: dict, key: str, where: str, default: Any = KeyError) -> Any:
    path = fields.get(key, key)
    try:
        return get_field(row, path)
    except (KeyError, IndexError, TypeError):
        if default is not KeyError:
            return default
        keys = ", ".join(sorted(row)) if isinstance(row, dict) else type(row).__name__
        raise ReaderError(
            f"{where}: no field {path!r} (for {key!r}); the record has: {keys}"
        ) from None


# --- release files -> rows -------------------------------------------------------------------
def _squad_json(path: Path, options: dict) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))["data"]
    except (KeyError, TypeError, json.JSONDecodeError) as err:
        raise ReaderError(
            f"{path}: not SQuAD-style JSON with a top-level 'data' list ({err})"
        ) from None
    if not isinstance(data, list):
        raise ReaderError(f"{path}: 'data' should be a list of articles")
    try:
        return _squad_articles(data)
    except (KeyError, TypeError, ValueError) as err:
        raise ReaderError(
            f"{path}: an article, paragraph or question lacks {err} (SQuAD layout)"
        ) from None


def _squad_articles(data: list) -> list[dict]:
    rows = []
    for a, article in enumerate(data):
        for p, paragraph in enumerate(article["paragraphs"]):
            for qa in paragraph["qas"]:
                answers = qa.get("answers") or []
                rows.append(
                    {
                        "id": str(qa["id"]),
                        "title": article.get("title", ""),
                        "context": paragraph["context"],
                        "question": qa["question"],
                        "answers": {
                            "text": [x["text"] for x in answers],
                            "answer_start": [int(x["answer_start"]) for x in answers],
                        },
                        # XQuAD-R paragraphs carry their sentence segmentation.
                        "paragraph": f"{a}-{p}",
                        "sentences": paragraph.get("sentences"),
                        "sentence_breaks": paragraph.get("sentence_breaks"),
                    }
                )
    return rows


def _jsonl(path: Path, options: dict) -> list[dict]:
    from xstilts.io import read_jsonl

    try:
        return read_jsonl(path)
    except ValueError as err:  # names the file and line
        raise ReaderError(str(err)) from None


def _table(path: Path, options: dict, delimiter: str) -> list[dict]:
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", newline="") as handle:
        # GLUE/XNLI TSVs hold unbalanced quotes: quoting must be off for them.
        quoting = csv.QUOTE_NONE if options.get("quoting", "none") == "none" else csv.QUOTE_MINIMAL
        reader = csv.reader(handle, delimiter=delimiter, quoting=quoting)
        header = options.get("columns") or next(reader, None)
        if header is None:
            raise ReaderError(f"{path}: empty file")
        rows = []
        for n, values in enumerate(reader, 2):
            if not values:
                continue
            if len(values) < len(header):
                if options.get("short_rows") == "skip":
                    continue
                raise ReaderError(
                    f"{path}:{n}: {len(values)} columns, the header has {len(header)}"
                )
            rows.append(dict(zip(header, values, strict=False)))
    return rows


def _conllu(path: Path, options: dict) -> list[dict]:
    """CoNLL-U: `tokens`/`tags` are the syntactic words (multi-word token ranges `1-2` and empty
    nodes `1.1` skipped, so `zum` reads as `zu dem`), tag column UPOS by default. `ud_lines`
    keeps [id, form, upos, head, deps] of every word and range line of a sentence that has a
    multi-word token (empty otherwise): xstilts.data.ud builds XTREME's words from them
    (conventions.ud_tokens). Sentences whose words are all `_` (treebanks released without
    their text) are skipped."""
    from xstilts.data.ud import parse_line

    tag_column = options.get("tag_column", 3)
    rows, tokens, tags, lines, sent_id = [], [], [], [], None
    has_range = False

    def flush():
        if tokens and set(tokens) != {"_"}:
            rows.append(
                {
                    "id": sent_id or f"{path.stem}-{len(rows)}",
                    "tokens": list(tokens),
                    "tags": list(tags),
                    "ud_lines": list(lines) if has_range else [],
                }
            )

    with path.open(encoding="utf-8") as handle:
        for n, line in enumerate(handle, 1):
            line = line.rstrip("\n")
            if line.startswith("#"):
                if line.startswith("# sent_id"):
                    sent_id = line.split("=", 1)[1].strip()
                continue
            if not line.strip():
                flush()
                tokens, tags, lines, sent_id, has_range = [], [], [], None, False
                continue
            cols = line.split("\t")
            if len(cols) != 10:
                raise ReaderError(
                    f"{path}:{n}: a CoNLL-U word line has 10 tab-separated columns, found {len(cols)}"
                )
            if "." in cols[0]:
                continue
            lines.append(parse_line(cols, tag_column))
            if "-" in cols[0]:
                has_range = True
                continue
            tokens.append(cols[1])
            tags.append(cols[tag_column])
    flush()
    return rows


def _columns(path: Path, options: dict) -> list[dict]:
    """One token per line, blank lines between sentences (WikiANN, UNER IOB2, CCG).
    `token_column`/`tag_column` pick the columns; `strip_language_prefix` drops WikiANN's
    `en:` token prefix."""
    token_column = options.get("token_column", 0)
    tag_column = options.get("tag_column", -1)
    prefix = re.compile(r"^[a-z]{2,3}:") if options.get("strip_language_prefix") else None
    rows, tokens, tags = [], [], []

    def flush():
        if tokens:
            rows.append(
                {"id": f"{path.name}-{len(rows)}", "tokens": list(tokens), "tags": list(tags)}
            )
        tokens.clear()
        tags.clear()

    with path.open(encoding="utf-8") as handle:
        for n, line in enumerate(handle, 1):
            line = line.rstrip("\n")
            if line.startswith("# ") or line == "#":
                continue
            if not line.strip():
                flush()
                continue
            cols = line.split("\t") if "\t" in line else line.split()
            try:
                token, tag = cols[token_column], cols[tag_column]
            except IndexError:
                raise ReaderError(
                    f"{path}:{n}: expected token and tag columns, got {line!r}"
                ) from None
            tokens.append(prefix.sub("", token, count=1) if prefix else token)
            tags.append(tag)
    flush()
    return rows


def _lines(path: Path, options: dict) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [{"text": line.rstrip("\n")} for line in handle if line.strip()]


FILE_READERS: dict[str, Callable[[Path, dict], list[dict]]] = {
    "squad_json": _squad_json,
    "jsonl": _jsonl,
    "tsv": lambda path, options: _table(path, options, "\t"),
    "csv": lambda path, options: _table(path, options, ","),
    "conllu": _conllu,
    "columns": _columns,
    "lines": _lines,
}


def _aligned_lines(paths: list[Path]) -> list[dict]:
    """Tatoeba-style line-aligned files: line i of each file is one pair."""
    if len(paths) != 2:
        raise ReaderError(f"aligned lines need two files, got {[str(p) for p in paths]}")
    texts = [p.read_text(encoding="utf-8").rstrip("\n").split("\n") for p in paths]
    if len(texts[0]) != len(texts[1]):
        raise ReaderError(
            f"{paths[0]} has {len(texts[0])} lines but {paths[1]} has {len(texts[1])}: not aligned"
        )
    return [{"source": a, "target": b} for a, b in zip(*texts, strict=True)]


def release_files(source: dict, root: Path, split: str, lang: str) -> list[Path]:
    """The release files of one (split, language), or a ReaderError naming what to provide."""
    patterns = (source.get("files") or {}).get(split)
    if patterns is None:
        raise ReaderError(f"the release source has no files for split {split!r}")
    code = (source.get("codes") or {}).get(lang, lang)
    patterns = [patterns] if isinstance(patterns, str) else list(patterns)
    found: list[Path] = []
    missing = []
    for pattern in patterns:
        name = pattern.format(lang=lang, code=code)
        matches = sorted(glob.glob(str(root / name)))
        if not matches:
            missing.append(str(root / name))
        found += [Path(m) for m in matches]
    if missing:
        raise ReaderError("missing release file(s): " + ", ".join(missing))
    return found


def for_language(source: dict, lang: str) -> list[dict]:
    """The source as it applies to one language: `overrides: {lang: {...}}` merged over it
    (UD v2.7 languages come from another release), split into its `parts` if it has any
    (ANLI's training data is ANLI + SNLI + MNLI)."""
    merged = {k: v for k, v in source.items() if k != "overrides"}
    merged.update((source.get("overrides") or {}).get(lang) or {})
    parts = merged.pop("parts", None)
    return [{**merged, **part} for part in parts] if parts else [merged]


def release_parts(source: dict, root: Path, split: str, lang: str):
    """[(part source, rows)] and the files read: each part keeps its own fields and label
    maps (ANLI's parts are three datasets with three layouts)."""
    parts, files = [], []
    for part in for_language(source, lang):
        if split not in (part.get("files") or {}):
            continue  # a part may serve only some splits (ANLI dev is ANLI's own)
        part_rows, part_files = _release_part_rows(part, root, split, lang)
        parts.append((part, part_rows))
        files += part_files
    if not files:
        raise ReaderError(f"the release source has no files for split {split!r}")
    return parts, files


def release_rows(source: dict, root: Path, split: str, lang: str) -> tuple[list[dict], list[Path]]:
    parts, files = release_parts(source, root, split, lang)
    return [row for _, rows in parts for row in rows], files


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=2)
def _read_file(reader: str, path: Path, stamp: tuple, options: str) -> list[dict]:
    """One release file parsed once, though several languages read it (XNLI's TSV and
    Mewsli-X's mention file hold every language); `stamp` (mtime, size) keys out a changed
    file. Callers must not change the rows."""
    return FILE_READERS[reader](path, json.loads(options))


def _release_part_rows(source: dict, root: Path, split: str, lang: str):
    reader = source.get("reader")
    files = release_files(source, root, split, lang)
    options = source.get("options") or {}
    if reader == "aligned_lines":
        rows = _aligned_lines(files)
    elif reader in FILE_READERS:
        rows = [
            row
            for path in files
            for row in _read_file(reader, path, _stamp(path), json.dumps(options))
        ]
    else:
        raise ReaderError(
            f"unknown reader {reader!r}; known: {', '.join([*FILE_READERS, 'aligned_lines'])}"
        )
    labels_file = (source.get("label_files") or {}).get(split)
    if labels_file:  # Social IQa keeps its labels in a separate line file
        path = root / labels_file.format(lang=lang)
        if not path.is_file():
            raise ReaderError(f"missing release file: {path}")
        values = path.read_text(encoding="utf-8").split()
        if len(values) != len(rows):
            raise ReaderError(f"{path}: {len(values)} labels for {len(rows)} records")
        rows = [{**row, "label": value} for row, value in zip(rows, values, strict=True)]
        files.append(path)
    rows = _filter(rows, source, lang)
    return rows, files


def _filter(rows: list[dict], source: dict, lang: str) -> list[dict]:
    """Keep rows whose fields fully match the given patterns (`{lang}`/`{code}` substituted):
    XNLI's all-language TSV, Mewsli-X mention files, TyDiQA ids prefixed by language."""
    conditions = source.get("filter") or {}
    if not conditions:
        return rows
    code = (source.get("codes") or {}).get(lang, lang)
    wanted = {k: str(v).format(lang=lang, code=code) for k, v in conditions.items()}
    compiled = {k: re.compile(v) for k, v in wanted.items()}
    return [r for r in rows if all(p.fullmatch(str(get_field(r, k))) for k, p in compiled.items())]


# --- hub -> rows ---------------------------------------------------------------------------
COMMIT = re.compile(r"[0-9a-f]{40}")


def pinned_revision(source: dict) -> str | None:
    """The commit a hub id is pinned to (the config's `data.hub_revisions`, passed in as
    `pins`, over the registry's `revision`); an unpinned id is refused unless
    `allow_unpinned` (tests) or the id is a local folder laid out like a hub repository."""
    revision = (source.get("pins") or {}).get(source["id"], source.get("revision"))
    if revision and COMMIT.fullmatch(revision):
        return revision
    if source.get("allow_unpinned") or Path(source["id"]).is_dir():
        return revision
    raise ReaderError(
        f"hub id {source['id']!r} is not pinned to a commit (revision {revision!r}): add it to "
        "data.hub_revisions, e.g. with `python scripts/pin_revisions.py <config>` where the "
        "internet is"
    )


def hub_parts(source: dict, split: str, lang: str, used: dict | None = None):
    """[(part source, rows)] from `datasets.load_dataset(id, config, split, revision)`, class
    labels as names. `id` may also be a local folder laid out like a hub dataset repository.
    The revisions used are added to `used` ({id: revision})."""
    parts = []
    for part in for_language(source, lang):
        hub_split = (part.get("splits") or {}).get(split, split)
        if hub_split is None:
            continue
        revision = pinned_revision(part)
        if used is not None:
            used[part["id"]] = revision
        rows = []
        for one in [hub_split] if isinstance(hub_split, str) else hub_split:
            rows += _hub_part_rows({**part, "revision": revision}, one, lang)
        parts.append((part, rows))
    return parts


def hub_rows(source: dict, split: str, lang: str, used: dict | None = None) -> list[dict]:
    return [row for _, rows in hub_parts(source, split, lang, used) for row in rows]


def _hub_part_rows(source: dict, hub_split: str, lang: str) -> list[dict]:
    import datasets

    code = (source.get("codes") or {}).get(lang, lang)
    config = source.get("config")
    config = config.format(lang=lang, code=code) if config else None
    try:
        ds = datasets.load_dataset(
            source["id"], config, split=hub_split, revision=source.get("revision")
        )
    except Exception as err:
        raise ReaderError(
            f"hub dataset {source['id']} (config {config}, split {hub_split}, revision "
            f"{source.get('revision')}) could not be loaded: {err}"
        ) from err
    rows = ds.to_list()
    for name, feature in ds.features.items():
        inner = getattr(feature, "feature", None)  # List / Sequence of class labels
        if isinstance(feature, datasets.ClassLabel):
            for row in rows:
                row[name] = feature.int2str(row[name]) if row[name] >= 0 else None
        elif isinstance(inner, datasets.ClassLabel):
            for row in rows:
                row[name] = [inner.int2str(v) for v in row[name]]
    return _filter(rows, source, lang)


# --- rows -> records ---------------------------------------------------------------------------
def _label(value: Any, source: dict, labels: list[str] | None, where: str) -> int | None:
    """A class label as an index into the dataset's `labels`; None for skipped labels."""
    label_map = source.get("label_map") or {}
    value = label_map.get(value, label_map.get(str(value), value))
    if value is None or str(value) in map(str, source.get("skip_labels") or ()):
        return None
    if labels is None:
        return int(value) - int(source.get("label_offset", 0))
    if isinstance(value, int) and not isinstance(value, bool) and value not in labels:
        return value - int(source.get("label_offset", 0))
    if value not in labels:
        raise ReaderError(f"{where}: label {value!r} is not one of {labels} (add a label_map?)")
    return labels.index(value)


def build_classification(rows, source, labels, where):
    fields = source.get("fields") or {}
    records = []
    for i, row in enumerate(rows):
        label = _label(_field(row, fields, "label", where), source, labels, where)
        if label is None:
            continue
        text_b = _field(row, fields, "text_b", where, default=None) if "text_b" in fields else None
        records.append(
            {
                "id": str(_field(row, fields, "id", where, default=i)),
                "text_a": str(_field(row, fields, "text_a", where)),
                "text_b": None if text_b is None else str(text_b),
                "label": label,
            }
        )
    return records


def build_multiple_choice(rows, source, labels, where):
    fields = source.get("fields") or {}
    choices_spec = fields.get("choices", "choices")
    records = []
    for i, row in enumerate(rows):
        if isinstance(choices_spec, list):  # one field per choice (COPA, SIQA, Cosmos QA)
            choices = [str(get_field(row, f)) for f in choices_spec]
        else:
            choices = [str(c) for c in _field(row, fields, "choices", where)]
        question = (
            source["question"]
            if "question" in source
            else _field(row, fields, "question", where, "")
        )
        label = _label(_field(row, fields, "label", where), source, None, where)
        if label is None:
            continue
        if not 0 <= label < len(choices):
            raise ReaderError(
                f"{where}: record {i}: label {label} out of range for {len(choices)} choices"
            )
        records.append(
            {
                "id": str(_field(row, fields, "id", where, default=i)),
                "premise": str(_field(row, fields, "premise", where)),
                "question": str(question),
                "choices": choices,
                "label": label,
            }
        )
    return records


def build_tagging(rows, source, labels, where):
    fields = source.get("fields") or {}
    records = []
    for i, row in enumerate(rows):
        tokens = list(_field(row, fields, "tokens", where))
        tags = [str(t) for t in _field(row, fields, "tags", where)]
        if len(tokens) != len(tags):
            raise ReaderError(f"{where}: record {i} has {len(tokens)} tokens but {len(tags)} tags")
        if labels is not None:
            unknown = sorted(set(tags) - set(labels))
            if unknown:
                raise ReaderError(f"{where}: record {i} has tag(s) {unknown} outside {labels}")
        records.append(
            {"id": str(_field(row, fields, "id", where, default=i)), "tokens": tokens, "tags": tags}
        )
    return records


def build_qa(rows, source, labels, where):
    fields = source.get("fields") or {}
    records = []
    for i, row in enumerate(rows):
        answers = _field(row, fields, "answers", where)
        if isinstance(answers, list):  # SQuAD JSON answer objects
            answers = {
                "text": [a["text"] for a in answers],
                "answer_start": [int(a["answer_start"]) for a in answers],
            }
        context = str(_field(row, fields, "context", where))
        for text, start in zip(answers["text"], answers["answer_start"], strict=True):
            if context[start : start + len(text)] != text:
                raise ReaderError(
                    f"{where}: record {i}: answer {text!r} is not at offset {start} of its context"
                )
        records.append(
            {
                "id": str(_field(row, fields, "id", where, default=i)),
                "title": str(_field(row, fields, "title", where, default="")),
                "context": context,
                "question": str(_field(row, fields, "question", where)),
                "answers": {
                    "text": list(answers["text"]),
                    "answer_start": list(answers["answer_start"]),
                },
            }
        )
    return records


def build_text(rows, source, labels, where):
    fields = source.get("fields") or {}
    return [
        {"id": f"{where}-{i}", "text": str(_field(row, fields, "text", where))}
        for i, row in enumerate(rows)
        if str(_field(row, fields, "text", where)).strip()
    ]


def build_pairs(rows, source, labels, where):
    """Retrieval training pairs (query, positive)."""
    fields = source.get("fields") or {}
    return [
        {
            "id": str(_field(row, fields, "id", where, default=i)),
            "query": str(_field(row, fields, "query", where)),
            "positive": str(_field(row, fields, "positive", where)),
        }
        for i, row in enumerate(rows)
    ]


RECORD_BUILDERS = {
    "classification": build_classification,
    "multiple_choice": build_multiple_choice,
    "tagging": build_tagging,
    "qa": build_qa,
    "text": build_text,
    "retrieval": build_pairs,
}


# --- retrieval builders over all languages of a split ----------------------------------------
# Each returns {lang: (query records, candidate records)}; gold lists candidate ids.
def sentence_of(breaks: list, offset: int) -> int:
    for i, (start, end) in enumerate(breaks):
        if start <= offset < end or (i == len(breaks) - 1 and offset >= start):
            return i
    raise ReaderError(f"answer offset {offset} is outside every sentence {breaks}")


def build_bitext(rows_by_lang: dict[str, list[dict]], source: dict) -> dict:
    """Tatoeba: query = sentence in the language, candidates = the English side."""
    fields = source.get("fields") or {}
    out = {}
    for lang, rows in rows_by_lang.items():
        where = f"{lang}"
        queries, candidates = [], []
        for i, row in enumerate(rows):
            pair_id = f"{lang}-{i:05d}"
            queries.append(
                {
                    "id": pair_id,
                    "query": str(_field(row, fields, "source", where)),
                    "gold": [pair_id],
                }
            )
            candidates.append({"id": pair_id, "text": str(_field(row, fields, "target", where))})
        out[lang] = (queries, candidates)
    return out


def _official_inputs(function, *args):
    """Call an official-input builder (xstilts.data.retrieval_inputs), its errors as ReaderError."""
    from xstilts.data import retrieval_inputs

    try:
        return function(*args)
    except retrieval_inputs.RetrievalInputError as err:
        raise ReaderError(str(err)) from None


def _xquad_r_official(rows_by_lang: dict[str, list[dict]]) -> dict:
    """LAReQA as the official evaluation builds it (xstilts.data.retrieval_inputs): candidates
    are each paragraph's sentences followed by the paragraph; gold are the sentences equal to
    the answer sentence in every language; questions without an answer sentence are skipped."""
    from xstilts.data import retrieval_inputs as ri

    candidates_by_lang: dict[str, list[dict]] = {}
    gold: dict[str, list[str]] = {}  # question id -> candidate ids, every language
    for lang, rows in rows_by_lang.items():
        seen: dict[str, list[str]] = {}  # paragraph -> its sentences
        candidates: list[dict] = []
        for row in rows:
            if row.get("sentence_breaks") is None:
                raise ReaderError(f"{lang}: XQuAD-R paragraphs need 'sentence_breaks'")
            para, context = row["paragraph"], row["context"]
            if para not in seen:
                seen[para] = [context[a:b] for a, b in row["sentence_breaks"]]
                candidates += [
                    {"id": f"{lang}-{para}-{s}", "text": ri.lareqa_candidate(text, context)}
                    for s, text in enumerate(seen[para])
                ]
            s = ri.answer_sentence(row["sentence_breaks"], row["answers"]["answer_start"][0])
            if s is None:
                continue  # skipped by the official code as well (a sentence-breaking error)
            answer = seen[para][s]
            gold.setdefault(row["id"], []).extend(
                f"{lang}-{para}-{i}" for i, text in enumerate(seen[para]) if text == answer
            )
        candidates_by_lang[lang] = candidates
    out = {}
    for lang, rows in rows_by_lang.items():
        queries = [
            {"id": f"{lang}-{row['id']}", "query": row["question"], "gold": sorted(gold[row["id"]])}
            for row in rows
            if ri.answer_sentence(row["sentence_breaks"], row["answers"]["answer_start"][0])
            is not None
        ]
        out[lang] = (queries, candidates_by_lang[lang])
    return out


def build_xquad_r(rows_by_lang: dict[str, list[dict]], source: dict) -> dict:
    """LAReQA (XQuAD-R): candidates are every language's sentences; a question's gold answers
    are the answer sentence in each language (11 with all languages). The candidates' text
    follows conventions.retrieval_inputs (official: sentence + paragraph)."""
    from xstilts.data import retrieval_inputs

    if _official_inputs(retrieval_inputs.mode, source) == "official":
        return _xquad_r_official(rows_by_lang)
    answer_sentence: dict[str, dict[str, str]] = {}  # question id -> lang -> candidate id
    candidates_by_lang: dict[str, list[dict]] = {}
    for lang, rows in rows_by_lang.items():
        seen: dict[str, None] = {}
        candidates = []
        for row in rows:
            if row.get("sentences") is None or row.get("sentence_breaks") is None:
                raise ReaderError(
                    f"{lang}: XQuAD-R paragraphs need 'sentences' and 'sentence_breaks'"
                )
            para = row["paragraph"]
            if para not in seen:
                seen[para] = None
                candidates += [
                    {"id": f"{lang}-{para}-{s}", "text": text}
                    for s, text in enumerate(row["sentences"])
                ]
            start = row["answers"]["answer_start"][0]
            s = sentence_of(row["sentence_breaks"], start)
            answer_sentence.setdefault(row["id"], {})[lang] = f"{lang}-{para}-{s}"
        candidates_by_lang[lang] = candidates
    out = {}
    for lang, rows in rows_by_lang.items():
        queries = [
            {
                "id": f"{lang}-{row['id']}",
                "query": row["question"],
                "gold": sorted(answer_sentence[row["id"]].values()),
            }
            for row in rows
        ]
        out[lang] = (queries, candidates_by_lang[lang])
    return out


def mention_query(context: dict, mention: dict, window: int = 0) -> str:
    """The mention marked with brackets inside its sentence (the sentence holding it, plus
    `window` sentences each side)."""
    text = context["text"]
    span = mention["mention_span"]
    start, end = span["start"], span["end"]
    breaks = [(s["start"], s["end"]) for s in context.get("sentence_spans") or []] or [
        (0, len(text))
    ]
    focus = sentence_of(breaks, start)
    lo = breaks[max(0, focus - window)][0]
    hi = breaks[min(len(breaks) - 1, focus + window)][1]
    hi = max(hi, end)
    return (text[lo:start] + "[" + text[start:end] + "]" + text[end:hi]).strip()


def entity_text(entity: dict) -> str:
    return f"{entity['title']}. {entity['description']}".strip()


def build_mewsli_eval(
    rows_by_lang: dict[str, list[dict]], source: dict, entities: list[dict]
) -> dict:
    """Mewsli-X: WikiNews mentions (ContextualMentions lines) against the shared candidate set;
    query and entity texts as conventions.retrieval_inputs says."""
    query, entity = _mewsli_texts(source)
    candidates = [{"id": e["entity_id"], "text": entity(e)} for e in entities]
    known = {c["id"] for c in candidates}
    out = {}
    for i, (lang, rows) in enumerate(sorted(rows_by_lang.items())):
        queries = []
        for row in rows:
            for mention in row["mentions"]:
                if mention["entity_id"] not in known:
                    raise ReaderError(
                        f"{lang}: mention {mention['example_id']} links {mention['entity_id']}, absent from the candidate set"
                    )
                queries.append(
                    {
                        "id": mention["example_id"],
                        "query": query(row["context"], mention),
                        "gold": [mention["entity_id"]],
                    }
                )
        # The candidate set is stored (and tokenised and embedded) once: with the first language.
        out[lang] = (queries, candidates if i == 0 else None)
    return out


def _mewsli_texts(source: dict):
    """(query(context, mention), entity(entity)) builders for conventions.retrieval_inputs:
    official (xstilts.data.retrieval_inputs) or plain (bracketed mention with
    `options.context_sentences` sentences each side; `title. description`)."""
    from xstilts.data import retrieval_inputs as ri

    if _official_inputs(ri.mode, source) == "official":
        return (
            lambda context, mention: _official_inputs(ri.mention_query, context, mention),
            ri.entity_text,
        )
    window = int((source.get("options") or {}).get("context_sentences", 0))
    return (lambda context, mention: mention_query(context, mention, window), entity_text)


def mewsli_pairs(rows: list[dict], source: dict) -> list[dict]:
    """Mewsli-X English Wikipedia training pairs (MentionEntityPair lines)."""
    query, entity = _mewsli_texts(source)
    return [
        {
            "id": row["contextual_mention"]["mention"]["example_id"],
            "query": query(
                row["contextual_mention"]["context"], row["contextual_mention"]["mention"]
            ),
            "positive": entity(row["entity"]),
        }
        for row in rows
    ]


def squad_sentence_pairs(rows: list[dict], source: dict) -> list[dict]:
    """LAReQA's dual-encoder training data from SQuAD v1.1: (question, answer sentence), with
    the paragraph as `positive_context` (encoded as the pair sentence, paragraph) under
    conventions.retrieval_inputs official. SQuAD has no sentence breaks; split after . ! ?
    followed by white space (the official code uses its own sentence breaker, sb_sed.py)."""
    from xstilts.data import retrieval_inputs

    with_context = _official_inputs(retrieval_inputs.mode, source) == "official"
    pairs = []
    for row in rows:
        context = row["context"]
        breaks, start = [], 0
        for match in re.finditer(r"(?<=[.!?])\s+", context):
            breaks.append((start, match.start()))
            start = match.end()
        breaks.append((start, len(context)))
        answer = (
            row["answers"]["answer_start"][0]
            if isinstance(row["answers"], dict)
            else row["answers"][0]["answer_start"]
        )
        s = sentence_of(breaks, int(answer))
        pair = {
            "id": row["id"],
            "query": row["question"],
            "positive": context[breaks[s][0] : breaks[s][1]],
        }
        pairs.append({**pair, "positive_context": context} if with_context else pair)
    return pairs


ROW_TRANSFORMS = {"mewsli_pairs": mewsli_pairs, "squad_sentence_pairs": squad_sentence_pairs}
CROSS_LANGUAGE_BUILDERS = {
    "bitext": build_bitext,
    "xquad_r": build_xquad_r,
    "mewsli": build_mewsli_eval,
}


def unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
