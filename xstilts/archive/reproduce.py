"""`python -m xstilts.archive reproduce`: rerun a chosen or random sample of an archive's cells
in a fresh folder, from the archived config and code, and compare the new scores with the
archived ones cell by cell (exact by default: on CPU a rerun is bit-identical).

The regenerated data is checked against the archived data manifests before anything is
trained (the embedded default regenerates its data from the generator seed; hub and release
data must come out with the same checksums), so no number is compared that was computed from
other data."""

from __future__ import annotations

import json
import math
import os
import random
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from xstilts.archive.collect import ArchiveError, Cell, parse_cell
from xstilts.archive.manifest import verify
from xstilts.io import read_json

# Config keys that say where things are, not what is computed: a reproduction may move them.
RELOCATABLE = ("results_dir", "resources_dir", "data.release_root")


def choose_cells(
    archived: list[str], wanted: list[str] | None, sample: int | None, seed: int
) -> list[Cell]:
    """The cells to rerun: the ones named, a seeded random sample of the archive's cells, or
    (sample None) all of them."""
    known = {parse_cell(key) for key in archived}
    if sample is None and not wanted:
        return sorted(known)
    if wanted:
        chosen = [parse_cell(text) for text in wanted]
        unknown = [c.key for c in chosen if c not in known]
        if unknown:
            raise ArchiveError(
                f"not cells of this archive: {', '.join(unknown)} "
                "(its cells are listed in identities/cells.csv)"
            )
        return chosen
    if sample < 1:
        raise ArchiveError("--sample must be at least 1")
    return sorted(random.Random(seed).sample(sorted(known), min(sample, len(known))))


def _cells_option(chosen: list[Cell], archived: int) -> str:
    if len(chosen) == archived:
        return "--all"
    return "--cells " + " ".join(c.key for c in chosen)


def relocate(config: dict, release_root: str | None) -> tuple[dict, list[str]]:
    """The archived config for a fresh folder: absolute results/resources folders become
    relative ones (a reproduction never writes into the original run), and the release files
    may be elsewhere. Returns the config and the keys changed."""
    config = json.loads(json.dumps(config))
    changed = []
    for key, default in (("results_dir", "results"), ("resources_dir", "resources")):
        if Path(config.get(key, default)).is_absolute():
            config[key] = default
            changed.append(key)
    if release_root is not None:
        config.setdefault("data", {})["release_root"] = str(Path(release_root).resolve())
        changed.append("data.release_root")
    return config, changed


def _snakemake(snakefile: Path, workdir: Path, targets: list[str], cores: int, extra=(), log=None):
    cmd = [
        str(Path(sys.executable).parent / "snakemake"),
        *targets,
        "--snakefile",
        str(snakefile),
        "--directory",
        str(workdir),
        "--configfile",
        str(workdir / "config.yaml"),
        "--cores",
        str(cores),
        *extra,
    ]
    with open(log, "w", encoding="utf-8") as handle:
        result = subprocess.run(
            cmd, cwd=workdir, stdout=handle, stderr=subprocess.STDOUT, text=True, env=os.environ
        )
    if result.returncode != 0:
        tail = Path(log).read_text(encoding="utf-8")[-3000:]
        raise ArchiveError(f"snakemake failed ({result.returncode}), log {log}:\n{tail}")


def data_problems(resources: Path, archived: dict) -> list[str]:
    """Regenerated dataset splits whose files or source differ from the archived manifests
    (`archived`: keyed dataset/split; an archive of format 1 keys them by dataset, one folder
    each, as its workflow wrote them)."""
    problems = []
    per_split = not archived or any("/" in name for name in archived)
    pattern = "*/*/manifest.json" if per_split else "*/manifest.json"
    for manifest in sorted((resources / "data").glob(pattern)):
        folder = manifest.parent
        name = f"{folder.parent.name}/{folder.name}" if per_split else folder.name
        fresh = read_json(manifest)
        if name not in archived:
            problems.append(f"{name}: regenerated, but the archive has no manifest for it")
            continue
        expected = archived[name]
        for rel in sorted(set(fresh["files"]) | set(expected["files"])):
            if fresh["files"].get(rel) != expected["files"].get(rel):
                problems.append(
                    f"{name}/{rel}: sha256 {fresh['files'].get(rel)}, archived "
                    f"{expected['files'].get(rel)}"
                )
        if fresh["source"] != expected["source"]:
            problems.append(f"{name}: source {fresh['source']} differs from the archived one")
    if not any((resources / "data").glob(pattern)):
        problems.append(f"{resources}/data: no dataset was prepared")
    return problems


