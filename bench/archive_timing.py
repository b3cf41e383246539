"""How long archiving a finished run takes, how large the archive is, and how long verifying
and reproducing cells from it take.

    python bench/archive_timing.py --configfile config/test-small.yaml --directory RUN \
        [--with-predictions] [--cells tiny-xlmr/baseline/toy-xnli/seed1/en ...]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xstilts.archive.__main__ import main as archive_main  # noqa: E402
from xstilts.archive.create import create  # noqa: E402
from xstilts.archive.manifest import verify  # noqa: E402
from xstilts.archive.reproduce import reproduce  # noqa: E402


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def size(path: Path) -> int:
    return (
        sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        if path.is_dir()
        else path.stat().st_size
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--configfile", default=str(ROOT / "config.yaml"))
    parser.add_argument("--directory", default=".")
    parser.add_argument("--with-predictions", action="store_true")
    parser.add_argument("--allow-code-mismatch", action="store_true")
    parser.add_argument("--cells", nargs="*", default=[])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "archive"
        _, seconds = timed(
            create,
            args.configfile,
            args.directory,
            out,
            with_predictions=args.with_predictions,
            allow_code_mismatch=args.allow_code_mismatch,
            log=lambda *_: None,
        )
        tarball = out.with_name("archive.tar.gz")
        files = sum(1 for p in out.rglob("*") if p.is_file())
        print(
            f"create: {seconds:.1f} s; {files} files, {size(out) / 1e6:.1f} MB folder, "
            f"{size(tarball) / 1e6:.2f} MB .tar.gz"
        )
        result, seconds = timed(verify, out)
        print(f"verify folder: {seconds:.2f} s ({'ok' if result.ok else 'FAILED'})")
        code, seconds = timed(archive_main, ["verify", str(tarball)])
        print(f"verify .tar.gz: {seconds:.2f} s ({'ok' if code == 0 else 'FAILED'})")
        if args.cells:
            code, seconds = timed(
                reproduce,
                out,
                cells=args.cells,
                workdir=Path(scratch) / "rerun",
                log=lambda *_: None,
            )
            print(
                f"reproduce {len(args.cells)} cells: {seconds:.0f} s ({'identical' if code == 0 else 'DIFFER'})"
            )


if __name__ == "__main__":
    main()
