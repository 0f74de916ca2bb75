"""The shared decision grammar (decisions.minutes.decisions.read_decision) on how other Danish
councils write votes: party-letter lists, counts with names, tallies, verdicts, absence lists and
protocol notes. Plain functions: no database, no Django setup.

Each table row is one decision text and what it must read as; the Odense forms are pinned by
tests/test_parser.py and must read as they did.
"""

from __future__ import annotations

import pytest

from decisions.minutes import types as t
from decisions.minutes.decisions import PARTY_NAMES, read_decision

FIRST_LINE = 40  # the decision text's first line in its file: every reading is offset by it
COMMITTEE = "Økonomiudvalget"


def read(text: str):
    warnings: list[t.ParseWarning] = []
    reading = read_decision(text, first_line=FIRST_LINE, committee=COMMITTEE, warnings=warnings)
    return reading, warnings


def vote_rows(reading) -> list[tuple]:
    return [(v.name, v.party, v.role, v.position, v.subject) for v in reading.votes]


def bloc_rows(reading) -> list[tuple]:
    return [(b.parties, b.label, b.position, b.subject) for b in reading.bloc_votes]


def tally_rows(reading) -> list[tuple]:
    return [(x.subject, x.for_count, x.against_count, x.abstain_count) for x in reading.tallies]


# ==================================================================================================
# 1. Party letters after a colon
# ==================================================================================================

# text -> (bloc votes, tallies)
PARTY_LIST_CASES = [
    ("For stemte: V og I", [(("V", "I"), "", t.FOR, "")], []),
    ("Imod stemte: A, B, C, F, O og Ø.", [(("A", "B", "C", "F", "O", "Ø"), "", t.AGAINST, "")], []),
    ("Undlod at stemme: O", [(("O",), "", t.ABSTAIN, "")], []),
    ("Hverken for eller imod: O og D.", [(("O", "D"), "", t.ABSTAIN, "")], []),
    ("For stemte 5: A, F og Ø", [(("A", "F", "Ø"), "", t.FOR, "")], [("", 5, None, None)]),
    ("Imod stemte 4: D", [(("D",), "", t.AGAINST, "")], [("", None, 4, None)]),
    ("For stemte 42 (A, B, F og Ø)", [(("A", "B", "F", "Ø"), "", t.FOR, "")], [("", 42, None, None)]),
    ("For stemte V og C.", [(("V", "C"), "", t.FOR, "")], []),
    ("For indstillingen stemte: A, F og Ø.", [(("A", "F", "Ø"), "", t.FOR, "indstillingen")], []),
    (
        "For stemte: V og I\nImod stemte: A, B, C, F, O og Ø.",
        [(("V", "I"), "", t.FOR, ""), (("A", "B", "C", "F", "O", "Ø"), "", t.AGAINST, "")],
        [],
    ),
    (
        # counts printed after the letters; "Ingen" is nobody, not a count
        "For stemte: A, B, F, Ø (42)\nImod stemte: C (3)\nUndlod at stemme: Ingen",
        [(("A", "B", "F", "Ø"), "", t.FOR, ""), (("C",), "", t.AGAINST, "")],
        [("", 42, 3, None)],
    ),
    (
        "For ændringsforslaget stemte 5: V og C.\nImod ændringsforslaget stemte 20: A, F og Ø.",
        [(("V", "C"), "", t.FOR, "ændringsforslaget"), (("A", "F", "Ø"), "", t.AGAINST, "ændringsforslaget")],
        [("ændringsforslaget", 5, 20, None)],
    ),
    ("Tog forbehold: C", [(("C",), "", t.RESERVATION, "")], []),
]


@pytest.mark.parametrize("text,blocs,tallies", PARTY_LIST_CASES)
def test_party_letter_lists(text, blocs, tallies):
    reading, warnings = read(text)
    assert bloc_rows(reading) == blocs
    assert tally_rows(reading) == tallies
    assert vote_rows(reading) == []
    assert warnings == []


