"""The Snakemake process a study runs in: stop requests from signals, and the marker of a live
run (so `snakemake --unlock` is refused while a run still writes the files).

Signals: Python runs handlers in the main thread, and jobs run in worker threads of the
Snakemake process (locally, and inside each SLURM job). So the Snakefile installs, from the
main thread, handlers that record a stop request (xstilts.runtime) that training polls at
every step boundary: SIGUSR1 (SLURM's `--signal=USR1@600` before the time limit) checkpoints
and stops the running training; SIGINT (Ctrl-C) does the same and then lets Snakemake shut down
as before; SIGTERM (scancel, preemption) reaches Snakemake's own handler, which only waits for
running jobs to finish, so that handler is wrapped to record the request first.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

from xstilts.runtime import install_stop_handlers, request_stop

MARKER = Path(".snakemake") / "xstilts-live-run.json"


def install_signal_handlers() -> None:
    import signal

    install_stop_handlers(chain=True)
    try:
        from snakemake.scheduling import job_scheduler
    except ImportError:  # not inside Snakemake
        return
    scheduler = job_scheduler.JobScheduler
    original = scheduler.exit_gracefully
    if getattr(original, "records_stop", False):
        return

    def exit_gracefully(self, *args):
        request_stop(signal.SIGTERM)
        return original(self, *args)

    exit_gracefully.records_stop = True
    scheduler.exit_gracefully = exit_gracefully


def mark_live_run(workdir: str | Path = ".") -> None:
    path = Path(workdir) / MARKER
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
    path.write_text(json.dumps(record))


def clear_live_run(workdir: str | Path = ".") -> None:
    path = Path(workdir) / MARKER
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def live_run(workdir: str | Path = ".") -> dict | None:
    """The record of a run that is still alive in this folder (this host), else None."""
    path = Path(workdir) / MARKER
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if record.get("host") != socket.gethostname():
        return {**record, "alive": "unknown (another host)"}
    try:
        os.kill(int(record["pid"]), 0)
    except ProcessLookupError:
        return None
    except (PermissionError, KeyError, ValueError):
        pass
    return record
