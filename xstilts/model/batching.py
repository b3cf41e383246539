"""Training batches of one task's features: seeded, resumable, and grouped by length.

Random batches with dynamic padding spend a third of the encoder's work on padding (padding
efficiency 0.69 on the embedded default). `LengthGroupedBatches` shuffles the data, cuts the
permutation into windows of `batch_size * group_size` examples, sorts each window by length and
cuts it into batches, then shuffles the order of all batches of the pass: examples of similar
length share a batch while every batch is still a random draw from a random window (as Hugging
Face's `group_by_length`, with the batch order shuffled too so long batches are not front-loaded).
`group_size: 1` is plain random batching.

The stream is endless: examples left over at the end of a pass (fewer than a batch) open the next
one, so every batch is full. The order depends only on the seed, and `state_dict()` holds
everything needed to continue it exactly (step checkpoints).
"""

from __future__ import annotations

import torch

GROUP_SIZE = 50  # batches per sorting window (Hugging Face's megabatch multiplier)


def example_lengths(columns: dict[str, list], kind: str) -> list[int]:
    """Tokens an example costs the encoder: all choices of a multiple-choice example are padded
    to its longest; a retrieval pair is a query and a positive."""
    ids = columns["input_ids"]
    if kind == "multiple_choice":
        return [len(choices) * max(len(c) for c in choices) for choices in ids]
    if "positive_ids" in columns:
        return [max(len(q), len(p)) for q, p in zip(ids, columns["positive_ids"], strict=True)]
    return [len(seq) for seq in ids]


class LengthGroupedBatches:
    """Endless batches of example indices, grouped by length within shuffled windows."""

    def __init__(
        self, lengths: list[int], batch_size: int, seed: int, group_size: int = GROUP_SIZE
    ):
        if batch_size < 1 or group_size < 1:
            raise ValueError(
                f"batch_size and group_size must be positive ({batch_size}, {group_size})"
            )
        if not lengths:
            raise ValueError("no training examples to batch")
        self.lengths, self.batch_size, self.group_size = list(lengths), batch_size, group_size
        self.generator = torch.Generator().manual_seed(seed)
        self.pending: list[list[int]] = []  # batches left in the current pass, next first
        self.leftover: list[int] = []  # examples carried into the next pass
        self.epoch = 0

    def _next_pass(self) -> None:
        n = len(self.lengths)
        order = self.leftover + torch.randperm(n, generator=self.generator).tolist()
        full = len(order) - len(order) % self.batch_size
        order, self.leftover = order[:full], order[full:]
        window = self.batch_size * self.group_size
        batches = []
        for start in range(0, len(order), window):
            # stable sort, longest first: ties keep the random order
            chunk = sorted(order[start : start + window], key=lambda i: -self.lengths[i])
            batches += [
                chunk[i : i + self.batch_size] for i in range(0, len(chunk), self.batch_size)
            ]
        shuffle = torch.randperm(len(batches), generator=self.generator).tolist()
        self.pending = [batches[i] for i in shuffle]
        self.epoch += 1

    def __next__(self) -> list[int]:
        while not self.pending:  # a dataset smaller than a batch takes several passes
            self._next_pass()
        return self.pending.pop(0)

    def __iter__(self):
        return self

    def state_dict(self) -> dict:
        return {
            "generator": self.generator.get_state(),
            "pending": [list(b) for b in self.pending],
            "leftover": list(self.leftover),
            "epoch": self.epoch,
            "batch_size": self.batch_size,
            "group_size": self.group_size,
        }

    def load_state_dict(self, state: dict) -> None:
        if (state["batch_size"], state["group_size"]) != (self.batch_size, self.group_size):
            raise ValueError(
                f"batch state for batch_size {state['batch_size']}, group_size "
                f"{state['group_size']} cannot continue with {self.batch_size}, {self.group_size}"
            )
        self.generator.set_state(state["generator"])
        self.pending = [list(b) for b in state["pending"]]
        self.leftover, self.epoch = list(state["leftover"]), state["epoch"]


class BatchStream:
    """Collated training batches of one task: `LengthGroupedBatches` over its feature columns,
    with the padding it costs counted (tokens in the batch vs real tokens)."""

    def __init__(
        self,
        columns: dict[str, list],
        kind: str,
        batch_size: int,
        pad_id: int,
        seed: int,
        group_size: int = GROUP_SIZE,
    ):
        from xstilts.evaluation.predict import collate

        self.columns, self.kind, self.pad_id, self.collate = columns, kind, pad_id, collate
        self.lengths = example_lengths(columns, kind)
        self.batches = LengthGroupedBatches(self.lengths, batch_size, seed, group_size)
        self.real_tokens = 0
        self.padded_tokens = 0

    def state_dict(self) -> dict:
        return self.batches.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.batches.load_state_dict(state)

    def __next__(self) -> dict:
        idx = next(self.batches)
        lengths = [self.lengths[i] for i in idx]
        self.real_tokens += sum(lengths)
        self.padded_tokens += len(idx) * max(lengths)
        return self.collate(
            {c: [v[i] for i in idx] for c, v in self.columns.items()}, self.kind, self.pad_id
        )

    def __iter__(self):
        return self
