"""The archive's parts without a workflow run: the manifest check, cell names and sampling,
relocating a config for a reproduction, score and data comparisons, the RO-Crate."""

import json

import pytest
import yaml
from rocrate.rocrate import ROCrate

from xstilts.archive.__main__ import main
from xstilts.archive.collect import (
    Cell,
    code_problems,
    model_identity,
    parse_cell,
    unknown_fields,
)
from xstilts.archive.crate import build_crate
from xstilts.archive.manifest import MANIFEST, ManifestError, verify, write_manifest
from xstilts.archive.reproduce import choose_cells, compare_record, data_problems, relocate
from xstilts.io import write_json


def _tree(root):
    (root / "results/summary").mkdir(parents=True)
    (root / "results/summary/table.md").write_text("| a |\n")
    (root / "config").mkdir()
    (root / "config/resolved.yaml").write_text("study: x\n")
    return root


def test_manifest_verifies_and_names_changed_missing_and_added_files(tmp_path, capsys):
    root = _tree(tmp_path / "archive")
    sums = write_manifest(root)
    assert set(sums) == {"results/summary/table.md", "config/resolved.yaml"}
    assert verify(root).ok and main(["verify", str(root)]) == 0
    (root / "results/summary/table.md").write_bytes(b"| b |\n")  # one byte changed
    (root / "config/resolved.yaml").unlink()
    (root / "extra.txt").write_text("new")
    result = verify(root)
    assert (result.changed, result.missing, result.added) == (
        ["results/summary/table.md"],
        ["config/resolved.yaml"],
        ["extra.txt"],
    )
    capsys.readouterr()
    assert main(["verify", str(root)]) == 1
    printed = capsys.readouterr().out
    assert "changed  results/summary/table.md" in printed and "FAILED: 3" in printed


def test_manifest_is_sha256sum_format(tmp_path):
    import hashlib

    root = _tree(tmp_path / "archive")
    write_manifest(root)
    line = (root / MANIFEST).read_text().splitlines()[0]
    digest, rel = line.split("  ")
    assert digest == hashlib.sha256((root / rel).read_bytes()).hexdigest()


def test_verify_refuses_a_folder_without_manifest(tmp_path):
    with pytest.raises(ManifestError, match="no manifest"):
        verify(_tree(tmp_path / "archive"))


def test_cells_are_named_by_coordinates_or_score_paths():
    cell = Cell("tiny-xlmr", "pawsx-mnli", "toy-xnli", 2, "xb")
    assert parse_cell(cell.key) == cell
    assert parse_cell("results/tiny-xlmr/pawsx-mnli/toy-xnli/seed2/scores/xb.json") == cell
    assert cell.score("results") == "results/tiny-xlmr/pawsx-mnli/toy-xnli/seed2/scores/xb.json"
    with pytest.raises(ValueError, match="model/recipe/task/seedN/language"):
        parse_cell("tiny-xlmr/toy-xnli/xb")


def test_sample_is_seeded_and_named_cells_must_exist():
    keys = [f"m/r/t/seed1/l{i}" for i in range(20)]
    first = choose_cells(keys, None, 3, seed=7)
    assert first == choose_cells(keys, None, 3, seed=7) and len(set(first)) == 3
    assert first != choose_cells(keys, None, 3, seed=8)
    assert choose_cells(keys, ["m/r/t/seed1/l4"], 3, 0) == [parse_cell("m/r/t/seed1/l4")]
    with pytest.raises(Exception, match="not cells of this archive"):
        choose_cells(keys, ["m/r/t/seed1/zz"], 3, 0)


def test_relocation_moves_only_absolute_output_folders():
    config = {"results_dir": "/scratch/results", "resources_dir": "res", "data": {"seed": 1}}
    moved, changed = relocate(config, release_root="/data/release")
    assert moved["results_dir"] == "results" and moved["resources_dir"] == "res"
    assert moved["data"] == {"seed": 1, "release_root": "/data/release"}
    assert changed == ["results_dir", "data.release_root"]
    assert config["results_dir"] == "/scratch/results"  # the archived config is untouched
    assert relocate({"results_dir": "r"}, None) == ({"results_dir": "r"}, [])


def test_scores_compare_exactly_by_default_and_within_a_tolerance():
    archived = {"score": 50.0, "n_examples": 10, "metrics": {"f1": 50.0, "exact_match": 40.0}}
    same = json.loads(json.dumps(archived))
    assert compare_record(archived, same, 0.0) == (0.0, [])
    nudged = {**archived, "metrics": {"f1": 50.0, "exact_match": 40.0 + 1e-9}}
    worst, bad = compare_record(archived, nudged, 0.0)
    assert bad == [f"metrics.exact_match: 40.0 -> {40.0 + 1e-9}"] and worst > 0
    assert compare_record(archived, nudged, 1e-6)[1] == []
    fewer = {**archived, "n_examples": 9}
    assert compare_record(archived, fewer, 0.5)[1] == ["n_examples: 10 -> 9"]


