# xstilts: intermediate-task training for zero-shot cross-lingual transfer (XTREME-R).
# The experiment's coordinates are paths (see xstilts/paths.py); `snakemake <a score file>`
# regenerates one cell, `snakemake all` the whole study of the config.
from snakemake.utils import min_version

min_version("9.0")


# The embedded default, unless a config is given (--configfile, or a profile's configfile):
# a given config replaces it rather than being merged over it.
if not config:

    configfile: f"{workflow.basedir}/config.yaml"


include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/models.smk"
include: "rules/training.smk"
include: "rules/evaluation.smk"
include: "rules/report.smk"


# `snakemake --report report.html`: the answer page, tables, figures and statistics in one file.
report: "report/workflow.rst"


onstart:
    # Before any job runs: every dataset can be had (release files present, hub ids pinned).
    check_sources()
    # Before anything is submitted: the cluster profile needs a partition and an account.
    if (
        workflow.executor_plugin is not None
        and workflow.executor_plugin.name.endswith("slurm")
    ):
        require_slurm_site()


rule all:
    default_target: True
    input:
        **summary_outputs(),
        report=report_outputs(),
