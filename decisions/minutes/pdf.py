"""Turn a minutes PDF into the plain-text form the minutes parser reads.

    text = pdf_to_text(data)            # raises PdfError with a short user-facing message

The text form is the one in fixtures/minutes/*.txt: one paragraph per line, a blank line
between paragraphs and around headings, "- " list lines, table rows as tab-separated
cells. It is rebuilt from the characters' positions (pdfminer.six, no layout analysis):

* characters -> lines (same baseline) -> segments: a horizontal gap wider than about one
  em separates table cells, a smaller one is a space;
* page headers and footers are dropped: lines at the same place with the same text (digits
  ignored) near the top or bottom of most pages, and page numbers ("Side 3 af 51", "3")
  at the very top or bottom of a page;
* lines whose vertical gap is no wider than the document's usual line spacing belong to
  one paragraph; a line is joined to the previous one when its first word would not have
  fitted at the end of it (so the previous line was wrapped), otherwise it starts a new
  line (lists); a change between bold and regular text starts a new paragraph (headings);
* a paragraph cut by a page break is rejoined when the page's last line was wrapped and
  does not end a sentence (or the next page goes on in lower case);
* runs of lines with several segments are tables: cells are put in columns by where they
  start (merging starts that never share a line: right-aligned numbers, a heading over
  them), lines with normal line spacing are wrapped lines of the same row, and each row
  becomes one line of tab-separated cells (empty cells kept).

The reading runs in a separate process (`python -m decisions.minutes.pdf --worker`, PDF on
stdin, JSON on stdout) that is killed after `timeout_s`, so a hostile file cannot hang or
exhaust the caller; the child also limits its own CPU time and memory, and gets none of the
caller's environment (secrets, database URL) beyond what Python needs. No Django here.

A caller that reads several files for one web request shares one time budget between them:

    with time_budget(20):               # every pdf_to_text inside gets what is left of 20 s
        ...
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["PdfError", "pdf_to_text", "time_budget", "time_left"]

SCANNED_MESSAGE = "scanned PDF: no text to read; OCR is not supported"
TIMEOUT_MESSAGE = "PDF took too long to read"
NOT_PDF_MESSAGE = "not a PDF file"

# Memory the reading process may use (address space); a decompression bomb hits this
# instead of the server's memory.
MEMORY_LIMIT_BYTES = 2 * 1024**3

_PROJECT_ROOT = Path(__file__).resolve().parents[2]  # the directory holding decisions/

# The only variables of the caller's environment the reading process gets, besides PYTHONPATH
# (built below). It is started by absolute path and needs none of them (it runs with an empty
# environment too); PATH and the locale are harmless and keep it behaving as the caller does.
# Everything else (SECRET_KEY, DATABASE_URL, credentials) stays out of reach of a parser fed
# hostile files.
CHILD_ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "LC_CTYPE")

# When (time.monotonic()) the current time_budget ends; None outside one.
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("pdf_deadline", default=None)


class PdfError(ValueError):
    """The PDF cannot be turned into text; str(error) is a short message for the user."""


@contextlib.contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """All pdf_to_text calls inside share `seconds`: each gets what is left of them (never more
    than its own timeout_s), and once they are spent a PDF is refused as taking too long without
    being read. One web request reading several files stays within one limit this way, well
    below the server's worker timeout. Nested budgets: the one ending first counts."""
    end = time.monotonic() + seconds
    outer = _deadline.get()
    token = _deadline.set(end if outer is None else min(end, outer))
    try:
        yield
    finally:
        _deadline.reset(token)


def time_left() -> float | None:
    """Seconds left of the current time_budget (0 when spent), None outside one."""
    end = _deadline.get()
    return None if end is None else max(0.0, end - time.monotonic())


