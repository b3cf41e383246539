"""Which task supplies the next multi-task batch: proportional, uniform or temperature-scaled
sampling over (optionally capped) dataset sizes, as in jiant. Deterministic and resumable."""

from __future__ import annotations

import random


def mixture(
    sizes: dict[str, int],
    method: str = "proportional",
    temperature: float | None = None,
    cap: int | None = None,
) -> dict[str, float]:
    if not sizes:
        raise ValueError("no tasks to sample from")
    if any(n <= 0 for n in sizes.values()):
        raise ValueError(f"every task needs training examples; sizes: {sizes}")
    capped = {t: min(n, cap) if cap else n for t, n in sizes.items()}
    if method == "proportional":
        weights = {t: float(n) for t, n in capped.items()}
    elif method == "uniform":
        weights = {t: 1.0 for t in capped}
    elif method == "temperature":
        if not temperature or temperature <= 0:
            raise ValueError("temperature sampling needs a positive temperature")
        weights = {t: n ** (1.0 / temperature) for t, n in capped.items()}
    else:
        raise ValueError(
            f"unknown sampling method {method!r}; allowed: proportional, uniform, temperature"
        )
    total = sum(weights.values())
    return {t: w / total for t, w in weights.items()}


class TaskSampler:
    def __init__(
        self,
        sizes: dict[str, int],
        seed: int,
        method: str = "proportional",
        temperature: float | None = None,
        cap: int | None = None,
    ):
        self.probabilities = mixture(sizes, method, temperature, cap)
        self.tasks = list(self.probabilities)
        self.weights = [self.probabilities[t] for t in self.tasks]
        self.rng = random.Random(seed)
        self.counts = dict.fromkeys(self.tasks, 0)

    def __next__(self) -> str:
        task = (
            self.tasks[0] if len(self.tasks) == 1 else self.rng.choices(self.tasks, self.weights)[0]
        )
        self.counts[task] += 1
        return task

    def __iter__(self):
        return self

    def state_dict(self) -> dict:
        return {"rng": self.rng.getstate(), "counts": dict(self.counts)}

    def load_state_dict(self, state: dict) -> None:
        version, internal, gauss = state["rng"]
        self.rng.setstate((version, tuple(internal), gauss))
        self.counts = dict(state["counts"])
