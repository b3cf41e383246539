"""Embedded default data: a seeded family of artificial languages and XTREME-R-shaped tasks.

Everything is a pure function of ``(seed, dataset, lang, split, size)``: random streams are
``random.Random`` instances seeded from SHA-256 digests of those values (never ``hash()``,
never the global random state), so records are bit-identical across runs and processes.

The language family itself (the lexicons of xa..xd) is derived from ``seed`` too, so all
datasets of one study (including the MLM corpus ``toy-corpus``) must use the same seed.

Design in brief: one latent grammar (nouns, verbs with antonyms and a cause->effect table,
adjectives with sentiment, adpositions, names) is rendered by five languages that differ in
script, word order, adjective and adposition placement, articles and morphology
(``describe_family()`` documents them).  Every dataset samples language-independent latent
items from a stream keyed by ``(seed, dataset, split)`` and renders them per language, so
multi-language splits are parallel.  Person/organisation names, digits and a few
"international" nouns are identical strings everywhere (shared anchors); place names are
transliterated; ``toy-corpus`` also holds parallel sentences and some English loanwords.

Public API::

    LANGUAGES                      # ("en", "xa", "xb", "xc", "xd")
    DATASETS                       # name -> {"schema", "splits", "sizes", "labels", "description"}
    SCHEMAS                        # schema -> record fields ("retrieval-eval": dev/test queries)
    generate(dataset, lang, split, seed=13, size=None) -> list[dict]
    generate_candidates(dataset, lang, split, seed=13, size=None) -> list[dict]
    describe_family(seed=13) -> dict
"""

from __future__ import annotations

from .entities import build_entities
from .grammar import Renderer
from .lexicon import (
    ADJECTIVES,
    ADPOSITIONS,
    ANTONYMS,
    CAUSAL_LINKS,
    LANGUAGES,
    NOUNS,
    SPECS,
    VERBS,
    build_family,
)
from .tasks import (
    _REGISTRY,
    CODE_SWITCH_RATE,
    CODE_SWITCH_WORDS,
    DATASETS,
    PARALLEL_EVERY,
    SHORT,
    context,
    render_latent,
    sample_sentence,
)

__all__ = [
    "LANGUAGES",
    "DATASETS",
    "SCHEMAS",
    "generate",
    "generate_candidates",
    "describe_family",
]

# schema name -> record fields (eval retrieval splits use the "retrieval-eval" layout)
SCHEMAS: dict[str, tuple[str, ...]] = {
    "classification": ("id", "text_a", "text_b", "label"),
    "multiple_choice": ("id", "premise", "question", "choices", "label"),
    "tagging": ("id", "tokens", "tags"),
    "qa": ("id", "title", "context", "question", "answers"),
    "retrieval": ("id", "query", "positive"),
    "retrieval-eval": ("id", "query", "gold"),
    "text": ("id", "text"),
}


def _check(dataset: str, lang: str, split: str, seed: int) -> dict:
    if dataset not in _REGISTRY:
        raise ValueError(f"unknown dataset {dataset!r}; allowed: {', '.join(sorted(_REGISTRY))}")
    spec = _REGISTRY[dataset]
    if split not in spec["splits"]:
        raise ValueError(
            f"unknown split {split!r} for {dataset}; allowed: {', '.join(spec['splits'])}"
        )
    if lang not in spec["splits"][split]:
        raise ValueError(
            f"unknown language {lang!r} for {dataset}/{split}; allowed: "
            f"{', '.join(spec['splits'][split])}"
        )
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an int, got {seed!r}")
    return spec


def _size(spec: dict, split: str, size: int | None) -> int:
    if size is None:
        return spec["sizes"][split]
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ValueError(f"size must be a non-negative int or None, got {size!r}")
    return size


def generate(
    dataset: str, lang: str, split: str, seed: int = 13, size: int | None = None
) -> list[dict]:
    """Records of ``dataset`` in ``lang`` for ``split`` (see ``DATASETS`` for the schemas).

    ``size=None`` uses ``DATASETS[dataset]["sizes"][split]``.  Generation is sequential, so a
    smaller ``size`` yields a prefix of a larger one.  Splits that exist in several languages
    are parallel: the same id in two languages is the same latent item (a translation), except
    for ``toy-tatoeba`` (a separate sentence set per language) and ``toy-corpus`` (only the
    ``corpus-par-*`` ids are shared).
    """
    spec = _check(dataset, lang, split, seed)
    n = _size(spec, split, size)
    return spec["_gen"](context(seed), dataset, lang, split, n)


