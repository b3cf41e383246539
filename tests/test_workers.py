"""Local parallel jobs: steps handed to worker processes return what they would in-process,
raise the same errors, write their logs, and give bit-identical torch results."""

import os

import pytest

from xstilts import workers
from xstilts.steps.runner import log, step


@step
def where_and_what(value: int) -> tuple[int, int]:
    log(f"working on {value}")
    return os.getpid(), value * 2


@step
def fails(message: str) -> None:
    raise ValueError(message)


@step
def seeded_training_draws(seed: int) -> list[float]:
    """What a training step depends on: the global seed, dropout draws and thread count."""
    import torch

    from xstilts.runtime import seed_everything

    seed_everything(seed)
    torch.set_num_threads(1)
    layer = torch.nn.Linear(8, 8)
    out = torch.nn.functional.dropout(layer(torch.randn(4, 8)), 0.5, training=True)
    return out.flatten().tolist()


def test_one_worker_is_no_pool():
    workers.use_workers(1)
    assert not workers.active()
    workers.use_workers(0)


def test_in_process_by_default(tmp_path):
    assert not workers.active()
    pid, doubled = where_and_what(21, log_path=str(tmp_path / "a.log"))
    assert pid == os.getpid() and doubled == 42


@pytest.fixture(scope="module")
def two_workers():
    workers.use_workers(2)  # one pool for the module: each worker imports torch once
    yield
    workers.use_workers(0)
    workers.shutdown()


def test_steps_run_in_worker_processes(tmp_path, two_workers):
    pid, doubled = where_and_what(21, log_path=str(tmp_path / "job.log"))
    assert pid != os.getpid() and doubled == 42
    assert "working on 21" in (tmp_path / "job.log").read_text()


def test_worker_errors_reach_the_job(tmp_path, two_workers):
    with pytest.raises(ValueError, match="no such dataset"):
        fails("no such dataset", log_path=str(tmp_path / "job.log"))
    # the worker's step wrapper wrote the traceback into the job's log
    assert "ValueError: no such dataset" in (tmp_path / "job.log").read_text()


def test_results_identical_to_in_process(two_workers):
    in_workers = [seeded_training_draws(s) for s in (1, 2, 1)]
    workers.use_workers(0)
    in_process = [seeded_training_draws(s) for s in (1, 2, 1)]
    workers.use_workers(2)
    assert in_workers == in_process
    assert in_workers[0] == in_workers[2] and in_workers[0] != in_workers[1]


@step
def stop_requests_seen() -> tuple[int, int]:
    import time

    from xstilts.runtime import stop_count

    time.sleep(0.2)  # busy long enough that concurrent calls need both workers
    return os.getpid(), stop_count()


def test_stop_signals_reach_the_workers(two_workers):
    """SIGUSR1 (SLURM's warning before the time limit) sent to the Snakemake process reaches
    the workers, where training polls it; the process's own handler still runs."""
    import signal
    import time
    from concurrent.futures import ThreadPoolExecutor

    def ask_every_worker() -> dict[int, int]:
        """{worker pid: stop requests it saw}, once both workers (the pool's maximum) answer."""
        answers: dict[int, int] = {}
        for _ in range(100):
            with ThreadPoolExecutor(2) as threads:  # two jobs at once, as Snakemake's threads
                answers.update(threads.map(lambda _: stop_requests_seen(), range(2)))
            if len(answers) == 2:
                return answers
        raise AssertionError(f"only {len(answers)} worker answered")

    seen = []
    previous = signal.signal(signal.SIGUSR1, lambda signum, frame: seen.append(signum))
    try:
        before = ask_every_worker()  # both workers started (the pool's maximum)
        workers.forward_stop_signals()
        os.kill(os.getpid(), signal.SIGUSR1)
        time.sleep(1.0)
        after = ask_every_worker()
    finally:
        signal.signal(signal.SIGUSR1, previous)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    assert seen == [signal.SIGUSR1]
    assert set(after) == set(before)  # the same two processes: none died of the signal
    assert all(after[pid] == before[pid] + 1 for pid in before), (before, after)
