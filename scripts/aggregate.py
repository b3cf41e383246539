"""Rule aggregate."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # noqa: F821  (the xstilts package)
from xstilts import steps  # noqa: E402

sm = snakemake  # noqa: F821
with steps.logged(sm):
    outputs = {key: sm.output[key] for key in sm.output.keys()}
    steps.aggregate(sm.config, list(sm.input), outputs)
