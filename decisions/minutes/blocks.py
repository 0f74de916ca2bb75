"""Turn the body text of one minutes section into structured display blocks.

Pure Python, no Django.  The input is untrusted text extracted from PDFs; this
module never produces HTML and never interprets markup beyond a small, fixed
set of balanced formatting markers.  Everything else (``<p>``, ``<script>``,
``<img onerror=...>``, unbalanced markers, ...) is returned as literal text in
the spans, for the template to autoescape.

    blocks = to_blocks(text)   # list[Paragraph | BulletList | NumberedList | Table]
    plain_text(text)           # same parse, flattened to text for search/snippets

Rules (line numbers refer to fixtures/minutes/*.txt):

* Lines are classified one by one.  ``\\u00a0`` becomes a space and a line of
  only whitespace (spaces, tabs, nbsp) is blank (001:144, 001:169, 001:459-462).
  Runs of blank lines are one separator.
* Consecutive non-blank text lines form one paragraph; the line break between
  them is kept as ``"\\n"`` inside the span text (only 002:416-417 does this:
  a heading line "A. Indsatser ..." directly followed by its body).  The
  template should render it with ``white-space: pre-line`` or ``linebreaksbr``.
* A line starting with "- ", "• ", "● " or "– " (a tab may stand for the space)
  is a bullet item.  Bullet items separated only by blank lines belong to the
  same list (001:90-93, 000:806-810).
* "1. x", "2) x", "a) x" and "- 1) x" are numbered items (000:49-51).  Numbered
  items separated only by blank lines belong to the same list unless the
  numbering restarts, which starts a new list (001:309-316 is 1,2 then a
  nested 1,2,3,4).  "5. marts ..." and other "N. <month|kvartal|halvår|
  klasse|behandling>" starts are dates/ordinals, not items.  A lone numbered
  line that is heading-like (short, no final punctuation, not adjacent to
  other items) is a numbered section heading and becomes a Paragraph with
  its number kept: "1. Service" (001:341), "2. Særlige driftsområder" (001:375).
* A line containing a tab is a table row; consecutive rows form one Table,
  cells split on tab, every row padded with "" to the widest row (001:110-113,
  where "Styringsområdet Service\\t" keeps its empty second cell).  One tab
  line alone is a one-row table.  A text line *sandwiched* between two tab
  lines (no blank line around it) is kept as a single-cell row; a text line
  after the last row starts a normal paragraph.  Inside a table every tab
  line is a row, even one that looks like a list item ("-\\t-").  Rows
  made only of dash runs ("--\\t-----", 003:101) are conversion debris and
  dropped.  A bullet/number marker followed by a single tab ("•\\tText")
  is a list item, not a table.
* Page-break rejoin.  The PDF extraction inserts a blank line where a page
  ends, sometimes in mid-sentence.  A paragraph (or the text of a list item)
  P is joined with a following plain paragraph N, with a single space, when
  P's last line is long (>= 60 chars), does not end in sentence-final
  punctuation (. : ! ? ; " ” ) » …), and either
    (a) N starts with a lowercase letter:
          001:954/956  "... at blive administrativ" + "tung og meget ..."
          001:1076/1078 "... for anvendelse af" + "tegnsprogstolke. ..."
          001:566/568, 001:760/762, 000:95/97 (prev ends in "2017"),
          002:237/239, 002:647/649, 003:222/224;
        a final "." is allowed here when it belongs to a common Danish
        abbreviation ("bl.a.", "mv.", "jf.", "fx." ...):
          000:772/774  "... afpresning mv. fra bl.a." + "banderne. ..."
    or
    (b) P ends with a lowercase letter or comma, P itself contains a sentence
        boundary (so it is prose, not a heading), and N is a single line that
        is exactly one sentence ending in . ! or ?:
          001:1039/1041 "- ?En stor del ... i Odense Kommunes" +
                        "Børn- og Ungeforvaltning i perioden 2007-18."
        (b) is deliberately narrow: a long heading ending in a lowercase
        letter followed by an uppercase paragraph must not be joined
        (001:191/193, 001:824/826, 002:423/425, 000:444/446), nor a prose
        paragraph missing its final period before a heading (001:866/868),
        nor a bullet before a full paragraph (000:765/768).
  Short heading-like lines ("Bruttoledigheden" 001:174, "Ledighed" 001:972)
  never start a join because they are < 60 chars.  A cut word ("admi" /
  "nistrativ") cannot be detected, so it is always joined with one space;
  a trailing hyphen is kept as is ("social- og" is legitimate Danish).
  N is never a bullet, numbered item or table row, and P is never a table.
* Inline markup, balanced pairs only: ``**x**`` (the opening ``**`` must be
  followed and the closing one preceded by a non-space), ``<b>``/``<strong>``
  (bold), ``<i>``/``<em>`` (italic), case-insensitive, without attributes.
  ``<u>x</u>`` (002:451, 002:453) is unwrapped without styling, since Span
  has no underline.  Unbalanced or crossing markers, tags with attributes
  and every other tag-like text stay literal.  In table cells (plain strings)
  balanced markers are removed and the text kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

__all__ = [
    "Block",
    "BulletList",
    "NumberedList",
    "Paragraph",
    "Span",
    "Table",
    "plain_text",
    "to_blocks",
]


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True, slots=True)
class Paragraph:
    spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class BulletList:
    items: tuple[tuple[Span, ...], ...]


@dataclass(frozen=True, slots=True)
class NumberedList:
    items: tuple[tuple[Span, ...], ...]
    # The printed labels, one per item, e.g. ("1.", "2.") or ("1)", "2)").
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Table:
    rows: tuple[tuple[str, ...], ...]


Block = Union[Paragraph, BulletList, NumberedList, Table]


# --------------------------------------------------------------------------
# Compiled once.

_NEWLINES_RE = re.compile(r"\r\n?")
_BULLET_RE = re.compile(r"[-•●–][ \t]+(?=\S)")
_NUMBER_RE = re.compile(r"(?:[-•●–][ \t]+)?(?:(?P<num>\d{1,3})(?P<punct>[.)])|(?P<letter>[A-Za-z])\))[ \t]+(?=\S)")
# "5. marts", "4. kvartal", "2. behandling": dates/ordinals, not list items.
_ORDINAL_WORD_RE = re.compile(
    r"(?:januar|februar|marts|april|maj|juni|juli|august|september|oktober|"
    r"november|december|kvartal|halvår|klasse|behandling)\w*\b",
    re.IGNORECASE,
)
_FINAL_PUNCT = frozenset('.:!?;"”)»…')
# A sentence boundary inside a text: ". Hver", "?» Det" ...
_SENTENCE_BREAK_RE = re.compile(r"[.!?][\"”»)]?\s+[A-ZÆØÅ0-9\"“”«]")
# Abbreviations whose "." does not end a sentence (for rule (a) only).
_ABBREV_END_RE = re.compile(
    r"(?:^|[\s(])(?:bl\.\s?a|f\.\s?eks|m\.\s?v|mv|m\.\s?m|m\.\s?fl|o\.\s?l|fx|jf|jvf|ca|"
    r"evt|inkl|ekskl|vedr|pga|ifm|iht|ift|iflg|dvs|mht|hhv|bl|pr|nr|stk|kr|mio|mia|"
    r"pct|etc|osv|ang|gns|p\.\s?t)\.$",
    re.IGNORECASE,
)
_SEPARATOR_CELL_RE = re.compile(r"[-–—=:]{2,}")
_MARKER_RE = re.compile(r"\*\*|<(/?)(b|strong|i|em|u)>", re.IGNORECASE)

_JOIN_MIN_LEN = 60
_HEADING_MAX_LEN = 100

# Style of each marker key: (bold, italic).
_STYLE = {
    "**": (True, False),
    "b": (True, False),
    "strong": (True, False),
    "i": (False, True),
    "em": (False, True),
    "u": (False, False),
}

# Unit kinds used between the passes.
_PARA, _BULLET, _NUM, _TABLE = range(4)


# --------------------------------------------------------------------------
# Inline markup.


def _spans(text: str) -> tuple[Span, ...]:
    """Split text into styled spans; only balanced known markers are used."""
    if not text:
        return ()
    if "*" not in text and "<" not in text:
        return (Span(text),)
    toks = list(_MARKER_RE.finditer(text))
    if not toks:
        return (Span(text),)

    n = len(text)
    # key per structural token; None = literal text
    keys: list[str | None] = [None] * len(toks)
    opening: list[bool] = [False] * len(toks)
    stack: list[tuple[str, int]] = []  # (key, token index) of open markers

    def close(key: str, idx: int) -> bool:
        for pos in range(len(stack) - 1, -1, -1):
            if stack[pos][0] == key:
                opener = stack[pos][1]
                keys[opener] = key
                opening[opener] = True
                keys[idx] = key
                # Markers opened inside and never closed stay literal.
                del stack[pos:]
                return True
        return False

    for idx, m in enumerate(toks):
        if m.group(0) == "**":
            start, end = m.start(), m.end()
            can_close = start > 0 and not text[start - 1].isspace()
            can_open = end < n and not text[end].isspace()
            if can_close and close("**", idx):
                continue
            if can_open:
                stack.append(("**", idx))
        else:
            name = m.group(2).lower()
            if m.group(1):
                close(name, idx)
            else:
                stack.append((name, idx))

    out: list[list] = []  # [text, bold, italic]
    bold = italic = 0
    pos = 0

    def emit(chunk: str) -> None:
        if not chunk:
            return
        b, i = bold > 0, italic > 0
        if out and out[-1][1] == b and out[-1][2] == i:
            out[-1][0] += chunk
        else:
            out.append([chunk, b, i])

    for idx, m in enumerate(toks):
        key = keys[idx]
        if key is None:
            continue  # literal: stays part of the surrounding text
        emit(text[pos : m.start()])
        pos = m.end()
        sb, si = _STYLE[key]
        step = 1 if opening[idx] else -1
        bold += step * sb
        italic += step * si
    emit(text[pos:])
    return tuple(Span(t, b, i) for t, b, i in out)


def _strip_markup(text: str) -> str:
    if "*" not in text and "<" not in text:
        return text
    return "".join(s.text for s in _spans(text))


# --------------------------------------------------------------------------
# Parsing.


def _classify(raw: str):
    """Return (kind, text, label, value) for a non-blank line."""
    s = raw.strip(" \t")
    m = _NUMBER_RE.match(s)
    if m:
        num = m.group("num")
        rest = s[m.end() :]
        if "\t" in rest:
            return _TABLE, raw, None, None
        if not (num is not None and m.group("punct") == "." and s[0].isdigit() and _ORDINAL_WORD_RE.match(rest)):
            if num is not None:
                label, value = num + m.group("punct"), int(num)
            else:
                letter = m.group("letter")
                label, value = letter + ")", ord(letter.lower()) - 96
            return _NUM, rest.strip(), label, value
    m = _BULLET_RE.match(s)
    if m:
        rest = s[m.end() :]
        if "\t" in rest:
            return _TABLE, raw, None, None
        return _BULLET, rest.strip(), None, None
    if "\t" in raw:
        return _TABLE, raw, None, None
    return _PARA, s, None, None


def _units(text: str) -> list[list]:
    """First pass: lines -> units [kind, text_or_rows, label, value]."""
    text = _NEWLINES_RE.sub("\n", text.replace("\u00a0", " "))
    units: list[list] = []
    para: list | None = None  # paragraph unit being extended
    table: list | None = None  # table unit being extended
    pending: str | None = None  # text line right after a table row

    for raw in text.split("\n"):
        if not raw or raw.isspace():
            if pending is not None:
                units.append([_PARA, pending, None, None])
                pending = None
            para = table = None
            continue
        if table is not None and "\t" in raw:
            # Inside a table every tab line is a row, even "-\t-" (no bullet);
            # a text line sandwiched between two rows is a single-cell row.
            if pending is not None:
                table[1].append(pending)
                pending = None
            table[1].append(raw)
            continue
        kind, body, label, value = _classify(raw)
        if pending is not None:
            # The table ended; the held-back line starts a paragraph.
            para = [_PARA, pending, None, None]
            units.append(para)
            table = pending = None
        if kind == _TABLE:  # first row (later rows are handled above)
            para = None
            table = [_TABLE, [body], None, None]
            units.append(table)
        elif kind == _PARA:
            if table is not None:
                pending = body
            elif para is not None:
                para[1] += "\n" + body
            else:
                para = [_PARA, body, None, None]
                units.append(para)
        else:
            para = table = None
            units.append([kind, body, label, value])
    if pending is not None:
        units.append([_PARA, pending, None, None])
    return units


def _joinable(prev: str, nxt: str) -> bool:
    """Is `nxt` the rest of `prev`, split by a page break?  See module doc."""
    last = prev.rsplit("\n", 1)[-1]
    if len(last) < _JOIN_MIN_LEN:
        return False
    if nxt[0].islower():  # rule (a)
        return last[-1] not in _FINAL_PUNCT or (
            last[-1] == "." and _ABBREV_END_RE.search(last, len(last) - 12) is not None
        )
    if last[-1] in _FINAL_PUNCT:
        return False
    # rule (b), the 001:1039/1041 shape
    end = last[-1]
    return (
        (end.islower() or end == ",")
        and "\n" not in nxt
        and nxt[-1] in ".!?"
        and _SENTENCE_BREAK_RE.search(nxt) is None
        and _SENTENCE_BREAK_RE.search(last) is not None
    )


def _table_rows(lines: list[str]) -> tuple[tuple[str, ...], ...]:
    rows = []
    for line in lines:
        cells = [_strip_markup(c.strip(" ")) for c in line.split("\t")]
        nonempty = [c for c in cells if c]
        if nonempty and all(_SEPARATOR_CELL_RE.fullmatch(c) for c in nonempty):
            continue  # "--\t-----" debris (003:101)
        rows.append(cells)
    if not rows:
        return ()
    width = max(len(r) for r in rows)
    return tuple(tuple(r) + ("",) * (width - len(r)) for r in rows)


def _is_heading_like(text: str) -> bool:
    return len(text) < _HEADING_MAX_LEN and "\n" not in text and text[-1] not in _FINAL_PUNCT


def to_blocks(text: str) -> list[Block]:
    """Parse a section body into display blocks.  See the module docstring."""
    if not text:
        return []
    units = _units(text)

    # Second pass: page-break rejoin of plain paragraphs into the unit before.
    joined: list[list] = []
    for u in units:
        if u[0] == _PARA and joined and joined[-1][0] != _TABLE and _joinable(joined[-1][1], u[1]):
            joined[-1][1] += " " + u[1]
        else:
            joined.append(u)

    # Third pass: group list items, build blocks.
    blocks: list[Block] = []
    i, n = 0, len(joined)
    while i < n:
        kind, body, label, value = joined[i]
        if kind == _PARA:
            blocks.append(Paragraph(_spans(body)))
            i += 1
        elif kind == _TABLE:
            rows = _table_rows(body)
            if rows:
                blocks.append(Table(rows))
            i += 1
        elif kind == _BULLET:
            items = []
            while i < n and joined[i][0] == _BULLET:
                items.append(_spans(joined[i][1]))
                i += 1
            blocks.append(BulletList(tuple(items)))
        else:
            items, labels = [_spans(body)], [label]
            last = value
            i += 1
            while i < n and joined[i][0] == _NUM and joined[i][3] > last:
                items.append(_spans(joined[i][1]))
                labels.append(joined[i][2])
                last = joined[i][3]
                i += 1
            if len(items) == 1 and _is_heading_like(body):
                # Lone numbered section heading, e.g. "1. Service" (001:341).
                blocks.append(Paragraph(_spans(label + " " + body)))
            else:
                blocks.append(NumberedList(tuple(items), tuple(labels)))
    return blocks


def _spans_text(spans: tuple[Span, ...]) -> str:
    return "".join(s.text for s in spans)


def plain_text(text: str) -> str:
    """Text with markup markers removed and page breaks rejoined.

    Blocks are separated by "\\n\\n"; list items are one per line ("- item",
    "1. item"); table rows are one per line with cells joined by tabs
    (trailing empty cells dropped).
    """
    out = []
    for b in to_blocks(text):
        if isinstance(b, Paragraph):
            out.append(_spans_text(b.spans))
        elif isinstance(b, BulletList):
            out.append("\n".join("- " + _spans_text(it) for it in b.items))
        elif isinstance(b, NumberedList):
            out.append("\n".join(f"{lab} {_spans_text(it)}" for lab, it in zip(b.labels, b.items, strict=False)))
        else:
            out.append("\n".join("\t".join(r).rstrip("\t") for r in b.rows))
    return "\n\n".join(out)
