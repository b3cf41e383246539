"""pytest fixtures for a real single-node SLURM cluster.

Import into tests/conftest.py:

    from slurm_fixtures import slurm_cluster  # noqa: F401

or load as a plugin: `pytest -p slurm_fixtures` with tests/ on sys.path.

When SLURM cannot run here the tests that use the fixture are skipped, except under CI=true,
where they fail: CI must run them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from slurm_cluster import SlurmCluster, SlurmClusterError, slurm_unavailable_reason


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"SLURM cluster unavailable under CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def slurm_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlurmCluster]:
    """A running cluster (partition `debug`, one fake GPU), stopped at the end of the session.

    Its directory is $XSTILTS_SLURM_DIR if set (a cluster already running there is reused and
    left running), else a fresh temporary directory.
    """
    reason = slurm_unavailable_reason()
    if reason is not None:
        _unavailable(reason)
    env_dir = os.environ.get("XSTILTS_SLURM_DIR")
    directory = Path(env_dir) if env_dir else tmp_path_factory.mktemp("slurm")
    cluster = SlurmCluster(directory)
    try:
        cluster.start()
    except SlurmClusterError as err:
        cluster.stop()
        pytest.fail(str(err), pytrace=False)
    print(f"\nSLURM cluster in {cluster.directory}: started in {cluster.start_seconds:.1f} s")
    try:
        yield cluster
    finally:
        cluster.stop()
