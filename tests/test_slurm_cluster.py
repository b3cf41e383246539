"""The real single-node SLURM cluster, and Snakemake's SLURM executor plugin on it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from slurm_cluster import REPO, SlurmCluster

pytestmark = pytest.mark.slurm


def _snakemake() -> list[str]:
    venv = REPO / ".venv" / "bin" / "snakemake"
    if venv.exists():
        return [str(venv)]
    if found := shutil.which("snakemake"):
        return [found]
    return [sys.executable, "-m", "snakemake"]


def test_sbatch_gpu_job_sees_fake_gpu(slurm_cluster: SlurmCluster, tmp_path: Path) -> None:
    out = tmp_path / "job.out"
    t0 = time.monotonic()
    job_id = slurm_cluster.sbatch(
        f"--partition={slurm_cluster.partition}",
        f"--account={slurm_cluster.account}",
        "--gpus=1",
        "--time=5",
        "--mem=100",
        f"--output={out}",
        "--wrap",
        "echo CUDA_VISIBLE_DEVICES=$CUDA_VISIBLE_DEVICES; srun --overlap hostname",
    )
    state = slurm_cluster.wait(job_id)
    print(f"sbatch --gpus=1 job {job_id} took {time.monotonic() - t0:.1f} s")
    assert state == "COMPLETED", out.read_text() if out.exists() else slurm_cluster.log_tail()
    lines = out.read_text().splitlines()
    assert "CUDA_VISIBLE_DEVICES=0" in lines, lines
    assert len(lines) == 2, lines  # srun inside the job works too


SNAKEFILE = """\
rule all:
    input:
        "gpu.txt",
        "retried.txt",


rule gpu:
    output:
        "gpu.txt",
    resources:
        gpu=1,
        runtime=5,
        mem_mb=300,
    shell:
        "echo CUDA_VISIBLE_DEVICES=$CUDA_VISIBLE_DEVICES > {output}"


# Fails on the first attempt, when it asks for too little memory; the retry asks for more.
rule retried:
    output:
        "retried.txt",
    resources:
        runtime=5,
        mem_mb=lambda wildcards, attempt: 300 * attempt,
    shell:
        "if [ {resources.mem_mb} -lt 600 ]; then"
        "  echo 'not enough memory: {resources.mem_mb} MB' >&2; exit 1;"
        " fi; echo mem_mb={resources.mem_mb} > {output}"
"""


def test_snakemake_slurm_executor(slurm_cluster: SlurmCluster, tmp_path: Path) -> None:
    (tmp_path / "Snakefile").write_text(SNAKEFILE)
    cmd = [
        *_snakemake(),
        "--executor",
        "slurm",
        "--jobs",
        "2",
        "--default-resources",
        f"slurm_partition={slurm_cluster.partition}",
        f"slurm_account={slurm_cluster.account}",
        "--slurm-status-command",
        "squeue",
        "--slurm-init-seconds-before-status-checks",
        "2",
        "--slurm-keep-successful-logs",
        "--retries",
        "1",
        "--latency-wait",
        "5",
    ]
    t0 = time.monotonic()
    proc = subprocess.run(
        cmd,
        cwd=tmp_path,
        env=slurm_cluster.env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    took = time.monotonic() - t0
    print(f"snakemake --executor slurm (2 rules, 1 retry) took {took:.1f} s")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output + "\n" + slurm_cluster.log_tail()

    assert (tmp_path / "gpu.txt").read_text().strip() == "CUDA_VISIBLE_DEVICES=0"
    assert (tmp_path / "retried.txt").read_text().strip() == "mem_mb=600"

    logs = tmp_path / ".snakemake" / "slurm_logs"
    gpu_logs = sorted((logs / "rule_gpu").rglob("*.log"))
    retried_logs = sorted((logs / "rule_retried").rglob("*.log"))
    assert len(gpu_logs) == 1, textwrap.shorten(output, 4000)
    # The failed first attempt keeps its log; the retry's is kept by --slurm-keep-successful-logs.
    assert len(retried_logs) == 2, retried_logs
    assert any("not enough memory: 300 MB" in p.read_text() for p in retried_logs)
