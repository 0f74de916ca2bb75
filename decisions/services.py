"""The one write path: parsed minutes into the database, one transaction per meeting."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify

from decisions.minutes import MinutesError, decode_minutes, parse_minutes
from decisions.minutes import types as minutes
from decisions.models import (
    AgendaItem,
    Attachment,
    BlocVote,
    Case,
    Committee,
    Meeting,
    MeetingAbsence,
    Membership,
    Person,
    PersonAlias,
    Vote,
)
from decisions.search import bump_archive_generation

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
_DANISH_TRANSLITERATION = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


def danish_slug(text: str) -> str:
    """A URL slug that keeps Danish letters readable (Ørbæk → oerbaek)."""
    return slugify(text.translate(_DANISH_TRANSLITERATION))[:190] or "x"


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


def read_minutes_file(data: bytes, *, name: str) -> tuple[str, minutes.Meeting, list[minutes.ParseWarning]]:
    """Bytes of a .txt (or .pdf) minutes file to its text and parsed meeting; MinutesError if not."""
    limit = settings.ARCHIVE_MAX_MINUTES_BYTES
    if len(data) > limit:
        raise MinutesError(f"the file is {len(data) / 1e6:.1f} MB, over the limit of {limit / 1e6:.0f} MB")
    if name.lower().endswith(".pdf") or data[:5] == b"%PDF-":
        from decisions.minutes.pdf import PdfError, pdf_to_text

        try:
            text, decode_warnings = pdf_to_text(data), []
        except PdfError as exc:
            raise MinutesError(str(exc)) from None
    else:
        text, decode_warnings = decode_minutes(data)
    return text, parse_minutes(text), decode_warnings


def ingest_file(path: Path, *, dry_run: bool = False) -> IngestResult:
    """Ingest one minutes file from disk."""
    size = path.stat().st_size
    if size > settings.ARCHIVE_MAX_MINUTES_BYTES:
        limit = settings.ARCHIVE_MAX_MINUTES_BYTES
        raise MinutesError(f"the file is {size / 1e6:.1f} MB, over the limit of {limit / 1e6:.0f} MB")
    return ingest_bytes(path.read_bytes(), name=path.name, dry_run=dry_run)


def ingest_bytes(data: bytes, *, name: str, dry_run: bool = False) -> IngestResult:
    """Read, parse and ingest one minutes file given as bytes (upload or disk); keeps the original."""
    text, parsed, decode_warnings = read_minutes_file(data, name=name)
    result = ingest_meeting(
        parsed,
        source_name=name,
        source_text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        dry_run=dry_run,
        original=data,
    )
    result.warnings[:0] = [str(w) for w in decode_warnings]
    return result


class PersonResolver:
    """Finds or creates the person behind a printed name, conservatively.

    One rule links spellings: same given name, same party, surnames one edit apart
    (fixtures: "Tommy Hummellose (C)" and "Tommy Hummelose (C)"). Anything less certain
    creates a new person and leaves merging to an editor.
    """

    def __init__(self) -> None:
        self.persons: dict[int, Person] = {p.pk: p for p in Person.objects.all()}
        self.by_alias: dict[str, list[int]] = {}
        for alias in PersonAlias.objects.all():
            self.by_alias.setdefault(alias.name, []).append(alias.person_id)
        self.new_names: list[str] = []
        self.notes: list[str] = []

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
                    self.notes.append(f"{name} ({party}) linked to {person.name} ({party}) as another spelling")
                    return person
        if candidates:
            self.notes.append(f"possible duplicate person: {name} ({party or '?'}) also seen in another party")
        return self._create(name, party)

    def _aliases(self, person: Person) -> list[str]:
        return [name for name, pks in self.by_alias.items() if person.pk in pks]

    def _add_alias(self, person: Person, name: str) -> None:
        PersonAlias.objects.create(person=person, name=name)
        self.by_alias.setdefault(name, []).append(person.pk)

    @staticmethod
    def _create_bare(name: str, party: str) -> Person:
        base = danish_slug(name)
        slug, n = base, 2
        while Person.objects.filter(slug=slug).exists():
            slug, n = f"{base}-{n}", n + 1
        return Person.objects.create(name=name, slug=slug, party=party)

    def _create(self, name: str, party: str) -> Person:
        person = self._create_bare(name, party)
        self.persons[person.pk] = person
        self._add_alias(person, name)
        self.new_names.append(str(person))
        return person


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


def _cases(parsed: minutes.Meeting) -> dict[str, Case]:
    numbers = {item.case.number: item.case for item in parsed.items if item.case}
    existing = {c.number: c for c in Case.objects.filter(number__in=numbers)}
    missing = [
        Case(number=n, kle=c.kle, facet=c.facet, serial=c.serial, year=c.year)
        for n, c in numbers.items()
        if n not in existing
    ]
    Case.objects.bulk_create(missing, ignore_conflicts=True)
    if missing:
        existing = {c.number: c for c in Case.objects.filter(number__in=numbers)}
    return existing


def _committee(name: str) -> Committee:
    committee = Committee.objects.filter(name=name).first()
    if committee is None:
        base = danish_slug(name)
        slug, n = base, 2
        while Committee.objects.filter(slug=slug).exists():
            slug, n = f"{base}-{n}", n + 1
        committee = Committee.objects.create(name=name, slug=slug)
    return committee


def ingest_meeting(
    parsed: minutes.Meeting,
    *,
    source_name: str,
    source_text: str,
    sha256: str,
    dry_run: bool = False,
    people: PersonResolver | None = None,
    original: bytes | None = None,
) -> IngestResult:
    """Create or replace one meeting (natural key: committee + date) in one transaction.

    An unchanged file (same SHA-256) writes nothing; a changed one replaces the meeting's
    content in place, keeping the meeting row and so its URLs. A batch loader may pass one
    `people` resolver for many meetings (not with dry_run, whose persons are rolled back).
    """
    with transaction.atomic():
        committee = _committee(parsed.committee)
        meeting = Meeting.objects.select_for_update().filter(committee=committee, date=parsed.date).first()
        if meeting is not None and meeting.source_sha256 == sha256:
            return IngestResult(UNCHANGED, meeting, parsed, items=meeting.items.count())
        status = UPDATED if meeting else CREATED
        if meeting is None:
            meeting = Meeting(committee=committee, date=parsed.date)
        else:
            meeting.items.all().delete()
            meeting.absences.all().delete()
        meeting.start_time = parsed.start_time
        meeting.location = parsed.location
        meeting.term = parsed.term
        meeting.source_name = source_name
        meeting.source_sha256 = sha256
        meeting.source_text = source_text
        if original is not None and not dry_run:
            # The file as published (PDF or text), offered on the meeting page as "Original referat".
            meeting.original_file.save(Path(source_name).name, ContentFile(original), save=False)
        meeting.save()

        result = IngestResult(status, meeting, parsed, warnings=[str(w) for w in parsed.warnings])
        _write_items(meeting, parsed, result, people or PersonResolver())
        if dry_run:
            transaction.set_rollback(True)
        else:
            # Cached search facets describe the archive before this meeting: start a new generation.
            transaction.on_commit(bump_archive_generation)
    return result


def _write_items(meeting: Meeting, parsed: minutes.Meeting, result: IngestResult, people: PersonResolver) -> None:
    cases = _cases(parsed)
    items = AgendaItem.objects.bulk_create(
        [
            AgendaItem(
                meeting=meeting,
                number=item.number,
                title=item.title,
                toc_title=item.toc_title,
                category=item.category,
                case=cases.get(item.case.number) if item.case else None,
                case_number=item.case.number if item.case else "",
                sections=[{"kind": s.kind, "heading": s.heading, "text": s.text} for s in item.sections],
                outcome=item.outcome,
                subject_outcomes=dict(item.subject_outcomes),
                other_committees=[{"committee": o.committee, "sentence": o.sentence} for o in item.other_committees],
            )
            for item in parsed.items
        ]
    )
    new_before, notes_before = len(people.new_names), len(people.notes)
    votes, blocs, attachments, absences = [], [], [], {}
    for row, item in zip(items, parsed.items, strict=True):
        for vote in item.votes:
            person = people.resolve(vote.name, vote.party)
            votes.append(
                Vote(
                    item=row,
                    person=person,
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
        attachments += [Attachment(item=row, position=i, title=title) for i, title in enumerate(item.attachments, 1)]
        for absence in item.absences:
            person = people.resolve(absence.name, absence.party)
            # The same absence may be repeated under several items; it is one meeting absence.
            absences.setdefault(
                person.pk,
                MeetingAbsence(
                    meeting=meeting,
                    person=person,
                    party=absence.party,
                    role=absence.role,
                    sentence=absence.sentence,
                    line=absence.line,
                ),
            )
    # A sentence naming someone twice for the same subject is one vote.
    unique_votes = list({(v.item_id, v.person_id, v.subject, v.position): v for v in votes}.values())
    Vote.objects.bulk_create(unique_votes)
    BlocVote.objects.bulk_create(blocs)
    Attachment.objects.bulk_create(attachments)
    MeetingAbsence.objects.bulk_create(absences.values())
    # Committee membership per term is derived from who is named in the minutes; rows an
    # editor has set (derived=False) are left alone by ignore_conflicts.
    roles: dict[int, str] = {}
    for row in [*unique_votes, *absences.values()]:
        # A specific role (Formand, Rådmand) wins over the generic "Udvalgsmedlem".
        current = roles.get(row.person_id, "")
        roles[row.person_id] = current if current not in ("", "Udvalgsmedlem") else row.role or current
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
    result.warnings += people.notes[notes_before:]


@dataclass
class ChangeSummary:
    """What ingesting parsed minutes would change for an existing meeting (committee + date)."""

    meeting: Meeting | None
    same_file: bool = False
    added: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)

    @property
    def replaces(self) -> bool:
        return self.meeting is not None and not self.same_file


def meeting_changes(parsed: minutes.Meeting, *, sha256: str) -> ChangeSummary:
    """Compare parsed minutes with the meeting already in the archive, item by item."""
    meeting = Meeting.objects.filter(committee__name=parsed.committee, date=parsed.date).first()
    if meeting is None:
        return ChangeSummary(None)
    if meeting.source_sha256 == sha256:
        return ChangeSummary(meeting, same_file=True)
    old = {
        item.number: (item.title, item.case_number, item.outcome, item.sections)
        for item in meeting.items.only("number", "title", "case_number", "outcome", "sections")
    }
    new = {
        item.number: (
            item.title,
            item.case.number if item.case else "",
            item.outcome,
            [{"kind": s.kind, "heading": s.heading, "text": s.text} for s in item.sections],
        )
        for item in parsed.items
    }
    return ChangeSummary(
        meeting,
        added=sorted(set(new) - set(old)),
        removed=sorted(set(old) - set(new)),
        changed=sorted(n for n in set(old) & set(new) if old[n] != new[n]),
    )


def attach_file(attachment: Attachment, *, name: str, data: bytes) -> None:
    """Give an attachment its file; a PDF's text is extracted and searched with the item (weight D)."""
    from decisions.minutes.pdf import PdfError, pdf_to_text

    text = ""
    if data[:5] == b"%PDF-":
        try:
            text = pdf_to_text(data)
        except PdfError:
            text = ""  # a scanned or unreadable attachment is kept, just not searchable
    with transaction.atomic():
        attachment.file.save(Path(name).name, ContentFile(data), save=False)
        attachment.text = text
        attachment.save()
        refresh_attachment_text(attachment.item)


