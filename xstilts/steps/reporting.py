"""Steps of the reporting rules: the results tables and the research-question summary."""

from __future__ import annotations

from xstilts.steps.runner import log, step
from xstilts.study.config import Study


@step
def aggregate(config: dict, score_files: list[str], outputs: dict[str, str]) -> None:
    from xstilts.reporting.aggregate import build_tables

    study = Study(config)
    build_tables(study, score_files, outputs)
    log(f"results table -> {outputs['markdown']}")