def test_party_lists_carry_their_own_lines_and_sentences():
    reading, _ = read("Der blev stemt om indstillingen.\nFor stemte: V og I\nImod stemte: A og Ø.")
    assert [(b.line, b.sentence) for b in reading.bloc_votes] == [
        (FIRST_LINE + 1, "For stemte: V og I"),
        (FIRST_LINE + 2, "Imod stemte: A og Ø."),
    ]


# ==================================================================================================
# 2. Counts with names; 4. lists mixing party names and persons
# ==================================================================================================

# text -> (votes, bloc votes, tallies)
NAMED_LIST_CASES = [
    (
        "For: 20 (Bo Hilsted (A), Carsten Nielsen (A))\n"
        "Imod: 6 (Hans Hansen (V), Ulla G. Chambless)\n"
        "Undlod at stemme: 2 (Lise Lund (O), Per Berg)",
        [
            ("Bo Hilsted", "A", "", t.FOR, ""),
            ("Carsten Nielsen", "A", "", t.FOR, ""),
            ("Hans Hansen", "V", "", t.AGAINST, ""),
            ("Ulla G. Chambless", "", "", t.AGAINST, ""),
            ("Lise Lund", "O", "", t.ABSTAIN, ""),
            ("Per Berg", "", "", t.ABSTAIN, ""),
        ],
        [],
        [("", 20, 6, 2)],
    ),
    (
        # two lists in one line, no full stop between them
        "For: 2 (Bo Hilsted (A), Bo Bo (A)) Imod: 1 (Hans Hansen (V))",
        [("Bo Hilsted", "A", "", t.FOR, ""), ("Bo Bo", "A", "", t.FOR, ""), ("Hans Hansen", "V", "", t.AGAINST, "")],
        [],
        [("", 2, 1, None)],
    ),
    (
        # a list wrapped over two lines
        "For: 3 (Bo Hilsted (A), Carsten Nielsen (A),\nHans Hansen (A))\nImod: 1 (Bo Bo (V))",
        [
            ("Bo Hilsted", "A", "", t.FOR, ""),
            ("Carsten Nielsen", "A", "", t.FOR, ""),
            ("Hans Hansen", "A", "", t.FOR, ""),
            ("Bo Bo", "V", "", t.AGAINST, ""),
        ],
        [],
        [("", 3, 1, None)],
    ),
    (
        # one name a line; the verdict after the lists names their subject
        "For:\nBo Hilsted (A)\nCarsten Nielsen (A)\nImod:\nHans Hansen (V)\nIndstillingen blev godkendt.",
        [
            ("Bo Hilsted", "A", "", t.FOR, "indstillingen"),
            ("Carsten Nielsen", "A", "", t.FOR, "indstillingen"),
            ("Hans Hansen", "V", "", t.AGAINST, "indstillingen"),
        ],
        [],
        [],
    ),
    (
        "For: 2 (Borgmester Bo Hilsted (A), Carsten Nielsen (A))",
        [("Bo Hilsted", "A", "Borgmester", t.FOR, ""), ("Carsten Nielsen", "A", "", t.FOR, "")],
        [],
        [("", 2, None, None)],
    ),
    (
        "Undlod at stemme 5 (Dansk Folkeparti, Morten Lem, Hans Hansen (V))",
        [("Morten Lem", "", "", t.ABSTAIN, ""), ("Hans Hansen", "V", "", t.ABSTAIN, "")],
        [(("O",), "", t.ABSTAIN, "")],
        [("", None, None, 5)],
    ),
    (
        "Imod: 8 (Socialistisk Folkeparti, Det Radikale Venstre, Liberal Alliance, Borgernes Parti, "
        "Danmarksdemokraterne)",
        [],
        [(("F", "B", "I", "H", "Æ"), "", t.AGAINST, "")],
        [("", None, 8, None)],
    ),
    (
        "For stemte: Enhedslisten og Bo Bo (A)",
        [("Bo Bo", "A", "", t.FOR, "")],
        [(("Ø",), "", t.FOR, "")],
        [],
    ),
    (
        # a party name with its letter is the party, the printed letter wins
        "Undlod at stemme: Socialistisk Folkeparti (F)",
        [],
        [(("F",), "", t.ABSTAIN, "")],
        [],
    ),
]


