"""The one write path: parsed minutes into the database, one transaction per meeting."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity
from django.core.files.base import ContentFile
from django.db import OperationalError, connection, transaction
from django.db.models import Count
from django.utils.text import slugify
from psycopg.errors import ProgramLimitExceeded

from decisions.alerts.subscriptions import move_person_alerts
from decisions.minutes import MinutesError, odense, parse_case_number
from decisions.minutes import types as minutes
from decisions.minutes.attachments import extract_text
from decisions.models import (
    AgendaItem,
    Attachment,
    BlocVote,
    Case,
    Committee,
    Kind,
    Meeting,
    MeetingAbsence,
    MeetingMember,
    Membership,
    Municipality,
    Person,
    PersonAlias,
    PersonSlugRedirect,
    Vote,
)
from decisions.municipalities import OFFICIAL_CODES
from decisions.search import bump_archive_generation
from decisions.signals import bumps_deferred

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
# ingest_meeting(replace=False) found the meeting with another file and left it alone.
NOT_REPLACED = "not_replaced"
# An agenda arrived for a meeting whose minutes the archive has: minutes are never replaced by one.
KEPT_MINUTES = "kept_minutes"
_DANISH_TRANSLITERATION = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


def danish_slug(text: str) -> str:
    """A URL slug that keeps Danish letters readable (Ørbæk → oerbaek)."""
    return slugify(text.translate(_DANISH_TRANSLITERATION))[:190] or "x"


# PersonNote kinds: a printed name linked to a known person as another spelling; a printed
# name that made a new person although the same name is known with another party.
LINKED_SPELLING, POSSIBLE_DUPLICATE = "linked_spelling", "possible_duplicate"


@dataclass(frozen=True)
class PersonNote:
    """What the person resolver decided that an editor may want to check."""

    kind: str  # LINKED_SPELLING or POSSIBLE_DUPLICATE
    name: str  # as printed
    party: str  # as printed
    other: str  # the known person it was linked to or resembles, "Name (P)"

    def __str__(self) -> str:
        if self.kind == LINKED_SPELLING:
            return f"{self.name} ({self.party}) linked to {self.other} as another spelling"
        return f"possible duplicate person: {self.name} ({self.party or '?'}) also seen in another party"


@dataclass
class IngestResult:
    """What one meeting's ingest did (or would do, on a dry run)."""

    status: str
    meeting: Meeting | None
    parsed: minutes.Meeting
    items: int = 0
    votes: int = 0
    new_persons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    person_notes: list[PersonNote] = field(default_factory=list)
    # Attachment files that a replaced meeting had and the new minutes no longer list (by title).
    dropped_attachment_files: list[str] = field(default_factory=list)


def read_minutes_file(data: bytes, *, name: str) -> tuple[str, minutes.Meeting, list[minutes.ParseWarning]]:
    """Bytes of a .txt (or .pdf) minutes file to its text and parsed meeting; MinutesError if not."""
    reading = odense.read_bytes(data, name=name, max_bytes=settings.ARCHIVE_MAX_MINUTES_BYTES)
    return reading.source_text, reading.meeting, list(reading.warnings)


def ingest_file(path: Path, *, dry_run: bool = False, municipality: Municipality | str | None = None) -> IngestResult:
    """Ingest one Odense-style minutes file (.txt or .pdf) from disk."""
    size = path.stat().st_size
    if size > settings.ARCHIVE_MAX_MINUTES_BYTES:
        limit = settings.ARCHIVE_MAX_MINUTES_BYTES
        raise MinutesError(f"the file is {size / 1e6:.1f} MB, over the limit of {limit / 1e6:.0f} MB")
    return ingest_bytes(path.read_bytes(), name=path.name, dry_run=dry_run, municipality=municipality)


def ingest_bytes(
    data: bytes,
    *,
    name: str,
    dry_run: bool = False,
    replace: bool = True,
    municipality: Municipality | str | None = None,
) -> IngestResult:
    """Read, parse and ingest one minutes file given as bytes (upload or disk); keeps the original.

    replace=False leaves an existing meeting with another file alone (status NOT_REPLACED).
    """
    reading = odense.read_bytes(data, name=name, max_bytes=settings.ARCHIVE_MAX_MINUTES_BYTES)
    return ingest_reading(reading, dry_run=dry_run, replace=replace, municipality=municipality)


def read_source(reader: ModuleType, path: Path) -> list[minutes.Reading]:
    """What a reader (decisions.minutes.formats) reads from `path`, under the archive's size
    limit for a minutes file (ARCHIVE_MAX_MINUTES_BYTES; the exports' readers have their own)."""
    if reader is odense:
        return odense.read(path, max_bytes=settings.ARCHIVE_MAX_MINUTES_BYTES)
    return reader.read(path)


def ingest_reading(
    reading: minutes.Reading,
    *,
    municipality: Municipality | str | None = None,
    dry_run: bool = False,
    replace: bool = True,
    people: PersonResolver | None = None,
) -> IngestResult:
    """Ingest one meeting as any reader read it (decisions.minutes.formats), keeping its source.

    Odense's file (text or PDF) is what the municipality published, and is offered for download.
    An export's XML is not: it holds its closed items' text, members' e-mail addresses, other
    meetings (a Publication file can hold several), so it only identifies the source (SHA-256)
    and the page offers the text the reader made of the meeting."""
    published = reading.meeting.source_format == odense.FORMAT
    result = ingest_meeting(
        reading.meeting,
        municipality=municipality,
        source_name=reading.source_name,
        source_text=reading.source_text,
        sha256=hashlib.sha256(reading.original).hexdigest(),
        dry_run=dry_run,
        original=reading.original if published else None,
        replace=replace,
        people=people,
    )
    result.warnings[:0] = [str(w) for w in reading.warnings]
    return result


