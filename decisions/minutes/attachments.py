"""Text of attachment files, for search: PDF (pdfminer, in a child process), .docx
(python-docx); a legacy Word .doc is kept without text, with the reason for editors."""

from __future__ import annotations

import io
import zipfile

# Word 97-2003 files are OLE compound documents (Acadre exports them: 2531342E2.DOC).
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
LEGACY_DOC = "legacy Word .doc file: stored without text (the archive reads the text of PDF and .docx files)"
UNREADABLE_DOCX = "damaged .docx file: stored without text"
TOO_BIG_DOCX = ".docx file too large unpacked: stored without text"
OTHER_TYPE = "file type not read for text (the archive reads PDF and .docx files)"
# A .docx is a zip, and python-docx reads every part it links whole into memory: the parts'
# declared sizes are checked first, like any zip the archive opens (a 190 KB .docx may hold a
# 150 MB image of zeros). The sizes are checked again as the parts are read (zipfile stops at
# the declared size and checks the CRC).
_MAX_DOCX_UNPACKED = 100 * 1024 * 1024
_MAX_DOCX_PARTS = 2000


def _docx_parts(data: bytes) -> list[zipfile.ZipInfo] | None:
    """The parts of a .docx (a zip with word/document.xml), or None when it is not one."""
    if not data.startswith(b"PK"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        return None
    return parts if any(p.filename == "word/document.xml" for p in parts) else None


def _docx_text(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    paragraphs = [p.text.strip() for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            paragraphs.append(" ".join(cell.text.strip() for cell in row.cells if cell.text.strip()))
    return "\n\n".join(p for p in paragraphs if p)


def extract_text(name: str, data: bytes) -> tuple[str, str]:
    """(text, note): the file's text, or "" and why there is none."""
    from .common import clean_text
    from .pdf import PdfError, pdf_to_text

    if data[:5] == b"%PDF-":
        try:
            return clean_text(pdf_to_text(data)), ""
        except PdfError as exc:
            return "", str(exc)  # a scanned or damaged attachment is kept, just not searchable
    if (parts := _docx_parts(data)) is not None:
        if len(parts) > _MAX_DOCX_PARTS or sum(p.file_size for p in parts) > _MAX_DOCX_UNPACKED:
            return "", TOO_BIG_DOCX
        try:
            return clean_text(_docx_text(data)), ""
        except Exception:  # noqa: BLE001 - python-docx raises many kinds on a damaged file
            return "", UNREADABLE_DOCX
    if data.startswith(_OLE_MAGIC):
        return "", LEGACY_DOC
    if name.lower().endswith(".pdf"):
        return "", "not a PDF file"
    return "", OTHER_TYPE