def generate_candidates(
    dataset: str, lang: str, split: str, seed: int = 13, size: int | None = None
) -> list[dict]:
    """Candidate pool ``[{"id", "text"}]`` of a retrieval evaluation split (dev/test).

    toy-tatoeba: English translations of that language's queries; toy-lareqa: the answer
    sentences in ``lang`` (pool all languages of the split for evaluation); toy-mewsli: the
    150 English entity descriptions (the same pool for every language).  ``size`` must match
    the ``size`` given to :func:`generate` (default: the default size).
    """
    spec = _check(dataset, lang, split, seed)
    if spec["schema"] != "retrieval" or split == "train":
        raise ValueError(
            f"{dataset}/{split} has no candidate pool; candidates exist only for the dev/test "
            f"splits of retrieval datasets: "
            + ", ".join(n for n, s in _REGISTRY.items() if s["schema"] == "retrieval")
        )
    n = _size(spec, split, size)
    return spec["_cand"](context(seed), dataset, lang, split, n)


def describe_family(seed: int = 13) -> dict:
    """JSON-able description of the language family for documentation and provenance."""
    fam = build_family(seed)
    renderers = {lang: Renderer(fam[lang]) for lang in LANGUAGES}
    sample_nouns = ["farmer", "teacher", "dog", "book", "apple", "house", "river", "car"]
    sample_verbs = ["see", "buy", "sell", "eat", "write", "help"]
    sample_adjs = ["big", "red", "happy", "good", "old"]
    S = context(seed).sampler("describe_family")
    examples = [sample_sentence(S, SHORT, [("decl", 1.0)]) for _ in range(3)]
    examples.append(sample_sentence(S, SHORT, [("q", 1.0)]))

    langs = {}
    for lang in LANGUAGES:
        sp, lex, R = SPECS[lang], fam[lang], renderers[lang]
        lexicon = {}
        for nid in sample_nouns:
            lexicon[nid] = lex.noun(nid, 0, False)
            lexicon[nid + " (pl)"] = lex.noun(nid, 0, True)
        for vid in sample_verbs:
            lexicon[vid] = VERBS[vid].forms[0][1] if lang == "en" else lex.words[("V", vid, 0)]
        for aid in sample_adjs:
            lexicon[aid] = R.adj(aid, 0)
        unused = {"none": ("DEF", "INDEF"), "def-suffix": ("DEF",)}.get(sp.articles, ())
        for name in ("DEF", "INDEF", "DEM", "NEG", "AND", "WHO", "WHAT", "HOWMANY"):
            if name not in unused:
                lexicon[name.lower()] = lex.words[("F", name)]
        for adp in ("in", "with"):
            lexicon[adp] = adp if lang == "en" else lex.words[("P", adp)]
        langs[lang] = {
            "name": sp.name,
            "script": sp.script,
            "word_order": sp.order,
            "adjective_position": sp.adj,
            "adpositions": "prepositions" if sp.adpos == "pre" else "postpositions",
            "articles": sp.articles,
            "questions": sp.question,
            "object_case_suffix": sp.obj_case,
            "place_names_transliterated": sp.translit_places,
            "morphology": sp.morphology,
            "lexicon_size": len(lex.words) if lang != "en" else None,
            "lexicon_sample": lexicon,
            "place_name_example": lex.place("North Varna"),
            "examples": [render_latent(R, lat).text() for lat in examples],
        }
    ents = build_entities(seed)
    return {
        "seed": seed,
        "languages": langs,
        "latent_inventory": {
            "nouns": len(NOUNS),
            "verbs": len(VERBS),
            "adjectives": len(ADJECTIVES),
            "adpositions": sorted(ADPOSITIONS),
            "antonym_pairs": sorted({tuple(sorted(p)) for p in ANTONYMS.items()}),
            "causal_links": [[c, e] for c, e, _ in CAUSAL_LINKS],
            "entities": {t: sum(e.etype == t for e in ents) for t in ("PER", "ORG", "LOC")},
        },
        "shared_anchors": "digits, person and organisation names are identical strings in all "
        "languages; place names are transliterated into Cyrillic (xb), Greek (xc), Armenian (xd)",
        "toy_corpus": {
            "parallel_share": 1 / PARALLEL_EVERY,
            "code_switch_rate": CODE_SWITCH_RATE,
            "code_switch_word_prob": CODE_SWITCH_WORDS,
            "note": "ids corpus-par-* are the same latent sentence in every language; in the "
            "other non-English sentences, code_switch_rate of them borrow English content words "
            "(loanwords) with probability code_switch_word_prob each",
        },
        "datasets": {
            name: {k: v for k, v in spec.items() if k != "description"}
            for name, spec in DATASETS.items()
        },
    }