def test_regenerated_data_must_match_the_archived_manifests(tmp_path):
    manifest = {
        "source": {"kind": "synthetic", "generator_seed": 13},
        "files": {"en/test.parquet": "aa"},
    }
    write_json(tmp_path / "data/toy-xnli/test/manifest.json", manifest)
    assert data_problems(tmp_path, {"toy-xnli/test": manifest}) == []
    other = {**manifest, "files": {"en/test.parquet": "bb"}}
    assert data_problems(tmp_path, {"toy-xnli/test": other}) == [
        "toy-xnli/test/en/test.parquet: sha256 aa, archived bb"
    ]
    assert "no manifest for it" in data_problems(tmp_path, {"toy-xnli/dev": manifest})[0]
    # an archive of format 1: one data folder per dataset, keyed by its name
    write_json(tmp_path / "old/data/toy-xnli/manifest.json", manifest)
    assert data_problems(tmp_path / "old", {"toy-xnli": manifest}) == []
    assert data_problems(tmp_path / "old", {"toy-xnli": other}) == [
        "toy-xnli/en/test.parquet: sha256 aa, archived bb"
    ]


def test_model_identity_hashes_weights_not_metadata(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"weights")
    (tmp_path / "xstilts.json").write_text('{"seconds_this_run": 1}')
    first = model_identity(tmp_path)
    (tmp_path / "xstilts.json").write_text('{"seconds_this_run": 2}')
    assert model_identity(tmp_path) == first and list(first["files"]) == ["model.safetensors"]
    (tmp_path / "model.safetensors").write_bytes(b"weightz")
    assert model_identity(tmp_path)["weights_sha256"] != first["weights_sha256"]


def test_unknown_identity_fields_are_named():
    row = {
        "config_hash": "c",
        "settings_sha256": "s",
        "code_version": "unknown",
        "code_sha256": "not recorded",
        "data_file_sha256": "d",
        "predictions_sha256": None,
        "model_sha256": "m",
    }
    assert unknown_fields(row) == ["code_version", "code_sha256", "predictions_sha256"]


def test_crate_reads_back_as_a_workflow_run(tmp_path):
    """The RO-Crate of a minimal archive folder: rocrate reads it back with the Snakefile as
    main workflow and one CreateAction whose instrument it is."""
    root = _tree(tmp_path / "archive")
    (root / "workflow").mkdir()
    (root / "workflow/Snakefile").write_text("rule all:\n")
    (root / "resources/data/toy-xnli/test").mkdir(parents=True)
    write_json(root / "resources/data/toy-xnli/test/manifest.json", {"files": {}})
    (root / "CITATION.cff").write_text(
        yaml.safe_dump({"cff-version": "1.2.0", "title": "xstilts", "authors": [{"name": "Us"}]})
    )
    crate = build_crate(
        root,
        {
            "study": "s",
            "config_hash": "abc",
            "code": {"code_version": "deadbeef"},
            "snakemake_version": "9.27.1",
            "created": "2026-01-01T00:00:00+00:00",
            "command": "snakemake all",
            "start_time": "2026-01-01T00:00:00+00:00",
            "end_time": "2026-01-01T01:00:00+00:00",
            "config": "config/resolved.yaml",
            "data_manifests": ["resources/data/toy-xnli/test/manifest.json"],
            "summary_files": ["results/summary/table.md"],
            "datasets": {},
            "files": {},
        },
    )
    crate.write(root)
    back = ROCrate(root)
    assert back.mainEntity.id == "workflow/Snakefile"
    assert "ComputationalWorkflow" in back.mainEntity.type
    (action,) = back.get_by_type("CreateAction")
    assert action["instrument"].id == "workflow/Snakefile"
    assert {e.id for e in action["object"]} == {
        "config/resolved.yaml",
        "resources/data/toy-xnli/test/manifest.json",
    }
    assert "results/summary/table.md" in {e.id for e in action["result"]}
    profiles = {e.id for e in back.root_dataset["conformsTo"]}
    assert "https://w3id.org/ro/wfrun/workflow/0.5" in profiles
    assert back.root_dataset["author"][0]["name"] == "Us"


def test_outputs_of_another_commit_are_refused_unless_its_workflow_code_is_the_same():
    rows = [
        {"score_file": "results/a.json", "code_version": "c1", "trained_code_version": "c1-dirty"},
        {"score_file": "results/b.json", "code_version": "c0", "trained_code_version": "c1"},
    ]
    models = {"results/m": {"metadata": {"environment": {"code_version": "c0"}}}}
    assert code_problems(rows, models, "c1") == [
        "results/b.json (code_version) and 1 more outputs: made by code c0, the checkout's "
        "workflow code (c1) differs"
    ]
    assert code_problems(rows, models, "c1", same_code=lambda commit: commit == "c0") == []
    assert len(code_problems(rows, models, "c2", same_code=lambda commit: False)) == 3


def test_same_workflow_code_is_decided_by_git(tmp_path):
    import subprocess

    from xstilts.archive.capture import same_workflow_code

    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "t@example.org")
    git("config", "user.name", "t")
    (tmp_path / "xstilts").mkdir()
    (tmp_path / "xstilts/steps.py").write_text("x = 1\n")
    (tmp_path / "README.md").write_text("a\n")
    git("add", ".")
    git("commit", "-qm", "first")
    first = subprocess.run(
        ["git", "-C", str(tmp_path), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    (tmp_path / "README.md").write_text("b\n")  # documentation only: same numbers
    (tmp_path / "xstilts/archive").mkdir()
    (tmp_path / "xstilts/archive/create.py").write_text("y = 2\n")
    git("add", ".")
    git("commit", "-qm", "docs")
    assert same_workflow_code(first, tmp_path)
    (tmp_path / "xstilts/steps.py").write_text("x = 2\n")  # uncommitted code change counts
    assert not same_workflow_code(first, tmp_path)
    assert not same_workflow_code("0" * 40, tmp_path)  # a commit git does not know
