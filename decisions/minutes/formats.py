"""Which reader reads a path: the formats are recognized from their content, side by side.

Each reader module has FORMAT, DESCRIPTION, detect(path) and read(path) -> list[Reading]."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from . import acadre, edoc, odense, publication
from .types import MinutesError

READERS: tuple[ModuleType, ...] = (odense, acadre, edoc, publication)
# Files a directory walk offers to the readers; anything else in a plain folder is not minutes.
_CANDIDATE_SUFFIXES = (".txt", ".pdf", ".xml", ".zip")


def formats_read() -> str:
    """The formats the archive reads, for messages: "Odense-style …; an Acadre export …"."""
    return "; ".join(reader.DESCRIPTION for reader in READERS)


def reader_for(path: Path) -> ModuleType:
    """The one reader that recognizes `path` (a file or an export folder); MinutesError when none
    does, or when a folder holds two formats' exports."""
    found = [reader for reader in READERS if reader.detect(path)]
    if len(found) > 1:
        names = " and ".join(reader.FORMAT for reader in found)
        raise MinutesError(f"{path}: holds exports of two formats ({names}); give each its own folder")
    if not found:
        raise MinutesError(f"{path}: not minutes or an export the archive reads. It reads: {formats_read()}")
    return found[0]


def find_sources(path: Path) -> tuple[list[tuple[ModuleType, Path]], list[str]]:
    """The (reader, path) pairs under `path`, and the paths refused with their reason.

    A folder that a structured reader recognizes (an Acadre, eDoc or Publication export) is one
    source; any other folder is searched recursively, offering .txt, .pdf, .xml and .zip files.
    """
    if not path.exists():
        raise MinutesError(f"{path}: no such file or directory")
    if path.is_file():
        return [(reader_for(path), path)], []
    exports = [reader for reader in READERS if reader is not odense and reader.detect(path)]
    if len(exports) > 1:
        raise MinutesError(f"{path}: holds exports of two formats ({' and '.join(r.FORMAT for r in exports)})")
    if exports:
        return [(exports[0], path)], []
    sources: list[tuple[ModuleType, Path]] = []
    refused: list[str] = []
    for child in sorted(path.iterdir()):
        if child.name.startswith(".") or child.name == "__pycache__":
            continue
        if child.is_dir():
            found, failed = find_sources(child) if _has_candidates(child) else ([], [])
            sources += found
            refused += failed
        elif child.suffix.lower() in _CANDIDATE_SUFFIXES:
            try:
                sources.append((reader_for(child), child))
            except MinutesError as exc:
                refused.append(str(exc))
    return sources, refused


def _has_candidates(folder: Path) -> bool:
    return any(p.is_file() and p.suffix.lower() in _CANDIDATE_SUFFIXES for p in folder.rglob("*"))