def pdf_to_text(data: bytes, *, max_pages: int = 500, timeout_s: float = 30.0) -> str:
    """The text of a minutes PDF in the minutes text form.

    Raises PdfError: "not a PDF file", "damaged PDF: ...", "encrypted PDF: ...",
    "scanned PDF: no text to read; OCR is not supported", "too many pages (N > max)",
    "PDF took too long to read" (also when the current time_budget is spent).
    """
    data = bytes(data)
    _check_envelope(data)
    left = time_left()
    if left is not None:
        timeout_s = min(timeout_s, left)
    if timeout_s <= 0:
        raise PdfError(TIMEOUT_MESSAGE)
    cmd = [
        sys.executable,
        "-m",
        "decisions.minutes.pdf",
        "--worker",
        "--max-pages",
        str(int(max_pages)),
        "--cpu-seconds",
        str(math.ceil(timeout_s) + 1),
    ]
    env = {name: os.environ[name] for name in CHILD_ENVIRONMENT if name in os.environ}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p)
    try:
        # run() kills the child when the time is up, then raises.
        proc = subprocess.run(cmd, input=data, capture_output=True, timeout=timeout_s, env=env, cwd=str(_PROJECT_ROOT))
    except subprocess.TimeoutExpired:
        raise PdfError(TIMEOUT_MESSAGE) from None
    try:
        reply = json.loads(proc.stdout.decode("utf-8"))
    except ValueError:
        reply = None
    if not isinstance(reply, dict):
        # No reply: the child hit its CPU limit (SIGXCPU), was killed (e.g. out of
        # memory) or crashed.
        if proc.returncode in (-24, 152):
            raise PdfError(TIMEOUT_MESSAGE)
        raise PdfError("damaged PDF: the reader failed on this file")
    if "error" in reply:
        raise PdfError(str(reply["error"]))
    return str(reply["text"])


def _check_envelope(data: bytes) -> None:
    """Cheap checks in the caller's process: PDF header and end-of-file marker."""
    if b"%PDF-" not in data[:1024]:
        raise PdfError(NOT_PDF_MESSAGE)
    tail = data.rstrip(b"\x00\r\n\t\f ")[-4096:]
    if b"%%EOF" not in tail:
        # A PDF ends with %%EOF; without it the file was cut off (e.g. a broken upload),
        # and whatever a lenient reader recovers would be incomplete minutes.
        raise PdfError("damaged PDF: the file is incomplete")


# --------------------------------------------------------------------------------------
# Reading (runs in the child process)
# --------------------------------------------------------------------------------------


def _read_pdf(data: bytes, max_pages: int) -> str:
    """PDF bytes -> text; raises PdfError. Imports pdfminer only here (child process)."""
    import io
    import logging

    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LTChar, LTContainer
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1

    logging.getLogger("pdfminer").setLevel(logging.CRITICAL)

    try:
        parser = PDFParser(io.BytesIO(data))
        # Encryption: a PDF that opens with the empty user password (an "owner password"
        # only restricting printing/copying, common on published minutes) is read like any
        # other, its permission flags ignored; one that needs a password is refused.
        document = PDFDocument(parser, password="")
    except PDFPasswordIncorrect:
        raise PdfError("encrypted PDF: a password is needed to open it") from None
    except PDFEncryptionError:
        raise PdfError("encrypted PDF: this kind of encryption is not supported") from None
    except (ImportError, NotImplementedError):
        raise PdfError("encrypted PDF: this kind of encryption is not supported") from None
    except Exception:  # noqa: BLE001 - a broken or hostile file can make the parser raise anything
        raise PdfError("damaged PDF: the file structure cannot be read") from None

    # Page count: the declared /Count first (no page is parsed), then the page tree itself.
    try:
        declared = resolve1(resolve1(document.catalog.get("Pages")).get("Count"))
    except Exception:  # noqa: BLE001 - no usable /Count: the page tree below decides
        declared = None
    if isinstance(declared, int) and declared > max_pages:
        raise PdfError(f"too many pages ({declared} > {max_pages})")
    try:
        pages = list(PDFPage.create_pages(document))
    except Exception:  # noqa: BLE001 - as above
        raise PdfError("damaged PDF: the page list cannot be read") from None
    if len(pages) > max_pages:
        raise PdfError(f"too many pages ({len(pages)} > {max_pages})")
    if not pages:
        raise PdfError("damaged PDF: it has no pages")

    manager = PDFResourceManager(caching=True)
    device = PDFPageAggregator(manager, laparams=None)
    interpreter = PDFPageInterpreter(manager, device)
    read: list[_Page] = []
    for number, page in enumerate(pages, 1):
        try:
            interpreter.process_page(page)
            layout = device.get_result()
        except MemoryError:
            raise
        except Exception:  # noqa: BLE001 - as above
            raise PdfError(f"damaged PDF: page {number} cannot be read") from None
        top = layout.y1
        chars: list[_Char] = []
        stack = [layout]
        while stack:
            node = stack.pop()
            for obj in node:
                if isinstance(obj, LTChar):
                    if obj.upright:
                        chars.append(
                            _Char(
                                obj.get_text(),
                                obj.x0,
                                obj.x1,
                                top - obj.y1,
                                top - obj.y0,
                                obj.size,
                                _is_bold(obj.fontname),
                            )
                        )
                elif isinstance(obj, LTContainer):
                    stack.append(obj)
        read.append(_Page(number, layout.width, layout.height, chars))
    text = pages_to_text(read)
    if not text.strip():
        raise PdfError(SCANNED_MESSAGE)
    return text


