"""Machine-translated intermediate data: translate an English task's training set into chosen
languages, translate it back, score each example by round-trip chrF (sacrebleu) and keep those
above a threshold. One shard per language; a shard resumes from its partial file.

Translators:
  transformers: any seq2seq model through transformers (`model`, pinned `revision`, optional
                `codes` for the model's language tokens, e.g. NLLB's deu_Latn)
  dictionary:   the stand-in for the embedded default: word-by-word through the generator's
                lexicons (English word order kept), so translation and its errors are real but
                need no model
"""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

from xstilts.io import atomic_path

TEXT_FIELDS = {"classification": ["text_a", "text_b"], "multiple_choice": ["premise", "choices"]}
_WORD = re.compile(r"\w+|[^\w\s]", re.UNICODE)


class DictionaryTranslator:
    """Word-by-word translation between English and the generator's languages. Tense is lost,
    and with `error_rate` ({lang: p}) a seeded fraction p of the English words is translated
    as another word of the same kind, so translation quality differs by language as a real MT
    system's does (the chrF filter then has something to remove)."""

    def __init__(self, seed: int = 13, error_rate: dict[str, float] | None = None):
        from xstilts.data.synthetic.lexicon import (
            ADJECTIVES,
            ADPOSITIONS,
            ADVERBS,
            FUNCTION_WORDS_EN,
            NOUNS,
            PRONOUNS,
            VERBS,
            build_family,
        )

        self.family = build_family(seed)
        self.to_foreign: dict[str, dict[str, str]] = {}
        for lang, lexicon in self.family.items():
            if lang == "en":
                continue
            table: dict[str, str] = {}
            for noun in NOUNS.values():
                for var, (singular, plural) in enumerate(noun.forms):
                    table.setdefault(singular, lexicon.noun(noun.id, var, False))
                    table.setdefault(plural, lexicon.noun(noun.id, var, True))
            for verb in VERBS.values():
                for var, forms in enumerate(verb.forms):
                    for form in forms:  # tense is lost: the stand-in's translation error
                        table.setdefault(form, lexicon.words[("V", verb.id, var)])
            for adj in ADJECTIVES.values():
                for var, form in enumerate(adj.forms):
                    table.setdefault(form, lexicon.words[("A", adj.id, var)])
            for word in ADPOSITIONS:
                table.setdefault(word, lexicon.words[("P", word)])
            for word in ADVERBS:
                table.setdefault(word, lexicon.words[("R", word)])
            for pid, forms in PRONOUNS.items():
                for form in forms:
                    table.setdefault(form, lexicon.words[("PRON", pid)])
            for name, english in FUNCTION_WORDS_EN.items():
                if " " not in english:
                    table.setdefault(english, lexicon.words[("F", name)])
            self.to_foreign[lang] = table
        self.to_english = {
            lang: {foreign: en for en, foreign in reversed(list(table.items()))}
            for lang, table in self.to_foreign.items()
        }
        # Mistranslations go forward only: the wrong word comes back as its own English word.
        for lang, rate in (error_rate or {}).items():
            table = self.to_foreign[lang]
            words = sorted(table)
            for word in words:
                draw = _unit(seed, lang, word)
                if draw < rate:
                    table[word] = table[words[int(_unit(seed, lang, word, "to") * len(words))]]
        self.info = {"kind": "dictionary", "seed": seed, "error_rate": error_rate or {}}

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        if source == "en":
            table = self.to_foreign[target]
        elif target == "en":
            table = self.to_english[source]
        else:
            raise ValueError("the dictionary translator translates from or into English")
        out = []
        for text in texts:
            words = [table.get(w.lower(), w) if w[0].isalnum() else w for w in _WORD.findall(text)]
            out.append(re.sub(r" ([^\w\s])", r"\1", " ".join(words)))
        return out


