"""`python -m xstilts.archive create`: a self-contained archive of a finished run, as a folder
and a .tar.gz. Layout (paths under results/ and resources/ mirror the run's folders):

    README.md                how to verify and reproduce (written for the archive)
    CITATION.cff             how to cite the workflow
    ro-crate-metadata.json   RO-Crate 1.1, Workflow Run Crate 0.5
    MANIFEST.sha256          SHA-256 of every other file (`sha256sum -c` reads it)
    archive.json             summary: study, config hash, code version, counts, options
    config/config.yaml       the resolved config (what Snakemake used); config/<source file>
    code/version.json        commit, dirty flag, changed and untracked files; code/diff.patch
    code/snakemake-archive.json   the `snakemake --archive` command and its members
    workflow/                the code as `snakemake --archive` packed it (git-tracked files)
    environment/             pip-freeze.txt, conda-env.yaml, platform.json, run-environments.json
    identities/cells.csv     per cell: score, config/code/data/predictions/model hashes
    identities/identities.json   the same plus models (weights SHA-256) and data manifests
    results/                 score files, model and stage metadata, summary tables and
                             figures, logs, benchmarks (predictions with --with-predictions)
    resources/               data and features manifests, starting model metadata, logs
    logs/snakemake/          Snakemake's own logs of the run (.snakemake/log)
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import yaml

from xstilts import paths
from xstilts.archive import capture
from xstilts.archive.collect import (
    ArchiveError,
    archived_path,
    cell_row,
    check_run,
    code_problems,
    model_identity,
    predictions_problems,
    read_records,
    stage_dirs,
    study_cells,
    target_model_dir,
)
from xstilts.archive.crate import build_crate
from xstilts.archive.manifest import write_manifest
from xstilts.io import atomic_dir, atomic_path, read_json, write_json, write_text
from xstilts.study.config import Study, load_config

# 2: data manifests per dataset split (identities.json `data` keyed dataset/split), settings
# digests per cell and model.
FORMAT_VERSION = 2
# Copied from the results folder (besides each cell's score file, predictions, model metadata).
RESULT_GLOBS = (
    "summary/**/*",  # tables, figures, reports
    "figures/**/*",
    "report*/**/*",
    "logs/**/*",
    "benchmarks/**/*",
    "*/*/*/seed*/logs/*",
)
RESOURCE_GLOBS = (
    "data/*/*/manifest.json",
    "features/**/manifest.json",
    "models/*/*/xstilts.json",
    "models/*/*/config.json",
    "logs/**/*",
    "benchmarks/**/*",
)
MODEL_METADATA = ("xstilts.json", "config.json")


def _glob(base: Path, patterns) -> list[Path]:
    found = {p for pattern in patterns for p in base.glob(pattern) if p.is_file()}
    return sorted(p for p in found if not p.name.startswith("."))


def _model_dirs(study: Study, cells) -> dict[str, tuple[str, str]]:
    """Archive path of every model folder of the run -> (kind, run path)."""
    found = [
        ("starting model", paths.BASE_ENCODER.format(res=study.resources_dir, model=model))
        for model in study.models
    ]
    found += [
        ("stage", paths.stage(study.results_dir, model, seed, chain))
        for model, seed, chain in stage_dirs(study)
    ]
    found += [("target", target_model_dir(study, cell)) for cell in cells]
    return {archived_path(study, run_path): (kind, run_path) for kind, run_path in found}


def _models(study: Study, root: Path, cells) -> dict[str, dict]:
    models = {}
    for archived, (kind, run_path) in _model_dirs(study, cells).items():
        folder = root / run_path
        if not folder.is_dir():
            raise ArchiveError(
                f"{run_path}: model folder missing (the run is not finished, or it was removed); "
                f"rerun `snakemake all --configfile <the config>`"
            )
        meta_file = folder / "xstilts.json"
        models[archived] = {
            "kind": kind,
            "path": run_path,
            **model_identity(folder),
            "metadata": read_json(meta_file) if meta_file.is_file() else None,
        }
    return models


def _run_environments(models: dict, records: dict) -> list[dict]:
    """The distinct environments (packages, Python, device, code) the run's steps recorded:
    where the models were trained (a GPU model when there was one) and the scores computed."""
    seen: dict[str, dict] = {}

    def add(env: dict | None, user: str) -> None:
        if env:
            entry = seen.setdefault(json.dumps(env, sort_keys=True), {"used_by": [], **env})
            if user not in entry["used_by"]:
                entry["used_by"].append(user)

    for entry in models.values():
        add((entry.get("metadata") or {}).get("environment"), entry["path"])
    for record in records.values():
        add((record.get("provenance") or {}).get("scored_with"), "scoring")
    return list(seen.values())


def _csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _copy(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dest)


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def create(
    configfile: str | Path,
    workdir: str | Path = ".",
    out: str | Path | None = None,
    with_predictions: bool = False,
    allow_code_mismatch: bool = False,
    tar: bool = True,
    log=print,
) -> Path:
    """Archive the finished run of `configfile` in `workdir` into the folder `out` (and
    `out`.tar.gz). Fails, naming the files, when the run is unfinished or not one run of this
    config and code."""
    configfile, root = Path(configfile).resolve(), Path(workdir).resolve()
    config = load_config(configfile)
    study = Study(config)
    out = Path(out or root / "archives" / f"{config['study']}-{study.hash}").resolve()
    if out.exists():
        raise ArchiveError(f"{out} exists; remove it or choose another --out")
    cells = study_cells(study)
    records = read_records(study, root, cells)
    code = capture.code_state()
    models = _models(study, root, cells)
    rows = [
        cell_row(
            study,
            cell,
            records[cell],
            models[archived_path(study, target_model_dir(study, cell))],
            root,
        )
        for cell in cells
    ]
    problems = check_run(study, root, rows, models) + predictions_problems(
        study, root, cells, records
    )
    mismatched_code = code_problems(rows, models, code["commit"], capture.same_workflow_code)
    if not allow_code_mismatch:
        problems += mismatched_code
    if problems:
        shown = "\n".join(f"  - {p}" for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise ArchiveError(
            f"the run in {root} is not one consistent run of {configfile.name} and this "
            f"checkout ({len(problems)} problem{'s' if len(problems) > 1 else ''}):\n{shown}{more}\n"
            "Only outputs made under this config and code are archived as its run. Rerun the "
            "listed cells under them (`snakemake <their scores folders> --configfile <the config> "
            "--forcerun train_stage train_target`; changed predictions: `--forcerun` their "
            "predict rule), or check out the commit that made the run; for a code mismatch "
            "alone, --allow-code-mismatch archives it with the mismatch recorded."
        )
    log(f"archiving {len(cells)} cells of study {config['study']} (config {study.hash}) -> {out}")
    with atomic_dir(out) as tmp:
        _write_archive(
            tmp,
            out.name,
            configfile,
            root,
            study,
            cells,
            records,
            rows,
            models,
            code,
            mismatched_code,
            with_predictions,
        )
    if tar:
        with atomic_path(out.with_name(out.name + ".tar.gz")) as tmp_tar:
            with tarfile.open(tmp_tar, "w:gz") as archive:
                archive.add(out, arcname=out.name)
            tmp_tar.chmod(0o644)
        log(f"wrote {out}.tar.gz")
    return out


def _run_files(study: Study, root: Path, cells, models, with_predictions: bool) -> dict[str, Path]:
    """Archive path -> file of the run to copy."""
    out, res = root / study.results_dir, root / study.resources_dir
    files = {f"results/{p.relative_to(out).as_posix()}": p for p in _glob(out, RESULT_GLOBS)}
    files.update(
        {f"resources/{p.relative_to(res).as_posix()}": p for p in _glob(res, RESOURCE_GLOBS)}
    )
    for cell in cells:
        wanted = [cell.score(study.results_dir)]
        if with_predictions:
            wanted.append(cell.predictions(study.results_dir))
        for run_path in wanted:
            files[archived_path(study, run_path)] = root / run_path
    for archived, entry in models.items():
        for name in MODEL_METADATA:
            if (root / entry["path"] / name).is_file():
                files[f"{archived}/{name}"] = root / entry["path"] / name
    for log_file in sorted((root / ".snakemake" / "log").glob("*.log")):
        files[f"logs/snakemake/{log_file.name}"] = log_file
    slurm_logs = root / ".snakemake" / "slurm_logs"  # the SLURM executor's job logs
    for log_file in _glob(slurm_logs, ("**/*.log",)):
        files[f"logs/slurm/{log_file.relative_to(slurm_logs).as_posix()}"] = log_file
    return files


def _readme(name: str, study: Study, code: dict, n_cells: int, with_predictions: bool) -> str:
    return f"""# xstilts run archive: {name}

