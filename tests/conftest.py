import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from slurm_fixtures import slurm_cluster  # noqa: E402, F401  (session fixture: a real SLURM)


@pytest.fixture(scope="session")
def study_run(tmp_path_factory):
    """One Snakemake run of config/test-small.yaml, shared by the end-to-end test modules
    (workflow and archive): it takes minutes."""
    import time

    from test_workflow_e2e import snakemake

    workdir = tmp_path_factory.mktemp("e2e")
    started = time.time()
    snakemake(workdir, "all")
    (workdir / "elapsed.txt").write_text(str(time.time() - started))  # for the timing test
    return workdir