@pytest.mark.parametrize("text,votes,blocs,tallies", NAMED_LIST_CASES)
def test_named_lists(text, votes, blocs, tallies):
    reading, warnings = read(text)
    assert vote_rows(reading) == votes
    assert bloc_rows(reading) == blocs
    assert tally_rows(reading) == tallies
    assert warnings == []


def test_named_list_lines_and_one_tally_per_block():
    text = "For: 20 (Bo Hilsted (A), Carsten Nielsen (A))\nImod: 6 (Hans Hansen (V))\nUndlod at stemme: 2 (Per Berg)"
    reading, _ = read(text)
    assert [v.line for v in reading.votes] == [FIRST_LINE, FIRST_LINE, FIRST_LINE + 1, FIRST_LINE + 2]
    assert reading.votes[2].sentence == "Imod: 6 (Hans Hansen (V))"
    assert reading.tallies == (t.Tally("", 20, 6, 2, text.replace("\n", " "), FIRST_LINE),)


# ==================================================================================================
# 3. Tallies in a verdict; 7. "uden afstemning"; 8. "faldt"
# ==================================================================================================

# text -> (outcome, subject outcomes, tallies)
VERDICT_CASES = [
    (
        "Indstillingen blev godkendt med 42 stemmer mod 4.",
        t.APPROVED,
        [("indstillingen", t.APPROVED)],
        [("indstillingen", 42, 4, None)],
    ),
    (
        # the larger count is the winning side's: rejected, so 39 against
        "Forslaget blev forkastet med 39 stemmer imod 5.",
        t.REJECTED,
        [("forslaget", t.REJECTED)],
        [("forslaget", 5, 39, None)],
    ),
    (
        "Forslaget blev forkastet med 5 stemmer for og 39 imod.",
        t.REJECTED,
        [("forslaget", t.REJECTED)],
        [("forslaget", 5, 39, None)],
    ),
    (
        "Indstillingen blev godkendt med 20 stemmer for, 5 imod og 2 undlod at stemme.",
        t.APPROVED,
        [("indstillingen", t.APPROVED)],
        [("indstillingen", 20, 5, 2)],
    ),
    (
        "Indstillingen blev godkendt med 45 stemmer mod 3, idet 2 undlod at stemme.",
        t.APPROVED,
        [("indstillingen", t.APPROVED)],
        [("indstillingen", 45, 3, 2)],
    ),
    (
        "Indstillingen blev vedtaget med 30 stemmer for mod 0 stemmer imod. 1 undlod at stemme.",
        t.APPROVED,
        [("indstillingen", t.APPROVED)],
        [("indstillingen", 30, 0, 1)],
    ),
    (
        "Beslutningsforslaget blev forkastet med 20 stemmer mod 11.",
        t.REJECTED,
        [("beslutningsforslaget", t.REJECTED)],
        [("beslutningsforslaget", 11, 20, None)],
    ),
    (
        # an amendment's fate is not the item's outcome
        "Ændringsforslaget blev forkastet med 12 stemmer mod 40.",
        t.NO_DECISION,
        [("ændringsforslaget", t.REJECTED)],
        [("ændringsforslaget", 12, 40, None)],
    ),
    (
        "Udvalget godkender indstillingen med 5 stemmer mod 2.",
        t.APPROVED,
        [("indstillingen", t.APPROVED)],
        [("indstillingen", 5, 2, None)],
    ),
    ("Vedtaget med 20 stemmer mod 5.", t.APPROVED, [], [("", 20, 5, None)]),
    (
        "Forslaget blev vedtaget med 15 stemmer for, 10 imod og 3 stemte hverken for eller imod.",
        t.APPROVED,
        [("forslaget", t.APPROVED)],
        [("forslaget", 15, 10, 3)],
    ),
    ("Indstillingen blev enstemmigt godkendt.", t.APPROVED, [("indstillingen", t.APPROVED)], []),
    ("Indstillingen blev ikke godkendt.", t.REJECTED, [("indstillingen", t.REJECTED)], []),
    # 7. without a vote
    ("Indstillingen blev godkendt uden afstemning.", t.APPROVED, [("indstillingen", t.APPROVED)], []),
    ("Forslaget blev vedtaget uden afstemning.", t.APPROVED, [("forslaget", t.APPROVED)], []),
    ("Forslaget blev forkastet uden afstemning.", t.REJECTED, [("forslaget", t.REJECTED)], []),
    ("Godkendt uden afstemning.", t.APPROVED, [], []),
    # 8. "faldt"
    ("Forslaget faldt.", t.REJECTED, [("forslaget", t.REJECTED)], []),
    ("Indstillingen faldt.", t.REJECTED, [("indstillingen", t.REJECTED)], []),
    ("Ændringsforslaget faldt.", t.NO_DECISION, [("ændringsforslaget", t.REJECTED)], []),
    (
        "Ændringsforslaget faldt. Indstillingen godkendes.",
        t.APPROVED,
        [("ændringsforslaget", t.REJECTED), ("indstillingen", t.APPROVED)],
        [],
    ),
    (
        "Ændringsforslaget faldt.\n\nIndstillingen blev godkendt uden afstemning.",
        t.APPROVED,
        [("ændringsforslaget", t.REJECTED), ("indstillingen", t.APPROVED)],
        [],
    ),
    # a stated verdict on the proposal outweighs the rules' reading of the rest
    ("Udvalget drøftede sagen. Forslaget faldt.", t.REJECTED, [("forslaget", t.REJECTED)], []),
    ("Forslaget faldt med 5 stemmer mod 20.", t.REJECTED, [("forslaget", t.REJECTED)], [("forslaget", 5, 20, None)]),
]


