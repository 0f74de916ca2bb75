"""Reader for Odense Kommune's minutes: the text of its PDF minutes (REFERAT <udvalg> <periode>
d. DD-MM-YYYY, Punkt N: ...), as a .txt file or the PDF itself. The layout's parser is parser.py."""

from __future__ import annotations

import hashlib
from pathlib import Path

from . import types as t
from .common import without_controls
from .decode import decode_minutes
from .parser import parse_minutes

FORMAT = "odense"
DESCRIPTION = "Odense-style minutes as text (.txt) or PDF (REFERAT <udvalg> <periode> d. DD-MM-YYYY)"
MAX_BYTES = 20 * 1024 * 1024


def detect(path: Path) -> bool:
    """Any file that is not XML or a zip (the structured exports'): a PDF, or what is meant to
    be text. The reader then says precisely why a file is not minutes (empty, binary, not
    UTF-8, no REFERAT header, no items) rather than only that no format matched."""
    if not path.is_file():
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(8192)
    except OSError:
        return False
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith(b"PK\x03\x04"):
        return False
    # An HTML page saved as .txt is text the parser refuses itself; other markup is XML.
    return not start.startswith(b"<") or start[:15].lower().startswith((b"<!doctype html", b"<html"))


def _too_big(size: int, max_bytes: int) -> t.MinutesError:
    return t.MinutesError(f"the file is {size / 1e6:.1f} MB, over the limit of {max_bytes / 1e6:.0f} MB")


def read_bytes(data: bytes, *, name: str, max_bytes: int = MAX_BYTES) -> t.Reading:
    """Bytes of a .txt or .pdf minutes file to a Reading; MinutesError when it is not minutes."""
    if len(data) > max_bytes:
        raise _too_big(len(data), max_bytes)
    if name.lower().endswith(".pdf") or data[:5] == b"%PDF-":
        from .pdf import PdfError, pdf_to_text

        try:
            text, warnings = pdf_to_text(data), []
        except PdfError as exc:
            raise t.MinutesError(str(exc)) from None
    else:
        text, warnings = decode_minutes(data)
    text = without_controls(text)
    return t.Reading(parse_minutes(text), source_name=name, source_text=text, original=data, warnings=tuple(warnings))


def read(path: Path, *, max_bytes: int = MAX_BYTES) -> list[t.Reading]:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise _too_big(size, max_bytes)
        data = path.read_bytes()
    except OSError as exc:
        raise t.MinutesError(f"the file cannot be read ({exc.strerror})") from None
    return [read_bytes(data, name=path.name, max_bytes=max_bytes)]


def sha256(reading: t.Reading) -> str:
    return hashlib.sha256(reading.original).hexdigest()
