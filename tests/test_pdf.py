"""decisions.minutes.pdf: minutes PDFs -> the minutes text form.

The PDFs are drawn from the fixture texts by tests/pdfmaker.py (page header and footer on
every page, wrapped paragraphs, page breaks inside paragraphs, bold headings, tables).
Run: python -m pytest tests/test_pdf.py -p no:django
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import pdfmaker  # noqa: E402

from decisions.minutes import pdf  # noqa: E402
from decisions.minutes.pdf import PdfError, pdf_to_text  # noqa: E402

FIXTURES = sorted((ROOT / "fixtures" / "minutes").glob("*.txt"))
CASE_RE = re.compile(r"^\d\d\.\d\d\.\d\d-[A-ZÆØÅ]\d\d-\d+-\d\d$")
PUNKT_RE = re.compile(r"^Punkt \d+:")
VOTE_RE = re.compile(r"stemmer|deltog ikke|forbehold")


def norm(line: str) -> str:
    """Whitespace-normalized line (tabs and runs of spaces become one space)."""
    return " ".join(unicodedata.normalize("NFC", line).split())


def lines_of(text: str) -> list[str]:
    return [n for n in map(norm, text.splitlines()) if n]


def structure(text: str) -> dict[str, list[str]]:
    """The lines the minutes parser keys on, in order."""
    out: dict[str, list[str]] = {"punkt": [], "case": [], "headings": [], "bilag": [], "votes": []}
    in_bilag = False
    for line in lines_of(text):
        if PUNKT_RE.match(line):
            out["punkt"].append(line)
            in_bilag = False
        elif line in pdfmaker.SECTION_HEADINGS:
            out["headings"].append(line)
            in_bilag = line == "Bilag"
        elif in_bilag:
            out["bilag"].append(line)
        if CASE_RE.match(line):
            out["case"].append(line)
        if VOTE_RE.search(line):
            out["votes"].append(line)
    return out


@functools.cache
def source(name: str) -> str:
    # Identity when DejaVu Sans is installed; otherwise non-latin-1 characters are
    # replaced in the PDFs, and so in the expected text.
    return pdfmaker.font_safe((ROOT / "fixtures" / "minutes" / name).read_text(encoding="utf-8"))


@functools.cache
def built(name: str) -> pdfmaker.Built:
    return pdfmaker.minutes_pdf(source(name))


@functools.cache
def extracted(name: str) -> str:
    return pdf_to_text(built(name).data)


@pytest.fixture(autouse=True)
def _plain_static_files():
    """Overrides conftest's Django settings tweak: these tests run without Django (-p no:django)."""


@pytest.fixture(params=[p.name for p in FIXTURES])
def fixture_name(request) -> str:
    return request.param


# --- fixtures round trip ----------------------------------------------------------------


def test_fixtures_present():
    assert len(FIXTURES) == 4


@pytest.mark.parametrize("part", ["punkt", "case", "headings", "bilag", "votes"])
def test_structure_survives(fixture_name, part):
    want = structure(source(fixture_name))[part]
    assert want or part == "votes"
    assert structure(extracted(fixture_name))[part] == want


def parsed_summary(text: str) -> dict:
    from decisions.minutes import parse_minutes

    m = parse_minutes(text)
    return {
        "meeting": (m.committee, m.term, m.date, m.start_time, m.location),
        "items": [
            (
                i.number,
                i.title,
                i.category,
                str(i.case),
                [(s.kind, s.heading, norm(s.text)) for s in i.sections],
                i.attachments,
                i.outcome,
                i.subject_outcomes,
                [(v.name, v.party, v.role, v.position, v.subject) for v in i.votes],
                [(b.parties, b.label, b.position, b.subject) for b in i.bloc_votes],
                [(a.name, a.party) for a in i.absences],
                i.toc_title,
            )
            for i in m.items
        ],
        "warnings": [w.message for w in m.warnings],
    }


def test_minutes_parser_reads_the_same_meeting(fixture_name):
    """The real parser gets the same items, cases, sections, attachments and votes."""
    want, got = parsed_summary(source(fixture_name)), parsed_summary(extracted(fixture_name))
    assert got["meeting"] == want["meeting"]
    assert got["warnings"] == want["warnings"]
    for w, g in zip(want["items"], got["items"], strict=True):
        sections_w, sections_g = w[4], g[4]
        assert [s[:2] for s in sections_g] == [s[:2] for s in sections_w]
        assert g[:4] == w[:4] and g[5:] == w[5:]


def test_page_header_and_footer_removed(fixture_name):
    b = built(fixture_name)
    assert b.pages > 5
    lines = extracted(fixture_name).splitlines()
    assert not [ln for ln in lines if re.fullmatch(r"Side \d+ af \d+", ln.strip())]
    committee = re.search(r"^REFERAT (.+?) \d{4}-\d{4} d\. (\S+)", source(fixture_name), re.M)
    header = f"{committee[1]} {committee[2]}"
    assert not [ln for ln in lines if norm(ln) == header]


