import pytest

from xstilts.model.sampling import TaskSampler, mixture

SIZES = {"a": 900, "b": 100}


def test_proportional():
    assert mixture(SIZES) == pytest.approx({"a": 0.9, "b": 0.1})


def test_uniform():
    assert mixture(SIZES, "uniform") == pytest.approx({"a": 0.5, "b": 0.5})


def test_temperature():
    # T=2: weights sqrt(900)=30, sqrt(100)=10 -> 0.75 / 0.25
    assert mixture(SIZES, "temperature", temperature=2.0) == pytest.approx({"a": 0.75, "b": 0.25})
    # T -> large approaches uniform; T=1 is proportional
    assert mixture(SIZES, "temperature", temperature=1.0) == pytest.approx(mixture(SIZES))


def test_cap():
    # capped at 100 each -> proportional becomes uniform
    assert mixture(SIZES, "proportional", cap=100) == pytest.approx({"a": 0.5, "b": 0.5})


@pytest.mark.parametrize("kwargs", [{"method": "nope"}, {"method": "temperature"}])
def test_bad_methods(kwargs):
    with pytest.raises(ValueError):
        mixture(SIZES, **kwargs)


def test_empty_task_rejected():
    with pytest.raises(ValueError, match="training examples"):
        mixture({"a": 0, "b": 10})


def test_empirical_frequencies_follow_the_mixture():
    sampler = TaskSampler(SIZES, seed=3, method="temperature", temperature=2.0)
    draws = [next(sampler) for _ in range(4000)]
    assert draws.count("a") / len(draws) == pytest.approx(0.75, abs=0.03)
    assert sampler.counts["a"] + sampler.counts["b"] == 4000


def test_deterministic_and_resumable():
    first = TaskSampler(SIZES, seed=7)
    head = [next(first) for _ in range(50)]
    state = first.state_dict()
    tail = [next(first) for _ in range(50)]
    again = TaskSampler(SIZES, seed=7)
    assert [next(again) for _ in range(50)] == head
    resumed = TaskSampler(SIZES, seed=7)
    resumed.load_state_dict(state)
    assert [next(resumed) for _ in range(50)] == tail
