"""Build test PDFs from minutes text, laid out like Odense Kommune's minutes PDFs.

A4 pages; a header (committee left, meeting date right) and a footer ("Side N af M") on
every page; paragraphs wrapped over several lines and split across page breaks wherever
they fall; headings in bold; table rows (lines with tabs) drawn as bordered cells at fixed
x positions per column, wrapped inside their cell, numbers right-aligned.

Danish letters and the other characters in the fixtures (– ” ● ■) are drawn with DejaVu
Sans when it is installed (/usr/share/fonts/truetype/dejavu); without it the core
Helvetica font is used and characters outside latin-1 are replaced, see `font_safe`.
Only for tests and scripts/compare_pdf_extractors.py.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import EncryptionMethod

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR_TTF = FONT_DIR / "DejaVuSans.ttf"
BOLD_TTF = FONT_DIR / "DejaVuSans-Bold.ttf"
HAVE_DEJAVU = REGULAR_TTF.exists() and BOLD_TTF.exists()

# Replacements used only without DejaVu (Helvetica draws latin-1 only).
_LATIN1_FALLBACK = {"–": "-", "—": "-", "”": '"', "“": '"', "’": "'", "‘": "'", "●": "*", "■": "#", "…": "..."}

SECTION_HEADINGS = frozenset(
    [
        "Resume",
        "Resumé",
        "Effekt",
        "Text",
        "INDSTILLING",
        "Indstilling",
        "Beslutning",
        "Sagsfremstilling",
        "Økonomi",
        "Bilag",
    ]
)

# Page geometry, mm.
PAGE_W, PAGE_H = 210.0, 297.0
LEFT, RIGHT = 20.0, 20.0
BODY_TOP, BODY_BOTTOM = 28.0, 272.0
HEADER_BASELINE, FOOTER_BASELINE = 14.0, 285.0
WIDTH = PAGE_W - LEFT - RIGHT

BODY = (10.0, 5.0)  # font size pt, line height mm
TABLE = (8.0, 3.8)
CELL_PAD_X, CELL_PAD_Y = 1.6, 1.2
PARA_GAP = 3.0
HEADING_STYLES = {"title": (14.0, 7.0), "item": (12.0, 6.0), "section": (11.0, 5.5)}

_HEADER_RE = re.compile(r"^REFERAT (?P<committee>.+?) (?P<term>\d{4}-\d{4}) d\. (?P<date>\d\d-\d\d-\d{4})\s*$", re.M)
_NUMERIC_RE = re.compile(r"^[-+]?[\d.,]+%?$")
_SENTENCE_END = (".", "!", "?", ":", ";")


def font_safe(text: str) -> str:
    """The text as the test PDFs can draw it: unchanged with DejaVu, latin-1 only without."""
    if HAVE_DEJAVU:
        return text
    text = "".join(_LATIN1_FALLBACK.get(ch, ch) for ch in text)
    return text.encode("latin-1", "replace").decode("latin-1")


@dataclass
class Split:
    """A source line whose wrapped lines run over a page break."""

    line: str  # the source line (one paragraph)
    page: int  # page where it starts
    last_on_page: str  # the last drawn line before the break
    mid_sentence: bool  # the break does not fall at a sentence end


@dataclass
class Built:
    data: bytes
    pages: int
    splits: list[Split] = field(default_factory=list)


class _Doc(FPDF):
    def __init__(self, header_left: str, header_right: str, footer: bool, total_pages: int):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.header_left, self.header_right, self.with_footer = header_left, header_right, footer
        self.total_pages = total_pages
        if HAVE_DEJAVU:
            self.add_font("Body", "", str(REGULAR_TTF))
            self.add_font("Body", "B", str(BOLD_TTF))
            self.family = "Body"
        else:
            self.family = "Helvetica"
        self.set_auto_page_break(False)
        self.set_margins(LEFT, BODY_TOP, RIGHT)
        self.set_line_width(0.15)

    def use(self, size: float, bold: bool = False) -> None:
        self.set_font(self.family, "B" if bold else "", size)

    def header(self) -> None:
        if not (self.header_left or self.header_right):
            return
        self.use(8.0)
        self.text(LEFT, HEADER_BASELINE, self.header_left)
        self.text(PAGE_W - RIGHT - self.get_string_width(self.header_right), HEADER_BASELINE, self.header_right)

    def footer(self) -> None:
        if not self.with_footer:
            return
        self.use(8.0)
        label = f"Side {self.page_no()} af {self.total_pages}"
        self.text(PAGE_W / 2 - self.get_string_width(label) / 2, FOOTER_BASELINE, label)


def wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """Greedy word wrap at the current font; words wider than `width` are cut."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if pdf.get_string_width(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while pdf.get_string_width(current) > width and len(current) > 1:
            cut = len(current) - 1
            while cut > 1 and pdf.get_string_width(current[:cut]) > width:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
    lines.append(current)
    return lines


