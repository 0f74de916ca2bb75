"""Tests for decisions.minutes.blocks (pure Python, no Django).

Run: /tmp/v/bin/python -m pytest tests/test_blocks.py -p no:django
Fixture excerpts are sliced from fixtures/minutes/*.txt by (1-based, inclusive)
line numbers, the same numbers the module docstring cites.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from decisions.minutes.blocks import (
    BulletList,
    NumberedList,
    Paragraph,
    Span,
    Table,
    plain_text,
    to_blocks,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "minutes"
F000 = "000_8e61c8ee450bc2e3.txt"
F001 = "001_357794a7807963d1.txt"
F002 = "002_93ae4490a1e197e6.txt"
F003 = "003_22c6d353a3b71871.txt"


@cache
def _lines(name: str) -> tuple[str, ...]:
    return tuple((FIXTURES / name).read_text(encoding="utf-8").split("\n"))


def line(name: str, n: int) -> str:
    return _lines(name)[n - 1]


def excerpt(name: str, first: int, last: int) -> str:
    return "\n".join(_lines(name)[first - 1 : last])


def text_of(spans) -> str:
    return "".join(s.text for s in spans)


def P(text: str) -> Paragraph:
    return Paragraph((Span(text),))


def items(*texts: str) -> tuple:
    return tuple((Span(t),) for t in texts)


def bullet_body(s: str) -> str:
    return s[2:]


def num_body(s: str) -> str:
    return s.split(" ", 1)[1]


# ---------------------------------------------------------------------------
# Page-break rejoin, real fixture cases


def test_001_954_956_word_cut_is_rejoined_with_a_space():
    blocks = to_blocks(excerpt(F001, 950, 956))
    assert blocks == [
        P(line(F001, 950)),
        P(line(F001, 952)),
        P(line(F001, 954) + " " + line(F001, 956)),
    ]
    assert "blive administrativ tung og meget" in blocks[2].spans[0].text


def test_001_1076_1078_rejoined_and_heading_kept():
    blocks = to_blocks(excerpt(F001, 1072, 1080))
    assert blocks == [
        P(line(F001, 1072)),
        P("Der er behov for fokus på området"),
        P(line(F001, 1076) + " " + line(F001, 1078)),
        P(line(F001, 1080)),
    ]


def test_001_1036_1046_bullet_item_continued_across_page_break():
    blocks = to_blocks(excerpt(F001, 1036, 1046))
    assert blocks == [
        P("Udvikling og omfang"),
        BulletList(
            items(
                bullet_body(line(F001, 1038)),
                bullet_body(line(F001, 1039)) + " " + line(F001, 1041),
                bullet_body(line(F001, 1043)),
                bullet_body(line(F001, 1044)),
                bullet_body(line(F001, 1045)),
                bullet_body(line(F001, 1046)),
            )
        ),
    ]
    assert blocks[1].items[1][0].text.endswith("i Odense Kommunes Børn- og Ungeforvaltning i perioden 2007-18.")


@pytest.mark.parametrize(
    "name,first,second",
    [
        (F001, 566, 568),  # "... fastsætter" / "deadlines for ..."
        (F001, 760, 762),  # "Til sammenligning er" / "sagsbehandlingstiden ..."
        (F000, 95, 97),  # "... fra sommeren 2017" / "igangsættes ..."
        (F000, 772, 774),  # "... mv. fra bl.a." / "banderne. ..." (abbreviation)
        (F002, 237, 239),  # "... på tilbud, som" / "har indberettet ..."
        (F002, 647, 649),  # "... har projektet" / "også tilbud om ..."
        (F003, 222, 224),  # "... job og lønede" / "timer for 50 borgere."
    ],
)
def test_fixture_page_breaks_rejoined(name, first, second):
    assert to_blocks(excerpt(name, first, second)) == [P(line(name, first) + " " + line(name, second))]


def test_001_170_179_short_headings_stay_paragraphs():
    # "Bruttoledigheden" must not be glued to anything; line 178 is " ".
    blocks = to_blocks(excerpt(F001, 170, 179))
    assert blocks == [
        P("Øverste niveau: Bruttoledighed og aktivitetsparate borgere"),
        P(line(F001, 172)),
        P("Bruttoledigheden"),
        P(line(F001, 176)),
        P(line(F001, 179)),
    ]


def test_001_972_982_resume_subheadings():
    blocks = to_blocks(excerpt(F001, 972, 982))
    assert [text_of(b.spans) for b in blocks] == [
        "Ledighed",
        line(F001, 974),
        "Mandagstal",
        line(F001, 978),
        "Odenses borgere i den arbejdsdygtige alder",
        line(F001, 982),
    ]


@pytest.mark.parametrize(
    "name,first,last",
    [
        # long headings that end in a lowercase letter, followed by prose
        (F001, 191, 193),
        (F001, 824, 826),
        (F001, 834, 836),
        (F002, 423, 425),
        (F000, 444, 446),
        # prose missing its final period, followed by a heading
        (F001, 866, 868),
        # bullet without final period, followed by a full paragraph
        (F000, 765, 768),
    ],
)
def test_fixture_pairs_that_must_not_be_joined(name, first, last):
    blocks = to_blocks(excerpt(name, first, last))
    assert len(blocks) == 2
    assert plain_text(excerpt(name, first, last)).endswith("\n\n" + line(name, last))


# ---------------------------------------------------------------------------
# Lists, real fixture cases


def test_001_88_104_bullets_across_blank_line_and_numbered_list():
    blocks = to_blocks(excerpt(F001, 88, 104))
    assert blocks == [
        P(line(F001, 88)),
        BulletList(
            items(
                bullet_body(line(F001, 90)),
                bullet_body(line(F001, 92)),
                bullet_body(line(F001, 93)),
            )
        ),
        P(line(F001, 95)),
        P(line(F001, 97)),
        NumberedList(
            items(num_body(line(F001, 99)), num_body(line(F001, 100))),
            ("1.", "2."),
        ),
        P(line(F001, 102)),
        P(line(F001, 104)),
    ]


def test_001_307_316_numbering_restart_starts_a_new_list():
    blocks = to_blocks(excerpt(F001, 307, 316))
    assert blocks == [
        P(line(F001, 307)),
        NumberedList(
            items(num_body(line(F001, 309)), num_body(line(F001, 311))),
            ("1.", "2."),
        ),
        NumberedList(
            items(*(num_body(line(F001, n)) for n in range(313, 317))),
            ("1.", "2.", "3.", "4."),
        ),
    ]


def test_001_339_345_lone_numbered_heading_is_a_paragraph():
    blocks = to_blocks(excerpt(F001, 339, 345))
    assert blocks == [
        P(line(F001, 339)),
        P("1. Service"),
        P(line(F001, 343)),
        P(line(F001, 345)),
    ]


def test_000_47_51_dash_number_paren_items():
    blocks = to_blocks(excerpt(F000, 47, 51))
    assert blocks[0] == P(line(F000, 47))
    assert blocks[1] == NumberedList(
        items(*(line(F000, n)[len("- 1) ") :] for n in (49, 50, 51))),
        ("1)", "2)", "3)"),
    )


def test_000_804_814_bullets_interrupted_by_paragraph():
    blocks = to_blocks(excerpt(F000, 804, 814))
    assert blocks == [
        P("Mundtlig orientering."),
        BulletList(
            items(
                bullet_body(line(F000, 806)),
                bullet_body(line(F000, 807)),
                bullet_body(line(F000, 808)),
                "Integrationsdag.",
            )
        ),
        P(line(F000, 812)),
        BulletList(items("Ændring af mødetidspunkt for udvalgmødet den 20/6 til kl. 8.30.")),
    ]


def test_003_28_32_bullets_with_letter_prefix_stay_bullets():
    blocks = to_blocks(excerpt(F003, 28, 32))
    assert isinstance(blocks[1], BulletList)
    assert [text_of(i) for i in blocks[1].items][0].startswith("A: Flere frivillige")


def test_002_416_417_adjacent_lines_share_a_paragraph_with_a_line_break():
    blocks = to_blocks(excerpt(F002, 416, 417))
    assert blocks == [P(line(F002, 416) + "\n" + line(F002, 417))]


# ---------------------------------------------------------------------------
# Tables, real fixture cases


def test_001_108_115_table_with_trailing_tab_row():
    blocks = to_blocks(excerpt(F001, 108, 115))
    assert blocks == [
        P(line(F001, 108)),
        Table(
            (
                ("Budgettilretning - 2019 priser", "2019 og frem"),
                ("Styringsområdet Service", ""),
                ("Beskæftigelses- og Socialudvalget", "-3.931.502"),
                ("Børn- og Ungeudvalget", "3.931.502"),
            )
        ),
        P("Sagen har ikke konsekvenser for Odense Kommunes kassebeholdning."),
    ]


def test_001_231_246_table_leading_empty_cell():
    (table,) = to_blocks(excerpt(F001, 231, 246))
    assert len(table.rows) == 16
    assert {len(r) for r in table.rows} == {5}
    assert table.rows[-1] == ("", "I alt", "68.865.768", "42.275.217", "26.590.551")


def test_001_473_475_rows_padded_and_p_tags_literal():
    (table,) = to_blocks(excerpt(F001, 473, 475))
    assert {len(r) for r in table.rows} == {8}
    assert table.rows[0][1] == ""  # the double tab after the title
    assert table.rows[2][0] == "Opfølgning"
    assert table.rows[2][1].startswith("<p>Andelen af Odense-borgere")
    assert "</p> <p>" in table.rows[2][1]
    assert table.rows[2][2:] == ("",) * 6


def test_001_484_p_tags_kept_verbatim_in_cell():
    (table,) = to_blocks(line(F001, 484))
    assert table.rows == (tuple(line(F001, 484).split("\t")),)


def test_002_449_456_underline_markers_unwrapped_in_cells():
    (table,) = to_blocks(excerpt(F002, 449, 456))
    assert table.rows[2] == ("Udgift:", "", "")
    assert table.rows[4] == ("Finansiering:", "", "")
    assert table.rows[-1] == ("I alt", "0", "0")


def test_003_94_101_table_split_by_page_break_is_not_repaired():
    # Known limitation: the overflow of a cell lands in its own paragraph
    # between two tables; the "--\t---" debris row is dropped.
    blocks = to_blocks(excerpt(F003, 94, 101))
    assert [type(b) for b in blocks] == [Table, Paragraph, Table]
    assert blocks[0].rows[2][2].endswith("Der sker ved at uddanne flere")
    assert blocks[1] == P(line(F003, 98))
    assert len(blocks[2].rows) == 1
    assert blocks[2].rows[0][0].startswith("C: Nye frivillige")


# ---------------------------------------------------------------------------
# Whole fixtures: no words lost, every block well formed


@pytest.mark.parametrize("name", [F000, F001, F002, F003])
def test_whole_fixture_loses_no_words(name):
    source = "\n".join(_lines(name))
    out = plain_text(source)
    words = re.compile(r"\w+")
    expected = Counter(words.findall(source.replace("<u>", "").replace("</u>", "")))
    assert Counter(words.findall(out)) == expected


@pytest.mark.parametrize("name", [F000, F001, F002, F003])
def test_whole_fixture_blocks_are_well_formed(name):
    for b in to_blocks("\n".join(_lines(name))):
        if isinstance(b, Table):
            assert b.rows and len({len(r) for r in b.rows}) == 1
        elif isinstance(b, Paragraph):
            assert b.spans and all(s.text for s in b.spans)
        elif isinstance(b, BulletList):
            assert b.items and all(i for i in b.items)
        else:
            assert isinstance(b, NumberedList)
            assert len(b.items) == len(b.labels) >= 1


# ---------------------------------------------------------------------------
# Synthetic: paragraphs and whitespace

LONG = "Dette er en lang linje uden afsluttende tegnsætning, som fortsætter på"


def test_empty_and_blank_input():
    assert to_blocks("") == []
    assert to_blocks("\n \n\t\n\u00a0\n") == []
    assert plain_text("") == ""


def test_paragraphs_split_on_runs_of_blank_lines():
    assert to_blocks("\n\nEn.\n\n\n\nTo.\n \n\u00a0\n\t\nTre.\n\n") == [
        P("En."),
        P("To."),
        P("Tre."),
    ]


def test_nbsp_becomes_space_and_crlf_is_normalised():
    assert to_blocks("a\u00a0b\r\n\r\nc\rd") == [P("a b"), P("c\nd")]


def test_join_lowercase_continuation():
    assert to_blocks(LONG + "\n\nnæste side.") == [P(LONG + " næste side.")]


@pytest.mark.parametrize(
    "text",
    [
        "Kort linje uden punktum\n\nfortsat med lille bogstav.",  # prev short
        LONG + ".\n\nnæste side.",  # prev ends a sentence
        LONG + ":\n\nnæste side.",
        LONG + "”\n\nnæste side.",
        LONG + "\n\nNæste afsnit med stort.",  # next uppercase, prev no break
        LONG + "\n\n- næste er et punkt",  # next is a bullet
        LONG + "\n\n1. næste er et nummer",  # next is a numbered item
        LONG + "\n\nnæste\ter en tabel",  # next is a table
    ],
)
def test_no_join(text):
    assert len(to_blocks(text)) == 2


def test_uppercase_continuation_of_prose_with_sentence_break():
    prev = "Første sætning slutter her. Anden sætning fortsætter i Odense Kommunes"
    assert to_blocks(prev + "\n\nBørn- og Ungeforvaltning i 2007.") == [P(prev + " Børn- og Ungeforvaltning i 2007.")]
    # ...but not when the next one is heading-like or more than one sentence
    assert len(to_blocks(prev + "\n\nBørn- og Ungeforvaltning")) == 2
    assert len(to_blocks(prev + "\n\nBørn og unge. Det er to sætninger.")) == 2


def test_join_into_bullet_and_numbered_items():
    assert to_blocks("- " + LONG + "\n\nnæste side.") == [BulletList(items(LONG + " næste side."))]
    assert to_blocks("1. " + LONG + "\n2. to\n\nnæste.") == [
        NumberedList(items(LONG, "to"), ("1.", "2.")),
        P("næste."),
    ]


def test_table_never_absorbs_a_page_break_continuation():
    assert to_blocks(LONG + "\ta\n\nnæste.") == [Table(((LONG, "a"),)), P("næste.")]


# ---------------------------------------------------------------------------
# Synthetic: lists


def test_all_bullet_markers():
    assert to_blocks("- a\n• b\n● c\n– d\n•\te") == [BulletList(items("a", "b", "c", "d", "e"))]


def test_dash_without_space_or_content_is_text():
    assert to_blocks("-3 grader") == [P("-3 grader")]
    assert to_blocks("-") == [P("-")]


def test_numbered_forms():
    assert to_blocks("1. en\n2) to\n- 3) tre") == [NumberedList(items("en", "to", "tre"), ("1.", "2)", "3)"))]
    assert to_blocks("a) en\nb) to") == [NumberedList(items("en", "to"), ("a)", "b)"))]


def test_numbered_items_across_blank_lines_until_restart():
    blocks = to_blocks("1. en.\n\n2. to.\n\n1. igen.\n2. og igen.")
    assert blocks == [
        NumberedList(items("en.", "to."), ("1.", "2.")),
        NumberedList(items("igen.", "og igen."), ("1.", "2.")),
    ]


def test_dates_are_not_numbered_items():
    assert to_blocks("5. marts 2019 holdt udvalget møde.") == [P("5. marts 2019 holdt udvalget møde.")]
    assert to_blocks("4. kvartal 2018 viste fremgang.") == [P("4. kvartal 2018 viste fremgang.")]


def test_lone_numbered_sentence_stays_a_list():
    assert to_blocks("1. Godkendelse af dagsordenen.") == [NumberedList(items("Godkendelse af dagsordenen."), ("1.",))]


def test_text_line_directly_after_bullet_starts_paragraph():
    assert to_blocks("- punkt\nAfsnit.") == [BulletList(items("punkt")), P("Afsnit.")]


# ---------------------------------------------------------------------------
# Synthetic: tables


def test_single_tab_line_is_a_table():
    assert to_blocks("a\tb") == [Table((("a", "b"),))]


def test_rows_padded_and_trailing_empty_cells_kept():
    assert to_blocks("a\tb\tc\nd\t\ne\t") == [Table((("a", "b", "c"), ("d", "", ""), ("e", "", "")))]


def test_sandwiched_line_without_tab_is_a_single_cell_row():
    assert to_blocks("a\tb\nMellemrubrik\nc\td\nEfter tabellen.") == [
        Table((("a", "b"), ("Mellemrubrik", ""), ("c", "d"))),
        P("Efter tabellen."),
    ]


def test_tables_separated_by_blank_line_are_separate():
    assert to_blocks("a\tb\n\nc\td") == [Table((("a", "b"),)), Table((("c", "d"),))]


def test_separator_rows_dropped_but_dash_values_kept():
    assert to_blocks("a\tb\n--\t-----\nc\t-\n-\t-") == [Table((("a", "b"), ("c", "-"), ("-", "-")))]
    assert to_blocks("---\t---") == []


def test_cell_markup():
    assert to_blocks("**Sum**\t<b>5</b>\t<script>x</script>") == [Table((("Sum", "5", "<script>x</script>"),))]


def test_bullet_marker_with_more_tabs_is_a_table_row():
    assert to_blocks("Børnebidrag\t- kr.\t61.947,00 kr.") == [Table((("Børnebidrag", "- kr.", "61.947,00 kr."),))]
    assert to_blocks("-\ta\tb") == [Table((("-", "a", "b"),))]


# ---------------------------------------------------------------------------
# Synthetic: inline markup


def spans_of(text: str):
    (b,) = to_blocks(text)
    return b.spans


def test_markdown_bold():
    assert spans_of("Dette er **vigtigt** nu.") == (
        Span("Dette er "),
        Span("vigtigt", bold=True),
        Span(" nu."),
    )


@pytest.mark.parametrize(
    "tag,bold,italic",
    [("b", True, False), ("strong", True, False), ("i", False, True), ("em", False, True)],
)
def test_html_formatting_tags(tag, bold, italic):
    assert spans_of(f"x <{tag}>y</{tag}> z") == (
        Span("x "),
        Span("y", bold=bold, italic=italic),
        Span(" z"),
    )


def test_tags_case_insensitive_and_nested():
    assert spans_of("<B>fed <I>begge</I></B><EM>kursiv</em>") == (
        Span("fed ", bold=True),
        Span("begge", bold=True, italic=True),
        Span("kursiv", italic=True),
    )
    assert spans_of("**fed <i>begge</i>**") == (
        Span("fed ", bold=True),
        Span("begge", bold=True, italic=True),
    )


def test_underline_unwrapped_without_style():
    assert spans_of("<u>Udgift:</u> 5") == (Span("Udgift: 5"),)


@pytest.mark.parametrize(
    "text",
    [
        "**ikke lukket",
        "ikke åbnet**",
        "<b>ikke lukket",
        "ikke åbnet</i>",
        "<i>forkert</b>",
        "2 ** 3 ** 4",
        "** mellemrum **",
        "<p>afsnit</p>",
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">klik</a>',
        "<b onclick=alert(1)>x</b>",
        "<b >x</b >",
        "a < b > c & d",
        "&lt;b&gt;escaped&lt;/b&gt;",
    ],
)
def test_unbalanced_and_unknown_markup_is_literal(text):
    assert spans_of(text) == (Span(text),)


def test_hostile_markup_inside_formatting_stays_literal():
    assert spans_of("<b><script>alert(1)</script></b>") == (Span("<script>alert(1)</script>", bold=True),)
    assert spans_of('<i><img src=x onerror="alert(1)"></i> tekst') == (
        Span('<img src=x onerror="alert(1)">', italic=True),
        Span(" tekst"),
    )


def test_crossing_tags_keep_all_words():
    assert spans_of("<b>a <i>b</b> c</i>") == (
        Span("a <i>b", bold=True),
        Span(" c</i>"),
    )


def test_markup_in_bullet_and_numbered_items():
    assert to_blocks("- **a** b\n1. <i>c</i>\n2. d") == [
        BulletList(((Span("a", bold=True), Span(" b")),)),
        NumberedList(((Span("c", italic=True),), (Span("d"),)), ("1.", "2.")),
    ]
    # a lone heading-like numbered line keeps its markup as a paragraph
    assert to_blocks("1. <i>c</i>") == [Paragraph((Span("1. "), Span("c", italic=True)))]


def test_markup_spanning_a_page_break_join():
    text = "**" + LONG + "\n\nnæste side** slut."
    assert spans_of(text) == (Span(LONG + " næste side", bold=True), Span(" slut."))


def test_empty_markup_pair_produces_no_span():
    assert spans_of("a<b></b>b") == (Span("ab"),)


# ---------------------------------------------------------------------------
# plain_text


def test_plain_text_format():
    text = (
        "Overskrift\n\n"
        "Et **fedt** ord og <i>kursiv</i> og <script>x</script>.\n\n"
        "- a\n- b\n\n"
        "1. en\n2. to\n\n"
        "k1\tk2\t\nv1\tv2\t\n\n" + LONG + "\n\nnæste side."
    )
    assert plain_text(text) == (
        "Overskrift\n\n"
        "Et fedt ord og kursiv og <script>x</script>.\n\n"
        "- a\n- b\n\n"
        "1. en\n2. to\n\n"
        "k1\tk2\nv1\tv2\n\n" + LONG + " næste side."
    )


def test_plain_text_fixture_join():
    assert plain_text(excerpt(F001, 1076, 1080)) == (
        line(F001, 1076) + " " + line(F001, 1078) + "\n\n" + line(F001, 1080)
    )


# ---------------------------------------------------------------------------
# Data classes


def test_dataclasses_are_frozen_and_hashable():
    s = Span("x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.text = "y"  # type: ignore[misc]
    for obj in to_blocks("a\n\n- b\n\n1. c\n2. d\n\ne\tf"):
        hash(obj)
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, dataclasses.fields(obj)[0].name, ())
    assert Span("x") == Span("x", bold=False, italic=False)


def test_module_has_no_django_dependency():
    import decisions.minutes.blocks as mod

    src = Path(mod.__file__).read_text(encoding="utf-8")
    assert not re.search(r"^\s*(import|from)\s+django", src, re.MULTILINE)
