"""Rules predict_<task>."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # noqa: F821  (the xstilts package)
from xstilts import steps  # noqa: E402

sm = snakemake  # noqa: F821
with steps.logged(sm):
    w = sm.wildcards
    outputs = {lang: sm.output[lang] for lang in sm.output.keys()}
    steps.predict(sm.config, w.model, w.recipe, sm.params.task, int(w.seed), sm.input.model, outputs)