class _Layout:
    def __init__(self, pdf: _Doc):
        self.pdf = pdf
        self.y = BODY_TOP
        self.splits: list[Split] = []
        pdf.add_page()

    def new_page(self) -> None:
        self.pdf.add_page()
        self.y = BODY_TOP

    def ensure(self, height: float) -> None:
        if self.y + height > BODY_BOTTOM:
            self.new_page()

    def paragraph(self, line: str, size: float, lh: float, bold: bool = False, keep_with_next: float = 0.0) -> None:
        pdf = self.pdf
        pdf.use(size, bold)
        indent = 0.0
        body = line
        if line.startswith("- "):  # bullet with a hanging indent
            indent = pdf.get_string_width("- ")
            body = line[2:]
        rows = wrap(pdf, body, WIDTH - indent)
        self.ensure(lh + keep_with_next)
        start_page = pdf.page_no()
        for i, row in enumerate(rows):
            if self.y + lh > BODY_BOTTOM:
                prev = rows[i - 1]
                self.splits.append(Split(line, start_page, prev, not prev.rstrip().endswith(_SENTENCE_END)))
                self.new_page()
            baseline = self.y + lh * 0.75
            if i == 0 and indent:
                pdf.text(LEFT, baseline, "-")
            pdf.text(LEFT + indent, baseline, row)
            self.y += lh

    def table(self, rows: list[list[str]]) -> None:
        pdf = self.pdf
        size, lh = TABLE
        ncols = max(len(r) for r in rows)
        rows = [r + [""] * (ncols - len(r)) for r in rows]
        while True:  # shrink the font until every word fits its column (Word's autofit)
            pdf.use(size)
            natural = [max(pdf.get_string_width(r[c]) for r in rows) + 2 * CELL_PAD_X for c in range(ncols)]
            longest = [
                max([pdf.get_string_width(w) for r in rows for w in r[c].split()] or [0.0]) + 2 * CELL_PAD_X + 0.5
                for c in range(ncols)
            ]
            if sum(longest) <= WIDTH or size <= 6.0:
                break
            size -= 0.5
            lh = size * TABLE[1] / TABLE[0]
        natural = [max(a, b, 10.0) for a, b in zip(natural, longest, strict=True)]
        widths = _fit_columns(natural, longest, WIDTH)
        for row in rows:
            cells = [wrap(pdf, text, w - 2 * CELL_PAD_X) if text else [] for text, w in zip(row, widths, strict=True)]
            height = max(1, *(len(c) for c in cells)) * lh + 2 * CELL_PAD_Y
            self.ensure(height)
            x = LEFT
            for text, lines, w in zip(row, cells, widths, strict=True):
                pdf.rect(x, self.y, w, height)
                for k, part in enumerate(lines):
                    baseline = self.y + CELL_PAD_Y + lh * (k + 0.75)
                    if _NUMERIC_RE.match(text):
                        tx = x + w - CELL_PAD_X - pdf.get_string_width(part)
                    else:
                        tx = x + CELL_PAD_X
                    pdf.text(tx, baseline, part)
                x += w
            self.y += height


