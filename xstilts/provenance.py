"""What produced a file: package versions, device, code version, seeds."""

from __future__ import annotations

import os
import platform
import subprocess
from functools import cache
from importlib import metadata
from pathlib import Path

PACKAGES = (
    "torch",
    "transformers",
    "tokenizers",
    "datasets",
    "pyarrow",
    "numpy",
    "seqeval",
    "sacrebleu",
    "snakemake",
)


@cache
def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


@cache
def code_version() -> str:
    """git commit of the workflow (with '-dirty' when the tree has changes), or 'unknown'."""
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


@cache
def code_sha256() -> str:
    """One sha256 over the package's sources (Python files and specs): the code that ran,
    whether or not there is a git checkout (an archive, an installed copy)."""
    import hashlib

    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".yaml") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def device_description() -> str:
    try:
        import torch

        if torch.cuda.is_available():
            return f"cuda:{torch.cuda.get_device_name(0)}"
    except ImportError:
        pass
    return f"cpu:{platform.machine()}"


def environment(device: bool = True) -> dict:
    """Versions, code version and (unless device=False, which avoids importing torch) device."""
    return {
        "packages": package_versions(),
        "python": platform.python_version(),
        "device": device_description() if device else None,
        "code_version": code_version(),
        "code_sha256": code_sha256(),
        "slurm_job_id": os.environ.get("SLURM_JOB_ID"),
    }
