"""The archive described as an RO-Crate (`ro-crate-metadata.json`), written with the `rocrate`
package: RO-Crate 1.1 with the Workflow RO-Crate 1.0 and Workflow Run Crate 0.5 profiles (the
main entity is the Snakefile; one CreateAction is the run, with the config and data manifests
as its objects and the score files, tables and figures as its results; logs are its traces)."""

from __future__ import annotations

from pathlib import Path

import yaml
from rocrate.model.contextentity import ContextEntity
from rocrate.rocrate import ROCrate

RO_CRATE_VERSION = "1.1"
RUN_PROFILES = {
    "https://w3id.org/ro/wfrun/process/0.5": "Process Run Crate",
    "https://w3id.org/ro/wfrun/workflow/0.5": "Workflow Run Crate",
}
RUN_CONTEXT = "https://w3id.org/ro/terms/workflow-run/context"
FORMATS = {
    ".json": "application/json",
    ".jsonl": "application/jsonl",
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".md": "text/markdown",
    ".yaml": "application/yaml",
    ".cff": "application/yaml",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".pdf": "application/pdf",
    ".html": "text/html",
    ".log": "text/plain",
    ".txt": "text/plain",
    ".patch": "text/x-diff",
}


def _format(path: str) -> str:
    return FORMATS.get(Path(path).suffix, "application/octet-stream")


def _people(citation: dict) -> list[dict]:
    people = []
    for i, author in enumerate(citation.get("authors") or []):
        name = author.get("name") or " ".join(
            part for part in (author.get("given-names"), author.get("family-names")) if part
        )
        orcid = author.get("orcid")
        people.append(
            {
                "@id": orcid or f"#author-{i + 1}",
                "@type": "Organization" if "name" in author else "Person",
                "name": name,
            }
        )
    return people


def build_crate(root: Path, info: dict) -> ROCrate:
    """The crate for the archive folder `root`, whose files are already in place. `info`:
    study, config_hash, code (version dict), snakemake version, command, times, and the
    archive-relative paths of the config, data manifests, score files, summary files and logs."""
    citation = yaml.safe_load((root / "CITATION.cff").read_text(encoding="utf-8"))
    crate = ROCrate(version=RO_CRATE_VERSION)
    crate.metadata.extra_contexts.append(RUN_CONTEXT)
    crate.name = f"xstilts run: study {info['study']} (config {info['config_hash']})"
    crate.description = (
        "A finished run of the xstilts workflow (intermediate-task training for zero-shot "
        "cross-lingual transfer, XTREME-R): its resolved config, code, environment, data and "
        "model identities, score files, tables, figures, logs and a SHA-256 manifest."
    )
    crate.datePublished = info["created"]
    license_id = citation.get("license")
    crate.license = crate.add(
        ContextEntity(
            crate,
            f"https://spdx.org/licenses/{license_id}" if license_id else "#license-not-specified",
            properties={
                "@type": "CreativeWork",
                "name": license_id or "No license specified (see CITATION.cff)",
            },
        )
    )
    authors = [
        crate.add(ContextEntity(crate, p.pop("@id"), properties=p)) for p in _people(citation)
    ]
    if authors:
        crate.root_dataset["author"] = authors

    workflow = crate.add_workflow(
        root / "workflow" / "Snakefile",
        "workflow/Snakefile",
        main=True,
        lang="snakemake",
        lang_version=info["snakemake_version"],
        properties={
            "name": citation.get("title", "xstilts"),
            "version": info["code"]["code_version"],
            "description": "The xstilts Snakemake workflow, as `snakemake --archive` packed it "
            "(every git-tracked file of the checkout).",
        },
    )
    if authors:
        workflow["author"] = authors
    config_param = crate.add(
        ContextEntity(
            crate,
            "#param-configfile",
            properties={
                "@type": "FormalParameter",
                "name": "configfile",
                "additionalType": "File",
                "encodingFormat": "application/yaml",
                "description": "The study config (validated against xstilts/specs/config.schema.yaml)",
                "valueRequired": True,
            },
        )
    )
    scores_param = crate.add(
        ContextEntity(
            crate,
            "#param-scores",
            properties={
                "@type": "FormalParameter",
                "name": "scores",
                "additionalType": "Dataset",
                "description": "One JSON score file per results cell (model, recipe, task, seed, language)",
            },
        )
    )
    table_param = crate.add(
        ContextEntity(
            crate,
            "#param-summary",
            properties={
                "@type": "FormalParameter",
                "name": "summary",
                "additionalType": "Dataset",
                "description": "Results tables and the research-question summary",
            },
        )
    )
    workflow["input"] = [config_param]
    workflow["output"] = [scores_param, table_param]

    config = crate.add_file(
        root / info["config"],
        info["config"],
        properties={
            "name": "Resolved study config",
            "encodingFormat": "application/yaml",
            "exampleOfWork": config_param,
            "description": f"config hash {info['config_hash']}",
        },
    )
    objects = [config]
    for manifest in info["data_manifests"]:
        objects.append(
            crate.add_file(
                root / manifest,
                manifest,
                properties={
                    "name": f"Data manifest of {Path(manifest).parent.name}",
                    "encodingFormat": "application/json",
                    "description": "Source, revisions and per-file SHA-256 of a normalised dataset",
                },
            )
        )
    scores = crate.add_dataset(
        root / "results",
        "results/",
        properties={
            "name": "Score files, model metadata and predictions of every results cell",
            "exampleOfWork": scores_param,
        },
    )
    summary = crate.add_dataset(
        root / "results" / "summary",
        "results/summary/",
        properties={"name": "Results tables and figures", "exampleOfWork": table_param},
    )
    results = [scores, summary]
    for path in info["summary_files"]:
        part = crate.add_file(root / path, path, properties={"encodingFormat": _format(path)})
        summary.append_to("hasPart", part)
        results.append(part)
    action = crate.add_action(
        workflow,
        identifier=f"#run-{info['config_hash']}",
        object=objects,
        result=results,
        properties={
            "@type": "CreateAction",
            "name": f"Run of xstilts on study {info['study']}",
            "description": info["command"],
            "startTime": info["start_time"],
            "endTime": info["end_time"],
            "actionStatus": {"@id": "http://schema.org/CompletedActionStatus"},
        },
    )
    crate.root_dataset["mentions"] = [action]
    for profile, name in RUN_PROFILES.items():
        entity = crate.add(
            ContextEntity(
                crate,
                profile,
                properties={"@type": "CreativeWork", "name": name, "version": profile[-3:]},
            )
        )
        crate.root_dataset.append_to("conformsTo", entity)

    for folder, name in info["datasets"].items():
        properties = {"name": name}
        if "logs" in folder or "benchmarks" in folder:
            properties["about"] = action  # the run's traces
        crate.add_dataset(root / folder, folder + "/", properties=properties)
    for path, name in info["files"].items():
        crate.add_file(
            root / path, path, properties={"name": name, "encodingFormat": _format(path)}
        )
    return crate
