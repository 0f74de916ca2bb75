"""Text of attachment files: .docx by python-docx, a legacy .doc and a .docx zip bomb kept
without text, with the reason."""

from __future__ import annotations

import io
import zipfile

from decisions.minutes import attachments
from tests.conftest import ACADRE_SYDDJURS

FILES = ACADRE_SYDDJURS / "Files_1863_3687982"


def test_docx_text_from_the_acadre_export():
    text, note = attachments.extract_text("3629343E3.DOCX", (FILES / "3629343E3.DOCX").read_bytes())
    assert note == ""
    assert text.startswith("KULTURKOMMUNE 2017 - Arbejdsoplæg\n\nIndledning\n\nI 2009 formulerede Byrådet")


def test_a_legacy_doc_is_kept_without_text_and_says_why():
    assert attachments.extract_text("2531342E2.DOC", (FILES / "2531342E2.DOC").read_bytes()) == (
        "",
        attachments.LEGACY_DOC,
    )


def test_a_docx_that_unpacks_to_too_much_is_not_read():
    real = (FILES / "3525829E1.DOCX").read_bytes()
    bomb = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(real)) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr("word/media/zeros.png", b"\0" * 120_000_000)
    assert len(bomb.getvalue()) < 1_000_000
    assert attachments.extract_text("bomb.docx", bomb.getvalue()) == ("", attachments.TOO_BIG_DOCX)


def test_other_files():
    assert attachments.extract_text("x.zip", b"PK\x03\x04junk") == ("", attachments.OTHER_TYPE)
    assert attachments.extract_text("x.pdf", b"not a pdf") == ("", "not a PDF file")