def get_municipality(name: str) -> Municipality:
    """The municipality (or region) of this name, created on first use with its official code."""
    name = " ".join(name.split())
    if not name:
        raise MinutesError("the municipality has no name")
    found = Municipality.objects.filter(name__iexact=name).first()
    if found is not None:
        return found
    base = danish_slug(name)
    slug, n = base, 2
    while Municipality.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return Municipality.objects.create(name=name, slug=slug, code=OFFICIAL_CODES.get(name))


def default_municipality() -> Municipality:
    return get_municipality(settings.ARCHIVE_DEFAULT_MUNICIPALITY)


def _municipality_for(parsed: minutes.Meeting, given: Municipality | str | None) -> Municipality:
    """The given municipality; else the one the export names; else the archive's default. An
    export that names another municipality than the one given is refused."""
    if isinstance(given, str):
        given = get_municipality(given)
    if given is not None:
        if parsed.municipality and parsed.municipality.casefold() != given.name.casefold():
            raise MinutesError(f"the export is from {parsed.municipality}, not {given.name}")
        return given
    return get_municipality(parsed.municipality) if parsed.municipality else default_municipality()


class PersonResolver:
    """Finds or creates the person behind a printed name, conservatively.

    One rule links spellings: same given name, same party, surnames one edit apart
    (fixtures: "Tommy Hummellose (C)" and "Tommy Hummelose (C)"). Anything less certain
    creates a new person and leaves merging to an editor.
    """

    def __init__(self, municipality: Municipality) -> None:
        # Persons are per municipality: the same name in two municipalities is two people.
        self.municipality = municipality
        self.persons: dict[int, Person] = {p.pk: p for p in Person.objects.filter(municipality=municipality)}
        self.by_alias: dict[str, list[int]] = {}
        for alias in PersonAlias.objects.filter(person__municipality=municipality):
            self.by_alias.setdefault(alias.name, []).append(alias.person_id)
        self.new_names: list[str] = []
        self.notes: list[PersonNote] = []

    def resolve(self, name: str, party: str) -> Person:
        candidates = [self.persons[pk] for pk in self.by_alias.get(name, [])]
        exact = [p for p in candidates if p.party == party] or [p for p in candidates if not p.party or not party]
        if exact:
            person = exact[0]
            if party and not person.party:
                person.party = party
                person.save(update_fields=["party"])
            return person
        if party:
            for person in self.persons.values():
                if person.party == party and any(_one_edit_apart(name, alias) for alias in self._aliases(person)):
                    self._add_alias(person, name)
                    self.notes.append(PersonNote(LINKED_SPELLING, name, party, str(person)))
                    return person
        if candidates:
            self.notes.append(PersonNote(POSSIBLE_DUPLICATE, name, party, str(candidates[0])))
        return self._create(name, party)

    def _aliases(self, person: Person) -> list[str]:
        return [name for name, pks in self.by_alias.items() if person.pk in pks]

    def _add_alias(self, person: Person, name: str) -> None:
        PersonAlias.objects.create(person=person, name=name)
        self.by_alias.setdefault(name, []).append(person.pk)

    def _create(self, name: str, party: str) -> Person:
        person = Person.objects.create(
            municipality=self.municipality,
            name=name,
            slug=claim_person_slug(name, municipality=self.municipality),
            party=party,
        )
        self.persons[person.pk] = person
        self._add_alias(person, name)
        self.new_names.append(str(person))
        return person