@pytest.mark.parametrize("text,outcome,subject_outcomes,tallies", VERDICT_CASES)
def test_verdicts_and_tallies(text, outcome, subject_outcomes, tallies):
    reading, warnings = read(text)
    assert reading.outcome == outcome
    assert list(reading.subject_outcomes) == subject_outcomes
    assert tally_rows(reading) == tallies
    assert reading.votes == ()
    assert reading.bloc_votes == ()
    assert warnings == []


def test_tally_keeps_its_sentence_and_line():
    reading, _ = read("Sagen blev behandlet.\nIndstillingen blev godkendt med 42 stemmer mod 4.")
    assert reading.tallies == (
        t.Tally("indstillingen", 42, 4, None, "Indstillingen blev godkendt med 42 stemmer mod 4.", FIRST_LINE + 1),
    )


# ==================================================================================================
# Blocks: lists, their subject and their one tally
# ==================================================================================================


def test_blocks_of_lists_take_the_subject_of_their_header_and_verdict():
    text = (
        "Der blev stemt om ændringsforslaget.\n"
        "For stemte: V, C (12)\n"
        "Imod stemte: A, B, F, Ø, Å (40)\n"
        "Undlod at stemme: Ingen\n"
        "Ændringsforslaget blev forkastet.\n"
        "\n"
        "For stemte: A, B, F, Ø, Å\n"
        "Imod stemte: V og C\n"
        "Indstillingen blev godkendt med 40 stemmer mod 12."
    )
    reading, warnings = read(text)
    assert bloc_rows(reading) == [
        (("V", "C"), "", t.FOR, "ændringsforslaget"),
        (("A", "B", "F", "Ø", "Å"), "", t.AGAINST, "ændringsforslaget"),
        (("A", "B", "F", "Ø", "Å"), "", t.FOR, "indstillingen"),
        (("V", "C"), "", t.AGAINST, "indstillingen"),
    ]
    assert [b.line for b in reading.bloc_votes] == [FIRST_LINE + 1, FIRST_LINE + 2, FIRST_LINE + 6, FIRST_LINE + 7]
    assert tally_rows(reading) == [("ændringsforslaget", 12, 40, None), ("indstillingen", 40, 12, None)]
    assert [x.line for x in reading.tallies] == [FIRST_LINE, FIRST_LINE + 6]
    assert list(reading.subject_outcomes) == [("ændringsforslaget", t.REJECTED), ("indstillingen", t.APPROVED)]
    assert reading.outcome == t.APPROVED
    assert warnings == []


