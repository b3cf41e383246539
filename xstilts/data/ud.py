"""UD treebank words as XTREME's UD-POS data has them (`conventions.ud_tokens: xtreme`).

XTREME builds UD-POS from CoNLL-U in two steps (google-research/xtreme, scripts/download_data.sh
`download_udpos`, at 091824888a60162ad9ea10d7fe67aa561615e4ca):

1. `third_party/ud-conversion-tools/conllu_to_conll.py --replace_subtokens_with_fused_forms`
   (lib/conll.py `_keep_fused_form`): each multi-word token range (`1-2 am`) becomes ONE word,
   its surface form, carrying the UPOS of the range's head word: the word of the range with the
   fewest ancestors in the sentence's dependency graph (basic heads plus enhanced DEPS edges);
   among several, the first in the language's POS precedence list (`--lang`: the treebank file's
   prefix). So German `am` is one word tagged ADP, not `an`/ADP `dem`/DET.
2. `utils_preprocess.py` `udpos_preprocess`: form and UPOS of each word; a sentence is dropped
   when all its words, or all but one, are `_` (treebanks released without text); spaces inside
   a word are removed (Vietnamese `học sinh` -> `họcsinh`) and so is U+200C, the zero-width
   non-joiner (Persian).

This module reproduces that behaviour (it is not the official code). One deliberate difference:
the official heuristic raises on a UPOS missing from the precedence list; here such a tag ranks
after every listed one. `syntactic_words` keeps the CoNLL-U word lines as they are.
"""

from __future__ import annotations

from collections import deque

# conllu_to_conll.py's POSRANKPRECEDENCEDICT (es, fr, it have their own; `de` is commented out
# there, so German uses the default). CONJ in the French list is a UD v1 tag, kept as there.
POS_PRECEDENCE: dict[str, tuple[str, ...]] = {
    "default": tuple(
        "VERB NOUN PROPN PRON ADJ NUM ADV INTJ AUX ADP DET PART CCONJ SCONJ X PUNCT".split()
    ),
    "es": tuple("VERB AUX PRON ADP DET".split()),
    "fr": tuple("VERB AUX PRON NOUN ADJ ADV ADP DET PART SCONJ CONJ".split()),
    "it": tuple("VERB AUX ADV PRON ADP DET INTJ".split()),
}
ZWNJ = "\u200c"
MODES = ("xtreme", "syntactic_words")


class UDError(ValueError):
    """A sentence the conversion cannot handle, named by its id."""


def parse_line(columns: list[str], tag_column: int = 3) -> list:
    """[id, form, tag, head, deps] of one CoNLL-U line (10 columns), as the reader keeps it."""
    return [columns[0], columns[1], columns[tag_column], columns[6], columns[8]]


def _edges(words: dict[int, list]) -> dict[object, set]:
    """Reverse adjacency (dependent -> heads) of the basic tree plus numeric enhanced edges."""
    heads: dict[object, set] = {}
    for wid, (_, _, _, head, deps) in words.items():
        found = heads.setdefault(wid, set())
        found.add(int(head) if head.isdigit() else None)  # `_`: a None head, as networkx would
        for pair in deps.split("|") if deps and deps != "_" else []:
            source = pair.split(":", 1)[0]
            if source.isdigit():  # enhanced edges from empty nodes (`3.1`) are not read
                found.add(int(source))
    return heads


def _ancestors(node: int, heads: dict[object, set]) -> int:
    seen: set = set()
    queue = deque(heads.get(node, ()))
    while queue:
        head = queue.popleft()
        if head in seen:
            continue
        seen.add(head)
        queue.extend(heads.get(head, ()))
    seen.discard(node)  # a cycle through the node itself does not make it its own ancestor
    return len(seen)


def span_head(span: list[int], words: dict[int, list], heads, precedence: tuple[str, ...]) -> int:
    """The word of a multi-word token range whose tag the fused form takes."""
    depth = {w: _ancestors(w, heads) for w in span}
    top = min(depth.values())
    highest = [w for w in span if depth[w] == top]
    if len(highest) == 1:
        return highest[0]
    rank = {tag: i for i, tag in enumerate(precedence)}
    # min() keeps the first of equal ranks, as the official strict `<` comparison does.
    return min(highest, key=lambda w: rank.get(words[w][2], len(precedence)))


