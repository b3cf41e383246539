"""Rule train_tokenizer."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # noqa: F821  (the xstilts package)
from xstilts import steps  # noqa: E402

sm = snakemake  # noqa: F821
with steps.logged(sm):
    steps.train_tokenizer(sm.config, sm.wildcards.model, sm.input.corpus, sm.output[0])