def test_lists_after_a_verdict_with_the_same_counts_detail_it():
    text = (
        "Indstillingen blev godkendt med 20 stemmer mod 5.\n"
        "For: 20 (Bo Hilsted (A), Carsten Nielsen (A))\n"
        "Imod: 5 (Hans Hansen (V))"
    )
    reading, _ = read(text)
    assert vote_rows(reading) == [
        ("Bo Hilsted", "A", "", t.FOR, "indstillingen"),
        ("Carsten Nielsen", "A", "", t.FOR, "indstillingen"),
        ("Hans Hansen", "V", "", t.AGAINST, "indstillingen"),
    ]
    assert tally_rows(reading) == [("indstillingen", 20, 5, None)]


def test_lists_after_a_verdict_without_counts_are_about_it():
    reading, _ = read("Ændringsforslaget faldt.\nFor stemte: V\nImod stemte: A og F")
    assert bloc_rows(reading) == [
        (("V",), "", t.FOR, "ændringsforslaget"),
        (("A", "F"), "", t.AGAINST, "ændringsforslaget"),
    ]
    assert reading.outcome == t.NO_DECISION


def test_a_repeated_side_starts_a_new_block():
    reading, _ = read("For: 3 (A)\nImod: 1 (V)\nFor: 2 (V)\nImod: 2 (A)")
    assert tally_rows(reading) == [("", 3, 1, None), ("", 2, 2, None)]


# ==================================================================================================
# 5. "Liste B stemte imod"; 6. "(Ø) stemte imod"
# ==================================================================================================

BLOC_SENTENCE_CASES = [
    ("Liste B stemte imod.", [(("B",), "", t.AGAINST, "")]),
    ("Listerne A og F stemte for.", [(("A", "F"), "", t.FOR, "")]),
    ("Listerne A og F stemte for indstillingen.", [(("A", "F"), "", t.FOR, "indstillingen")]),
    ("Liste Ø undlod at stemme.", [(("Ø",), "", t.ABSTAIN, "")]),
    ("V-gruppen stemte imod indstillingen.", [(("V",), "", t.AGAINST, "indstillingen")]),
    ("(Ø) stemte imod.", [(("Ø",), "", t.AGAINST, "")]),
    ("(A, F) stemte for", [(("A", "F"), "", t.FOR, "")]),
    ("(A og F) stemte for ændringsforslaget.", [(("A", "F"), "", t.FOR, "ændringsforslaget")]),
    ("Radikale Venstre stemte imod.", [(("B",), "", t.AGAINST, "")]),
    ("Dansk Folkeparti stemmer imod indstillingen.", [(("O",), "", t.AGAINST, "indstillingen")]),
    ("Det Radikale Venstre og Liberal Alliance stemte for.", [(("B", "I"), "", t.FOR, "")]),
    ("Et flertal på 20 (A, F og Ø) stemte for.", [(("A", "F", "Ø"), "flertal", t.FOR, "")]),
]


@pytest.mark.parametrize("text,blocs", BLOC_SENTENCE_CASES)
def test_bloc_sentences(text, blocs):
    reading, warnings = read(text)
    assert bloc_rows(reading) == blocs
    assert reading.votes == ()
    assert warnings == []


