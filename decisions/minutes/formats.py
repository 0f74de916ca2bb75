"""Which reader reads a path: the formats are recognized from their content, side by side.

Each reader module has FORMAT, DESCRIPTION, detect(path) and read(path) -> list[Reading]."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from . import acadre, edoc, firstagenda, odense, publication
from .types import MinutesError

READERS: tuple[ModuleType, ...] = (odense, acadre, edoc, publication, firstagenda)
_JSON_HEAD_BYTES = 65536
# Files a directory walk offers to the readers; anything else in a plain folder is not minutes.
_CANDIDATE_SUFFIXES = (".txt", ".pdf", ".xml", ".zip", ".json")


def formats_read() -> str:
    """The formats the archive reads, for messages: "Odense-style …; an Acadre export …"."""
    return "; ".join(reader.DESCRIPTION for reader in READERS)


def reader_for(path: Path) -> ModuleType:
    """The one reader that recognizes `path` (a file or an export folder); MinutesError when none
    does, or when a folder holds two formats' exports. Odense's reader takes what no structured
    reader recognizes (any file that is not XML or a zip: a JSON file starts with "{" too)."""
    found = [reader for reader in READERS if reader is not odense and reader.detect(path)]
    if not found and odense.detect(path):
        found = [odense]
    if len(found) > 1:
        names = " and ".join(reader.FORMAT for reader in found)
        raise MinutesError(f"{path}: holds exports of two formats ({names}); give each its own folder")
    if not found:
        raise MinutesError(f"{path}: not minutes or an export the archive reads. It reads: {formats_read()}")
    return found[0]


def find_sources(path: Path) -> tuple[list[tuple[ModuleType, Path]], list[str]]:
    """The (reader, path) pairs under `path`, and the paths refused with their reason.

    A folder that a structured reader recognizes (an Acadre, eDoc or Publication export) is one
    source; any other folder is searched recursively, offering .txt, .pdf, .xml, .zip and .json files.
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
            if child.suffix.lower() == ".json" and not _a_meetings_json(child):
                continue  # a site's other answers beside its meetings (committee lists, searches)
            try:
                sources.append((reader_for(child), child))
            except MinutesError as exc:
                refused.append(str(exc))
    return sources, refused


def _a_meetings_json(path: Path) -> bool:
    """Whether a .json file found in a folder is one meeting's (FirstAgenda: it has items, which
    a committee list beside it has not, though both name "Udvalg"); given by name, any .json
    file is read, and refused with the reason when it is not."""
    try:
        with path.open("rb") as handle:
            return b'"Dagsordenpunkter"' in handle.read(_JSON_HEAD_BYTES)
    except OSError:
        return True  # the reader says what is wrong with it


def _has_candidates(folder: Path) -> bool:
    return any(p.is_file() and p.suffix.lower() in _CANDIDATE_SUFFIXES for p in folder.rglob("*"))
