"""Read a "Beslutning" section: its outcome, its vote sentences, tallies, absences and protocol notes.

One grammar for every reader: Odense's sentences ("Reza Javid (Ø) stemmer imod indstillingen.")
and the forms other councils print (party-letter lists "For stemte: V og I", counted name lists
"For: 20 (Bo Hilsted (A), …)", verdicts with counts "Indstillingen blev godkendt med 42 stemmer
mod 4", "Forslaget faldt", absence lists "Følgende deltog ikke i behandlingen af punktet:",
"Protokolbemærkning: …")."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace

from . import types as t

# Party names as decision sentences print them ("Venstre og Konservative stemmer for …"), with
# the variants other councils print; looked up case-insensitively.
PARTY_NAMES = {
    "Socialdemokratiet": "A",
    "Socialdemokraterne": "A",
    "Radikale Venstre": "B",
    "Det Radikale Venstre": "B",
    "De Radikale": "B",
    "Radikale": "B",
    "Det Konservative Folkeparti": "C",
    "Konservative Folkeparti": "C",
    "Konservative": "C",
    "De Konservative": "C",
    "Nye Borgerlige": "D",
    "SF": "F",
    "Socialistisk Folkeparti": "F",
    "SF - Socialistisk Folkeparti": "F",
    "Borgernes Parti": "H",
    "Liberal Alliance": "I",
    "Kristendemokraterne": "K",
    "Moderaterne": "M",
    "Dansk Folkeparti": "O",
    "Frie Grønne": "Q",
    "Slesvigsk Parti": "S",
    "Venstre": "V",
    "Danmarksdemokraterne": "Æ",
    "Enhedslisten": "Ø",
    "Enhedslisten - De Rød-Grønne": "Ø",
    "Alternativet": "Å",
}
_LETTER = r"[A-ZÆØÅ]"
_ROLES = {
    "borgmester": "Borgmester",
    "borgmesteren": "Borgmester",
    "rådmand": "Rådmand",
    "rådmanden": "Rådmand",
    "rådmændene": "Rådmand",
    "formand": "Formand",
    "formanden": "Formand",
    "næstformand": "Næstformand",
    "næstformanden": "Næstformand",
    "udvalgsmedlem": "Udvalgsmedlem",
    "udvalgsmedlemmet": "Udvalgsmedlem",
    "udvalgsmedlemmerne": "Udvalgsmedlem",
    "medlem": "Medlem",
    "medlemmerne": "Medlem",
    "byrådsmedlem": "Byrådsmedlem",
    "byrådsmedlemmerne": "Byrådsmedlem",
}
_ROLE_PREFIX = re.compile(r"^(?P<role>" + "|".join(_ROLES) + r")\s+(?P<rest>.+)$", re.IGNORECASE)
_NAME_WORD = r"[A-ZÆØÅÉÜÖÄ][\w'’.\-]*"
_NAME = re.compile(
    rf"^(?P<name>{_NAME_WORD}(?:\s+(?:{_NAME_WORD}|von|van|de|af|la|le))*\s+{_NAME_WORD})"
    rf"(?:\s*\((?P<party>{_LETTER})\))?$"
)

# "<who> <verb phrase>": the first verb of a vote sentence ends the list of names.
_VOTE = re.compile(
    r"^(?P<who>.+?)\s+(?P<verb>"
    r"stemmer|stemte|undlader|undlod|tager|tog|deltog\s+ikke|deltager\s+ikke|"
    r"var\s+fraværende|havde\s+(?:meldt\s+)?afbud|har\s+meldt\s+afbud|var\s+ikke\s+til\s+stede"
    r")\b\s*(?P<rest>.*?)\s*\.?$",
    re.IGNORECASE,
)
_FOR_AGAINST = re.compile(r"^(?P<pos>for|imod)\b\s*(?P<subject>.*)$", re.IGNORECASE)
_ABSTAIN = re.compile(r"^at\s+stemme\b(?:\s+(?:om|for|ved|til|i)\s+(?P<subject>.+))?$", re.IGNORECASE)
_RESERVATION = re.compile(
    r"^(?:sit\s+|sine\s+|deres\s+|et\s+)?forbehold\b"
    r"(?:\s+(?:for|over\s+for|overfor|vedrørende|vedr\.|til|om|med\s+hensyn\s+til|i\s+forhold\s+til)\s+(?P<subject>.+))?$",
    re.IGNORECASE,
)
# Absence from this item only: "i behandlingen af dette punkt", "i sagens behandling", "under punktet".
_ITEM_ABSENCE = re.compile(
    r"^(?:i|under)\s+(?:"
    r"(?:behandlingen|behandling)(?:\s+og\s+afstemningen)?\s+af\s+"
    r"(?:dette\s+punkt|denne\s+sag|sagen|punktet|dette\s+dagsordenspunkt|punkt\s+\d+)"
    r"|(?:sagens|punktets)\s+behandling|dette\s+punkt|punktet|denne\s+sag|sagen)",
    re.IGNORECASE,
)
_MEETING_ABSENCE = re.compile(r"^i\s+mødet\b|^$", re.IGNORECASE)
_BLOC = re.compile(
    rf"^et\s+(?P<label>flertal|mindretal)(?:\s+på\s+\d+(?:\s+medlemmer)?)?\s*(?:bestående\s+af\s+|\(\s*|:\s*)?(?P<letters>{_LETTER}(?:\s*,\s*{_LETTER})*(?:\s+og\s+{_LETTER})?)\s*\)?$",
    re.IGNORECASE,
)
_LETTERS = re.compile(rf"^(?:partierne\s+)?(?P<letters>{_LETTER}(?:\s*,\s*{_LETTER})*(?:\s+og\s+{_LETTER})?)$")
# Another committee deciding inside this item ("Børn- og Ungeudvalget anbefaler indstillingen.").
_COMMITTEE_SENTENCE = re.compile(
    r"^(?P<committee>(?:[A-ZÆØÅ][\w\-]*\s+(?:og\s+|,\s*)?)*?[\w\-]*(?:udvalget|Byrådet|byrådet))\s+"
    r"(?:anbefaler|godkender|godkendte|tiltræder|drøftede|drøfter|tager|beslutter|besluttede|forkaster|afviser|oversender|udsætter|vedtager)\b"
)
_SUBJECT_OUTCOME = re.compile(
    r"^(?P<subject>ændringsforslaget|indstillingen|forslaget|indstillingspunkt\s+\d+|punkt\s+\d+|model\s+\d+)\s+"
    r"(?P<verb>forkastes|afvises|godkendes|vedtages|anbefales|er\s+forkastet|er\s+vedtaget|er\s+godkendt)",
    re.IGNORECASE,
)
_COMMITTEE_ON_SUBJECT = re.compile(
    r"\b(?P<verb>anbefaler|godkender|forkaster|afviser)\s+(?P<subject>ændringsforslaget|indstillingen|forslaget|indstillingspunkt\s+\d+|model\s+\d+)\b",
    re.IGNORECASE,
)
_SUBJECT_VERBS = {
    "forkastes": t.REJECTED,
    "afvises": t.REJECTED,
    "er forkastet": t.REJECTED,
    "forkaster": t.REJECTED,
    "afviser": t.REJECTED,
    "godkendes": t.APPROVED,
    "vedtages": t.APPROVED,
    "er vedtaget": t.APPROVED,
    "er godkendt": t.APPROVED,
    "godkender": t.APPROVED,
    "anbefales": t.RECOMMENDED,
    "anbefaler": t.RECOMMENDED,
}
# Item outcome, first rule that matches the committee's own decision text wins.
_OUTCOME_RULES = [
    (
        t.RECOMMENDED,
        re.compile(r"\banbefale[rs]?\b|\bindstiller\s+til\s+byrådet|\boversende[rs]\s+til\s+byrådet", re.I),
    ),
    (
        t.APPROVED_WITH_CHANGES,
        re.compile(
            r"\bgodkend\w*\b.*\bmed\s+(?:tilføjelse|ændring|de\s+foreslåede\s+ændringer|følgende\s+ændring|bemærkning)",
            re.I,
        ),
    ),
    (
        t.APPROVED,
        re.compile(
            r"\bgodkend\w*\b|\btiltræder\b|\bvedtage[rs]?\b|\bbevilger\b|\bbeslutte[rs]?\b|\bbesluttede\b", re.I
        ),
    ),
    (
        t.REJECTED,
        re.compile(r"\b(?:indstillingen|forslaget|sagen)\s+(?:forkastes|afvises)|\bforkaster\b|\bafviser\b", re.I),
    ),
    (t.POSTPONED, re.compile(r"\budsæt\w*\b|\budsat\b", re.I)),
    (t.DISCUSSED, re.compile(r"\bdrøfte\w*\b", re.I)),
    (
        t.NOTED,
        re.compile(
            r"\borientering(?:en)?\s+(?:blev\s+)?givet\b|\btil\s+efterretning\b|\btaget\s+til\s+orientering\b|\borienteringen\b",
            re.I,
        ),
    ),
]
_MARKUP = re.compile(r"\*\*|</?(?:i|b|em|strong)>", re.IGNORECASE)
# Sentence ends, but not after an initial ("Ulla G. Chambless") or a common abbreviation.
# A sentence may also start with party letters in parentheses ("(Ø) stemte imod.").
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"”A-ZÆØÅ]|\((?:[A-ZÆØÅ](?:\s*,\s*|\s+og\s+)?)+\))")
_NO_BREAK_BEFORE = re.compile(
    r"(?:\b[A-ZÆØÅ]|\bbl\.a|\bevt|\bmv|\bfx|\bf\.eks|\bjf|\bca|\bkr|\bnr|\bpkt|\bstk|\bmio|\bmia|\bhhv|\binkl|\bekskl)\.$"
)
# Twice the longest of those ("ekskl."): a match, anchored at the end, starts well inside the
# window, so its \b sees the real character before it, not the window's edge.
_ABBREVIATION_WINDOW = 16


# --------------------------------------------------------------------------------------------------
# Other councils' forms: vote lists, tallies, verdicts, absence lists and protocol notes.
# --------------------------------------------------------------------------------------------------

# A party letter stays upper case inside the case-insensitive patterns below.
_CS_LETTER = rf"(?-i:{_LETTER})"
_CS_LETTERS = rf"{_CS_LETTER}(?:\s*,\s*{_CS_LETTER})*(?:\s+og\s+{_CS_LETTER})?"
# What a vote is about, as the sentences name it.
_SUBJECT = (
    rf"(?:ændringsforslag(?:et)?(?:\s+(?:nr\.\s*)?\d+|\s+fra\s+{_CS_LETTERS})?"
    r"|indstillingen|(?:beslutnings|medlems|budget)?forslaget"
    r"|indstillingspunkt\s+\d+|punkt\s+\d+|model\s+\d+)"
)
# Subjects whose fate is the item's (an amendment's, a model's or one point's is not).
_MAIN_SUBJECTS = ("", "indstillingen", "forslaget", "beslutningsforslaget", "medlemsforslaget", "budgetforslaget")

# A vote list: "For stemte: V og I", "For: 20 (Bo Hilsted (A), …)", "Undlod at stemme 5 (…)",
# "For indstillingen stemte 42: A, B, …". Its capitalized label starts the line or the sentence.
_LIST = re.compile(
    rf"^(?P<label>(?:For|Imod)(?:\s+(?P<subject>(?i:{_SUBJECT})))?\s+(?:stemte|stemmer)"
    r"|For|Imod|Mod\s+stemte|Undl(?:od|ader)\s+at\s+stemme"
    r"|(?:Stemte\s+)?[Hh]verken\s+for\s+eller\s+imod(?:\s+stemte)?|Blanke?(?:\s+stemmer)?"
    r"|(?:Tog|Tager)\s+forbehold|Forbehold)(?!\w)"
    r"(?:\s+(?P<count>\d+)(?:\s+(?:stemmer|medlemmer))?)?\s*(?P<colon>:)?\s*(?P<rest>.*?)\s*[.;]?$",
    re.S,
)
# A second list inside the same sentence ("For: 20 (…) Imod: 6 (…)") starts a sentence of its own.
_INLINE_LIST = re.compile(
    r"\s+(?=(?:For|Imod|Undl(?:od|ader)\s+at\s+stemme|Hverken\s+for\s+eller\s+imod|Blanke?)"
    r"(?:\s+stemte|\s+stemmer)?(?:\s+\d+)?\s*:)"
)
_TALLIED = (t.FOR, t.AGAINST, t.ABSTAIN)
# "Der blev stemt om ændringsforslaget", "Afstemning om indstillingen:": what the lists after it are about.
_VOTE_HEADER = re.compile(
    r"^(?:(?:herefter\s+)?(?:blev\s+)?der\s+(?:blev\s+)?(?:stemt|stemmes|foretaget\s+afstemning|begæret\s+afstemning)"
    rf"\s+om|afstemning\s+om)\s+(?P<subject>{_SUBJECT})\b"
    rf"|^(?P<subject2>{_SUBJECT})\s+(?:blev\s+sat|sattes|sættes)\s+under\s+afstemning",
    re.I,
)
# "2 undlod at stemme." after a tally.
_ABSTAIN_COUNT = re.compile(r"^(?P<n>\d+|ingen)\s+(?:medlemmer\s+|medlem\s+)?undl(?:od|ader)\s+at\s+stemme\.?$", re.I)

# A verdict on a subject: "Indstillingen blev godkendt med 42 stemmer mod 4", "Forslaget faldt",
# "Indstillingen blev godkendt uden afstemning", "Vedtaget med 20 stemmer mod 5".
_VERDICT_VERBS = {
    "godkendt": t.APPROVED,
    "godkendes": t.APPROVED,
    "vedtaget": t.APPROVED,
    "vedtages": t.APPROVED,
    "tiltrådt": t.APPROVED,
    "tiltrædes": t.APPROVED,
    "anbefalet": t.RECOMMENDED,
    "anbefales": t.RECOMMENDED,
    "forkastet": t.REJECTED,
    "forkastes": t.REJECTED,
    "afvist": t.REJECTED,
    "afvises": t.REJECTED,
    "nedstemt": t.REJECTED,
    "faldt": t.REJECTED,
}
_VERDICT = re.compile(
    rf"^(?:(?P<subject>{_SUBJECT})\s+)?(?:(?:blev|er|bliver)\s+)?(?P<negation>ikke\s+)?(?:enstemmigt\s+)?"
    rf"(?P<verb>{'|'.join(_VERDICT_VERBS)})\b(?P<tail>.*)$",
    re.I | re.S,
)
# Without a subject (or with "faldt", which prose uses too) only these tails make a verdict.
_PLAIN_TAIL = re.compile(r"^\s*(?:$|[.,;:!]|ikke\b|med\s+\d|uden\s+afstemning|enstemmigt)", re.I)
_COUNT_SIDE = (
    r"(?:(?:stemte\s+)?for\b(?!\s+\d)|(?:stemte\s+)?imod\b(?!\s+\d)|mod\b(?!\s+\d)"
    r"|undl(?:od|ader)\s+at\s+stemme|(?:stemte\s+)?hverken\s+for\s+eller\s+imod|blanke?\b)"
)
_COUNT_WORD = r"(?:(?:stemmer|stemme|medlemmer|medlem)\b\s*)?"
_COUNT_ITEM = re.compile(rf"(?P<n>\d+)\s*{_COUNT_WORD}(?P<side>{_COUNT_SIDE})?", re.I)
# "med 42 stemmer mod 4", "med 20 stemmer for, 5 imod og 2 undlod at stemme", "…, idet 2 undlod at stemme".
_COUNT = rf"\d+\s*{_COUNT_WORD}(?:{_COUNT_SIDE})?"
_COUNTS = re.compile(
    rf"^\s*(?:enstemmigt\s+)?med\s+(?P<counts>{_COUNT}"
    rf"(?:\s*(?:,\s*(?:(?:idet|mens|og)\s+)?|(?:og|i?mod|idet)\s+|\.\s+(?=\d+\s+(?:medlemmer?\s+)?undl)){_COUNT})*)",
    re.I,
)

# "Følgende deltog ikke i behandlingen af punktet:" with the names after it, on the same or the next lines.
_ABSENT_FOLLOWING = re.compile(
    r"^Følgende(?:\s+\w+)?\s+(?:deltog\s+ikke|deltager\s+ikke|var\s+fraværende|havde\s+afbud)"
    r"(?P<where>[^:]*?)\s*:\s*(?P<rest>.*?)\s*\.?$",
    re.S,
)
# "Fraværende: Hans Hansen (A), Bo Bo (V)", "Afbud fra Hans Hansen (A)", "Afbud: Hans Hansen".
_ABSENT_LABEL = re.compile(
    r"^(?:(?:Afbud\s*/\s*)?Fraværende|Afbud(?:\s*/\s*[Ff]raværende)?|Der\s+var\s+afbud|Fravær|Forfald"
    r"|Ikke\s+til\s+stede)(?!\w)(?P<from>\s+fra)?\s*(?P<colon>:)?\s*(?P<rest>.*?)\s*\.?$",
    re.S,
)
# "Hans Hansen (A) erklærede sig inhabil": not part of the item's treatment.
_INHABLE = re.compile(r"\s+(?:erklærede\s+sig|blev\s+erklæret|var|er)\s+inhabil(?:\s+og)?$", re.I)
_INHABLE_SENTENCE = re.compile(
    r"^(?P<who>.+?)\s+(?:erklærede\s+sig|blev\s+erklæret|var|er)\s+inhabil\b(?!\s+og\s+deltog)", re.I
)

# A protocol note, kept as printed and never read as votes.
_NOTE = re.compile(
    r"protokolbemærkning|protokoltilførsel|protokollat"
    r"|\b(?:tilført|ført|tilføres|føres)\s+(?:til\s+)?(?:protokol(?:len)?|referatet)\b"
    r"|\btil\s+protokol(?:len)?\b|\bprotokollen\s+tilført\b",
    re.I,
)
# A note that ends in a colon: its text follows, to the end of the paragraph (or in the next one).
_NOTE_LABEL = re.compile(
    r"(?:protokolbemærkning|protokoltilførsel|protokollat|protokol(?:len)?|referatet)"
    r"(?:\s+fra\s+[^:]{1,80}?)?\s*:",
    re.I,
)
_NOTE_LINE = re.compile(r"^(?:Protokolbemærkning|Protokoltilførsel|Protokollat|Bemærkning\s+til\s+protokollen)\b")

# Entries of a list that mean nobody ("Undlod at stemme: Ingen").
_NOBODY = {"", "ingen", "-", "–", "—", "0"}
# Separators of list entries outside parentheses; "og" and "samt" end an entry too.
_ITEM_SEPARATOR = re.compile(r"\s+og\s+|\s+samt\s+|\(|\)|[,;\n&]")
# Words that make an entry a party, never a person ("Dansk Folkeparti", "Lokallisten", "V-gruppen").
_PARTYISH = re.compile(
    r"parti(?:et)?\b|listen\b|\bliste\b|alliance|demokrat|borgerlige|venstre\b|konservative|moderaterne"
    r"|alternativet|-gruppen\b|\bgruppe",
    re.I,
)
_PARTY_FORM = re.compile(
    rf"^(?:(?:[Ll]iste(?:n|rne)?|[Pp]artiet|[Pp]artierne)\s+(?P<list>{_LETTER})|(?P<group>{_LETTER})-gruppen"
    rf"|\(?(?P<letter>{_LETTER})\)?)$"
)
_PARTY_WITH_LETTER = re.compile(rf"^(?P<name>.+?)\s*\((?P<letter>{_LETTER})\)$")
_PARTY_FOLDED = {name.casefold(): letter for name, letter in PARTY_NAMES.items()}


@dataclass(frozen=True)
class DecisionReading:
    text: str
    outcome: str
    subject_outcomes: tuple[tuple[str, str], ...]
    votes: tuple[t.Vote, ...]
    bloc_votes: tuple[t.BlocVote, ...]
    absences: tuple[t.MeetingAbsence, ...]
    other_committees: tuple[t.OtherCommitteeDecision, ...]
    tallies: tuple[t.Tally, ...] = ()
    protocol_notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Sentence:
    text: str  # whitespace as single spaces, as votes quote it
    lines: str  # the same with its line breaks (a list may print one name a line)
    line: int
    group: int  # lines run together up to a blank line or a line that starts a list


@dataclass(frozen=True)
class _Listed:
    """A vote list line read: its position, subject (when the label names it), count and entries."""

    position: str
    subject: str
    count: int | None
    parties: tuple[str, ...]
    people: tuple[tuple[str, str, str], ...]


def _sentences(text: str, first_line: int) -> list[_Sentence]:
    """Split decision text into sentences with their lines. Sentences never span a blank line, and a
    line that starts a vote or absence list starts a sentence (the lists often have no full stops)."""
    result: list[_Sentence] = []
    group: list[tuple[str, int]] = []
    index = 0
    mode: str | None = None

    def flush() -> None:
        nonlocal index
        if not group:
            return
        offsets, joined = [], ""
        for line_text, number in group:
            if joined:
                joined += "\n"
            offsets.append((len(joined), number))
            joined += line_text.strip()
        starts = [offset for offset, _ in offsets]
        position = 0
        pieces = []
        for match in _SENTENCE_END.finditer(joined):
            # Only the end of the text before the break can be an abbreviation (at most 8
            # characters, anchored at the end): searching all of it at every break made reading
            # quadratic (a 3.3 MB paragraph of 1 600 sentences an item took 91 s).
            if _NO_BREAK_BEFORE.search(joined[max(0, match.start() - _ABBREVIATION_WINDOW) : match.start()]):
                continue
            pieces.append((position, joined[position : match.start()]))
            position = match.end()
        pieces.append((position, joined[position:]))
        for start, piece in pieces:
            for offset, part in _split_inline_lists(piece):
                stripped = part.strip()
                if stripped:
                    at = start + offset + len(part) - len(part.lstrip())
                    line = offsets[bisect_right(starts, at) - 1][1]
                    result.append(_Sentence(re.sub(r"\s*\n\s*", " ", stripped), stripped, line, index))
        group.clear()
        index += 1

    for offset, raw in enumerate(text.split("\n")):
        if not raw.strip():
            flush()
            mode = None
            continue
        line_text = _MARKUP.sub("", raw)
        plain = line_text.strip()
        starts_as = _line_start(plain)
        if starts_as is not None:
            flush()
            mode = starts_as
        elif mode and not _continues(group, plain):
            flush()
            mode = None
        group.append((line_text, first_line + offset))
    flush()
    return result


def _line_start(plain: str) -> str | None:
    """ "list" for a line that starts a vote or absence list, "" for a protocol note, else None."""
    if _read_list(plain) is not None or _absence_head(plain) is not None:
        return "list"
    if _NOTE_LINE.match(plain):
        return ""
    return None


def _continues(group: list[tuple[str, int]], plain: str) -> bool:
    """Whether a line continues the list on the lines before it (a wrapped or one-name-a-line list)."""
    so_far = " ".join(text.strip() for text, _ in group)
    if so_far.count("(") > so_far.count(")") or re.search(r"(?:[,(&]|\bog)$", so_far):
        return True
    if plain[:1].isdigit() or plain[:1] in "(,)" or re.match(r"og\b", plain):
        return True
    content = _list_content(plain)
    return content is not None and bool(content[1] or content[2])


def _split_inline_lists(piece: str) -> list[tuple[int, str]]:
    """(offset, text) of the lists in a sentence that starts with one; [(0, piece)] otherwise."""
    if not _LIST.match(piece) or _read_list(piece) is None:
        return [(0, piece)]
    parts, position = [], 0
    for match in _INLINE_LIST.finditer(piece):
        before = piece[position : match.start()]
        if before.count("(") != before.count(")"):
            continue
        parts.append((position, before))
        position = match.end()
    parts.append((position, piece[position:]))
    return parts


def _capitalize_role(raw: str) -> str:
    return _ROLES[raw.lower()]


def _party_of(chunk: str) -> str | None:
    """The letter of a list entry that names a party ("V", "(Ø)", "Liste B", "Dansk Folkeparti (O)")."""
    chunk = chunk.strip().rstrip(".").strip()
    if match := _PARTY_FORM.match(chunk):
        return match["list"] or match["group"] or match["letter"]
    if (match := _PARTY_WITH_LETTER.match(chunk)) and match["name"].casefold() in _PARTY_FOLDED:
        return match["letter"]  # the letter as printed
    return _PARTY_FOLDED.get(chunk.casefold())


def _people(who: str) -> list[tuple[str, str, str]] | None:
    """Split "Rådmand A (F) og udvalgsmedlem B (V)" into (name, party, role); None if not names."""
    chunks = [c.strip() for c in re.split(r"\s*,\s*|\s+og\s+", who) if c.strip()]
    people, role = [], ""
    for chunk in chunks:
        if match := _ROLE_PREFIX.match(chunk):
            role, chunk = _capitalize_role(match["role"]), match["rest"]
        # A party is never a person ("Dansk Folkeparti stemmer imod").
        if _party_of(chunk) or _PARTYISH.search(chunk):
            return None
        match = _NAME.match(chunk)
        if not match:
            return None
        people.append((match["name"], match["party"] or "", role))
    return people or None


def _bloc(who: str) -> tuple[tuple[str, ...], str] | None:
    """Party letters (and flertal/mindretal) of a vote by parties rather than people."""
    if match := _BLOC.match(who):
        return tuple(re.findall(_LETTER, match["letters"])), match["label"].lower()
    if match := _LETTERS.match(who):
        return tuple(re.findall(_LETTER, match["letters"])), ""
    # Party names, "Liste B", "Listerne A og F", and letters in parentheses: "(Ø)", "(A, F)".
    inner = who[1:-1] if who.startswith("(") and who.endswith(")") else who
    chunks = [c.strip() for c in re.split(r"\s*,\s*|\s+og\s+", inner) if c.strip()]
    letters = [_party_of(c) for c in chunks]
    if chunks and all(letters):
        return tuple(dict.fromkeys(letter for letter in letters if letter)), ""
    return None


def _split_items(text: str) -> list[str]:
    """List entries, split at commas, semicolons, line breaks and "og" outside parentheses."""
    items, depth, start = [], 0, 0
    for match in _ITEM_SEPARATOR.finditer(text):
        token = match.group()
        if token == "(":
            depth += 1
        elif token == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            items.append(text[start : match.start()])
            start = match.end()
    items.append(text[start:])
    return [re.sub(r"^(?:og|samt)\s+", "", item.strip()) for item in items if item.strip()]


def _list_content(rest: str) -> tuple[int | None, tuple[str, ...], tuple[tuple[str, str, str], ...]] | None:
    """(count, party letters, people) of a list's entries; None when an entry is neither party nor person."""
    rest = rest.strip().rstrip(".;").strip()
    count = None
    if match := re.match(r"^(\d+)\b(?:\s+(?:stemmer|medlemmer))?\s*(?=\(|$)(.*)$", rest, re.S):
        count, rest = int(match[1]), match[2].strip()
    elif match := re.match(r"^(.*?)\s*\((?:i\s+alt\s+)?(\d+)(?:\s+(?:stemmer|medlemmer))?\)$", rest, re.S):
        rest, count = match[1], int(match[2])
    if rest.startswith("(") and rest.endswith(")") and _closing(rest) == len(rest) - 1:
        rest = rest[1:-1].strip()
    parties: list[str] = []
    people: list[tuple[str, str, str]] = []
    carried = ""  # "Udvalgsmedlemmerne A, B og C": the plural role names every entry after it
    for item in _split_items(rest):
        item = item.rstrip(".").strip()
        if item.casefold() in _NOBODY:
            continue
        if letter := _party_of(item):
            if letter not in parties:
                parties.append(letter)
            continue
        if _PARTYISH.search(item):
            return None  # a party we do not know: never a person
        role = carried
        if match := _ROLE_PREFIX.match(item):
            role, item = _capitalize_role(match["role"]), match["rest"]
            carried = role if match["role"].lower().endswith(("erne", "ene")) else ""
        match = _NAME.match(item)
        if not match:
            return None
        people.append((match["name"], match["party"] or "", role))
    return count, tuple(parties), tuple(people)


