"""The reader's messages in Danish for the admin.

The minutes parser and the PDF reader know nothing of Django and report in English
("line 12: item 3: missing case number"); `manage.py ingest` prints them as they are. Editors
read them here, in Danish, with the line number first and the original message kept beside
it for anyone who has to look into the file. A message not listed is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from decisions import services
from decisions.minutes import MinutesError, ParseWarning


def _pdf_detail(detail: str) -> str:
    details = {
        "the reader failed on this file": _("læseren gik i stå i filen"),
        "the file is incomplete": _("filen er ufuldstændig"),
        "the file structure cannot be read": _("filens opbygning kan ikke læses"),
        "the page list cannot be read": _("listen over sider kan ikke læses"),
        "it has no pages": _("den har ingen sider"),
        "a password is needed to open it": _("den kræver en adgangskode for at blive åbnet"),
        "this kind of encryption is not supported": _("denne form for kryptering kan ikke læses"),
    }
    if match := re.fullmatch(r"page (\d+) cannot be read", detail):
        return _("side %(page)s kan ikke læses") % {"page": match[1]}
    return details.get(detail, detail)


# (pattern on the English reason, Danish text from the match); first match wins.
_REASONS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"legacy Word \.doc file: .*"),
        lambda m: _("ældre Word-fil (.doc): gemt uden tekst (arkivet læser tekst fra PDF og .docx)"),
    ),
    (re.compile(r"damaged \.docx file: .*"), lambda m: _("beskadiget .docx-fil: gemt uden tekst")),
    (
        re.compile(r"\.docx file too large unpacked: .*"),
        lambda m: _(".docx-filen fylder for meget udpakket: gemt uden tekst"),
    ),
    (
        re.compile(r"file type not read for text .*"),
        lambda m: _("filtypen læses ikke for tekst (arkivet læser PDF og .docx)"),
    ),
    (re.compile(r"the file is empty"), lambda m: _("filen er tom")),
    (re.compile(r"the file is binary data, not text"), lambda m: _("filen indeholder binære data, ikke tekst")),
    (
        re.compile(r"the file is not UTF-8 text \(and not unambiguous Windows-1252 either\)"),
        lambda m: _("filen er ikke UTF-8-tekst (og heller ikke entydig Windows-1252-tekst)"),
    ),
    (
        re.compile(r"the file is not UTF-8; it was read as Windows-1252"),
        lambda m: _("filen er ikke UTF-8; den er læst som Windows-1252 – kontrollér æ, ø og å"),
    ),
    (
        re.compile(r"the file is ([\d.]+) MB, over the limit of ([\d.]+) MB"),
        lambda m: _("filen fylder %(size)s MB, over grænsen på %(limit)s MB") % {"size": m[1], "limit": m[2]},
    ),
    (
        re.compile(r"this is not committee minutes: .*"),
        lambda m: _(
            "det er ikke et udvalgsreferat: der er ingen overskrift som 'REFERAT <udvalg> <periode> d. <DD-MM-ÅÅÅÅ>'"
        ),
    ),
    (
        re.compile(r"the REFERAT header has no meeting date .*"),
        lambda m: _("REFERAT-overskriften har ingen mødedato ('d. DD-MM-ÅÅÅÅ')"),
    ),
    (
        re.compile(r"the meeting date '(.*)' is not a valid date"),
        lambda m: _("mødedatoen %(date)s er ikke en gyldig dato") % {"date": m[1]},
    ),
    (
        re.compile(r"no agenda items found .*"),
        lambda m: _("ingen dagsordenspunkter fundet (ingen linje begynder med 'Punkt 1:')"),
    ),
    (
        re.compile(r"item number (\d+) appears twice \(first on line (\d+)\)"),
        lambda m: (
            _("punkt %(number)s står der to gange (første gang i linje %(line)s)") % {"number": m[1], "line": m[2]}
        ),
    ),
    (
        re.compile(r"an agenda item has more distinct words than the search index can hold .*"),
        lambda m: _(
            "et dagsordenspunkt har flere forskellige ord, end søgeindekset kan rumme for ét punkt "
            "(PostgreSQL tillader 1 MB); forkort bilagsteksten eller del referatet op"
        ),
    ),
    (re.compile(r"item (\d+) has no title"), lambda m: _("punkt %(number)s har ingen titel") % {"number": m[1]}),
    (
        re.compile(r"item (\d+): missing case number"),
        lambda m: _("punkt %(number)s: sagsnummeret mangler") % {"number": m[1]},
    ),
    (
        re.compile(r"item (\d+): text before the first section heading"),
        lambda m: _("punkt %(number)s: tekst før første afsnitsoverskrift (gemt som resumé)") % {"number": m[1]},
    ),
    (
        re.compile(r"item (\d+): title differs from the table of contents \((.*)\)", re.S),
        lambda m: (
            _("punkt %(number)s: titlen afviger fra indholdsfortegnelsen, hvor der står %(toc)s")
            % {"number": m[1], "toc": m[2]}
        ),
    ),
    (
        re.compile(r"the table of contents lists (\d+) items but the minutes have (\d+)"),
        lambda m: (
            _("indholdsfortegnelsen har %(toc)s punkter, men referatet har %(items)s") % {"toc": m[1], "items": m[2]}
        ),
    ),
    (
        re.compile(r"Mødedato differs from the header date (.*)"),
        lambda m: _("mødedatoen afviger fra datoen i overskriften (%(date)s)") % {"date": m[1]},
    ),
    (
        re.compile(r"meeting time (.*) is not a time"),
        lambda m: _("mødetidspunktet %(time)s er ikke et klokkeslæt") % {"time": m[1]},
    ),
    (
        re.compile(r"vote sentence not understood: (.*)", re.S),
        lambda m: _("afstemningssætningen blev ikke forstået: %(sentence)s") % {"sentence": m[1]},
    ),
    # decisions.minutes.pdf
    (
        re.compile(r"scanned PDF: no text to read; OCR is not supported"),
        lambda m: _("scannet PDF: der er ingen tekst at læse, og tekstgenkendelse (OCR) understøttes ikke"),
    ),
    (re.compile(r"PDF took too long to read"), lambda m: _("det tog for lang tid at læse PDF-filen")),
    (re.compile(r"not a PDF file"), lambda m: _("filen er ikke en PDF-fil, selv om navnet ender på .pdf")),
    (
        re.compile(r"damaged PDF: (.*)"),
        lambda m: _("beskadiget PDF-fil: %(detail)s") % {"detail": _pdf_detail(m[1])},
    ),
    (
        re.compile(r"encrypted PDF: (.*)"),
        lambda m: _("krypteret PDF-fil: %(detail)s") % {"detail": _pdf_detail(m[1])},
    ),
    (
        re.compile(r"too many pages \((\d+) > (\d+)\)"),
        lambda m: _("for mange sider (%(pages)s; højst %(limit)s)") % {"pages": m[1], "limit": m[2]},
    ),
]


def danish_reason(reason: str) -> str:
    """The reader's English reason in Danish, or as it is when unknown."""
    for pattern, danish in _REASONS:
        if match := pattern.fullmatch(reason):
            return danish(match)
    return reason


@dataclass(frozen=True)
class Message:
    """One error or warning for the editor: Danish text, its line (0: none), the original."""

    text: str
    line: int = 0
    original: str = ""

    def __str__(self) -> str:
        return _("linje %(line)d: %(text)s") % {"line": self.line, "text": self.text} if self.line else self.text


def from_error(error: MinutesError) -> Message:
    return Message(danish_reason(error.reason), error.line, str(error))


def from_warning(warning: ParseWarning) -> Message:
    return Message(danish_reason(warning.message), warning.line, str(warning))


def from_person_note(note: services.PersonNote) -> Message:
    if note.kind == services.LINKED_SPELLING:
        text = _("%(name)s (%(party)s) er koblet til %(other)s som en anden stavemåde") % {
            "name": note.name,
            "party": note.party,
            "other": note.other,
        }
    else:
        text = _(
            "mulig dublet: %(name)s (%(party)s) oprettes som ny person, men navnet kendes med et andet parti: %(other)s"
        ) % {
            "name": note.name,
            "party": note.party or "?",
            "other": note.other,
        }
    return Message(text, 0, str(note))
