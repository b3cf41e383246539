"""Rule prepare_data."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # noqa: F821  (the xstilts package)
from xstilts import steps  # noqa: E402

sm = snakemake  # noqa: F821
with steps.logged(sm):
    steps.prepare_data(sm.config, sm.wildcards.dataset, sm.output[0])