def _closing(text: str) -> int:
    """Index of the parenthesis closing the one `text` starts with (-1 when unbalanced)."""
    depth = 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return index
    return -1


def _list_position(label: str) -> str:
    label = label.lower()
    if label.startswith("for"):
        return t.FOR if not label.startswith("forbehold") else t.RESERVATION
    if label.startswith(("imod", "mod")):
        return t.AGAINST
    if "forbehold" in label:
        return t.RESERVATION
    return t.ABSTAIN


def _read_list(text: str) -> _Listed | bool | None:
    """A vote list line: _Listed; False for a list line whose entries cannot be read; None if no list."""
    match = _LIST.match(text)
    if not match:
        return None
    label, rest = match["label"], match["rest"]
    # Only a colon makes the label certain; otherwise a count or "stemte" and readable entries must.
    certain = bool(match["colon"])
    if not certain and not (
        (match["count"] and (not rest or rest.startswith("("))) or (re.search(r"stem", label) and rest)
    ):
        return None
    content = _list_content(rest)
    if content is None:
        return False if certain else None
    count, parties, people = content
    if match["count"]:
        count = int(match["count"])
    return _Listed(_list_position(label), _subject(match["subject"]), count, parties, people)


def _absence_head(text: str) -> tuple[bool, str, bool] | None:
    """(meeting-level, entries, certain) of an absence list sentence, None when it is none."""
    if match := _ABSENT_FOLLOWING.match(text):
        where = match["where"].lower()
        meeting = "mødet" in where and not re.search(r"behandling|punkt|sag", where)
        return meeting, match["rest"], True
    if match := _ABSENT_LABEL.match(text):
        certain = bool(match["colon"] or match["from"] or not match["rest"])
        if certain or (_list_content(match["rest"]) or (None, (), ()))[2]:
            return False, match["rest"], certain
    return None


