"""Rule tokenize."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # noqa: F821  (the xstilts package)
from xstilts import steps  # noqa: E402

sm = snakemake  # noqa: F821
with steps.logged(sm):
    w = sm.wildcards
    steps.tokenize(sm.config, w.model, w.dataset, w.split, sm.input.data, sm.input.tokenizer, sm.output[0])
