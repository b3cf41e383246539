"""Language metadata (xstilts/specs/languages.yaml): family, genus, script, CC-100 size and,
for the artificial languages, word order; the sources are named in the file. Light: yaml only.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

FIELDS = ("name", "family", "genus", "script", "cc100_tokens_m", "cc100_gib", "word_order")
# Properties a per-language figure can plot delta against: categorical ones and one size.
CATEGORICAL = ("family", "script", "word_order")
SIZE = "cc100_gib"


@cache
def _table() -> dict[str, dict]:
    text = resources.files("xstilts.specs").joinpath("languages.yaml").read_text(encoding="utf-8")
    table = yaml.safe_load(text) or {}
    for code, entry in table.items():
        unknown = set(entry) - set(FIELDS) - {"note"}
        if unknown or "name" not in entry:
            raise ValueError(
                f"specs/languages.yaml: {code}: needs a name; unknown keys {sorted(unknown)}; "
                f"allowed: {', '.join(FIELDS)}, note"
            )
    return table


def metadata(code: str) -> dict:
    """Every field for one language code (missing fields are None); unknown codes give a
    record with only the code as its name, so a figure shows them as 'unknown'."""
    entry = _table().get(code, {"name": code})
    return {field: entry.get(field) for field in FIELDS}


def known_codes() -> list[str]:
    return list(_table())