def _subject(raw: str | None) -> str:
    raw = (raw or "").strip().rstrip(".").strip()
    return raw[:1].lower() + raw[1:]


def _position(verb: str, rest: str) -> tuple[str, str] | None:
    """(position, subject) for a vote verb phrase, or None when it is not a vote."""
    verb = re.sub(r"\s+", " ", verb.lower())
    if verb in ("stemmer", "stemte"):
        if match := _FOR_AGAINST.match(rest):
            return (t.FOR if match["pos"].lower() == "for" else t.AGAINST), _subject(match["subject"])
        return None
    if verb in ("undlader", "undlod"):
        if match := _ABSTAIN.match(rest):
            return t.ABSTAIN, _subject(match["subject"])
        return None
    if verb in ("tager", "tog"):
        if match := _RESERVATION.match(rest):
            return t.RESERVATION, _subject(match["subject"])
        return None
    if verb in ("deltog ikke", "deltager ikke"):
        if _ITEM_ABSENCE.match(rest):
            return t.ABSENT, ""
        if _MEETING_ABSENCE.match(rest):
            return "meeting", ""
        return None
    # "var fraværende", "havde afbud", …: absent from the meeting unless the item is named.
    return (t.ABSENT, "") if _ITEM_ABSENCE.search(rest) else ("meeting", "")


