"""Command line: `python -m xstilts.archive create | verify | reproduce` (see --help)."""

from __future__ import annotations

import argparse
import sys
import tarfile
import tempfile
from pathlib import Path

from xstilts.archive.collect import ArchiveError
from xstilts.archive.manifest import ManifestError, verify


def _verify(archive: Path) -> int:
    if archive.is_file() and archive.name.endswith((".tar.gz", ".tgz")):
        with tempfile.TemporaryDirectory() as scratch, tarfile.open(archive) as tar:
            tops = {m.name.split("/")[0] for m in tar.getmembers()}
            if len(tops) != 1:
                raise ManifestError(f"{archive}: expected one top folder, found {sorted(tops)}")
            tar.extractall(scratch, filter="data")
            return _report(verify(Path(scratch) / tops.pop()))
    if not archive.is_dir():
        raise ManifestError(f"{archive}: no such archive folder or .tar.gz")
    return _report(verify(archive))


def _report(result) -> int:
    print("\n".join(result.lines()))
    return 0 if result.ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m xstilts.archive", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    create = commands.add_parser("create", help="archive a finished run (folder + .tar.gz)")
    create.add_argument("--configfile", default="config.yaml", help="the config the run used")
    create.add_argument(
        "--directory", default=".", help="the run's working directory (results and resources)"
    )
    create.add_argument("--out", help="archive folder (default: archives/<study>-<config hash>)")
    create.add_argument(
        "--with-predictions", action="store_true", help="include prediction files (large)"
    )
    create.add_argument(
        "--allow-code-mismatch",
        action="store_true",
        help="archive although scores or models were made by another commit (recorded)",
    )
    create.add_argument("--no-tar", action="store_true", help="write the folder only")

    check = commands.add_parser("verify", help="check an archive against its manifest")
    check.add_argument("archive", type=Path, help="archive folder or .tar.gz")

    rerun = commands.add_parser(
        "reproduce", help="rerun cells of an archive in a fresh folder and compare scores"
    )
    rerun.add_argument("archive", type=Path, help="archive folder")
    rerun.add_argument(
        "--cells", nargs="+", help="cells: model/recipe/task/seedN/language or score file paths"
    )
    rerun.add_argument("--sample", type=int, default=2, help="random cells (without --cells)")
    rerun.add_argument(
        "--all",
        action="store_true",
        help="every cell: the whole study, and its summary tables compared too",
    )
    rerun.add_argument("--seed", type=int, default=0, help="seed of the random sample")
    rerun.add_argument("--workdir", type=Path, help="fresh folder for the rerun")
    rerun.add_argument("--cores", type=int, default=2)
    rerun.add_argument(
        "--tolerance",
        type=float,
        default=0.0,
        help="largest absolute score difference accepted (0: exact, for CPU; e.g. 0.5 on GPU)",
    )
    rerun.add_argument(
        "--release-root", help="where the release files are on this machine (data.release_root)"
    )
    rerun.add_argument(
        "--snakemake-args",
        default="",
        help="more snakemake arguments for the reruns, e.g. '--profile slurm'",
    )
    rerun.add_argument(
        "--snakefile",
        type=Path,
        help="run this checkout's Snakefile instead of the archived workflow/",
    )

    args = parser.parse_args(argv)
    try:
        if args.command == "create":
            from xstilts.archive.create import create as make

            make(
                args.configfile,
                args.directory,
                args.out,
                with_predictions=args.with_predictions,
                allow_code_mismatch=args.allow_code_mismatch,
                tar=not args.no_tar,
            )
            return 0
        if args.command == "verify":
            return _verify(args.archive)
        from xstilts.archive.reproduce import reproduce

        return reproduce(
            args.archive,
            cells=args.cells,
            sample=None if args.all else args.sample,
            seed=args.seed,
            workdir=args.workdir,
            cores=args.cores,
            tolerance=args.tolerance,
            release_root=args.release_root,
            snakefile=args.snakefile,
            snakemake_args=args.snakemake_args,
        )
    except (ArchiveError, ManifestError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