def test_parenthesized_letters_start_a_sentence_and_join_the_block():
    reading, _ = read("Der blev stemt om forslaget. (A, F) stemte for. (V) stemte imod. Forslaget faldt.")
    assert bloc_rows(reading) == [(("A", "F"), "", t.FOR, "forslaget"), (("V",), "", t.AGAINST, "forslaget")]
    assert [b.sentence for b in reading.bloc_votes] == ["(A, F) stemte for.", "(V) stemte imod."]
    assert reading.outcome == t.REJECTED


# ==================================================================================================
# 9. Protocol notes
# ==================================================================================================

# text -> (protocol notes, outcome)
NOTE_CASES = [
    (
        "Protokolbemærkning: Venstre kan ikke støtte forslaget.",
        ["Protokolbemærkning: Venstre kan ikke støtte forslaget."],
        t.NO_DECISION,
    ),
    (
        # what the note says is not a vote
        "Bo Bo (V) ønskede følgende protokolbemærkning: Venstre stemmer imod, fordi udgiften er for høj.",
        ["Bo Bo (V) ønskede følgende protokolbemærkning: Venstre stemmer imod, fordi udgiften er for høj."],
        t.NO_DECISION,
    ),
    (
        # a bare label: the note is the next paragraph
        "Bo Bo (V) ønskede følgende protokolbemærkning:\n\nVenstre finder forslaget for dyrt.\n\n"
        "Indstillingen godkendes.",
        ["Bo Bo (V) ønskede følgende protokolbemærkning:\n\nVenstre finder forslaget for dyrt."],
        t.APPROVED,
    ),
    (
        "Hans Hansen (A) fik tilført protokollen, at han var uenig. Indstillingen blev godkendt.",
        ["Hans Hansen (A) fik tilført protokollen, at han var uenig."],
        t.APPROVED,
    ),
    (
        "Indstillingen godkendes.\nProtokolbemærkning fra Enhedslisten: Ø stemmer imod. Ø ønsker en anden model.",
        ["Protokolbemærkning fra Enhedslisten: Ø stemmer imod. Ø ønsker en anden model."],
        t.APPROVED,
    ),
    (
        "Venstre ønskede følgende ført til protokol: Vi kan ikke støtte en takststigning.",
        ["Venstre ønskede følgende ført til protokol: Vi kan ikke støtte en takststigning."],
        t.NO_DECISION,
    ),
]


@pytest.mark.parametrize("text,notes,outcome", NOTE_CASES)
def test_protocol_notes(text, notes, outcome):
    reading, warnings = read(text)
    assert list(reading.protocol_notes) == notes
    assert reading.outcome == outcome
    assert reading.votes == ()
    assert reading.bloc_votes == ()
    assert warnings == []


# ==================================================================================================
# 10. Item-level absence written in the text
# ==================================================================================================

