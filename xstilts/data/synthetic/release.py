"""The embedded datasets written out in the original release formats of the real ones.

So the release-file readers and the real task registry run end to end offline: the files land
where `xstilts/specs/datasets-xtreme-r.yaml` expects them under a release root (XNLI TSV, GLUE
TSV, CoNLL-U, SQuAD JSON, XCOPA/COPA/Social IQa JSON lines, Tatoeba aligned lines), with the
generator's artificial languages in place of real ones.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from . import DATASETS, generate, generate_candidates

# Folder-name codes for the artificial languages where a release names languages by name.
UD_NAMES = {"en": "English", "xa": "Xa", "xb": "Xb", "xc": "Xc", "xd": "Xd"}
TATOEBA_CODES = {"xa": "xaa", "xb": "xbb", "xc": "xcc", "xd": "xdd"}

XNLI_HEADER = [
    "language",
    "gold_label",
    "sentence1_binary_parse",
    "sentence2_binary_parse",
    "sentence1_parse",
    "sentence2_parse",
    "sentence1",
    "sentence2",
    "promptID",
    "pairID",
    "genre",
    "label1",
    "label2",
    "label3",
    "label4",
    "label5",
]
MNLI_HEADER = [
    "index",
    "promptID",
    "pairID",
    "genre",
    "sentence1_binary_parse",
    "sentence2_binary_parse",
    "sentence1_parse",
    "sentence2_parse",
    "sentence1",
    "sentence2",
    "label1",
    "gold_label",
]


def _tsv(path: Path, header: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\")
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(column, "") for column in header])


def _jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


def _squad(path: Path, records: list[dict]) -> None:
    articles: dict[str, dict] = {}
    for r in records:
        article = articles.setdefault(r["title"], {"title": r["title"], "paragraphs": []})
        paragraph = next((p for p in article["paragraphs"] if p["context"] == r["context"]), None)
        if paragraph is None:
            paragraph = {"context": r["context"], "qas": []}
            article["paragraphs"].append(paragraph)
        answers = r["answers"]
        paragraph["qas"].append(
            {
                "id": r["id"],
                "question": r["question"],
                "answers": [
                    {"text": t, "answer_start": s}
                    for t, s in zip(answers["text"], answers["answer_start"], strict=True)
                ],
            }
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": "1.1", "data": list(articles.values())}), "utf-8")


def _splits(dataset: str) -> dict[str, list[str]]:
    return DATASETS[dataset]["splits"]


def write_release_tree(root: str | Path, seed: int = 13, sizes: dict | None = None) -> Path:
    """Write the release-format tree under `root`; returns it. `sizes`: {dataset: n}."""
    root = Path(root)
    sizes = sizes or {}

    def records(dataset, lang, split):
        return generate(dataset, lang, split, seed=seed, size=sizes.get(dataset))

    nli_labels = DATASETS["toy-xnli"]["labels"]
    # XNLI: one TSV per split holding every language (the reader filters on `language`).
    for split in ("test", "dev"):
        rows = [
            {
                "language": lang,
                "gold_label": nli_labels[r["label"]],
                "sentence1": r["text_a"],
                "sentence2": r["text_b"],
                "pairID": r["id"],
            }
            for lang in _splits("toy-xnli")[split]
            for r in records("toy-xnli", lang, split)
        ]
        _tsv(root / f"xnli/XNLI-1.0/xnli.{split}.tsv", XNLI_HEADER, rows)
    # MNLI (GLUE): English train and matched dev.
    for split, name in (("train", "train.tsv"), ("dev", "dev_matched.tsv")):
        rows = [
            {
                "index": i,
                "pairID": r["id"],
                "sentence1": r["text_a"],
                "sentence2": r["text_b"],
                "gold_label": nli_labels[r["label"]],
            }
            for i, r in enumerate(records("toy-mnli", "en", split))
        ]
        _tsv(root / f"glue/MNLI/{name}", MNLI_HEADER, rows)
    # UD: one CoNLL-U treebank per language; words 2 and 3 of each sentence of three or more
    # words form a multi-word token (its surface form the two joined, like `zum`), which
    # XTREME's conversion keeps whole (conventions.ud_tokens) and syntactic words split.
    for split, langs in _splits("toy-udpos").items():
        for lang in langs:
            lines = []
            for r in records("toy-udpos", lang, split):
                lines += [f"# sent_id = {r['id']}", f"# text = {' '.join(r['tokens'])}"]
                tokens = r["tokens"]
                for i, (token, tag) in enumerate(zip(tokens, r["tags"], strict=True), 1):
                    if i == 2 and len(tokens) > 2:
                        fused = token + tokens[i]
                        lines.append(f"{i}-{i + 1}\t{fused}\t_\t_\t_\t_\t_\t_\t_\t_")
                    lines.append(f"{i}\t{token}\t{token}\t{tag}\t_\t_\t0\tdep\t_\t_")
                lines.append("")
            name = UD_NAMES[lang]
            path = root / f"ud/ud-treebanks-v2.5/UD_{name}-Toy/{lang}_toy-ud-{split}.conllu"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(lines) + "\n", "utf-8")
    # SQuAD v1.1 (English train/dev, from the XQuAD-like data) and XQuAD (test per language).
    _squad(root / "squad/train-v1.1.json", records("toy-xquad", "en", "train"))
    _squad(root / "squad/dev-v1.1.json", records("toy-xquad", "en", "dev"))
    for lang in _splits("toy-xquad")["test"]:
        _squad(root / f"xquad/xquad.{lang}.json", records("toy-xquad", lang, "test"))
    # Tatoeba: aligned line files, the English side being each query's gold candidate.
    for lang in _splits("toy-tatoeba")["test"]:
        queries = records("toy-tatoeba", lang, "test")
        cands = {
            c["id"]: c["text"]
            for c in generate_candidates(
                "toy-tatoeba", lang, "test", seed=seed, size=sizes.get("toy-tatoeba")
            )
        }
        code = TATOEBA_CODES[lang]
        base = root / f"tatoeba/tatoeba.{code}-eng"
        base.parent.mkdir(parents=True, exist_ok=True)
        Path(f"{base}.{code}").write_text("".join(q["query"] + "\n" for q in queries), "utf-8")
        Path(f"{base}.eng").write_text(
            "".join(cands[q["gold"][0]] + "\n" for q in queries), "utf-8"
        )

    # XCOPA (test per language), English COPA (train/val) and Social IQa (3 answers, labels
    # 1-based in a separate file) from the COPA-like data.
    def copa_row(r, i):
        return {
            "premise": r["premise"],
            "choice1": r["choices"][0],
            "choice2": r["choices"][1],
            "question": r["question"],
            "label": r["label"],
            "idx": i,
        }

    for lang in _splits("toy-xcopa")["test"]:
        rows = [copa_row(r, i) for i, r in enumerate(records("toy-xcopa", lang, "test"))]
        _jsonl(root / f"xcopa/data/{lang}/test.{lang}.jsonl", rows)
    for split, name in (("train", "train.jsonl"), ("dev", "val.jsonl")):
        rows = [copa_row(r, i) for i, r in enumerate(records("toy-xcopa", "en", split))]
        _jsonl(root / f"COPA/{name}", rows)
        siqa = [
            {
                "context": r["premise"],
                "question": f"What was the {r['question']}?",
                "answerA": r["choices"][0],
                "answerB": r["choices"][1],
                "answerC": "nothing happened.",
            }
            for r in records("toy-xcopa", "en", split)
        ]
        _jsonl(root / f"socialiqa-train-dev/{split}.jsonl", siqa)
        labels = [str(r["label"] + 1) for r in records("toy-xcopa", "en", split)]
        (root / f"socialiqa-train-dev/{split}-labels.lst").write_text("\n".join(labels) + "\n")
    return root
