"""The texts a retrieval model encodes, as the official XTREME-R baselines build them
(`conventions.retrieval_inputs: official`), or the project's plain texts (`plain`).

Official (google-research/xtreme; reproduced behaviour, not the official code):
- Mewsli-X query (third_party/utils_mewslix.py `preprocess_mention`, at
  66367fa3275ada6b285950f6dac4ccdaa2ff1649): the sentence holding the mention, the mention
  wrapped in `{ }` (braces already in the sentence become parentheses), prefixed with the
  mention and a colon: `Smith: The verdict came back for { Smith }, who stepped down.`;
  line breaks become spaces, double spaces single (one pass), stripped.
- Mewsli-X entity (`preprocess_entity_description`): the description's sentences joined by a
  space, normalised the same way; no title.
- LAReQA candidate (third_party/evaluate_retrieval.py, task lareqa, at
  68ff4becdaabc8717bc38c81c9476277180239fe): the answer sentence immediately followed by its
  paragraph, `(sentence + context).replace("\n", "")`; a question's gold answers are the
  sentences equal to its answer sentence, in every language (utils_lareqa.py `load_data`);
  questions whose answer start lies in no sentence are skipped.
- LAReQA training (third_party/processors/lareqa.py): the question against the pair
  (answer sentence, paragraph).

Plain: the mention in `[ ]` inside its sentence, `title. description`, the answer sentence.
"""

from __future__ import annotations

import re

MODES = ("official", "plain")
_BRACED = re.compile(r"\{(.*?)\}")


class RetrievalInputError(ValueError):
    """A record the official input cannot be built for, named by its id."""


def mode(source: dict) -> str:
    """The convention a builder was given (xstilts.data.prepare passes the study's); official
    when none was given."""
    value = (source.get("conventions") or {}).get("retrieval_inputs", "official")
    if value not in MODES:
        raise RetrievalInputError(
            f"conventions.retrieval_inputs: unknown value {value!r}; allowed: {', '.join(MODES)}"
        )
    return value


def _normalise(text: str) -> str:
    return " ".join(text.splitlines()).replace("  ", " ").strip()


def _sentence_holding(spans: list[dict], start: int, end: int) -> tuple[int, int] | None:
    for span in spans:
        if span["start"] <= start < span["end"] and span["start"] < end <= span["end"]:
            return span["start"], span["end"]
    return None


def mention_query(context: dict, mention: dict) -> str:
    """`mention: left { mention } right` over the sentence holding the mention."""
    span = mention["mention_span"]
    start, end = span["start"], span["end"]
    text = context["text"]
    sentence = _sentence_holding(context.get("sentence_spans") or [], start, end)
    if sentence is None:
        raise RetrievalInputError(
            f"mention {mention.get('example_id')}: no sentence span holds characters "
            f"{start}-{end}; the official query takes the mention's own sentence"
        )
    surface = span.get("text", text[start:end])
    left = _BRACED.sub(r"(\1)", text[sentence[0] : start])
    right = _BRACED.sub(r"(\1)", text[end : sentence[1]])
    return _normalise(f"{surface}: {left} {{ {surface} }} {right}")


def entity_text(entity: dict) -> str:
    """The entity's description sentences joined by a space."""
    description = entity["description"]
    sentences = [description[s["start"] : s["end"]] for s in entity.get("sentence_spans") or []]
    return _normalise(" ".join(sentences))


def lareqa_candidate(sentence: str, context: str) -> str:
    return (sentence + context).replace("\n", "")


def answer_sentence(breaks: list, offset: int) -> int | None:
    """The sentence whose [start, end) holds the answer start; None if none does."""
    for i, (start, end) in enumerate(breaks):
        if start <= offset < end:
            return i
    return None