# text -> (name, party, role) of each absent member (Vote position absent, subject "")
ABSENCE_CASES = [
    (
        "Følgende deltog ikke i behandlingen af punktet:\nHans Hansen (A)\nBo Bo",
        [("Hans Hansen", "A", ""), ("Bo Bo", "", "")],
    ),
    (
        "Følgende deltog ikke i behandlingen af punktet: Hans Hansen (A), Bo Bo (V) og Lise Lund",
        [("Hans Hansen", "A", ""), ("Bo Bo", "V", ""), ("Lise Lund", "", "")],
    ),
    ("Følgende deltog ikke i behandlingen af punktet: ", []),
    ("Følgende medlemmer deltog ikke i sagens behandling: Hans Hansen (A)", [("Hans Hansen", "A", "")]),
    ("Fraværende: Hans Hansen (A), Bo Bo (V)", [("Hans Hansen", "A", ""), ("Bo Bo", "V", "")]),
    ("Fraværende:\nHans Hansen (A)\nBo Bo (V)", [("Hans Hansen", "A", ""), ("Bo Bo", "V", "")]),
    ("Fraværende: Ingen", []),
    ("Afbud fra Hans Hansen (A)", [("Hans Hansen", "A", "")]),
    ("Afbud fra Hans Hansen (A) og Bo Bo (V).", [("Hans Hansen", "A", ""), ("Bo Bo", "V", "")]),
    ("Afbud: Hans Hansen", [("Hans Hansen", "", "")]),
    ("Afbud: Rådmand Hans Hansen (A)", [("Hans Hansen", "A", "Rådmand")]),
    ("Hans Hansen (A) deltog ikke i sagens behandling.", [("Hans Hansen", "A", "")]),
    ("Hans Hansen (A) deltog ikke i behandlingen af punkt 4.", [("Hans Hansen", "A", "")]),
    ("Hans Hansen (A) var fraværende under behandlingen af punktet.", [("Hans Hansen", "A", "")]),
    ("Hans Hansen (A) erklærede sig inhabil og deltog ikke i behandlingen af punktet.", [("Hans Hansen", "A", "")]),
    ("Hans Hansen (A) erklærede sig inhabil.", [("Hans Hansen", "A", "")]),
]


@pytest.mark.parametrize("text,absent", ABSENCE_CASES)
def test_item_absence(text, absent):
    reading, warnings = read(text)
    assert vote_rows(reading) == [(name, party, role, t.ABSENT, "") for name, party, role in absent]
    # every name is quoted with its whole sentence, on the line the sentence starts
    assert {(v.line, v.sentence) for v in reading.votes} <= {(FIRST_LINE, " ".join(text.split()))}
    assert reading.absences == ()
    assert reading.bloc_votes == ()
    assert warnings == []


def test_absence_list_ends_where_the_names_end():
    reading, warnings = read("Fraværende:\nHans Hansen (A)\nBo Bo (V)\nIndstillingen godkendes.")
    assert vote_rows(reading) == [("Hans Hansen", "A", "", t.ABSENT, ""), ("Bo Bo", "V", "", t.ABSENT, "")]
    assert reading.votes[0].sentence == "Fraværende: Hans Hansen (A) Bo Bo (V)"
    assert reading.outcome == t.APPROVED
    assert warnings == []


def test_ballerup_empty_absence_list_after_the_decision():
    reading, warnings = read("Indstillingen godkendt\nFølgende deltog ikke i behandlingen af punktet: ")
    assert reading.outcome == t.APPROVED
    assert reading.votes == ()
    assert warnings == []


def test_absence_from_the_meeting_stays_a_meeting_absence():
    reading, _ = read("Følgende deltog ikke i mødet: Hans Hansen (A)")
    assert reading.votes == ()
    assert [(a.name, a.party) for a in reading.absences] == [("Hans Hansen", "A")]


# ==================================================================================================
# Negative cases
# ==================================================================================================


@pytest.mark.parametrize(
    "text",
    [
        "Indstillingen stemmer overens med budgettet.",
        "Tallene stemmer med regnskabet.",
        "Der blev afgivet 12.000 stemmer ved valget i 2021.",
        "Forvaltningen vurderer, at 30 stemmer er nok til at vedtage forslaget.",
        "For 2024 er budgettet uændret.",
        "For at sikre fremdrift skal sagen behandles igen.",
        "Fraværende medlemmer orienteres efterfølgende.",
        "Afbud skal meldes til sekretariatet.",
        "Forslaget faldt i god jord hos borgerne.",
    ],
)
def test_sentences_that_are_no_votes(text):
    reading, warnings = read(text)
    assert reading.votes == ()
    assert reading.bloc_votes == ()
    assert reading.tallies == ()
    assert reading.protocol_notes == ()
    assert reading.subject_outcomes == ()
    assert warnings == []


