"""`manage.py ingest FILE.json --municipality "Hvidovre Kommune"` with Hvidovre's real FirstAgenda
answer (fixtures/formats/firstagenda/dagsorden_oekonomiudvalget_2026-05-18.json): the meeting is
stored with its items, and reading it again changes nothing."""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command

from decisions.models import AgendaItem, Attachment, Meeting, MeetingMember, Municipality
from tests.readers.test_firstagenda import AGENDA, ITEMS, MEMBERS


def ingest(path) -> str:
    out = io.StringIO()
    call_command("ingest", str(path), municipality="Hvidovre Kommune", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_ingest_of_a_firstagenda_json_creates_the_meeting_and_again_is_unchanged(db):
    first = ingest(AGENDA)
    assert "meetings created 1, updated 0, unchanged 0, failed 0; items 12, votes 0" in first
    (meeting,) = Meeting.objects.all()
    assert (meeting.committee.name, meeting.committee.municipality.name, meeting.committee.municipality.code) == (
        "Økonomiudvalget",
        "Hvidovre Kommune",
        167,
    )
    assert (meeting.date, meeting.start_time, meeting.location, meeting.kind, meeting.term) == (
        dt.date(2026, 5, 18),
        dt.time(17, 0),
        "Hvidovre",
        "agenda",
        "2026-2029",
    )
    assert (meeting.source_format, meeting.source_name) == ("firstagenda", AGENDA.name)
    rows = AgendaItem.objects.filter(meeting=meeting).order_by("number")
    assert [(i.number, i.title, i.case_number or None, i.closed) for i in rows] == ITEMS
    three = rows.get(number=3)
    assert [(e["date"], e["body"]) for e in three.earlier_decisions] == [("2026-03-16", "Økonomiudvalget")]
    assert three.decision == "" and three.outcome == "none"
    assert list(Attachment.objects.filter(item=three).order_by("position").values_list("title", flat=True))[:2] == [
        "Ansøgningsskrivelse skema A Grenhusene 9.dec inkl. bilag",
        "Arkitekturets konsekvensvurdering af Grenhusene",
    ]
    members = MeetingMember.objects.filter(meeting=meeting).order_by("position")
    assert [(m.printed_name, m.status) for m in members] == [(name, "unknown") for name in MEMBERS]

    again = ingest(AGENDA)
    assert "meetings created 0, updated 0, unchanged 1, failed 0" in again
    assert Meeting.objects.count() == 1 and AgendaItem.objects.count() == 12
    assert Municipality.objects.filter(name="Hvidovre Kommune").count() == 1
