"""Preprocessing and evaluation conventions of the official XTREME-R code, as config values.

Each convention is a key of the config's `conventions:` block (validated by
xstilts/specs/config.schema.yaml); the default is what the official google-research/xtreme code
does, the alternative is kept for comparison. Every step whose output a convention changes
declares it as a rule param (so changing it reruns exactly those steps) and records it: the
dataset manifest (`ud_tokens`, `retrieval_inputs`), the tokenised data's manifest
(`tag_label_piece`) and every score file (all of them, under provenance.conventions).

The reporting conventions (which number of a QA score file enters the means, the category
groups) live in xstilts.reporting.conventions (`aggregate.qa_score`, `aggregate.categories`);
Tatoeba's search direction is `retrieval.<task>.direction` (default: the task spec's).

Light: imported by the Snakefile at parse time.
"""

from __future__ import annotations

# key -> (official default, allowed values, what the official code does)
CONVENTIONS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "ud_tokens": (
        "xtreme",
        ("xtreme", "syntactic_words"),
        "UD-POS words as XTREME's converter builds them: a multi-word token keeps its surface "
        "form with the tag of its syntactic head (German `am`/ADP, not `an dem`), spaces inside "
        "a word are removed (Vietnamese), the zero-width non-joiner is dropped (Persian), "
        "sentences whose words are all (or all but one) `_` are dropped",
    ),
    "tag_label_piece": (
        "first",
        ("first", "first_non_bare"),
        "a word's label sits on its first subword piece, also when that piece is a bare "
        "word-start marker (XLM-R's lone '▁'); the other pieces are ignored",
    ),
    "retrieval_inputs": (
        "official",
        ("official", "plain"),
        "Mewsli-X queries are `mention: left { mention } right` over the mention's sentence and "
        "entities their description sentences; LAReQA candidates are the answer sentence "
        "followed by its paragraph (training: the pair sentence, paragraph)",
    ),
}


def conventions(config: dict) -> dict[str, str]:
    """Every convention's value in this config (defaults filled in)."""
    given = config.get("conventions") or {}
    return {key: given.get(key, default) for key, (default, _, _) in CONVENTIONS.items()}


def value(config: dict, key: str) -> str:
    return conventions(config)[key]


def is_official(config: dict, key: str) -> bool:
    return value(config, key) == CONVENTIONS[key][0]


# Builders whose texts conventions.retrieval_inputs decides (xstilts.data.readers).
RETRIEVAL_INPUT_BUILDERS = frozenset({"mewsli", "mewsli_pairs", "xquad_r", "squad_sentence_pairs"})


def dataset_conventions(config: dict, spec: dict) -> dict[str, str]:
    """The conventions that change how a dataset is prepared (rule param of prepare_data,
    recorded in its manifest): `ud_tokens` for UD treebanks (`conversion: ud`),
    `retrieval_inputs` for the retrieval builders. The embedded generator's data: none."""
    source = spec.get("source") or {}
    if source.get("kind") not in ("hub", "release"):
        return {}
    out = {}
    if spec.get("conversion") == "ud":
        out["ud_tokens"] = value(config, "ud_tokens")
    if set((source.get("builders") or {}).values()) & RETRIEVAL_INPUT_BUILDERS:
        out["retrieval_inputs"] = value(config, "retrieval_inputs")
    return out


def feature_conventions(config: dict, schema: str) -> dict[str, str]:
    """The conventions that change how a dataset is tokenised (rule param of tokenize)."""
    return {"tag_label_piece": value(config, "tag_label_piece")} if schema == "tagging" else {}