def unique_person_slug(name: str, *, municipality: Municipality, exclude_pk: int | None = None) -> str:
    """A slug for a person's URL, unique in the municipality (Keld Hansen → keld-hansen, keld-hansen-2)."""
    base = danish_slug(name)
    slug, n = base, 2
    while Person.objects.filter(municipality=municipality, slug=slug).exclude(pk=exclude_pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def claim_person_slug(name: str, *, municipality: Municipality) -> str:
    """A unique slug for a new person. It may be a merged person's old slug (split_alias brings
    it back): a live person's page wins, so the redirect from that slug is dropped."""
    slug = unique_person_slug(name, municipality=municipality)
    PersonSlugRedirect.objects.filter(municipality=municipality, old_slug=slug).delete()
    return slug


def _one_edit_apart(a: str, b: str) -> bool:
    """Same given name and surnames at Levenshtein distance exactly 1."""
    given_a, _, surname_a = a.partition(" ")
    given_b, _, surname_b = b.partition(" ")
    if given_a != given_b or not surname_a or not surname_b or surname_a == surname_b:
        return False
    if abs(len(surname_a) - len(surname_b)) > 1:
        return False
    if len(surname_a) == len(surname_b):
        return sum(x != y for x, y in zip(surname_a, surname_b, strict=True)) == 1
    short, long_ = sorted((surname_a, surname_b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _cases(parsed: minutes.Meeting, municipality: Municipality) -> dict[str, Case]:
    numbers = {item.case.number: item.case for item in parsed.items if item.case and not item.closed}
    cases = Case.objects.filter(municipality=municipality, number__in=numbers)
    existing = {c.number: c for c in cases}
    missing = [
        Case(municipality=municipality, number=n, kle=c.kle, facet=c.facet, serial=c.serial, year=c.year)
        for n, c in numbers.items()
        if n not in existing
    ]
    Case.objects.bulk_create(missing, ignore_conflicts=True)
    if missing:
        existing = {c.number: c for c in cases.all()}
    return existing


def _committee(name: str, municipality: Municipality) -> Committee:
    committee = Committee.objects.filter(municipality=municipality, name=name).first()
    if committee is None:
        base = danish_slug(name)
        slug, n = base, 2
        while Committee.objects.filter(municipality=municipality, slug=slug).exists():
            slug, n = f"{base}-{n}", n + 1
        committee = Committee.objects.create(municipality=municipality, name=name, slug=slug)
    return committee


TOO_LONG_TO_INDEX = (
    "an agenda item has more distinct words than the search index can hold for one item "
    "(PostgreSQL's limit is 1 MB); shorten its attachment text or split the minutes"
)


def ingest_meeting(
    parsed: minutes.Meeting,
    *,
    source_name: str,
    source_text: str,
    sha256: str,
    dry_run: bool = False,
    people: PersonResolver | None = None,
    original: bytes | None = None,
    replace: bool = True,
    municipality: Municipality | str | None = None,
) -> IngestResult:
    """Create or replace one meeting (natural key: committee + date) in one transaction.

    An unchanged file (same SHA-256) writes nothing; a changed one replaces the meeting's
    content in place, keeping the meeting row and so its URLs, and the files an editor gave
    its attachments (matched by item number and title). With replace=False an existing
    meeting with another file is left alone (status NOT_REPLACED): the admin upload passes
    the editor's "replace" box, checked under the meeting's row lock.

    `original` is the file as published (PDF or text); it is stored with the meeting and
    offered on the meeting page. A replaced meeting without one loses the old original,
    which no longer matches its text. A batch loader may pass one `people` resolver for many
    meetings of one municipality (not with dry_run, whose persons are rolled back).

    The meeting belongs to `municipality` (a name or row), else to the one its export names,
    else to the archive's default (ARCHIVE_DEFAULT_MUNICIPALITY). Minutes replace an agenda of
    the same meeting in place; an agenda never replaces minutes (status KEPT_MINUTES).
    """
    storage = Meeting._meta.get_field("original_file").storage
    written: list[str] = []  # files saved by this call: removed again if it fails
    try:
        result, obsolete = _ingest_meeting(
            parsed,
            source_name=source_name,
            source_text=source_text,
            sha256=sha256,
            dry_run=dry_run,
            people=people,
            original=original,
            replace=replace,
            written=written,
            municipality=municipality,
        )
    except BaseException as error:
        for name in written:
            storage.delete(name)
        if isinstance(error, OperationalError) and isinstance(error.__cause__, ProgramLimitExceeded):
            # PostgreSQL's "string is too long for tsvector": an item's search vector is over 1 MB.
            raise MinutesError(TOO_LONG_TO_INDEX) from error
        raise
    if obsolete:
        # Registered outside the atomic block: runs when the outermost transaction commits.
        transaction.on_commit(lambda: [storage.delete(name) for name in obsolete])
    return result


def _ingest_meeting(
    parsed: minutes.Meeting,
    *,
    source_name: str,
    source_text: str,
    sha256: str,
    dry_run: bool,
    people: PersonResolver | None,
    original: bytes | None,
    replace: bool,
    written: list[str],
    municipality: Municipality | str | None,
) -> tuple[IngestResult, list[str]]:
    obsolete: list[str] = []  # files the meeting no longer refers to, deleted after commit
    with transaction.atomic():
        municipality = _municipality_for(parsed, municipality)
        if people is not None and people.municipality.pk != municipality.pk:
            raise ValueError("the person resolver belongs to another municipality")
        committee = _committee(parsed.committee, municipality)
        meeting = Meeting.objects.select_for_update().filter(committee=committee, date=parsed.date).first()
        if meeting is not None and meeting.source_sha256 == sha256:
            if original is not None and not meeting.original_file and not dry_run:
                # Loaded before originals were kept (or without one): the same file supplies it.
                meeting.original_file.save(Path(source_name).name, ContentFile(original), save=False)
                written.append(meeting.original_file.name)
                Meeting.objects.filter(pk=meeting.pk).update(original_file=meeting.original_file.name)
            return IngestResult(UNCHANGED, meeting, parsed, items=meeting.items.count()), []
        if meeting is not None and meeting.kind == Kind.MINUTES and parsed.kind == minutes.AGENDA:
            kept = IngestResult(KEPT_MINUTES, meeting, parsed, items=meeting.items.count())
            kept.warnings.append("the archive has this meeting's minutes; an agenda never replaces them")
            return kept, []
        if meeting is not None and not replace:
            return IngestResult(NOT_REPLACED, meeting, parsed, items=meeting.items.count()), []
        status = UPDATED if meeting else CREATED
        kept_files: dict[tuple[int, str], tuple[str, str, str]] = {}
        if meeting is None:
            meeting = Meeting(committee=committee, date=parsed.date)
        else:
            kept_files = {
                (number, title): (name, text, note)
                for number, title, name, text, note in Attachment.objects.filter(item__meeting=meeting)
                .exclude(file="")
                .values_list("item__number", "title", "file", "text", "text_note")
            }
            meeting.items.all().delete()
            meeting.absences.all().delete()
            meeting.members.all().delete()
        meeting.start_time = parsed.start_time
        meeting.location = parsed.location
        meeting.term = parsed.term
        meeting.kind = parsed.kind
        meeting.source_format = parsed.source_format
        meeting.source_name = source_name
        meeting.source_sha256 = sha256
        meeting.source_text = source_text
        previous_original = meeting.original_file.name if meeting.pk else ""
        if not dry_run:
            if original is not None:
                meeting.original_file.save(Path(source_name).name, ContentFile(original), save=False)
                written.append(meeting.original_file.name)
            else:
                meeting.original_file = ""
            if previous_original and previous_original != meeting.original_file.name:
                obsolete.append(previous_original)
        meeting.save()

        result = IngestResult(status, meeting, parsed, warnings=[str(w) for w in parsed.warnings])
        used_files = _write_items(
            meeting,
            parsed,
            result,
            people or PersonResolver(municipality),
            kept_files,
            dry_run=dry_run,
            written=written,
        )
        unused = {key: value for key, value in kept_files.items() if key not in used_files}
        # A file the export brings anew replaces the old one: obsolete, but not dropped.
        exported = {
            (item.number, item.attachments[f.position - 1])
            for item in parsed.items
            for f in item.files
            if 0 < f.position <= len(item.attachments)
        }
        result.dropped_attachment_files = [title for number, title in sorted(unused) if (number, title) not in exported]
        obsolete += [name for name, _text, _note in unused.values()]
        if dry_run:
            transaction.set_rollback(True)
            obsolete = []
        elif not bumps_deferred():
            # Alerts find new meetings by this number (decisions.alerts); Meeting.save above
            # already started a new archive generation (decisions.signals), this one is ours.
            meeting.written_generation = bump_archive_generation()
            Meeting.objects.filter(pk=meeting.pk).update(written_generation=meeting.written_generation)
    return result, obsolete


def _attachment_rows(
    item: minutes.Item,
    kept_files: dict[tuple[int, str], tuple[str, str, str]],
    used_files: set[tuple[int, str]],
    *,
    dry_run: bool,
    written: list[str],
) -> list[Attachment]:
    """The item's attachments: the files its export brings (stored, their text extracted),
    else the files an editor gave them before a replace (matched by item number and title)."""
    files = {f.position: f for f in item.files}
    rows = []
    for position, title in enumerate(item.attachments, 1):
        row = Attachment(position=position, title=title)
        exported = files.get(position)
        if exported is not None and not dry_run:
            text, note = (
                (exported.text, "") if exported.text is not None else extract_text(exported.name, exported.data)
            )
            row.file.save(Path(exported.name).name, ContentFile(exported.data), save=False)
            written.append(row.file.name)
            row.text, row.text_note = text, note
        elif (item.number, title) in kept_files:
            row.file, row.text, row.text_note = kept_files[(item.number, title)]
            used_files.add((item.number, title))
        rows.append(row)
    return rows


def _earlier(decisions: tuple[minutes.EarlierDecision, ...]) -> list[dict]:
    return [{"date": d.date.isoformat() if d.date else None, "body": d.body, "text": d.text} for d in decisions]


def _tallies(tallies: tuple[minutes.Tally, ...]) -> list[dict]:
    return [
        {
            "subject": t.subject,
            "for": t.for_count,
            "against": t.against_count,
            "abstain": t.abstain_count,
            "sentence": t.sentence,
        }
        for t in tallies
    ]


# The member list's statuses that are a whole-meeting absence, and how the meeting page says it.
_ABSENCE_SENTENCES = {
    minutes.ABSENT: "Fraværende (mødets deltagerliste)",
    minutes.APOLOGIES: "Afbud (mødets deltagerliste)",
}


def _write_items(
    meeting: Meeting,
    parsed: minutes.Meeting,
    result: IngestResult,
    people: PersonResolver,
    kept_files: dict[tuple[int, str], tuple[str, str, str]] | None = None,
    *,
    dry_run: bool = False,
    written: list[str] | None = None,
) -> set[tuple[int, str]]:
    """Write the items, votes, bloc votes, attachments, members and absences; the kept files it reused."""
    cases = _cases(parsed, meeting.committee.municipality)
    kept_files = kept_files or {}
    written = written if written is not None else []
    used_files: set[tuple[int, str]] = set()
    attachment_rows = [
        _attachment_rows(item, kept_files, used_files, dry_run=dry_run, written=written) if not item.closed else []
        for item in parsed.items
    ]
    items = AgendaItem.objects.bulk_create(
        [
            AgendaItem(
                meeting=meeting,
                meeting_date=meeting.date,
                number=item.number,
                title=item.title,
                toc_title=item.toc_title,
                category=item.category,
                case=cases.get(item.case.number) if item.case and not item.closed else None,
                case_number=item.case.number if item.case and not item.closed else "",
                sections=[]
                if item.closed
                else [{"kind": s.kind, "heading": s.heading, "text": s.text} for s in item.sections],
                outcome=minutes.NO_DECISION if item.closed else item.outcome,
                subject_outcomes={} if item.closed else dict(item.subject_outcomes),
                other_committees=[]
                if item.closed
                else [{"committee": o.committee, "sentence": o.sentence} for o in item.other_committees],
                closed=item.closed,
                earlier_decisions=[] if item.closed else _earlier(item.earlier_decisions),
                tallies=[] if item.closed else _tallies(item.tallies),
                protocol_notes=[] if item.closed else list(item.protocol_notes),
                # The same rule as refresh_attachment_text, for files kept from the replaced meeting.
                attachment_text="\n\n".join(a.text for a in rows if a.text),
            )
            for item, rows in zip(parsed.items, attachment_rows, strict=True)
        ]
    )
    new_before, notes_before = len(people.new_names), len(people.notes)
    votes, blocs, attachments, absences = [], [], [], {}
    for row, item, item_attachments in zip(items, parsed.items, attachment_rows, strict=True):
        if item.closed:
            continue  # nothing of a closed item but its number and title is kept
        for vote in item.votes:
            person = people.resolve(vote.name, vote.party)
            votes.append(
                Vote(
                    item=row,
                    person=person,
                    printed_name=vote.name,
                    position=vote.position,
                    subject=vote.subject,
                    party=vote.party,
                    role=vote.role,
                    sentence=vote.sentence,
                    line=vote.line,
                )
            )
        blocs += [
            BlocVote(
                item=row,
                parties=list(b.parties),
                label=b.label,
                position=b.position,
                subject=b.subject,
                sentence=b.sentence,
                line=b.line,
            )
            for b in item.bloc_votes
        ]
        for attachment in item_attachments:
            attachment.item = row
        attachments += item_attachments
        for absence in item.absences:
            person = people.resolve(absence.name, absence.party)
            # The same absence may be repeated under several items; it is one meeting absence.
            absences.setdefault(
                person.pk,
                MeetingAbsence(
                    meeting=meeting,
                    person=person,
                    printed_name=absence.name,
                    party=absence.party,
                    role=absence.role,
                    sentence=absence.sentence,
                    line=absence.line,
                ),
            )
    members: dict[int, MeetingMember] = {}
    for position, member in enumerate(parsed.members, 1):
        person = people.resolve(member.name, member.party)
        members.setdefault(
            person.pk,
            MeetingMember(
                meeting=meeting,
                person=person,
                printed_name=member.name[:200],
                party=member.party,
                role=member.role[:40],
                status=member.status,
                position=position,
            ),
        )
        if member.status in _ABSENCE_SENTENCES:
            # The member list is the record of who was away, and why (absent or apologies).
            absences[person.pk] = MeetingAbsence(
                meeting=meeting,
                person=person,
                printed_name=member.name[:200],
                party=member.party,
                role=member.role[:40],
                reason=member.status,
                sentence=_ABSENCE_SENTENCES[member.status],
            )
    # A sentence naming someone twice for the same subject is one vote.
    unique_votes = list({(v.item_id, v.person_id, v.subject, v.position): v for v in votes}.values())
    Vote.objects.bulk_create(unique_votes)
    BlocVote.objects.bulk_create(blocs)
    Attachment.objects.bulk_create(attachments)
    MeetingAbsence.objects.bulk_create(absences.values())
    MeetingMember.objects.bulk_create(members.values())
    # Committee membership per term: the meeting's member list where the format has one, else
    # derived from who is named in the minutes. Rows an editor has set (derived=False) are left
    # alone by ignore_conflicts.
    roles: dict[int, str] = {}
    named = members.values() if members else [*unique_votes, *absences.values()]
    for row in named:
        # A specific role (Formand, Rådmand) wins over the generic "Udvalgsmedlem".
        current = roles.get(row.person_id, "")
        roles[row.person_id] = current if current not in ("", "Udvalgsmedlem", "Medlem") else row.role or current
    Membership.objects.bulk_create(
        [
            Membership(committee=meeting.committee, person_id=pk, term=meeting.term, role=role, derived=True)
            for pk, role in roles.items()
        ],
        ignore_conflicts=True,
    )
    result.items = len(items)
    result.votes = len(unique_votes)
    result.new_persons = people.new_names[new_before:]
    result.person_notes = people.notes[notes_before:]
    result.warnings += [str(note) for note in result.person_notes]
    return used_files


# What can differ between an item in the archive and the same item in new minutes.
ITEM_FIELDS = ("title", "category", "case_number", "outcome", "sections", "votes", "bloc_votes", "attachments")
MEETING_FIELDS = ("start_time", "location", "term", "absences")


@dataclass
class ItemChange:
    """An item present before and after, and which of ITEM_FIELDS differ."""

    number: int
    title: str  # the new title
    fields: list[str]


@dataclass
class ChangeSummary:
    """What ingesting parsed minutes would change for an existing meeting (committee + date)."""

    meeting: Meeting | None
    same_file: bool = False
    added: list[tuple[int, str]] = field(default_factory=list)  # (number, title)
    removed: list[tuple[int, str]] = field(default_factory=list)
    changed: list[ItemChange] = field(default_factory=list)
    meeting_fields: list[str] = field(default_factory=list)  # which of MEETING_FIELDS differ
    votes_before: int = 0  # named votes (item-level absences not counted)
    votes_after: int = 0

    @property
    def replaces(self) -> bool:
        return self.meeting is not None and not self.same_file

    @property
    def identical_content(self) -> bool:
        """Another file, but nothing the archive reads from it differs."""
        return self.replaces and not (self.added or self.removed or self.changed or self.meeting_fields)


def _words(text: str) -> str:
    """Text compared for change: the same words in the same order (a PDF and a text file of the
    same minutes differ in line breaks)."""
    return " ".join(text.split())


def _parsed_item_key(item: minutes.Item) -> dict:
    return {
        "title": item.title,
        "category": item.category,
        "case_number": item.case.number if item.case else "",
        "outcome": item.outcome,
        "sections": [(s.kind, s.heading, _words(s.text)) for s in item.sections],
        "votes": sorted((v.name, v.party, v.position, v.subject) for v in item.votes),
        "bloc_votes": sorted((tuple(b.parties), b.label, b.position, b.subject) for b in item.bloc_votes),
        "attachments": list(item.attachments),
    }


def meeting_changes(
    parsed: minutes.Meeting, *, sha256: str, municipality: Municipality | str | None = None
) -> ChangeSummary:
    """Compare parsed minutes with the meeting already in the archive, item by item."""
    if isinstance(municipality, str):
        municipality = Municipality.objects.filter(name__iexact=municipality).first()
    elif municipality is None:
        name = parsed.municipality or settings.ARCHIVE_DEFAULT_MUNICIPALITY
        municipality = Municipality.objects.filter(name__iexact=name).first()
    meeting = Meeting.objects.filter(
        committee__municipality=municipality, committee__name=parsed.committee, date=parsed.date
    ).first()
    if meeting is None:
        return ChangeSummary(None)
    if meeting.source_sha256 == sha256:
        return ChangeSummary(meeting, same_file=True)
    old: dict[int, dict] = {}
    for item in meeting.items.only("number", "title", "category", "case_number", "outcome", "sections"):
        old[item.number] = {
            "title": item.title,
            "category": item.category,
            "case_number": item.case_number,
            "outcome": item.outcome,
            "sections": [(s["kind"], s["heading"], _words(s["text"])) for s in item.sections],
            "votes": [],
            "bloc_votes": [],
            "attachments": [],
        }
    votes = Vote.objects.filter(item__meeting=meeting).values_list(
        "item__number", "printed_name", "person__name", "party", "position", "subject"
    )
    for number, printed, name, party, position, subject in votes:
        old[number]["votes"].append((printed or name, party, position, subject))
    for number, parties, label, position, subject in BlocVote.objects.filter(item__meeting=meeting).values_list(
        "item__number", "parties", "label", "position", "subject"
    ):
        old[number]["bloc_votes"].append((tuple(parties), label, position, subject))
    for number, title in (
        Attachment.objects.filter(item__meeting=meeting).order_by("position").values_list("item__number", "title")
    ):
        old[number]["attachments"].append(title)
    for values in old.values():
        values["votes"].sort()
        values["bloc_votes"].sort()
    new = {item.number: (item.title, _parsed_item_key(item)) for item in parsed.items}

    absences_before = sorted(
        (printed or name) for printed, name in meeting.absences.values_list("printed_name", "person__name")
    )
    absences_after = sorted({a.name for a in parsed.absences})
    before = {"start_time": meeting.start_time, "location": meeting.location, "term": meeting.term}
    after = {"start_time": parsed.start_time, "location": parsed.location, "term": parsed.term}
    meeting_fields = [name for name in ("start_time", "location", "term") if before[name] != after[name]]
    if absences_before != absences_after:
        meeting_fields.append("absences")
    return ChangeSummary(
        meeting,
        added=[(n, new[n][0]) for n in sorted(set(new) - set(old))],
        removed=[(n, old[n]["title"]) for n in sorted(set(old) - set(new))],
        changed=[
            ItemChange(n, new[n][0], [f for f in ITEM_FIELDS if old[n][f] != new[n][1][f]])
            for n in sorted(set(old) & set(new))
            if old[n] != new[n][1]
        ],
        meeting_fields=meeting_fields,
        votes_before=sum(1 for vote in votes if vote[4] != minutes.ABSENT),
        votes_after=sum(1 for item in parsed.items for vote in item.votes if vote.position != minutes.ABSENT),
    )


@dataclass
class AttachmentFileResult:
    """What giving an attachment its file did: the text found, or why there is none."""

    text_chars: int = 0
    note: str = ""  # e.g. the PdfError message of a scanned PDF; "" when all went well


def set_attachment_file(attachment: Attachment, *, name: str | None, data: bytes | None) -> AttachmentFileResult:
    """Give an attachment its file (or remove it with name=None): the one place that does.

    The text of a PDF or .docx is extracted (decisions.minutes.attachments) into Attachment.text;
    the item's attachment_text, searched at the lowest weight, is then refreshed. Another file,
    or a PDF without readable text, is stored without text and the reason in text_note. The replaced file is removed
    from storage after commit.
    """
    result = AttachmentFileResult()
    text = ""
    if data is not None and name:
        text, result.note = extract_text(name, data)
    result.text_chars = len(text)
    storage = attachment.file.storage
    # The stored name, not whatever a bound form has put on the instance meanwhile.
    previous = Attachment.objects.filter(pk=attachment.pk).values_list("file", flat=True).first() or ""
    with transaction.atomic():
        if data is not None and name:
            attachment.file.save(Path(name).name, ContentFile(data), save=False)
        else:
            attachment.file = ""
        attachment.text = text
        attachment.text_note = result.note if data is not None else ""
        attachment.save(update_fields=["file", "text", "text_note"])
        refresh_attachment_text(attachment.item_id)
        if previous and previous != attachment.file.name:
            transaction.on_commit(lambda: storage.delete(previous))
    return result


def refresh_attachment_text(item: AgendaItem | int) -> None:
    """Keep the item's searchable attachment text equal to its attachments' texts, in order."""
    pk = item.pk if isinstance(item, AgendaItem) else item
    texts = Attachment.objects.filter(item_id=pk).exclude(text="").order_by("position").values_list("text", flat=True)
    AgendaItem.objects.filter(pk=pk).update(attachment_text="\n\n".join(texts))
    bump_archive_generation()  # .update() sends no signal


def set_item_case(item: AgendaItem, number: str) -> None:
    """Correct an item's case number ("" for none), keeping `case` and the searched copy in step."""
    if number:
        parsed = parse_case_number(number)
        if parsed is None:
            raise ValueError(f"not a case number: {number!r}")
        case, _created = Case.objects.get_or_create(
            municipality_id=AgendaItem.objects.values_list("meeting__committee__municipality_id", flat=True).get(
                pk=item.pk
            ),
            number=parsed.number,
            defaults={"kle": parsed.kle, "facet": parsed.facet, "serial": parsed.serial, "year": parsed.year},
        )
        item.case, item.case_number = case, case.number
    else:
        item.case, item.case_number = None, ""
    AgendaItem.objects.filter(pk=item.pk).update(case=item.case, case_number=item.case_number)
    bump_archive_generation()  # .update() sends no signal


def create_person(name: str, party: str, *, municipality: Municipality) -> Person:
    """A person added by an editor, with their name as the first spelling."""
    with transaction.atomic():
        person = Person.objects.create(
            municipality=municipality,
            name=name,
            slug=claim_person_slug(name, municipality=municipality),
            party=party,
        )
        PersonAlias.objects.create(person=person, name=name)
    return person


@dataclass
class MergeResult:
    """What merge_persons moved onto the kept person, and what it dropped as duplicates."""

    votes: int = 0
    absences: int = 0
    memberships: int = 0
    aliases: int = 0
    dropped_votes: int = 0  # the kept person already had the same vote (item, subject, position)
    dropped_absences: int = 0

    def __str__(self) -> str:
        return (
            f"{self.votes} votes, {self.absences} absences, {self.memberships} memberships, "
            f"{self.aliases} spellings moved; {self.dropped_votes} duplicate votes and "
            f"{self.dropped_absences} duplicate absences dropped"
        )


@transaction.atomic
def merge_persons(*, keep: Person, other: Person) -> MergeResult:
    """Move votes, absences, memberships and spellings of `other` onto `keep`, then delete `other`.

    Rows that would break a unique constraint (the kept person already has the same vote,
    absence, membership or spelling) are not duplicated: the kept person's row stays, and a
    membership an editor set (derived=False) wins over a derived one. Every moved vote and
    absence keeps its printed name, so split_alias can undo the merge. The slug of `other`
    (and every slug merged into it before) redirects to `keep` from then on.
    """
    if keep.pk == other.pk:
        raise ValueError("a person cannot be merged with itself")
    if keep.municipality_id != other.municipality_id:
        raise ValueError("persons of two municipalities are two people and cannot be merged")
    keep, other = (Person.objects.select_for_update().get(pk=p.pk) for p in (keep, other))
    result = MergeResult()
    kept_votes = set(Vote.objects.filter(person=keep).values_list("item_id", "subject", "position"))
    duplicate_votes = [
        pk
        for pk, item, subject, position in Vote.objects.filter(person=other).values_list(
            "pk", "item_id", "subject", "position"
        )
        if (item, subject, position) in kept_votes
    ]
    result.dropped_votes = Vote.objects.filter(pk__in=duplicate_votes).delete()[0]
    result.votes = Vote.objects.filter(person=other).update(person=keep)

    kept_meetings = set(MeetingAbsence.objects.filter(person=keep).values_list("meeting_id", flat=True))
    result.dropped_absences = MeetingAbsence.objects.filter(person=other, meeting_id__in=kept_meetings).delete()[0]
    result.absences = MeetingAbsence.objects.filter(person=other).update(person=keep)
    # A member list names each person once a meeting: the kept person's row stays.
    listed = set(MeetingMember.objects.filter(person=keep).values_list("meeting_id", flat=True))
    MeetingMember.objects.filter(person=other, meeting_id__in=listed).delete()
    MeetingMember.objects.filter(person=other).update(person=keep)

    kept_seats = {(m.committee_id, m.term): m for m in Membership.objects.filter(person=keep)}
    for membership in Membership.objects.filter(person=other):
        seat = kept_seats.get((membership.committee_id, membership.term))
        if seat is None:
            Membership.objects.filter(pk=membership.pk).update(person=keep)
            result.memberships += 1
            continue
        if seat.derived and not membership.derived:
            seat.role, seat.derived = membership.role, False
            seat.save(update_fields=["role", "derived"])
        membership.delete()

    kept_names = set(PersonAlias.objects.filter(person=keep).values_list("name", flat=True))
    PersonAlias.objects.filter(person=other, name__in=kept_names).delete()
    result.aliases = PersonAlias.objects.filter(person=other).update(person=keep)
    if other.name not in kept_names | set(PersonAlias.objects.filter(person=keep).values_list("name", flat=True)):
        PersonAlias.objects.create(person=keep, name=other.name)
    if not keep.party and other.party:
        keep.party = other.party
        keep.save(update_fields=["party"])
    # Links to the merged person's pages keep working. Slugs merged into `other` before are moved
    # too (before the delete would cascade to them), so that an old slug leads straight to the
    # person it now belongs to, never through a chain of redirects.
    PersonSlugRedirect.objects.filter(person=other).update(person=keep)
    PersonSlugRedirect.objects.create(municipality_id=keep.municipality_id, old_slug=other.slug, person=keep)
    move_person_alerts(other=other, keep=keep)  # before the delete would cascade to them
    other.delete()
    bump_archive_generation()  # .update() sends no signal
    return result


@dataclass
class SplitPreview:
    """What split_alias would move to a new person."""

    alias: PersonAlias
    votes: int
    absences: int
    party: str


def split_preview(alias: PersonAlias) -> SplitPreview:
    person = alias.person
    votes = Vote.objects.filter(person=person, printed_name=alias.name)
    party = votes.exclude(party="").values_list("party", flat=True).first() or person.party
    absences = MeetingAbsence.objects.filter(person=person, printed_name=alias.name)
    return SplitPreview(alias, votes.count(), absences.count(), party)


@transaction.atomic
def split_alias(alias: PersonAlias) -> Person:
    """Undo a merge: a spelling becomes its own person, taking the votes and absences printed
    with it (Vote.printed_name, MeetingAbsence.printed_name) and the derived memberships that
    only those rows support; the person keeps the rest."""
    person = Person.objects.select_for_update().get(pk=alias.person_id)
    if person.aliases.count() < 2:
        raise ValueError("the person has only this spelling")
    preview = split_preview(alias)
    new = Person.objects.create(
        municipality_id=person.municipality_id,
        name=alias.name,
        slug=claim_person_slug(alias.name, municipality=person.municipality),
        party=preview.party,
    )
    Vote.objects.filter(person=person, printed_name=alias.name).update(person=new)
    MeetingAbsence.objects.filter(person=person, printed_name=alias.name).update(person=new)
    MeetingMember.objects.filter(person=person, printed_name=alias.name).update(person=new)
    PersonAlias.objects.filter(pk=alias.pk).update(person=new)
    alias.person = new
    if person.name == alias.name:
        # The person was known by this spelling: they keep the name of their most used other one.
        names = list(PersonAlias.objects.filter(person=person).values_list("name", flat=True))
        used = dict(
            Vote.objects.filter(person=person, printed_name__in=names)
            .values_list("printed_name")
            .annotate(n=Count("pk"))
            .values_list("printed_name", "n")
        )
        remaining = min(names, key=lambda name: (-used.get(name, 0), name))
        person.name = remaining
        person.save(update_fields=["name"])
    _move_memberships(person, new)
    bump_archive_generation()  # .update() sends no signal
    return new


def _seats(person: Person) -> set[tuple[int, str]]:
    """(committee, term) of the meetings a person is named in, by vote, absence or member list."""
    by_vote = Vote.objects.filter(person=person).values_list("item__meeting__committee_id", "item__meeting__term")
    by_absence = MeetingAbsence.objects.filter(person=person).values_list("meeting__committee_id", "meeting__term")
    listed = MeetingMember.objects.filter(person=person).values_list("meeting__committee_id", "meeting__term")
    return set(by_vote) | set(by_absence) | set(listed)


def _move_memberships(old: Person, new: Person) -> None:
    """After a split: the new person gets a seat wherever their rows are; a derived seat of the
    old person that only the moved rows supported moves with them."""
    new_seats, old_seats = _seats(new), _seats(old)
    for membership in Membership.objects.filter(person=old):
        seat = (membership.committee_id, membership.term)
        if seat in new_seats and seat not in old_seats and membership.derived:
            Membership.objects.filter(pk=membership.pk).update(person=new)
    have = set(Membership.objects.filter(person=new).values_list("committee_id", "term"))
    roles = dict(
        ((committee, term), role)
        for committee, term, role in Membership.objects.filter(person=old).values_list("committee_id", "term", "role")
    )
    Membership.objects.bulk_create(
        [
            Membership(committee_id=committee, person=new, term=term, role=roles.get((committee, term), ""))
            for committee, term in sorted(new_seats - have)
        ],
        ignore_conflicts=True,
    )


@dataclass(frozen=True)
class DuplicatePair:
    """Two persons that may be one: same party and given name, similar surname."""

    first: Person
    second: Person
    similarity: float


def possible_duplicate_persons(*, threshold: float = 0.3, limit: int = 500) -> list[DuplicatePair]:
    """Pairs of persons with the same party and given name and a similar surname (pg_trgm
    similarity of the surnames, the words after the first), most similar first."""
    table = connection.ops.quote_name(Person._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH p AS (
                SELECT id, municipality_id, party, split_part(name, ' ', 1) AS given,
                       substr(name, strpos(name, ' ') + 1) AS surname
                FROM {table} WHERE strpos(name, ' ') > 0
            )
            SELECT a.id, b.id, similarity(a.surname, b.surname) AS s
            FROM p a JOIN p b
              ON a.municipality_id = b.municipality_id AND a.party = b.party AND a.given = b.given AND a.id < b.id
            WHERE similarity(a.surname, b.surname) >= %s
            ORDER BY s DESC, a.id, b.id
            LIMIT %s
            """,
            [threshold, limit],
        )
        rows = cursor.fetchall()
    persons = Person.objects.in_bulk({pk for a, b, _ in rows for pk in (a, b)})
    return [DuplicatePair(persons[a], persons[b], round(s, 2)) for a, b, s in rows]


def similar_persons(
    name: str, party: str, *, municipality: Municipality | None = None, threshold: float = 0.5, limit: int = 3
) -> list[Person]:
    """Known persons of the municipality whose name resembles `name` (trigram similarity), same
    party first: for warning about a new person at upload."""
    persons = Person.objects.filter(municipality=municipality) if municipality else Person.objects.all()
    return list(
        persons.annotate(similarity=TrigramSimilarity("name", name))
        .filter(similarity__gte=threshold)
        .exclude(name=name, party=party)
        .order_by("-similarity", "name")[:limit]
    )