def _counts(text: str, outcome: str) -> dict[str, int] | None:
    """Counts after a verdict ("med 42 stemmer mod 4"), {} when it gives none, None when unreadable.

    Numbers without a side ("42 stemmer mod 4") are the winning side's and the losing side's: the
    larger is for when approved, against when rejected ("forkastet med 39 stemmer imod 5")."""
    match = _COUNTS.match(text)
    if not match:
        return None if re.match(r"^\s*(?:enstemmigt\s+)?med\s+\d", text, re.I) else {}
    counts: dict[str, int] = {}
    loose: list[int] = []
    for item in _COUNT_ITEM.finditer(match["counts"]):
        if not item["side"]:
            loose.append(int(item["n"]))
            continue
        side = item["side"].lower()
        if re.match(r"(?:undl|hverken|stemte\s+hverken|blank)", side):
            position = t.ABSTAIN
        else:
            position = t.FOR if side.endswith("for") else t.AGAINST
        if position in counts:
            return None
        counts[position] = int(item["n"])
    winner, loser = (t.AGAINST, t.FOR) if outcome == t.REJECTED else (t.FOR, t.AGAINST)
    open_sides = [side for side in (winner, loser) if side not in counts]
    if len(loose) > len(open_sides):
        return None
    if len(loose) == 2:
        counts[winner], counts[loser] = max(loose), min(loose)
    elif loose:
        counts[open_sides[0]] = loose[0]
    return counts