def _is_bold(fontname: object) -> bool:
    name = str(fontname).lower()
    return any(w in name for w in ("bold", "black", "heavy", "semibold", "demi"))


# --------------------------------------------------------------------------------------
# Layout: positioned characters -> text form. Library-independent; top-down coordinates.
# --------------------------------------------------------------------------------------


@dataclass
class _Char:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool


@dataclass
class _Page:
    number: int
    width: float
    height: float
    chars: list[_Char]


@dataclass
class _Seg:
    x0: float
    x1: float
    text: str
    first_word_x1: float  # right edge of the segment's first word
    second_word_x1: float  # ... and of its second


@dataclass
class _Line:
    page: int
    top: float
    bottom: float
    size: float
    bold: bool
    segs: list[_Seg] = field(default_factory=list)

    @property
    def x0(self) -> float:
        return self.segs[0].x0

    @property
    def x1(self) -> float:
        return self.segs[-1].x1

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segs)

    @property
    def first_word_width(self) -> float:
        """Width of the first word; of the first two when the line starts with a list marker."""
        seg = self.segs[0]
        end = seg.second_word_x1 if _LIST_START_RE.match(seg.text) else seg.first_word_x1
        return end - seg.x0


CELL_GAP_EM = 1.0  # a horizontal gap wider than this (in font sizes) separates table cells
WORD_GAP_EM = 0.18  # a gap wider than this is a space even without a space character
PARAGRAPH_GAP = 1.25  # line pitch above this times the usual pitch starts a new paragraph

