"""Compare PDF text extractors on PDFs built from the minutes fixtures.

Each fixture in fixtures/minutes/*.txt is drawn as a PDF by tests/pdfmaker.py (A4, page
header "committee / date" and footer "Side N af M" on every page, wrapped paragraphs,
paragraphs split over page breaks, bold headings, tables as cells at fixed columns), read
back by each candidate, and compared with the source text:

  words   difflib ratio of the word sequences (content and order)
  lines   difflib ratio of the non-empty lines, whitespace-normalized (paragraph structure)
  tables  share of the source's tab-separated rows found exactly (cells joined by tabs)
  punkt / case / head / bilag / votes
          the sequence of "Punkt N:" lines, case-number lines, section-heading lines,
          attachment lines and vote lines ("stemmer", "deltog ikke", "forbehold") is
          exactly the source's (Y) or not (n); in brackets how many source lines came back
  parser  the project's minutes parser reads the same meeting from it as from the source
          (items, titles, case numbers, section kinds, attachments, outcomes, votes)
  runner  page header/footer lines left in the text
  s       seconds to read the PDF

Usage: python scripts/compare_pdf_extractors.py [--save DIR]
"""

from __future__ import annotations

import argparse
import difflib
import io
import re
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import pdfmaker  # noqa: E402

from decisions.minutes import pdf as ours  # noqa: E402

SECTION_HEADINGS = pdfmaker.SECTION_HEADINGS
CASE_RE = re.compile(r"^\d\d\.\d\d\.\d\d-[A-ZÆØÅ]\d\d-\d+-\d\d$")
PUNKT_RE = re.compile(r"^Punkt \d+:")
VOTE_RE = re.compile(r"stemmer|deltog ikke|forbehold")
RUNNER_RE = re.compile(r"^Side \d+ af \d+$|^Beskæftigelses- og Socialudvalget \d\d-\d\d-\d{4}$")


def norm(line: str) -> str:
    return " ".join(unicodedata.normalize("NFC", line).replace("\xa0", " ").split())


def lines_of(text: str) -> list[str]:
    return [n for n in (norm(ln) for ln in text.splitlines()) if n]


def structure(text: str) -> dict[str, list[str]]:
    lines = lines_of(text)
    out: dict[str, list[str]] = {"punkt": [], "case": [], "head": [], "bilag": [], "votes": []}
    in_bilag = False
    for ln in lines:
        if PUNKT_RE.match(ln):
            out["punkt"].append(ln)
            in_bilag = False
        elif ln in SECTION_HEADINGS:
            out["head"].append(ln)
            in_bilag = ln == "Bilag"
        elif in_bilag:
            out["bilag"].append(ln)
        if CASE_RE.match(ln):
            out["case"].append(ln)
        if VOTE_RE.search(ln):
            out["votes"].append(ln)
    return out


def table_rows(text: str) -> list[str]:
    return ["\t".join(c.strip() for c in ln.split("\t")) for ln in text.splitlines() if "\t" in ln]


# --- candidates -----------------------------------------------------------------------


def pdfminer_text(data: bytes) -> str:
    from pdfminer.high_level import extract_text

    return extract_text(io.BytesIO(data))


def pdfplumber_text(data: bytes, **kw) -> str:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as doc:
        return "\n".join(p.extract_text(**kw) or "" for p in doc.pages)


def pypdf_text(data: bytes, **kw) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(p.extract_text(**kw) or "" for p in reader.pages)


def ours_on_pdfplumber_chars(data: bytes) -> str:
    """Our layout rebuild fed with pdfplumber's characters instead of pdfminer's directly."""
    import pdfplumber

    pages = []
    with pdfplumber.open(io.BytesIO(data)) as doc:
        for n, p in enumerate(doc.pages, 1):
            chars = [
                ours._Char(c["text"], c["x0"], c["x1"], c["top"], c["bottom"], c["size"], ours._is_bold(c["fontname"]))
                for c in p.chars
                if c.get("upright", True)
            ]
            pages.append(ours._Page(n, p.width, p.height, chars))
    return ours.pages_to_text(pages)


CANDIDATES = {
    "pdfminer.six extract_text": pdfminer_text,
    "pdfplumber extract_text": pdfplumber_text,
    "pdfplumber layout=True": lambda d: pdfplumber_text(d, layout=True),
    "pypdf extract_text": pypdf_text,
    "pypdf layout mode": lambda d: pypdf_text(d, extraction_mode="layout"),
    "ours: pdfminer chars (pdf_to_text)": lambda d: ours.pdf_to_text(d),
    "ours: pdfplumber chars": ours_on_pdfplumber_chars,
}