@dataclass(frozen=True)
class _Verdict:
    subject: str
    outcome: str
    counts: dict[str, int] | None  # None: printed but not readable
    stated: bool  # a verdict on the item's own subject
    own: bool  # read by the outcome rules too


def _read_verdict(sentence: str) -> _Verdict | None:
    """A sentence stating a subject's fate, with the counts it prints."""
    if match := _SUBJECT_OUTCOME.match(sentence):
        # Odense's forms, read as before (no stated verdict); a count after them is a tally.
        subject = _subject(match["subject"])
        outcome = _SUBJECT_VERBS[re.sub(r"\s+", " ", match["verb"].lower())]
        # An amendment's fate is not the item's outcome.
        own = not match["subject"].lower().startswith(("ændringsforslag", "model"))
        return _Verdict(subject, outcome, _counts(sentence[match.end() :], outcome) or {}, False, own)
    match = _VERDICT.match(sentence)
    if not match:
        return None
    subject, verb, tail = _subject(match["subject"]), match["verb"].lower(), match["tail"]
    if (not subject or verb == "faldt") and not _PLAIN_TAIL.match(tail):
        return None
    outcome = _VERDICT_VERBS[verb]
    negated = bool(match["negation"]) or bool(re.match(r"^\s+ikke\b", tail, re.I))
    if negated:
        if outcome == t.REJECTED:
            return None  # "ikke forkastet": no verdict we can name
        outcome = t.REJECTED
        tail = re.sub(r"^\s+ikke\b", "", tail, flags=re.I)
    own = not negated and not subject.startswith(("ændringsforslag", "model"))
    return _Verdict(subject, outcome, _counts(tail, outcome), subject in _MAIN_SUBJECTS, own)


