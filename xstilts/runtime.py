"""Leaf module: the device, seeding and constants every stage shares (no xstilts imports, and
torch only when called, so importing it stays cheap)."""

from __future__ import annotations

import os
import random
import threading

# Label id that losses and metrics ignore (subwords after a word's first, special tokens).
IGNORE = -100

# Model types whose position ids start after the padding index (RoBERTa's layout): read by the
# config-time length check and by xstilts.model.families.
ROBERTA_STYLE = ("roberta", "xlm-roberta", "xlm-roberta-xl", "camembert")


def best_device():
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def seed_everything(seed: int, deterministic: bool = True) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # seeds CUDA too
    # `deterministic` (training.defaults.deterministic, default true): deterministic kernels.
    # Always on for CPU results; on GPU it trades some speed for run-to-run identical weights.
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(deterministic, warn_only=True)
    torch.backends.cudnn.deterministic = deterministic
    torch.backends.cudnn.benchmark = not deterministic


# --- stop requests -------------------------------------------------------------------------------
# SIGTERM/SIGUSR1 (SLURM before the time limit, on preemption or scancel) and SIGINT (Ctrl-C)
# ask running training jobs to write a step checkpoint and stop. Python runs signal handlers in
# the main thread only, while jobs run in worker threads (locally and inside SLURM jobs), so a
# handler installed from the main thread records the request here and training polls it at
# each step boundary. A counter, not a flag: a job stops for requests made after it started.
_STOP_LOCK = threading.Lock()
_STOP = {"count": 0, "signal": None}


def request_stop(signum: int) -> None:
    with _STOP_LOCK:
        _STOP["count"] += 1
        _STOP["signal"] = signum


def stop_count() -> int:
    with _STOP_LOCK:
        return _STOP["count"]


def stop_requested_since(count: int) -> int | None:
    """The signal of a stop request made after `stop_count()` returned `count`, else None."""
    with _STOP_LOCK:
        return _STOP["signal"] if _STOP["count"] > count else None


def install_stop_handlers(chain: bool = True) -> dict:
    """From the main thread: SIGUSR1, SIGTERM and SIGINT record a stop request. With `chain`,
    SIGINT then raises KeyboardInterrupt as before (Snakemake shuts down) and SIGTERM keeps
    its previous meaning. Returns the previous handlers (for `restore_handlers`)."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        return {}
    previous = {}

    def handler(signum, frame):
        request_stop(signum)
        before = previous.get(signum)
        if not chain or before in (None, signal.SIG_IGN):
            return
        if before is signal.SIG_DFL:
            if signum == signal.SIGINT:
                raise KeyboardInterrupt
            if signum == signal.SIGTERM:  # the default meaning: end the process
                signal.signal(signum, signal.SIG_DFL)
                os.kill(os.getpid(), signum)
            return
        before(signum, frame)

    for sig in (signal.SIGUSR1, signal.SIGTERM, signal.SIGINT):
        previous[sig] = signal.signal(sig, handler)
    return previous


def restore_handlers(previous: dict) -> None:
    import signal

    for sig, handler in previous.items():
        signal.signal(sig, handler)