def parsed(text: str):
    from decisions.minutes import MinutesError, parse_minutes

    try:
        m = parse_minutes(text)
    except MinutesError:
        return None
    return (
        (m.committee, m.term, m.date, m.start_time, m.location),
        [
            (
                i.number,
                i.title,
                str(i.case),
                [s.kind for s in i.sections],
                i.attachments,
                i.outcome,
                i.subject_outcomes,
                [(v.name, v.party, v.position, v.subject) for v in i.votes],
                [(b.parties, b.position, b.subject) for b in i.bloc_votes],
                [a.name for a in i.absences],
            )
            for i in m.items
        ],
    )


def score(source: str, got: str) -> dict:
    src_words, got_words = source.split(), got.split()
    src_lines, got_lines = lines_of(source), lines_of(got)
    s_struct, g_struct = structure(source), structure(got)
    src_rows, got_rows = table_rows(source), set(table_rows(got))
    result = {
        "words": difflib.SequenceMatcher(None, src_words, got_words, autojunk=False).ratio(),
        "lines": difflib.SequenceMatcher(None, src_lines, got_lines, autojunk=False).ratio(),
        "tables": sum(r in got_rows for r in src_rows) / max(1, len(src_rows)),
        "runner": sum(bool(RUNNER_RE.match(ln)) for ln in got_lines),
        "parser": parsed(got) is not None and parsed(got) == parsed(source),
    }
    for key, want in s_struct.items():
        have = g_struct[key]
        found = sum(b.size for b in difflib.SequenceMatcher(None, want, have, autojunk=False).get_matching_blocks())
        result[key] = (have == want, found, len(want))
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--save", type=Path, help="write each extraction to DIR/<fixture>.<candidate>.txt")
    args = ap.parse_args()
    fixtures = sorted((ROOT / "fixtures" / "minutes").glob("*.txt"))
    font = "DejaVu Sans (TTF)" if pdfmaker.HAVE_DEJAVU else "Helvetica, non-latin-1 replaced"
    print(f"{len(fixtures)} fixtures; test PDFs drawn with {font}\n")
    totals: dict[str, list[dict]] = {name: [] for name in CANDIDATES}
    for path in fixtures:
        source = pdfmaker.font_safe(path.read_text(encoding="utf-8"))
        built = pdfmaker.minutes_pdf(source)
        print(f"== {path.name}: {built.pages} pages, {len(built.splits)} paragraphs split by a page break")
        print(
            f"{'candidate':36} {'words':>6} {'lines':>6} {'tables':>6}  punkt     case      head      bilag     votes"
            "     parser runner  s"
        )
        for name, fn in CANDIDATES.items():
            t0 = time.perf_counter()
            got = fn(built.data)
            seconds = time.perf_counter() - t0
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
                (args.save / f"{path.stem}.{slug}.txt").write_text(got, encoding="utf-8")
            r = score(source, got)
            r["s"] = seconds
            totals[name].append(r)
            cells = "  ".join(
                f"{'Y' if ok else 'n'} {f:>3}/{n:<3}"
                for ok, f, n in (r[k] for k in ("punkt", "case", "head", "bilag", "votes"))
            )
            print(
                f"{name:36} {r['words']:6.3f} {r['lines']:6.3f} {r['tables']:6.3f}  {cells}"
                f"  {'Y' if r['parser'] else 'n':>4}  {r['runner']:>4}  {seconds:5.2f}"
            )
        print()
    print("== mean over fixtures (structure: fixtures where the sequence is exact)")
    print(
        f"{'candidate':36} {'words':>6} {'lines':>6} {'tables':>6}  punkt case head bilag votes parser runner  s/file"
    )
    for name, rs in totals.items():

        def mean(k: str, rs: list[dict] = rs) -> float:
            return sum(r[k] for r in rs) / len(rs)

        exact = "  ".join(f"{sum(r[k][0] for r in rs)}/{len(rs)}" for k in ("punkt", "case", "head", "bilag", "votes"))
        parser = f"{sum(r['parser'] for r in rs)}/{len(rs)}"
        print(
            f"{name:36} {mean('words'):6.3f} {mean('lines'):6.3f} {mean('tables'):6.3f}  {exact}  {parser:>5}"
            f"  {sum(r['runner'] for r in rs):>5}  {mean('s'):6.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
