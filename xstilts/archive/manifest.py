"""The archive's manifest: the SHA-256 of every file in it, in `sha256sum` format, so that
`sha256sum -c MANIFEST.sha256` checks an archive as well as `xstilts.archive verify` does."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from xstilts.io import sha256_file, write_text

MANIFEST = "MANIFEST.sha256"


class ManifestError(ValueError):
    pass


def archive_files(root: str | Path) -> list[str]:
    """Every file under `root` (relative posix paths, sorted), the manifest itself excluded."""
    root = Path(root)
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if (p.is_file() or p.is_symlink()) and p.relative_to(root).as_posix() != MANIFEST
    )


def write_manifest(root: str | Path) -> dict[str, str]:
    root = Path(root)
    sums = {rel: sha256_file(root / rel) for rel in archive_files(root)}
    write_text(root / MANIFEST, "".join(f"{digest}  {rel}\n" for rel, digest in sums.items()))
    return sums


def read_manifest(root: str | Path) -> dict[str, str]:
    path = Path(root) / MANIFEST
    if not path.is_file():
        raise ManifestError(f"{path}: no manifest; this is not an xstilts archive folder")
    sums = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        digest, sep, rel = line.partition("  ")
        if not sep or len(digest) != 64:
            raise ManifestError(f"{path}:{number}: expected '<sha256>  <path>', got {line!r}")
        sums[rel] = digest
    return sums


@dataclass
class Verification:
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.added or self.changed)

    def lines(self) -> list[str]:
        out = [f"changed  {p}" for p in self.changed]
        out += [f"missing  {p}" for p in self.missing]
        out += [f"added    {p}" for p in self.added]
        total = len(self.changed) + len(self.missing) + len(self.added)
        out.append(
            f"OK: {self.checked} files match {MANIFEST}"
            if self.ok
            else f"FAILED: {total} of the archive's files differ from {MANIFEST} "
            f"({len(self.changed)} changed, {len(self.missing)} missing, {len(self.added)} added)"
        )
        return out


def verify(root: str | Path) -> Verification:
    """Compare the files under `root` with its manifest: missing, added and changed files."""
    root = Path(root)
    expected = read_manifest(root)
    present = set(archive_files(root))
    result = Verification(checked=len(expected))
    result.missing = sorted(set(expected) - present)
    result.added = sorted(present - set(expected))
    result.changed = sorted(
        rel for rel in set(expected) & present if sha256_file(root / rel) != expected[rel]
    )
    return result
