"""Deterministic random streams derived from string keys (never ``hash()``, never global state)."""

from __future__ import annotations

import hashlib
import random

__all__ = ["derive_seed", "make_rng"]


def derive_seed(*parts: object) -> int:
    """A 64-bit integer seed from the SHA-256 of the ``str()`` of ``parts``."""
    key = "\x1f".join(str(p) for p in parts).encode("utf-8")
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big")


def make_rng(*parts: object) -> random.Random:
    """A fresh ``random.Random`` whose stream depends only on ``parts``."""
    return random.Random(derive_seed(*parts))
