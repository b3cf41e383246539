"""Step checkpoints: what a killed, cancelled or preempted training job resumes from.

A checkpoint carries the fingerprint of what produced it (resolved hyperparameters, the digest
of the starting encoder, the tokenised data and dev data it read, the code, the seed), and is
resumed only when the new job's fingerprint is the same: otherwise it is discarded, with the
differences in the log. Checkpoints hold tensors and plain Python values only, so they load
with `torch.load(weights_only=True)` (no arbitrary unpickling).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import torch


class Preempted(RuntimeError):
    """Training stopped after writing a step checkpoint (a signal, or a test's
    `stop_after_step`); rerunning the job resumes from it. `code` is the exit status a job
    script would use (143 for a signal, as after SIGTERM)."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


def rng_state() -> dict:
    """Every random generator training draws from, as tensors and plain values."""
    import numpy as np

    kind, keys, position, has_gauss, gauss = np.random.get_state()
    state = {
        "torch": torch.get_rng_state(),
        "python": random.getstate(),
        "numpy": [kind, torch.from_numpy(keys.astype("int64")), position, has_gauss, gauss],
    }
    if torch.cuda.is_available():  # dropout on the GPU draws from the CUDA generators
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    import numpy as np

    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    kind, keys, position, has_gauss, gauss = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype("uint32"), position, has_gauss, gauss))


def canonical(fingerprint: dict) -> str:
    return json.dumps(fingerprint, sort_keys=True, separators=(",", ":"), default=str)


def differences(old: dict, new: dict, prefix: str = "") -> list[str]:
    """Dotted keys whose values differ between two fingerprints."""
    keys = sorted(set(old) | set(new))
    found = []
    for key in keys:
        where = f"{prefix}{key}"
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            found += differences(a, b, f"{where}.")
        elif canonical({"v": a}) != canonical({"v": b}):
            found.append(where)
    return found


def save(path: Path, state: dict, fingerprint: dict) -> None:
    from xstilts.io import atomic_path

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        torch.save({**state, "fingerprint": canonical(fingerprint)}, tmp)


def load(path: Path, fingerprint: dict, log) -> dict | None:
    """The checkpoint at `path` if it was made by a job with this fingerprint; else None (an
    unreadable or foreign checkpoint is deleted, and the log says why). Tensors come back on
    the CPU (RNG states must); load_state_dict moves them."""
    if not path.is_file():
        return None
    try:
        state = torch.load(path, weights_only=True, map_location="cpu")
        recorded = json.loads(state["fingerprint"])
    except Exception as err:  # a damaged or old-format checkpoint: start over, say so
        log(f"discarding checkpoint {path}: unreadable ({type(err).__name__}: {err})")
        path.unlink(missing_ok=True)
        return None
    changed = differences(recorded, json.loads(canonical(fingerprint)))
    if changed:
        shown = ", ".join(changed[:8]) + (
            f" and {len(changed) - 8} more" if len(changed) > 8 else ""
        )
        log(
            f"discarding checkpoint {path} (step {state.get('step')}): it was made with other "
            f"inputs or settings ({shown}); training starts over"
        )
        path.unlink(missing_ok=True)
        return None
    return state