@dataclass
class _Block:
    """Consecutive vote sentences on one subject: lists, a verdict and their counts (one Tally)."""

    line: int
    subject: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    sides: set[str] = field(default_factory=set)
    sentences: list[str] = field(default_factory=list)
    votes: list[int] = field(default_factory=list)
    blocs: list[int] = field(default_factory=list)
    verdict: bool = False


class _Reader:
    """One decision text read sentence by sentence; see read_decision."""

    def __init__(self, committee: str, warnings: list[t.ParseWarning]):
        self.own_name = committee.casefold()
        self.warnings = warnings
        self.votes: list[t.Vote] = []
        self.blocs: list[t.BlocVote] = []
        self.absences: list[t.MeetingAbsence] = []
        self.others: list[t.OtherCommitteeDecision] = []
        self.tallies: list[t.Tally] = []
        self.notes: list[str] = []
        self.subject_outcomes: dict[str, str] = {}
        self.stated: list[tuple[str, str]] = []  # verdicts on the item's own subject, in order
        self.own: list[str] = []
        self.block: _Block | None = None
        self.previous: _Block | None = None  # the block closed right before this one

    # Blocks -------------------------------------------------------------------------------------

    def open(self, line: int, subject: str | None = None) -> _Block:
        self.close()
        self.block = _Block(line, subject)
        return self.block

    def close(self, *, adjacent: bool = True) -> None:
        block, self.block = self.block, None
        if block is None:
            if not adjacent:
                self.previous = None
            return
        # Lists with no verdict after them are about the verdict right before them, if any.
        if block.subject is None and not block.verdict and self.previous and self.previous.verdict:
            block.subject = self.previous.subject
        subject = block.subject or ""
        for index in block.votes:
            if not self.votes[index].subject:
                self.votes[index] = replace(self.votes[index], subject=subject)
        for index in block.blocs:
            if not self.blocs[index].subject:
                self.blocs[index] = replace(self.blocs[index], subject=subject)
        if block.counts:
            self.tallies.append(
                t.Tally(
                    subject,
                    block.counts.get(t.FOR),
                    block.counts.get(t.AGAINST),
                    block.counts.get(t.ABSTAIN),
                    " ".join(block.sentences),
                    block.line,
                )
            )
        self.previous = block if adjacent else None

    def verdict(self, sentence: str, line: int, subject: str, counts: dict[str, int]) -> None:
        """A verdict ends the lists before it, or opens a block when it has counts (lists may follow)."""
        block = self.block
        if block is not None and not block.verdict and (block.subject in (None, subject) or not subject):
            if subject:
                block.subject = subject
            for side, count in counts.items():
                block.counts.setdefault(side, count)
            block.sentences.append(sentence)
            block.verdict = True
        elif counts:
            block = self.open(line, subject)
            block.counts.update(counts)
            block.sentences.append(sentence)
            block.verdict = True
        else:
            self.close()
            # Lists right after a verdict without counts are about its subject, unless a verdict follows.
            self.previous = _Block(line, subject, verdict=True)

    # Sentences ----------------------------------------------------------------------------------

    def read(self, units: list[_Sentence]) -> None:
        index = 0
        while index < len(units):
            unit = units[index]
            index += 1
            if _NOTE.search(unit.text):
                index = self.note(units, index - 1)
                continue
            self.sentence(unit)
        self.close()

    def note(self, units: list[_Sentence], index: int) -> int:
        """Keep a protocol note as printed; returns the index of the first sentence after it."""
        self.close(adjacent=False)
        unit = units[index]
        parts, index = [unit.text], index + 1
        if _NOTE_LABEL.search(unit.text):
            # The note runs to the end of its paragraph, or is the next paragraph after a bare label.
            while index < len(units) and units[index].group == unit.group:
                parts.append(units[index].text)
                index += 1
            note = " ".join(parts)
            if note.endswith(":") and index < len(units):
                group, following = units[index].group, []
                while index < len(units) and units[index].group == group:
                    following.append(units[index].text)
                    index += 1
                note += "\n\n" + " ".join(following)
            self.notes.append(note)
        else:
            self.notes.append(unit.text)
        return index

    def sentence(self, unit: _Sentence) -> None:
        sentence, line = unit.text, unit.line
        if match := _COMMITTEE_SENTENCE.match(sentence):
            name = match["committee"].strip()
            if name.casefold() not in (self.own_name, "udvalget") and not name.casefold().endswith(self.own_name):
                self.close(adjacent=False)
                self.others.append(t.OtherCommitteeDecision(name, sentence, line))
                return
        listed = _read_list(unit.lines)
        if listed is False:
            self.close(adjacent=False)
            self.warnings.append(t.ParseWarning(line, f"vote sentence not understood: {sentence!r}"))
            return
        if listed is not None:
            self.listed(unit, listed)
            return
        if self.absence(unit):
            return
        if match := _ABSTAIN_COUNT.match(sentence):
            block = self.block or self.open(line)
            n = 0 if match["n"].lower() == "ingen" else int(match["n"])
            block.counts.setdefault(t.ABSTAIN, n)
            block.sentences.append(sentence)
            return
        if match := _VOTE_HEADER.match(sentence):
            self.open(line, _subject(match["subject"] or match["subject2"])).sentences.append(sentence)
            return
        # Counted verdicts first: "Forslaget blev forkastet med 39 stemmer imod 5" is no one's vote.
        if self.subject_verdict(sentence, line, counted=True):
            return
        if self.vote(sentence, line):
            return
        if self.subject_verdict(sentence, line):
            return
        self.close(adjacent=False)
        for match in _COMMITTEE_ON_SUBJECT.finditer(sentence):
            subject = _subject(match["subject"])
            outcome = _SUBJECT_VERBS[match["verb"].lower()]
            self.subject_outcomes.setdefault(subject, outcome)
            # "Udvalget godkender indstillingen med 5 stemmer mod 2."
            counts = _counts(sentence[match.end() :], outcome)
            if counts:
                self.verdict(sentence, line, subject, counts)
        self.own.append(sentence)

    def listed(self, unit: _Sentence, listed: _Listed) -> None:
        block = self.block
        joins = (
            block is not None
            and listed.position not in block.sides
            and (not listed.subject or block.subject in (None, listed.subject))
            # After a verdict only a list that repeats its count details that verdict.
            and (not block.verdict or (listed.count is not None and block.counts.get(listed.position) == listed.count))
        )
        if not joins:
            block = self.open(unit.line, listed.subject or None)
        assert block is not None
        if listed.subject and block.subject is None:
            block.subject = listed.subject
        block.sides.add(listed.position)
        block.sentences.append(unit.text)
        if listed.count is not None and listed.position in _TALLIED:
            block.counts.setdefault(listed.position, listed.count)
        if listed.parties:
            block.blocs.append(len(self.blocs))
            self.blocs.append(t.BlocVote(listed.parties, "", listed.position, "", unit.text, unit.line))
        for name, party, role in listed.people:
            block.votes.append(len(self.votes))
            self.votes.append(t.Vote(name, party, role, listed.position, "", unit.text, unit.line))

    def absence(self, unit: _Sentence) -> bool:
        """An absence list ("Følgende deltog ikke i behandlingen af punktet:", "Fraværende: …").

        "Fraværende:" and "Afbud" inside an item's decision are read as absence from this item: the
        meeting's member list records whole-meeting absence on its own, and the decision text only
        says who was missing when this item was treated."""
        head = _absence_head(unit.lines)
        if head is None:
            return False
        meeting, rest, certain = head
        content = _list_content(rest)
        if content is None or (meeting and content[1]):
            if certain:
                self.warnings.append(t.ParseWarning(unit.line, f"vote sentence not understood: {unit.text!r}"))
                return True
            return False
        _, parties, people = content
        for name, party, role in people:
            if meeting:
                self.absences.append(t.MeetingAbsence(name, party, role, unit.text, unit.line))
            else:
                self.votes.append(t.Vote(name, party, role, t.ABSENT, "", unit.text, unit.line))
        if parties:
            self.blocs.append(t.BlocVote(parties, "", t.ABSENT, "", unit.text, unit.line))
        return True

    def vote(self, sentence: str, line: int) -> bool:
        """Odense's "<names> <verb> …" sentences and the bloc forms ("Liste B stemte imod", "(Ø) stemte imod")."""
        reading = None
        if match := _VOTE.match(sentence):
            reading = _position(match["verb"], match["rest"])
            who = match["who"]
        if reading is None and (match := _INHABLE_SENTENCE.match(sentence)) and _people(match["who"]):
            reading, who = (t.ABSENT, ""), match["who"]
        if reading is None:
            return False
        position, subject = reading
        if position == t.ABSENT:
            who = _INHABLE.sub("", who)
        block = self.block
        if block is not None and (position not in _TALLIED or (subject and block.subject not in (None, subject))):
            self.close()
            block = None
        if people := _people(who):
            for name, party, role in people:
                if position == "meeting":
                    self.absences.append(t.MeetingAbsence(name, party, role, sentence, line))
                else:
                    if block is not None and not subject:
                        block.votes.append(len(self.votes))
                    self.votes.append(t.Vote(name, party, role, position, subject, sentence, line))
            return True
        if (bloc := _bloc(who)) and position != "meeting":
            if block is not None and not subject:
                block.blocs.append(len(self.blocs))
            self.blocs.append(t.BlocVote(bloc[0], bloc[1], position, subject, sentence, line))
            return True
        self.warnings.append(t.ParseWarning(line, f"vote sentence not understood: {sentence!r}"))
        return True

    def subject_verdict(self, sentence: str, line: int, *, counted: bool = False) -> bool:
        """ "Indstillingen godkendes", "Indstillingen blev godkendt med 42 stemmer mod 4", "Forslaget faldt".

        With `counted`, only a verdict that prints counts: those are read before vote sentences
        ("… med 20 stemmer for og 5 imod" is no one's vote); the others after them, as before."""
        verdict = _read_verdict(sentence)
        if verdict is None or (counted and not verdict.counts):
            return False
        if verdict.counts is None:
            self.warnings.append(t.ParseWarning(line, f"vote sentence not understood: {sentence!r}"))
        if verdict.subject:
            self.subject_outcomes[verdict.subject] = verdict.outcome
        if verdict.stated:
            self.stated.append((verdict.subject, verdict.outcome))
        if verdict.own:
            self.own.append(sentence)
        self.verdict(sentence, line, verdict.subject, verdict.counts or {})
        return True

    def outcome(self) -> str:
        joined = " ".join(self.own)
        outcome = t.NO_DECISION
        if joined:
            outcome = next((name for name, rule in _OUTCOME_RULES if rule.search(joined)), t.NO_DECISION)
        if not self.stated:
            return outcome
        # A verdict on the recommendation itself decides; else the last verdict on the item's subject.
        stated = next((o for s, o in reversed(self.stated) if s == "indstillingen"), self.stated[-1][1])
        # The rules' more specific readings of an approval stand ("godkendt med tilføjelse …").
        if (outcome, stated) in ((t.APPROVED_WITH_CHANGES, t.APPROVED), (t.RECOMMENDED, t.APPROVED)):
            return outcome
        return stated


def read_decision(text: str, *, first_line: int, committee: str, warnings: list[t.ParseWarning]) -> DecisionReading:
    """Classify a decision's sentences into votes, tallies, absences, protocol notes, other
    committees and an outcome."""
    reader = _Reader(committee, warnings)
    reader.read(_sentences(text, first_line))
    return DecisionReading(
        text="\n\n".join(p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()),
        outcome=reader.outcome(),
        subject_outcomes=tuple(reader.subject_outcomes.items()),
        votes=tuple(reader.votes),
        bloc_votes=tuple(reader.blocs),
        absences=tuple(reader.absences),
        other_committees=tuple(reader.others),
        tallies=tuple(reader.tallies),
        protocol_notes=tuple(reader.notes),
    )
