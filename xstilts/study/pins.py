"""Pinning hub revisions: every hub id a study uses (datasets and models) resolved to the
commit it points at now, written into the config's `data.hub_revisions`.

Run where the internet is (`scripts/pin_revisions.py`); the workflow refuses unpinned ids.
"""

from __future__ import annotations

import re

from xstilts.study.config import Study
from xstilts.study.registry import hub_ids_of


def hub_ids(study: Study) -> dict[str, str]:
    """{hub id: "dataset" | "model"} for everything the study downloads."""
    ids: dict[str, str] = {}
    for name in study.datasets_used():
        source = study.datasets[name]["source"]
        if source.get("kind") == "hub":
            ids.update(dict.fromkeys(hub_ids_of(source), "dataset"))
        translator = source.get("translator") or {}
        if source.get("kind") == "translate" and translator.get("kind") == "transformers":
            ids[translator["model"]] = "model"
    for spec in study.config["models"].values():
        if spec["source"] == "hub":
            ids[spec["id"]] = "model"
    return ids


def resolve(ids: dict[str, str]) -> dict[str, str]:
    """The current commit of each id, asked of the hub (needs the internet)."""
    from huggingface_hub import HfApi

    api = HfApi()
    return {
        hub_id: (api.model_info(hub_id) if kind == "model" else api.dataset_info(hub_id)).sha
        for hub_id, kind in ids.items()
    }


def write_pins(config_text: str, pins: dict[str, str]) -> str:
    """The config text with its `hub_revisions:` entry (under `data:`) replaced by `pins`,
    keeping every other line (and comment) as it was."""
    lines = config_text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        match = re.match(r"^(\s+)hub_revisions:", line)
        if match:
            indent = match.group(1)
            end = i + 1  # the entry's own (more indented) lines
            while end < len(lines) and lines[end].startswith(indent + " "):
                end += 1
            # Quoted: an all-digit commit would otherwise read back as a number.
            block = [f"{indent}hub_revisions:\n"] + [
                f'{indent}  {hub_id}: "{sha}"\n' for hub_id, sha in sorted(pins.items())
            ]
            if not pins:
                block = [f"{indent}hub_revisions: {{}}\n"]
            return "".join(lines[:i] + block + lines[end:])
    raise ValueError(
        "the config has no `data.hub_revisions:` entry to fill; add `hub_revisions: {}` under data:"
    )
