"""Local runs on several cores: the steps run in a pool of persistent worker processes.

Locally Snakemake runs the `run:` jobs in threads of its own process. Threads cannot train in
parallel deterministically (torch's RNG, thread count and deterministic-algorithm flag are
process-wide), and a new process per job pays ~4 s of imports. So with `--cores N` (N > 1) on
the local executor, each step is handed to one of N worker processes started once per run
(spawned, torch and transformers imported once per worker): N jobs at a time, each alone in its
process, like a job of a serial run or a SLURM job. Every step seeds and sets what it depends on
(seed, torch threads, deterministic kernels) at its start, so its result does not depend on which
worker runs it or what ran there before: a parallel run writes the same files as a serial one
(`bench/parallel.py` compares them).

With `--cores 1`, on SLURM (one process per job) and when the steps are called directly (tests),
nothing changes: the step runs in the calling process, one at a time (`steps.STEP_LOCK`).
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import threading

_LOCK = threading.Lock()
_SIZE = 0
_POOL: concurrent.futures.ProcessPoolExecutor | None = None
_PRELOAD: tuple[str, ...] = ()


def use_workers(size: int, preload: tuple[str, ...] = ()) -> None:
    """Run steps in `size` worker processes from now on (0 or 1: in this process); each worker
    imports the `preload` modules (the steps) before its first job."""
    global _SIZE, _PRELOAD
    with _LOCK:
        _SIZE = size if size and size > 1 else 0
        _PRELOAD = tuple(preload)


def active() -> bool:
    return _SIZE > 1


def _start_worker(preload: tuple[str, ...]) -> None:
    import importlib

    from xstilts.runtime import install_stop_handlers

    # First (a signal during the imports would kill the worker): SIGTERM/SIGUSR1/SIGINT,
    # forwarded by the Snakemake process or Ctrl-C to the process group, record a stop
    # request: a training job checkpoints and stops, as it would in the Snakemake process; an
    # idle worker stays alive for the pool's orderly shutdown.
    install_stop_handlers(chain=False)
    # The heavy imports once per worker, before its first job.
    import torch  # noqa: F401
    import transformers  # noqa: F401

    for module in preload:
        importlib.import_module(module)


def _pool() -> concurrent.futures.ProcessPoolExecutor:
    global _POOL
    with _LOCK:
        if _POOL is None:
            # spawn, not fork: the Snakemake process has threads running when the pool starts
            _POOL = concurrent.futures.ProcessPoolExecutor(
                max_workers=_SIZE,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(_PRELOAD,),
            )
            # Start every worker now: the executor starts one per submission only while none
            # is idle, so a run whose first jobs come one at a time would stay on one worker.
            for _ in range(_SIZE):
                _POOL.submit(_started)
        return _POOL


def _started() -> int:
    return os.getpid()


def _discard_pool(wait: bool = False) -> None:
    global _POOL
    with _LOCK:
        if _POOL is not None:
            _POOL.shutdown(wait=wait, cancel_futures=True)
        _POOL = None


def shutdown() -> None:
    """Stop the worker processes (they are started again by the next step)."""
    _discard_pool(wait=True)


def forward_stop_signals() -> None:
    """From the main thread of the Snakemake process: SIGTERM, SIGUSR1 and SIGINT sent to it
    reach the workers too (their training jobs checkpoint and stop), then mean what they meant
    before. (Ctrl-C in a terminal signals the whole process group anyway; `kill -INT <pid>`
    and a job scheduler signal only the Snakemake process.)"""
    import signal

    for signum in (signal.SIGTERM, signal.SIGUSR1, signal.SIGINT):
        previous = signal.getsignal(signum)

        def forward(number, frame, previous=previous):
            # the executor's pid -> process map (CPython's ProcessPoolExecutor)
            for pid in list(getattr(_POOL, "_processes", None) or {}):
                try:
                    os.kill(pid, number)
                except ProcessLookupError:
                    pass
            if callable(previous):
                previous(number, frame)
            elif previous == signal.SIG_DFL and number == signal.SIGTERM:
                raise SystemExit(128 + number)

        signal.signal(signum, forward)


def run_in_worker(step, args: tuple, kwargs: dict):
    """Run `step(*args, **kwargs)` in a worker process and return its result; its exception is
    raised here, with the worker's traceback as the cause."""
    future = _pool().submit(step, *args, **kwargs)
    try:
        return future.result()
    except concurrent.futures.process.BrokenProcessPool as err:
        _discard_pool()  # the next job starts fresh workers
        raise RuntimeError(
            f"the worker process running {step.__name__} died (out of memory, or killed); "
            "rerun the workflow: finished jobs are kept, this one starts again"
        ) from err
