"""Markup in exports, read safely: XML without entities or network (defusedxml), and the HTML of
sections turned into plain text. Exports are data, never markup the archive shows."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html import unescape

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .common import clean_text
from .types import MinutesError

# Character references to control characters are not XML 1.0, so strict parsers refuse the
# whole file; eDoc writes form feeds as "&#xC;" (eDocAgendaPublishing.xml, Ballerup 2012-12-04).
_CONTROL_REFERENCE = re.compile(rb"&#(?:[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F])|0*(?:[0-8]|1[1-2]|1[4-9]|2[0-9]|3[01]));")
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


# A document can declare entities only in a DTD (<!DOCTYPE …>). One that has none, in an encoding
# whose markup is plain ASCII bytes, cannot expand or fetch anything, and is parsed by the C
# parser: defusedxml's checks run in Python for every element, three times the time (Acadre's
# minutes XML: 0.63 against 0.21 ms). Anything else goes through defusedxml, which refuses DTDs.
_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_ASCII_ENCODINGS = {b"utf-8", b"utf8", b"us-ascii", b"ascii", b"iso-8859-1", b"latin-1", b"latin1"}
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def _without_dtd(data: bytes) -> bool:
    """True when `data` surely declares no DTD: ASCII-compatible bytes (no UTF-16/32, no other
    declared encoding that could spell the markup in other bytes) and no <!DOCTYPE or <!ENTITY."""
    start = data[:512]
    if start.startswith((b"\xfe\xff", b"\xff\xfe")) or b"\x00" in start:
        return False
    declared = _DECLARED_ENCODING.match(start.removeprefix(b"\xef\xbb\xbf").lstrip())
    if declared and declared[1].lower() not in _ASCII_ENCODINGS:
        return False
    return _DTD.search(data) is None


def _utf8(data: bytes) -> bytes:
    """A UTF-16 document (by its byte-order mark) as UTF-8, declaring so: its NUL bytes would
    otherwise be taken for control characters."""
    if not data.startswith((b"\xfe\xff", b"\xff\xfe")):
        return data
    try:
        text = data.decode("utf-16")
    except UnicodeDecodeError:
        return data
    return re.sub(r"""^(<\?xml[^>]*?encoding\s*=\s*["'])[^"']*""", r"\1utf-8", text).encode("utf-8")


def parse_xml(data: bytes, *, name: str) -> ET.Element:
    """The root element of an XML document; MinutesError in the user's terms when the file is
    not well-formed (truncated) or declares a DTD or entities (entity expansion, external
    entities: refused outright, never resolved)."""
    data = _utf8(data)
    plain = _without_dtd(data)
    data = _CONTROL_BYTES.sub(b" ", _CONTROL_REFERENCE.sub(b" ", data))
    try:
        if plain:
            return ET.fromstring(data)  # no DTD, so no entity to expand or fetch (see above)
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise MinutesError(f"{name}: the XML declares a DTD or entities, which the archive refuses to read") from None
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else 0
        raise MinutesError(f"{name}: not well-formed XML (truncated or damaged) at line {line}") from None


def text_of(element: ET.Element | None, path: str = "") -> str:
    """The cleaned text of a child (or the element itself), "" when missing."""
    if element is None:
        return ""
    found = element.find(path) if path else element
    return clean_text(found.text or "").strip() if found is not None else ""


_BLOCKS = frozenset(
    {"p", "div", "br", "li", "tr", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}
)
# A tag runs to the first ">" with no "<" before it: each match stops at the next "<", so the
# text is scanned once whatever it holds ("<a<a<a…" without a ">" is text). A ">" inside a
# quoted attribute ends the tag early; Word's and the systems' exports write none.
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)[^<>]*>")
_HIDDEN_START = re.compile(r"<!--|<(script|style|head|title)\b|<[!?]", re.IGNORECASE)
_PARAGRAPH = "\x00"  # control characters are gone after clean_text, so this marks breaks only


def _without_hidden(text: str) -> str:
    """Text without comments, declarations and script/style/head/title elements, in one pass
    (str.find from each start: a regular expression with .*? tried every unclosed "<!--" to the
    end, minutes for 80 KB of them). Whatever is left unclosed is dropped to the end."""
    lower = text.lower()
    kept, position = [], 0
    while match := _HIDDEN_START.search(lower, position):
        kept.append(text[position : match.start()])
        if match[0] == "<!--":
            end = lower.find("-->", match.end())
            position = end + 3 if end >= 0 else len(text)
        elif match[1]:
            end = lower.find(f"</{match[1]}", match.end())
            close = lower.find(">", end) if end >= 0 else -1
            position = close + 1 if close >= 0 else len(text)
        else:
            end = lower.find(">", match.end())
            position = end + 1 if end >= 0 else len(text)
    kept.append(text[position:])
    return "".join(kept)


def _tag(match: re.Match) -> str:
    name = match[2].lower()
    if name in _BLOCKS:
        return _PARAGRAPH + "- " if name == "li" and not match[1] else _PARAGRAPH
    return " " if name == "td" and not match[1] else ""


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: one paragraph per block, separated by a blank line,
    whitespace inside a paragraph collapsed (Word's HTML export wraps lines anywhere).

    The markup is only taken apart here, never shown: tags are dropped and entities decoded
    after, so an escaped "&lt;p&gt;" stays text. (A regular expression rather than html.parser:
    a fifth of the time, on Acadre's sections.)"""
    text = _TAG.sub(_tag, _without_hidden(clean_text(html)))
    paragraphs = (" ".join(unescape(part).split()) for part in text.split(_PARAGRAPH))
    return "\n\n".join(p for p in paragraphs if p.strip(" -"))


# Limits of what a reader takes from disk or a zip: an export's XML is a few MB (eDoc's
# 0.5 MB with every attachment's text); an attachment file 100 MB.
MAX_XML_BYTES = 64 * 1024 * 1024
MAX_FILE_BYTES = 100 * 1024 * 1024


def read_limited(path, *, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a file, refused in one line when it is larger than `limit`."""
    size = path.stat().st_size
    if size > limit:
        raise MinutesError(f"{path.name}: the file is {size / 1e6:.1f} MB, over the limit of {limit / 1e6:.0f} MB")
    return path.read_bytes()


def head_text(path, size: int) -> str:
    """The first `size` bytes of a file, for recognizing an export by its root element: "" when
    unreadable. Tags are ASCII, so latin-1 finds them in UTF-8 and Windows-1252 alike."""
    try:
        with path.open("rb") as handle:
            head = handle.read(size)
    except OSError:
        return ""
    return head.removeprefix(b"\xef\xbb\xbf").decode("latin-1")


def xml_files(folder) -> list:
    """The .xml files directly in a folder (any case of the suffix), in name order."""
    return sorted(p for p in folder.iterdir() if p.suffix.lower() == ".xml" and p.is_file())
