"""Length-grouped training batches: seeded, complete, resumable, and less padding."""

import collections
import random

import pytest

from xstilts.model.batching import BatchStream, LengthGroupedBatches, example_lengths


def _lengths(n: int = 1000, seed: int = 0) -> list[int]:
    rng = random.Random(seed)
    return [rng.randint(5, 120) for _ in range(n)]


def _take(batches, k: int) -> list[list[int]]:
    return [next(batches) for _ in range(k)]


def _padding_efficiency(batches: list[list[int]], lengths: list[int]) -> float:
    real = sum(lengths[i] for b in batches for i in b)
    padded = sum(len(b) * max(lengths[i] for i in b) for b in batches)
    return real / padded


def test_order_depends_only_on_the_seed():
    lengths = _lengths()
    a = _take(LengthGroupedBatches(lengths, 16, seed=3), 200)
    b = _take(LengthGroupedBatches(lengths, 16, seed=3), 200)
    c = _take(LengthGroupedBatches(lengths, 16, seed=4), 200)
    assert a == b
    assert a != c


def test_every_example_once_per_pass_and_batches_full():
    lengths = _lengths(1000)
    batches = LengthGroupedBatches(lengths, 16, seed=1)
    # 1000 = 62 full batches + 8 carried into the next pass; 5 passes = 312 full batches + 8
    taken = _take(batches, 312)
    assert all(len(b) == 16 for b in taken)
    counts = collections.Counter(i for b in taken for i in b)
    assert set(counts) == set(range(1000))
    assert sorted(collections.Counter(counts.values()).items()) == [(4, 8), (5, 992)]
    assert batches.epoch == 5


def test_grouping_by_length_cuts_padding():
    lengths = _lengths(2000)
    grouped = _take(LengthGroupedBatches(lengths, 16, seed=1), 250)
    plain = _take(LengthGroupedBatches(lengths, 16, seed=1, group_size=1), 250)
    assert _padding_efficiency(plain, lengths) < 0.7
    assert _padding_efficiency(grouped, lengths) > 0.9
    # and the grouped batch order is still shuffled: not sorted by length over the pass
    maxima = [max(lengths[i] for i in b) for b in grouped[:100]]
    assert maxima != sorted(maxima) and maxima != sorted(maxima, reverse=True)


def test_a_dataset_smaller_than_a_batch():
    batches = LengthGroupedBatches([3, 4, 5], 8, seed=0)
    first = next(batches)
    assert len(first) == 8 and set(first) == {0, 1, 2}


@pytest.mark.parametrize("stop", [1, 61, 62, 63, 150])
def test_resume_continues_the_same_sequence(stop):
    lengths = _lengths(1000)
    reference = _take(LengthGroupedBatches(lengths, 16, seed=9), 300)
    first = LengthGroupedBatches(lengths, 16, seed=9)
    head = _take(first, stop)
    state = first.state_dict()
    _take(first, 5)  # state_dict is a copy: later draws do not change it
    second = LengthGroupedBatches(lengths, 16, seed=123)
    second.load_state_dict(state)
    assert head + _take(second, 300 - stop) == reference


def test_resume_with_other_batch_size_is_refused():
    state = LengthGroupedBatches(_lengths(), 16, seed=0).state_dict()
    with pytest.raises(ValueError, match="batch_size 16"):
        LengthGroupedBatches(_lengths(), 32, seed=0).load_state_dict(state)


def test_bad_arguments():
    with pytest.raises(ValueError, match="no training examples"):
        LengthGroupedBatches([], 4, seed=0)
    with pytest.raises(ValueError, match="positive"):
        LengthGroupedBatches([1], 0, seed=0)


def test_lengths_by_head_kind():
    assert example_lengths({"input_ids": [[1, 2, 3], [1]]}, "classification") == [3, 1]
    choices = {"input_ids": [[[1, 2], [1, 2, 3, 4]], [[1], [1]]]}
    assert example_lengths(choices, "multiple_choice") == [8, 2]
    pairs = {"input_ids": [[1, 2], [1]], "positive_ids": [[1], [1, 2, 3]]}
    assert example_lengths(pairs, "retrieval") == [2, 3]


def test_stream_collates_and_counts_padding():
    columns = {"input_ids": [[0] + [5] * n + [2] for n in (1, 2, 9, 10)], "label": [0, 1, 0, 1]}
    stream = BatchStream(columns, "classification", batch_size=2, pad_id=1, seed=0)
    batch = next(stream)
    assert batch["input_ids"].shape[0] == 2 and batch["labels"].shape == (2,)
    # grouped: the two short ones or the two long ones together
    assert batch["input_ids"].shape[1] in (4, 12)
    assert stream.real_tokens == int(batch["attention_mask"].sum())
    assert stream.padded_tokens == batch["input_ids"].numel()
