"""What the archive records about the code and the software environment: the git state of the
workflow, Snakemake's own `--archive` of it, pip freeze, the conda env file and the platform."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from xstilts.archive.collect import ArchiveError

REPO = Path(__file__).resolve().parents[2]


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True, timeout=60
    ).stdout


def code_state(repo: Path = REPO) -> dict:
    """Commit, dirty flag, diff against HEAD and untracked files of the workflow's checkout.
    Raises when `repo` is not a git checkout: an archive without a code version proves little."""
    try:
        commit = _git(repo, "rev-parse", "HEAD").strip()
    except (OSError, subprocess.SubprocessError) as err:
        raise ArchiveError(
            f"{repo}: not a git checkout (or git is missing): the archive needs the code's "
            "commit; run from a clone of the workflow's repository"
        ) from err
    status = _git(repo, "status", "--porcelain", "--untracked-files=all").splitlines()
    tracked_changes = [line[3:] for line in status if not line.startswith("??")]
    untracked = [line[3:] for line in status if line.startswith("??")]
    return {
        "commit": commit,
        "dirty": bool(tracked_changes),
        "code_version": commit + ("-dirty" if tracked_changes else ""),
        "branch": _git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip(),
        "describe": _git(repo, "describe", "--always", "--dirty", "--tags").strip(),
        "changed_files": tracked_changes,
        "untracked_files": untracked,
        "diff": _git(repo, "diff", "HEAD", "--binary") if tracked_changes else "",
    }


# What the workflow's numbers depend on; xstilts/archive only reads finished runs.
CODE_PATHS = ("Snakefile", "rules", "xstilts", ":!xstilts/archive", "requirements.txt", "envs")


def same_workflow_code(commit: str, repo: Path = REPO) -> bool:
    """Whether `commit` has the checkout's workflow code (Snakefile, rules, package, pinned
    requirements), by git; False when git does not know the commit."""
    result = subprocess.run(
        ["git", "-C", str(repo), "diff", "--quiet", commit, "--", *CODE_PATHS],
        capture_output=True,
        timeout=60,
    )
    return result.returncode == 0


def snakemake_archive(
    out_tar: Path, configfile: Path, repo: Path = REPO, timeout: int = 900
) -> tuple[list[str], list[str]]:
    """`snakemake --archive`: Snakemake's own archive of the workflow (every git-tracked file,
    the config files, external inputs and conda envs of the DAG), made in the checkout, where
    Snakemake finds the git repository. Returns (command, archived members)."""
    cmd = [
        str(Path(sys.executable).parent / "snakemake"),
        "--snakefile",
        str(repo / "Snakefile"),
        "--configfile",
        str(configfile),
        "--archive",
        str(out_tar),
        "all",
    ]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, timeout=timeout, env=env)
    if result.returncode != 0:
        raise ArchiveError(
            f"`snakemake --archive` failed ({result.returncode}):\n{result.stderr[-4000:]}"
        )
    with tarfile.open(out_tar) as tar:
        members = sorted(m.name for m in tar.getmembers() if m.isfile())
    return cmd, members


def unpack(tar_path: Path, dest: Path) -> None:
    with tarfile.open(tar_path) as tar:
        tar.extractall(dest, filter="data")


def pip_freeze() -> str:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--all"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return result.stdout


def conda_export() -> str | None:
    """`conda env export` of the active conda environment, when the run is in one."""
    conda = shutil.which("conda")
    if not conda or not os.environ.get("CONDA_PREFIX"):
        return None
    result = subprocess.run(
        [conda, "env", "export", "--prefix", os.environ["CONDA_PREFIX"]],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result.stdout if result.returncode == 0 else None


def platform_info() -> dict:
    """This interpreter and machine: Python, OS, CPU, torch with its CUDA/cuDNN and GPUs."""
    info = {
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "executable": sys.executable,
        "os": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "cpu_count": os.cpu_count(),
    }
    try:
        import torch

        cuda = torch.cuda.is_available()
        info["torch"] = {
            "version": torch.__version__,
            "cuda": torch.version.cuda,
            "cudnn": torch.backends.cudnn.version() if cuda else None,
            "cuda_available": cuda,
            "gpus": [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
            if cuda
            else [],
        }
    except ImportError:
        info["torch"] = None
    return info