def _fit_columns(natural: list[float], longest_word: list[float], total: float) -> list[float]:
    """Column widths summing to `total`: each at least its longest word where possible,
    narrow columns keep their natural width, the wide ones share the rest."""
    n = len(natural)
    floor = list(longest_word)
    if sum(floor) > total:
        return [w * total / sum(floor) for w in floor]
    if sum(natural) <= total:
        extra = (total - sum(natural)) / n
        return [w + extra for w in natural]
    widths = list(floor)
    spare = total - sum(floor)
    # Grow columns towards their natural width, the narrowest wants first (water filling).
    wants = sorted(range(n), key=lambda i: natural[i] - floor[i])
    while wants:
        share = spare / len(wants)
        i = wants[0]
        need = natural[i] - floor[i]
        if need <= share:
            widths[i] = natural[i]
            spare -= need
            wants.pop(0)
        else:
            for j in wants:
                widths[j] += share
            break
    return widths


def _blocks(text: str) -> list[list[str]]:
    blocks, current = [], []
    for line in text.split("\n"):
        if line.strip():
            current.append(line.rstrip("\n"))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _heading_kind(line: str) -> str | None:
    if line.startswith("REFERAT "):
        return "title"
    if re.match(r"^Punkt \d+:", line) or line.strip() == "Indholdsfortegnelse":
        return "item"
    if line.strip() in SECTION_HEADINGS:
        return "section"
    return None


def minutes_pdf(
    text: str,
    *,
    header: tuple[str, str] | None = None,
    footer: bool = True,
    user_password: str | None = None,
    owner_password: str | None = None,
    encryption: str = "RC4",
) -> Built:
    """A PDF of `text` in the minutes text form (blocks separated by blank lines).

    `header` is (left, right); by default the committee and date from the "REFERAT" line.
    With a password the PDF is encrypted (`encryption`: "RC4", "AES_128" or "AES_256");
    an owner password alone gives a PDF that opens without a password.
    """
    text = font_safe(text)
    if header is None:
        m = _HEADER_RE.search(text)
        header = (m["committee"], m["date"]) if m else ("", "")
    total = _render(text, header, footer, 0).page_no()  # first pass counts the pages for "Side N af M"
    pdf = _render(text, header, footer, total)
    layout = pdf.layout
    if user_password is not None or owner_password is not None:
        pdf.set_encryption(
            owner_password=owner_password or "owner",
            user_password=user_password or "",
            encryption_method=EncryptionMethod[encryption],
        )
    return Built(bytes(pdf.output()), pdf.page_no(), layout.splits)


def _render(text: str, header: tuple[str, str], footer: bool, total_pages: int) -> _Doc:
    pdf = _Doc(header[0], header[1], footer, total_pages)
    layout = pdf.layout = _Layout(pdf)
    for block in _blocks(text):
        if any("\t" in line for line in block):
            layout.table([line.split("\t") for line in block])
        else:
            for line in block:
                kind = _heading_kind(line)
                if kind:
                    size, lh = HEADING_STYLES[kind]
                    layout.paragraph(line.strip(), size, lh, bold=True, keep_with_next=PARA_GAP + 3 * BODY[1])
                else:
                    layout.paragraph(line.strip(), *BODY)
        layout.y += PARA_GAP
    return pdf


def drawing_only_pdf(pages: int = 1) -> bytes:
    """A PDF whose pages hold only a drawn rectangle: no text layer (like a scan)."""
    pdf = FPDF(unit="mm", format="A4")
    for _ in range(pages):
        pdf.add_page()
        pdf.set_fill_color(120, 120, 120)
        pdf.rect(30, 40, 150, 200, style="F")
    return bytes(pdf.output())


def slow_pdf(pages: int = 100, operators: int = 20_000, letter: str = "x") -> bytes:
    """A small PDF that is slow to read: every page draws `letter` with `operators` text operators
    (each a character pdfminer lays out). The defaults are the security review's file: about
    50 KB, and some 45 s of reading on a 2-vCPU machine, more than any time limit the archive gives."""
    content = zlib.compress(b"BT /F1 1 Tf 72 700 Td " + f"({letter}) Tj ".encode("latin-1") * operators + b"ET", 9)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for _ in range(pages):
        objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n%b\nendstream" % (len(content), content))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
            b"/Contents %d 0 R >>" % len(objects)
        )
        kids.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%b] /Count %d >>" % (b" ".join(kids), pages)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%b\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
