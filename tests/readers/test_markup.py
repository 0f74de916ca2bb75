"""Safe XML for every reader: a document with a DTD is refused however it is spelt or encoded;
one without is read the same by the fast C parser and by defusedxml."""

from __future__ import annotations

import pytest

from decisions.minutes import markup
from decisions.minutes.types import MinutesError
from tests.conftest import EDOC_BALLERUP

REFUSED = "the XML declares a DTD or entities, which the archive refuses to read"
LAUGHS = (
    b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><r>&c;</r>'
)


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?>' + LAUGHS,
        LAUGHS.replace(b"<!DOCTYPE", b"<!doctype"),
        b'<!DOCTYPE r SYSTEM "http://127.0.0.1:9/x.dtd"><r/>',
        b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
        # Spelt in bytes a scan for "<!DOCTYPE" cannot see: the C parser is never given these.
        ('<?xml version="1.0" encoding="UTF-16"?>' + LAUGHS.decode()).encode("utf-16"),
        b'<?xml version="1.0" encoding="cp037"?>' + LAUGHS.decode().encode("cp037"),
    ],
    ids=["billion-laughs", "lower-case", "external-dtd", "external-entity", "utf-16", "ebcdic"],
)
def test_a_dtd_is_refused_however_it_is_written(data):
    with pytest.raises(MinutesError) as refused:
        markup.parse_xml(data, name="x.xml")
    # "<!doctype" is no XML at all: refused as not well-formed. The rest as the DTDs they are.
    assert str(refused.value) in (f"x.xml: {REFUSED}", "x.xml: not well-formed XML (truncated or damaged) at line 1")
    if b"cp037" not in data and b"<!doctype" not in data:
        assert str(refused.value) == f"x.xml: {REFUSED}"


def test_a_doctype_inside_text_is_no_dtd():
    root = markup.parse_xml(b"<r><![CDATA[<!DOCTYPE is only text here]]></r>", name="x.xml")
    assert root.text == "<!DOCTYPE is only text here"


def test_both_parsers_read_the_real_export_the_same():
    data = (EDOC_BALLERUP / "eDocAgendaPublishing.xml").read_bytes()
    assert markup._without_dtd(data)
    fast = markup.parse_xml(data, name="fast")
    # The same bytes through defusedxml: a comment with "<!DOCTYPE" makes the scan send it there.
    safe = markup.parse_xml(data + b"<!-- <!DOCTYPE -->", name="safe")
    assert [(e.tag, e.text) for e in fast.iter()] == [(e.tag, e.text) for e in safe.iter()]
    assert fast.findtext("Committee") == "Sundheds- og Forebyggelsesudvalget"


@pytest.mark.parametrize(
    ("html", "text"),
    [
        # Acadre's bulletcontent (3687981.XML), Word's line wraps inside a paragraph.
        (
            "<p>Punktet\nblev drøftet.</p><p>&nbsp;</p><p>Sagen\ngenoptages.</p>",
            "Punktet blev drøftet.\n\nSagen genoptages.",
        ),
        ("<ul type=disc><li>Hvad\n vil du?</li><li>Hvem?</li></ul>", "- Hvad vil du?\n\n- Hvem?"),
        ("<p><span class=\"x\" lang='da'>Ja</span> &amp; nej</p>", "Ja & nej"),
        ("<!--[if gte mso 9]><xml><w:WordDocument/></xml><![endif]--><p>Word</p>", "Word"),
        ("<p>a < b og c > d</p>", "a < b og c > d"),  # not tags: no letter after "<"
        ("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>", "<script>alert(1)</script>"),  # text, not markup
        ("<script>alert(1)</script><style>p{}</style><!-- note --><p>Tekst</p>", "Tekst"),
        ("<table><tr><td>A</td><td>1</td></tr><tr><td>B</td><td>2</td></tr></table>", "A 1\n\nB 2"),
        ("Linje 1<br>Linje 2<BR/>Linje\x0c3", "Linje 1\n\nLinje 2\n\nLinje 3"),
        ("<p>uafsluttet <b>fed", "uafsluttet fed"),
    ],
)
def test_html_sections_become_plain_paragraphs(html, text):
    assert markup.html_to_text(html) == text


@pytest.mark.parametrize(
    ("hostile", "text"),
    [
        ("<a" * 200_000, "<a" * 200_000),  # never closed: no tag, so it is text
        ("<!--" * 200_000, ""),
        ("<script>" * 100_000, ""),
        ("<p>" + "<b>x</b>" * 100_000 + "</p>", "x" * 100_000),
    ],
    ids=["unclosed-tags", "unclosed-comments", "unclosed-scripts", "many-tags"],
)
def test_hostile_html_is_read_in_one_pass(hostile, text):
    # Each was quadratic with .*? and quoted-attribute patterns (74 s for 80 KB of "<a").
    assert markup.html_to_text(hostile) == text


def test_a_utf16_export_is_read():
    root = markup.parse_xml('<?xml version="1.0" encoding="UTF-16"?><r>Ærø</r>'.encode("utf-16"), name="x.xml")
    assert root.text == "Ærø"
