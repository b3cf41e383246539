"""The statistics' settings (`statistics:` in the config) and the comparison the figures single
out. Light (no numpy): the Snakefile reads these at parse time as rule params.
"""

from __future__ import annotations

DEFAULTS = {
    "resamples": 1000,
    "seed": 20260101,
    "confidence": 0.95,
    "correction": "holm",
    "power": 0.8,
}
CORRECTIONS = {
    "holm": "Holm (family-wise error)",
    "bh": "Benjamini-Hochberg (false discovery rate)",
}


def statistics_settings(config: dict) -> dict:
    """The `statistics:` section over its defaults (main_comparison excluded: see below)."""
    given = dict(config.get("statistics") or {})
    given.pop("main_comparison", None)
    return {**DEFAULTS, **given}


def comparisons(study) -> list[tuple[str, str]]:
    """The pairs the statistics test: the study's comparisons (aggregate.comparisons, else the
    derived ones), plus the main comparison when it is not among them."""
    pairs = list(study.comparisons())
    main = main_comparison(study)
    if main is not None and main not in pairs:
        pairs.insert(0, main)
    return pairs


def main_comparison(study) -> tuple[str, str] | None:
    """`statistics.main_comparison`, else the first multilingual->English recipe against its
    English-only counterpart, else the first comparison."""
    given = (study.config.get("statistics") or {}).get("main_comparison")
    if given:
        return given["recipe"], given["versus"]
    pairs = list(study.comparisons())
    for recipe, versus in pairs:
        if study.recipe_kind(recipe) == "multilingual->English" and study.recipe_kind(versus) in (
            "English-only",
            "multi-task",
        ):
            return recipe, versus
    return pairs[0] if pairs else None
