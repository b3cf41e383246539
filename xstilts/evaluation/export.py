"""Predictions and gold labels in the official XTREME-R prediction-folder layout, so that the
official `evaluate.py --xtreme_version xtreme-r` runs on them unchanged.

Layout and formats follow google-research/xtreme `evaluate.py` and `mock_test_data/` at
da430dd06cc7344ceb2e7cb030219656ebf0606a (`predictions/<task>/test-<lang>.<ext>` beside
`labels/<task>/test-<lang>.<ext>`; the script walks both folders):

- xnli (`read_label`): one label per line (entailment / neutral / contradiction).
- xcopa (`read_xcopa`): JSON lines, the chosen answer in `label` (0 or 1).
- udpos, panx (`read_tag`): one tag per line, a blank line after each sentence.
- xquad, mlqa, tydiqa (`read_squad`): predictions {question id: answer text}; labels SQuAD v1.1
  JSON ({"version": "1.1", "data": [articles]}) as evaluate_squad / evaluate_mlqa read them.
- mewslix (`read_squad`): {example id: [top-20 entity ids]}; labels {example id: [gold id]}.
- tatoeba (`read_label`): one line per English sentence, in the order XTREME's preprocessing
  sorts them (utils_preprocess.py `tatoeba_preprocess`: by text), holding the index of the
  retrieved sentence in the other language's file; labels the index of its translation.
  English searches the other language, as the official code does (`retrieval.<task>.direction`
  en-xx or both).

LAReQA has no official prediction format (evaluate.py lists no language for it, and a `lareqa`
folder would stop its overall score): its rankings go to `extra/lareqa/` in the Mewsli-X format.
`manifest.json` records, per task and language, the project's own scores for the metrics
evaluate.py computes (from the score files) and the checksums of every file written.
"""

from __future__ import annotations

import json
from pathlib import Path

from xstilts.data.store import read_rows
from xstilts.io import read_json, read_jsonl, sha256_file, write_json, write_text

# benchmark task -> (file extension, writer kind)
OFFICIAL_TASKS: dict[str, tuple[str, str]] = {
    "xnli": ("tsv", "label"),
    "xcopa": ("jsonl", "choice"),
    "udpos": ("tsv", "tags"),
    "panx": ("tsv", "tags"),
    "xquad": ("json", "squad"),
    "mlqa": ("json", "squad"),
    "tydiqa": ("json", "squad"),
    "mewslix": ("json", "ranking"),
    "tatoeba": ("tsv", "bitext"),
}
EXTRA_TASKS: dict[str, tuple[str, str]] = {"lareqa": ("json", "ranking")}
# The numbers evaluate.py reports per task (its `score` keys), as the score files name them.
OFFICIAL_METRICS = {
    "label": ("accuracy",),
    "choice": ("accuracy",),
    "tags": ("f1", "precision", "recall"),
    "squad": ("exact_match", "f1"),
    "ranking": ("map@20",),
    "bitext": ("accuracy",),
}


class ExportError(ValueError):
    """Predictions that cannot be written in the official format, named by file and example."""


def official_task(spec) -> tuple[str, str, str, bool]:
    """(benchmark name, extension, kind, official?) of a target task."""
    name = spec.benchmark_name
    if name in OFFICIAL_TASKS:
        return (name, *OFFICIAL_TASKS[name], True)
    if name in EXTRA_TASKS:
        return (name, *EXTRA_TASKS[name], False)
    raise ExportError(f"{spec.name}: no XTREME-R prediction format for task {name!r}")


def _by_id(predictions: list[dict], path: str, direction: str = "xx-en") -> dict:
    return {
        row["id"]: row["prediction"]
        for row in predictions
        if row.get("direction", "xx-en") == direction
    }


def _require(predicted: dict, ids: list[str], path: str) -> None:
    missing = [i for i in ids if i not in predicted]
    if missing:
        raise ExportError(
            f"{path}: no prediction for {len(missing)} of {len(ids)} examples (first: "
            f"{missing[0]!r}); the official format needs every example: rerun its predict job"
        )


def _lines(values) -> str:
    return "".join(f"{v}\n" for v in values)


def _tags(sentences: list[list[str]]) -> str:
    return "".join("".join(f"{t}\n" for t in tags) + "\n" for tags in sentences)


def _squad(rows: list[dict]) -> dict:
    """SQuAD v1.1 JSON: articles by title, paragraphs by context, in the data's order."""
    articles: dict[str, dict] = {}
    for r in rows:
        article = articles.setdefault(r["title"], {"title": r["title"], "paragraphs": []})
        paragraphs = article["paragraphs"]
        if not paragraphs or paragraphs[-1]["context"] != r["context"]:
            paragraphs.append({"context": r["context"], "qas": []})
        answers = r["answers"]
        paragraphs[-1]["qas"].append(
            {
                "id": r["id"],
                "question": r["question"],
                "answers": [
                    {"text": t, "answer_start": int(s)}
                    for t, s in zip(answers["text"], answers["answer_start"], strict=True)
                ],
            }
        )
    return {"version": "1.1", "data": list(articles.values())}


