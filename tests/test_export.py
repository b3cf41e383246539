"""The official export (xstilts/evaluation/export.py): the XTREME-R prediction-folder layout
and file formats, read back the way the official evaluate.py reads them and scored with the
project's metrics to the numbers of the score files.

The data are the embedded generator's test sets; predictions are the gold answers with every
third one spoilt, so each task scores strictly between 0 and 100."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from xstilts import paths, steps
from xstilts.data import synthetic
from xstilts.data.store import _write_records, write_manifest
from xstilts.evaluation import metrics
from xstilts.evaluation.export import ExportError
from xstilts.evaluation.scoring import compute_metrics, gold_for
from xstilts.io import write_folder_record, write_json, write_jsonl
from xstilts.study.config import Study

ROOT = Path(__file__).resolve().parents[1]
CELL = {"model": "tiny-xlmr", "recipe": "baseline", "seed": 1}


# --- the official readers' semantics (evaluate.py read_label / read_tag / read_squad / read_xcopa)
def read_label(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").split("\n")[:-1]]


def read_tag(path: Path) -> list[list[str]]:
    sentences, current = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            current.append(line.strip())
        else:
            sentences.append(current)
            current = []
    return sentences + ([current] if current else [])


def read_squad_file(path: Path):
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["data"] if "data" in data else data


def squad_references(articles) -> dict[str, list[str]]:
    return {
        qa["id"]: [a["text"] for a in qa["answers"]]
        for article in articles
        for paragraph in article["paragraphs"]
        for qa in paragraph["qas"]
    }


def read_xcopa(path: Path) -> list[int]:
    return [json.loads(line)["label"] for line in path.read_text(encoding="utf-8").splitlines()]


def official_scores(name: str, pred: Path, gold: Path, lang: str) -> dict[str, float]:
    """What evaluate.py computes for one language, with the project's metric functions."""
    if name in ("xnli", "tatoeba"):
        return metrics.accuracy(read_label(pred), read_label(gold))
    if name == "xcopa":
        return metrics.accuracy(read_xcopa(pred), read_xcopa(gold))
    if name in ("udpos", "panx"):
        out = metrics.seqeval_scores(read_tag(pred), read_tag(gold))
        return {k: out[k] for k in ("f1", "precision", "recall")}
    if name in ("xquad", "tydiqa", "mlqa"):
        references = squad_references(read_squad_file(gold))
        answers = read_squad_file(pred)
        out = (
            metrics.mlqa_scores(answers, references, lang)
            if name == "mlqa"
            else metrics.squad_scores(answers, references)
        )
        return {"exact_match": out["exact_match"], "f1": out["f1"]}
    if name in ("mewslix", "lareqa"):
        ranked, labels = read_squad_file(pred), read_squad_file(gold)
        ids = list(labels)
        return metrics.map_at_k([ranked.get(i, []) for i in ids], [labels[i] for i in ids], 20)
    raise AssertionError(name)


# --- a study with predictions and score files, no training ----------------------------------------
def spoil(value, i: int, spec, pool):
    """The gold answer, wrong for every third example."""
    if i % 3:
        return value
    if spec.head == "classification":
        return spec.labels[(spec.labels.index(value) + 1) % len(spec.labels)]
    if spec.head == "multiple_choice":
        return 1 - value
    if spec.head == "tagging":
        return [spec.labels[(spec.labels.index(t) + 1) % len(spec.labels)] for t in value]
    if spec.head == "span":
        return "nothing at all"
    return [c for c in pool if c not in value][:3] + list(value)  # gold at rank 4


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("export")
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config.update(results_dir=str(tmp / "results"), resources_dir=str(tmp / "resources"))
    study = Study(config)
    for task in study.targets:
        spec = study.tasks[task]
        data_dir = Path(paths.data(study.resources_dir, spec.test.dataset, spec.test.split))
        where = {**CELL, "out": study.results_dir, "task": task}
        for lang in study.test_languages(task):
            records = synthetic.generate(spec.test.dataset, lang, "test", seed=13)
            (data_dir / lang).mkdir(parents=True, exist_ok=True)
            _write_records(records, data_dir / lang / "test.parquet")
            if spec.head == "retrieval":
                candidates = synthetic.generate_candidates(spec.test.dataset, lang, "test", seed=13)
                _write_records(candidates, data_dir / lang / "test.candidates.parquet")
            # the record of the files written so far (readers check it)
            write_manifest(data_dir, spec.test.dataset, spec.head, {"kind": "synthetic"})
            gold = gold_for(spec, data_dir, lang, "test")
            pool = (
                sorted({g for golds in gold.values() for g in golds})
                if spec.head == "retrieval"
                else []
            )
            if spec.head == "retrieval" and study.retrieval_settings(task)["direction"] == "en-xx":
                inverse = {}
                for query, targets in gold.items():
                    for target in targets:
                        inverse.setdefault(target, []).append(query)
                queries = sorted(gold)
                rows = [
                    {"id": c, "direction": "en-xx", "prediction": spoil(q, i, spec, queries)}
                    for i, (c, q) in enumerate(inverse.items())
                ]
            else:
                rows = [
                    {"id": i, "prediction": spoil(g, n, spec, pool)}
                    for n, (i, g) in enumerate(gold.items())
                ]
                if spec.head == "span":
                    rows = [
                        {**r, "prediction": r["prediction"][0] if n % 3 else "no"}
                        for n, r in enumerate(rows)
                    ]
            write_jsonl(paths.PREDICTION.format(**where, lang=lang), rows)
            result = compute_metrics(spec, rows, gold, lang)
            write_json(paths.SCORE.format(**where, lang=lang), {"metrics": result})
        # the record of each folder, as the predict and score steps write it (export checks it)
        write_folder_record(paths.PREDICTIONS_DIR.format(**where), {"kind": "predictions"})
        write_folder_record(paths.SCORES_DIR.format(**where), {"kind": "scores"})
    return study


