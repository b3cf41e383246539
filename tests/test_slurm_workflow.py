"""The workflow through the SLURM profile's test variant on a real single-node cluster: a
training job is sent the signal the profile asks SLURM for (`--signal=USR1@600`: SIGUSR1 before
the time limit) mid-way, writes a step checkpoint and stops; Snakemake retries it, training
resumes from that checkpoint, and the scores equal those of a local run."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
CONFIG = ROOT / "config/test-slurm.yaml"
TARGET_LOG = "results/logs/tiny-xlmr/mnli/toy-xnli/seed1/train.log"

pytestmark = [pytest.mark.slurm, pytest.mark.e2e]


def _command(workdir: Path, *extra: str) -> list[str]:
    return [
        SNAKEMAKE,
        "all",
        "--snakefile",
        str(ROOT / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(CONFIG),
        *extra,
    ]


def _scores(workdir: Path) -> dict[str, dict]:
    files = sorted((workdir / "results").glob("tiny-xlmr/*/*/seed*/scores/*.json"))
    files = [f for f in files if f.name != "xstilts.json"]  # the folder's record
    assert files, f"no score files under {workdir}"
    return {str(f.relative_to(workdir)): json.loads(f.read_text()) for f in files}


def _signal_running_training(cluster_env: dict, workdir: Path, deadline: float) -> int:
    """Wait until the target training job has written a step checkpoint, then send its job
    steps SIGUSR1, as SLURM does ten minutes before the time limit with the profile's
    `--signal=USR1@600`."""
    log = workdir / TARGET_LOG
    while time.time() < deadline:
        if log.is_file() and "checkpoint at step" in log.read_text():
            out = subprocess.run(
                ["squeue", "-h", "-t", "RUNNING", "-o", "%i %k"],
                capture_output=True,
                text=True,
                env=cluster_env,
                check=True,
            ).stdout
            for line in out.splitlines():
                job_id, _, comment = line.partition(" ")
                if "train_target" in comment:
                    subprocess.run(
                        ["scancel", "--signal=USR1", job_id], env=cluster_env, check=True
                    )
                    return int(job_id)
        time.sleep(0.2)
    raise AssertionError("the target training job never reached a step checkpoint")


def test_slurm_run_checkpoints_on_sigusr1_resumes_and_matches_local(slurm_cluster, tmp_path):
    local = tmp_path / "local"
    remote = tmp_path / "slurm"
    started = time.time()
    result = subprocess.run(
        _command(local, "--cores", "2"), capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stderr[-4000:]
    local_seconds = time.time() - started

    env = {
        **os.environ,
        **slurm_cluster.env,
        "XSTILTS_SLURM_PARTITION": "debug",
        "XSTILTS_SLURM_ACCOUNT": "xstilts",
    }
    started = time.time()
    run = subprocess.Popen(
        _command(remote, "--profile", str(ROOT / "slurm/test")),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        signalled = _signal_running_training(env, remote, time.time() + 600)
        output, _ = run.communicate(timeout=900)
    finally:
        if run.poll() is None:
            run.kill()
    slurm_seconds = time.time() - started
    print(
        f"\nlocal run {local_seconds:.0f} s, SLURM run {slurm_seconds:.0f} s, signalled job {signalled}"
    )
    assert run.returncode == 0, output[-6000:]

    # submitted through SLURM, with the plugin's logs
    assert list((remote / ".snakemake/slurm_logs").glob("rule_train_target/**/*.log"))
    # the signalled training checkpointed at once and stopped (not killed), and the retry
    # resumed from that checkpoint instead of starting over
    model_meta = json.loads(
        (remote / "results/tiny-xlmr/mnli/toy-xnli/seed1/model/xstilts.json").read_text()
    )
    assert model_meta["resumed_from_step"] is not None and model_meta["resumed_from_step"] > 0
    # Snakemake deletes a job's log before each attempt; every attempt is kept beside it
    attempts = (remote / TARGET_LOG.replace(".log", ".attempts.log")).read_text()
    assert f"stopping at step {model_meta['resumed_from_step']} (signal 10)" in attempts
    assert not list(remote.glob("results/**/*.resume.pt"))  # cleaned up after success
    # same scores as the local run
    local_scores, remote_scores = _scores(local), _scores(remote)
    assert local_scores.keys() == remote_scores.keys()
    for cell, record in local_scores.items():
        assert remote_scores[cell]["metrics"] == record["metrics"], cell
    assert (remote / "results/summary/table.md").is_file()