_LIGATURES = {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
_SPACES = {"\xa0", "\u2002", "\u2003", "\u2009", "\u202f", "\u3000"}
# Bullet glyphs written as "- " in the text form (● and ■ are kept: the fixtures use them
# as table symbols). U+F0B7/U+F0A7 are Symbol/Wingdings bullets from Word.
_BULLETS = "•\uf0b7\uf0a7▪◦‣⁃"
_MARKER_RE = re.compile(rf"^(?:[-–{_BULLETS}●■*]|\d{{1,2}}[.)]|[a-zA-Z][.)])$")
_LIST_START_RE = re.compile(rf"^(?:[-–{_BULLETS}●■*]|\d{{1,2}}[.)]|[a-zA-Z][.)]) ")
_SENTENCE_END_RE = re.compile(r"[.!?:;…][\"”»’')\]]*$")
_PAGE_NUMBER_RE = re.compile(r"^(?:side|page|s\.)?\s*[-–]?\s*\d{1,4}\s*[-–]?(?:\s*(?:af|of|/|ud af)\s*\d{1,4})?$", re.I)


def _clean(text: str) -> str:
    if text in _SPACES:
        return " "
    if text.startswith("(cid:"):
        return ""  # a glyph the font does not map to any character: nothing to read
    return _LIGATURES.get(text, text)


def _nfc(parts: list[str]) -> str:
    """Joined text with combining accents composed ("a" + ring above drawn apart -> "å")."""
    return unicodedata.normalize("NFC", "".join(parts))


def _make_lines(page: _Page) -> list[_Line]:
    chars = [c for c in page.chars if c.text and c.x1 >= c.x0]
    chars.sort(key=lambda c: (c.bottom, c.x0))
    rows: list[list[_Char]] = []
    anchor = None
    for c in chars:
        if rows and anchor is not None and c.bottom - anchor <= 0.35 * max(c.size, 1.0):
            rows[-1].append(c)
        else:
            rows.append([c])
            anchor = c.bottom
    lines = []
    for row in rows:
        line = _build_line(page.number, row)
        if line is not None:
            lines.append(line)
    return lines


def _build_line(page: int, row: list[_Char]) -> _Line | None:
    row.sort(key=lambda c: c.x0)
    visible: list[_Char] = []
    space_before: list[bool] = []
    pending = False
    for c in row:
        text = _clean(c.text)
        if not text:
            continue
        if not text.strip():
            pending = True
            continue
        if visible:
            p = visible[-1]
            # The same glyph drawn twice at (almost) the same place: fake bold or shadow.
            if text == p.text and abs(c.x0 - p.x0) < 0.1 * c.size and abs(c.top - p.top) < 0.1 * c.size:
                continue
        visible.append(_Char(text, c.x0, c.x1, c.top, c.bottom, c.size, c.bold))
        space_before.append(pending)
        pending = False
    if not visible:
        return None
    sizes = Counter(round(c.size * 2) / 2 for c in visible)
    size = sizes.most_common(1)[0][0] or 10.0
    line = _Line(
        page=page,
        top=min(c.top for c in visible),
        bottom=statistics.median(c.bottom for c in visible),
        size=size,
        bold=all(c.bold for c in visible),
    )
    parts: list[str] = []
    seg_x0 = seg_x1 = 0.0
    word_ends: list[float] = []  # right edges of the segment's first two words
    for i, c in enumerate(visible):
        em = max(c.size, 1.0)
        if i == 0 or c.x0 - seg_x1 > CELL_GAP_EM * em:
            if i:
                line.segs.append(_Seg(seg_x0, seg_x1, _nfc(parts), word_ends[0], word_ends[-1]))
            parts, seg_x0, seg_x1, word_ends, words = [c.text], c.x0, c.x1, [c.x1], 1
            continue
        if space_before[i] or c.x0 - seg_x1 > WORD_GAP_EM * em:
            parts.append(" ")
            words += 1
        parts.append(c.text)
        seg_x1 = max(seg_x1, c.x1)
        if words <= 2:
            word_ends[words - 1 :] = [seg_x1]
    line.segs.append(_Seg(seg_x0, seg_x1, _nfc(parts), word_ends[0], word_ends[-1]))
    # A list marker followed by a tab stop ("•   text") is one segment, not a table row.
    if len(line.segs) == 2 and _MARKER_RE.match(line.segs[0].text) and line.segs[1].x0 - line.segs[0].x1 < 4 * size:
        a, b = line.segs
        line.segs = [_Seg(a.x0, b.x1, f"{a.text} {b.text}", a.x1, b.first_word_x1)]
    first = line.segs[0]
    if first.text[:1] in _BULLETS and (len(first.text) == 1 or first.text[1] == " "):
        first.text = "- " + first.text[1:].lstrip()
    return line


def _normalized_key(line: _Line) -> str:
    return re.sub(r"\d+", "#", " ".join(line.text.lower().split()))


def _is_page_number(line: _Line, pages: int) -> bool:
    """ "Side 3 af 51", "3", "- 3 -", "3/51": numbers no larger than the page count allows."""
    text = " ".join(line.text.split())
    if not _PAGE_NUMBER_RE.match(text):
        return False
    numbers = [int(x) for x in re.findall(r"\d+", text)]
    return 1 <= numbers[0] <= pages + 10 and (len(numbers) == 1 or numbers[0] <= numbers[1])


def _drop_running_lines(pages: list[list[_Line]], heights: list[float]) -> list[list[_Line]]:
    """Remove page headers, footers and page numbers."""
    n = len(pages)
    edge = 3  # lines looked at from the top and from the bottom of each page
    margin = 0.12  # headers and footers sit in the top and bottom 12 % of the page

    def edge_lines(ordered: list[_Line], height: float) -> list[_Line]:
        top = [ln for ln in ordered[:edge] if ln.bottom < margin * height]
        bottom = [ln for ln in ordered[-edge:] if ln.top > (1 - margin) * height]
        return top + bottom

    seen: dict[tuple[int, str], set[int]] = defaultdict(set)
    for i, lines in enumerate(pages):
        ordered = sorted(lines, key=lambda ln: ln.top)
        for line in edge_lines(ordered, heights[i] or 842.0):
            seen[(round(line.top / 4), _normalized_key(line))].add(i)
    need = max(2, math.ceil(0.5 * n))
    out = []
    for i, lines in enumerate(pages):
        ordered = sorted(lines, key=lambda ln: ln.top)
        edges = {id(ln) for ln in edge_lines(ordered, heights[i] or 842.0)}
        kept = [
            ln
            for ln in ordered
            if not (n >= 2 and id(ln) in edges and len(seen[(round(ln.top / 4), _normalized_key(ln))]) >= need)
        ]
        height = heights[i] or 842.0
        for _ in range(2):  # a page number at the very bottom or the very top, set apart
            if len(kept) >= 1 and _is_page_number(kept[-1], n) and kept[-1].top > 0.85 * height:
                if len(kept) == 1 or kept[-1].bottom - kept[-2].bottom > 2.2 * kept[-1].size:
                    kept.pop()
            if len(kept) >= 1 and _is_page_number(kept[0], n) and kept[0].bottom < 0.15 * height:
                if len(kept) == 1 or kept[1].bottom - kept[0].bottom > 2.2 * kept[1].size:
                    kept.pop(0)
        out.append(kept)
    return out


@dataclass
class _Metrics:
    body_size: float
    pitch_em: float  # usual baseline-to-baseline distance, in font sizes
    right: float  # right edge of the text column


def _metrics(lines: list[_Line]) -> _Metrics:
    sizes = Counter()
    for ln in lines:
        sizes[ln.size] += len(ln.text)
    body_size = sizes.most_common(1)[0][0] if sizes else 10.0
    pitches = Counter()
    for a, b in itertools.pairwise(lines):
        if a.page == b.page and a.size == b.size == body_size and len(a.segs) == len(b.segs) == 1:
            d = b.bottom - a.bottom
            if 0.8 * body_size < d < 2.5 * body_size:
                pitches[round(d * 4) / 4] += 1
    # Line spacing inside paragraphs: the smallest pitch that is common (paragraph gaps
    # can be as frequent as it when paragraphs are short).
    total = sum(pitches.values())
    common = [p for p, k in pitches.items() if k >= max(2, 0.1 * total)]
    pitch = min(common or pitches or [1.2 * body_size])
    ends = sorted((ln.x1 for ln in lines if len(ln.segs) == 1 and ln.size == body_size), reverse=True)
    right = ends[min(len(ends) - 1, len(ends) // 200)] if ends else max((ln.x1 for ln in lines), default=0.0)
    return _Metrics(body_size, pitch / body_size, right)


def _tight(a: _Line, b: _Line, m: _Metrics) -> bool:
    """b follows a at normal line spacing (same paragraph or same table cell)."""
    return a.page == b.page and 0 < b.bottom - a.bottom <= PARAGRAPH_GAP * m.pitch_em * max(a.size, b.size)


def _wrapped(a: _Line, b: _Line, m: _Metrics, current: str = "") -> bool:
    """a ended because b's first word did not fit after it: a was wrapped, not broken.

    `current` is the text line a belongs to so far (a and the lines it continues)."""
    if _LIST_START_RE.match(b.text) and (
        _SENTENCE_END_RE.search(a.text)  # "... mv." then "3. Antal ..."
        or _LIST_START_RE.match(current or a.text)  # one list item after another
        or b.x0 < a.x0 - 1.0  # back out of a hanging indent
    ):
        return False  # a list, however full the line was
    space = 0.3 * b.size
    return a.x1 + space + b.first_word_width > m.right - 0.5


def _table_rows(block: list[_Line], m: _Metrics) -> list[str]:
    """Table lines -> rows of tab-separated cells.

    Cells are grouped by where they start (within 2 pt). Groups that never hold text on
    the same line are one column when they overlap (left-aligned text and right-aligned
    numbers in one column), then neighbouring ones (a short left-aligned heading over
    right-aligned numbers, a table continued on the next page a little offset).
    """
    xs = sorted({round(s.x0, 1) for ln in block for s in ln.segs})
    starts: list[float] = []
    for x in xs:
        if not starts or x - starts[-1] > 2.0:
            starts.append(x)

    def group_of(s: _Seg) -> int:
        return max(k for k, g in enumerate(starts) if g <= s.x0 + 0.05)

    extent = [[math.inf, -math.inf] for _ in starts]
    for ln in block:
        for s in ln.segs:
            e = extent[group_of(s)]
            e[0], e[1] = min(e[0], s.x0), max(e[1], s.x1)
    with_ = [set() for _ in starts]  # groups seen on one line with each group
    for ln in block:
        on_line = {group_of(s) for s in ln.segs}
        for k in on_line:
            with_[k] |= on_line - {k}
    clusters: list[set[int]] = [{k} for k in range(len(starts))]

    def together(a: set[int], b: set[int]) -> bool:
        return any(with_[k] & b for k in a)

    def span(c: set[int]) -> tuple[float, float]:
        return min(extent[k][0] for k in c), max(extent[k][1] for k in c)

    merged = True
    while merged:  # overlapping, never on one line
        merged = False
        for i in range(len(clusters)):
            for j in range(i + 1, len(clusters)):
                (a0, a1), (b0, b1) = span(clusters[i]), span(clusters[j])
                if a0 < b1 and b0 < a1 and not together(clusters[i], clusters[j]):
                    clusters[i] |= clusters.pop(j)
                    merged = True
                    break
            if merged:
                break
    clusters.sort(key=lambda c: span(c)[0])
    columns = [clusters[0]]
    for c in clusters[1:]:  # neighbours, never on one line
        if together(columns[-1], c):
            columns.append(c)
        else:
            columns[-1] = columns[-1] | c
    column_of_group = {k: n for n, c in enumerate(columns) for k in c}

    rows: list[list[list[str]]] = []
    prev = None
    for ln in block:
        if prev is None or not _tight(prev, ln, m):
            rows.append([[] for _ in columns])
        for s in ln.segs:
            rows[-1][column_of_group[group_of(s)]].append(s.text)
        prev = ln
    return ["\t".join(" ".join(parts) for parts in row) for row in rows]


def _join(a: str, b: str) -> str:
    if a.endswith("\xad"):
        return a[:-1] + b
    return f"{a} {b}"


def pages_to_text(pages: list[_Page]) -> str:
    """The text form of pages of positioned characters."""
    per_page = [_make_lines(p) for p in pages]
    per_page = _drop_running_lines(per_page, [p.height for p in pages])
    lines = [ln for page in per_page for ln in page]
    if not lines:
        return ""
    m = _metrics(lines)

    # Items: single lines, or tables (lists of lines).
    items: list[_Line | list[_Line]] = []
    i = 0
    while i < len(lines):
        ln = lines[i]
        prev = items[-1] if items and isinstance(items[-1], _Line) else None
        in_paragraph = prev is not None and len(prev.segs) == 1 and _tight(prev, ln, m) and _wrapped(prev, ln, m)
        if len(ln.segs) < 2 or in_paragraph:
            if len(ln.segs) > 1:  # a wide gap inside running text (justified line)
                first = ln.segs[0]
                ln.segs = [_Seg(ln.x0, ln.x1, ln.text, first.first_word_x1, first.second_word_x1)]
            items.append(ln)
            i += 1
            continue
        block = [ln]
        row_pitch = 0.0  # widest spacing between two rows so far
        j = i + 1
        while j < len(lines):
            nxt, last = lines[j], block[-1]
            if nxt.page != last.page:
                if len(nxt.segs) >= 2:  # the table goes on on the next page
                    block.append(nxt)
                    j += 1
                    continue
                break
            pitch = nxt.bottom - last.bottom
            if _tight(last, nxt, m):  # a wrapped line inside a cell
                block.append(nxt)
                j += 1
                continue
            loose = 3.5 * m.pitch_em * max(last.size, nxt.size)
            limit = 1.3 * row_pitch if row_pitch else loose
            if len(nxt.segs) >= 2 and 0 < pitch <= limit:  # the next row
                block.append(nxt)
                row_pitch = max(row_pitch, pitch)
                j += 1
                continue
            # A row with one filled cell: it starts where a cell starts, is spaced like
            # the rows, and the table goes on after it.
            if 0 < pitch <= limit and any(abs(nxt.x0 - s.x0) < 1.5 for b in block for s in b.segs):
                k = j + 1
                while k < len(lines) and _tight(lines[k - 1], lines[k], m):
                    k += 1
                after = lines[k] if k < len(lines) else None
                if (
                    after is not None
                    and after.page == lines[k - 1].page
                    and len(after.segs) >= 2
                    and 0 < after.bottom - lines[k - 1].bottom <= limit
                ):
                    block.extend(lines[j:k])
                    j = k
                    continue
            break
        items.append(block)
        i = j

    paragraphs: list[list[str]] = []  # each: the lines of one paragraph (hard line breaks)
    prev: _Line | None = None
    for item in items:
        if isinstance(item, list):
            paragraphs.append(_table_rows(item, m))
            prev = None
            continue
        ln = item
        text = ln.text
        if prev is None:
            paragraphs.append([text])
        elif ln.page == prev.page:
            same_kind = prev.bold == ln.bold and abs(prev.size - ln.size) <= 1.0
            if not (same_kind and _tight(prev, ln, m)):
                paragraphs.append([text])
            elif _wrapped(prev, ln, m, paragraphs[-1][-1]):
                paragraphs[-1][-1] = _join(paragraphs[-1][-1], text)
            else:
                paragraphs[-1].append(text)
        else:  # first line after a page break
            current = paragraphs[-1][-1]
            if (
                prev.bold == ln.bold
                and abs(prev.size - ln.size) <= 1.0
                and _wrapped(prev, ln, m, current)
                and (not _SENTENCE_END_RE.search(current) or text[:1].islower())
            ):
                paragraphs[-1][-1] = _join(current, text)
            elif _LIST_START_RE.match(current) and _LIST_START_RE.match(text) and prev.bold == ln.bold:
                paragraphs[-1].append(text)
            else:
                paragraphs.append([text])
        prev = ln
    blocks = ["\n".join(line.replace("\xad", "").rstrip(" ") for line in para) for para in paragraphs]
    return "\n\n".join(b for b in blocks if b.strip()) + "\n"


# --------------------------------------------------------------------------------------
# Child process entry point
# --------------------------------------------------------------------------------------


def _limit_resources(cpu_seconds: int) -> None:
    try:
        import resource
    except ImportError:  # not on Unix
        return
    for limit, value in ((resource.RLIMIT_CPU, cpu_seconds), (resource.RLIMIT_AS, MEMORY_LIMIT_BYTES)):
        try:
            _soft, hard = resource.getrlimit(limit)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(limit, (value, hard))
        except (ValueError, OSError):
            pass


def _worker(argv: list[str]) -> int:
    max_pages = int(argv[argv.index("--max-pages") + 1]) if "--max-pages" in argv else 500
    cpu = int(argv[argv.index("--cpu-seconds") + 1]) if "--cpu-seconds" in argv else 60
    _limit_resources(cpu)
    sys.setrecursionlimit(5000)
    data = sys.stdin.buffer.read()
    try:
        reply = {"text": _read_pdf(data, max_pages)}
    except PdfError as e:
        reply = {"error": str(e)}
    except MemoryError:
        reply = {"error": "damaged PDF: it needs too much memory to read"}
    except RecursionError:
        reply = {"error": "damaged PDF: the file structure cannot be read"}
    except Exception:  # noqa: BLE001 - the reply must be a user-facing message, whatever failed
        reply = {"error": "damaged PDF: the file cannot be read"}
    sys.stdout.buffer.write(json.dumps(reply).encode("ascii"))
    sys.stdout.flush()
    return 0


def main(argv: list[str]) -> int:
    if "--worker" in argv:
        return _worker(argv)
    if len(argv) != 1:
        print("usage: python -m decisions.minutes.pdf FILE.pdf", file=sys.stderr)
        return 2
    try:
        sys.stdout.write(pdf_to_text(Path(argv[0]).read_bytes()))
    except PdfError as e:
        print(f"{argv[0]}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
