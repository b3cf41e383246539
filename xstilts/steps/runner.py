"""How a rule's step runs: its log, its lock, its timing, its failure.

Rules run steps in-process (`run:`), so locally the heavy libraries are imported once per
workflow rather than once per job (torch + transformers take ~4 s to import here). Every step
holds STEP_LOCK, so jobs that share a process run one after the other: torch's RNG and thread
settings are process-wide (determinism), and libraries imported from two threads at once break.
A local run on several cores hands each step to a worker process instead (xstilts/workers.py),
one job per process at a time. Each job is its own process on SLURM.

A step's log gets its messages, and on failure the traceback (Snakemake prints only the
exception); its last line is the job's real wall and CPU time, also written beside the log as
`<log name>.timing.json`: Snakemake's `benchmark:` measures the whole process, which is every
job at once when jobs run in threads of one process.
"""

from __future__ import annotations

import contextlib
import functools
import os
import resource
import socket
import threading
import time
import traceback
from pathlib import Path

from xstilts import workers

STEP_LOCK = threading.RLock()
_LOG = threading.local()


def log(message: str) -> None:
    """Write a line to the current job's log file (thread-local: jobs may run in threads)."""
    handle = getattr(_LOG, "handle", None)
    if handle is not None:
        handle.write(message.rstrip() + "\n")
        handle.flush()


@contextlib.contextmanager
def job_log(path: str | None):
    """Route `log()` of this thread to the rule's log file for the duration of a step. Snakemake
    deletes a job's log before each attempt, so when the step ends its log is also appended to
    `<log stem>.attempts.log`: a retried or resumed job keeps what happened before (the
    checkpoint, the signal that stopped it)."""
    if path is None:
        yield
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "w", encoding="utf-8") as handle:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S")
            handle.write(f"=== attempt {stamp}, pid {os.getpid()}, host {socket.gethostname()}\n")
            _LOG.handle = handle
            try:
                yield
            finally:
                _LOG.handle = None
    finally:
        with open(Path(path).with_suffix(".attempts.log"), "a", encoding="utf-8") as history:
            history.write(Path(path).read_text(encoding="utf-8"))


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def timing_record(started: float, cpu_started: float, thread_cpu_started: float) -> dict:
    return {
        "wall_s": round(time.perf_counter() - started, 3),
        # The process's CPU time while the job held the step lock: the job's own, torch's
        # intra-op threads included (the lock keeps other jobs' steps out).
        "cpu_s": round(time.process_time() - cpu_started, 3),
        "job_thread_cpu_s": round(time.thread_time() - thread_cpu_started, 3),
        "process_peak_rss_mb": round(_peak_rss_mb(), 1),
        "pid": os.getpid(),
        "slurm_job_id": os.environ.get("SLURM_JOB_ID"),
    }


def step(function):
    """Mark a function as a rule's step. `log_path=` routes its log (and the traceback of a
    failure); the job's wall and CPU time go to `timing_path=` as JSON (default: beside the log,
    `<log stem>.timing.json`). Steps run one at a time within a process (STEP_LOCK), in a worker
    process when a local run uses several cores (xstilts.workers)."""

    @functools.wraps(function)
    def wrapper(*args, log_path: str | None = None, timing_path: str | None = None, **kwargs):
        if workers.active():
            paths = {"log_path": log_path, "timing_path": timing_path}
            return workers.run_in_worker(wrapper, args, {**kwargs, **paths})
        with job_log(log_path), STEP_LOCK:
            started, cpu, thread_cpu = time.perf_counter(), time.process_time(), time.thread_time()
            try:
                result = function(*args, **kwargs)
            except BaseException:
                log(f"{function.__name__} failed:\n{traceback.format_exc()}")
                raise
            finally:
                timing = timing_record(started, cpu, thread_cpu)
                log(
                    f"job time: wall {timing['wall_s']:.1f} s, CPU {timing['cpu_s']:.1f} s, "
                    f"peak RSS {timing['process_peak_rss_mb']:.0f} MB"
                )
            if timing_path is None and log_path is not None:
                timing_path = str(Path(log_path).with_suffix(".timing.json"))
            if timing_path is not None:
                from xstilts.io import write_json

                write_json(timing_path, {"step": function.__name__, **timing})
            return result

    return wrapper
