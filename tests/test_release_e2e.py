"""End to end through Snakemake with release-file sources: the real task registry's readers
(XNLI/GLUE TSV, CoNLL-U, SQuAD JSON, Tatoeba line files, XCOPA/COPA/Social IQa JSON lines) on
the embedded datasets written in those formats, and the source check that stops a run
before any job when a release file is missing."""

import json
import shutil

import pandas as pd
import pytest
from test_workflow_e2e import ROOT, snakemake_with

from xstilts.data.synthetic.release import write_release_tree
from xstilts.io import sha256_file

CONFIG = ROOT / "config/test-release.yaml"
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def release_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("release-e2e")
    write_release_tree(workdir / "release")
    snakemake_with(CONFIG, workdir, "all")
    return workdir


def test_table_has_every_real_target(release_run):
    table = pd.read_csv(release_run / "results-release/summary/table.csv")
    assert list(table["recipe"]) == ["baseline", "mnli"]
    for task in ["xnli", "udpos", "xquad", "tatoeba", "xcopa"]:
        assert table[f"{task}_mean"].notna().all(), task
    scores = pd.read_csv(release_run / "results-release/summary/scores.csv")
    english = scores[scores["language"] == "en"].set_index(["recipe", "task"])["score"]
    # Learned from the release files: above chance in English.
    assert (english.xs("xnli", level="task") > 40).all()  # 3 classes
    assert (english.xs("udpos", level="task") > 80).all()
    assert set(scores["setting"]) == {"zero-shot"}
    markdown = (release_run / "results-release/summary/table.md").read_text()
    assert "| tiny-xlmr | baseline | xquad |" in markdown  # the QA table: F1, EM, (EM+F1)/2
    assert "the xquad model" in markdown and "trained after the siqa stage" in markdown


def test_manifests_record_the_release_files_read(release_run):
    root = release_run / "release"
    for dataset, split, some_file in [
        ("xnli", "test", "XNLI-1.0/xnli.test.tsv"),
        ("mnli", "train", "train.tsv"),
        ("udpos", "test", "ud-treebanks-v2.5/UD_Xa-Toy/xa_toy-ud-test.conllu"),
        ("tatoeba", "test", "tatoeba.xaa-eng.eng"),
        ("siqa", "train", "train-labels.lst"),
    ]:
        manifest = json.loads(
            (release_run / f"resources-release/data/{dataset}/{split}/manifest.json").read_text()
        )
        assert manifest["split"] == split
        source = manifest["source"]
        assert source["kind"] == "release", dataset
        folder = release_run / source["root"]  # relative to the working directory
        assert folder.resolve().is_relative_to(root)
        assert source["input_sha256"][some_file] == sha256_file(folder / some_file), dataset


def test_xcopa_trains_after_its_prelude_stage(release_run):
    model = json.loads(
        (release_run / "results-release/tiny-xlmr/mnli/xcopa/seed1/model/xstilts.json").read_text()
    )
    assert model["chain"] == ["mnli", "siqa"]
    assert model["init"].endswith("stages/mnli/siqa/encoder")
    score = json.loads(
        (release_run / "results-release/tiny-xlmr/baseline/xcopa/seed1/scores/xa.json").read_text()
    )
    assert score["provenance"]["chain"] == ["siqa"]


def test_missing_release_file_stops_the_run_before_any_job(tmp_path):
    write_release_tree(tmp_path / "release")
    missing = tmp_path / "release/xquad/xquad.xb.json"
    missing.unlink()
    shutil.rmtree(tmp_path / "release/socialiqa-train-dev")
    # a dry run reports what the real run would stop on (it used to say nothing)
    for mode in (["--dry-run"], []):
        result = snakemake_with(CONFIG, tmp_path, "all", *mode, check=False)
        assert result.returncode != 0, mode
        output = result.stdout + result.stderr
        assert "data sources are not ready" in output
        assert str(missing) in output
        assert "socialiqa-train-dev/train.jsonl" in output
        assert not (tmp_path / "resources-release").exists()  # no job ran