Study `{study.config["study"]}`, config hash `{study.hash}`, code `{code["code_version"]}`,
{n_cells} results cells{" (with prediction files)" if with_predictions else ""}.

- `results/summary/`: the results tables (`table.md`, `table.csv`), every cell in long form
  (`scores.csv`) and the research-question summary (`question.md`);
- `identities/cells.csv`: per cell, its score and the hashes of the config, code, test data,
  predictions and model that produced it;
- `config/resolved.yaml`: the config the run used; `workflow/`: the code (`snakemake --archive`);
  `environment/`: pip freeze, conda env file, platform, the environments the run recorded;
- `ro-crate-metadata.json`: this archive as an RO-Crate (Workflow Run Crate profile);
- `MANIFEST.sha256`: the SHA-256 of every file.

Check it, then rerun a sample of its cells and compare them with the archived scores:

```bash
python -m xstilts.archive verify {name}          # or: sha256sum -c MANIFEST.sha256 (inside)
python -m xstilts.archive reproduce {name} --sample 3   # or --all: every cell and the tables
```
"""


def _write_archive(
    tmp,
    name,
    configfile,
    root,
    study,
    cells,
    records,
    rows,
    models,
    code,
    mismatched_code,
    with_predictions,
):
    files = _run_files(study, root, cells, models, with_predictions)
    for archived, src in files.items():
        _copy(src, tmp / archived)
    # the config as Snakemake used it, and the file it came from
    write_text(tmp / "config/resolved.yaml", yaml.safe_dump(study.config, sort_keys=False))
    _copy(configfile, tmp / "config" / "source" / configfile.name)
    # code: git state, diff, and Snakemake's own archive of the tracked files, unpacked
    write_json(tmp / "code/version.json", {k: v for k, v in code.items() if k != "diff"})
    if code["diff"]:
        write_text(tmp / "code/diff.patch", code["diff"])
    with tempfile.TemporaryDirectory() as scratch:
        tar_path = Path(scratch) / "workflow.tar.gz"
        command, members = capture.snakemake_archive(tar_path, configfile)
        capture.unpack(tar_path, tmp / "workflow")
    write_json(
        tmp / "code/snakemake-archive.json",
        {"command": command, "members": members, "unpacked_into": "workflow/"},
    )
    # environment of this interpreter, and the environments the run's steps recorded
    write_text(tmp / "environment/pip-freeze.txt", capture.pip_freeze())
    _copy(capture.REPO / "envs" / "xstilts.yaml", tmp / "environment/conda-env.yaml")
    if exported := capture.conda_export():
        write_text(tmp / "environment/conda-export.yaml", exported)
    write_json(tmp / "environment/platform.json", capture.platform_info())
    write_json(tmp / "environment/run-environments.json", _run_environments(models, records))
    # identities: per cell, and the models and data behind them
    write_text(tmp / "identities/cells.csv", _csv(rows))
    data = {  # keyed dataset/split, as the folders (paths.DATA)
        f"{p.parent.parent.name}/{p.parent.name}": read_json(p)
        for p in sorted((root / study.resources_dir / "data").glob("*/*/manifest.json"))
        if p.parent.parent.name in study.datasets_used()
    }
    write_json(
        tmp / "identities/identities.json",
        {
            "config": {
                "study": study.config["study"],
                "hash": study.hash,
                "file": "config/resolved.yaml",
            },
            "code": {k: v for k, v in code.items() if k != "diff"},
            "data": {
                name: {"source": m["source"], "files": m["files"]} for name, m in data.items()
            },
            "models": {
                path: {k: v for k, v in entry.items() if k != "metadata"}
                for path, entry in models.items()
            },
            "cells": rows,
        },
    )
    _copy(capture.REPO / "CITATION.cff", tmp / "CITATION.cff")
    readme = _readme(name, study, code, len(cells), with_predictions)
    if (table := tmp / "results" / "summary" / "table.md").is_file():
        readme += "\n## The results table (`results/summary/table.md`)\n\n" + table.read_text()
    write_text(tmp / "README.md", readme)
    import snakemake

    created = datetime.now(UTC).isoformat(timespec="seconds")
    inputs = [p for k, p in files.items() if k.startswith("resources/data/")]
    outputs = [p for k, p in files.items() if k.startswith("results/")]
    summary = {
        "format_version": FORMAT_VERSION,
        "created": created,
        "study": study.config["study"],
        "config_hash": study.hash,
        "configfile": str(configfile),
        "workdir": str(root),
        "results_dir": study.results_dir,
        "resources_dir": study.resources_dir,
        "code_version": code["code_version"],
        "code_mismatch": mismatched_code,
        "cells": len(cells),
        "models": len(models),
        "with_predictions": with_predictions,
        "snakemake_version": snakemake.__version__,
    }
    write_json(tmp / "archive.json", summary)
    crate = build_crate(
        tmp,
        {
            "study": study.config["study"],
            "config_hash": study.hash,
            "code": code,
            "snakemake_version": snakemake.__version__,
            "created": created,
            "command": f"snakemake all --configfile {configfile.name} (in {root}); Snakemake's "
            "own logs of it are under logs/snakemake/",
            "start_time": _iso(min(p.stat().st_mtime for p in inputs or outputs)),
            "end_time": _iso(max(p.stat().st_mtime for p in outputs)),
            "config": "config/resolved.yaml",
            "data_manifests": sorted(k for k in files if k.startswith("resources/data/")),
            "summary_files": sorted(k for k in files if k.startswith("results/summary/")),
            "datasets": {
                folder: title
                for folder, title in {
                    "results/logs": "Step logs of the run",
                    "resources/logs": "Step logs of data and model preparation",
                    "logs/snakemake": "Snakemake's logs of the run",
                    "logs/slurm": "SLURM job logs of the run",
                    "results/benchmarks": "Snakemake benchmark files",
                    "resources/benchmarks": "Snakemake benchmark files (preparation)",
                    "code": "Code version: commit, changes, Snakemake archive members",
                    "environment": "Software environment: pip freeze, conda env, platform",
                    "identities": "Per-cell identity table: config, code, data, predictions and model hashes",
                    "resources": "Data and features manifests, starting model metadata",
                }.items()
                if (tmp / folder).is_dir()
            },
            "files": {
                "CITATION.cff": "How to cite the workflow (Citation File Format)",
                "README.md": "How to verify and reproduce this archive",
                "archive.json": "Archive summary",
            },
        },
    )
    crate.write(tmp)
    write_manifest(tmp)
    _readable(tmp)


def _readable(root: Path) -> None:
    """Atomic writes make private temporary files; an archive is for others to read."""
    root.chmod(0o755)
    for path in root.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
