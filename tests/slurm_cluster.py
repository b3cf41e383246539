"""A real single-node SLURM cluster for tests, driven by scripts/slurm_cluster.sh.

    with SlurmCluster(tmp_dir) as cluster:
        subprocess.run(["sbatch", ...], env=cluster.env, check=True)

The cluster needs root and Debian's slurm/munge packages; `slurm_unavailable_reason()` says why
it cannot run here (None when it can), for pytest skip or fail messages.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "slurm_cluster.sh"
DAEMONS = ("munged", "slurmctld", "slurmd")
BINARIES = ("munged", "slurmctld", "slurmd", "sinfo", "squeue", "sbatch", "srun", "scontrol")
PARTITION = "debug"
ACCOUNT = "xstilts"  # no accounting: any account name is accepted
FINAL_STATES = frozenset(
    {
        "COMPLETED",
        "FAILED",
        "CANCELLED",
        "TIMEOUT",
        "NODE_FAIL",
        "OUT_OF_MEMORY",
        "PREEMPTED",
        "BOOT_FAIL",
        "DEADLINE",
    }
)


def _have(binary: str) -> bool:
    return shutil.which(binary) is not None or Path("/usr/sbin", binary).exists()


def _run_script(*args: str | os.PathLike, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


@functools.cache
def slurm_unavailable_reason(install: bool = True) -> str | None:
    """Why a SLURM cluster cannot be started here; None if it can.

    With `install`, missing packages are installed first (`slurm_cluster.sh install`, which
    needs apt-get and root); the result is cached for the process.
    """
    if not sys.platform.startswith("linux"):
        return f"SLURM test cluster needs Linux, not {sys.platform}"
    if os.geteuid() != 0:
        return "SLURM test cluster needs root (it starts munged, slurmctld and slurmd)"
    if shutil.which("bash") is None:
        return "SLURM test cluster needs bash"
    if not SCRIPT.is_file():
        return f"missing {SCRIPT}"
    missing = [b for b in BINARIES if not _have(b)]
    if missing:
        if not install:
            return f"SLURM binaries missing: {', '.join(missing)}"
        if shutil.which("apt-get") is None:
            return f"SLURM binaries missing ({', '.join(missing)}) and no apt-get to install them"
        try:
            proc = _run_script("install", timeout=900)
        except subprocess.TimeoutExpired:
            return "installing SLURM packages timed out"
        if proc.returncode != 0:
            tail = (proc.stdout + proc.stderr).strip().splitlines()[-5:]
            return "installing SLURM packages failed: " + " | ".join(tail)
        missing = [b for b in BINARIES if not _have(b)]
        if missing:
            return f"SLURM binaries still missing after install: {', '.join(missing)}"
    return None


class SlurmClusterError(RuntimeError):
    pass


class SlurmCluster:
    """A single-node cluster whose config, pid files, state and logs live in `directory`.

    start() is a no-op for daemons already running from `directory`; stop() stops the cluster
    only if this object started at least one of its daemons, so a cluster started beforehand
    (e.g. by hand, with XSTILTS_SLURM_DIR) is left running.
    """

    partition = PARTITION
    account = ACCOUNT

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory).resolve()
        self.started_pids: dict[str, int] = {}
        self.start_seconds: float | None = None
        self._atexit_registered = False

    # -- pid files ---------------------------------------------------------------------------

    def _pid(self, daemon: str) -> int | None:
        """The pid in DIR/<daemon>.pid if that process runs (zombies do not count)."""
        try:
            pid = int((self.directory / f"{daemon}.pid").read_text().strip())
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, ValueError, IndexError):
            return None
        if comm != daemon or state in ("Z", "X"):
            return None
        return pid

    def running_pids(self) -> dict[str, int]:
        return {d: pid for d in DAEMONS if (pid := self._pid(d)) is not None}

    @property
    def running(self) -> bool:
        return len(self.running_pids()) == len(DAEMONS)

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def env(self) -> dict[str, str]:
        """os.environ with SLURM_CONF pointing at this cluster's config."""
        return {**os.environ, "SLURM_CONF": str(self.directory / "slurm.conf")}

    def log_tail(self, lines: int = 20) -> str:
        out = []
        for log in sorted((self.directory / "log").glob("*.log")):
            text = log.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"==> {log} <==\n" + "\n".join(text))
        return "\n".join(out)

    def start(self) -> SlurmCluster:
        self.directory.mkdir(parents=True, exist_ok=True)
        before = self.running_pids()
        t0 = time.monotonic()
        proc = _run_script("start", self.directory)
        self.start_seconds = time.monotonic() - t0
        after = self.running_pids()
        self.started_pids.update({d: p for d, p in after.items() if before.get(d) != p})
        if proc.returncode != 0:
            message = (
                f"slurm_cluster.sh start {self.directory} failed ({proc.returncode}):\n"
                f"{proc.stdout}{proc.stderr}\n{self.log_tail()}"
            )
            self.stop()  # what this call did start, half a cluster included
            raise SlurmClusterError(message)
        if self.started_pids and not self._atexit_registered:
            atexit.register(self.stop)
            self._atexit_registered = True
        return self

    def stop(self) -> None:
        """Stop the daemons this object started (by the pids in DIR's pid files)."""
        if not self.started_pids:
            return
        still_ours = {d: p for d, p in self.running_pids().items() if self.started_pids.get(d) == p}
        self.started_pids = {}
        if not still_ours:
            return
        proc = _run_script("stop", self.directory)
        if proc.returncode != 0:
            raise SlurmClusterError(
                f"slurm_cluster.sh stop {self.directory} failed:\n{proc.stdout}{proc.stderr}"
            )

    # -- jobs --------------------------------------------------------------------------------

    def sbatch(self, *args: str, timeout: float = 60) -> int:
        """Submit with `sbatch --parsable ARGS`; return the job id."""
        proc = subprocess.run(
            ["sbatch", "--parsable", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        if proc.returncode != 0:
            raise SlurmClusterError(f"sbatch failed: {proc.stdout}{proc.stderr}")
        return int(proc.stdout.strip().split(";")[0])

    def job_state(self, job_id: int) -> str:
        """COMPLETED, FAILED, RUNNING, ... (finished jobs stay visible for MinJobAge=300 s)."""
        proc = subprocess.run(
            ["squeue", "-h", "-t", "all", "-j", str(job_id), "-o", "%T"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        return proc.stdout.strip() or "UNKNOWN"

    def wait(self, job_id: int, timeout: float = 120, poll: float = 0.25) -> str:
        """Wait for a job to end and return its final state.

        Faster than `sbatch --wait`, which polls at growing intervals (10 s for a 1 s job).
        """
        deadline = time.monotonic() + timeout
        while True:
            state = self.job_state(job_id)
            if state in FINAL_STATES:
                return state
            if time.monotonic() > deadline:
                raise SlurmClusterError(f"job {job_id} still {state} after {timeout} s")
            time.sleep(poll)

    def status(self) -> str:
        proc = _run_script("status", self.directory)
        return proc.stdout + proc.stderr

    def __enter__(self) -> SlurmCluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