def test_text_close_to_source(fixture_name):
    import difflib

    want, got = lines_of(source(fixture_name)), lines_of(extracted(fixture_name))
    assert difflib.SequenceMatcher(None, want, got, autojunk=False).ratio() > 0.98


def test_paragraphs_split_by_page_break_come_back_whole(fixture_name):
    splits = [s for s in built(fixture_name).splits if s.mid_sentence]
    assert splits, "the generated PDF should cut some paragraph mid-sentence"
    got = set(lines_of(extracted(fixture_name)))
    for split in splits:
        assert norm(split.line) in got, split.last_on_page


def test_specific_paragraph_across_page_break():
    target = (
        "Udvalgsmedlem Anne-Mette Ebensgaard bemærkede under behandlingen af punktet, at "
        "forvaltningen i samarbejde med jobcentrets virksomhedskonsulenter, de lokale "
        "erhvervsorganisationer og uddannelsesinstitutionerne på Fyn bør undersøge, hvordan "
        "flere ledige over 50 år hurtigere kan komme i ordinær beskæftigelse, herunder hvilke "
        "konkrete redskaber der har virket i de øvrige seks store byer, og hvad det vil koste "
        "at afprøve dem i Odense i 2025 og 2026."
    )
    filler = "Dette afsnit fylder en linje ud. " * 3
    for n in range(1, 80):
        text = "REFERAT Testudvalget 2022-2025 d. 01-02-2024\n\nPunkt 1: Test\n\n" + f"{filler}\n\n" * n + target + "\n"
        b = pdfmaker.minutes_pdf(text)
        if any(s.line == target and s.mid_sentence for s in b.splits):
            break
    else:
        pytest.fail("could not place the paragraph across a page break")
    assert b.pages == 2
    assert target in pdf_to_text(b.data).splitlines()


def test_table_rows_are_tab_separated():
    lines = extracted("000_8e61c8ee450bc2e3.txt").splitlines()
    assert "Academic Partnership\t-0,7\t-0,2\t-0,9\tApril 2017 - marts 2018" in lines
    assert "Investeringsramme\t\t\t50,0\t" in lines  # empty cells kept
    assert "Investeringsprojekter.....\t3" in lines  # table of contents
    lines = extracted("003_22c6d353a3b71871.txt").splitlines()
    assert "\t2019\t21.241\t22,3\t13.586\t42,7\t7.303\t11,6" in lines


def test_lists_keep_one_item_per_line():
    got = extracted("000_8e61c8ee450bc2e3.txt").splitlines()
    items = [ln for ln in source("000_8e61c8ee450bc2e3.txt").splitlines() if ln.startswith("- ")]
    assert len(items) > 5
    assert [ln for ln in items if ln not in got] == []


def test_bullet_glyphs_and_single_page_footer():
    """A hand-drawn page: "•" bullets at a tab stop, a bare page number at the bottom."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    if pdfmaker.HAVE_DEJAVU:
        pdf.add_font("Body", "", str(pdfmaker.REGULAR_TTF))
        pdf.set_font("Body", size=10)
        bullet = "•"
    else:
        pdf.set_font("Helvetica", size=10)
        bullet = "\x95"  # cp1252 bullet, drawn by the core font
    pdf.add_page()
    y = 80
    pdf.text(57, y, "Udvalget bemærker følgende:")
    for item in ("første punkt på listen", "andet punkt på listen"):
        y += 14
        pdf.text(57, y, bullet)
        pdf.text(75, y, item)
    pdf.text(290, 810, "1")
    text = pdf_to_text(bytes(pdf.output()))
    assert text.splitlines() == [
        "Udvalget bemærker følgende:",
        "- første punkt på listen",
        "- andet punkt på listen",
    ]


def test_justified_paragraph_with_wide_gaps():
    """A justified line whose few words leave gaps wider than a table gutter stays text."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.set_font("Helvetica", size=10)
    pdf.add_page()
    left, right = 57.0, 538.0

    def justified(y: float, words: list[str]) -> None:
        gap = (right - left - sum(pdf.get_string_width(w) for w in words)) / (len(words) - 1)
        x = left
        for w in words:
            pdf.text(x, y, w)
            x += pdf.get_string_width(w) + gap

    first = "Forvaltningen har gennemgaaet sagen og vurderer samlet set at de foreslaaede aendringer kan"
    second = ["gennemfoeres", "indenfor", "den", "eksisterende"]
    justified(80, first.split())
    justified(94, second)
    pdf.text(left, 108, "budgetramme i 2025.")
    text = pdf_to_text(bytes(pdf.output()))
    assert text.splitlines() == [" ".join([first, *second, "budgetramme i 2025."])]


# --- files that cannot be read ----------------------------------------------------------


def small_pdf(**kw) -> bytes:
    return pdfmaker.minutes_pdf(source("003_22c6d353a3b71871.txt"), **kw).data


