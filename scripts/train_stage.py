"""Rule train_stage."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # noqa: F821  (the xstilts package)
from xstilts import steps  # noqa: E402

sm = snakemake  # noqa: F821
with steps.logged(sm):
    w = sm.wildcards
    steps.train_stage(sm.config, w.model, w.chain, int(w.seed), sm.input.init, sm.output[0])