def _unit(*key) -> float:
    """A number in [0, 1) from a key: stable across processes (unlike hash())."""
    import hashlib

    digest = hashlib.sha256(":".join(map(str, key)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class TransformersTranslator:
    """A seq2seq MT model through transformers (M2M100/NLLB/Marian-style)."""

    def __init__(self, spec: dict):
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        from xstilts.runtime import best_device

        self.spec = spec
        revision = spec.get("revision")
        self.tokenizer = AutoTokenizer.from_pretrained(spec["model"], revision=revision)
        self.model = AutoModelForSeq2SeqLM.from_pretrained(spec["model"], revision=revision)
        self.model.to(best_device()).eval()
        self.codes = spec.get("codes") or {}
        self.torch = torch
        self.info = {"kind": "transformers", "model": spec["model"], "revision": revision}

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        tok = self.tokenizer
        if hasattr(tok, "src_lang"):
            tok.src_lang = self.codes.get(source, source)
        extra = {}
        target_code = self.codes.get(target)
        if target_code is not None:
            extra["forced_bos_token_id"] = tok.convert_tokens_to_ids(target_code)
        out: list[str] = []
        batch_size = self.spec.get("batch_size", 16)
        for i in range(0, len(texts), batch_size):
            batch = tok(
                texts[i : i + batch_size],
                return_tensors="pt",
                padding=True,
                truncation=True,
                max_length=self.spec.get("max_length", 256),
            ).to(self.model.device)
            with self.torch.no_grad():
                generated = self.model.generate(
                    **batch,
                    num_beams=self.spec.get("num_beams", 1),
                    do_sample=False,
                    max_new_tokens=self.spec.get("max_length", 256),
                    **extra,
                )
            out += tok.batch_decode(generated, skip_special_tokens=True)
        return out


def make_translator(spec: dict, seed: int = 13):
    kind = spec.get("kind")
    if kind == "dictionary":
        return DictionaryTranslator(seed, spec.get("error_rate"))
    if kind == "transformers":
        return TransformersTranslator(spec)
    raise ValueError(
        f"translator kind {kind!r} is not supported; allowed: dictionary, transformers"
    )


def round_trip_chrf(originals: list[str], back_translations: list[str]) -> list[float]:
    """Sentence chrF (sacrebleu, default chrF2) of each back-translation against its original."""
    from sacrebleu.metrics import CHRF

    chrf = CHRF()
    return [
        chrf.sentence_score(back, [original]).score
        for original, back in zip(originals, back_translations, strict=True)
    ]


def _texts(record: dict, fields: list[str]) -> list[str]:
    """The record's translatable strings, flattened (choices are a list)."""
    out = []
    for name in fields:
        value = record.get(name)
        if isinstance(value, list):
            out += [str(v) for v in value]
        elif value is not None:
            out.append(str(value))
    return out


def _with_texts(record: dict, fields: list[str], texts: list[str]) -> dict:
    new, it = dict(record), iter(texts)
    for name in fields:
        value = record.get(name)
        if isinstance(value, list):
            new[name] = [next(it) for _ in value]
        elif value is not None:
            new[name] = next(it)
    return new


def _resume_rows(partial: Path, key: dict, records: list[dict], log) -> list[dict]:
    """The finished rows of a partial file, if it was made for these records with these
    settings (its header); a line cut by a kill is dropped; anything else discards the file."""
    if not partial.is_file():
        return []
    lines = partial.read_text(encoding="utf-8").split("\n")
    complete, cut = lines[:-1], lines[-1]  # text after the last newline was cut mid-write
    try:
        header = json.loads(complete[0]) if complete else None
    except json.JSONDecodeError:
        header = None
    if not header or header.get("partial_of") != key:
        log(f"{partial}: made with other settings or inputs ({header}); starting over")
        partial.unlink()
        return []
    rows = []
    for number, line in enumerate(complete[1:], 2):
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            log(f"{partial}:{number}: not JSON; starting over")
            partial.unlink()
            return []
    if len(rows) > len(records) or any(
        r["record"].get("id") != s.get("id") for r, s in zip(rows, records, strict=False)
    ):
        log(f"{partial}: its {len(rows)} rows are not a prefix of the source; starting over")
        partial.unlink()
        return []
    if cut:
        log(f"{partial}: dropping a line cut short by an interruption")
    # rewrite without the cut line, so appends continue a well-formed file
    with atomic_path(partial) as tmp:
        tmp.write_text("\n".join(complete) + "\n", encoding="utf-8")
    return rows


def translate_shard(
    records: list[dict],
    schema: str,
    lang: str,
    translator,
    out_path: str | Path,
    chunk_size: int = 256,
    key: dict | None = None,
    log=print,
) -> dict:
    """Translate `records` into `lang` and back, chrF-score them, and write one shard (JSON
    lines: the translated record, its back-translation's chrF). Progress is kept in
    `{out_path}.partial`, headed by `key` (what the shard is made from: translator settings,
    the source's hash, the language), so a killed job continues after its last finished chunk,
    and never from a partial file of other settings or inputs."""
    if schema not in TEXT_FIELDS:
        raise ValueError(
            f"translating {schema!r} data is not supported (spans and tags need alignment); "
            f"supported: {', '.join(TEXT_FIELDS)}"
        )
    fields = TEXT_FIELDS[schema]
    out_path = Path(out_path)
    partial = Path(f"{out_path}.partial")
    key = json.loads(
        json.dumps(
            {**(key or {}), "language": lang, "n_records": len(records), "chunk": chunk_size},
            sort_keys=True,
            default=str,
        )
    )
    done = _resume_rows(partial, key, records, log)
    if done:
        log(f"{lang}: resuming after {len(done)} translated examples")
    partial.parent.mkdir(parents=True, exist_ok=True)
    if not partial.is_file():
        partial.write_text(json.dumps({"partial_of": key}, sort_keys=True) + "\n", "utf-8")
    with partial.open("a", encoding="utf-8") as handle:
        for start in range(len(done), len(records), chunk_size):
            chunk = records[start : start + chunk_size]
            texts = [_texts(r, fields) for r in chunk]
            flat = [t for ts in texts for t in ts]
            forward = translator.translate(flat, "en", lang)
            back = translator.translate(forward, lang, "en")
            scores = round_trip_chrf(flat, back)
            offset = 0
            for record, ts in zip(chunk, texts, strict=True):
                n = len(ts)
                row = {
                    "record": _with_texts(record, fields, forward[offset : offset + n]),
                    "chrf": statistics.fmean(scores[offset : offset + n]) if n else 0.0,
                }
                offset += n
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                done.append(row)
            handle.flush()
            log(f"{lang}: {len(done)}/{len(records)} translated")
    with atomic_path(out_path) as tmp:
        tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in done), "utf-8")
    partial.unlink()
    return {"language": lang, "n": len(done)}


def filter_shard(rows: list[dict], min_chrf: float) -> tuple[list[dict], dict]:
    """Keep translated records whose round-trip chrF reaches `min_chrf`; the statistics
    (kept fraction, chrF distribution) go into the dataset's manifest."""
    scores = [r["chrf"] for r in rows]
    kept = [r["record"] for r in rows if r["chrf"] >= min_chrf]
    quantiles = statistics.quantiles(scores, n=10) if len(scores) > 1 else scores * 9
    histogram = [0] * 10
    for score in scores:
        histogram[min(int(score // 10), 9)] += 1
    stats = {
        "n": len(rows),
        "kept": len(kept),
        "kept_fraction": len(kept) / len(rows) if rows else 0.0,
        "min_chrf": min_chrf,
        "chrf_mean": statistics.fmean(scores) if scores else None,
        "chrf_deciles": [round(q, 2) for q in quantiles],
        "chrf_histogram_per_10": histogram,
    }
    return kept, stats
