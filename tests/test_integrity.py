"""Damaged inputs are never used silently: data, features, tokenizer and model folders carry the
sizes and hashes of their files, checked where a step reads them; atomic writes clean up after
killed writers and give outputs normal permissions."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from xstilts.data.store import DataError, read_rows, verified_file, write_manifest
from xstilts.io import (
    IntegrityError,
    atomic_dir,
    atomic_path,
    folder_digest,
    recorded_files,
    verify_folder,
    write_folder_record,
    write_json,
)


def _dataset(root: Path) -> Path:
    import datasets

    data = root / "data"
    (data / "en").mkdir(parents=True)
    rows = [{"id": str(i), "text_a": f"a {i}", "text_b": None, "label": i % 3} for i in range(30)]
    datasets.Dataset.from_list(rows).to_parquet(str(data / "en" / "test.parquet"))
    write_manifest(data, "d", "classification", {"kind": "test"})
    return data


def test_a_changed_data_file_is_refused_with_a_working_advice(tmp_path):
    import datasets

    data = _dataset(tmp_path)
    assert len(read_rows(data, "en", "test")) == 30
    rows = read_rows(data, "en", "test")
    rows[0]["label"] = (rows[0]["label"] + 1) % 3  # one altered label, a valid parquet file
    datasets.Dataset.from_list(rows).to_parquet(str(data / "en" / "test.parquet"))
    with pytest.raises(DataError) as err:
        read_rows(data, "en", "test")
    message = str(err.value)
    assert str(data / "en" / "test.parquet") in message
    assert f"snakemake --force {data}" in message


def test_a_truncated_data_file_is_refused_before_parsing(tmp_path):
    data = _dataset(tmp_path)
    path = data / "en" / "test.parquet"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(DataError, match="bytes, but .* were written"):
        read_rows(data, "en", "test")


def test_the_hash_recorded_is_the_hash_read(tmp_path):
    import hashlib

    data = _dataset(tmp_path)
    path, digest = verified_file(data, "en", "test")
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_garbled_features_file_raises_instead_of_crashing(tmp_path):
    """pyarrow crashed the whole process on a garbled arrow file; now the record is checked
    first. The load runs in a child process, so a crash would show as a signal, not a pass."""
    import datasets

    from xstilts.data.features import write_features_manifest

    root = tmp_path / "features"
    datasets.Dataset.from_dict({"input_ids": [[0, 5, 2]] * 50}).save_to_disk(
        str(root / "en" / "features")
    )
    write_features_manifest(root, params={})
    arrow = next((root / "en" / "features").glob("*.arrow"))
    raw = bytearray(arrow.read_bytes())
    raw[len(raw) // 2 : len(raw) // 2 + 64] = b"\xff" * 64
    arrow.write_bytes(bytes(raw))
    code = (
        "import sys\n"
        "from xstilts.data.features import load_features\n"
        "from xstilts.io import IntegrityError\n"
        f"try:\n    load_features({str(root / 'en')!r})\n"
        "except IntegrityError as err:\n    print(err); sys.exit(7)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 7, result.stderr[-2000:]
    assert str(arrow) in result.stdout and "snakemake --force" in result.stdout


def test_garbled_model_weights_are_refused(tmp_path):
    from transformers import BertConfig, BertModel

    from xstilts.model.modeling import load_encoder

    model_dir = tmp_path / "model"
    BertModel(
        BertConfig(
            vocab_size=50,
            hidden_size=16,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=32,
        )
    ).save_pretrained(model_dir)
    write_folder_record(model_dir, {"kind": "test"})
    digest = folder_digest(model_dir)
    load_encoder(model_dir)
    weights = model_dir / "model.safetensors"
    raw = bytearray(weights.read_bytes())
    raw[-100] ^= 0xFF  # one flipped byte in the tensors: loads fine, computes garbage
    weights.write_bytes(bytes(raw))
    with pytest.raises(IntegrityError) as err:
        load_encoder(model_dir)
    assert str(weights) in str(err.value) and "sha256" in str(err.value)
    raw[-100] ^= 0xFF
    weights.write_bytes(bytes(raw))
    assert folder_digest(model_dir) == digest


def test_a_folder_without_its_record_is_refused(tmp_path):
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text("{}")
    with pytest.raises(IntegrityError, match="no record of its files"):
        verify_folder(tmp_path / "model")


def test_temporary_siblings_of_a_killed_writer_are_removed(tmp_path):
    target = tmp_path / "out"
    # what a SIGKILLed writer leaves: a temporary folder and file of a dead process
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os,sys\nfrom xstilts.io import atomic_dir, atomic_path\n"
            f"with atomic_dir({str(target)!r}) as tmp:\n"
            "    (tmp / 'half').write_text('x')\n"
            "    os._exit(9)\n",
        ]
    )
    assert child.returncode == 9
    assert list(tmp_path.glob(".out.tmp-*")), "the killed writer left nothing behind?"
    with atomic_dir(target) as tmp:
        (tmp / "done").write_text("y")
    assert not list(tmp_path.glob(".out.tmp-*"))
    assert (target / "done").read_text() == "y"


def test_outputs_get_normal_permissions(tmp_path):
    """mkstemp/mkdtemp made outputs 0600/0700 (unreadable for collaborators on a cluster):
    they now get what any new file gets under the process's umask."""
    from xstilts import io

    with atomic_path(tmp_path / "file.json") as tmp:
        tmp.write_text("{}")
    with atomic_dir(tmp_path / "folder") as tmp:
        (tmp / "x").write_text("1")
    assert stat.S_IMODE((tmp_path / "file.json").stat().st_mode) == 0o666 & ~io._UMASK
    assert stat.S_IMODE((tmp_path / "folder").stat().st_mode) == 0o777 & ~io._UMASK
    assert io._UMASK == os.umask(io._UMASK)  # it is the process's umask


def test_record_excludes_itself_and_hidden_files(tmp_path):
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / ".hidden").write_text("h")
    write_folder_record(tmp_path, {"kind": "test"})
    record = json.loads((tmp_path / "xstilts.json").read_text())
    assert set(record["files"]) == {"a.txt"} and record["bytes"] == {"a.txt": 1}


def _scores_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "results/m/baseline/xnli/seed1/scores"
    folder.mkdir(parents=True)
    for lang, value in (("en", 0.8), ("de", 0.7)):
        write_json(folder / f"{lang}.json", {"metrics": {"accuracy": value}})
    write_folder_record(folder, {"kind": "scores"})
    (folder / ".snakemake_timestamp").touch()  # what Snakemake adds to a folder output
    return folder


def test_recorded_files_of_a_folder_output_are_checked_before_they_are_read(tmp_path):
    folder = _scores_folder(tmp_path)
    assert recorded_files(folder, ["de.json", "en.json"]) == [
        folder / "de.json",
        folder / "en.json",
    ]
    write_json(folder / "de.json", {"metrics": {"accuracy": 0.99}})  # a hand-edited score
    with pytest.raises(IntegrityError) as err:
        recorded_files(folder, ["en.json"])  # any changed file of the folder stops the reader
    assert f"{folder / 'de.json'}:" in str(err.value)
    assert f"snakemake --force {folder}`" in str(err.value)


def test_a_folder_output_without_a_language_asked_for_is_refused(tmp_path):
    folder = _scores_folder(tmp_path)
    with pytest.raises(IntegrityError) as err:
        recorded_files(folder, ["en.json", "fr.json"])
    assert "fr.json not in its record" in str(err.value)
    assert f"snakemake --force {folder}`" in str(err.value)