@pytest.mark.parametrize(
    "text",
    [
        "Radikale Venstre stemte imod.",
        "Imod stemte: Radikale Venstre",
        "Undlod at stemme 5 (Dansk Folkeparti, Liberal Alliance)",
        "For stemte: Danmarksdemokraterne og Borgernes Parti",
        "Fraværende: Dansk Folkeparti",
    ],
)
def test_a_party_name_never_becomes_a_person(text):
    reading, warnings = read(text)
    assert reading.votes == ()
    assert reading.bloc_votes
    assert warnings == []


@pytest.mark.parametrize(
    "text",
    [
        "For stemte: Lokallisten Ærø",  # an unknown party: not a person either
        "For: blah blah",
        "Imod stemte: A, B og nogle andre",
        "Fraværende: et par medlemmer",
        "Indstillingen blev godkendt med 3 stemmer mod 2 mod 1.",
        "Bo og Ib stemte imod.",
    ],
)
def test_vote_sentences_not_understood_warn(text):
    reading, warnings = read(text)
    assert reading.votes == ()
    assert reading.bloc_votes == ()
    assert reading.tallies == ()
    assert [w.line for w in warnings] == [FIRST_LINE]
    assert "not understood" in warnings[0].message


def test_party_names_cover_the_common_variants():
    for name, letter in [
        ("Socialistisk Folkeparti", "F"),
        ("Det Radikale Venstre", "B"),
        ("Liberal Alliance", "I"),
        ("Borgernes Parti", "H"),
        ("Danmarksdemokraterne", "Æ"),
    ]:
        assert PARTY_NAMES[name] == letter


# ==================================================================================================
# Odense's forms read as before
# ==================================================================================================


def test_odense_forms_get_no_tallies_blocks_or_notes():
    text = (
        "Christoffer Lilleholt (V) og Tommy Hummellose (C) stemmer for ændringsforslaget.\n\n"
        "Tommy Hummellose (C) undlader at stemme.\n\n"
        "Ændringsforslaget forkastes hermed.\n\n"
        "Økonomiudvalget godkender indstillingen."
    )
    reading, warnings = read(text)
    assert vote_rows(reading) == [
        ("Christoffer Lilleholt", "V", "", t.FOR, "ændringsforslaget"),
        ("Tommy Hummellose", "C", "", t.FOR, "ændringsforslaget"),
        ("Tommy Hummellose", "C", "", t.ABSTAIN, ""),
    ]
    assert [v.line for v in reading.votes] == [FIRST_LINE, FIRST_LINE, FIRST_LINE + 2]
    assert list(reading.subject_outcomes) == [("ændringsforslaget", t.REJECTED), ("indstillingen", t.APPROVED)]
    assert reading.outcome == t.APPROVED
    assert reading.tallies == () and reading.protocol_notes == ()
    assert warnings == []


@pytest.mark.parametrize(
    "text",
    [
        "Ulla G. Chambless stemmer for. Bo Ek stemmer imod.",
        "Udgiften er ca. 5 mio. kr. Sagen godkendes. Jf. pkt. 3. Se f.eks. bilag. Bl.a. Ø. Ekskl. moms.",
        "Aekskl. Beløbet. Xevt. Noget. Mv. A. B. Sagen er godkendt, inkl. bilag 2. Hhv. for og imod.",
        "Kort. " * 40 + "bl.a. Ole stemmer for.",
    ],
)
def test_an_abbreviation_is_recognized_from_the_end_of_the_text_alone(text):
    # Sentences are split where _SENTENCE_END matches unless the text before ends in an
    # abbreviation; looking at its last 16 characters (not all of it, which made reading a
    # long paragraph quadratic) must decide the same at every break.
    from decisions.minutes import decisions

    for match in decisions._SENTENCE_END.finditer(text):
        before = text[: match.start()]
        window = before[-decisions._ABBREVIATION_WINDOW :]
        assert bool(decisions._NO_BREAK_BEFORE.search(window)) == bool(decisions._NO_BREAK_BEFORE.search(before))
