"""Archiving the end-to-end run of config/test-small.yaml (shared with test_workflow_e2e.py),
verifying the archive, reading its RO-Crate back and reproducing two of its cells."""

import csv
import json
import shutil
import subprocess
import sys

import pytest
import yaml
from rocrate.rocrate import ROCrate
from test_workflow_e2e import CONFIG, ROOT

from xstilts.archive.__main__ import main
from xstilts.archive.capture import same_workflow_code
from xstilts.archive.collect import parse_cell, unknown_fields
from xstilts.archive.manifest import verify, write_manifest
from xstilts.archive.reproduce import compare
from xstilts.io import write_folder_record

pytestmark = pytest.mark.e2e
CELLS = ["tiny-xlmr/baseline/toy-xnli/seed1/en", "tiny-xlmr/baseline/toy-xnli/seed1/xa"]


def archive_command(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "xstilts.archive", *args],
        capture_output=True,
        text=True,
        timeout=1800,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def archived(study_run, tmp_path_factory):
    out = tmp_path_factory.mktemp("archive") / "test-small"
    result = archive_command(
        "create",
        "--configfile",
        str(ROOT / CONFIG),
        "--directory",
        str(study_run),
        "--out",
        str(out),
        "--with-predictions",
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return out


def _git_head() -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()


def test_archive_holds_the_run_and_verifies(archived, study_run):
    assert verify(archived).ok
    assert main(["verify", str(archived.with_name("test-small.tar.gz"))]) == 0
    resolved = yaml.safe_load((archived / "config/resolved.yaml").read_text())
    assert resolved == yaml.safe_load((ROOT / CONFIG).read_text())
    for name in ("table.md", "table.csv", "scores.csv", "question.md"):
        run_file = study_run / "results-test/summary" / name
        assert (archived / "results/summary" / name).read_bytes() == run_file.read_bytes()
    score = "tiny-xlmr/pawsx-mnli/toy-xquad/seed1/scores/xb.json"
    assert (archived / "results" / score).read_bytes() == (
        study_run / "results-test" / score
    ).read_bytes()
    assert (archived / "results/tiny-xlmr/baseline/toy-xnli/seed1/predictions/xa.jsonl").is_file()
    version = json.loads((archived / "code/version.json").read_text())
    assert version["commit"] == _git_head()
    assert (archived / "code/diff.patch").is_file() == version["dirty"]
    assert (archived / "workflow/Snakefile").is_file()  # snakemake --archive, unpacked
    assert (
        "rules/training.smk"
        in json.loads((archived / "code/snakemake-archive.json").read_text())["members"]
    )
    assert "torch==2.13.0" in (archived / "environment/pip-freeze.txt").read_text()
    platform = json.loads((archived / "environment/platform.json").read_text())
    assert platform["torch"]["version"].startswith("2.13.0")
    assert (archived / "resources/data/toy-xnli/test/manifest.json").is_file()
    assert list((archived / "results/logs").rglob("train.log"))
    assert list((archived / "logs/snakemake").glob("*.snakemake.log"))


def test_one_changed_byte_is_named(archived, tmp_path, capsys):
    copy = tmp_path / "copy"
    shutil.copytree(archived, copy)
    score = copy / "results/tiny-xlmr/baseline/toy-xnli/seed1/scores/xa.json"
    data = bytearray(score.read_bytes())
    data[10] ^= 1
    score.write_bytes(bytes(data))
    (copy / "environment/pip-freeze.txt").unlink()
    (copy / "results/summary/notes.txt").write_text("added later")
    assert main(["verify", str(copy)]) == 1
    printed = capsys.readouterr().out
    assert "changed  results/tiny-xlmr/baseline/toy-xnli/seed1/scores/xa.json" in printed
    assert "missing  environment/pip-freeze.txt" in printed
    assert "added    results/summary/notes.txt" in printed


def test_ro_crate_reads_back_as_a_workflow_run(archived):
    crate = ROCrate(archived)
    workflow = crate.mainEntity
    assert workflow.id == "workflow/Snakefile" and "ComputationalWorkflow" in workflow.type
    assert workflow["programmingLanguage"]["name"] == "Snakemake"
    (run,) = crate.get_by_type("CreateAction")
    assert run["instrument"] is workflow
    objects = {e.id for e in run["object"]}
    assert (
        "config/resolved.yaml" in objects
        and "resources/data/toy-xnli/test/manifest.json" in objects
    )
    assert {"results/", "results/summary/table.md"} <= {e.id for e in run["result"]}
    assert run in crate.root_dataset["mentions"]
    assert {e.id for e in crate.root_dataset["conformsTo"]} == {
        "https://w3id.org/ro/wfrun/process/0.5",
        "https://w3id.org/ro/wfrun/workflow/0.5",
    }
    for entity in crate.data_entities:  # every described file is in the archive
        assert (archived / entity.id).exists(), entity.id


def test_every_cell_is_tied_to_its_config_code_data_and_model(archived):
    rows = list(csv.DictReader((archived / "identities/cells.csv").open()))
    assert len(rows) == 56
    identities = json.loads((archived / "identities/identities.json").read_text())
    head = _git_head()
    for row in rows:
        assert row["config_hash"] == identities["config"]["hash"]
        # the archived checkout's commit, or one whose workflow code is the same (when only
        # documentation or tests were committed between the run and the archive)
        commit = row["code_version"].removesuffix("-dirty")
        assert commit == head or same_workflow_code(commit), row["cell"]
        manifest = identities["data"][f"{row['test_dataset']}/test"]["files"]
        assert row["data_file_sha256"] == manifest[f"{row['language']}/test.parquet"]
        model = identities["models"][row["model_dir"]]
        assert row["model_weights_sha256"] == model["weights_sha256"]
        assert unknown_fields(row) == [], row["cell"]


def test_archiving_refuses_scores_from_another_config(study_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(study_run / "results-test", run / "results-test")
    shutil.copytree(study_run / "resources-test", run / "resources-test")
    score = run / "results-test/tiny-xlmr/baseline/toy-xcopa/seed1/scores/xb.json"
    record = json.loads(score.read_text())
    record["provenance"]["config_hash"] = "0" * 16
    record["provenance"]["settings_sha256"] = "1" * 16
    score.write_text(json.dumps(record))
    create = ("create", "--configfile", str(ROOT / CONFIG), "--directory", str(run), "--no-tar")
    # changed by hand: the scores folder's record no longer matches
    result = archive_command(*create)
    assert result.returncode == 2
    assert f"{score}:" in result.stderr and "changed or damaged" in result.stderr
    # a valid folder that another config produced (its record rewritten, as a run would)
    meta = json.loads((score.parent / "xstilts.json").read_text())
    write_folder_record(score.parent, {"kind": meta["kind"], "cell": meta["cell"]})
    result = archive_command(*create)
    assert result.returncode == 2
    assert (
        "results/tiny-xlmr/baseline/toy-xcopa/seed1/scores/xb.json: predicted and scored with "
        "settings 1111111111111111" in result.stderr
    )
    assert not (run / "archives").exists()


def test_a_config_change_that_retrained_nothing_archives_as_that_configs_run(study_run, tmp_path):
    """Narrowing a task's test languages reruns its prediction and scoring only; the models,
    trained under the old config's hash, have the new config's training settings, so the run
    archives as the new config's (before: every model and score file was refused for its hash,
    and the advice was to retrain them all)."""
    from test_workflow_e2e import snakemake_with

    run = tmp_path / "run"
    shutil.copytree(study_run / "results-test", run / "results-test")
    shutil.copytree(study_run / "resources-test", run / "resources-test")
    shutil.copytree(study_run / ".snakemake", run / ".snakemake")
    config = yaml.safe_load((ROOT / CONFIG).read_text())
    config["languages"] = {"toy-xnli": ["en", "xa"]}
    config["training"]["defaults"]["checkpoint_every"] = 7
    narrowed = tmp_path / "narrowed.yaml"
    narrowed.write_text(yaml.safe_dump(config, sort_keys=False))
    result = snakemake_with(narrowed, run, "all")
    assert "train_target" not in result.stdout + result.stderr
    model = json.loads(
        (run / "results-test/tiny-xlmr/baseline/toy-xnli/seed1/model/xstilts.json").read_text()
    )
    out = tmp_path / "archived"
    result = archive_command(
        "create",
        "--configfile",
        str(narrowed),
        "--directory",
        str(run),
        "--out",
        str(out),
        "--no-tar",
    )
    assert result.returncode == 0, result.stderr[-4000:]
    identities = json.loads((out / "identities/identities.json").read_text())
    assert model["config_hash"] != identities["config"]["hash"]  # trained under the old config
    xnli = [c for c in identities["cells"] if c["task"] == "toy-xnli"]
    assert sorted({c["language"] for c in xnli}) == ["en", "xa"]
    assert all(c["config_hash"] == identities["config"]["hash"] for c in xnli)  # rescored


def test_reproduce_two_cells_gives_identical_scores(archived, tmp_path):
    workdir = tmp_path / "rerun"
    result = archive_command(
        "reproduce", str(archived), "--cells", *CELLS, "--workdir", str(workdir)
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "data identical to the archived manifests" in result.stdout
    assert "2 of 2 cells reproduce (exact)" in result.stdout
    report = json.loads((workdir / "reproduce.json").read_text())
    assert [row["result"] for row in report["cells"]] == ["ok", "ok"]
    for cell in CELLS:
        rel = parse_cell(cell).score("results")[len("results/") :]
        fresh = json.loads((workdir / "results-test" / rel).read_text())
        old = json.loads((archived / "results" / rel).read_text())
        assert (fresh["score"], fresh["metrics"]) == (old["score"], old["metrics"])
    assert verify(archived).ok  # reproducing leaves the archive as it was

    # the same rerun against an archive whose score for one cell is another: it fails on it
    other = tmp_path / "other"
    shutil.copytree(archived, other)
    score = other / "results" / parse_cell(CELLS[1]).score("results")[len("results/") :]
    record = json.loads(score.read_text())
    record["metrics"]["accuracy"] += 1e-9
    score.write_text(json.dumps(record))
    write_manifest(other)
    assert compare(other, workdir, [parse_cell(c) for c in CELLS], tolerance=0.0) == 1
    rows = json.loads((workdir / "reproduce.json").read_text())["cells"]
    assert rows[0]["result"] == "ok" and rows[1]["result"].startswith("DIFFERS: metrics.accuracy")
    assert compare(other, workdir, [parse_cell(c) for c in CELLS], tolerance=1e-6) == 0