def _numbers(record: dict) -> dict:
    values = {"score": record.get("score"), "n_examples": record.get("n_examples")}
    values.update({f"metrics.{k}": v for k, v in (record.get("metrics") or {}).items()})
    return values


def compare_record(archived: dict, fresh: dict, tolerance: float) -> tuple[float, list[str]]:
    """Largest absolute difference over the score and every metric, and what differs beyond
    `tolerance` (0: exact equality)."""
    worst, bad = 0.0, []
    a, b = _numbers(archived), _numbers(fresh)
    for key in sorted(set(a) | set(b)):
        x, y = a.get(key), b.get(key)
        if isinstance(x, int | float) and isinstance(y, int | float):
            diff = abs(x - y) if not (math.isnan(x) and math.isnan(y)) else 0.0
            worst = max(worst, diff)
            if diff > tolerance:
                bad.append(f"{key}: {x} -> {y}")
        elif x != y:
            worst = math.inf
            bad.append(f"{key}: {x} -> {y}")
    return worst, bad


def model_differences(archive_ids: dict, workdir: Path, config: dict) -> tuple[int, list[str]]:
    """Models of the rerun compared with the archived weight hashes: (identical, differing)."""
    from xstilts.archive.collect import model_identity

    roots = {
        "results": workdir / config.get("results_dir", "results"),
        "resources": workdir / config.get("resources_dir", "resources"),
    }
    same, differ = 0, []
    for archived_path, entry in archive_ids.items():
        top, _, rel = archived_path.partition("/")
        folder = roots[top] / rel
        if not folder.is_dir():
            continue
        if model_identity(folder)["weights_sha256"] == entry["weights_sha256"]:
            same += 1
        else:
            differ.append(archived_path)
    return same, differ


def _package_notes(archive: Path) -> list[str]:
    from xstilts.provenance import package_versions

    here = package_versions()
    notes = []
    for env in read_json(archive / "environment" / "run-environments.json"):
        for name, version in (env.get("packages") or {}).items():
            if here.get(name) != version:
                notes.append(f"{name} {version} in the run, {here.get(name)} here")
    return sorted(set(notes))


def reproduce(
    archive,
    cells: list[str] | None = None,
    sample: int = 2,
    seed: int = 0,
    workdir=None,
    cores: int = 2,
    tolerance: float = 0.0,
    release_root: str | None = None,
    snakefile=None,
    snakemake_args: str = "",
    log=print,
) -> int:
    """Rerun cells of `archive` in the fresh folder `workdir`; 0 when every score agrees.
    `sample` None reruns every cell and compares the summary tables too."""
    extra = shlex.split(snakemake_args)

    archive = Path(archive).resolve()
    check = verify(archive)
    if not check.ok:
        raise ArchiveError(
            f"{archive} does not match its manifest; not reproducing from it:\n"
            + "\n".join(check.lines())
        )
    identities = read_json(archive / "identities" / "identities.json")
    archived_rows = {row["cell"]: row for row in identities["cells"]}
    chosen = choose_cells(list(archived_rows), cells, sample, seed)
    log(f"reproducing {len(chosen)} cells: {_cells_option(chosen, len(archived_rows))}")

    workdir = Path(workdir or Path.cwd() / "reproduce" / archive.name).resolve()
    if workdir.exists() and any(workdir.iterdir()):
        raise ArchiveError(f"{workdir} is not empty; a reproduction runs in a fresh folder")
    workdir.mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load((archive / "config" / "resolved.yaml").read_text(encoding="utf-8"))
    config, relocated = relocate(config, release_root)
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    if snakefile is None:
        shutil.copytree(archive / "workflow", workdir / "workflow")
        snakefile = workdir / "workflow" / "Snakefile"
    snakefile = Path(snakefile).resolve()
    out = config.get("results_dir", "results")
    # every cell: the whole study, summary tables included
    whole = len(chosen) == len(archived_rows)
    targets = ["all"] if whole else sorted({cell.scores_dir(out) for cell in chosen})
    logs = workdir / "reproduce-logs"
    logs.mkdir()

    log(f"preparing data in {workdir} ...")
    _snakemake(
        snakefile, workdir, targets, cores, ["--until", "prepare_data", *extra], logs / "data.log"
    )
    problems = data_problems(workdir / config.get("resources_dir", "resources"), identities["data"])
    if problems:
        log("the regenerated data differs from the archive; no score is compared:")
        log("\n".join(f"  - {p}" for p in problems))
        return 1
    log("data identical to the archived manifests; training and scoring ...")
    _snakemake(snakefile, workdir, targets, cores, extra, logs / "run.log")

    return compare(archive, workdir, chosen, tolerance, relocated, log)