def _bitext(queries, candidates, predictions, path) -> tuple[list[int], list[int]]:
    """Tatoeba: (predicted, gold) index lines, one per English sentence sorted by text."""
    reverse = _by_id(predictions, path, direction="en-xx")
    if not reverse:
        raise ExportError(
            f"{path}: the official Tatoeba format needs English sentences searching the other "
            "language (retrieval.<task>.direction: en-xx or both); these predictions go the "
            "other way"
        )
    position = {q["id"]: i for i, q in enumerate(queries)}
    translation = {g: i for i, q in enumerate(queries) for g in reversed(list(q["gold"]))}
    _require(reverse, [c["id"] for c in candidates], path)
    order = sorted(range(len(candidates)), key=lambda i: candidates[i]["text"].strip())
    predicted, gold = [], []
    for i in order:
        ranked = reverse[candidates[i]["id"]]
        if not ranked:
            raise ExportError(f"{path}: English sentence {candidates[i]['id']} retrieved nothing")
        predicted.append(position[ranked[0]])
        gold.append(translation[candidates[i]["id"]])
    return predicted, gold


def task_files(spec, kind: str, data_dir, split: str, lang: str, predictions, path):
    """(prediction file text, label file text) of one language of a task."""
    if kind == "label":
        gold = read_rows(data_dir, lang, split, ["id", "label"])
        predicted = _by_id(predictions, path)
        _require(predicted, [r["id"] for r in gold], path)
        return (
            _lines(predicted[r["id"]] for r in gold),
            _lines(spec.labels[r["label"]] for r in gold),
        )
    if kind == "choice":
        gold = read_rows(data_dir, lang, split)
        predicted = _by_id(predictions, path)
        _require(predicted, [r["id"] for r in gold], path)
        pred = [json.dumps({"idx": r["id"], "label": int(predicted[r["id"]])}) for r in gold]
        labels = [
            json.dumps(
                {
                    "idx": r["id"],
                    "premise": r["premise"],
                    "question": r["question"],
                    **{f"choice{k + 1}": c for k, c in enumerate(r["choices"])},
                    "label": int(r["label"]),
                },
                ensure_ascii=False,
            )
            for r in gold
        ]
        return _lines(pred), _lines(labels)
    if kind == "tags":
        gold = read_rows(data_dir, lang, split, ["id", "tags"])
        predicted = _by_id(predictions, path)
        _require(predicted, [r["id"] for r in gold], path)
        for n, r in enumerate(gold):
            if len(predicted[r["id"]]) != len(r["tags"]):
                raise ExportError(
                    f"{path}: sentence {r['id']} (number {n}) has {len(predicted[r['id']])} "
                    f"predicted tags for {len(r['tags'])} words"
                )
        return _tags([predicted[r["id"]] for r in gold]), _tags([r["tags"] for r in gold])
    if kind == "squad":
        gold = read_rows(data_dir, lang, split)
        predicted = _by_id(predictions, path)
        _require(predicted, [r["id"] for r in gold], path)
        answers = {r["id"]: predicted[r["id"]] for r in gold}
        return json.dumps(answers, ensure_ascii=False), json.dumps(_squad(gold), ensure_ascii=False)
    if kind == "ranking":
        gold = read_rows(data_dir, lang, split, ["id", "gold"])
        predicted = _by_id(predictions, path)
        _require(predicted, [r["id"] for r in gold], path)
        ranked = {r["id"]: list(predicted[r["id"]])[:20] for r in gold}
        labels = {r["id"]: list(r["gold"]) for r in gold}
        return json.dumps(ranked, ensure_ascii=False), json.dumps(labels, ensure_ascii=False)
    if kind == "bitext":
        queries = read_rows(data_dir, lang, split, ["id", "gold"])
        candidates = read_rows(data_dir, lang, split, ["id", "text"], candidates=True)
        predicted, gold = _bitext(queries, candidates, predictions, path)
        return _lines(predicted), _lines(gold)
    raise ExportError(f"unknown export kind {kind!r}")


def expected_scores(score_file: str, kind: str) -> dict[str, float]:
    """The score file's numbers for the metrics evaluate.py computes (Tatoeba: en-xx)."""
    metrics = read_json(score_file)["metrics"]
    if kind == "bitext":
        return {"accuracy": metrics.get("accuracy_en-xx", metrics["accuracy"])}
    return {m: metrics[m] for m in OFFICIAL_METRICS[kind] if m in metrics}


def export_cell(study, cell: dict, inputs: dict, out_dir: str | Path) -> dict:
    """Write one (model, recipe, seed)'s predictions and labels under `out_dir` (already a
    temporary folder; the caller renames it). `inputs`: {task: {"data": dir, "predictions":
    {lang: file}, "scores": {lang: file}}}. Returns the manifest."""
    out_dir = Path(out_dir)
    manifest = {"cell": cell, "layout": "google-research/xtreme evaluate.py (xtreme-r)"}
    manifest["tasks"] = {}
    seen: dict[str, str] = {}
    for task, files in inputs.items():
        spec = study.tasks[task]
        name, ext, kind, official = official_task(spec)
        if name in seen:
            raise ExportError(f"targets {seen[name]!r} and {task!r} are both {name!r}")
        seen[name] = task
        base = out_dir if official else out_dir / "extra"
        entry = {"task": task, "official": official, "languages": {}}
        for lang, pred_path in files["predictions"].items():
            predictions = read_jsonl(pred_path)
            pred_text, label_text = task_files(
                spec, kind, files["data"], spec.test.split, lang, predictions, pred_path
            )
            written = {}
            for folder, text in (("predictions", pred_text), ("labels", label_text)):
                path = base / folder / name / f"test-{lang}.{ext}"
                write_text(path, text)
                written[folder] = sha256_file(path)
            entry["languages"][lang] = {
                "scores": expected_scores(files["scores"][lang], kind),
                "sha256": written,
                "predictions_from": sha256_file(pred_path),
            }
        manifest["tasks"][name] = entry
    write_json(out_dir / "manifest.json", manifest)
    return manifest