def fused_words(lines: list[list], lang: str, where: str = "") -> tuple[list[str], list[str]]:
    """(forms, tags) of one sentence with every multi-word token replaced by its surface form
    and its head word's UPOS. `lines`: [id, form, upos, head, deps] of the word and range lines."""
    words: dict[int, list] = {}
    ranges: dict[int, tuple[int, str]] = {}
    for line in lines:
        wid = line[0]
        if "-" in wid:
            start, end = (int(x) for x in wid.split("-"))
            ranges[start] = (end, line[1])
        elif wid.isdigit():
            words[int(wid)] = line
    heads = _edges(words)
    precedence = POS_PRECEDENCE.get(lang, POS_PRECEDENCE["default"])
    forms, tags, skip_until = [], [], 0
    for wid in sorted(words):
        if wid <= skip_until:
            continue
        if wid in ranges:
            end, surface = ranges[wid]
            span = [w for w in range(wid, end + 1) if w in words]
            if len(span) != end - wid + 1:
                raise UDError(f"{where}: multi-word token {wid}-{end} covers missing words")
            head = span_head(span, words, heads, precedence)
            forms.append(surface)
            tags.append(words[head][2])
            skip_until = end
        else:
            forms.append(words[wid][1])
            tags.append(words[wid][2])
    return forms, tags


def keep_sentence(forms: list[str]) -> bool:
    """utils_preprocess.py: drop a sentence whose words are all, or all but one, `_`."""
    empty = sum(form == "_" for form in forms)
    return empty == 0 or empty < len(forms) - 1


def clean_form(form: str) -> str:
    """utils_preprocess.py: ZWNJ removed, ASCII spaces inside the word removed."""
    return "".join(form.replace(ZWNJ, "").split(" "))


def convert_rows(rows: list[dict], lang: str, mode: str, where: str) -> tuple[list[dict], dict]:
    """Rows of a CoNLL-U source (`tokens`, `tags` and `ud_lines`) with their words as
    `mode` says; returns (rows, counts of what changed) for the dataset manifest."""
    if mode not in MODES:
        raise UDError(f"conventions.ud_tokens: unknown value {mode!r}; allowed: {', '.join(MODES)}")
    counts = {"sentences": 0, "multiword_tokens": 0, "words_with_spaces": 0, "words_with_zwnj": 0}
    counts["dropped_sentences"] = 0
    if mode == "syntactic_words":
        return [{k: v for k, v in r.items() if k != "ud_lines"} for r in rows], {
            **counts,
            "sentences": len(rows),
        }
    out = []
    for i, row in enumerate(rows):
        lines = row.get("ud_lines")
        if lines is None:
            raise UDError(
                f"{where}: record {i} has no CoNLL-U lines, so multi-word tokens cannot be kept "
                "as XTREME keeps them (hub rows hold syntactic words only); read the UD release "
                "files (data.sources.<dataset>.kind: release) or set conventions.ud_tokens: "
                "syntactic_words"
            )
        if lines:  # a sentence with multi-word tokens
            forms, tags = fused_words(lines, lang, f"{where}, sentence {row.get('id', i)}")
            counts["multiword_tokens"] += sum("-" in line[0] for line in lines)
        else:
            forms, tags = list(row["tokens"]), list(row["tags"])
        if not keep_sentence(forms):
            counts["dropped_sentences"] += 1
            continue
        counts["words_with_spaces"] += sum(" " in form for form in forms)
        counts["words_with_zwnj"] += sum(ZWNJ in form for form in forms)
        record = {k: v for k, v in row.items() if k != "ud_lines"}
        out.append({**record, "tokens": [clean_form(f) for f in forms], "tags": tags})
    counts["sentences"] = len(out)
    return out, counts


def source_problem(name: str, spec: dict, mode: str) -> str | None:
    """Why a dataset's source cannot give XTREME's words, found before any job: the hub's
    UD-POS (google/xtreme `udpos.*`, izhx/xtreme-r-udpos) holds the syntactic words only, the
    multi-word tokens' surface forms are gone."""
    source = spec.get("source") or {}
    if spec.get("conversion") != "ud" or mode != "xtreme" or source.get("kind") != "hub":
        return None
    return (
        f"dataset {name!r}: the hub source ({source.get('id')}) holds UD's syntactic words only, "
        "so its multi-word tokens cannot be kept as XTREME keeps them (conventions.ud_tokens: "
        f"xtreme, the default): read the UD release files (data.sources.{name}: {{kind: release}}, "
        "ud-treebanks-v2.5 and v2.7 under data.release_root) or set conventions.ud_tokens: "
        "syntactic_words"
    )