def compare(
    archive: Path, workdir: Path, chosen: list[Cell], tolerance: float, relocated=(), log=print
) -> int:
    """Compare the rerun cells in `workdir` with `archive`: print a table (also written to
    `workdir`/reproduce.json) and return 1 on any difference beyond `tolerance`."""
    from tabulate import tabulate

    identities = read_json(archive / "identities" / "identities.json")
    archived_rows = {row["cell"]: row for row in identities["cells"]}
    config = yaml.safe_load((workdir / "config.yaml").read_text(encoding="utf-8"))
    out = config.get("results_dir", "results")
    table, failed = [], 0
    for cell in chosen:
        row = archived_rows[cell.key]
        archived = read_json(archive / row["score_file"])
        fresh = read_json(workdir / cell.score(out))
        worst, bad = compare_record(archived, fresh, tolerance)
        fresh_predictions = (fresh.get("provenance") or {}).get("predictions_sha256")
        failed += bool(bad)
        table.append(
            {
                "cell": cell.key,
                "metric": archived.get("primary"),
                "archived": archived.get("score"),
                "reproduced": fresh.get("score"),
                "max |diff|": worst,
                "predictions": "identical"
                if fresh_predictions == row["predictions_sha256"]
                else "differ",
                "result": "ok" if not bad else "DIFFERS: " + "; ".join(bad),
            }
        )
    log(tabulate(table, headers="keys", floatfmt=".6g"))
    same, differ = model_differences(identities["models"], workdir, config)
    log(f"models: {same} identical to the archived weights, {len(differ)} differ {differ or ''}")
    fresh_hash = read_json(workdir / chosen[0].score(out))["provenance"]["config_hash"]
    archived_hash = identities["config"]["hash"]
    hash_differs = not relocated and fresh_hash != archived_hash
    if relocated:
        log(f"config hash {fresh_hash} (archived {archived_hash}; moved: {list(relocated)})")
    else:
        log(
            f"config hash {fresh_hash}, "
            + ("FAILED: archived " + archived_hash if hash_differs else "as archived")
        )
    whole = len(chosen) == len(archived_rows)
    summary = (
        summary_problems(archive / "results" / "summary", workdir / out / "summary", tolerance)
        if whole
        else []
    )
    if whole:
        log("summary tables: " + ("as archived" if not summary else "FAILED"))
        for problem in summary:
            log(f"  - {problem}")
    for note in _package_notes(archive):
        log(f"note: {note}")
    tol = "exact" if tolerance == 0 else f"tolerance {tolerance}"
    log(
        f"{len(chosen) - failed} of {len(chosen)} cells reproduce ({tol}); the same cells "
        f"again: {_cells_option(chosen, len(archived_rows))}"
    )
    (workdir / "reproduce.json").write_text(
        json.dumps({"tolerance": tolerance, "cells": table, "models_differ": differ}, indent=2)
    )
    return 1 if failed or hash_differs or summary else 0


def summary_problems(archived: Path, fresh: Path, tolerance: float) -> list[str]:
    """Summary files (tables, question) of a whole-study rerun against the archived ones:
    byte-identical when exact, CSV numbers within `tolerance` otherwise."""
    import pandas as pd

    problems = []
    # tables and text; figures and reports may embed creation dates
    tables = (".csv", ".md", ".json", ".txt", ".tsv")
    for path in sorted(p for p in archived.iterdir() if p.is_file() and p.suffix in tables):
        other = fresh / path.name
        if not other.is_file():
            problems.append(f"{path.name}: not made by the rerun")
        elif path.read_bytes() == other.read_bytes():
            continue
        elif tolerance == 0 or path.suffix != ".csv":
            problems.append(f"{path.name}: differs from the archived file")
        else:
            try:
                pd.testing.assert_frame_equal(
                    pd.read_csv(path), pd.read_csv(other), check_exact=False, rtol=0, atol=tolerance
                )
            except AssertionError as err:
                problems.append(f"{path.name}: {str(err).splitlines()[0]}")
    return problems