def refresh_attachment_text(item: AgendaItem) -> None:
    """Keep the item's searchable attachment text equal to its attachments' texts."""
    texts = item.attachments.exclude(text="").order_by("position").values_list("text", flat=True)
    AgendaItem.objects.filter(pk=item.pk).update(attachment_text="\n\n".join(texts))
    transaction.on_commit(bump_archive_generation)


@transaction.atomic
def merge_persons(*, keep: Person, other: Person) -> None:
    """Move votes, absences, memberships and aliases of `other` onto `keep`, then delete `other`."""
    if keep.pk == other.pk:
        raise ValueError("a person cannot be merged with itself")
    for vote in Vote.objects.filter(person=other):
        if Vote.objects.filter(item=vote.item_id, person=keep, subject=vote.subject, position=vote.position).exists():
            vote.delete()
        else:
            Vote.objects.filter(pk=vote.pk).update(person=keep)
    for absence in MeetingAbsence.objects.filter(person=other):
        if MeetingAbsence.objects.filter(meeting=absence.meeting_id, person=keep).exists():
            absence.delete()
        else:
            MeetingAbsence.objects.filter(pk=absence.pk).update(person=keep)
    for membership in Membership.objects.filter(person=other):
        if Membership.objects.filter(committee=membership.committee_id, person=keep, term=membership.term).exists():
            membership.delete()
        else:
            Membership.objects.filter(pk=membership.pk).update(person=keep)
    for alias in PersonAlias.objects.filter(person=other):
        if PersonAlias.objects.filter(person=keep, name=alias.name).exists():
            alias.delete()
        else:
            PersonAlias.objects.filter(pk=alias.pk).update(person=keep)
    if not keep.party and other.party:
        keep.party = other.party
        keep.save(update_fields=["party"])
    other.delete()
    transaction.on_commit(bump_archive_generation)


@transaction.atomic
def split_alias(alias: PersonAlias) -> Person:
    """Undo a merge: a spelling becomes its own person, taking the votes and absences printed with it."""
    person = alias.person
    if person.aliases.count() < 2:
        raise ValueError("the person has only this spelling")
    party = (
        Vote.objects.filter(person=person, sentence__contains=alias.name)
        .exclude(party="")
        .values_list("party", flat=True)
        .first()
        or person.party
    )
    new = PersonResolver()._create_bare(alias.name, party)
    Vote.objects.filter(person=person, sentence__contains=alias.name).update(person=new)
    MeetingAbsence.objects.filter(person=person, sentence__contains=alias.name).update(person=new)
    alias.person = new
    alias.save(update_fields=["person"])
    transaction.on_commit(bump_archive_generation)
    return new
