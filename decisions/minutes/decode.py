"""Bytes of an uploaded or ingested minutes file to text, refusing what is not text."""

from __future__ import annotations

from .types import MinutesError, ParseWarning

# Bytes above 0x7F that Windows-1252 text of Danish minutes plausibly contains:
# Danish/other Latin letters, typographic quotes and dashes, §, ½, », «, NBSP.
_PLAUSIBLE_1252 = set("æøåÆØÅéÉüÜöÖäÄèóáíúñç§½»«–—‘’“”„…•°²³µ·\u00a0€")


def decode_minutes(data: bytes) -> tuple[str, list[ParseWarning]]:
    """Decode minutes bytes: UTF-8 (with or without BOM), or unambiguous Windows-1252."""
    if not data or not data.strip():
        raise MinutesError("the file is empty")
    if b"\x00" in data[:65536]:
        raise MinutesError("the file is binary data, not text")
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = None
    # Windows-1252 only when every non-ASCII byte decodes to a character that Danish
    # minutes use; otherwise the guess could silently garble names.
    if text is not None and all(ch in _PLAUSIBLE_1252 for ch in text if ord(ch) > 127):
        return text, [ParseWarning(0, "the file is not UTF-8; it was read as Windows-1252")]
    line = data[: utf8_error.start].count(b"\n") + 1
    raise MinutesError("the file is not UTF-8 text (and not unambiguous Windows-1252 either)", line=line)
