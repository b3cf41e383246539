# xstilts: intermediate-task training for zero-shot cross-lingual transfer (XTREME-R).
# The experiment's coordinates are paths (see xstilts/paths.py); `snakemake <a scores folder>`
# regenerates one trained model's cells (scores/<lang>.json), `snakemake all` the whole study.
import sys

from snakemake.utils import min_version

min_version("9.0")
sys.path.insert(0, workflow.basedir)

from xstilts.study.config import ConfigError, load_config

# The embedded default, unless a config is given (--configfile, or a profile's configfile):
# a given config replaces it rather than being merged over it.
if not config:
    try:  # a YAML error with file and line (Snakemake's loader names neither)
        load_config(f"{workflow.basedir}/config.yaml")
    except ConfigError as err:
        raise WorkflowError(f"invalid configuration:\n{err}") from None

    configfile: f"{workflow.basedir}/config.yaml"


include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/models.smk"
include: "rules/training.smk"
include: "rules/evaluation.smk"
include: "rules/export.smk"
include: "rules/report.smk"


# `snakemake --report report.html`: the answer page, tables, figures and statistics in one file.
report: "report/workflow.rst"


onstart:
    # Local runs on several cores: jobs in worker processes, in parallel (xstilts/workers.py).
    use_local_workers()
    # Before anything is submitted: the cluster profile needs a partition and an account.
    if (
        workflow.executor_plugin is not None
        and workflow.executor_plugin.name.endswith("slurm")
    ):
        require_slurm_site()
    session.mark_live_run()


onsuccess:
    session.clear_live_run()


onerror:
    session.clear_live_run()


rule all:
    default_target: True
    input:
        **summary_outputs(),
        report=report_outputs(),
