"""Signals as documented, in a real local Snakemake run (jobs in worker threads): SIGINT
(Ctrl-C), SIGUSR1 (SLURM's warning before the time limit) and SIGTERM (scancel, preemption)
each make the running training write a step checkpoint and stop; the next run resumes from it,
and the scores equal those of an uninterrupted run. `--unlock` is refused while a run is live."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
CONFIG = ROOT / "config/test-slurm.yaml"  # the smallest study, with long target training

pytestmark = pytest.mark.e2e


def _command(workdir: Path, *extra: str) -> list[str]:
    return [
        SNAKEMAKE,
        "all",
        "--snakefile",
        str(ROOT / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(CONFIG),
        "--cores",
        "2",
        *extra,
    ]


def _scores(workdir: Path) -> dict:
    files = sorted(workdir.glob("results/tiny-xlmr/*/*/seed*/scores/*.json"))
    files = [f for f in files if f.name != "xstilts.json"]  # the folder's record
    assert files
    return {str(f.relative_to(workdir)): json.loads(f.read_text())["metrics"] for f in files}


def _training_logs(workdir: Path) -> list[Path]:
    logs = workdir / "results/logs"
    found = sorted(logs.glob("**/*.log")) if logs.is_dir() else []
    return [log for log in found if not log.name.endswith(".attempts.log")]


def _wait_for_lock(workdir: Path, process, timeout: float = 600) -> None:
    """Until the run holds Snakemake's lock on its folder."""
    deadline = time.time() + timeout
    while not any((workdir / ".snakemake" / "locks").glob("*.lock")):
        assert process.poll() is None, process.communicate()[0][-3000:]
        assert time.time() < deadline, "the run never locked its folder"
        time.sleep(0.05)


def _wait_for_checkpoint(workdir: Path, done: set, process, timeout: float = 600) -> Path:
    """A target training's log (1,500 steps: the stage's 60 can end before the signal lands)
    that has written a step checkpoint and not finished."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert process.poll() is None, process.communicate()[0][-3000:]
        for log in _training_logs(workdir):
            if log.name != "train.log":
                continue
            text = log.read_text() if log.is_file() else ""
            if "checkpoint at step" not in text or "job time" in text:
                continue
            # an interrupted training's log counts again once its new attempt has resumed
            # and checkpointed (before that it is the stopped attempt's leftover)
            resumed = text.find("resumed from")
            if log not in done or (resumed >= 0 and text.rfind("checkpoint at step") > resumed):
                return log
        time.sleep(0.1)
    raise AssertionError("no training reached a step checkpoint")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("uninterrupted")
    result = subprocess.run(_command(workdir), capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stderr[-4000:]
    return _scores(workdir)


def test_signals_checkpoint_and_stop_training_and_the_next_run_resumes(reference, tmp_path):
    workdir = tmp_path / "run"
    interrupted: dict[Path, int] = {}
    for number, signum in enumerate((signal.SIGINT, signal.SIGUSR1, signal.SIGTERM)):
        process = subprocess.Popen(
            _command(workdir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            if number == 0:  # while the run is live, --unlock is refused
                # before a training is waited for: the refusal takes a Snakemake start (seconds
                # on a loaded machine), long enough for a training to end before its signal
                _wait_for_lock(workdir, process)
                unlock = subprocess.run(
                    [*_command(workdir), "--unlock"], capture_output=True, text=True
                )
                assert unlock.returncode != 0
                assert "still live" in unlock.stdout + unlock.stderr
            log = _wait_for_checkpoint(workdir, set(interrupted), process)
            sent = time.time()
            process.send_signal(signum)
            output, _ = process.communicate(timeout=300)
            waited = time.time() - sent
        finally:
            if process.poll() is None:
                process.kill()
        assert process.returncode != 0, output[-3000:]
        text = log.read_text()
        assert f"(signal {int(signum)})" in text, (signum, text[-2000:], output[-2000:])
        assert "stopping at step" in text
        assert list(workdir.glob("results/**/*.resume.pt")), "no step checkpoint was left"
        interrupted[log] = int(signum)
        print(f"\n{signal.Signals(signum).name}: stopped {waited:.1f} s after the signal")
    result = subprocess.run(_command(workdir), capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-4000:]
    for log in interrupted:
        assert "resumed from" in log.read_text(), log  # each interrupted training resumed
        history = log.with_suffix(".attempts.log").read_text()  # and its attempts are kept
        assert f"(signal {interrupted[log]})" in history and "resumed from" in history
    assert not list(workdir.glob("results/**/*.resume.pt"))
    assert _scores(workdir) == reference


def test_unlock_works_once_no_run_is_live(tmp_path):
    from xstilts.steps import session

    (tmp_path / ".snakemake").mkdir()
    (tmp_path / session.MARKER).write_text(
        json.dumps({"pid": 2**22 + 12345, "host": socket.gethostname(), "started": 0})
    )
    assert session.live_run(tmp_path) is None  # a dead pid: no live run
    session.mark_live_run(tmp_path)
    assert session.live_run(tmp_path)["pid"] == os.getpid()
    session.clear_live_run(tmp_path)
    assert session.live_run(tmp_path) is None