def test_error_is_a_value_error():
    assert issubclass(PdfError, ValueError)


def test_text_file_renamed_to_pdf():
    with pytest.raises(PdfError) as e:
        pdf_to_text(source("003_22c6d353a3b71871.txt").encode("utf-8"))
    assert str(e.value) == "not a PDF file"


def test_truncated_pdf():
    data = small_pdf()
    with pytest.raises(PdfError) as e:
        pdf_to_text(data[: len(data) // 2])
    assert str(e.value).startswith("damaged PDF: ")


def test_garbage_after_pdf_header():
    with pytest.raises(PdfError) as e:
        pdf_to_text(b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")
    assert str(e.value).startswith("damaged PDF: ")


@pytest.mark.parametrize("method", ["RC4", "AES_256"])
def test_encrypted_pdf_needing_a_password(method):
    with pytest.raises(PdfError) as e:
        pdf_to_text(small_pdf(user_password="hemmelig", owner_password="ejer", encryption=method))
    assert str(e.value).startswith("encrypted PDF: ")


@pytest.mark.parametrize("method", ["RC4", "AES_128"])
def test_encrypted_pdf_opening_without_password_is_read(method):
    text = pdf_to_text(small_pdf(owner_password="ejer", encryption=method))
    assert structure(text) == structure(source("003_22c6d353a3b71871.txt"))


def test_scanned_pdf_without_text():
    with pytest.raises(PdfError) as e:
        pdf_to_text(pdfmaker.drawing_only_pdf(pages=2))
    assert str(e.value) == "scanned PDF: no text to read; OCR is not supported"


def test_too_many_pages():
    b = built("003_22c6d353a3b71871.txt")
    with pytest.raises(PdfError) as e:
        pdf_to_text(b.data, max_pages=2)
    assert str(e.value) == f"too many pages ({b.pages} > 2)"


def test_timeout():
    with pytest.raises(PdfError) as e:
        pdf_to_text(built("001_357794a7807963d1.txt").data, timeout_s=0.001)
    assert str(e.value) == "PDF took too long to read"


# --- one time budget for several files; the reading process's environment -----------------


def test_a_spent_budget_refuses_every_pdf_and_nested_budgets_keep_the_earlier_end():
    good = small_pdf()
    assert pdf.time_left() is None
    with pdf.time_budget(3600):
        assert 0 < pdf.time_left() <= 3600
        with pdf.time_budget(0):
            assert pdf.time_left() == 0
            with pytest.raises(PdfError) as e:
                pdf_to_text(good)
            assert str(e.value) == "PDF took too long to read"
            with pdf.time_budget(3600):
                assert pdf.time_left() == 0  # an inner budget cannot extend the outer one
        assert pdf.time_left() > 0
        assert structure(pdf_to_text(good)) == structure(source("003_22c6d353a3b71871.txt"))
    assert pdf.time_left() is None


def test_the_security_reviews_slow_pdf_spends_the_budget_and_the_next_pdf_is_refused():
    """100 pages of 20 000 text operators, about 50 KB: longer to read than the reader's own
    limit of 30 s. In a budget of 1 s it is stopped when the budget ends, which leaves nothing
    for a good PDF after it."""
    slow = pdfmaker.slow_pdf()
    assert 40_000 < len(slow) < 60_000
    with pdf.time_budget(1):
        with pytest.raises(PdfError) as e:
            pdf_to_text(slow)
        assert str(e.value) == "PDF took too long to read"
        assert pdf.time_left() == 0
        with pytest.raises(PdfError) as e:
            pdf_to_text(small_pdf())
        assert str(e.value) == "PDF took too long to read"


def test_the_reading_process_gets_none_of_the_callers_secrets(tmp_path, monkeypatch):
    """A real reading process reports its environment: a sitecustomize module on the caller's
    PYTHONPATH, which the reader passes on, writes it to a file as the child starts."""
    report = tmp_path / "environment.json"
    (tmp_path / "sitecustomize.py").write_text(
        f"import json, os\nwith open({str(report)!r}, 'w') as f:\n    json.dump(dict(os.environ), f)\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.setenv("PATH", os.environ.get("PATH") or os.defpath)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("LC_CTYPE", "C.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.setenv("SECRET_KEY", "hemmelig-noegle")
    monkeypatch.setenv("DATABASE_URL", "postgres://arkiv:kodeord@db.example/arkiv")
    monkeypatch.setenv("ARCHIVE_DATABASE_PASSWORD", "kodeord")
    text = pdf_to_text(small_pdf())
    assert structure(text) == structure(source("003_22c6d353a3b71871.txt"))
    assert json.loads(report.read_text()) == {
        "PATH": os.environ["PATH"],
        "LANG": "C.UTF-8",
        "LC_CTYPE": "C.UTF-8",
        "PYTHONPATH": f"{ROOT}{os.pathsep}{tmp_path}",
    }
