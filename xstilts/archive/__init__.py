"""Archiving a finished run for a paper, verifying an archive and reproducing cells from it.

    python -m xstilts.archive create    [--configfile config.yaml] [--directory .] [--out DIR]
    python -m xstilts.archive verify    ARCHIVE            (folder or .tar.gz; exit 1 on a difference)
    python -m xstilts.archive reproduce ARCHIVE [--cells ... | --sample N] [--tolerance 0]

create.py writes the archive (layout in its docstring), manifest.py its SHA-256 manifest and
the check, crate.py its RO-Crate description, collect.py reads a run (cells, identities,
consistency), capture.py the code and environment, reproduce.py reruns cells and compares.
"""