@pytest.fixture(scope="module")
def exported(study):
    out = Path(paths.EXPORT.format(out=study.results_dir, **CELL))
    steps.export(study.config, CELL, str(out))
    return out


def test_layout_is_the_official_prediction_folder(study, exported):
    manifest = json.loads((exported / "manifest.json").read_text())
    official = {"xnli", "xcopa", "udpos", "panx", "xquad", "tatoeba", "mewslix"}
    assert {t for t, e in manifest["tasks"].items() if e["official"]} == official
    assert sorted(p.name for p in (exported / "predictions").iterdir()) == sorted(official)
    assert sorted(p.name for p in (exported / "labels").iterdir()) == sorted(official)
    ext = {
        "xnli": "tsv",
        "xcopa": "jsonl",
        "udpos": "tsv",
        "panx": "tsv",
        "xquad": "json",
        "tatoeba": "tsv",
        "mewslix": "json",
    }
    for name, entry in manifest["tasks"].items():
        base = exported if entry["official"] else exported / "extra"
        langs = study.test_languages(entry["task"])
        assert sorted(entry["languages"]) == sorted(langs)
        for folder in ("predictions", "labels"):
            got = sorted(p.name for p in (base / folder / name).iterdir())
            assert got == sorted(f"test-{lang}.{ext.get(name, 'json')}" for lang in langs)
    # LAReQA has no official format: beside, in the Mewsli-X format
    assert (exported / "extra/predictions/lareqa/test-xa.json").is_file()
    assert not (exported / "predictions/lareqa").exists()


def test_files_read_back_the_official_way_give_the_score_files(exported):
    manifest = json.loads((exported / "manifest.json").read_text())
    checked = 0
    for name, entry in manifest["tasks"].items():
        base = exported if entry["official"] else exported / "extra"
        for lang, record in entry["languages"].items():
            files = [base / f / name for f in ("predictions", "labels")]
            pred, gold = (next(f.glob(f"test-{lang}.*")) for f in files)
            got = official_scores(name, pred, gold, lang)
            for metric, expected in record["scores"].items():
                assert got[metric] == pytest.approx(expected, abs=1e-9), (name, lang, metric)
                assert 0 < expected < 100, (name, lang, metric)  # spoilt, not trivially equal
                checked += 1
    assert checked > 50


def test_tatoeba_lines_follow_xtremes_sorted_english(study, exported):
    data = Path(paths.data(study.resources_dir, "toy-tatoeba", "test"))
    from xstilts.data.store import read_rows

    english = [c["text"] for c in read_rows(data, "xa", "test", candidates=True)]
    gold = [int(x) for x in read_label(exported / "labels/tatoeba/test-xa.tsv")]
    assert [english[i] for i in gold] == sorted(english, key=str.strip)  # bitext: line i <-> i
    assert sorted(gold) == list(range(len(english)))


def test_squad_labels_are_squad_v11_json(exported):
    data = json.loads((exported / "labels/xquad/test-xa.json").read_text())
    assert data["version"] == "1.1"
    qa = data["data"][0]["paragraphs"][0]["qas"][0]
    assert set(qa) == {"id", "question", "answers"}
    context = data["data"][0]["paragraphs"][0]["context"]
    answer = qa["answers"][0]
    assert context[answer["answer_start"] :].startswith(answer["text"])


def test_unexportable_predictions_are_named(study, tmp_path):
    from xstilts.evaluation import export

    udpos = study.tasks["toy-udpos"]
    data = paths.data(study.resources_dir, "toy-udpos", "test")
    gold = gold_for(udpos, data, "en", "test")
    rows = [{"id": i, "prediction": tags} for i, tags in gold.items()]
    first = next(iter(gold))
    short = [{**rows[0], "prediction": gold[first][:-1]}] + rows[1:]
    with pytest.raises(ExportError, match=rf"f.jsonl: sentence {first} \(number 0\) has"):
        export.task_files(udpos, "tags", data, "test", "en", short, "f.jsonl")
    with pytest.raises(ExportError, match="no prediction for 1 of"):
        export.task_files(udpos, "tags", data, "test", "en", rows[1:], "f.jsonl")
    tatoeba = study.tasks["toy-tatoeba"]
    data = paths.data(study.resources_dir, "toy-tatoeba", "test")
    gold = gold_for(tatoeba, data, "xa", "test")
    forward = [{"id": i, "direction": "xx-en", "prediction": g} for i, g in gold.items()]
    with pytest.raises(ExportError, match="direction: en-xx or both"):
        export.task_files(tatoeba, "bitext", data, "test", "xa", forward, "t.jsonl")
