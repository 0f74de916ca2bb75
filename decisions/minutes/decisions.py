"""Read a "Beslutning" section: its outcome, its vote sentences and its absences."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from . import types as t

# Party names as decision sentences print them ("Venstre og Konservative stemmer for …").
PARTY_NAMES = {
    "Socialdemokratiet": "A",
    "Socialdemokraterne": "A",
    "Radikale Venstre": "B",
    "Radikale": "B",
    "Det Konservative Folkeparti": "C",
    "Konservative": "C",
    "De Konservative": "C",
    "Nye Borgerlige": "D",
    "SF": "F",
    "Socialistisk Folkeparti": "F",
    "Liberal Alliance": "I",
    "Kristendemokraterne": "K",
    "Moderaterne": "M",
    "Dansk Folkeparti": "O",
    "Venstre": "V",
    "Danmarksdemokraterne": "Æ",
    "Enhedslisten": "Ø",
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
_ITEM_ABSENCE = re.compile(
    r"^i\s+(?:behandlingen|behandling)\s+af\s+(?:dette\s+punkt|denne\s+sag|sagen|punktet|dette\s+dagsordenspunkt)",
    re.IGNORECASE,
)
_MEETING_ABSENCE = re.compile(r"^i\s+mødet\b|^$", re.IGNORECASE)
_BLOC = re.compile(
    rf"^et\s+(?P<label>flertal|mindretal)\s*(?:bestående\s+af\s+|\(\s*|:\s*)?(?P<letters>{_LETTER}(?:\s*,\s*{_LETTER})*(?:\s+og\s+{_LETTER})?)\s*\)?$",
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
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"”A-ZÆØÅ])")
_NO_BREAK_BEFORE = re.compile(
    r"(?:\b[A-ZÆØÅ]|\bbl\.a|\bevt|\bmv|\bfx|\bf\.eks|\bjf|\bca|\bkr|\bnr|\bpkt|\bstk|\bmio|\bmia|\bhhv|\binkl|\bekskl)\.$"
)


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


def _sentences(text: str, first_line: int) -> list[tuple[str, int]]:
    """Split decision text into (sentence, line) pairs; a paragraph never spans a blank line."""
    result: list[tuple[str, int]] = []
    paragraph: list[tuple[str, int]] = []

    def flush() -> None:
        if not paragraph:
            return
        offsets, joined = [], ""
        for line_text, number in paragraph:
            if joined:
                joined += " "
            offsets.append((len(joined), number))
            joined += line_text.strip()
        starts = [offset for offset, _ in offsets]
        position = 0
        pieces = []
        for match in _SENTENCE_END.finditer(joined):
            if _NO_BREAK_BEFORE.search(joined[: match.start()]):
                continue
            pieces.append((position, joined[position : match.start()]))
            position = match.end()
        pieces.append((position, joined[position:]))
        for start, sentence in pieces:
            if sentence.strip():
                result.append((sentence.strip(), offsets[bisect_right(starts, start) - 1][1]))
        paragraph.clear()

    for offset, line_text in enumerate(text.split("\n")):
        if line_text.strip():
            paragraph.append((_MARKUP.sub("", line_text), first_line + offset))
        else:
            flush()
    flush()
    return result


def _capitalize_role(raw: str) -> str:
    return _ROLES[raw.lower()]


def _people(who: str) -> list[tuple[str, str, str]] | None:
    """Split "Rådmand A (F) og udvalgsmedlem B (V)" into (name, party, role); None if not names."""
    chunks = [c.strip() for c in re.split(r"\s*,\s*|\s+og\s+", who) if c.strip()]
    people, role = [], ""
    for chunk in chunks:
        if match := _ROLE_PREFIX.match(chunk):
            role, chunk = _capitalize_role(match["role"]), match["rest"]
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
    chunks = [c.strip() for c in re.split(r"\s*,\s*|\s+og\s+", who) if c.strip()]
    if chunks and all(c in PARTY_NAMES for c in chunks):
        return tuple(PARTY_NAMES[c] for c in chunks), ""
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


def read_decision(text: str, *, first_line: int, committee: str, warnings: list[t.ParseWarning]) -> DecisionReading:
    """Classify a decision's sentences into votes, absences, other committees and an outcome."""
    votes: list[t.Vote] = []
    blocs: list[t.BlocVote] = []
    absences: list[t.MeetingAbsence] = []
    others: list[t.OtherCommitteeDecision] = []
    subject_outcomes: dict[str, str] = {}
    own: list[str] = []
    own_name = committee.casefold()

    for sentence, line in _sentences(text, first_line):
        if match := _COMMITTEE_SENTENCE.match(sentence):
            name = match["committee"].strip()
            if name.casefold() not in (own_name, "udvalget") and not name.casefold().endswith(own_name):
                others.append(t.OtherCommitteeDecision(name, sentence, line))
                continue
        if (match := _VOTE.match(sentence)) and (reading := _position(match["verb"], match["rest"])):
            position, subject = reading
            who = match["who"]
            if people := _people(who):
                for name, party, role in people:
                    if position == "meeting":
                        absences.append(t.MeetingAbsence(name, party, role, sentence, line))
                    else:
                        votes.append(t.Vote(name, party, role, position, subject, sentence, line))
                continue
            if (bloc := _bloc(who)) and position != "meeting":
                blocs.append(t.BlocVote(bloc[0], bloc[1], position, subject, sentence, line))
                continue
            warnings.append(t.ParseWarning(line, f"vote sentence not understood: {sentence!r}"))
            continue
        if match := _SUBJECT_OUTCOME.match(sentence):
            subject_outcomes[_subject(match["subject"])] = _SUBJECT_VERBS[re.sub(r"\s+", " ", match["verb"].lower())]
            # An amendment's fate is not the item's outcome.
            if not match["subject"].lower().startswith(("ændringsforslag", "model")):
                own.append(sentence)
            continue
        for match in _COMMITTEE_ON_SUBJECT.finditer(sentence):
            subject_outcomes.setdefault(_subject(match["subject"]), _SUBJECT_VERBS[match["verb"].lower()])
        own.append(sentence)

    joined = " ".join(own)
    outcome = t.NO_DECISION
    if joined:
        outcome = next((name for name, rule in _OUTCOME_RULES if rule.search(joined)), t.NO_DECISION)
    return DecisionReading(
        text="\n\n".join(p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()),
        outcome=outcome,
        subject_outcomes=tuple(subject_outcomes.items()),
        votes=tuple(votes),
        bloc_votes=tuple(blocs),
        absences=tuple(absences),
        other_committees=tuple(others),
    )
