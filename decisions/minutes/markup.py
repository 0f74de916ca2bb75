"""Markup in exports, read safely: XML without entities or network (defusedxml), and the HTML of
sections turned into plain text. Exports are data, never markup the archive shows."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .common import clean_text
from .types import MinutesError

# Character references to control characters are not XML 1.0, so strict parsers refuse the
# whole file; eDoc writes form feeds as "&#xC;" (eDocAgendaPublishing.xml, Ballerup 2012-12-04).
_CONTROL_REFERENCE = re.compile(rb"&#(?:[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F])|0*(?:[0-8]|1[1-2]|1[4-9]|2[0-9]|3[01]));")
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def parse_xml(data: bytes, *, name: str) -> ET.Element:
    """The root element of an XML document; MinutesError in the user's terms when the file is
    not well-formed (truncated) or declares a DTD or entities (entity expansion, external
    entities: refused outright, never resolved)."""
    data = _CONTROL_BYTES.sub(b" ", _CONTROL_REFERENCE.sub(b" ", data))
    try:
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


_BLOCKS = {"p", "div", "br", "li", "tr", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}
_SKIP = {"script", "style", "head", "title"}


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.current: list[str] = []
        self.skipping = 0

    def _flush(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.paragraphs.append(text)
        self.current = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _BLOCKS:
            self._flush()
            if tag == "li":
                self.current.append("- ")
        elif tag == "td":
            self.current.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.current.append(data)


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: one paragraph per block, separated by a blank line,
    whitespace inside a paragraph collapsed (Word's HTML export wraps lines anywhere)."""
    parser = _TextParser()
    parser.feed(clean_text(html))
    parser.close()
    parser._flush()
    return "\n\n".join(p for p in parser.paragraphs if p.strip(" -"))


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
