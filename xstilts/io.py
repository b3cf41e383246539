"""Atomic file and folder writes, checksums and their verification.

Every output of the workflow goes through these helpers: data is written under a temporary
name next to its destination and renamed into place, so an interrupted job never leaves a file
that looks complete. What a step writes is recorded (size and sha256) in the output's manifest,
and a step that reads it checks the record first (`verify_files`), so a file changed or damaged
after it was written is never used silently.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_HOST = socket.gethostname().split(".")[0]


def _read_umask() -> int:
    # os.umask can only be read by setting it: done once, at import (before threads start).
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def _remove_stale_siblings(path: Path) -> None:
    """Temporary siblings of `path` left by a killed writer (SIGKILL skips every cleanup).
    Each output has one writer at a time (Snakemake's locks), so a temporary sibling of the
    output being written now is stale, unless it belongs to another live process of this host
    (`--nolock` runs): its name says `<pid>@<host>`."""
    for stale in path.parent.glob(f".{glob_escape(path.name)}.tmp-*"):
        owner = stale.name.rsplit(".tmp-", 1)[1]
        pid, _, rest = owner.partition("@")
        host = rest.rpartition("-")[0]
        if pid.isdigit() and host == _HOST and int(pid) != os.getpid() and _alive(int(pid)):
            continue
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)


def glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _tmp_sibling(path: Path, is_dir: bool) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_siblings(path)
    prefix = f".{path.name}.tmp-{os.getpid()}@{_HOST}-"
    # mkstemp/mkdtemp create 0600/0700: outputs get the permissions of any new file
    # (the umask), so collaborators on a shared cluster can read them.
    if is_dir:
        tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=path.parent))
        tmp.chmod(0o777 & ~_UMASK)
        return tmp
    fd, name = tempfile.mkstemp(prefix=prefix, dir=path.parent)
    os.close(fd)
    Path(name).chmod(0o666 & ~_UMASK)
    return Path(name)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary file path; on success rename it to ``path``, on error delete it."""
    path = Path(path)
    tmp = _tmp_sibling(path, is_dir=False)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary folder; on success it replaces ``path`` (old content removed)."""
    path = Path(path)
    tmp = _tmp_sibling(path, is_dir=True)
    try:
        yield tmp
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: str | os.PathLike, obj: Any) -> None:
    write_text(path, json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def write_jsonl(path: str | os.PathLike, rows: list[dict]) -> None:
    write_text(
        path, "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
    )


def read_json(path: str | os.PathLike) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not valid JSON ({err}); delete it and rerun the rule") from err


def read_jsonl(path: str | os.PathLike) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as err:
                    raise ValueError(f"{path}:{number}: not valid JSON ({err})") from err
    return rows


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _tree_files(root: Path, exclude: tuple[str, ...]) -> list[Path]:
    return [
        p
        for p in sorted(root.rglob("*"))
        if p.is_file()
        and not p.name.startswith(".")
        and p.relative_to(root).as_posix() not in exclude
    ]


def checksum_tree(root: str | os.PathLike, exclude: tuple[str, ...] = ()) -> dict[str, str]:
    """sha256 of every file under ``root`` (relative posix paths), for manifests."""
    root = Path(root)
    return {p.relative_to(root).as_posix(): sha256_file(p) for p in _tree_files(root, exclude)}


def sizes_tree(root: str | os.PathLike, exclude: tuple[str, ...] = ()) -> dict[str, int]:
    """Size in bytes of every file under ``root``: checked before hashing (cheap)."""
    root = Path(root)
    return {p.relative_to(root).as_posix(): p.stat().st_size for p in _tree_files(root, exclude)}


class IntegrityError(ValueError):
    """A file differs from the record written with it (changed, damaged or missing)."""


# (absolute path, inode, size, mtime) -> sha256 of files already verified in this process, so a
# file read by several steps of one Snakemake process is hashed once.
_VERIFIED: dict[tuple, str] = {}
_VERIFIED_LOCK = threading.Lock()


def verified_sha256(path: Path, expected: str | None, size: int | None, regenerate: str) -> str:
    """The sha256 of `path` after checking it against its record (size first, then hash);
    IntegrityError names the file and how to regenerate it."""
    if not path.is_file():
        raise IntegrityError(f"{path}: missing, but its manifest lists it. {regenerate}")
    stat = path.stat()
    if size is not None and stat.st_size != size:
        raise IntegrityError(
            f"{path}: {stat.st_size} bytes, but {size} were written; the file was changed or "
            f"damaged after it was made. {regenerate}"
        )
    key = (str(path.resolve()), stat.st_ino, stat.st_size, stat.st_mtime_ns)
    with _VERIFIED_LOCK:
        digest = _VERIFIED.get(key)
    if digest is None:
        digest = sha256_file(path)
    if expected is not None and digest != expected:
        raise IntegrityError(
            f"{path}: sha256 {digest[:12]}..., but {expected[:12]}... was recorded when it was "
            f"written; the file was changed or damaged after it was made. {regenerate}"
        )
    with _VERIFIED_LOCK:
        _VERIFIED[key] = digest
    return digest


def verify_files(
    root: str | os.PathLike,
    recorded: dict[str, str],
    sizes: dict[str, int] | None,
    regenerate: str,
    only: str | None = None,
) -> dict[str, str]:
    """Check the files of `recorded` ({relative path: sha256}) under `root` (those under the
    sub-folder or file `only`, if given); return {relative path: sha256 read}."""
    root = Path(root)
    checked = {}
    for rel, expected in recorded.items():
        if only is not None and rel != only and not rel.startswith(only.rstrip("/") + "/"):
            continue
        size = (sizes or {}).get(rel)
        checked[rel] = verified_sha256(root / rel, expected, size, regenerate)
    if only is not None and not checked:
        raise IntegrityError(f"{root / only}: not in the manifest of {root}. {regenerate}")
    return checked


def regenerate_advice(output: str | os.PathLike) -> str:
    """A recovery that works: Snakemake does not rerun a job whose output exists, so the
    damaged output is forced; the jobs after it then rerun because it is newer."""
    return (
        f"Regenerate it with `snakemake --force {output}` (add the --configfile/--profile options "
        "of your run), then run your command again: the steps that read it rerun."
    )


def digest_of(hashes: dict[str, str]) -> str:
    """One sha256 over a {name: sha256} record (order-independent)."""
    lines = "".join(f"{name}\t{digest}\n" for name, digest in sorted(hashes.items()))
    return hashlib.sha256(lines.encode()).hexdigest()


def tree_record(root: str | os.PathLike, exclude: tuple[str, ...] = ()) -> dict:
    """{"files": {path: sha256}, "bytes": {path: size}} of a folder, for its manifest."""
    return {"files": checksum_tree(root, exclude), "bytes": sizes_tree(root, exclude)}


FOLDER_RECORD = "xstilts.json"


def write_folder_record(out_dir: str | os.PathLike, metadata: dict) -> None:
    """`xstilts.json` of a folder output (model, tokenizer, predictions, scores): what made
    it, plus the size and sha256 of every file in it, so a step that reads it checks it first
    (`verify_folder`)."""
    out_dir = Path(out_dir)
    record = {**metadata, **tree_record(out_dir, exclude=(FOLDER_RECORD,))}
    text = json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
    (out_dir / FOLDER_RECORD).write_text(text, encoding="utf-8")


def verify_folder(path: str | os.PathLike) -> dict[str, str]:
    """Check every file of a folder against its `xstilts.json` record; {file: sha256 read}."""
    path = Path(path)
    advice = regenerate_advice(path)
    try:
        record = json.loads((path / FOLDER_RECORD).read_text(encoding="utf-8"))
        files = record["files"]
    except (OSError, ValueError, KeyError) as err:
        raise IntegrityError(
            f"{path}: no record of its files ({FOLDER_RECORD}: {err}), so it cannot be checked. "
            f"{advice}"
        ) from None
    return verify_files(path, files, record.get("bytes"), advice)


def recorded_files(folder: str | os.PathLike, names: list[str]) -> list[Path]:
    """The files `names` of a folder output, after checking every file of the folder against
    its record: a file changed, cut or missing since it was written stops the reader here."""
    checked = verify_folder(folder)
    missing = [name for name in names if name not in checked]
    if missing:
        raise IntegrityError(
            f"{folder}: {', '.join(missing)} not in its record ({FOLDER_RECORD}); it was made "
            f"for other settings. {regenerate_advice(folder)}"
        )
    return [Path(folder) / name for name in names]


def folder_digest(path: str | os.PathLike) -> str:
    """One sha256 for a verified folder, over its files' hashes (not its metadata: a
    bit-identical retraining gives the same digest)."""
    return digest_of(verify_folder(path))
