"""Leaf module: the device, seeding and constants every stage shares (no xstilts imports, and
torch only when called, so importing it stays cheap)."""

from __future__ import annotations

import os
import random

# Label id that losses and metrics ignore (subwords after a word's first, special tokens).
IGNORE = -100


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
